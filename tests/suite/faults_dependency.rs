//! External dependencies in the call path: outages and slowdowns.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::run::run;
use firedrill::spec;

/// Checkout calls a payment provider; browsing does not.
fn shop() -> ModelConfig {
    shop_with_threads(64)
}

fn shop_with_threads(concurrency: u32) -> ModelConfig {
    model(
        &["a"],
        vec![
            component("web", tier(vec![0], 2, concurrency, Dist::Constant(ms(5)))),
            component(
                "payments",
                ComponentKind::External(ExternalConfig {
                    service_time: Dist::Constant(ms(100)),
                }),
            ),
        ],
        vec![
            class("browse", 0.8, &[(0, Op::Serve)]),
            class("checkout", 0.2, &[(0, Op::Serve), (1, Op::Call)]),
        ],
    )
}

fn with(action: FaultAction) -> ScenarioConfig {
    let mut s = scenario(secs(600), 100.0);
    s.client.timeout = Some(secs(2));
    s.faults.push(fault(
        "dep",
        action,
        target(Some("payments"), None),
        secs(200),
        Some(secs(100)),
    ));
    s
}

#[test]
fn a_dependency_outage_fails_only_the_classes_that_call_it() {
    // Checkout is 20 % of 100/s; refused for 100 s: 2,000 failures, all
    // `dependency_down`, none for browsing (Poisson sd ≈ 45).
    let r = run(
        &shop(),
        &with(FaultAction::DependencyOutage {
            mode: DownMode::Refuse,
        }),
        1,
    )
    .unwrap();
    let failed = r.errors_by_cause["dependency_down"] as f64;
    eprintln!("dependency outage: {failed} checkouts failed (expected 2,000)");
    assert!((failed - 2_000.0).abs() < 200.0, "{failed}");
    assert_eq!(r.requests.failed as f64, failed);
    let rec = &r.availability.recoveries[0];
    let ttr = rec.time_to_recover_s.unwrap();
    assert!((99.0..=101.0).contains(&ttr), "{ttr}");
}

#[test]
fn a_blackholed_dependency_holds_callers_until_their_timeout() {
    // Blackholed: the internal connect timeout (10 s) is longer than the
    // client's 2 s, so checkouts time out instead of failing fast. With
    // plenty of threads only checkouts suffer: 2,000 timeouts.
    let blackhole = with(FaultAction::DependencyOutage {
        mode: DownMode::Blackhole,
    });
    let r = run(&shop_with_threads(1024), &blackhole, 2).unwrap();
    let timeouts = r.errors_by_cause["timeout"] as f64;
    eprintln!("blackholed dependency, ample threads: {timeouts} timeouts (expected 2,000)");
    assert!((timeouts - 2_000.0).abs() < 200.0, "{timeouts}");
    assert_eq!(r.errors_by_cause["dependency_down"], 0);
    // With 2 × 64 threads, 20 checkouts/s each hung for 10 s need 200
    // threads: the tier runs out and browsing, which never calls the
    // dependency, times out too (the cascade bulkheads exist for).
    let r = run(&shop(), &blackhole, 2).unwrap();
    let timeouts = r.errors_by_cause["timeout"] as f64;
    eprintln!("blackholed dependency, 128 threads: {timeouts} timeouts");
    assert!(timeouts > 5_000.0, "{timeouts}");
}

#[test]
fn a_slow_dependency_adds_its_latency_and_times_out_past_the_client_limit() {
    // +400 ms: checkouts take 505 ms instead of 105 ms for 100 s; 2,000 of
    // 60,000 requests, so the p99.9 shows it and nothing fails.
    let r = run(
        &shop(),
        &with(FaultAction::DependencySlow {
            latency: Dist::Constant(ms(400)),
        }),
        3,
    )
    .unwrap();
    let l = r.latency_ms.unwrap();
    assert_eq!(r.requests.failed, 0);
    assert!((l.max - 505.0).abs() < 2.0, "max {}", l.max);
    assert!(l.p50 < 10.0, "browsing unaffected: p50 {}", l.p50);
    // +5 s: past the 2 s client timeout, every checkout in the window fails.
    let r = run(
        &shop(),
        &with(FaultAction::DependencySlow {
            latency: Dist::Constant(secs(5)),
        }),
        3,
    )
    .unwrap();
    let timeouts = r.errors_by_cause["timeout"] as f64;
    assert!((timeouts - 2_000.0).abs() < 200.0, "{timeouts}");
}

#[test]
fn external_components_and_their_faults_parse() {
    let m = "name: shop\nzones: [a]\ncomponents:\n  web: { kind: tier, concurrency: 8, service_time: 5ms }\n  payments: { kind: external, service_time: { lognormal: { median: 80ms, p99: 400ms } } }\nrequests:\n  checkout: { share: 1, path: [web, payments.call] }\n";
    let model = spec::load_model_str(m, "m.yaml").unwrap();
    assert!(matches!(
        model.components[1].kind,
        ComponentKind::External(_)
    ));
    let s = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { action: dependency_slow, target: { component: payments }, latency: 2s, at: 1m, duration: 1m }\n  - { action: dependency_outage, target: { component: payments }, mode: blackhole, at: 5m }\n";
    let scenario = spec::load_scenario_str(s, "s.yaml").unwrap();
    assert_eq!(scenario.faults.len(), 2);
    assert!(run(&model, &scenario, 1).is_ok());
    // Naming a tier as the dependency is refused before running.
    let wrong = s.replace(
        "component: payments }, latency",
        "component: web }, latency",
    );
    let scenario = spec::load_scenario_str(&wrong, "s.yaml").unwrap();
    let err = run(&model, &scenario, 1).unwrap_err();
    assert!(err.message.contains("external dependency"), "{err}");
}
