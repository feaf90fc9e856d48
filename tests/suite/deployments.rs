//! Deployments as faults (`fault/deploy.rs`): a bad version contained by a
//! rolling strategy with rollback, or by a canary; a good version that
//! costs nothing; validation errors; determinism. Against the bundled
//! three-tier-web model: its `web` tier has 6 instances behind `lb`, 200
//! requests/s, every request through `web`.

use firedrill::config::FaultAction;
use firedrill::run::{run, run_with, Fidelity};
use firedrill::spec;

fn model() -> firedrill::config::ModelConfig {
    spec::load_model(std::path::Path::new("models/three-tier-web.yaml"))
        .unwrap_or_else(|d| panic!("{d}"))
}

/// A 12-minute run at 200/s with the deployment `fault` at 2 min.
fn scenario(fault: &str) -> firedrill::config::ScenarioConfig {
    let text = format!(
        "name: s\nhorizon: 12m\nwarmup: 1m\nseed: 7\nworkload: {{ rate: 200/s }}\nclient: {{ timeout: 2s }}\nfaults:\n  - {{ id: v2, action: deployment, target: {{ tier: web }}, at: 2m, {fault} }}\n"
    );
    spec::load_scenario_str(&text, "s.yaml").unwrap_or_else(|d| panic!("{d}"))
}

fn failed(fault: &str) -> u64 {
    let r = run(&model(), &scenario(fault), 7).unwrap();
    eprintln!(
        "{fault}: {} failed of {}",
        r.requests.failed, r.requests.total
    );
    r.requests.failed
}

#[test]
fn rolling_with_rollback_bounds_a_bad_version_to_one_batch() {
    // 6 instances, batch 25 % → ceil(1.5) = 2 per batch: batch 1 carries
    // 2/6 of the traffic. At 200/s and 50 % errors it fails 200 × 1/3 ×
    // 0.5 ≈ 33 req/s once back (after its ~30 s restart and a health
    // check). The alarm (availability < 99 % over 60 s, armed at the
    // start) trips at the first full window, 60 s after the start; the
    // rollback deregisters the batch at once. So failures ≤ 33 req/s ×
    // 60 s ≈ 2,000 (measured: a few hundred: the batch serves ~20 s).
    let contained = failed(
        "strategy: rolling, batch: 25%, version: { error_rate: 50% }, rollback: { alarm: { metric: availability, below: 99%, window: 1m } }",
    );
    // All at once without rollback: 50 % of 200/s from ~30 s after 2 min
    // to 12 min: ≈ 0.5 × 200 × 570 s ≈ 57,000.
    let all = failed("strategy: rolling, batch: 100%, version: { error_rate: 50% }");
    assert!(contained > 0 && contained <= 2_000, "{contained}");
    assert!((50_000..=66_000).contains(&all), "{all}"); // measured 61,770
}

#[test]
fn canary_limits_the_blast_radius_to_the_canary_share() {
    // canary 10 % of 6 → ceil(0.6) = 1 instance: 1/6 of the traffic, 50 %
    // errors: 200 × 1/6 × 0.5 ≈ 16.7 req/s. The alarm at 99 % over 60 s
    // trips (8.3 % of requests fail) at the first full window: ≤ 16.7 ×
    // 60 ≈ 1,000 failures. Without rollback the canary bakes 5 min, then
    // the rest follows and fails half of everything.
    let canary = failed(
        "strategy: canary, canary: 10%, bake: 5m, version: { error_rate: 50% }, rollback: { alarm: { metric: availability, below: 99%, window: 1m } }",
    );
    assert!(canary > 0 && canary <= 1_000, "{canary}");
    // Without rollback, during the bake only the canary fails: about
    // 16.7 req/s × (300 s − its restart) ≈ 4,500; the 6-instance rest
    // (after bake + restarts) fails half of the remaining ~4 min: ≈ 24,000.
    let baked = failed("strategy: canary, canary: 10%, bake: 5m, version: { error_rate: 50% }");
    assert!(baked > 10 * canary, "{baked} vs {canary}");
}

#[test]
fn a_good_version_deploys_without_failures() {
    // Each instance is deregistered (drained: in-flight requests finish)
    // before its restart and serves again after a health check: the
    // remaining 4 of 6 instances carry the load (200/s at ~5 ms median
    // service, 16 slots each: far below capacity), so nothing fails.
    for strategy in [
        "strategy: rolling, batch: 25%",
        "strategy: canary",
        "strategy: blue_green",
    ] {
        let n = failed(&format!("{strategy}, version: {{}}"));
        assert_eq!(n, 0, "{strategy}");
    }
}

#[test]
fn blue_green_switches_everything_and_rolls_back_at_once() {
    // The whole tier switches after the new fleet's launch (~30 s): 50 %
    // of 200/s fail until the alarm trips at the first full 60 s window
    // (~30 s of new version: ≈ 100 × 30 = 3,000), then everything switches
    // back without a restart.
    let n = failed(
        "strategy: blue_green, version: { error_rate: 50% }, rollback: { alarm: { metric: availability, below: 99%, window: 1m } }",
    );
    assert!(n > 500 && n <= 6_000, "{n}");
}

#[test]
fn rollback_on_the_scenario_stop_conditions() {
    let mut s = scenario(
        "strategy: rolling, batch: 25%, version: { error_rate: 50% }, rollback: { stop_conditions: true }",
    );
    s.stop_conditions = spec::load_scenario_str(
        "name: t\nhorizon: 1m\nworkload: { rate: 1 }\nstop_conditions:\n  - { metric: availability, below: 99%, window: 1m }\n",
        "t.yaml",
    )
    .unwrap()
    .stop_conditions;
    let r = run(&model(), &s, 7).unwrap();
    assert!(
        r.requests.failed > 0 && r.requests.failed <= 2_000,
        "{}",
        r.requests.failed
    );
}

#[test]
fn deployments_are_deterministic_and_fluid_refuses_them() {
    let s = scenario(
        "strategy: rolling, batch: 25%, version: { error_rate: 20%, slowdown: 2, latency: 10ms }, rollback: { alarm: { metric: availability, below: 99%, window: 1m } }",
    );
    let m = model();
    let a = format!("{:?}", run(&m, &s, 3).unwrap());
    let b = format!("{:?}", run(&m, &s, 3).unwrap());
    assert_eq!(a, b);
    let err = run_with(&m, &s, 3, Fidelity::Fluid).unwrap_err();
    assert!(err.to_string().contains("request level"), "{err}");
    let auto = run_with(&m, &s, 3, Fidelity::Auto).unwrap();
    assert_eq!(auto.fidelity, "request");
    assert!(matches!(s.faults[0].action, FaultAction::Deployment(_)));
}

#[test]
fn bad_deployment_parameters_point_at_the_key() {
    let head = "name: s\nhorizon: 1h\nworkload: { rate: 10 }\nfaults:\n";
    let err = |fault: &str| {
        spec::load_scenario_str(&format!("{head}  - {fault}\n"), "s.yaml")
            .expect_err("expected an error")
    };
    let cases = [
        (
            "{ action: deployment, target: { tier: web }, at: 1m, strategy: sideways, version: {} }",
            "sideways",
            "unknown deployment strategy",
        ),
        (
            "{ action: deployment, target: { tier: web }, at: 1m }",
            "{ action",
            "needs `version",
        ),
        (
            "{ action: deployment, target: { tier: web }, at: 1m, strategy: rolling, canary: 10%, version: {} }",
            "10%",
            "does not apply to a rolling",
        ),
        (
            "{ action: deployment, target: { tier: web }, at: 1m, version: { slowdown: 0.5 } }",
            "0.5",
            "slowdown",
        ),
        (
            "{ action: deployment, target: { tier: web }, at: 1m, version: {}, duration: 5m }",
            "5m }",
            "no `duration`",
        ),
        (
            "{ action: instance_crash, target: { tier: web }, at: 1m, batch: 25% }",
            "25%",
            "parameter of `deployment`",
        ),
    ];
    for (fault, at, words) in cases {
        // The value's column: "  - " is 4 characters, columns count from 1.
        let column = fault.find(at).unwrap() as u32 + 5;
        let d = err(fault);
        assert_eq!((d.line, d.column), (5, column), "{d}");
        assert!(d.message.contains(words), "{d} lacks {words:?}");
    }
}
