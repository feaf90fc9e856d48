//! `firedrill compare`: paired differences, ranking, control runs, cost of
//! nines, and byte-stable reports at any thread count.

use std::path::Path;

use assert_cmd::Command;
use firedrill::compare::{self, control, Input, Plan};
use firedrill::report::json;
use firedrill::run::Fidelity;
use firedrill::spec::{load_model, load_scenario};

const SINGLE: &str = "models/wordpress-single-instance.yaml";
const MULTI_AZ: &str = "models/wordpress-multi-az.yaml";
const CRASH: &str = "scenarios/instance-crash.yaml";
const STEADY: &str = "scenarios/steady-state.yaml";

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn model(path: &str) -> Input<firedrill::config::ModelConfig> {
    Input {
        path: path.into(),
        config: load_model(&repo(path)).unwrap(),
    }
}

fn scenario(path: &str) -> Input<firedrill::config::ScenarioConfig> {
    Input {
        path: path.into(),
        config: load_scenario(&repo(path)).unwrap(),
    }
}

fn plan(runs: u32, control: bool) -> Plan {
    Plan {
        seed: Some(11),
        runs,
        jobs: 2,
        control,
        fidelity: Fidelity::Request,
    }
}

fn plan_of(base_seed: u64, runs: u32, jobs: usize) -> firedrill::study::Plan {
    firedrill::study::Plan {
        base_seed,
        runs,
        jobs,
        fidelity: Fidelity::Request,
    }
}

#[test]
fn differences_are_paired_by_seed_and_ranked_by_significance() {
    let models = [model(SINGLE), model(MULTI_AZ)];
    let c = compare::compare(&models, &[scenario(CRASH)], plan(6, false), &|_, _| {}).unwrap();
    assert_eq!(
        c.models,
        ["wordpress-single-instance", "wordpress-multi-az"]
    );
    let single = &c.cells[0].study;
    let multi = &c.cells[1].study;
    // The difference is the mean of per-run differences, run i against run i.
    let d = c
        .differences
        .iter()
        .find(|d| d.metric == "availability_request")
        .unwrap();
    let by_hand: f64 = multi
        .per_run
        .iter()
        .zip(&single.per_run)
        .map(|(m, s)| m.availability_request - s.availability_request)
        .sum::<f64>()
        / 6.0;
    assert!((d.estimate.mean - by_hand).abs() < 1e-12);
    assert_eq!(d.estimate.n, 6);
    assert!(
        d.significant,
        "an instance crash takes the single instance down"
    );
    assert!(d.estimate.ci95.0 > 0.2, "{:?}", d.estimate);
    // Ranking: multi-AZ first, on its own rank.
    let order: Vec<(&str, u32)> = c.rankings[0]
        .entries
        .iter()
        .map(|e| (e.model.as_str(), e.rank))
        .collect();
    assert_eq!(
        order,
        [("wordpress-multi-az", 1), ("wordpress-single-instance", 2)]
    );
    // Multi-AZ costs more and buys nines: a positive price per nine.
    let k = &c.cost_of_nines[0];
    assert!(k.usd_per_month > k.baseline_usd_per_month);
    assert!(k.usd_per_extra_nine.unwrap() > 0.0);
}

#[test]
fn identical_designs_tie() {
    let mut copy = model(MULTI_AZ);
    copy.config.name = "copy".into();
    let c = compare::compare(
        &[model(MULTI_AZ), copy],
        &[scenario(CRASH)],
        plan(3, false),
        &|_, _| {},
    )
    .unwrap();
    for d in &c.differences {
        assert_eq!(d.estimate.mean, 0.0, "{}", d.metric);
        assert!(!d.significant, "{}", d.metric);
    }
    let ranks: Vec<u32> = c.rankings[0].entries.iter().map(|e| e.rank).collect();
    assert_eq!(ranks, [1, 1]);
    assert_eq!(c.cost_of_nines[0].usd_per_extra_nine, None);
}

#[test]
fn control_delta_is_faulted_minus_control_run_by_run() {
    let m = model(MULTI_AZ).config;
    let single = model(SINGLE).config;
    let crash = scenario(CRASH).config;
    let s = control::run_study(&single, &crash, &plan_of(4, 3, 2), true, &|_| {}).unwrap();
    let delta = s.control.as_ref().unwrap();
    let quiet = firedrill::study::run_study(
        &single,
        &control::control_scenario(&crash),
        4,
        3,
        2,
        Fidelity::Request,
    )
    .unwrap();
    // Every run measured availability, so the mean of differences is the
    // difference of means.
    let expected = s.availability_request.mean - quiet.availability_request.mean;
    assert!((delta.availability_request.mean - expected).abs() < 1e-12);
    assert!(delta.availability_request.mean < -0.1, "{delta:?}");
    assert_eq!(
        delta.control_availability_request,
        quiet.availability_request
    );

    // Without scripted faults the control run is the run itself.
    let steady = scenario(STEADY).config;
    let s = control::run_study(&m, &steady, &plan_of(4, 2, 1), true, &|_| {}).unwrap();
    let delta = s.control.unwrap();
    assert_eq!(delta.availability_request.mean, 0.0);
    assert_eq!(delta.failed_requests.mean, 0.0);
    assert_eq!(delta.latency_p99_ms.unwrap().mean, 0.0);
}

fn cli_compare(jobs: &str, dir: &Path) -> Vec<u8> {
    let output = Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CI", "1")
        .args([
            "compare",
            SINGLE,
            MULTI_AZ,
            "--scenario",
            CRASH,
            "--scenario",
            STEADY,
            "--runs",
            "3",
            "--control",
            "--jobs",
            jobs,
            "--out",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("ranking: 1. wordpress-multi-az"),
        "{stdout}"
    );
    let mut bytes = std::fs::read(dir.join("report.json")).unwrap();
    bytes.extend(std::fs::read(dir.join("report.md")).unwrap());
    bytes.extend(std::fs::read(dir.join("report.html")).unwrap());
    bytes
}

#[test]
fn cli_comparison_is_the_same_bytes_with_jobs_1_and_2() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = cli_compare("1", a.path());
    let two = cli_compare("2", b.path());
    assert!(one == two, "reports differ between --jobs 1 and --jobs 2");
    let text = std::fs::read_to_string(a.path().join("report.json")).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(keys, json::COMPARISON_KEYS);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["results"].as_array().unwrap().len(), 4);
    assert!(value["results"][0]["control"]["availability_request"]["mean"].is_number());
    let markdown = std::fs::read_to_string(a.path().join("report.md")).unwrap();
    for heading in [
        "## Scenario `instance-crash`: side by side",
        "## Scenario `steady-state`: ranking",
        "## Scenario `instance-crash`: differences",
        "## Cost of each extra nine",
        "## Control runs: what the scripted faults cost",
    ] {
        assert!(markdown.contains(heading), "{heading} missing");
    }
}

#[test]
fn duplicate_design_names_are_bad_input() {
    let output = Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "compare",
            SINGLE,
            SINGLE,
            "--scenario",
            CRASH,
            "--runs",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("both named"), "{stderr}");
}

/// The committed sample (README "Low power vs high power" quotes it) is
/// exactly what the command gives today: a change that moves those
/// numbers must regenerate the sample and revisit the README.
#[test]
fn committed_low_vs_high_power_sample_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CI", "1")
        .args([
            "compare",
            SINGLE,
            MULTI_AZ,
            "--scenario",
            "scenarios/az-power-interruption.yaml",
            "--scenario",
            "scenarios/random-failures-1y.yaml",
            "--runs",
            "1000",
            "--fidelity",
            "fluid",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sample = repo("reports/samples/low-vs-high-power");
    for file in ["report.json", "report.md", "report.html"] {
        let now = std::fs::read(dir.path().join(file)).unwrap();
        let committed = std::fs::read(sample.join(file)).unwrap();
        assert!(
            now == committed,
            "{file} differs from reports/samples/low-vs-high-power: rerun the README's main command with --out reports/samples/low-vs-high-power"
        );
    }
}
