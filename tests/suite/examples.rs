//! Every bundled model × scenario: it runs, its books balance, and the same
//! seed gives the same bytes (STYLE.md habits 10 and 12).

use crate::common;

use std::path::{Path, PathBuf};

use firedrill::config::{ModelConfig, ScenarioConfig};
use firedrill::metrics::RunSummary;
use firedrill::report::json;
use firedrill::run::run;
use firedrill::spec::{load_model, load_scenario};
use firedrill::time::SimDuration;

/// Every bundled scenario: `scenarios/` and the incident library in
/// `scenarios/incidents/`.
fn scenario_files() -> Vec<PathBuf> {
    let mut out = crate::common::yaml_files("scenarios");
    out.extend(crate::common::yaml_files("scenarios/incidents"));
    out
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Pairs that must be refused: the scenario names a component or zone the
/// model lacks (the benchmark model has no database, the single-instance
/// design has one zone and no cache).
const MISMATCHED: &[(&str, &str)] = &[
    ("bench-reference", "db-primary-failure"),
    ("bench-reference", "fis-az-power-interruption"),
    ("bench-reference", "gray-failures"),
    ("bench-reference", "data-faults"),
    ("bench-reference", "load-and-control-plane"),
    ("wordpress-single-instance", "fis-az-power-interruption"),
    ("wordpress-single-instance", "gray-failures"),
    ("wordpress-single-instance", "data-faults"),
    ("wordpress-single-instance", "load-and-control-plane"),
    ("bench-reference", "checkout-dependency"),
    ("wordpress-single-instance", "checkout-dependency"),
    ("wordpress-multi-az", "checkout-dependency"),
    ("bench-reference", "cache-stampede"),
    ("wordpress-single-instance", "cache-stampede"),
    ("retry-storm", "cache-stampede"),
    // The stampede model has no `checkout` class.
    ("cache-stampede", "checkout-dependency"),
    // The EBS and GitLab replays act on the database `db`.
    ("bench-reference", "aws-ebs-2011-04"),
    ("bench-reference", "gitlab-db-loss-2017-01"),
    // The metastable-failure model has bench-reference's components (lb,
    // web) and no `checkout` class.
    ("retry-storm", "checkout-dependency"),
    ("retry-storm", "data-faults"),
    ("retry-storm", "db-primary-failure"),
    ("retry-storm", "fis-az-power-interruption"),
    ("retry-storm", "gray-failures"),
    ("retry-storm", "load-and-control-plane"),
    ("retry-storm", "aws-ebs-2011-04"),
    ("retry-storm", "gitlab-db-loss-2017-01"),
];

fn pairs() -> Vec<(String, String, ModelConfig, ScenarioConfig)> {
    let mut out = Vec::new();
    for m in crate::common::yaml_files("models") {
        let model = load_model(&m).unwrap_or_else(|e| panic!("{e}"));
        for s in scenario_files() {
            let scenario = load_scenario(&s).unwrap_or_else(|e| panic!("{e}"));
            out.push((stem(&m), stem(&s), model.clone(), scenario));
        }
    }
    out
}

fn check_books(name: &str, r: &RunSummary) {
    let q = r.requests;
    assert_eq!(
        q.total,
        q.succeeded + q.failed + q.in_flight_end,
        "{name}: requests"
    );
    assert_eq!(
        r.errors_by_cause.values().sum::<u64>(),
        q.failed,
        "{name}: every failure has one cause"
    );
    let d = r.data_loss;
    assert!(d.writes_lost <= d.writes_acknowledged, "{name}: writes");
    let durable = d.writes_acknowledged - d.writes_lost;
    assert_eq!(durable + d.writes_lost, d.writes_acknowledged);
    for v in [r.availability.request, r.availability.time] {
        assert!((0.0..=1.0).contains(&v), "{name}: availability {v}");
    }
    if q.succeeded > 0 {
        let l = r.latency_ms.unwrap();
        assert!(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max);
    }
}

#[test]
fn every_bundled_pair_runs_balances_and_repeats_byte_for_byte() {
    let mut ran = 0;
    for (m, s, model, scenario) in pairs() {
        let name = format!("{m} × {s}");
        let result = run(&model, &scenario, 7);
        if MISMATCHED.contains(&(m.as_str(), s.as_str())) {
            let err = result.expect_err(&name);
            assert!(err.message.contains("does not have"), "{name}: {err}");
            continue;
        }
        let first = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        check_books(&name, &first);
        assert!(first.requests.total > 0, "{name}: no traffic");
        // A shipped example runs its experiment as written: no target of a
        // matched pair resolves to nothing (or its scenario says `skip`).
        assert!(
            !first.experiment.failed(),
            "{name}: {:?}",
            first.experiment.reason
        );
        let again = run(&model, &scenario, 7).unwrap();
        assert_eq!(
            json::render(&first),
            json::render(&again),
            "{name}: not deterministic"
        );
        ran += 1;
    }
    let all = crate::common::yaml_files("models").len() * scenario_files().len();
    assert_eq!(ran, all - MISMATCHED.len(), "every other pair must run");
}

fn bundled(model: &str, scenario: &str) -> (ModelConfig, ScenarioConfig) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    (
        load_model(&root.join("models").join(model)).unwrap(),
        load_scenario(&root.join("scenarios").join(scenario)).unwrap(),
    )
}

#[test]
fn seeds_matter_and_threads_do_not() {
    let (m, s) = bundled("wordpress-multi-az.yaml", "az-power-interruption.yaml");
    let a = json::render(&run(&m, &s, 1).unwrap());
    let b = json::render(&run(&m, &s, 2).unwrap());
    assert_ne!(a, b, "a different seed must draw different numbers");
    // The same run on four threads at once gives the same bytes as alone.
    let parallel: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| json::render(&run(&m, &s, 1).unwrap())))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(parallel.iter().all(|p| *p == a));
}

#[test]
fn memory_stays_flat_as_the_horizon_grows() {
    // Live requests and pending events depend on load and components, not
    // on how long the run is: 4× the horizon must not grow them.
    let (m, mut s) = bundled("bench-reference.yaml", "bench-reference.yaml");
    s.horizon = SimDuration::from_secs(900);
    let short = run(&m, &s, 3).unwrap();
    s.horizon = SimDuration::from_secs(3600);
    let long = run(&m, &s, 3).unwrap();
    assert!(long.requests.total > 3 * short.requests.total);
    let grow = |a: u64, b: u64| b as f64 / a.max(1) as f64;
    let live = grow(
        short.detail.peak_live_requests,
        long.detail.peak_live_requests,
    );
    let pending = grow(
        short.engine.peak_pending_events,
        long.engine.peak_pending_events,
    );
    assert!(live < 1.5, "peak live requests grew {live:.2}×");
    assert!(pending < 1.5, "peak pending events grew {pending:.2}×");
}

#[test]
fn golden_reports_of_two_bundled_runs() {
    // Any change to a model's behaviour shows up here as a reviewed diff of
    // real numbers (rewrite with FIREDRILL_UPDATE_GOLDEN=1).
    for (model, scenario) in [
        ("wordpress-multi-az", "db-primary-failure"),
        ("wordpress-single-instance", "instance-crash"),
    ] {
        let (m, s) = bundled(&format!("{model}.yaml"), &format!("{scenario}.yaml"));
        let report = json::render(&run(&m, &s, s.seed.unwrap_or(1)).unwrap());
        common::check_golden(&format!("{model}.{scenario}.json"), &report);
    }
}
