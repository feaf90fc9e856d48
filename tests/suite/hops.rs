//! Per-hop call policies (`model/hop_policy.rs`, `world/hops.rs`): a call
//! step's own retries multiply attempts across layers, backoff with jitter
//! spreads contending retries, a per-try timeout frees the caller while the
//! callee works on, slots and load balancer counts balance through forks
//! and zombies, and the file syntax is validated.

use crate::common::*;
use firedrill::metrics::RunSummary;
use firedrill::run::{run_with, Fidelity, Simulation};
use firedrill::spec::{load_model_str, load_scenario_str};
use firedrill::time::SimTime;

fn run_yaml(model: &str, scenario: &str, seed: u64) -> RunSummary {
    let m = load_model_str(model, "m.yaml").unwrap();
    let s = load_scenario_str(scenario, "s.yaml").unwrap();
    run_with(&m, &s, seed, Fidelity::Request).unwrap()
}

const LAYERS: &str = r#"
name: layers
zones: [a]
network: { same_zone_rtt: 0s, cross_zone_rtt: 0s, client_rtt: 0s }
components:
  web: { kind: tier, per_zone: 1, concurrency: 1000, service_time: { constant: 1ms } }
  app: { kind: tier, per_zone: 1, concurrency: 1000, service_time: { constant: 1ms } }
  db: { kind: database, primary: a, concurrency: 100, read_time: { constant: 1ms }, write_time: { constant: 1ms } }
requests:
  r:
    share: 1
    path:
      - web
      - { to: app, retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none } }
      - { to: db.read, retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none } }
"#;

const DEAD_DB: &str = r#"
name: dead-db
horizon: 2m
seed: 1
workload: { rate: 10/s }
client:
  retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none }
faults:
  - { action: path_block, from: app, to: db, mode: refuse, at: 0s, duration: 10m }
"#;

#[test]
fn three_layers_of_three_attempts_send_27_to_a_dead_database() {
    // The client tries web 3 times; each web try calls app up to 3 times;
    // each app try calls the database up to 3 times, and every call is
    // refused: web 3, app 3 × 3 = 9, db 3 × 3 × 3 = 27 per request, exactly.
    // Before: no step policy existed (the file did not parse) and the
    // client's 3 attempts sent 3 to each component.
    let r = run_yaml(LAYERS, DEAD_DB, 1);
    assert_eq!(r.requests.succeeded, 0);
    let a = r
        .amplification
        .expect("a model with hop policies reports amplification");
    assert_eq!(a.requests, r.requests.total);
    let attempts: Vec<u64> = a.components.iter().map(|c| c.attempts).collect();
    let n = a.requests;
    assert_eq!(attempts, vec![3 * n, 9 * n, 27 * n]);
    assert_eq!(a.per_request("db"), Some(27.0));
    // Per minute: the buckets add up to the run, and a minute whose
    // requests all finished in it shows the same 27.
    assert_eq!(a.bucket_s, 60);
    let db_sum: u64 = a.buckets.iter().map(|b| b.attempts[2]).sum();
    assert_eq!(db_sum, 27 * n);
    assert!(a.buckets.len() >= 2);
}

#[test]
fn without_step_policies_a_failure_fails_the_attempt_and_there_is_no_amplification_section() {
    // The same path without policies: the client's 3 tries reach the
    // database 3 times per request (no figure, since no hop policy).
    let plain = LAYERS
        .replace(
            "{ to: app, retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none } }",
            "app",
        )
        .replace(
            "{ to: db.read, retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none } }",
            "db.read",
        );
    let r = run_yaml(&plain, DEAD_DB, 1);
    assert!(r.amplification.is_none());
    assert_eq!(r.requests.succeeded, 0);
    let json = firedrill::report::json::render(&r);
    assert!(!json.contains("amplification"));
}

/// A web instance with one slot and no queue calling an app that takes
/// 1 s, offered `rate` per second, the app call limited by `policy`.
fn one_slot_web(policy: &str) -> String {
    format!(
        r#"
name: one-slot
zones: [a]
network: {{ same_zone_rtt: 0s, cross_zone_rtt: 0s, client_rtt: 0s }}
components:
  web: {{ kind: tier, per_zone: 1, concurrency: 1, queue_limit: 0, service_time: {{ constant: 1ms }} }}
  app: {{ kind: tier, per_zone: 1, concurrency: 1000, service_time: {{ constant: 1s }} }}
requests:
  r: {{ share: 1, path: [web, {policy}] }}
"#
    )
}

const FIVE_PER_S: &str = r#"
name: five
horizon: 10m
seed: 1
workload: { rate: 5/s }
"#;

fn admitted(sim: &Simulation, tier: &str) -> u64 {
    let world = &sim.world;
    let t = world.tiers().iter().find(|t| t.name == tier).unwrap();
    t.servers.iter().map(|&s| world.servers()[s].admitted).sum()
}

#[test]
fn a_per_hop_timeout_frees_the_caller_while_the_callee_keeps_working() {
    // web has one slot and no queue, so it is an Erlang loss system: the
    // share of requests it admits is 1 / (1 + λh) for arrival rate λ and
    // holding time h, whatever h's distribution. λ = 5/s.
    // - Without a timeout web holds its slot for its 1 ms plus app's 1 s:
    //   h = 1.001 s, admitted 1 / (1 + 5.005) = 16.65 %.
    // - With `timeout: 100ms` on the app call web gives up after 100 ms:
    //   h = 0.101 s, admitted 1 / (1 + 0.505) = 66.45 %.
    // 3,000 requests in 10 min: binomial sd ≈ √(3000 × 0.66 × 0.34) ≈ 26
    // (0.9 points), so ±3 points is over 3 sd.
    let model = |p: &str| load_model_str(&one_slot_web(p), "m.yaml").unwrap();
    let scenario = load_scenario_str(FIVE_PER_S, "s.yaml").unwrap();
    let share = |p: &str| {
        let m = model(p);
        let mut sim = Simulation::new(&m, &scenario, 1).unwrap();
        sim.run_until(SimTime(600 * 1_000_000_000));
        let (web, app) = (admitted(&sim, "web"), admitted(&sim, "app"));
        let summary = sim.finish();
        (
            web as f64 / summary.requests.total as f64,
            web,
            app,
            summary,
        )
    };
    let (held, _, _, _) = share("app");
    assert!((held - 0.1665).abs() < 0.03, "{held}");
    let (freed, web, app, summary) = share("{ to: app, timeout: 100ms }");
    assert!((freed - 0.6645).abs() < 0.03, "{freed}");
    // The callee works on: app admitted every call web made (its zombies
    // run the full second), while each of those requests failed with a
    // timeout at the caller.
    assert_eq!(app, web);
    assert_eq!(summary.requests.succeeded, 0);
    let timeouts = summary.errors_by_cause["timeout"];
    // Those still inside their 100 ms at the horizon are in flight.
    assert!(web - timeouts <= 2, "{web} {timeouts}");
}

/// A database of one slot and no queue behind a web tier, its call
/// retried up to 5 times with `retries`.
fn contended(retries: &str) -> String {
    format!(
        r#"
name: contended
zones: [a]
network: {{ same_zone_rtt: 0s, cross_zone_rtt: 0s, client_rtt: 0s }}
components:
  web: {{ kind: tier, per_zone: 1, concurrency: 1000, service_time: {{ constant: 1ms }} }}
  db: {{ kind: database, primary: a, concurrency: 1, queue_limit: 0, read_time: {{ constant: 10ms }}, write_time: {{ constant: 10ms }} }}
requests:
  r: {{ share: 1, path: [web, {{ to: db.read, retries: {retries} }}] }}
"#
    )
}

#[test]
fn full_jitter_makes_fewer_calls_than_retrying_at_once_under_contention() {
    // 60/s against one 10 ms slot: a first try finds the slot busy with
    // probability ρ/(1+ρ) = 0.6/1.6 = 37.5 % (Erlang loss). Retrying at
    // once finds the same call still in service (10 ms), so a refused
    // request spends all 5 tries: ≈ 1 + 0.375 × 4 = 2.5 calls per request.
    // Full jitter on the SDK's 100 ms doubling backoff waits U(0, 100 ms ·
    // 2^(n−1)), so a try lands at a moment independent of the call that
    // refused it: it is refused with the slot's busy share p, and the slot
    // is busy serving the calls that get through: p = ρ(1 − p⁵), so
    // p ≈ 0.566, and a request makes (1 − p⁵)/(1 − p) ≈ 2.17 calls, 94 %
    // of them succeeding against 62.5 % when retrying at once. (Brooker,
    // "Exponential Backoff And Jitter", AWS Architecture Blog 2015.)
    // 36,000 requests: both means within ±0.03, shares within ±0.01.
    let scenario = "name: c\nhorizon: 10m\nseed: 2\nworkload: { rate: 60/s }\n";
    let calls = |retries: &str| {
        let r = run_yaml(&contended(retries), scenario, 2);
        (
            r.amplification.as_ref().unwrap().per_request("db").unwrap(),
            r,
        )
    };
    let (at_once, r0) = calls("{ max_attempts: 5, backoff: constant, base: 0s, jitter: none }");
    let (jittered, r1) =
        calls("{ max_attempts: 5, backoff: exponential, base: 100ms, jitter: full }");
    assert!((at_once - 2.5).abs() < 0.05, "{at_once}");
    assert!((jittered - 2.17).abs() < 0.06, "{jittered}");
    let ok = |r: &RunSummary| r.requests.succeeded as f64 / r.requests.total as f64;
    assert!((ok(&r0) - 0.625).abs() < 0.01, "{}", ok(&r0));
    assert!((ok(&r1) - 0.942).abs() < 0.015, "{}", ok(&r1));
}

const NESTED: &str = r#"
name: nested
zones: [a, b]
network: { same_zone_rtt: 0s, cross_zone_rtt: 1ms, client_rtt: 0s }
components:
  lb: { kind: load_balancer, targets: web, health_check: disabled }
  web: { kind: tier, per_zone: 1, concurrency: 4, queue_limit: 8, service_time: { exponential: 5ms } }
  app-lb: { kind: load_balancer, targets: app, health_check: disabled, strategy: least_outstanding }
  app: { kind: tier, per_zone: 1, concurrency: 4, queue_limit: 8, service_time: { exponential: 20ms } }
  cache: { kind: cache, hit_ratio: 0.5, service_time: { exponential: 1ms } }
  db: { kind: database, primary: a, concurrency: 4, queue_limit: 8, read_time: { exponential: 30ms }, write_time: { exponential: 30ms } }
requests:
  r:
    share: 1
    path:
      - lb
      - web
      - { to: app-lb, timeout: 60ms, retries: { max_attempts: 3, base: 5ms } }
      - app
      - { to: cache, timeout: 5ms }
      - { to: db.read_on_miss, timeout: 40ms, retries: { max_attempts: 2, base: 5ms } }
  w:
    share: 1
    path: [lb, web, { to: db.write, timeout: 30ms, retries: { max_attempts: 4, base: 1ms, jitter: decorrelated } }]
"#;

#[test]
fn slots_and_load_balancer_counts_balance_through_timeouts_forks_and_zombies() {
    // Overloaded nested calls with per-try timeouts at three depths, a
    // crashed app instance and a slow zone; traffic stops at 40 s. By the
    // horizon every zombie has finished: no slot held, nothing queued, no
    // outstanding count at either load balancer, every request decided.
    let model = load_model_str(NESTED, "m.yaml").unwrap();
    for rate in ["100/s", "300/s"] {
        let scenario = load_scenario_str(
            &format!(
                r#"
name: storm
horizon: 2m
seed: 3
workload: {{ rate: {rate}, profile: {{ step: [ {{ at: 40s, factor: 0 }} ] }} }}
client:
  timeout: 200ms
  retries: {{ max_attempts: 3 }}
faults:
  - {{ action: instance_crash, target: {{ tier: app, select: count(1) }}, at: 10s, duration: 5s }}
  - {{ action: latency, target: {{ zone: b }}, latency: {{ exponential: 20ms }}, at: 20s, duration: 5s }}
"#
            ),
            "s.yaml",
        )
        .unwrap();
        for seed in 1..=3 {
            let mut sim = Simulation::new(&model, &scenario, seed).unwrap();
            sim.run_until(SimTime(120 * 1_000_000_000));
            for s in sim.world.servers().iter() {
                assert_eq!((s.busy, s.queue.len()), (0, 0), "rate {rate} seed {seed}");
            }
            for lb in sim.world.lbs().iter() {
                assert!(
                    lb.outstanding.iter().all(|&o| o == 0),
                    "rate {rate} seed {seed}"
                );
            }
            let r = sim.finish();
            let q = r.requests;
            assert_eq!(q.in_flight_end, 0);
            assert_eq!(q.total, q.succeeded + q.failed);
            assert!(q.succeeded > 0 && r.errors_by_cause["timeout"] > 0);
            let again = run_with(&model, &scenario, seed, Fidelity::Request).unwrap();
            assert_eq!(
                firedrill::report::json::render(&r),
                firedrill::report::json::render(&again)
            );
        }
    }
}

#[test]
fn step_policies_are_validated_with_their_position() {
    let check = |path: &str, expected: &str| {
        let text = LAYERS.replace(
            "- { to: app, retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none } }",
            path,
        );
        let e = load_model_str(&text, "m.yaml").unwrap_err().to_string();
        assert!(e.starts_with("m.yaml:") && e.contains(expected), "{e}");
        e
    };
    let e = check("- { to: app, timeout: 0s }", "timeout must be > 0");
    assert!(e.starts_with("m.yaml:14:29:"), "{e}");
    check(
        "- { to: app, retries: { max_attempts: 0 } }",
        "max_attempts counts the first attempt",
    );
    check(
        "- { to: app, retries: { jitter: some } }",
        "unknown jitter `some`",
    );
    check("- { to: app, retry: 3 }", "unknown field `retry`");
    check("- { to: nowhere, timeout: 1s }", "nowhere");
    // The first step is the client's call.
    let text = LAYERS.replace("      - web\n", "      - { to: web, timeout: 1s }\n");
    let e = load_model_str(&text, "m.yaml").unwrap_err().to_string();
    assert!(e.contains("the scenario's `client:` block"), "{e}");
    // Behind a load balancer the policy goes on the load balancer step.
    let lb = NESTED.replace("      - app\n", "      - { to: app, timeout: 1s }\n");
    let e = load_model_str(&lb, "m.yaml").unwrap_err().to_string();
    assert!(
        e.contains("put its timeout and retries on the `app-lb` step"),
        "{e}"
    );
    // Defaults: a `retries:` block alone makes 3 attempts (AWS SDK
    // standard mode); a timeout alone makes 1.
    let m = load_model_str(NESTED, "m.yaml").unwrap();
    let hops = &m.request_classes[0].hops;
    assert_eq!(hops.len(), 3);
    assert_eq!((hops[0].step, hops[0].retries.max_attempts), (2, 3));
    assert_eq!((hops[1].step, hops[1].retries.max_attempts), (4, 1));
    assert_eq!(hops[0].timeout, Some(ms(60)));
}

#[test]
fn the_fluid_fidelity_refuses_hop_policies_and_auto_runs_them_at_request_level() {
    let m = load_model_str(LAYERS, "m.yaml").unwrap();
    let s = load_scenario_str(FIVE_PER_S, "s.yaml").unwrap();
    let e = run_with(&m, &s, 1, Fidelity::Fluid)
        .unwrap_err()
        .to_string();
    assert!(e.contains("per-hop timeouts or retries"), "{e}");
    let auto = run_with(&m, &s, 1, Fidelity::Auto).unwrap();
    assert_eq!(auto.fidelity, "request");
    assert!(auto.amplification.is_some());
}

#[test]
fn timed_out_tries_are_retried_and_each_leaves_a_zombie_working_at_the_callee() {
    // app takes 1 s; web's call to it times out after 100 ms and is tried
    // 3 times (constant 10 ms backoff): every try times out, so app gets
    // exactly 3 calls per request, each served in full by a zombie, and
    // web's slot is held 1 + 3 × 100 + 2 × 10 = 321 ms, not 3 s.
    let text = one_slot_web(
        "{ to: app, timeout: 100ms, retries: { max_attempts: 3, backoff: constant, base: 10ms, jitter: none } }",
    )
    .replace("concurrency: 1, queue_limit: 0", "concurrency: 1000");
    let m = load_model_str(&text, "m.yaml").unwrap();
    let s = load_scenario_str(FIVE_PER_S, "s.yaml").unwrap();
    let mut sim = Simulation::new(&m, &s, 1).unwrap();
    sim.run_until(SimTime(600 * 1_000_000_000));
    let (web, app) = (admitted(&sim, "web"), admitted(&sim, "app"));
    let r = sim.finish();
    let a = r.amplification.as_ref().unwrap();
    assert_eq!(a.per_request("web"), Some(1.0));
    // The last requests may not have made all 3 tries by the horizon.
    assert!(app <= 3 * web && app + 6 >= 3 * web, "{web} {app}");
    let ratio = a.per_request("app").unwrap();
    assert!((ratio - 3.0).abs() < 0.002, "{ratio}");
    assert_eq!(r.requests.succeeded, 0);
    // Every failure is the third timeout, and its latency would be 321 ms:
    // none is still open 321 ms after it arrived, so few are in flight.
    assert!(
        r.requests.in_flight_end <= 3,
        "{}",
        r.requests.in_flight_end
    );
    // report.json carries the figures under `amplification`, keys in order.
    let text = firedrill::report::json::render(&r);
    let block = &text[text.find("\"amplification\": {").unwrap()..];
    let at: Vec<usize> = firedrill::report::json::AMPLIFICATION_KEYS
        .iter()
        .map(|k| block.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["amplification"]["components"][1]["component"], "app");
}
