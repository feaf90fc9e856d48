//! Client retry budgets (`model/retry_budget.rs`): against a dependency
//! that refuses everything, a budget caps attempts per request at its
//! configured share, whatever `max_attempts` allows.

use crate::common::*;
use firedrill::config::*;
use firedrill::run::{run_with, Fidelity};
use firedrill::time::SimDuration;

/// `one_web_instance` with its only zone down (refusing) for the whole
/// run: every attempt fails at once. `rate` req/s for 60 s, 5 attempts
/// allowed, no backoff worth speaking of (1 ms, no jitter).
fn dead(rate: f64, budget: Option<RetryBudgetConfig>, clients: u32) -> (u64, u64, u64) {
    let m = one_web_instance();
    let mut s = scenario(secs(60), rate);
    s.workload.clients = clients;
    s.client.retries.max_attempts = 5;
    s.client.retries.base = ms(1);
    s.client.retries.jitter = Jitter::None;
    s.client.retries.backoff = Backoff::Constant;
    s.client.retry_budget = budget;
    s.faults.push(fault(
        "down",
        FaultAction::ZoneOutage {
            mode: DownMode::Refuse,
        },
        target(None, Some("a")),
        SimDuration::ZERO,
        None,
    ));
    s.goodput = Some(GoodputWatch::default());
    let r = run_with(&m, &s, 1, Fidelity::Request).unwrap();
    let load = r.load.expect("goodput watch kept");
    let [offered, attempts, goodput] = load.series.totals();
    (offered, attempts, goodput)
}

#[test]
fn without_a_budget_every_request_makes_every_attempt() {
    let (offered, attempts, goodput) = dead(100.0, None, 10);
    assert_eq!(goodput, 0);
    assert_eq!(attempts, 5 * offered, "amplification 5 = max_attempts");
}

#[test]
fn a_ratio_budget_caps_amplification_at_one_plus_its_ratio() {
    let budget = RetryBudgetConfig {
        kind: RetryBudgetKind::Ratio {
            ratio: 0.1,
            min_per_second: 0.0,
            window: secs(10),
        },
    };
    // 200 req/s for 60 s ≈ 12,000 requests; retries are allowed while
    // retries ≤ 10 % of the window's requests, so attempts ≈ 1.1 × requests
    // (each request gets at most one of them at a time, and the budget,
    // not max_attempts = 5, binds: 5 × would be 60,000).
    let (offered, attempts, _) = dead(200.0, Some(budget), 10);
    let amplification = attempts as f64 / offered as f64;
    assert!(
        (amplification - 1.1).abs() < 0.01,
        "{attempts} attempts for {offered} requests: {amplification}"
    );
}

#[test]
fn the_sdk_quota_stops_retries_once_each_clients_tokens_are_spent() {
    // Nothing ever succeeds, so nothing refills: each of the 4 clients can
    // pay for 500 / 5 = 100 retries, 400 in all, then only first attempts.
    let (offered, attempts, _) = dead(100.0, Some(RetryBudgetConfig::aws_sdk()), 4);
    assert_eq!(attempts, offered + 400);
}

#[test]
fn a_bad_budget_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    for (budget, expected) in [
        (
            "{ kind: leaky }",
            "unknown retry budget kind `leaky`: expected token_bucket or ratio",
        ),
        (
            "{ kind: ratio, tokens: 10 }",
            "`tokens` does not apply to a retry budget of kind `ratio`",
        ),
        ("{ ratio: 10% }", "retry_budget needs `kind: token_bucket`"),
        (
            "{ kind: token_bucket, retry_cost: 0 }",
            "a retry's cost must be at least 1 token",
        ),
    ] {
        let path = dir.path().join("s.yaml");
        std::fs::write(
            &path,
            format!(
                "name: s\nhorizon: 1m\nworkload: {{ rate: 10/s }}\nclient:\n  retry_budget: {budget}\n"
            ),
        )
        .unwrap();
        let out = firedrill(&[
            "run",
            "models/retry-storm.yaml",
            "--scenario",
            path.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{budget}");
        let err = stderr(&out);
        assert!(err.contains("s.yaml:5:"), "{budget}: {err}");
        assert!(err.contains(expected), "{budget}: {err}");
    }
}
