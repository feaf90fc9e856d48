//! `firedrill check`: exit codes 0, 1 and 2, the JUnit file, the Markdown
//! summary, and baselines (no regression on identical inputs, a
//! regression when the design gets worse, --update-baseline).

use std::path::Path;

use assert_cmd::Command;

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

/// A suite over the bundled files with absolute paths, in `dir`.
fn suite(dir: &Path, availability: &str, model: &str) -> std::path::PathBuf {
    let text = format!(
        "runs: 3\nseed: 2\ncases:\n  - model: {}\n    scenario: {}\n    slo: {{ availability: {availability} }}\n  - model: {}\n    scenario: {}\n    runs: 2\n",
        repo(model),
        repo("scenarios/instance-crash.yaml"),
        repo("models/wordpress-multi-az.yaml"),
        repo("scenarios/steady-state.yaml"),
    );
    let path = dir.join("firedrill.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(dir)
        .env("CI", "1")
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stdout, stderr)
}

#[test]
fn passing_suite_exits_0_and_writes_junit_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path(), "99.9%", "models/wordpress-multi-az.yaml");
    let (code, stdout, stderr) = check(
        dir.path(),
        &["--junit", "out/junit.xml", "--markdown", "out/summary.md"],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let junit = std::fs::read_to_string(dir.path().join("out/junit.xml")).unwrap();
    assert!(
        junit.contains("<testsuites name=\"firedrill check\" tests=\"1\" failures=\"0\""),
        "{junit}"
    );
    assert!(junit.contains("slo availability"), "{junit}");
    assert!(
        junit.contains("mean 100.0000 %"),
        "the measured value is in the message: {junit}"
    );
    let md = std::fs::read_to_string(dir.path().join("out/summary.md")).unwrap();
    assert!(md.contains("✅ all 2 cases passed"), "{md}");
}

#[test]
fn missed_slo_exits_1_with_the_measured_value_and_a_reproduction() {
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path(), "99.9%", "models/wordpress-single-instance.yaml");
    let (code, stdout, _) = check(dir.path(), &["--junit", "junit.xml"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  wordpress-single-instance × instance-crash"),
        "{stdout}"
    );
    let model = repo("models/wordpress-single-instance.yaml");
    assert!(
        stdout.contains(&format!("reproduce: firedrill run {model} --scenario")),
        "{stdout}"
    );
    assert!(stdout.contains("--seed 2 --runs 3"), "{stdout}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"1\""), "{junit}");
    assert!(
        junit.contains("<failure message=\"availability: mean 66."),
        "{junit}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("firedrill.yaml"),
        "cases:\n  - model: m.yaml\n    scenario: s.yaml\n    runs: 0\n",
    )
    .unwrap();
    let (code, _, stderr) = check(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("firedrill.yaml:4:"), "{stderr}");
    // A case whose model does not exist.
    std::fs::write(
        dir.path().join("firedrill.yaml"),
        "cases:\n  - model: missing.yaml\n    scenario: s.yaml\n",
    )
    .unwrap();
    let (code, _, stderr) = check(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("missing.yaml"), "{stderr}");
    // No suite at all.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = check(empty.path(), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("firedrill.yaml"), "{stderr}");
}

#[test]
fn baseline_flags_a_regression_and_not_an_unchanged_design() {
    let dir = tempfile::tempdir().unwrap();
    // Record a baseline of the multi-AZ design with a lax SLO.
    suite(dir.path(), "50%", "models/wordpress-multi-az.yaml");
    let (code, stdout, _) = check(
        dir.path(),
        &["--baseline", "baseline.json", "--update-baseline"],
    );
    assert_eq!(code, Some(0), "{stdout}");
    let stored = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(stored.contains("\"format\": \"firedrill-baseline/1\""));

    // Same inputs: every regression check passes (identical figures).
    let (code, stdout, _) = check(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("within noise or tolerance"), "{stdout}");
    assert!(!stdout.contains("REGRESSED"), "{stdout}");

    // The "change": the case now runs the single-instance design under the
    // same case name. Its SLO (50 %) still holds; the baseline catches it.
    let text = std::fs::read_to_string(dir.path().join("firedrill.yaml"))
        .unwrap()
        .replacen(
            "scenario:",
            "name: wordpress-multi-az × instance-crash\n    scenario:",
            1,
        );
    std::fs::write(dir.path().join("firedrill.yaml"), &text).unwrap();
    let (code, _, _) = check(
        dir.path(),
        &["--baseline", "baseline.json", "--update-baseline"],
    );
    assert_eq!(code, Some(0));
    let worse = text.replacen(
        "wordpress-multi-az.yaml",
        "wordpress-single-instance.yaml",
        1,
    );
    std::fs::write(dir.path().join("firedrill.yaml"), worse).unwrap();
    let (code, stdout, _) = check(
        dir.path(),
        &["--baseline", "baseline.json", "--junit", "j.xml"],
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("availability_request: baseline 100.0000 %"),
        "{stdout}"
    );
    assert!(stdout.contains("REGRESSED"), "{stdout}");
    let junit = std::fs::read_to_string(dir.path().join("j.xml")).unwrap();
    assert!(junit.contains("type=\"regression\""), "{junit}");

    // A malformed baseline is bad input.
    std::fs::write(dir.path().join("bad.json"), "{\"format\": 1}").unwrap();
    let (code, _, stderr) = check(dir.path(), &["--baseline", "bad.json"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("bad.json:1:"), "{stderr}");
}

#[test]
fn the_projects_own_suite_passes_against_its_baseline() {
    let (code, stdout, stderr) = check(Path::new(env!("CARGO_MANIFEST_DIR")), &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}
