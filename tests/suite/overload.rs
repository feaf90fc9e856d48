//! Overload latency (`model/overload.rs`): a server whose service slows
//! with its backlog serves less when over capacity than at capacity, and
//! is unaffected while it keeps up.

use crate::common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::run::{run_with, Fidelity};

/// One instance of concurrency 2 serving in a constant 10 ms: capacity
/// 2 / 0.010 s = 200 requests per second.
fn server(overload: Option<OverloadConfig>) -> ModelConfig {
    let mut m = model(
        &["a"],
        vec![component(
            "web",
            tier(vec![0], 1, 2, Dist::Constant(ms(10))),
        )],
        vec![class("r", 1.0, &[(0, Op::Serve)])],
    );
    if let ComponentKind::Tier(t) = &mut m.components[0].kind {
        t.overload = overload;
    }
    m
}

fn succeeded(m: &ModelConfig, rate: f64) -> u64 {
    run(m, rate).requests.succeeded
}

fn run(m: &ModelConfig, rate: f64) -> firedrill::metrics::RunSummary {
    let s = scenario(secs(60), rate);
    run_with(m, &s, 1, Fidelity::Request).unwrap()
}

#[test]
fn over_capacity_is_worse_than_at_capacity_with_an_overload_curve() {
    let curve = OverloadConfig {
        slope: 1.0,
        max_factor: 2.0,
    };
    // 300/s offered to 200/s of capacity: the backlog grows by ~100/s, so
    // the server is busy the whole minute: 200/s × 60 s = 12,000 served.
    let plain = succeeded(&server(None), 300.0) as f64;
    assert!((plain - 12_000.0).abs() < 0.02 * 12_000.0, "{plain}");
    // With the curve the backlog passes 2 per slot within the first
    // second, so every service is stretched ×2: 2 / 0.020 s = 100/s,
    // 6,000 in the minute (less the first second's ramp).
    let slowed = succeeded(&server(Some(curve)), 300.0) as f64;
    assert!((slowed - 6_000.0).abs() < 0.03 * 6_000.0, "{slowed}");
}

#[test]
fn an_overload_curve_costs_nothing_while_the_server_keeps_up() {
    let curve = OverloadConfig {
        slope: 1.0,
        max_factor: 2.0,
    };
    // 50/s: below even the slowest capacity, 2 / (0.010 s × 2) = 100/s, so
    // a backlog that forms in a burst drains (at 100/s offered the curve
    // would make the server critical: that is the point of it). ~3,000
    // served either way; only the last moment's backlog can differ.
    let (plain, slowed) = (run(&server(None), 50.0), run(&server(Some(curve)), 50.0));
    let served = |r: &firedrill::metrics::RunSummary| r.requests.succeeded as f64;
    assert!((served(&plain) - 3_000.0).abs() < 0.05 * 3_000.0);
    assert!(served(&slowed) >= 0.998 * served(&plain));
    // Most requests find a free slot and take exactly 10 ms: the median is
    // untouched (a curve applied without a backlog would make it 20 ms).
    let p50 = |r: &firedrill::metrics::RunSummary| r.latency_ms.unwrap().p50;
    assert!((p50(&slowed) - 10.0).abs() < 0.5, "{}", p50(&slowed));
    assert!((p50(&slowed) - p50(&plain)).abs() < 0.5);
}

#[test]
fn an_overload_curve_is_validated_and_refused_by_the_fluid_fidelity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let write = |curve: &str| {
        std::fs::write(
            &path,
            format!(
                "name: m
zones: [a]
components:
  web:
    kind: tier
    zones: [a]
    per_zone: 1
    concurrency: 2
    service_time: 10ms
    overload: {curve}
requests:
  r: {{ share: 1, path: [web] }}
"
            ),
        )
        .unwrap();
    };
    write("{ slope: 0.5, max_factor: 0.5 }");
    let out = firedrill(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("m.yaml:10:"), "{err}");
    assert!(err.contains("max_factor"), "{err}");
    write("{}");
    let out = firedrill(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let m = firedrill::spec::load_model(&path).unwrap();
    let ComponentKind::Tier(t) = &m.components[0].kind else {
        panic!("a tier")
    };
    assert_eq!(
        t.overload,
        Some(OverloadConfig {
            slope: 0.25,
            max_factor: 3.0
        })
    );
    let e = firedrill::fluid::unsupported_model(&m).expect("refused");
    assert!(e.message.contains("overload curve"), "{}", e.message);
}
