//! Circuit breakers on call steps (`model/breaker.rs`, `world/breaker.rs`):
//! an open breaker stops calls to a dead dependency, half-open probes close
//! it once the dependency is back, the `degraded` fallback is counted apart,
//! the file syntax is validated, fluid refuses it, and runs are
//! deterministic.

use firedrill::metrics::RunSummary;
use firedrill::run::{run_with, Fidelity};
use firedrill::spec::{load_model_str, load_scenario_str};

fn run_yaml(model: &str, scenario: &str, seed: u64) -> RunSummary {
    let m = load_model_str(model, "m.yaml").unwrap();
    let s = load_scenario_str(scenario, "s.yaml").unwrap();
    run_with(&m, &s, seed, Fidelity::Request).unwrap()
}

/// A web tier calling an external payments service through a breaker.
fn model(breaker: &str) -> String {
    format!(
        r#"
name: breaker
zones: [a]
network: {{ same_zone_rtt: 0s, cross_zone_rtt: 0s, client_rtt: 0s }}
components:
  web: {{ kind: tier, per_zone: 1, concurrency: 1000, service_time: {{ constant: 1ms }} }}
  pay: {{ kind: external, service_time: {{ constant: 1ms }} }}
requests:
  r:
    share: 1
    path:
      - web
      - {{ to: pay.call, breaker: {breaker} }}
"#
    )
}

const RATE: &str =
    "{ failure_rate: 50%, window: 10s, minimum_calls: 20, open_for: 30s, half_open_calls: 5 }";

/// 100 requests/s for 4 minutes; payments refuses every call from 60 s on.
const DEAD_PAY: &str = r#"
name: dead-pay
horizon: 4m
seed: 1
workload: { rate: 100/s }
faults:
  - { action: dependency_outage, target: { component: pay }, mode: refuse, at: 1m, duration: 10m }
"#;

/// Payments' received calls per minute.
fn pay_per_minute(r: &RunSummary) -> Vec<u64> {
    let a = r.amplification.as_ref().expect("a breaker is a hop policy");
    let pay = a.components.iter().position(|c| c.name == "pay").unwrap();
    a.buckets.iter().map(|b| b.attempts[pay]).collect()
}

#[test]
fn an_open_breaker_lets_only_half_open_probes_reach_a_dead_dependency() {
    let r = run_yaml(&model(RATE), DEAD_PAY, 1);
    let pay = pay_per_minute(&r);
    // Minute 0: every request calls payments, ≈ 6,000 (Poisson, sd ≈ 77).
    assert!((5_700..=6_300).contains(&pay[0]), "{pay:?}");
    // From 60 s every call fails. The 10 s window of one-second buckets
    // holds ≈ 100 × (10 − x) successes and 100 × x failures x seconds into
    // the outage: the failure share reaches 50 % at x ≈ 5 s, so ≈ 500 calls
    // fail before the breaker opens (at T0 ≈ 65 s). It stays open 30 s;
    // 5 probes at T0 + 30 s fail and reopen it for 30 s, and so on. Minute
    // 1 [60, 120): ≈ 500 + 5 (probes at ≈ 95 s); sd ≈ 22, so ± 100.
    assert!((405..=605).contains(&pay[1]), "{pay:?}");
    // Minutes 2 and 3 are wholly open: probes at ≈ T0 + 60 s and
    // T0 + 90 s (≈ 125 s, 155 s), then ≈ 185 s and 215 s: 2 rounds of 5
    // each, exactly. Without the breaker payments received ≈ 6,000 a
    // minute (every request called it once).
    assert_eq!(&pay[2..], &[10, 10], "{pay:?}");
    // The client sees `circuit_open` for the refused calls.
    // The client sees `circuit_open` for the refused calls; the others are
    // the calls that reached the dead payments service.
    let refused = r.errors_by_cause["circuit_open"];
    assert_eq!(r.requests.failed - refused, pay[1] + pay[2] + pay[3]);
    assert!(refused > 17_000, "{refused}");
    assert_eq!(r.requests.degraded, None, "no degraded fallback");
}

#[test]
fn after_the_dependency_returns_the_breaker_closes_once_its_probes_succeed() {
    // `consecutive_failures: 5` opens it at the 5th failure after 60 s
    // (≈ 60.05 s at 100/s). Half-open at ≈ 90.05 s: payments is still down
    // (until 100 s), the 5 probes fail and it reopens until ≈ 120.1 s.
    // Payments is back from 100 s, but nothing reaches it until then: the
    // probes at ≈ 120.1 s succeed and it closes. Goodput per second is
    // 0 from 61 s through 119 s and comes back in second 120 (not 100,
    // when the dependency returned).
    let m = model("{ consecutive_failures: 5, open_for: 30s, half_open_calls: 5 }");
    let s = DEAD_PAY.replace("duration: 10m", "duration: 40s")
        + "goodput: { baseline: 30s, threshold: 90%, hold: 10s }\n";
    let r = run_yaml(&m, &s, 1);
    let load = r.load.as_ref().expect("a goodput block");
    assert_eq!(load.series.bucket_s, 1);
    let goodput: Vec<u64> = load.series.buckets.iter().map(|b| b[2]).collect();
    assert!(goodput[59] > 50, "{:?}", &goodput[55..65]);
    assert!(
        goodput[61..120].iter().all(|&g| g == 0),
        "{:?}",
        &goodput[60..125]
    );
    // Second 120 serves from ≈ 120.15 s on: ≈ 85 requests.
    assert!(goodput[120] > 40, "{:?}", &goodput[115..125]);
    assert!(goodput[121] > 50, "{:?}", &goodput[115..125]);
    assert_eq!(load.recovered_at_s, Some(120.0));
    // Payments received: minute 1 = 5 failures + 5 probes at ≈ 90 s;
    // minute 2 all calls again from ≈ 120.1 s (≈ 6,000 less ≈ 10).
    let pay = pay_per_minute(&r);
    assert_eq!(pay[1], 10, "{pay:?}");
    assert!((5_700..=6_300).contains(&pay[2]), "{pay:?}");
}

#[test]
fn the_degraded_fallback_answers_refused_calls_and_counts_them_apart() {
    let m = model(&RATE.replace(" }", ", fallback: degraded }"));
    let r = run_yaml(&m, DEAD_PAY, 1);
    let q = r.requests;
    let degraded = q.degraded.expect("a degraded fallback reports its count");
    // Only calls that reached payments during the outage failed (≈ 525,
    // as in the fail-fast test); every refused call was answered degraded:
    // ≈ 3 minutes × 6,000 − 525.
    let pay = pay_per_minute(&r);
    assert_eq!(q.failed, pay[1] + pay[2] + pay[3]);
    assert!((16_500..=18_000).contains(&degraded), "{q:?}");
    assert_eq!(q.total, q.succeeded + q.failed + degraded + q.in_flight_end);
    assert!(!r.errors_by_cause.contains_key("circuit_open"));
    // A degraded answer counts as answered for availability.
    let expect = (q.succeeded + degraded) as f64 / (q.total - q.in_flight_end) as f64;
    assert!((r.availability.request - expect).abs() < 1e-12);
    let json = firedrill::report::json::render(&r);
    assert!(json.contains("\"degraded\": "), "{json}");
    // `stale` is the same fallback.
    let stale = run_yaml(
        &model(&RATE.replace(" }", ", fallback: stale }")),
        DEAD_PAY,
        1,
    );
    assert_eq!(stale.requests.degraded, Some(degraded));
}

#[test]
fn defaults_are_resilience4j_and_bad_breakers_are_refused_with_their_position() {
    use firedrill::config::{BreakerThreshold, Fallback};
    let m = load_model_str(&model("{}"), "m.yaml").unwrap();
    let b = m.request_classes[0].hops[0].breaker.clone().unwrap();
    assert_eq!(
        b.threshold,
        BreakerThreshold::FailureRate {
            failure_rate: 0.5,
            window_s: 100,
            minimum_calls: 100
        }
    );
    assert_eq!(b.open_for.as_nanos(), 60_000_000_000);
    assert_eq!(b.half_open_calls, 10);
    assert_eq!(b.fallback, Fallback::FailFast);
    assert_eq!(m.request_classes[0].hops[0].retries.max_attempts, 1);

    let check = |breaker: &str, expect: &str| {
        let e = load_model_str(&model(breaker), "m.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(expect), "{breaker}: {e}");
        e
    };
    let e = check("{ window: 1500ms }", "whole number of seconds");
    // Line 13, column 44: the value of `window`.
    assert!(e.starts_with("m.yaml:13:44:"), "{e}");
    check("{ failure_rate: 0% }", "failure_rate` must be > 0%");
    check("{ failure_rate: 150% }", "outside [0, 1]");
    check("{ minimum_calls: 0 }", "minimum_calls` must be at least 1");
    check(
        "{ half_open_calls: 0 }",
        "half_open_calls` must be at least 1",
    );
    check("{ open_for: 0s }", "open_for` must be > 0");
    check("{ fallback: retry }", "unknown fallback `retry`");
    check("{ consecutive_failures: 0 }", "at least 1");
    check(
        "{ consecutive_failures: 3, window: 10s }",
        "replaces the failure-rate threshold: remove `window`",
    );
    check("{ failure: 50% }", "unknown field `failure`");
    // Not on the client's own call (the first step).
    let first = model("{}").replace("      - web\n", "      - { to: web, breaker: {} }\n");
    let e = load_model_str(&first, "m.yaml").unwrap_err().to_string();
    assert!(e.contains("a breaker goes on a later call step"), "{e}");
}

#[test]
fn the_fluid_fidelity_refuses_breakers_and_auto_runs_them_at_request_level() {
    let m = load_model_str(&model(RATE), "m.yaml").unwrap();
    let s = load_scenario_str(DEAD_PAY, "s.yaml").unwrap();
    let e = run_with(&m, &s, 1, Fidelity::Fluid)
        .unwrap_err()
        .to_string();
    assert!(e.contains("circuit breaker"), "{e}");
    let auto = run_with(&m, &s, 1, Fidelity::Auto).unwrap();
    assert_eq!(auto.fidelity, "request");
    assert_eq!(pay_per_minute(&auto)[2], 10);
}

#[test]
fn breaker_runs_are_byte_identical_for_a_seed() {
    let m = model(&RATE.replace(" }", ", fallback: degraded }"));
    let one = firedrill::report::json::render(&run_yaml(&m, DEAD_PAY, 7));
    let two = firedrill::report::json::render(&run_yaml(&m, DEAD_PAY, 7));
    assert_eq!(one, two);
    let other = firedrill::report::json::render(&run_yaml(&m, DEAD_PAY, 8));
    assert_ne!(one, other);
}
