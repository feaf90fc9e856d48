//! The data faults (volumes, backups, databases, caches): each test builds a
//! small model by hand and checks the fault's effect on data loss,
//! availability or latency against the arithmetic in its comment.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::metrics::RunSummary;
use firedrill::run::{run, Simulation};
use firedrill::time::{SimDuration, SimTime};

const HOUR: u64 = 3600;

/// Web in zone a (and b) in front of a database in zone a; `read_share` of
/// the traffic reads, the rest writes.
fn db_model(zones: &[&str], db: DatabaseConfig, read_share: f64) -> ModelConfig {
    let web_zones: Vec<usize> = (0..zones.len()).collect();
    let mut classes = vec![class(
        "write",
        1.0 - read_share,
        &[(0, Op::Serve), (1, Op::Write)],
    )];
    if read_share > 0.0 {
        classes.push(class("read", read_share, &[(0, Op::Serve), (1, Op::Read)]));
    }
    let mut m = model(
        zones,
        vec![
            component("web", tier(web_zones, 1, 64, Dist::Constant(ms(1)))),
            component("db", ComponentKind::Database(db)),
        ],
        classes,
    );
    m.network = network(1);
    m
}

/// Hourly snapshots taking 10 min; a restore takes 30 min.
fn hourly_volume() -> VolumeConfig {
    VolumeConfig {
        volume_type: Some("aws/gp3".into()),
        size_gb: 100,
        snapshot_every: Some(secs(HOUR)),
        snapshot_duration: SnapshotTime::Fixed(Dist::Constant(secs(600))),
        restore_time: Dist::Constant(secs(1800)),
        annual_failure_rate: 0.0,
    }
}

fn db_with_volume() -> DatabaseConfig {
    let mut db = database(0, None, vec![]);
    db.volume = Some(hourly_volume());
    db
}

fn add(s: &mut ScenarioConfig, action: FaultAction, at: u64, duration: Option<u64>) {
    let id = format!("f{}", s.faults.len() + 1);
    s.faults.push(fault(
        &id,
        action,
        target(Some("db"), None),
        secs(at),
        duration.map(secs),
    ));
}

fn lost(r: &RunSummary) -> f64 {
    assert!(r.data_loss.writes_lost <= r.data_loss.writes_acknowledged);
    r.data_loss.writes_lost as f64
}

#[test]
fn volume_io_stall_hangs_requests_until_it_ends_and_client_timeouts_fire() {
    // 50 reads/s, 2 s client timeout; the database's volume stalls for 30 s
    // at t = 100 s. Requests arriving in [100, 128) wait past their 2 s
    // timeout: 50 × 28 = 1,400 fail (Poisson sd ≈ 37). Those arriving in
    // the stall's last 2 s are served when it ends (the backlog of ~1,500
    // zombies drains in 1,500 × 2 ms / 64 slots ≈ 50 ms) and succeed.
    let m = db_model(&["a"], db_with_volume(), 1.0);
    let mut s = scenario(secs(300), 50.0);
    s.client.timeout = Some(secs(2));
    add(&mut s, FaultAction::VolumeIoStall, 100, Some(30));
    let r = run(&m, &s, 3).unwrap();
    let failed = r.requests.failed as f64;
    eprintln!("volume_io_stall: {failed} failed (expected ≈ 1,400)");
    assert!((failed - 1_400.0).abs() < 150.0, "{failed}");
    assert_eq!(r.errors_by_cause["timeout"], r.requests.failed);
    assert_eq!(r.data_loss.writes_lost, 0);
}

#[test]
fn volume_degraded_stretches_service_by_one_over_fraction() {
    // One zone, no network delay: a read is web 1 ms + database 2 ms = 3 ms.
    // At 25 % throughput the database's 2 ms takes 8 ms: p50 = 9 ms
    // (constant times, 10 req/s: no queueing).
    let m = db_model(&["a"], db_with_volume(), 1.0);
    let mut base = scenario(secs(200), 10.0);
    let r0 = run(&m, &base, 1).unwrap();
    add(
        &mut base,
        FaultAction::VolumeDegraded { fraction: 0.25 },
        0,
        None,
    );
    let r1 = run(&m, &base, 1).unwrap();
    let (p0, p1) = (r0.latency_ms.unwrap().p50, r1.latency_ms.unwrap().p50);
    eprintln!("volume_degraded 25 %: p50 {p0} ms -> {p1} ms (expected 3 -> 9)");
    assert!((p0 - 3.0).abs() < 0.01, "{p0}");
    assert!((p1 - 9.0).abs() < 0.01, "{p1}");
}

#[test]
fn volume_corruption_restores_from_the_last_snapshot_taken_before_it() {
    // Reads go to a replica in zone b, so the primary serves writes only
    // (10/s) and nobody reads its corrupt blocks. Corrupted at 7,000 s;
    // the snapshot started at 7,200 s copies the bad blocks. At 11,000 s
    // the replica's volume is lost: reads fall back to the primary, the
    // first finds the corruption, and the primary restores from the 3,600 s
    // snapshot: 10 × (11,000 − 3,600) = 74,000 writes lost (sd ≈ 272),
    // where a plain volume loss would lose 10 × 3,800 = 38,000.
    let mut db = database(
        0,
        None,
        vec![ReplicaConfig {
            zone: 1,
            lag: Dist::Constant(ms(100)),
        }],
    );
    db.volume = Some(hourly_volume());
    db.read_from = ReadFrom::Replicas;
    let m = db_model(&["a", "b"], db, 0.5);
    let mut s = scenario(secs(4 * HOUR), 20.0);
    add(&mut s, FaultAction::VolumeCorruption, 7_000, None);
    s.faults.push(fault(
        "replica-disk",
        FaultAction::VolumeLoss,
        TargetConfig {
            kind: Some(TargetKind::Volume),
            ..target(None, Some("b"))
        },
        secs(11_000),
        None,
    ));
    let r = run(&m, &s, 4).unwrap();
    let lost = lost(&r);
    eprintln!(
        "volume_corruption: {lost} lost (expected ≈ 74,000), rpo {}",
        r.data_loss.rpo_s
    );
    assert!((lost - 74_000.0).abs() < 1_500.0, "{lost}");
    assert!((7_400.0..7_401.0).contains(&r.data_loss.rpo_s));
}

#[test]
fn snapshot_failure_then_volume_loss_loses_back_to_the_previous_snapshot() {
    // 10 writes/s; the 7,200 s snapshot starts while snapshot_failure is on
    // and never completes; the volume dies at 9,000 s: the restore point is
    // the 3,600 s snapshot, 10 × 5,400 = 54,000 lost (sd ≈ 232), rpo 5,400 s
    // (18,000 and 1,800 s without the fault).
    let m = db_model(&["a"], db_with_volume(), 0.0);
    let mut s = scenario(secs(3 * HOUR), 10.0);
    add(&mut s, FaultAction::SnapshotFailure, 7_000, Some(300));
    add(&mut s, FaultAction::VolumeLoss, 9_000, None);
    let r = run(&m, &s, 5).unwrap();
    let lost = lost(&r);
    eprintln!("snapshot_failure: {lost} lost (expected ≈ 54,000)");
    assert!((lost - 54_000.0).abs() < 1_200.0, "{lost}");
    assert_eq!(r.data_loss.rpo_s, 5_400.0);
}

#[test]
fn backups_not_uploaded_do_not_count_as_restore_points() {
    // Logs shipped every 5 min plus hourly snapshots; 10 writes/s. From
    // 6,100 s nothing reaches object storage: the last restore point is the
    // 6,000 s log upload. The volume dies at 8,950 s: 10 × 2,950 = 29,500
    // lost (sd ≈ 172); without the fault the 8,700 s logs bound it to 2,500.
    let mut db = db_with_volume();
    db.log_upload_every = Some(secs(300));
    let m = db_model(&["a"], db, 0.0);
    let mut s = scenario(secs(3 * HOUR), 10.0);
    add(&mut s, FaultAction::VolumeLoss, 8_950, None);
    let without = lost(&run(&m, &s, 6).unwrap());
    add(&mut s, FaultAction::BackupNotUploaded, 6_100, None);
    let r = run(&m, &s, 6).unwrap();
    let with = lost(&r);
    eprintln!("backup_not_uploaded: {with} lost (expected ≈ 29,500); {without} without");
    assert!((with - 29_500.0).abs() < 900.0, "{with}");
    assert!((without - 2_500.0).abs() < 250.0, "{without}");
    assert_eq!(r.data_loss.rpo_s, 2_950.0);
}

#[test]
fn a_corrupt_backup_falls_back_one_snapshot_or_to_nothing() {
    // Hourly snapshots, no logs, 10 writes/s. The 7,200 s snapshot is found
    // corrupt: a volume loss at 9,000 s restores from 3,600 s, losing
    // 10 × 5,400 = 54,000. Marked before any snapshot exists, a loss at
    // 3,500 s has nothing to restore: every write since the start is lost.
    let m = db_model(&["a"], db_with_volume(), 0.0);
    let mut s = scenario(secs(3 * HOUR), 10.0);
    add(&mut s, FaultAction::BackupCorrupt, 8_000, None);
    add(&mut s, FaultAction::VolumeLoss, 9_000, None);
    let lost_one = lost(&run(&m, &s, 7).unwrap());
    eprintln!("backup_corrupt: {lost_one} lost (expected ≈ 54,000)");
    assert!((lost_one - 54_000.0).abs() < 1_200.0, "{lost_one}");

    let mut s = scenario(secs(2 * HOUR), 10.0);
    add(&mut s, FaultAction::BackupCorrupt, 3_000, None);
    add(&mut s, FaultAction::VolumeLoss, 3_500, None);
    let r = run(&m, &s, 7).unwrap();
    // Every write acknowledged before the loss (10 × 3,500 ≈ 35,000).
    let before = lost(&r);
    assert!((before - 35_000.0).abs() < 800.0, "{before}");
    assert_eq!(r.data_loss.rpo_s, 3_500.0);
}

#[test]
fn promoting_a_replica_whose_replication_stopped_loses_everything_since() {
    // One replica 2 s behind, promotable; 50 writes/s. Replication stops at
    // 100 s; the primary dies at 400 s: promotion loses 50 × 300 = 15,000
    // (sd ≈ 122), rpo 300 s (100 and 2 s without the stop).
    let mut db = database(
        0,
        None,
        vec![ReplicaConfig {
            zone: 1,
            lag: Dist::Constant(secs(2)),
        }],
    );
    db.failover.promote_replicas = true;
    let m = db_model(&["a", "b"], db, 0.0);
    let mut s = scenario(secs(600), 50.0);
    add(&mut s, FaultAction::ReplicationStop, 100, None);
    add(&mut s, FaultAction::DatabasePrimaryFailure, 400, None);
    let r = run(&m, &s, 8).unwrap();
    let lost = lost(&r);
    eprintln!("replication_stop: {lost} lost (expected ≈ 15,000)");
    assert!((lost - 15_000.0).abs() < 500.0, "{lost}");
    assert!((r.data_loss.rpo_s - 300.0).abs() < 0.01);
}

#[test]
fn slow_failover_stretches_detection_and_promotion() {
    // Multi-AZ: detection 15 s + promotion 60 s. With factor 2 and 30 s
    // extra: 2 × 75 + 30 = 180 s, plus up to the 5 s TTL, of failed writes
    // at 200/s (sd of the count ≈ 0.5 %); nothing lost.
    let m = db_model(&["a", "b"], database(0, Some(1), vec![]), 0.0);
    let mut s = scenario(secs(800), 200.0);
    let slow = FaultAction::SlowFailover {
        factor: 2.0,
        extra: secs(30),
    };
    add(&mut s, slow, 100, Some(50));
    add(&mut s, FaultAction::DatabasePrimaryFailure, 120, None);
    let r = run(&m, &s, 9).unwrap();
    let failed_s = r.requests.failed as f64 / 200.0;
    eprintln!("slow_failover: writes failed for {failed_s:.1} s (expected 180–185)");
    assert!((177.0..=188.0).contains(&failed_s), "{failed_s}");
    assert_eq!(r.data_loss.writes_lost, 0);
}

#[test]
fn promote_lagging_replica_loses_the_writes_inside_its_lag() {
    // A synchronous standby and replicas 1 s and 3 s behind; 100 writes/s.
    // The fault forces the most lagged replica instead of the standby: the
    // primary's death at 200 s loses ≈ 100 × 3 = 300 writes (the standby
    // would lose none). Poisson(300) per run; the mean of 10 has sd ≈ 5.5.
    let lag = |s| ReplicaConfig {
        zone: 1,
        lag: Dist::Constant(secs(s)),
    };
    let m = db_model(&["a", "b"], database(0, Some(1), vec![lag(1), lag(3)]), 0.0);
    let mut total = 0.0;
    for seed in 1..=10 {
        let mut s = scenario(secs(400), 100.0);
        add(&mut s, FaultAction::PromoteLaggingReplica, 0, None);
        add(&mut s, FaultAction::DatabasePrimaryFailure, 200, None);
        let r = run(&m, &s, seed).unwrap();
        assert_eq!(r.data_loss.rpo_s, 3.0);
        total += lost(&r);
    }
    let mean = total / 10.0;
    eprintln!("promote_lagging_replica: mean {mean:.1} lost (expected 300)");
    assert!((mean - 300.0).abs() < 25.0, "{mean}");
}

#[test]
fn split_brain_discards_the_old_primarys_writes() {
    // Standby promoted while the old primary stays up. Each of the two
    // web instances (100 writes/s each) keeps its cached endpoint for the
    // rest of its 5 s TTL. The caches refresh in step, so the split time is
    // spread over one TTL (200 s + 250 ms × seed): the residual is uniform
    // in [0, 5), and each instance writes ≈ 100 × 2.5 to the old primary:
    // ≈ 500 per run discarded at the end (sd of the mean of 20 ≈ 46). No
    // write fails.
    let m = db_model(&["a", "b"], database(0, Some(1), vec![]), 0.0);
    let mut total = 0.0;
    for seed in 1..=20 {
        let mut s = scenario(secs(400), 200.0);
        s.faults.push(fault(
            "split",
            FaultAction::SplitBrain,
            target(Some("db"), None),
            secs(200) + ms(250 * seed),
            Some(secs(60)),
        ));
        let r = run(&m, &s, seed).unwrap();
        let lost = lost(&r);
        assert_eq!(r.detail.writes_conflicting as f64, lost);
        assert!(lost <= 1_000.0 + 50.0, "{lost}");
        assert_eq!(r.requests.failed, 0);
        total += lost;
    }
    let mean = total / 20.0;
    eprintln!("split_brain: mean {mean:.1} conflicting writes lost (expected ≈ 500)");
    assert!((mean - 500.0).abs() < 150.0, "{mean}");
}

#[test]
fn data_wipe_restores_from_the_latest_backup() {
    // Logs shipped every 5 min; 10 writes/s; the data is wiped at 1,000 s:
    // the restore replays to the 900 s logs, losing 10 × 100 = 1,000 (at
    // most 10 × 300 whenever it happens), and writes fail during the 600 s
    // restore. With no backups at all, all ≈ 10,000 writes are lost; with
    // a standby (a `rm -rf` is not replicated), none.
    let mut db = database(0, None, vec![]);
    db.log_upload_every = Some(secs(300));
    let mut s = scenario(secs(2_000), 10.0);
    add(&mut s, FaultAction::DataWipe, 1_000, Some(600));
    let r = run(&db_model(&["a", "b"], db.clone(), 0.0), &s, 10).unwrap();
    let with_logs = lost(&r);
    let failed_s = r.requests.failed as f64 / 10.0;
    eprintln!("data_wipe: {with_logs} lost (expected ≈ 1,000), writes failed {failed_s} s");
    assert!((with_logs - 1_000.0).abs() < 120.0, "{with_logs}");
    assert_eq!(r.data_loss.rpo_s, 100.0);
    assert!((560.0..=640.0).contains(&failed_s), "{failed_s}");

    db.log_upload_every = None;
    let r = run(&db_model(&["a", "b"], db.clone(), 0.0), &s, 10).unwrap();
    assert!((lost(&r) - 10_000.0).abs() < 400.0, "{}", lost(&r));

    db.standby_zone = Some(1);
    let r = run(&db_model(&["a", "b"], db, 0.0), &s, 10).unwrap();
    assert_eq!(r.data_loss.writes_lost, 0);
}

#[test]
fn cache_flush_sends_every_read_to_the_database_and_warms_back() {
    // 100 reads/s through a cache with hit ratio 0.9: the database sees
    // (1 − 0.9) × 100 = 10 reads/s. Flushed at 200 s with a 100 s warm-up,
    // the hit ratio climbs 0 → 0.9 linearly: over [200, 210) the mean hit
    // ratio is 0.045, so ≈ 95.5 reads/s; from 300 s, 10 again.
    let cache = ComponentKind::Cache(CacheConfig {
        keys: None,
        zones: vec![0],
        nodes_per_zone: 2,
        hit_ratio: 0.9,
        warmup: secs(600),
        service_time: Dist::Constant(ms(1)),
        replace_time: Dist::Constant(secs(300)),
    });
    let m = model(
        &["a"],
        vec![
            component("web", tier(vec![0], 1, 256, Dist::Constant(ms(1)))),
            component("cache", cache),
            component("db", ComponentKind::Database(database(0, None, vec![]))),
        ],
        vec![class(
            "read",
            1.0,
            &[(0, Op::Serve), (1, Op::Get), (2, Op::ReadOnMiss)],
        )],
    );
    let mut s = scenario(secs(400), 100.0);
    s.faults.push(fault(
        "flush",
        FaultAction::CacheFlush {
            warmup: Some(secs(100)),
        },
        target(Some("cache"), None),
        secs(200),
        None,
    ));
    let mut sim = Simulation::new(&m, &s, 11).unwrap();
    let db_server = sim.world.dbs()[firedrill::model::id::DbId(0)].nodes[0].server;
    let reads_at = |sim: &mut Simulation, t: u64| {
        sim.run_until(SimTime(secs(t).as_nanos()));
        sim.world.servers()[db_server].admitted as f64
    };
    let r100 = reads_at(&mut sim, 100);
    let r200 = reads_at(&mut sim, 200);
    let r210 = reads_at(&mut sim, 210);
    let r300 = reads_at(&mut sim, 300);
    let r400 = reads_at(&mut sim, 400);
    let (before, storm, after) = (
        (r200 - r100) / 100.0,
        (r210 - r200) / 10.0,
        (r400 - r300) / 100.0,
    );
    eprintln!("cache_flush: db reads/s {before:.1} -> {storm:.1} -> {after:.1} (10 -> 95.5 -> 10)");
    assert!((before - 10.0).abs() < 1.5, "{before}");
    assert!((storm - 95.5).abs() < 7.0, "{storm}");
    assert!((after - 10.0).abs() < 1.5, "{after}");
}

fn scenario_with(fault: &str) -> Result<ScenarioConfig, firedrill::spec::Diagnostic> {
    let text = format!("name: s\nhorizon: 1h\nworkload: {{ rate: 10/s }}\nfaults:\n  - {fault}\n");
    firedrill::spec::load_scenario_str(&text, "s.yaml")
}

#[test]
fn data_fault_parameters_are_parsed_and_checked_with_their_position() {
    let ok = |f: &str| {
        scenario_with(f).unwrap_or_else(|d| panic!("{d}")).faults[0]
            .action
            .clone()
    };
    assert_eq!(
        ok("{ action: volume_degraded, target: { database: db }, at: 1m, fraction: 25% }"),
        FaultAction::VolumeDegraded { fraction: 0.25 }
    );
    assert_eq!(
        ok("{ action: slow_failover, target: { database: db }, at: 1m, factor: 3 }"),
        FaultAction::SlowFailover {
            factor: 3.0,
            extra: SimDuration::ZERO
        }
    );
    assert_eq!(
        ok("{ action: cache_flush, target: { cache: c }, at: 1m, warmup: 10m }"),
        FaultAction::CacheFlush {
            warmup: Some(secs(600))
        }
    );
    for name in [
        "volume_io_stall",
        "volume_corruption",
        "snapshot_failure",
        "backup_not_uploaded",
        "backup_corrupt",
        "replication_stop",
        "promote_lagging_replica",
        "split_brain",
        "data_wipe",
    ] {
        let f = format!("{{ action: {name}, target: {{ database: db }}, at: 1m }}");
        assert_eq!(ok(&f).name(), name);
    }
    let err = |f: &str| scenario_with(f).expect_err(f);
    // Line 5, column 5 is the fault's `{`; the keys follow.
    let d = err("{ action: volume_degraded, target: { database: db }, at: 1m }");
    assert_eq!((d.line, d.column), (5, 5), "{d}");
    assert!(d.message.contains("needs `fraction`"), "{d}");
    let d = err("{ action: volume_degraded, target: { database: db }, at: 1m, fraction: 0 }");
    assert_eq!((d.line, d.column), (5, 76), "{d}");
    assert!(d.message.contains("> 0"), "{d}");
    let d = err("{ action: slow_failover, target: { database: db }, at: 1m, factor: 0.5 }");
    assert_eq!((d.line, d.column), (5, 72), "{d}");
    let d = err("{ action: slow_failover, target: { database: db }, at: 1m }");
    assert!(d.message.contains("needs `factor`"), "{d}");
    let d = err("{ action: instance_crash, target: { tier: web }, at: 1m, fraction: 50% }");
    assert_eq!((d.line, d.column), (5, 72), "{d}");
    assert!(
        d.message
            .contains("`fraction` does not apply to instance_crash"),
        "{d}"
    );
    let d = err("{ action: data_wipe, target: { database: db }, at: 1m, warmup: 5m }");
    assert!(
        d.message.contains("`warmup` does not apply to data_wipe"),
        "{d}"
    );
    let d = err("{ action: disk_gremlins, target: { database: db }, at: 1m }");
    assert!(d.message.contains("cache_flush"), "{d}");
}
