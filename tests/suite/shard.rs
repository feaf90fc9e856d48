//! `firedrill study --shard i/n` + `firedrill merge` give exactly the study
//! run on one machine, and merge refuses parts that do not make one study.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const MODEL: &str = "models/wordpress-multi-az.yaml";
const SCENARIO: &str = "scenarios/instance-crash.yaml";

fn firedrill(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .args(
            args.iter()
                .map(|a| a.replace("{dir}", dir.to_str().unwrap())),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code(), stderr)
}

fn shard(dir: &Path, scenario: &str, runs: &str, i: u32, n: u32) -> PathBuf {
    let out = dir.join(format!("part-{i}.json"));
    let shard = format!("{i}/{n}");
    let (code, stderr) = firedrill(
        dir,
        &[
            "study",
            MODEL,
            "--scenario",
            scenario,
            "--runs",
            runs,
            "--seed",
            "5",
            "--shard",
            &shard,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    out
}

fn merge(dir: &Path, parts: &[&PathBuf], out: &str) -> (Option<i32>, String) {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(parts.iter().map(|p| p.to_str().unwrap().to_string()));
    args.extend(["--out".into(), dir.join(out).to_str().unwrap().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    firedrill(dir, &args)
}

#[test]
fn merged_shards_are_the_whole_study_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 7 runs in 3 shards: uneven slices (2, 2, 3).
    let parts: Vec<PathBuf> = (1..=3).map(|i| shard(d, SCENARIO, "7", i, 3)).collect();
    // Any order of the part files.
    let (code, stderr) = merge(d, &[&parts[2], &parts[0], &parts[1]], "merged");
    assert_eq!(code, Some(0), "{stderr}");
    let whole = d.join("whole");
    let (code, stderr) = firedrill(
        d,
        &[
            "run",
            MODEL,
            "--scenario",
            SCENARIO,
            "--runs",
            "7",
            "--seed",
            "5",
            "--jobs",
            "2",
            "--out",
            whole.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let mut compared = 0;
    for entry in std::fs::read_dir(&whole).unwrap() {
        let name = entry.unwrap().file_name();
        let a = std::fs::read(whole.join(&name)).unwrap();
        let b = std::fs::read(d.join("merged").join(&name)).unwrap();
        assert!(
            a == b,
            "{name:?} differs between merged shards and the whole study"
        );
        compared += 1;
    }
    assert!(compared >= 2, "report.json and report.md at least");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["runs"], 7);
}

#[test]
fn merge_refuses_missing_overlapping_and_foreign_parts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parts: Vec<PathBuf> = (1..=3).map(|i| shard(d, SCENARIO, "6", i, 3)).collect();

    let (code, stderr) = merge(d, &[&parts[0], &parts[2]], "gap");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("runs 2..4 are in no part"), "{stderr}");

    let (code, stderr) = merge(d, &[&parts[0], &parts[1], &parts[1], &parts[2]], "twice");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("in two parts"), "{stderr}");

    // A shard of the same study size but another scenario.
    let other = tempfile::tempdir().unwrap();
    let foreign = shard(other.path(), "scenarios/steady-state.yaml", "6", 3, 3);
    let (code, stderr) = merge(d, &[&parts[0], &parts[1], &foreign], "foreign");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("same files"), "{stderr}");

    // Not a part file at all: file, line and column.
    let bogus = d.join("bogus.json");
    std::fs::write(&bogus, "{\n  \"format\": 3\n}\n").unwrap();
    let (code, stderr) = merge(d, &[&bogus], "bogus");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("bogus.json:2:"), "{stderr}");
}

#[test]
fn shard_ranges_partition_the_runs() {
    use firedrill::study::shard_range;
    for runs in [1u32, 2, 7, 10, 1000] {
        for n in 1..=12u32 {
            let mut next = 0;
            for i in 0..n {
                let r = shard_range(runs, i, n);
                assert_eq!(r.start, next);
                assert!(r.end - r.start <= runs.div_ceil(n));
                next = r.end;
            }
            assert_eq!(next, runs);
        }
    }
}

#[test]
fn bad_shard_syntax_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let (code, stderr) = firedrill(
            dir.path(),
            &["study", MODEL, "--scenario", SCENARIO, "--shard", bad],
        );
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("I/N"), "{stderr}");
    }
}
