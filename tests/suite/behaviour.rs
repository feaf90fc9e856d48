//! Component behaviour that must match how the real systems work
//! (behaviour.md): health-check detection, Multi-AZ failover, replica
//! promotion, snapshot restores. Each test builds a small model by hand and
//! checks the mechanism's published timing or loss arithmetic.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::run::{run, Simulation};
use firedrill::time::{SimDuration, SimTime};

/// An ALB (default health checks) over two web instances in one zone.
fn lb_model() -> ModelConfig {
    model(
        &["a"],
        vec![
            component("lb", alb(1, vec![0])),
            component("web", tier(vec![0], 2, 8, Dist::Constant(ms(5)))),
        ],
        vec![class("page", 1.0, &[(0, Op::Route), (1, Op::Serve)])],
    )
}

/// A scenario where one web instance crashes at `at` (for `duration`).
fn one_instance_crashes(
    horizon: SimDuration,
    rate: f64,
    mode: DownMode,
    at: SimDuration,
    duration: Option<SimDuration>,
) -> ScenarioConfig {
    let mut s = scenario(horizon, rate);
    let mut t = target(Some("web"), None);
    t.select = Selection::Count(1);
    s.faults.push(fault(
        "crash",
        FaultAction::InstanceCrash { mode },
        t,
        at,
        duration,
    ));
    s
}

/// `lb_model` with the load balancer's health checks off.
fn lb_model_without_health_checks() -> ModelConfig {
    let mut m = lb_model();
    if let ComponentKind::LoadBalancer(lb) = &mut m.components[0].kind {
        lb.health_check = None;
    }
    m
}

#[test]
fn alb_default_health_checks_remove_a_dead_target_35_to_65_s_after_death() {
    // interval 30 s, timeout 5 s, unhealthy threshold 2, a blackholed
    // target: the first failed check starts 0–30 s after death and its
    // result lands 5 s later; the second lands 30 s after that: 35–65 s.
    let m = lb_model();
    let crash_at = secs(300);
    let mut detections = Vec::new();
    for seed in 1..=60 {
        let s = one_instance_crashes(secs(500), 50.0, DownMode::Blackhole, crash_at, None);
        let mut sim = Simulation::new(&m, &s, seed).unwrap();
        sim.run_until(SimTime(secs(500).as_nanos()));
        let lb = &sim.world.lbs()[firedrill::model::id::LbId(0)];
        let dead: Vec<_> = lb.health.iter().filter(|h| !h.healthy).collect();
        assert_eq!(
            dead.len(),
            1,
            "seed {seed}: exactly the crashed target is out"
        );
        let at = dead[0].changed_at.unwrap();
        detections.push(at.since(SimTime(crash_at.as_nanos())).as_secs_f64());
    }
    let min = detections.iter().cloned().fold(f64::MAX, f64::min);
    let max = detections.iter().cloned().fold(0.0, f64::max);
    let mean = detections.iter().sum::<f64>() / detections.len() as f64;
    eprintln!("ALB detection: min {min:.1} s, mean {mean:.1} s, max {max:.1} s");
    assert!(
        min >= 35.0 && max <= 65.0,
        "detection outside 35–65 s: {min}–{max}"
    );
    // The phase is uniform, so the window is actually used, around 50 s.
    assert!(max - min > 15.0 && (mean - 50.0).abs() < 5.0, "mean {mean}");
}

#[test]
fn requests_to_a_dead_target_fail_until_health_checks_catch_it() {
    let m = lb_model();
    let s = one_instance_crashes(secs(600), 100.0, DownMode::Refuse, secs(300), None);
    let r = run(&m, &s, 3).unwrap();
    // Round robin sends half the traffic to the dead target for the 30–60 s
    // before it is marked unhealthy (refused checks fail at once), so about
    // 100/s × 0.5 × 30..60 s = 1,500–3,000 requests fail, refused.
    let refused = r.errors_by_cause["connection_refused"];
    assert!((1_400..=3_100).contains(&refused), "refused {refused}");
    assert_eq!(r.requests.failed, refused);
    let rec = &r.availability.recoveries[0];
    assert!(rec.impact);
    let ttr = rec.time_to_recover_s.unwrap();
    assert!((30.0..=61.0).contains(&ttr), "recovered after {ttr} s");
}

/// Web instances in two zones writing to a database in zone a.
fn write_model(db: DatabaseConfig) -> ModelConfig {
    let mut m = model(
        &["a", "b"],
        vec![
            component("web", tier(vec![0, 1], 1, 64, Dist::Constant(ms(1)))),
            component("db", ComponentKind::Database(db)),
        ],
        vec![class("write", 1.0, &[(0, Op::Serve), (1, Op::Write)])],
    );
    m.network = network(1);
    m
}

fn primary_failure_at(s: &mut ScenarioConfig, at: SimDuration) {
    s.faults.push(fault(
        "primary",
        FaultAction::DatabasePrimaryFailure,
        target(Some("db"), None),
        at,
        None,
    ));
}

#[test]
fn multi_az_failover_fails_writes_for_failover_plus_ttl_and_loses_none() {
    // Detection 15 s + promotion 60 s = 75 s; then each web instance keeps
    // its cached endpoint for up to the 5 s TTL.
    let m = write_model(database(0, Some(1), vec![]));
    let mut s = scenario(secs(600), 200.0);
    primary_failure_at(&mut s, secs(200));
    let r = run(&m, &s, 5).unwrap();
    let failed_s = r.requests.failed as f64 / 200.0;
    eprintln!(
        "Multi-AZ failover: {} writes failed ≈ {failed_s:.1} s of traffic; lost {}",
        r.requests.failed, r.data_loss.writes_lost
    );
    // 75–80 s of writes fail; Poisson noise on ~15,500 is about ±1 %.
    assert!(
        (73.0..=82.0).contains(&failed_s),
        "{failed_s} s of writes failed"
    );
    assert_eq!(r.data_loss.writes_lost, 0);
    assert_eq!(r.data_loss.writes_acknowledged, r.requests.succeeded);
    let rec = &r.availability.recoveries[0];
    let ttr = rec.time_to_recover_s.unwrap();
    assert!((75.0..=81.0).contains(&ttr), "recovered after {ttr} s");
    // Synchronous replication costs one cross-zone round trip per write.
    let p50 = r.latency_ms.unwrap().p50;
    assert!((p50 - 7.0).abs() < 0.1, "write p50 {p50} ms = 1 + 5 + 1 ms");
}

#[test]
fn promoting_an_async_replica_loses_the_writes_inside_its_lag() {
    // No standby; one replica 2 s behind; 100 writes/s. Promotion loses
    // the ~200 writes acknowledged in the 2 s before the primary died.
    let mut db = database(
        0,
        None,
        vec![ReplicaConfig {
            zone: 1,
            lag: Dist::Constant(secs(2)),
        }],
    );
    db.failover.promote_replicas = true;
    let m = write_model(db);
    let mut lost = Vec::new();
    for seed in 1..=20 {
        let mut s = scenario(secs(400), 100.0);
        primary_failure_at(&mut s, secs(200));
        let r = run(&m, &s, seed).unwrap();
        assert_eq!(r.data_loss.rpo_s, 2.0);
        assert!(r.data_loss.writes_lost <= r.data_loss.writes_acknowledged);
        lost.push(r.data_loss.writes_lost as f64);
    }
    let mean = lost.iter().sum::<f64>() / lost.len() as f64;
    eprintln!("replica promotion: mean writes lost {mean:.1} (expected 200)");
    // Poisson(200) per run; the mean of 20 has sd ≈ 3.2.
    assert!((mean - 200.0).abs() < 13.0, "mean lost {mean}");
}

#[test]
fn without_a_standby_or_promotion_the_database_waits_for_its_restart() {
    let m = write_model(database(0, None, vec![]));
    let mut s = scenario(secs(1200), 50.0);
    primary_failure_at(&mut s, secs(100));
    let r = run(&m, &s, 2).unwrap();
    // Down for the 600 s restart: every write in that window fails.
    let failed_s = r.requests.failed as f64 / 50.0;
    assert!((585.0..=615.0).contains(&failed_s), "{failed_s}");
    let in_flight = r.errors_by_cause["in_flight_lost"];
    assert_eq!(
        r.errors_by_cause["dependency_down"] + in_flight,
        r.requests.failed
    );
    assert!(
        in_flight < 10,
        "only the writes in service at the crash: {in_flight}"
    );
    assert_eq!(r.data_loss.writes_lost, 0, "a restart keeps the volume");
}

#[test]
fn single_instance_volume_loss_loses_the_writes_since_the_last_snapshot() {
    // The "low power" design: one instance runs web and database on one
    // volume, snapshotted every hour (each taking 10 min). The volume dies
    // at 2 h 30 min: the last completed snapshot began at 2 h, so the
    // writes acknowledged in the 30 min since are lost (rpo 1,800 s).
    let mut db = database(0, None, vec![]);
    db.host = Some(0);
    db.volume = Some(VolumeConfig {
        volume_type: Some("aws/gp3".into()),
        size_gb: 100,
        snapshot_every: Some(secs(3600)),
        snapshot_duration: SnapshotTime::Fixed(Dist::Constant(secs(600))),
        restore_time: Dist::Constant(secs(1800)),
        annual_failure_rate: 0.002,
    });
    let m = model(
        &["a"],
        vec![
            component("wp", tier(vec![0], 1, 64, Dist::Constant(ms(1)))),
            component("db", ComponentKind::Database(db)),
        ],
        vec![class("comment", 1.0, &[(0, Op::Serve), (1, Op::Write)])],
    );
    let mut s = scenario(secs(4 * 3600), 10.0);
    s.faults.push(fault(
        "disk",
        FaultAction::VolumeLoss,
        target(Some("db"), None),
        secs(9000),
        None,
    ));
    let r = run(&m, &s, 9).unwrap();
    let lost = r.data_loss.writes_lost as f64;
    eprintln!(
        "volume loss: {lost} writes lost (expected ≈ 18,000), rpo {}",
        r.data_loss.rpo_s
    );
    // 10 writes/s × 1,800 s = 18,000, Poisson sd ≈ 134.
    assert!((lost - 18_000.0).abs() < 600.0, "lost {lost}");
    assert_eq!(r.data_loss.rpo_s, 1800.0);
    // Down while restoring: 1,800 s of writes fail.
    let failed_s = r.requests.failed as f64 / 10.0;
    assert!((1_740.0..=1_860.0).contains(&failed_s), "{failed_s}");
}

#[test]
fn client_retries_recover_most_requests_that_hit_a_dead_target() {
    // Two instances, no health checks, one refuses for 30 s of 120. A
    // request fails only if every attempt lands on the dead instance:
    // probability 1/2 per attempt, so 1/2 without retries and 1/8 with
    // three attempts, for the quarter of the run the crash lasts.
    let m = lb_model_without_health_checks();
    let availability = |attempts: u32| {
        let mut s =
            one_instance_crashes(secs(120), 200.0, DownMode::Refuse, secs(30), Some(secs(30)));
        s.client.retries.max_attempts = attempts;
        s.client.retries.base = ms(10);
        let r = run(&m, &s, 4).unwrap();
        (r.availability.request, r.latency_ms.unwrap().p999)
    };
    let (once, _) = availability(1);
    let (thrice, p999) = availability(3);
    eprintln!("availability without retries {once:.4}, with 3 attempts {thrice:.4}");
    assert!((once - (1.0 - 0.25 / 2.0)).abs() < 0.01, "{once}");
    assert!((thrice - (1.0 - 0.25 / 8.0)).abs() < 0.015, "{thrice}");
    // Retried requests pay their backoff: it shows in the tail.
    assert!(p999 > 5.0, "p99.9 {p999} ms");
}

#[test]
fn client_timeouts_bound_waits_on_a_blackholed_target() {
    let m = lb_model_without_health_checks();
    let mut s = one_instance_crashes(secs(120), 100.0, DownMode::Blackhole, secs(30), None);
    s.client.timeout = Some(secs(2));
    let r = run(&m, &s, 8).unwrap();
    // Half of the ~9,000 requests after the crash hang on the dead target
    // and time out after 2 s (before the LB's 10 s connect timeout).
    let timeouts = r.errors_by_cause["timeout"];
    assert!((4_200..=4_800).contains(&timeouts), "{timeouts}");
    assert_eq!(r.errors_by_cause["connect_timeout"], 0);
    assert!(r.latency_ms.unwrap().max < 2_000.0);
}

#[test]
fn random_failures_take_a_node_down_for_mttr_over_mtbf_plus_mttr() {
    // One instance reached directly (no load balancer), refusing while
    // down: availability is the fraction of time up, MTBF/(MTBF+MTTR) =
    // 900/930 = 0.96774, for exponential and Weibull (same mean) failures.
    let m = one_web_instance();
    for (name, ttf) in [
        ("exponential", Dist::exponential(secs(900))),
        ("weibull 0.7", Dist::weibull_from_mean(0.7, secs(900))),
    ] {
        let mut s = scenario(secs(400_000), 5.0);
        s.random_failures.push(web_fails(ttf));
        let r = run(&m, &s, 21).unwrap();
        let a = r.availability.request;
        eprintln!("random failures ({name}): availability {a:.5} (expected 0.96774)");
        // About 430 failure cycles: the up fraction's sd is ≈ 0.0025.
        assert!((a - 900.0 / 930.0).abs() < 0.008, "{name}: {a}");
    }
}

#[test]
fn fault_targets_select_components_by_tag() {
    // Two tiers called by different classes; only `api` carries the tag
    // `critical`, so crashing `{ tag: critical }` fails exactly api calls:
    // half of 50/s for the 60 s crash, 1,500 requests (sd ≈ 39).
    let model = firedrill::spec::load_model_str(
        "name: m\nzones: [a]\ncomponents:\n  web: { kind: tier, per_zone: 2, concurrency: 8, service_time: 5ms }\n  api: { kind: tier, per_zone: 2, concurrency: 8, service_time: 5ms, tags: [critical, team-payments] }\nrequests:\n  page: { share: 1, path: [web] }\n  call: { share: 1, path: [api] }\n",
        "m.yaml",
    )
    .unwrap();
    assert_eq!(model.components[1].tags, vec!["critical", "team-payments"]);
    let scenario = firedrill::spec::load_scenario_str(
        "name: s\nhorizon: 5m\nworkload: { rate: 50/s }\nfaults:\n  - { action: instance_crash, target: { tag: critical }, mode: refuse, at: 1m, duration: 1m }\n",
        "s.yaml",
    )
    .unwrap();
    let r = run(&model, &scenario, 3).unwrap();
    let failed = r.requests.failed as f64;
    assert!((failed - 1_500.0).abs() < 160.0, "{failed}");
    // A tag nothing carries selects nothing.
    let none = firedrill::spec::load_scenario_str(
        "name: s\nhorizon: 5m\nworkload: { rate: 50/s }\nfaults:\n  - { action: instance_crash, target: { tag: legacy }, at: 1m }\n",
        "s.yaml",
    )
    .unwrap();
    assert_eq!(run(&model, &none, 3).unwrap().requests.failed, 0);
}
