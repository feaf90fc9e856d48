//! RDS actions as the API defines them (issue 17, item 6): a reboot with or
//! without forced failover, `FailoverDBCluster` on clusters only, and read
//! replica promotion as a manual, minutes-long operation. Each test states
//! the arithmetic it checks.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::metrics::RunSummary;
use firedrill::run::{run, run_with, Fidelity};
use firedrill::spec;

/// Web in zones a and b in front of database `db` (primary in a), every
/// request a write; 1 ms across zones.
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

fn on_db(s: &mut ScenarioConfig, id: &str, action: FaultAction, at: u64) {
    s.faults
        .push(fault(id, action, target(Some("db"), None), secs(at), None));
}

fn reboot(force_failover: bool) -> FaultAction {
    FaultAction::DatabaseReboot { force_failover }
}

/// Seconds of traffic that failed at `rate` requests per second.
fn failed_s(r: &RunSummary, rate: f64) -> f64 {
    r.requests.failed as f64 / rate
}

/// A replica in zone b, `lag_s` behind.
fn replica(lag_s: u64) -> ReplicaConfig {
    ReplicaConfig {
        zone: 1,
        lag: Dist::Constant(secs(lag_s)),
    }
}

#[test]
fn a_reboot_without_failover_is_down_for_the_reboot_time_and_fails_nothing_over() {
    // Multi-AZ (detection 15 s + promotion 60 s), reboot_time 120 s,
    // restart_time 600 s; 200 writes/s. An ordered reboot at 200 s keeps
    // the primary down 120 s and starts no failover: 200 × 120 = 24,000
    // writes fail (not the 75–80 s of a failover, nor the 600 s of a
    // crash's restart), none as "failover in progress", none lost.
    let m = write_model(database(0, Some(1), vec![]));
    let mut s = scenario(secs(600), 200.0);
    on_db(&mut s, "reboot", reboot(false), 200);
    let r = run(&m, &s, 3).unwrap();
    let down = failed_s(&r, 200.0);
    eprintln!("reboot without failover: writes failed for {down:.1} s (expected 120)");
    assert!((119.0..=121.5).contains(&down), "{down}");
    assert_eq!(r.errors_by_cause["failover_in_progress"], 0);
    assert_eq!(r.data_loss.writes_lost, 0);
    assert!(r.detail.failed_action.is_none());
    // Single-AZ: the same 120 s.
    let single = run(&write_model(database(0, None, vec![])), &s, 3).unwrap();
    let down = failed_s(&single, 200.0);
    assert!((119.0..=121.5).contains(&down), "{down}");
}

#[test]
fn a_forced_failover_on_multi_az_takes_the_failover_times_and_loses_nothing() {
    // Detection 15 s + promotion 60 s = 75 s, then callers follow the
    // endpoint within its 5 s TTL: 75–80 s of writes fail at 200/s (not the
    // 120 s reboot: the standby serves while the old primary reboots).
    // The standby is synchronous: nothing acknowledged is lost.
    let m = write_model(database(0, Some(1), vec![]));
    let mut s = scenario(secs(600), 200.0);
    on_db(&mut s, "failover", reboot(true), 200);
    let r = run(&m, &s, 5).unwrap();
    let down = failed_s(&r, 200.0);
    eprintln!("reboot with forced failover: writes failed for {down:.1} s (expected 75–80)");
    assert!((74.0..=81.0).contains(&down), "{down}");
    assert!(r.errors_by_cause["failover_in_progress"] > 0);
    assert_eq!(r.data_loss.writes_lost, 0);
    assert!(r.detail.failed_action.is_none());
}

#[test]
fn a_forced_failover_with_a_reboot_shorter_than_detection_still_fails_over() {
    // reboot_time 5 s < detection 15 s: a crash that short would be over
    // before anyone noticed, but a forced failover is ordered by the API
    // and completes; the old primary stays out until it does (it takes no
    // writes back meanwhile) and rejoins as the standby. So 75–80 s of
    // writes fail, as with a long reboot, and none is lost.
    let mut db = database(0, Some(1), vec![]);
    db.reboot_time = Dist::Constant(secs(5));
    let m = write_model(db);
    let mut s = scenario(secs(600), 200.0);
    on_db(&mut s, "failover", reboot(true), 200);
    let r = run(&m, &s, 5).unwrap();
    let down = failed_s(&r, 200.0);
    assert!((74.0..=81.0).contains(&down), "{down}");
    assert_eq!(r.data_loss.writes_lost, 0);
}

#[test]
fn a_forced_failover_on_single_az_is_refused_and_fails_the_experiment() {
    // RebootDBInstance refuses ForceFailover on an instance without a
    // standby (InvalidParameterCombination): nothing restarts, so 0 writes
    // fail, as in the control run without faults. The action fails and so
    // does the experiment: the crash planned at 300 s never starts (it
    // would fail 600 s of writes).
    let m = write_model(database(0, None, vec![]));
    let control = run(&m, &scenario(secs(1200), 100.0), 4).unwrap();
    let mut s = scenario(secs(1200), 100.0);
    on_db(&mut s, "failover", reboot(true), 200);
    on_db(&mut s, "crash", FaultAction::DatabasePrimaryFailure, 300);
    let r = run(&m, &s, 4).unwrap();
    assert_eq!(control.requests.failed, 0);
    assert_eq!(r.requests.failed, 0);
    assert_eq!(r.availability.request, control.availability.request);
    let failed = r.detail.failed_action.as_ref().expect("the action failed");
    eprintln!("forced failover on Single-AZ: {failed:?}");
    assert_eq!((failed.fault.as_str(), failed.at_s), ("failover", 200.0));
    assert!(failed.reason.starts_with("InvalidParameterCombination"));
    let entries = &r.availability.recoveries;
    assert_eq!(entries.len(), 1, "the crash never started: {entries:?}");
    assert!(entries[0].failed.is_some());
    // The reports say so: the JSON fault entry and the Markdown.
    let json = firedrill::report::json::render(&r);
    assert!(
        json.contains("\"failed\": \"InvalidParameterCombination"),
        "{json}"
    );
    let reproduce = firedrill::report::Reproduce {
        model_path: "m.yaml".into(),
        scenario_path: "s.yaml".into(),
        seed: 4,
        fidelity: None,
    };
    let md = firedrill::report::markdown::render(&r, &reproduce);
    assert!(
        md.contains("**failed** at 200.000 s: action `failover` (database_reboot) failed: InvalidParameterCombination"),
        "{md}"
    );
    // A failed action fails the experiment, as an empty target does.
    assert!(r.experiment.failed(), "{:?}", r.experiment);
    assert!(json.contains("\"state\": \"failed\""), "{json}");
    // Same seed, same bytes.
    assert_eq!(
        json,
        firedrill::report::json::render(&run(&m, &s, 4).unwrap())
    );
}

#[test]
fn a_replica_promotion_takes_minutes_and_loses_the_writes_inside_the_lag() {
    // Single-AZ primary, one replica 2 s behind, promotion 300 s; 100
    // writes/s. The primary crashes at 200 s (restart 600 s); the operator
    // promotes the replica at 260 s. Writes fail from 200 s until 560 s
    // plus up to the 5 s TTL: 360–365 s of traffic. The replica lacked the
    // writes of the 2 s before the crash: ≈ 200 lost (Poisson sd ≈ 14),
    // rpo 2 s. Before: no such action; RDS presets never promoted, so the
    // writes failed for the whole 600 s restart.
    let mut db = database(0, None, vec![replica(2)]);
    db.replica_promotion_time = Dist::Constant(secs(300));
    let m = write_model(db);
    let mut s = scenario(secs(1200), 100.0);
    on_db(&mut s, "crash", FaultAction::DatabasePrimaryFailure, 200);
    on_db(&mut s, "promote", FaultAction::ReplicaPromotion, 260);
    let r = run(&m, &s, 6).unwrap();
    let down = failed_s(&r, 100.0);
    let lost = r.data_loss.writes_lost as f64;
    eprintln!("replica promotion: down {down:.1} s (expected 360–365), lost {lost} (≈ 200)");
    assert!((358.0..=367.0).contains(&down), "{down}");
    assert!((lost - 200.0).abs() < 60.0, "{lost}");
    assert!(
        (r.data_loss.rpo_s - 2.0).abs() < 0.1,
        "{}",
        r.data_loss.rpo_s
    );
    // The old primary's return at 800 s changes nothing: it is detached.
    assert!(r.detail.failed_action.is_none());
}

#[test]
fn promoting_a_replica_of_a_live_primary_loses_everything_the_old_source_took_since() {
    // The primary stays up; the replica (2 s behind) is promoted at 200 s
    // and takes 300 s. Writes keep going to the old primary until the
    // endpoint names the promoted copy at 500 s; the copy holds only what
    // it had at 198 s: 100 × 302 = 30,200 writes lost (sd ≈ 174), rpo
    // 302 s. Writes fail only while callers' cached answers (TTL 5 s)
    // still name the detached old primary: at most 5 s of traffic.
    let mut db = database(0, None, vec![replica(2)]);
    db.replica_promotion_time = Dist::Constant(secs(300));
    let m = write_model(db);
    let mut s = scenario(secs(700), 100.0);
    on_db(&mut s, "promote", FaultAction::ReplicaPromotion, 200);
    let r = run(&m, &s, 7).unwrap();
    let lost = r.data_loss.writes_lost as f64;
    eprintln!("promotion of a live primary's replica: lost {lost} (≈ 30,200)");
    assert!((lost - 30_200.0).abs() < 700.0, "{lost}");
    assert!(
        (r.data_loss.rpo_s - 302.0).abs() < 0.1,
        "{}",
        r.data_loss.rpo_s
    );
    assert!(failed_s(&r, 100.0) <= 5.5, "{}", failed_s(&r, 100.0));
}

#[test]
fn rds_instances_never_promote_a_replica_on_their_own() {
    // An RDS instance with a replica and `promote_replicas: true` was
    // accepted and failed over to the replica automatically (detection +
    // promotion); RDS has no such thing: it is now an error at the key.
    let model = "name: m\nzones: [a, b]\ncomponents:\n  web: { kind: tier, zones: [a], service_time: 1ms, concurrency: 8 }\n  db:\n    kind: database\n    preset: aws/rds-single-az\n    primary: a\n    replicas: [{ zone: b }]\n    failover: { promote_replicas: true }\nrequests:\n  w: { share: 1, path: [web, db.write] }\n";
    let d = spec::load_model_str(model, "m.yaml").unwrap_err();
    assert_eq!((d.line, d.column), (10, 15), "{d}");
    assert!(d.message.contains("replica_promotion"), "{d}");
    // Without it, a primary crash waits for the restart (600 s at
    // 10 writes/s: 6,000 fail), with no promotion.
    let m = spec::load_model_str(
        &model.replace("    failover: { promote_replicas: true }\n", ""),
        "m.yaml",
    )
    .unwrap();
    let mut s = scenario(secs(1200), 10.0);
    on_db(&mut s, "crash", FaultAction::DatabasePrimaryFailure, 100);
    let r = run(&m, &s, 1).unwrap();
    let down = failed_s(&r, 10.0);
    assert!((570.0..=630.0).contains(&down), "{down}");
    assert_eq!(r.data_loss.writes_lost, 0);
    // Aurora keeps failing over to its replicas: ≤ 30 s + 5 s TTL.
    let aurora = model
        .replace("aws/rds-single-az", "aws/aurora")
        .replace("    failover: { promote_replicas: true }\n", "");
    let m = spec::load_model_str(&aurora, "m.yaml").unwrap();
    let r = run(&m, &s, 1).unwrap();
    let down = failed_s(&r, 10.0);
    assert!(down <= 36.0, "{down}");
}

const CLUSTER_SCENARIO: &str = "name: s\nhorizon: 10m\nworkload: { rate: 100/s }\nfaults:\n  - id: failover\n    action: database_cluster_failover\n    target: { database: db }\n    at: 2m\n";

fn preset_model(preset: &str, replicas: &str) -> ModelConfig {
    let text = format!(
        "name: m\nzones: [a, b]\ncomponents:\n  web: {{ kind: tier, zones: [a, b], service_time: 1ms, concurrency: 8 }}\n  db: {{ kind: database, preset: {preset}, primary: a{replicas} }}\nrequests:\n  w: {{ share: 1, path: [web, db.write] }}\n"
    );
    spec::load_model_str(&text, "m.yaml").unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn a_cluster_failover_targets_only_clusters() {
    let s = spec::load_scenario_str(CLUSTER_SCENARIO, "s.yaml").unwrap();
    // A Multi-AZ DB instance is not a cluster: an error at the target.
    let err = run(&preset_model("aws/rds-multi-az", ""), &s, 1).unwrap_err();
    let pos = err.pos.clone().expect("a position");
    assert_eq!((pos.line, pos.column), (7, 13), "{err}");
    assert!(err.message.contains("only DB clusters"), "{err}");
    // An Aurora cluster with a replica fails over: detection U(5, 10) s +
    // promotion U(10, 20) s, then ≤ 5 s TTL: 15–35 s of writes fail.
    let r = run(
        &preset_model("aws/aurora", ", replicas: [{ zone: b }]"),
        &s,
        1,
    )
    .unwrap();
    let down = failed_s(&r, 100.0);
    eprintln!("Aurora cluster failover: writes failed for {down:.1} s (expected 15–35)");
    assert!((14.0..=36.0).contains(&down), "{down}");
    assert!(r.detail.failed_action.is_none());
    // A Multi-AZ DB cluster fails over to its standby: < 35 s + TTL.
    let r = run(&preset_model("aws/rds-multi-az-cluster", ""), &s, 1).unwrap();
    let down = failed_s(&r, 100.0);
    assert!((14.0..=41.0).contains(&down), "{down}");
    assert_eq!(r.data_loss.writes_lost, 0);
    // Selected by kind, a non-cluster is not a target: nothing happens.
    let by_kind = CLUSTER_SCENARIO.replace("{ database: db }", "{ kind: database }");
    let s = spec::load_scenario_str(&by_kind, "s.yaml").unwrap();
    let r = run(&preset_model("aws/rds-multi-az", ""), &s, 1).unwrap();
    assert_eq!(r.requests.failed, 0);
}

#[test]
fn the_api_actions_parse_with_their_fis_defaults_and_reject_foreign_keys() {
    let text = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { id: r, action: database_reboot, target: { database: db }, at: 1m }\n  - { id: f, action: database_reboot, force_failover: true, target: { database: db }, at: 2m }\n  - { id: p, action: replica_promotion, target: { database: db }, at: 3m }\n";
    let s = spec::load_scenario_str(text, "s.yaml").unwrap();
    // FIS aws:rds:reboot-db-instances: forceFailover defaults to false.
    assert_eq!(s.faults[0].action, reboot(false));
    assert_eq!(s.faults[1].action, reboot(true));
    assert_eq!(s.faults[2].action, FaultAction::ReplicaPromotion);
    let bad = "name: s\nhorizon: 10m\nworkload: { rate: 10/s }\nfaults:\n  - { action: replica_promotion, force_failover: true, target: { database: db }, at: 1m }\n";
    let d = spec::load_scenario_str(bad, "s.yaml").unwrap_err();
    assert_eq!(d.line, 5, "{d}");
    assert!(d.message.contains("force_failover"), "{d}");
    // A promotion needs a replica in the model: known from the files.
    let s = spec::load_scenario_str(text, "s.yaml").unwrap();
    let err = run(&preset_model("aws/rds-single-az", ""), &s, 1).unwrap_err();
    assert!(err.message.contains("has none"), "{err}");
}

#[test]
fn the_fluid_fidelity_refuses_the_api_actions_and_auto_runs_them_per_request() {
    let m = write_model(database(0, Some(1), vec![replica(1)]));
    for action in [
        reboot(false),
        reboot(true),
        FaultAction::ReplicaPromotion,
        FaultAction::DatabaseClusterFailover,
    ] {
        let mut s = scenario(secs(600), 10.0);
        on_db(&mut s, "a", action.clone(), 100);
        let err = run_with(&m, &s, 1, Fidelity::Fluid).unwrap_err();
        assert!(err.message.contains("request level only"), "{err}");
        s.horizon = secs(8 * 86_400);
        assert_eq!(Fidelity::Auto.resolve(&s), Fidelity::Request, "{action:?}");
    }
}

#[test]
fn deployment_is_checked_against_the_layout() {
    let head = "name: m\nzones: [a, b]\ncomponents:\n  web: { kind: tier, zones: [a], service_time: 1ms, concurrency: 8 }\n  db: { kind: database, concurrency: 8, read_time: 1ms, write_time: 1ms, primary: a, ";
    let tail = " }\nrequests:\n  w: { share: 1, path: [web, db.write] }\n";
    let load = |fields: &str| spec::load_model_str(&format!("{head}{fields}{tail}"), "m.yaml");
    // A Single-AZ instance has no standby: the error is at the standby.
    let d = load("deployment: instance, standby: b").unwrap_err();
    assert_eq!(d.line, 5, "{d}");
    assert!(d.message.contains("has no standby"), "{d}");
    let d = load("deployment: rds").unwrap_err();
    assert!(d.message.contains("multi_az_cluster"), "{d}");
    // A Multi-AZ deployment gets its standby in the next zone; Aurora
    // promotes its replicas by default, an RDS instance never.
    let db = |m: ModelConfig| match m.components[1].kind.clone() {
        ComponentKind::Database(d) => d,
        _ => unreachable!(),
    };
    let multi = db(load("deployment: multi_az_instance").unwrap());
    assert_eq!(
        (multi.standby_zone, multi.deployment),
        (Some(1), Some(Deployment::MultiAzInstance))
    );
    let aurora = db(load("deployment: aurora, replicas: [{ zone: b }]").unwrap());
    assert!(aurora.failover.promote_replicas);
    let generic = db(load("replicas: [{ zone: b }]").unwrap());
    assert_eq!(generic.deployment, None);
    // Defaults: generic reboot 120 s, promotion 300 s.
    assert_eq!(generic.reboot_time.mean_s(), 120.0);
    assert_eq!(generic.replica_promotion_time.mean_s(), 300.0);
}
