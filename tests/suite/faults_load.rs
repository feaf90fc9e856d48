//! Load and DNS faults: traffic spikes, class surges, callers that ignore
//! DNS TTLs. Each test checks the effect against arithmetic.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::run::run;
use firedrill::spec;

fn one_tier(concurrency: u32) -> ModelConfig {
    model(
        &["a"],
        vec![component(
            "web",
            tier(vec![0], 1, concurrency, Dist::Constant(ms(10))),
        )],
        vec![
            class("read", 0.9, &[(0, Op::Serve)]),
            class("write", 0.1, &[(0, Op::Serve)]),
        ],
    )
}

fn load_fault(action: FaultAction, class: Option<&str>) -> FaultConfig {
    let mut t = target(None, None);
    t.class = class.map(str::to_string);
    fault("load", action, t, secs(100), Some(secs(60)))
}

#[test]
fn a_traffic_spike_multiplies_arrivals_for_its_window() {
    // 100/s for 300 s, ×3 for 60 s of it: 30,000 + 2 × 6,000 = 42,000
    // arrivals (Poisson sd ≈ 205).
    let mut s = scenario(secs(300), 100.0);
    s.faults
        .push(load_fault(FaultAction::TrafficSpike { factor: 3.0 }, None));
    let r = run(&one_tier(64), &s, 1).unwrap();
    let total = r.requests.total as f64;
    eprintln!("traffic spike ×3 for 60 s: {total} arrivals (expected 42,000)");
    assert!((total - 42_000.0).abs() < 800.0, "{total}");
}

#[test]
fn a_spike_past_capacity_overloads_the_tier_and_recovers_after() {
    // One instance, 2 slots × 10 ms = 200/s capacity, queue 50. At 150/s
    // nothing is shed; a ×2 spike (300/s) sheds about a third of the spike's
    // 18,000 requests, and service recovers when it ends.
    let mut m = one_tier(2);
    if let ComponentKind::Tier(t) = &mut m.components[0].kind {
        t.queue_limit = Some(50);
    }
    let mut s = scenario(secs(400), 150.0);
    s.faults
        .push(load_fault(FaultAction::TrafficSpike { factor: 2.0 }, None));
    let r = run(&m, &s, 2).unwrap();
    let shed = r.errors_by_cause["overload"] as f64;
    eprintln!("spike past capacity: {shed} shed (expected ≈ 6,000)");
    assert!((5_000.0..=7_000.0).contains(&shed), "{shed}");
    let rec = &r.availability.recoveries[0];
    assert!(rec.impact);
    let back = rec.recovered_at_s.unwrap();
    assert!((160.0..=170.0).contains(&back), "recovered at {back}");
}

#[test]
fn a_class_surge_multiplies_only_its_class() {
    // write is 10 % of 100/s = 10/s; ×5 for 60 s adds 4 × 10 × 60 = 2,400
    // requests, all writes: 30,000 + 2,400 in all.
    let mut s = scenario(secs(300), 100.0);
    s.faults.push(load_fault(
        FaultAction::ClassSurge { factor: 5.0 },
        Some("write"),
    ));
    let r = run(&one_tier(64), &s, 3).unwrap();
    let total = r.requests.total as f64;
    eprintln!("class surge ×5 on 10 % for 60 s: {total} arrivals (expected 32,400)");
    assert!((total - 32_400.0).abs() < 600.0, "{total}");
}

/// `callers` web instances write to a Multi-AZ database (detection 15 s +
/// promotion 60 s, TTL 5 s) whose primary fails at 200 s.
fn stale_dns_run(callers: u32, fraction: f64) -> f64 {
    let mut m = model(
        &["a", "b"],
        vec![
            component(
                "web",
                tier(vec![0, 1], callers / 2, 64, Dist::Constant(ms(1))),
            ),
            component("db", ComponentKind::Database(database(0, Some(1), vec![]))),
        ],
        vec![class("write", 1.0, &[(0, Op::Serve), (1, Op::Write)])],
    );
    m.network = network(1);
    let mut s = scenario(secs(900), 200.0);
    s.faults.push(fault(
        "stale",
        FaultAction::DnsStale {
            fraction,
            keep: secs(600),
        },
        target(None, None),
        secs(0),
        None,
    ));
    s.faults.push(fault(
        "primary",
        FaultAction::DatabasePrimaryFailure,
        target(Some("db"), None),
        secs(200),
        None,
    ));
    let r = run(&m, &s, 6).unwrap();
    assert_eq!(r.data_loss.writes_lost, 0);
    r.requests.failed as f64 / 200.0
}

#[test]
fn callers_that_ignore_ttls_keep_writing_to_the_dead_primary() {
    // Honest callers fail for failover + TTL: 75–80 s. Callers that keep
    // answers for 600 s resolved at their first write (t ≈ 0) and hold the
    // old primary until t ≈ 600: they fail from 200 s to 600 s = 400 s.
    let honest = stale_dns_run(40, 0.0);
    let all_stale = stale_dns_run(40, 1.0);
    let half = stale_dns_run(40, 0.5);
    eprintln!(
        "dns_stale: failures for {honest:.1} s (0 %), {half:.1} s (50 %), {all_stale:.1} s (100 %)"
    );
    assert!((74.0..=82.0).contains(&honest), "{honest}");
    assert!((392.0..=408.0).contains(&all_stale), "{all_stale}");
    // Half the callers (by hash, so about half) take 400 s, the rest 77 s.
    assert!((170.0..=310.0).contains(&half), "{half}");
}

#[test]
fn load_fault_files_parse_and_reject_what_they_do_not_use() {
    let ok = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { action: traffic_spike, factor: 3, at: 1m, duration: 1m }\n  - { action: class_surge, target: { class: comment }, factor: 5, at: 2m, duration: 1m }\n  - { action: dns_stale, fraction: 20%, keep: 10m, at: 0s }\n";
    let s = spec::load_scenario_str(ok, "s.yaml").unwrap();
    assert_eq!(
        s.faults[0].action,
        FaultAction::TrafficSpike { factor: 3.0 }
    );
    assert_eq!(s.faults[1].target.class.as_deref(), Some("comment"));
    let missing = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { action: traffic_spike, at: 1m }\n";
    let err = spec::load_scenario_str(missing, "s.yaml").unwrap_err();
    assert_eq!(err.line, 5);
    assert!(err.message.contains("needs `factor`"), "{err}");
    let unused = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { action: zone_outage, target: { zone: a }, factor: 2, at: 1m }\n";
    let err = spec::load_scenario_str(unused, "s.yaml").unwrap_err();
    assert!(err.message.contains("does not apply"), "{err}");
    let no_class = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { action: class_surge, target: { zone: a }, factor: 2, at: 1m }\n";
    let err = spec::load_scenario_str(no_class, "s.yaml").unwrap_err();
    assert!(err.message.contains("needs `class:`"), "{err}");
}
