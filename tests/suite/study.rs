//! Studies (`--runs N`, `--jobs N`): many seeds of one model × scenario,
//! summarised with confidence intervals. The report must not depend on the
//! thread count, the interval arithmetic must match published values, and
//! a study's interval must cover a closed-form availability.

use crate::common;

use std::path::Path;

use assert_cmd::Command;
use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::report::json;
use firedrill::run::Fidelity;
use firedrill::spec::{load_model, load_scenario};
use firedrill::study::{mean_ci, run_seed, run_study, t_quantile_975, wilson95};

const MULTI_AZ: &str = "models/wordpress-multi-az.yaml";
const CRASH: &str = "scenarios/instance-crash.yaml";
const GOLDEN_SINGLE: (&str, &str) = (
    "models/wordpress-single-instance.yaml",
    "scenarios/instance-crash.yaml",
);

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `firedrill run MODEL -s SCENARIO --out <tmp> extra...`: exit code and
/// the bytes of report.json.
fn cli_report(model: &str, scenario: &str, extra: &[&str]) -> (Option<i32>, Vec<u8>) {
    let (code, json, _) = cli_reports(model, scenario, extra);
    (code, json)
}

/// [`cli_report`] with the bytes of report.html too.
fn cli_reports(model: &str, scenario: &str, extra: &[&str]) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(["run", model, "--scenario", scenario, "--out", out])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = std::fs::read(dir.path().join("report.json")).unwrap();
    let html = std::fs::read(dir.path().join("report.html")).unwrap();
    (output.status.code(), json, html)
}

#[test]
fn t_quantiles_match_published_tables() {
    // Two-sided 95 % critical values of Student's t (any statistics table).
    for (df, expected) in [
        (1, 12.706),
        (9, 2.262),
        (29, 2.045),
        (30, 2.042),
        (31, 2.040),
        (60, 2.000),
        (99, 1.984),
        (1000, 1.962),
    ] {
        let t = t_quantile_975(df);
        assert!((t - expected).abs() < 6e-4, "df {df}: {t} vs {expected}");
    }
    // The expansion takes over from the table without a step.
    assert!(t_quantile_975(30) > t_quantile_975(31));
    assert!((t_quantile_975(30) - t_quantile_975(31)).abs() < 0.004);
}

#[test]
fn wilson_interval_matches_known_value() {
    // 95 of 100: Wilson 95 % interval [0.8882, 0.9785] (Newcombe 1998's
    // worked method; the normal approximation would give [0.907, 0.993]).
    let (lo, hi) = wilson95(95, 100).unwrap();
    assert!((lo - 0.8882).abs() < 1e-4, "{lo}");
    assert!((hi - 0.9785).abs() < 1e-4, "{hi}");
    // All successes: the interval still has width, and stays within [0, 1].
    let (lo, hi) = wilson95(10, 10).unwrap();
    assert!((lo - 0.7225).abs() < 1e-4 && hi == 1.0, "{lo} {hi}");
    assert_eq!(wilson95(0, 0), None);
}

#[test]
fn mean_ci_is_student_t_on_the_values() {
    // 1..=10: mean 5.5, sd = sqrt(110/12) = 3.02765, half-width
    // 2.262157 × 3.02765 / sqrt(10) = 2.16585.
    let values: Vec<f64> = (1..=10).map(f64::from).collect();
    let e = mean_ci(&values).unwrap();
    assert_eq!(e.mean, 5.5);
    assert!((e.ci95.0 - 3.33415).abs() < 1e-4 && (e.ci95.1 - 7.66585).abs() < 1e-4);
    let one = mean_ci(&[3.0]).unwrap();
    assert!(one.mean == 3.0 && one.ci95.0.is_nan());
    assert!(mean_ci(&[]).is_none());
}

#[test]
fn study_report_is_the_same_bytes_at_any_thread_count() {
    let (m, s) = (
        load_model(&repo(MULTI_AZ)).unwrap(),
        load_scenario(&repo(CRASH)).unwrap(),
    );
    let one = run_study(&m, &s, 40, 8, 1, Fidelity::Request).unwrap();
    let two = run_study(&m, &s, 40, 8, 2, Fidelity::Request).unwrap();
    let (a, b) = (json::render_study(&one), json::render_study(&two));
    assert_eq!(a, b);
    // Run 0 is the plain run of the base seed, and its keys head the report.
    let plain = json::render(&firedrill::run::run(&m, &s, 40).unwrap());
    assert_eq!(one.first.seed, 40);
    assert_eq!((one.first_seed, one.last_seed), (40, 47));
    assert!(a.starts_with(plain.trim_end().trim_end_matches('}').trim_end()));
    // Runs differ, so the interval has width (a real study, not 8 copies).
    let p99 = one.latency_p99_ms.unwrap();
    assert!(p99.ci95.1 > p99.ci95.0, "{p99:?}");
    assert_eq!(run_seed(u64::MAX, 1), 0);
}

#[test]
fn cli_study_is_the_same_bytes_with_jobs_1_and_2() {
    let runs = ["--runs", "8", "--seed", "3"];
    let (code1, one, html1) = cli_reports(MULTI_AZ, CRASH, &[&runs[..], &["--jobs", "1"]].concat());
    let (code2, two, html2) = cli_reports(MULTI_AZ, CRASH, &[&runs[..], &["--jobs", "2"]].concat());
    assert_eq!(code1, Some(0));
    assert_eq!(code2, Some(0));
    assert_eq!(one, two);
    assert!(html1 == html2, "report.html differs between --jobs 1 and 2");
    let value: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(value["runs"], 8);
    assert_eq!(value["seed"], 3);
    assert_eq!(value["study"]["seeds"]["last"], 10);
    // Top-level keys in written order: lines indented by exactly two spaces
    // (serde_json's Value would sort them).
    let text = String::from_utf8(one).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    let expected: Vec<&str> = json::TOP_LEVEL_KEYS
        .iter()
        .chain(json::STUDY_KEYS.iter())
        .copied()
        .collect();
    assert_eq!(keys, expected);
}

#[test]
fn runs_1_is_todays_single_run_report() {
    // The default and an explicit `--runs 1` both write the golden report
    // of a single run, byte for byte.
    let (model, scenario) = GOLDEN_SINGLE;
    let golden = std::fs::read(repo(
        "tests/golden/wordpress-single-instance.instance-crash.json",
    ))
    .unwrap();
    let (_, default) = cli_report(model, scenario, &[]);
    let (_, explicit) = cli_report(model, scenario, &["--runs", "1", "--jobs", "2"]);
    assert_eq!(default, golden);
    assert_eq!(explicit, golden);
}

#[test]
fn study_interval_covers_mtbf_over_mtbf_plus_mttr() {
    // One instance reached directly, refusing while down, failing with MTBF
    // 900 s and repaired with MTTR 30 s: availability 900/930 = 0.967742.
    // Each run spans 40,000 s (≈ 43 failure cycles, up-fraction sd ≈
    // 0.008), so 20 runs give a 95 % interval about ±0.004 wide.
    let m = one_web_instance();
    let mut s = scenario(secs(40_000), 2.0);
    s.random_failures
        .push(web_fails(Dist::exponential(secs(900))));
    let study = run_study(&m, &s, 11, 20, 2, Fidelity::Request).unwrap();
    let e = study.availability_request;
    let expected = 900.0 / 930.0;
    eprintln!(
        "study availability {:.5} CI [{:.5}, {:.5}] (expected {expected:.5})",
        e.mean, e.ci95.0, e.ci95.1
    );
    assert!(e.ci95.0 <= expected && expected <= e.ci95.1, "{e:?}");
    assert!(
        e.ci95.1 - e.ci95.0 < 0.015,
        "interval too wide to mean anything: {e:?}"
    );
    assert!(study.availability_request_min <= e.mean && e.mean <= study.availability_request_max);
    // Pooled over all requests the Wilson interval is narrower still, and
    // also near the closed form (requests sample the up fraction).
    let pooled = study.availability_request_pooled;
    assert!((pooled.mean - expected).abs() < 0.006, "{pooled:?}");
}

#[test]
fn study_slo_verdict_is_on_the_mean_and_counts_passing_runs() {
    // The same flapping instance with an availability SLO of 0.9677 (the
    // closed form, rounded down): single runs scatter around it, so some
    // pass and some fail, while the study's verdict follows the mean.
    let m = one_web_instance();
    let mut s = scenario(secs(20_000), 2.0);
    s.random_failures
        .push(web_fails(Dist::exponential(secs(900))));
    s.slo.availability = Some(0.9677);
    let study = run_study(&m, &s, 5, 20, 2, Fidelity::Request).unwrap();
    let slo = &study.slo["availability"];
    assert!(0 < slo.runs_passed && slo.runs_passed < 20, "{slo:?}");
    assert_eq!(slo.pass_fraction, f64::from(slo.runs_passed) / 20.0);
    assert_eq!(slo.pass, study.availability_request.mean >= 0.9677);
    assert_eq!(slo.mean, Some(study.availability_request.mean));
}

#[test]
fn pooled_latency_comes_from_the_merged_histograms() {
    // M/M/1 with mu = 100/s, lambda = 10/s: response time is exponential
    // with mean 1/(mu - lambda) = 11.11 ms, so p50 = 11.11 ln 2 = 7.70 ms
    // and p99 = 11.11 ln 100 = 51.17 ms over every request of every run.
    let m = model(
        &["a"],
        vec![component(
            "server",
            tier(vec![0], 1, 1, Dist::exponential(ms(10))),
        )],
        vec![class("job", 1.0, &[(0, Op::Serve)])],
    );
    let s = scenario(secs(2_000), 10.0);
    let study = run_study(&m, &s, 3, 12, 2, Fidelity::Request).unwrap();
    let pooled = study.latency_pooled_ms.expect("requests succeeded");
    eprintln!(
        "pooled over 12 runs: p50 {:.2} ms, p99 {:.2} ms",
        pooled.p50, pooled.p99
    );
    assert!((pooled.p50 - 7.70).abs() / 7.70 < 0.03, "{}", pooled.p50);
    assert!((pooled.p99 - 51.17).abs() / 51.17 < 0.03, "{}", pooled.p99);
    // The same runs one thread at a time merge to the same numbers.
    let alone = run_study(&m, &s, 3, 12, 1, Fidelity::Request).unwrap();
    assert_eq!(alone.latency_pooled_ms, study.latency_pooled_ms);
}
