//! Auto Scaling groups and the faults that block recovery by launching:
//! control-plane outages, capacity limits and spot interruptions. Each test
//! checks a timing or a loss against the arithmetic in its comment.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::model::auto_scaling::SlotState;
use firedrill::run::{run, Simulation};
use firedrill::time::{SimDuration, SimTime};

fn at(d: SimDuration) -> SimTime {
    SimTime(d.as_nanos())
}

/// Launch 30 s + warm-up 60 s, grace 0, EC2 checks.
fn asg(max_size: u32) -> AutoScalingConfig {
    AutoScalingConfig {
        health_check: AsgHealthCheck::Ec2,
        grace_period: SimDuration::ZERO,
        launch_time: Dist::Constant(secs(30)),
        warmup: secs(60),
        // Set from the tier's per_zone × zones by `web_model`.
        desired: 1,
        min_size: 1,
        max_size,
        policies: Vec::new(),
    }
}

/// An ALB (checks every 10 s, timeout 2 s, thresholds 2/2) over a web tier
/// of `per_zone` instances in each of `zones`, with or without a group.
fn web_model(
    zones: &[&str],
    per_zone: u32,
    concurrency: u32,
    group: Option<AutoScalingConfig>,
) -> ModelConfig {
    let z: Vec<usize> = (0..zones.len()).collect();
    let mut lb = alb(1, z.clone());
    if let ComponentKind::LoadBalancer(l) = &mut lb {
        l.health_check = Some(HealthCheckConfig {
            interval: secs(10),
            timeout: secs(2),
            healthy_threshold: 2,
            unhealthy_threshold: 2,
        });
    }
    let mut web = tier(z, per_zone, concurrency, Dist::Constant(ms(10)));
    if let ComponentKind::Tier(t) = &mut web {
        t.auto_scaling = group.map(|mut a| {
            a.desired = per_zone * zones.len() as u32;
            a.min_size = a.desired;
            a
        });
        t.queue_limit = Some(100);
    }
    model(
        zones,
        vec![component("lb", lb), component("web", web)],
        vec![class("page", 1.0, &[(0, Op::Route), (1, Op::Serve)])],
    )
}

fn crash_one(s: &mut ScenarioConfig, at: SimDuration) {
    let mut t = target(Some("web"), None);
    t.select = Selection::Count(1);
    s.faults.push(fault(
        "crash",
        FaultAction::InstanceCrash {
            mode: DownMode::Refuse,
        },
        t,
        at,
        None,
    ));
}

fn control_plane(s: &mut ScenarioConfig, launch: bool, attach: bool, dns: bool) {
    s.faults.push(fault(
        "control-plane",
        FaultAction::ControlPlaneOutage {
            launch,
            attach,
            dns,
        },
        target(None, None),
        secs(200),
        Some(secs(600)),
    ));
}

/// When the group's replacement (the slot that was not in service at the
/// start) came into service, in seconds.
fn replacement_in_service_s(sim: &Simulation) -> Option<f64> {
    let asg = sim.world.tiers()[firedrill::model::id::TierId(0)]
        .asg
        .as_ref()
        .unwrap();
    asg.slots
        .iter()
        .filter_map(|s| s.in_service_at)
        .map(|t| t.as_secs_f64())
        .reduce(f64::min)
}

#[test]
fn a_crashed_instance_is_replaced_after_detection_launch_and_warmup() {
    // One instance (desired 1). Crash at 300 s; the next status check comes
    // U(0, 60] s later; launch 30 s + warm-up 60 s: in service 390–450 s,
    // mean 420 s. Every request fails in between (nothing else serves), so
    // availability over 1,200 s = 1 − (in service − 300) / 1,200, within
    // Poisson noise (~±0.005 at 50/s).
    let m = web_model(&["a"], 1, 64, Some(asg(2)));
    let mut ready = Vec::new();
    for seed in 1..=20 {
        let mut s = scenario(secs(1200), 50.0);
        crash_one(&mut s, secs(300));
        let mut sim = Simulation::new(&m, &s, seed).unwrap();
        sim.run_until(at(secs(1200)));
        let t = replacement_in_service_s(&sim).expect("replaced");
        assert!(
            (390.0..=450.0).contains(&t),
            "seed {seed}: in service at {t}"
        );
        let tier = &sim.world.tiers()[firedrill::model::id::TierId(0)];
        assert_eq!(tier.servers.len(), 1, "one instance in service");
        assert!(sim.world.servers()[tier.servers[0]].node.is_up());
        ready.push(t);
        let r = sim.finish();
        let expected = 1.0 - (t - 300.0) / 1200.0;
        assert!(
            (r.availability.request - expected).abs() < 0.01,
            "seed {seed}: availability {} vs {expected}",
            r.availability.request
        );
        // Restored without the fault ending (it never ends).
        let ttr = r.availability.recoveries[0].time_to_recover_s.unwrap();
        assert!((88.0..=152.0).contains(&ttr), "seed {seed}: ttr {ttr}");
    }
    let mean = ready.iter().sum::<f64>() / ready.len() as f64;
    eprintln!("ASG replacement in service at mean {mean:.1} s (expected 420)");
    assert!((405.0..=435.0).contains(&mean), "mean {mean}");
    // Without a group the instance stays down: nothing recovers.
    let mut s = scenario(secs(1200), 50.0);
    crash_one(&mut s, secs(300));
    let r = run(&web_model(&["a"], 1, 64, None), &s, 1).unwrap();
    assert!((r.availability.request - 0.25).abs() < 0.01);
    assert!(r.availability.recoveries[0].recovered_at_s.is_none());
}

#[test]
fn a_new_target_needs_one_passing_check_before_traffic() {
    // Two instances; one crashes and is replaced. The replacement is a new
    // target: it turns healthy at its first passing check, within one
    // interval (10 s) of coming into service, not after 2 checks.
    for seed in 1..=10 {
        let m = web_model(&["a"], 2, 64, Some(asg(4)));
        let mut s = scenario(secs(800), 20.0);
        crash_one(&mut s, secs(300));
        let mut sim = Simulation::new(&m, &s, seed).unwrap();
        sim.run_until(at(secs(800)));
        let asg = sim.world.tiers()[firedrill::model::id::TierId(0)]
            .asg
            .as_ref()
            .unwrap();
        let k = (0..asg.slots.len())
            .find(|&k| asg.slots[k].in_service_at.is_some())
            .unwrap();
        let joined = asg.slots[k].in_service_at.unwrap();
        let healthy = sim.world.lbs()[firedrill::model::id::LbId(0)].health[k]
            .changed_at
            .unwrap();
        let wait = healthy.since(joined).as_secs_f64();
        assert!((0.0..=10.0).contains(&wait), "seed {seed}: {wait} s");
        assert!(sim.world.lbs()[firedrill::model::id::LbId(0)].health[k].healthy);
    }
}

#[test]
fn a_control_plane_outage_delays_replacement_but_spares_static_capacity() {
    // Launches blocked 200–800 s. One instance crashes at 300 s: its
    // replacement launches when the outage ends (800 s) and serves at
    // 800 + 90 = 890 s, so ≈ 590 s of 1,200 fail: availability ≈ 0.508.
    let m = web_model(&["a"], 1, 64, Some(asg(2)));
    let mut s = scenario(secs(1200), 50.0);
    crash_one(&mut s, secs(300));
    control_plane(&mut s, true, false, false);
    let mut sim = Simulation::new(&m, &s, 3).unwrap();
    sim.run_until(at(secs(1200)));
    let t = replacement_in_service_s(&sim).unwrap();
    assert!((t - 890.0).abs() < 1e-6, "in service at {t}");
    let r = sim.finish();
    eprintln!(
        "control plane down, needs a launch: availability {}",
        r.availability.request
    );
    assert!((r.availability.request - (1.0 - 590.0 / 1200.0)).abs() < 0.01);
    // Statically stable: two instances with room for the load. The dead
    // one fails its share until the ALB removes it (2 checks at 10 s:
    // ≤ 20 s, half the traffic): ≥ 1 − 10/1,200 ≈ 0.992.
    let m = web_model(&["a"], 2, 64, Some(asg(4)));
    let r = run(&m, &s, 3).unwrap();
    eprintln!(
        "control plane down, statically stable: availability {}",
        r.availability.request
    );
    assert!(r.availability.request > 0.99);
}

#[test]
fn an_attach_outage_holds_a_volume_restore_until_it_ends() {
    // One instance loses its volume at 300 s; the restore (60 s) would end
    // at 360 s but attaching waits for the outage's end at 800 s.
    let mut m = web_model(&["a"], 1, 64, None);
    if let ComponentKind::Tier(t) = &mut m.components[1].kind {
        t.volume = Some(VolumeConfig {
            volume_type: None,
            size_gb: 100,
            snapshot_every: None,
            snapshot_duration: SnapshotTime::Fixed(Dist::Constant(secs(1))),
            restore_time: Dist::Constant(secs(60)),
            annual_failure_rate: 0.0,
        });
    }
    let mut s = scenario(secs(1000), 20.0);
    s.faults.push(fault(
        "volume",
        FaultAction::VolumeLoss,
        target(Some("web"), None),
        secs(300),
        None,
    ));
    control_plane(&mut s, false, true, false);
    let mut sim = Simulation::new(&m, &s, 1).unwrap();
    sim.run_until(at(secs(799)));
    assert!(
        !sim.world.servers()[firedrill::model::id::ServerId(0)]
            .node
            .is_up(),
        "restore must wait"
    );
    sim.run_until(at(secs(801)));
    assert!(
        sim.world.servers()[firedrill::model::id::ServerId(0)]
            .node
            .is_up(),
        "restored at the end"
    );
    // The same loss without the outage: back at 360 s.
    s.faults.pop();
    let mut sim = Simulation::new(&m, &s, 1).unwrap();
    sim.run_until(at(secs(361)));
    assert!(sim.world.servers()[firedrill::model::id::ServerId(0)]
        .node
        .is_up());
}

#[test]
fn a_dns_outage_keeps_the_database_endpoint_on_the_old_primary() {
    // Multi-AZ: primary fails at 300 s; detection 15 s + promotion 60 s:
    // the standby is primary at 375 s, but the endpoint record keeps the
    // old primary until DNS returns at 800 s (+ TTL 5 s). Writes fail
    // 300–805 s: ≈ 505 s of 1,000 at 100/s.
    let mut m = model(
        &["a", "b"],
        vec![
            component("web", tier(vec![0, 1], 1, 64, Dist::Constant(ms(1)))),
            component("db", ComponentKind::Database(database(0, Some(1), vec![]))),
        ],
        vec![class("write", 1.0, &[(0, Op::Serve), (1, Op::Write)])],
    );
    m.network = network(1);
    let mut s = scenario(secs(1000), 100.0);
    s.faults.push(fault(
        "primary",
        FaultAction::DatabasePrimaryFailure,
        target(Some("db"), None),
        secs(300),
        None,
    ));
    control_plane(&mut s, false, false, true);
    let mut sim = Simulation::new(&m, &s, 2).unwrap();
    sim.run_until(at(secs(700)));
    assert_eq!(
        sim.world.dbs()[firedrill::model::id::DbId(0)].primary,
        1,
        "failover completed"
    );
    assert_eq!(
        sim.world.dbs()[firedrill::model::id::DbId(0)].endpoint,
        0,
        "record still names node 1"
    );
    sim.run_until(at(secs(801)));
    assert_eq!(sim.world.dbs()[firedrill::model::id::DbId(0)].endpoint, 1);
    let r = sim.finish();
    let failed_s = r.requests.failed as f64 / 100.0;
    eprintln!("DNS frozen during failover: {failed_s:.1} s of writes failed (expected ≈ 505)");
    assert!((490.0..=520.0).contains(&failed_s), "{failed_s}");
}

#[test]
fn a_dns_outage_keeps_a_dark_zones_lb_node_in_dns() {
    // Zone b goes dark at 300 s: its LB node would leave DNS 64–94 s later;
    // with DNS frozen (200–800 s) it stays until the outage ends.
    let m = web_model(&["a", "b"], 1, 64, None);
    let mut s = scenario(secs(1000), 10.0);
    s.faults.push(fault(
        "zone",
        FaultAction::ZoneOutage {
            mode: DownMode::Blackhole,
        },
        target(None, Some("b")),
        secs(300),
        None,
    ));
    control_plane(&mut s, false, false, true);
    let mut sim = Simulation::new(&m, &s, 1).unwrap();
    sim.run_until(at(secs(700)));
    assert_eq!(
        sim.world.lbs()[firedrill::model::id::LbId(0)].dns_mask,
        0b11
    );
    sim.run_until(at(secs(801)));
    assert_eq!(
        sim.world.lbs()[firedrill::model::id::LbId(0)].dns_mask,
        0b01
    );
}

#[test]
fn a_capacity_limit_sends_replacements_elsewhere_or_nowhere() {
    // Three zones, one instance each; zone a goes dark at 300 s. Zones b
    // and c tie at one instance: the replacement goes to b (file order),
    // to c when b has no capacity, and nowhere while every zone is limited
    // to 0 (200–800 s): then it launches at 800 s and serves at 890 s.
    let zone_of_replacement = |limit_zone: Option<&str>, instances: u32| {
        let m = web_model(&["a", "b", "c"], 1, 64, Some(asg(6)));
        let mut s = scenario(secs(1200), 10.0);
        s.faults.push(fault(
            "zone",
            FaultAction::ZoneOutage {
                mode: DownMode::Blackhole,
            },
            target(None, Some("a")),
            secs(300),
            None,
        ));
        s.faults.push(fault(
            "capacity",
            FaultAction::CapacityLimit { instances },
            target(None, limit_zone),
            secs(200),
            Some(secs(600)),
        ));
        let mut sim = Simulation::new(&m, &s, 4).unwrap();
        sim.run_until(at(secs(1200)));
        let w = &sim.world;
        let asg = w.tiers()[firedrill::model::id::TierId(0)]
            .asg
            .as_ref()
            .unwrap();
        let k = (0..asg.slots.len())
            .find(|&k| asg.slots[k].in_service_at.is_some())
            .unwrap();
        let server = w.tiers()[firedrill::model::id::TierId(0)].slots[k];
        assert_eq!(asg.slots[k].state, SlotState::InService);
        (
            w.servers()[server].zone,
            asg.slots[k].in_service_at.unwrap(),
        )
    };
    let (zone, t) = zone_of_replacement(Some("c"), 5);
    assert_eq!(zone, 1, "b, the first of the tied zones");
    assert!(t.as_secs_f64() <= 450.0);
    let (zone, t) = zone_of_replacement(Some("b"), 0);
    assert_eq!(zone, 2, "c: b has no capacity");
    assert!(t.as_secs_f64() <= 450.0);
    let (_, t) = zone_of_replacement(None, 0);
    assert!((t.as_secs_f64() - 890.0).abs() < 1e-6, "{t}");
}

/// Ten instances of 100 req/s each (concurrency 1, 10 ms) under 950 req/s;
/// two spot instances are reclaimed 120 s after a notice at 300 s.
fn spot_run(group: Option<AutoScalingConfig>, rebalance: bool) -> (f64, u64) {
    let m = web_model(&["a"], 10, 1, group);
    let mut s = scenario(secs(1200), 950.0);
    let mut t = target(Some("web"), None);
    t.select = Selection::Count(1);
    s.faults.push(fault(
        "spot",
        FaultAction::SpotInterruption { rebalance },
        t,
        secs(300),
        None,
    ));
    let r = run(&m, &s, 6).unwrap();
    (r.availability.request, r.requests.failed)
}

#[test]
fn spot_interruptions_cost_capacity_unless_a_group_replaces_it() {
    // One of ten instances is reclaimed at 420 s: nine serve 900/s of
    // 950/s, so ≈ 50/s are shed once the queues (100 each) fill.
    // - no group: 780 s short: ≈ 50 × 780 − 900 ≈ 38,000 fail (≈ 0.966);
    // - group, no rebalance: the shortfall launches at 420 s and serves at
    //   510 s: ≈ 50 × 90 − 900 ≈ 3,600 fail;
    // - group with rebalance: the replacement launches at the notice and
    //   serves at 390 s, before the reclaim: only in-flight work is lost.
    let (none, none_failed) = spot_run(None, false);
    let (plain, plain_failed) = spot_run(Some(asg(20)), false);
    let (rebalanced, rebalanced_failed) = spot_run(Some(asg(20)), true);
    eprintln!(
        "spot: no group {none:.5} ({none_failed} failed), group {plain:.5} ({plain_failed}), rebalance {rebalanced:.5} ({rebalanced_failed})"
    );
    assert!((25_000..=50_000).contains(&none_failed), "{none_failed}");
    assert!((1_500..=7_000).contains(&plain_failed), "{plain_failed}");
    assert!(rebalanced_failed < 200, "{rebalanced_failed}");
}

#[test]
fn replacement_is_paced_at_ten_percent_of_desired() {
    // Twenty instances (desired 20: at most ⌈2⌉ = 2 launching at a time);
    // zone a (10 instances) goes dark. Launches go in pairs, each pair
    // taking 90 s after the previous: the last of ten serves ≥ 5 × 90 s
    // after the first launch.
    let m = web_model(&["a", "b"], 10, 64, Some(asg(40)));
    let mut s = scenario(secs(1500), 10.0);
    s.faults.push(fault(
        "zone",
        FaultAction::ZoneOutage {
            mode: DownMode::Blackhole,
        },
        target(None, Some("a")),
        secs(300),
        None,
    ));
    let mut sim = Simulation::new(&m, &s, 1).unwrap();
    sim.run_until(at(secs(1500)));
    let asg = sim.world.tiers()[firedrill::model::id::TierId(0)]
        .asg
        .as_ref()
        .unwrap();
    let mut times: Vec<f64> = asg
        .slots
        .iter()
        .filter_map(|s| s.in_service_at.map(|t| t.as_secs_f64()))
        .collect();
    times.sort_by(f64::total_cmp);
    assert_eq!(times.len(), 10, "all of zone a replaced in zone b");
    for pair in times.chunks(2) {
        assert!((pair[1] - pair[0]).abs() < 1e-6, "launched in pairs");
    }
    for w in times.windows(3).step_by(2) {
        assert!((w[2] - w[0] - 90.0).abs() < 1e-6, "{w:?}");
    }
    let tier = &sim.world.tiers()[firedrill::model::id::TierId(0)];
    assert_eq!(tier.by_zone[1].len(), 20);
}

fn scenario_error(faults: &str) -> firedrill::spec::Diagnostic {
    let text = format!("name: s\nhorizon: 1h\nworkload: {{ rate: 10 }}\nfaults:\n{faults}");
    match firedrill::spec::load_scenario_str(&text, "s.yaml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(d) => d,
    }
}

fn assert_at(d: &firedrill::spec::Diagnostic, line: u32, column: u32, words: &str) {
    assert_eq!((d.line, d.column), (line, column), "{d}");
    assert!(d.message.contains(words), "{d} lacks {words:?}");
}

#[test]
fn bad_capacity_fault_parameters_are_reported_where_they_are() {
    // Line 5 is the first fault.
    let d = scenario_error("  - { action: control_plane_outage, at: 1m, target: { zone: a } }\n");
    assert_at(&d, 5, 53, "regional");
    let d = scenario_error(
        "  - { action: control_plane_outage, at: 1m, launch: false, attach: false, dns: false }\n",
    );
    assert_at(&d, 5, 5, "at least one");
    let d = scenario_error("  - { action: capacity_limit, at: 1m }\n");
    assert_at(&d, 5, 5, "needs `instances`");
    let d = scenario_error(
        "  - { action: capacity_limit, at: 1m, instances: 2, target: { tier: web } }\n",
    );
    assert_at(&d, 5, 61, "only `zone`");
    let d = scenario_error(
        "  - { action: instance_crash, at: 1m, target: { tier: web }, instances: 2 }\n",
    );
    assert_at(&d, 5, 73, "`instances` does not apply to instance_crash");
    let d = scenario_error(
        "  - { action: spot_interruption, at: 1m, target: { tier: web }, duration: 5m }\n",
    );
    assert_at(&d, 5, 5, "no `duration`");
    let d = scenario_error(
        "  - { action: spot_interruption, at: 1m, target: { tier: web }, launch: true }\n",
    );
    assert_at(&d, 5, 73, "`launch` does not apply");
    let d = scenario_error("  - { action: spot_interruption, at: 1m }\n");
    assert_at(&d, 5, 5, "needs a `target`");
}

#[test]
fn a_bad_auto_scaling_block_is_reported_where_it_is() {
    let model = |asg: &str| {
        let text = format!("name: m\nzones: [a, b]\ncomponents:\n  web: {{ kind: tier, concurrency: 2, service_time: 5ms, auto_scaling: {asg} }}\nrequests:\n  r: {{ share: 1, path: [web] }}\n");
        firedrill::spec::load_model_str(&text, "m.yaml")
    };
    let ok = model("{ preset: aws/asg, max_size: 3 }").unwrap();
    let ComponentKind::Tier(t) = &ok.components[0].kind else {
        panic!("a tier");
    };
    let a = t.auto_scaling.as_ref().unwrap();
    assert_eq!((a.max_size, a.grace_period), (3, secs(300)));
    let d = model("{ max_size: 1 }").unwrap_err();
    assert_at(
        &d,
        4,
        83,
        "min ≤ desired ≤ max; here min 2, desired 2, max 1",
    );
    let d = model("{ health_check: route53 }").unwrap_err();
    assert_at(&d, 4, 87, "expected ec2 or elb");
    let d = model("aws/alb").unwrap_err();
    assert_eq!(d.line, 4, "{d}");
    assert!(d.message.contains("not an Auto Scaling preset"), "{d}");
}
