//! Metastable failures emerge from timeouts, retries and overload latency
//! (models/retry-storm.yaml and the three bundled metastable scenarios):
//! the same brownout leaves the API down at 1,200 req/s with naive
//! retries, recovers with a retry budget, and recovers at 500 req/s; a
//! sweep over offered load finds the boundary between the two outcomes.

use std::path::{Path, PathBuf};

use crate::common::*;
use firedrill::config::{ModelConfig, ScenarioConfig};
use firedrill::metrics::{LoadSummary, RecoveryVerdict};
use firedrill::run::{run_with, Fidelity};
use firedrill::spec::{load_model, load_scenario};

const MODEL: &str = "models/retry-storm.yaml";
const STORM: &str = "scenarios/metastable-retry-storm.yaml";
const BUDGET: &str = "scenarios/metastable-retry-budget.yaml";
const LOWER: &str = "scenarios/metastable-lower-load.yaml";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn inputs(scenario: &str) -> (ModelConfig, ScenarioConfig) {
    (
        load_model(&repo(MODEL)).unwrap(),
        load_scenario(&repo(scenario)).unwrap(),
    )
}

fn load_of(m: &ModelConfig, s: &ScenarioConfig) -> LoadSummary {
    run_with(m, s, 1, Fidelity::Request)
        .unwrap()
        .load
        .expect("the metastable scenarios keep the load series")
}

#[test]
fn naive_retries_stay_overloaded_after_the_brownout_ends() {
    let (m, s) = inputs(STORM);
    let load = load_of(&m, &s);
    assert_eq!(load.verdict(), RecoveryVerdict::NotRecovered);
    // Trigger 180..210 s; the baseline is the 120..180 s minute, 1,200 req/s.
    let t = load.trigger.unwrap();
    assert_eq!((t.start_s, t.end_s), (180, 210));
    let level = load.baseline_goodput_per_s.unwrap();
    assert!((level - 1_200.0).abs() < 0.03 * 1_200.0, "{level}");
    // At the horizon nearly nothing gets through, and clients send close
    // to max_attempts = 3 attempts per request.
    assert!(load.final_fraction().unwrap() < 0.05, "{load:?}");
    let [_, attempts, _] = load.series.totals();
    let late = load.series.mean_rates(400.0, 600.0).unwrap();
    assert!(late[1] / late[0] > 2.8, "late amplification {late:?}");
    assert!(attempts > 0);
}

#[test]
fn a_retry_budget_lets_the_same_trigger_recover() {
    let (m, s) = inputs(BUDGET);
    let load = load_of(&m, &s);
    let RecoveryVerdict::Recovered { after_s } = load.verdict() else {
        panic!("expected recovery: {:?}", load.verdict());
    };
    assert!(after_s < 120.0, "{after_s}");
    // The budget holds attempts near the offered load once tokens run out.
    assert!(load.amplification().unwrap() < 1.3, "{load:?}");
}

#[test]
fn the_same_trigger_at_lower_load_recovers_without_help() {
    let (m, s) = inputs(LOWER);
    let load = load_of(&m, &s);
    assert!(
        matches!(load.verdict(), RecoveryVerdict::Recovered { .. }),
        "{:?}",
        load.verdict()
    );
}

/// Offered load from 400 to 1,200 req/s with naive retries: recovered
/// below a boundary, not above it, nothing in between flipping back, and
/// the boundary where first principles put it. Once every attempt times
/// out, clients send max_attempts = 3 attempts per request, and the fleet
/// serves at most 6 × 8 / (20 ms × 1.5) = 1,600 req/s on its overload
/// curve: a storm can sustain itself only above 1,600 / 3 ≈ 533 req/s.
/// Measured (seed 1): 520 req/s recovers (in 2 min 54 s: near the boundary
/// the backlog drains slowly), 530 does not; the sweep asserts the
/// boundary within 10 % of 533.
#[test]
fn a_load_sweep_finds_the_metastability_boundary() {
    let (m, base) = inputs(STORM);
    let rates = [400.0, 480.0, 500.0, 560.0, 600.0, 700.0, 900.0, 1_200.0];
    let outcomes: Vec<bool> = rates
        .iter()
        .map(|&rate| {
            let mut s = base.clone();
            s.workload.rate_per_s = rate;
            matches!(load_of(&m, &s).verdict(), RecoveryVerdict::Recovered { .. })
        })
        .collect();
    let boundary = outcomes
        .iter()
        .position(|r| !r)
        .expect("1,200 req/s does not recover");
    assert!(boundary > 0, "400 req/s recovers: {outcomes:?}");
    assert!(
        outcomes[boundary..].iter().all(|r| !r),
        "one boundary: {outcomes:?}"
    );
    let closed_form = 1_600.0 / 3.0;
    assert!(
        rates[boundary - 1] >= 0.9 * closed_form && rates[boundary] <= 1.1 * closed_form,
        "boundary between {} and {} req/s, expected near {closed_form:.0}",
        rates[boundary - 1],
        rates[boundary]
    );
}

#[test]
fn the_reports_chart_goodput_and_say_whether_it_came_back() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, words) in [
        (STORM, "not recovered by the horizon"),
        (BUDGET, "recovered"),
    ] {
        let out_dir = dir.path().join(scenario.replace('/', "_"));
        let out = firedrill(&[
            "run",
            MODEL,
            "--scenario",
            scenario,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.code().is_some(), "{}", stderr(&out));
        let terminal = stdout(&out);
        assert!(terminal.contains("load and goodput"), "{terminal}");
        assert!(terminal.contains(words), "{terminal}");
        let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
        assert!(md.contains("## Load and goodput"), "{md}");
        assert!(md.contains(words));
        let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
        assert!(html.contains("Offered load, attempts and goodput"));
        let text = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let load = json["load"].as_object().expect("a `load` key");
        let mut keys: Vec<&str> = load.keys().map(String::as_str).collect();
        // Written in LOAD_KEYS order: sort by where each key appears.
        keys.sort_by_key(|k| text.find(&format!("\n    \"{k}\":")).unwrap());
        assert_eq!(keys, firedrill::report::json::LOAD_KEYS);
        assert_eq!(load["series"]["bucket_s"], 1);
        assert_eq!(load["series"]["goodput"].as_array().unwrap().len(), 600);
        assert_eq!(
            load["recovered"].as_bool(),
            Some(scenario == BUDGET),
            "{scenario}"
        );
        // Same seed, same bytes.
        let again = dir.path().join("again");
        firedrill(&[
            "run",
            MODEL,
            "--scenario",
            scenario,
            "--out",
            again.to_str().unwrap(),
        ]);
        assert_eq!(
            std::fs::read(out_dir.join("report.json")).unwrap(),
            std::fs::read(again.join("report.json")).unwrap()
        );
    }
}

#[test]
fn the_fluid_fidelity_refuses_goodput_and_retry_budgets_and_auto_runs_them() {
    let (m, s) = inputs(BUDGET);
    let refused = run_with(&m, &s, 1, Fidelity::Fluid).unwrap_err();
    assert!(
        refused.message.contains("request level only"),
        "{refused:?}"
    );
    let mut plain = s.clone();
    plain.client.retry_budget = None;
    let refused = run_with(&m, &plain, 1, Fidelity::Fluid).unwrap_err();
    assert!(refused.message.contains("`goodput:`"), "{refused:?}");
    let auto = run_with(&m, &s, 1, Fidelity::Auto).unwrap();
    assert_eq!(auto.fidelity, "request");
}

#[test]
fn a_bad_goodput_block_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    for (block, expected) in [
        (
            "{ hold: 1500ms }",
            "goodput.hold must be a whole number of seconds",
        ),
        ("{ threshold: 0 }", "goodput.threshold must be above 0"),
        ("{ window: 10s }", "unknown field"),
    ] {
        let path = dir.path().join("s.yaml");
        std::fs::write(
            &path,
            format!("name: s\nhorizon: 1m\nworkload: {{ rate: 10/s }}\ngoodput: {block}\n"),
        )
        .unwrap();
        let out = firedrill(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{block}");
        let err = stderr(&out);
        assert!(err.contains("s.yaml:4:"), "{block}: {err}");
        assert!(err.contains(expected), "{block}: {err}");
    }
}
