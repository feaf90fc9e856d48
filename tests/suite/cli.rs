//! The `firedrill` binary end to end, on the bundled models and scenarios
//! and on broken files written to a temporary directory.

use crate::common::{firedrill, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

const MULTI_AZ: &str = "models/wordpress-multi-az.yaml";
const SINGLE_INSTANCE: &str = "models/wordpress-single-instance.yaml";
const AZ_POWER: &str = "scenarios/az-power-interruption.yaml";
const STEADY: &str = "scenarios/steady-state.yaml";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// True when `text` holds `file:LINE:COLUMN:` with numbers for both.
fn has_location(text: &str, file: &Path) -> bool {
    let file = file.display().to_string();
    text.match_indices(&file).any(|(at, _)| {
        let mut parts = text[at + file.len()..].splitn(4, ':');
        let (empty, line, column) = (parts.next(), parts.next(), parts.next());
        let number = |part: Option<&str>| {
            part.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        empty == Some("") && number(line) && number(column) && parts.next().is_some()
    })
}

fn no_panic(output: &Output) {
    let err = stderr(output);
    assert!(!err.contains("panicked"), "firedrill panicked:\n{err}");
    assert_ne!(output.status.code(), Some(101), "internal error:\n{err}");
}

/// Runs `run MODEL --scenario SCENARIO --out DIR [extra]` and returns the
/// output and the bytes of report.json.
fn run_into(dir: &Path, model: &str, scenario: &str, extra: &[&str]) -> (Output, Vec<u8>) {
    let out = dir.to_str().expect("temp dir path is UTF-8");
    let mut args = vec!["run", model, "--scenario", scenario, "--out", out];
    args.extend_from_slice(extra);
    let output = firedrill(&args);
    no_panic(&output);
    let json = std::fs::read(dir.join("report.json"))
        .unwrap_or_else(|error| panic!("no report.json ({error}); stderr:\n{}", stderr(&output)));
    (output, json)
}

fn parse(json: &[u8]) -> serde_json::Value {
    serde_json::from_slice(json).expect("report.json is JSON")
}

// ---- usage errors: clap, no engine needed ----

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["run"][..],
        &["run", MULTI_AZ][..],
        &["run", MULTI_AZ, "--scenario", AZ_POWER, "--seed", "abc"][..],
        &["run", MULTI_AZ, "--scenario", AZ_POWER, "--seed", "-1"][..],
        &["validate"][..],
    ] {
        let output = firedrill(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        no_panic(&output);
    }
}

#[test]
fn help_and_version_exit_0() {
    let help = firedrill(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("run"));
    assert!(stdout(&help).contains("validate"));
    let version = firedrill(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
}

// ---- runs on bundled files ----

#[test]
fn run_multi_az_under_az_power_interruption_writes_both_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (output, json) = run_into(dir.path(), MULTI_AZ, AZ_POWER, &["--seed", "7"]);
    let report = parse(&json);
    assert_eq!(report["seed"], 7);
    assert_eq!(report["model"], "wordpress-multi-az");
    assert_eq!(report["scenario"], "az-power-interruption");
    let out = stdout(&output);
    assert!(out.contains("seed"), "{out}");
    assert!(
        out.contains(&format!(
            "firedrill run {MULTI_AZ} --scenario {AZ_POWER} --seed 7"
        )),
        "{out}"
    );
    let markdown = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(markdown.contains("| seed | 7 |"));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<td>seed</td><td>7</td>"), "{html}");
}

#[test]
fn exit_code_matches_slo_verdicts_in_report() {
    for (model, scenario) in [
        (MULTI_AZ, AZ_POWER),
        (SINGLE_INSTANCE, AZ_POWER),
        (SINGLE_INSTANCE, STEADY),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (output, json) = run_into(dir.path(), model, scenario, &["--seed", "1"]);
        let report = parse(&json);
        let all_pass = report["slo"]
            .as_object()
            .unwrap()
            .values()
            .all(|verdict| verdict["pass"] == true);
        let expected = if all_pass { 0 } else { 1 };
        assert_eq!(output.status.code(), Some(expected), "{model} × {scenario}");
    }
}

#[test]
fn same_seed_twice_gives_identical_reports() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let (_, json_first) = run_into(first.path(), MULTI_AZ, AZ_POWER, &["--seed", "3"]);
    let (_, json_second) = run_into(second.path(), MULTI_AZ, AZ_POWER, &["--seed", "3"]);
    assert!(
        json_first == json_second,
        "report.json differs for the same seed"
    );
    let md = |dir: &Path| std::fs::read(dir.join("report.md")).unwrap();
    assert!(md(first.path()) == md(second.path()), "report.md differs");
    let html = |dir: &Path| std::fs::read(dir.join("report.html")).unwrap();
    assert!(
        html(first.path()) == html(second.path()),
        "report.html differs"
    );
}

#[test]
fn seed_defaults_to_scenario_seed_or_1() {
    let dir = tempfile::tempdir().unwrap();
    let (_, json) = run_into(dir.path(), SINGLE_INSTANCE, STEADY, &[]);
    let seed = parse(&json)["seed"].as_u64().unwrap();
    let scenario_text = std::fs::read_to_string(repo(STEADY)).unwrap();
    let declared = scenario_text
        .lines()
        .find_map(|line| line.strip_prefix("seed:"))
        .map(|value| value.trim().parse::<u64>().unwrap());
    assert_eq!(seed, declared.unwrap_or(1));
}

#[test]
fn validate_accepts_every_bundled_file() {
    let output = firedrill(&["validate", MULTI_AZ, SINGLE_INSTANCE, AZ_POWER, STEADY]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains(&format!("ok  {MULTI_AZ} (model)")), "{out}");
    assert!(out.contains(&format!("ok  {STEADY} (scenario)")), "{out}");
}

// ---- bad input: exit 2 with file:line:column ----

/// Broken files, each next to what it breaks. The unknown field and the bad
/// duration are made from bundled files so the rest of the file is valid.
fn bad_inputs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let model = std::fs::read_to_string(repo(SINGLE_INSTANCE)).unwrap();
    let scenario = std::fs::read_to_string(repo(STEADY)).unwrap();
    let bad_duration: String = scenario
        .lines()
        .map(|line| {
            if line.starts_with("horizon:") {
                "horizon: 2 fortnights".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(
        bad_duration.trim(),
        scenario.trim(),
        "steady-state has a horizon line"
    );
    let bad_price = model.replacen(
        "    kind: tier\n",
        "    kind: tier\n    cost_per_month: -40\n",
        1,
    );
    assert_ne!(bad_price, model, "the single-instance model has a tier");
    let files = [
        (
            "unknown-field",
            "model.yaml",
            format!("{model}\nnot_a_field: 1\n"),
        ),
        ("bad-price", "priced.yaml", bad_price),
        ("bad-duration", "scenario.yaml", format!("{bad_duration}\n")),
        ("empty", "empty.yaml", String::new()),
        (
            "not-yaml",
            "garbage.yaml",
            "{{{ ]] : - :\n\t@@\n".to_string(),
        ),
    ];
    files
        .into_iter()
        .map(|(what, name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            (what, path)
        })
        .collect()
}

#[test]
fn validate_rejects_bad_files_with_location() {
    let dir = tempfile::tempdir().unwrap();
    for (what, path) in bad_inputs(dir.path()) {
        let file = path.to_str().unwrap();
        let output = firedrill(&["validate", file]);
        no_panic(&output);
        assert_eq!(output.status.code(), Some(2), "{what}");
        assert!(
            has_location(&stderr(&output), &path),
            "{what}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_negative_price_is_named_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = bad_inputs(dir.path())
        .into_iter()
        .find(|(what, _)| *what == "bad-price")
        .unwrap();
    let output = firedrill(&["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    // `cost_per_month: -40` is on line 12; its value starts at column 21.
    let expected = format!("{}:12:21:", path.display());
    let err = stderr(&output);
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("cost_per_month: -40"), "{err}");
}

#[test]
fn validate_reports_good_and_bad_files_together() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "").unwrap();
    let output = firedrill(&["validate", MULTI_AZ, empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains(&format!("ok  {MULTI_AZ} (model)")));
    assert!(
        has_location(&stderr(&output), &empty),
        "{}",
        stderr(&output)
    );
}

#[test]
fn run_with_bad_files_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    for (what, path) in bad_inputs(dir.path()) {
        let file = path.to_str().unwrap();
        // The broken file stands in for whichever side it was made from; the
        // empty and garbage files are tried as both.
        let pairs = match what {
            "unknown-field" | "bad-price" => vec![(file, STEADY)],
            "bad-duration" => vec![(SINGLE_INSTANCE, file)],
            _ => vec![(file, STEADY), (SINGLE_INSTANCE, file)],
        };
        for (model, scenario) in pairs {
            let output = firedrill(&[
                "run",
                model,
                "--scenario",
                scenario,
                "--out",
                out.to_str().unwrap(),
            ]);
            no_panic(&output);
            assert_eq!(output.status.code(), Some(2), "{what}");
            assert!(
                has_location(&stderr(&output), &path),
                "{what}: {}",
                stderr(&output)
            );
            assert!(
                !out.join("report.json").exists(),
                "{what}: no report on bad input"
            );
        }
    }
}

#[test]
fn missing_files_exit_2() {
    let output = firedrill(&["run", "models/no-such-model.yaml", "--scenario", STEADY]);
    no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no-such-model.yaml"));
    let output = firedrill(&["validate", "scenarios/no-such-scenario.yaml"]);
    no_panic(&output);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn has_location_finds_file_line_column() {
    let file = Path::new("/tmp/x/model.yaml");
    assert!(has_location(
        "/tmp/x/model.yaml:3:7: unknown field `foo`",
        file
    ));
    assert!(!has_location("/tmp/x/model.yaml: cannot read", file));
    assert!(!has_location("other.yaml:3:7: oops", file));
}

#[test]
fn graph_prints_the_call_graph_as_dot() {
    let model = repo("models/three-tier-web.yaml");
    let out = firedrill(&["graph", model.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dot = stdout(&out);
    assert!(dot.starts_with("digraph model {"), "{dot}");
    // lb -> web -> app-lb -> app, and app calls both cache and database.
    for edge in [
        "n0 -> n1;",
        "n1 -> n2;",
        "n2 -> n3;",
        "n3 -> n4;",
        "n3 -> n5;",
    ] {
        assert!(dot.contains(edge), "missing {edge} in\n{dot}");
    }
    assert!(
        !dot.contains("n4 -> n5;"),
        "a cache does not call the database"
    );
    let scenario = repo("scenarios/steady-state.yaml");
    let out = firedrill(&["graph", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(has_location(&stderr(&out), &scenario), "{}", stderr(&out));
}

/// Issue 19 (1): devices, FIFOs and huge files are refused before they are
/// read, with exit 2 and the file's name. Before, `validate /dev/zero` grew
/// to 12 GB in 8 s and a FIFO blocked forever.
#[cfg(unix)]
#[test]
fn devices_fifos_and_huge_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("model.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let huge = dir.path().join("huge.yaml");
    // Sparse: 300 MiB of size, no blocks written.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let mut inputs = vec![
        ("/dev/zero".to_string(), "a device"),
        (huge.display().to_string(), "larger than 256 MiB"),
    ];
    if made.is_ok_and(|s| s.success()) {
        inputs.push((fifo.display().to_string(), "a FIFO"));
    }
    for (path, why) in &inputs {
        for args in [
            vec!["validate", path.as_str()],
            vec!["run", path.as_str(), "--scenario", STEADY],
            vec!["run", MULTI_AZ, "--scenario", path.as_str()],
            vec!["merge", path.as_str()],
        ] {
            let output = firedrill(&args);
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
            assert!(
                err.contains(path.as_str()) && err.contains(why),
                "{args:?}: {err}"
            );
        }
    }
}

/// Issue 19 (4, 5, 6): the report directory is claimed before simulating.
/// An unusable --out fails at once (before, only after the simulation);
/// a second writer on a directory in use fails with a clear message
/// instead of mixing its files with the first one's; temporaries a killed
/// run left behind are removed.
#[test]
fn the_report_directory_is_claimed_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let under_file = file.join("out");
    let output = firedrill(&[
        "run",
        MULTI_AZ,
        "--scenario",
        AZ_POWER,
        "--out",
        under_file.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("cannot create the report directory"));
    // Nothing was simulated: the summary table never printed.
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));

    let out = dir.path().join("out");
    let held = firedrill::report::out_dir::OutDir::claim(&out).unwrap();
    for args in [
        vec!["run", MULTI_AZ, "--scenario", STEADY],
        vec!["run", MULTI_AZ, "--scenario", STEADY, "--runs", "2"],
        vec![
            "compare",
            MULTI_AZ,
            SINGLE_INSTANCE,
            "--scenario",
            STEADY,
            "--runs",
            "1",
        ],
    ] {
        let mut args = args.clone();
        args.extend(["--out", out.to_str().unwrap()]);
        let output = firedrill(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("another firedrill is writing reports to"),
            "{}",
            stderr(&output)
        );
    }
    drop(held);

    let stale = out.join(".firedrill-killed.tmp");
    std::fs::write(&stale, vec![b'x'; 4096]).unwrap();
    let output = firedrill(&[
        "run",
        MULTI_AZ,
        "--scenario",
        STEADY,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stale.exists());
    assert!(out.join("report.json").exists());
}

/// Verifies a report directory's SHA256SUMS against its files: `None` when
/// there is no checksum file (an incomplete set), else whether all match.
fn checksums_hold(dir: &Path) -> Option<bool> {
    use sha2::Digest as _;
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).ok()?;
    let mut names = Vec::new();
    for line in sums.lines() {
        let (hex, name) = line.split_once("  ").expect("sha256sum format");
        let bytes = std::fs::read(dir.join(name)).unwrap();
        if format!("{:x}", sha2::Sha256::digest(&bytes)) != hex {
            return Some(false);
        }
        names.push(name.to_string());
    }
    Some(names == ["report.json", "report.md", "report.html"])
}

/// Issue 19 (4): a run killed between the renames of its report files
/// leaves no SHA256SUMS, so the mixed directory (a new report.json beside
/// the old Markdown and HTML, 5 of 5 kills before) never passes for a
/// complete set; the next run writes a complete, verifiable one.
#[test]
fn a_run_killed_between_renames_leaves_no_set_that_claims_to_be_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let run = |seed: &str, failpoint: Option<&str>| {
        let mut cmd = Command::cargo_bin("firedrill").unwrap();
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args([
                "run",
                MULTI_AZ,
                "--scenario",
                STEADY,
                "--seed",
                seed,
                "--out",
                out_s,
            ]);
        if let Some(point) = failpoint {
            cmd.env("FIREDRILL_FAILPOINT", point);
        }
        cmd.output().unwrap()
    };
    assert_eq!(run("1", None).status.code(), Some(0));
    assert_eq!(checksums_hold(&out), Some(true));
    let first_md = std::fs::read(out.join("report.md")).unwrap();
    for point in ["after:report.json", "after:report.md", "after:report.html"] {
        let killed = run("2", Some(point));
        assert!(
            !killed.status.success() && killed.status.code() != Some(2),
            "{point}"
        );
        assert_eq!(
            checksums_hold(&out),
            None,
            "{point}: a partial set has no checksums"
        );
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{point}: {left:?}");
    }
    // The kill after report.json left seed 2's JSON beside seed 1's
    // Markdown at some point; the next complete run verifies again.
    assert_eq!(run("2", None).status.code(), Some(0));
    assert_eq!(checksums_hold(&out), Some(true));
    assert_ne!(std::fs::read(out.join("report.md")).unwrap(), first_md);
}

/// Issue 19 (7): a study whose seeds wrap past u64::MAX names both pieces
/// of its range (it printed "18446744073709551615..=1").
#[test]
fn a_wrapping_seed_range_reads_as_two_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = firedrill(&[
        "run",
        MULTI_AZ,
        "--scenario",
        STEADY,
        "--seed",
        "18446744073709551615",
        "--runs",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("seeds 18446744073709551615..=18446744073709551615 and 0..=1:"),
        "{}",
        stdout(&output)
    );
}

/// Issue 19 (2): a valid but unbounded queue under overload stops at the
/// in-flight bound with exit 2 instead of growing memory (before: 6.8 GB
/// in 50 s at `queue_limit: 4294967295`; now ≈ 0.8 GiB at the bound).
#[test]
fn an_unbounded_queue_under_overload_stops_at_the_in_flight_bound() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string(repo(SINGLE_INSTANCE))
        .unwrap()
        .replace("queue_limit: 128", "queue_limit: 4294967295");
    assert!(model.contains("4294967295"));
    let model_path = dir.path().join("huge-queue.yaml");
    std::fs::write(&model_path, model).unwrap();
    let scenario_path = dir.path().join("overload.yaml");
    std::fs::write(
        &scenario_path,
        "name: overload\nhorizon: 10m\nworkload: { rate: 100000/s }\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = firedrill(&[
        "run",
        model_path.to_str().unwrap(),
        "--scenario",
        scenario_path.to_str().unwrap(),
        "--fidelity",
        "request",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("more than 4,194,304 requests in flight"),
        "{err}"
    );
    assert!(!out.join("report.json").exists());
    let replay = firedrill(&[
        "replay",
        scenario_path.to_str().unwrap(),
        "--model",
        model_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(replay.status.code(), Some(2), "{}", stderr(&replay));
    assert!(stderr(&replay).contains("requests in flight"));
    assert!(!out.join("report.json").exists());
}

/// Issue 19 (3): a request-level run's work is estimated before it starts;
/// past one billion requests it is refused without --force (it was
/// accepted silently: 500 simulated years, or 10 M requests/s for an hour).
#[test]
fn a_huge_request_level_run_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "centuries",
            "horizon: 182500d\nworkload: { rate: 100/s }\n",
            "trillion",
        ),
        (
            "flood",
            "horizon: 1h\nworkload: { rate: 10000000/s }\n",
            "billion",
        ),
    ];
    for (name, body, size) in cases {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, format!("name: {name}\n{body}")).unwrap();
        let output = firedrill(&[
            "run",
            MULTI_AZ,
            "--scenario",
            path.to_str().unwrap(),
            "--fidelity",
            "request",
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(size) && err.contains("--force"),
            "{name}: {err}"
        );
        assert!(stdout(&output).is_empty(), "{name}: nothing was simulated");
        let compare = firedrill(&[
            "compare",
            MULTI_AZ,
            SINGLE_INSTANCE,
            "--scenario",
            path.to_str().unwrap(),
            "--fidelity",
            "request",
            "--out",
            dir.path().join("cmp").to_str().unwrap(),
        ]);
        assert_eq!(
            compare.status.code(),
            Some(2),
            "{name}: {}",
            stderr(&compare)
        );
        assert!(
            stderr(&compare).contains(size),
            "{name}: {}",
            stderr(&compare)
        );
    }
}
