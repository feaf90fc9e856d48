//! FIS target resolution (issue 17, item 8): a target that resolves to no
//! node fails the experiment (`empty_target_resolution_mode: fail`, the AWS
//! default) or is skipped (`skip`), and targets filter nodes on their
//! attributes (`filters: [{ path, values }]`). End to end through the
//! binary, on a small model written here.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;

/// Two tiers in two zones, called in a chain (`web` then `api`), with no
/// load balancer: a caller picks an instance itself (preferring its own
/// zone), so a down instance fails the requests sent to it.
const MODEL: &str = "\
name: two-tiers
zones: [a, b]
components:
  web:
    kind: tier
    preset: aws/m5.large
    zones: [a, b]
    per_zone: 2
    concurrency: 16
    service_time: 5ms
    tags: [frontend]
  api:
    kind: tier
    preset: aws/t3.medium
    zones: [a, b]
    per_zone: 1
    concurrency: 16
    service_time: 5ms
requests:
  page: { share: 1, path: [web, api] }
";

/// Half of `web` (zone a) refuses for 2 of 10 minutes; a second action
/// targets a tag no component carries.
const TAG_MATCHES_NOTHING: &str = "\
name: tag-matches-nothing
horizon: 10m
workload: { rate: 100/s }
faults:
  - { id: crash-web-a, action: instance_crash, target: { tier: web, zone: a }, at: 1m, duration: 2m, mode: refuse }
  - { id: crash-critical, action: instance_crash, target: { tag: critical }, at: 5m, duration: 2m }
";

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        let files = Files {
            dir: tempfile::tempdir().unwrap(),
        };
        files.write("model.yaml", MODEL);
        files
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `firedrill run model.yaml --scenario NAME --seed 1 --out out-NAME`:
    /// the output and report.json.
    fn run(&self, scenario: &str, extra: &[&str]) -> (Output, serde_json::Value, Vec<u8>) {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        let out = self.path(&format!("out-{scenario}-{n}"));
        let mut args = vec![
            "run".to_string(),
            self.path("model.yaml"),
            "--scenario".into(),
            self.path(scenario),
            "--seed".into(),
            "1".into(),
            "--out".into(),
            out.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let output = firedrill(&args);
        let bytes = std::fs::read(Path::new(&out).join("report.json")).unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (output, json, bytes)
    }
}

fn firedrill(args: &[String]) -> Output {
    Command::cargo_bin("firedrill")
        .expect("the firedrill binary is built")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("firedrill starts")
}

/// The report directory a run wrote to (its `wrote: .../report.json`).
fn json_dir(output: &Output) -> PathBuf {
    let stdout = text(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("wrote: "))
        .expect("a report was written");
    Path::new(line).parent().unwrap().to_path_buf()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn availability(json: &serde_json::Value) -> f64 {
    json["availability"]["request"].as_f64().unwrap()
}

#[test]
fn a_tag_matching_nothing_fails_the_experiment_at_its_start() {
    // Before: the run went ahead silently, `crash-critical` "no impact",
    // availability 90.0028 % (the zone-a crash: half the requests refused
    // for 120 of 600 s, 1 − 0.5 · 120/600 = 0.9), exit 0.
    // Now: FIS resolves every target before the first action starts, so
    // the experiment fails at 0 s, no action runs (availability 100 %),
    // every report says why, and the run exits 1.
    let files = Files::new();
    files.write("tag.yaml", TAG_MATCHES_NOTHING);
    let (output, json, _) = files.run("tag.yaml", &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let out = json_dir(&output);
    let experiment = &json["experiment"];
    assert_eq!(experiment["state"], "failed");
    assert_eq!(experiment["at_s"], 0.0);
    let reason = experiment["reason"].as_str().unwrap();
    assert!(reason.contains("crash-critical"), "{reason}");
    assert!(reason.contains("tag critical"), "{reason}");
    assert_eq!(availability(&json), 1.0);
    assert_eq!(json["availability"]["recoveries"], serde_json::json!([]));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("result: experiment failed (fault `crash-critical`"),
        "{stdout}"
    );
    let markdown = std::fs::read_to_string(Path::new(&out).join("report.md")).unwrap();
    assert!(markdown.contains("## Experiment"), "{markdown}");
    assert!(markdown.contains("**failed** at 0.000 s"), "{markdown}");
    let html = std::fs::read_to_string(Path::new(&out).join("report.html")).unwrap();
    assert!(html.contains("Experiment"));
    assert!(html.contains("tag critical"));
}

#[test]
fn with_skip_the_other_faults_still_run() {
    // The same scenario with `skip`: the zone-a crash runs as before
    // (availability 1 − 0.5 · 120/600 = 0.9), the tag action is skipped
    // and listed, and the run passes (exit 0).
    let files = Files::new();
    files.write(
        "skip.yaml",
        &TAG_MATCHES_NOTHING.replace(
            "faults:",
            "experiment_options: { empty_target_resolution_mode: skip }\nfaults:",
        ),
    );
    let (output, json, _) = files.run("skip.yaml", &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(json["experiment"]["state"], "completed");
    assert_eq!(json["experiment"]["reason"], serde_json::Value::Null);
    assert_eq!(
        json["experiment"]["skipped"],
        serde_json::json!([{ "fault": "crash-critical", "target": "tag critical", "at_s": 0.0 }])
    );
    let a = availability(&json);
    assert!((a - 0.9).abs() < 0.002, "{a}");
    let recoveries = json["availability"]["recoveries"].as_array().unwrap();
    assert_eq!(recoveries.len(), 1);
    assert_eq!(recoveries[0]["fault"], "crash-web-a");
    assert!(text(&output.stdout).contains("skipped: crash-critical"));
}

#[test]
fn a_target_empty_when_its_action_starts_fails_and_ends_the_running_ones() {
    // Zone a's web instances refuse from 60 s for 240 s. At 120 s a second
    // action wants zone a's *running* web instances: there are none left,
    // so the experiment fails then and the first crash is rolled back.
    // Half the requests fail for 60 s instead of 240 s: availability
    // 1 − 0.5 · 60/600 = 0.95 (it would be 1 − 0.5 · 240/600 = 0.8).
    let files = Files::new();
    files.write(
        "runtime.yaml",
        "\
name: state-filter-at-action-start
horizon: 10m
workload: { rate: 100/s }
faults:
  - { id: crash-web-a, action: instance_crash, target: { tier: web, zone: a }, at: 1m, duration: 4m, mode: refuse }
  - id: crash-running-web-a
    action: instance_crash
    target: { tier: web, zone: a, filters: [{ path: State.Name, values: [running] }] }
    at: 2m
    duration: 1m
",
    );
    let (output, json, _) = files.run("runtime.yaml", &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json["experiment"]["state"], "failed");
    assert_eq!(json["experiment"]["at_s"], 120.0);
    let reason = json["experiment"]["reason"].as_str().unwrap();
    assert!(reason.contains("crash-running-web-a"), "{reason}");
    assert!(reason.contains("State.Name in [running]"), "{reason}");
    let a = availability(&json);
    assert!((a - 0.95).abs() < 0.002, "{a}");
}

#[test]
fn filters_select_exactly_the_matching_nodes() {
    // `InstanceType: t3.medium` is the `api` tier's preset (aws/t3.medium);
    // with `Placement.AvailabilityZone: b` only api-b-1 matches.
    let files = Files::new();
    files.write(
        "filter.yaml",
        "\
name: filter-instance-type
horizon: 3m
workload: { rate: 50/s }
faults:
  - id: crash-t3
    action: instance_crash
    target:
      kind: instance
      filters:
        - { path: InstanceType, values: [t3.medium] }
        - { path: Placement.AvailabilityZone, values: [b] }
    at: 1m
    duration: 1m
",
    );
    let out = files.path("replay-filter");
    let output = firedrill(&[
        "replay".into(),
        files.path("filter.yaml"),
        "--model".into(),
        files.path("model.yaml"),
        "--seed".into(),
        "1".into(),
        "--out".into(),
        out.clone(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let trace = std::fs::read_to_string(Path::new(&out).join("trace.jsonl")).unwrap();
    let downs: Vec<serde_json::Value> = trace
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "node_down")
        .collect();
    assert_eq!(downs.len(), 1, "{downs:?}");
    assert_eq!(downs[0]["component"], "api");
    assert_eq!(downs[0]["zone"], "b");
    assert_eq!(downs[0]["t_s"], 60.0);
    assert!(trace.contains("InstanceType in [t3.medium]"));
}

#[test]
fn instances_whose_root_volume_is_deleted_on_termination_can_be_selected() {
    // The example filter: `web` keeps its root volumes
    // (`delete_on_termination: false`), `api` has the EC2 default (true).
    // A crash of `BlockDeviceMappings.Ebs.DeleteOnTermination: true`
    // instances takes down api-a-1 and api-b-1 only; `false` picks the four
    // web instances; a value no instance has resolves to nothing and fails
    // the experiment (exit 1).
    let files = Files::new();
    files.write(
        "model.yaml",
        &MODEL.replace(
            "    tags: [frontend]\n",
            "    tags: [frontend]\n    delete_on_termination: false\n",
        ),
    );
    let scenario = |value: &str| {
        format!(
            "\
name: filter-root-volume
horizon: 3m
workload: {{ rate: 50/s }}
faults:
  - id: crash-deleted-on-termination
    action: instance_crash
    target:
      kind: instance
      filters: [{{ path: BlockDeviceMappings.Ebs.DeleteOnTermination, values: [{value}] }}]
    at: 1m
    duration: 1m
"
        )
    };
    for (value, expected) in [("true", vec!["api"; 2]), ("false", vec!["web"; 4])] {
        files.write("root.yaml", &scenario(value));
        let out = files.path(&format!("replay-root-{value}"));
        let output = firedrill(&[
            "replay".into(),
            files.path("root.yaml"),
            "--model".into(),
            files.path("model.yaml"),
            "--seed".into(),
            "1".into(),
            "--out".into(),
            out.clone(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let trace = std::fs::read_to_string(Path::new(&out).join("trace.jsonl")).unwrap();
        let downs: Vec<String> = trace
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["event"] == "node_down")
            .map(|e| e["component"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(downs, expected, "{value}");
    }
    files.write("root.yaml", &scenario("maybe"));
    let (output, json, _) = files.run("root.yaml", &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json["experiment"]["state"], "failed");
}

#[test]
fn database_filters_read_the_multi_az_attribute() {
    // Two databases, one Multi-AZ: `MultiAZ: [true]` fails only its
    // primary. Both fail without the filter.
    let files = Files::new();
    files.write(
        "model.yaml",
        "\
name: two-databases
zones: [a, b]
components:
  web: { kind: tier, zones: [a], per_zone: 1, concurrency: 16, service_time: 1ms }
  orders: { kind: database, preset: aws/rds-multi-az, primary: a, standby: b }
  logs: { kind: database, preset: aws/rds-single-az, primary: a }
requests:
  page: { share: 1, path: [web, orders.read, logs.read] }
",
    );
    let scenario = |filters: &str| {
        format!(
            "\
name: multi-az-only
horizon: 3m
workload: {{ rate: 20/s }}
faults:
  - {{ id: fail, action: database_primary_failure, target: {{ kind: database{filters} }}, at: 1m, duration: 1m }}
"
        )
    };
    for (name, filters, expected) in [
        (
            "filtered",
            ", filters: [{ path: MultiAZ, values: [true] }]",
            vec!["orders"],
        ),
        ("all", "", vec!["orders", "logs"]),
    ] {
        files.write(&format!("{name}.yaml"), &scenario(filters));
        let out = files.path(&format!("replay-{name}"));
        let output = firedrill(&[
            "replay".into(),
            files.path(&format!("{name}.yaml")),
            "--model".into(),
            files.path("model.yaml"),
            "--out".into(),
            out.clone(),
        ]);
        assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
        let trace = std::fs::read_to_string(Path::new(&out).join("trace.jsonl")).unwrap();
        let mut failed: Vec<String> = trace
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["event"] == "node_down" && e["t_s"] == 60.0)
            .map(|e| e["component"].as_str().unwrap().to_string())
            .collect();
        failed.dedup();
        assert_eq!(failed, expected, "{name}");
    }
}

#[test]
fn an_unknown_filter_path_is_an_input_error_at_its_line_and_column() {
    let files = Files::new();
    let path = files.write(
        "typo.yaml",
        "\
name: typo
horizon: 1m
workload: { rate: 10/s }
faults:
  - id: crash
    action: instance_crash
    target:
      kind: instance
      filters:
        - { path: State.Nmae, values: [running] }
    at: 30s
",
    );
    let (output, _, _) = files.run("typo.yaml", &[]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = text(&output.stderr);
    let at = format!("{}:10:19: unknown filter path `State.Nmae`", path.display());
    assert!(stderr.contains(&at), "{stderr}");
    assert!(stderr.contains("State.Name, InstanceType"), "{stderr}");
    // A mode that is neither fail nor skip, and filters on an action that
    // selects no nodes, are input errors too.
    files.write(
        "mode.yaml",
        &TAG_MATCHES_NOTHING.replace(
            "faults:",
            "experiment_options: { empty_target_resolution_mode: ignore }\nfaults:",
        ),
    );
    let (output, _, _) = files.run("mode.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("expected fail or skip"));
    files.write(
        "zone.yaml",
        "\
name: zone-filter
horizon: 1m
workload: { rate: 10/s }
faults:
  - { id: az, action: zone_outage, target: { zone: a, filters: [{ path: State.Name, values: [running] }] }, at: 30s }
",
    );
    let (output, _, _) = files.run("zone.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("zone_outage does not act on selected nodes"));
}

#[test]
fn a_random_process_over_nothing_follows_the_same_mode() {
    let files = Files::new();
    let scenario = |mode: &str| {
        format!(
            "\
name: random-over-nothing
horizon: 2m
workload: {{ rate: 20/s }}
experiment_options: {{ empty_target_resolution_mode: {mode} }}
random_failures:
  - {{ target: {{ tag: critical }}, mtbf: 1h, mttr: 1m }}
"
        )
    };
    files.write("fail.yaml", &scenario("fail"));
    let (output, json, _) = files.run("fail.yaml", &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json["experiment"]["state"], "failed");
    assert!(json["experiment"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("random_failures[0]: target `tag critical`"));
    files.write("skip.yaml", &scenario("skip"));
    let (output, json, _) = files.run("skip.yaml", &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        json["experiment"]["skipped"][0]["fault"],
        "random_failures[0]"
    );
}

#[test]
fn the_fluid_fidelity_resolves_targets_the_same_way() {
    // Fluid runs resolve every target against the model at the start, as
    // the request level does: the same failure, the same skip.
    let files = Files::new();
    files.write("tag.yaml", TAG_MATCHES_NOTHING);
    let (output, json, _) = files.run("tag.yaml", &["--fidelity", "fluid"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json["fidelity"], "fluid");
    assert_eq!(json["experiment"]["state"], "failed");
    assert_eq!(json["experiment"]["at_s"], 0.0);
    assert_eq!(availability(&json), 1.0);
    files.write(
        "skip.yaml",
        &TAG_MATCHES_NOTHING.replace(
            "faults:",
            "experiment_options: { empty_target_resolution_mode: skip }\nfaults:",
        ),
    );
    let (output, json, _) = files.run("skip.yaml", &["--fidelity", "fluid"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(json["experiment"]["skipped"][0]["fault"], "crash-critical");
    let a = availability(&json);
    assert!((a - 0.9).abs() < 0.005, "{a}");
}

#[test]
fn failed_and_skipped_runs_repeat_byte_for_byte() {
    let files = Files::new();
    files.write("tag.yaml", TAG_MATCHES_NOTHING);
    files.write(
        "skip.yaml",
        &TAG_MATCHES_NOTHING.replace(
            "faults:",
            "experiment_options: { empty_target_resolution_mode: skip }\nfaults:",
        ),
    );
    for scenario in ["tag.yaml", "skip.yaml"] {
        let (_, _, one) = files.run(scenario, &[]);
        let (_, _, two) = files.run(scenario, &[]);
        assert!(!one.is_empty());
        assert_eq!(one, two, "{scenario}");
    }
}

#[test]
fn a_study_of_a_failed_experiment_exits_1_too() {
    // A study reports run 0's experiment; its failure fails the study.
    let files = Files::new();
    files.write("tag.yaml", TAG_MATCHES_NOTHING);
    let (output, json, _) = files.run("tag.yaml", &["--runs", "2", "--jobs", "1"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json["experiment"]["state"], "failed");
    assert!(text(&output.stdout).contains("result: experiment failed"));
}
