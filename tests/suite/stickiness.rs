//! Sticky sessions on load balancers (issue 17, item 7): a session's
//! requests follow its cookie's target; a failed target's sessions re-route
//! once health checks mark it out, losing state kept in the instance's
//! memory; stickiness skews load; models without it are unchanged.

use firedrill::config::{ModelConfig, ScenarioConfig};
use firedrill::metrics::SessionSummary;
use firedrill::report::{json, markdown, terminal, Reproduce};
use firedrill::run::{run, run_with, Fidelity, Simulation};
use firedrill::spec;
use firedrill::time::SimTime;

/// Four web instances (two per zone) behind an ALB, no network delay.
fn model(strategy: &str, per_zone: u32, stickiness: &str, session_state: &str) -> ModelConfig {
    let text = format!(
        "name: sticky
zones: [a, b]
network: {{ same_zone_rtt: 0s, cross_zone_rtt: 0s, client_rtt: 0s }}
components:
  lb:
    kind: load_balancer
    preset: aws/alb
    targets: web
    strategy: {strategy}
    {stickiness}
  web:
    kind: tier
    zones: [a, b]
    per_zone: {per_zone}
    concurrency: 64
    service_time: 10ms
    {session_state}
requests:
  page: {{ share: 1, path: [lb, web] }}
"
    );
    spec::load_model_str(&text, "sticky.yaml").unwrap_or_else(|d| panic!("{d}"))
}

fn scenario(horizon: &str, rate: &str, clients: u32, extra: &str) -> ScenarioConfig {
    let text = format!(
        "name: sticky
horizon: {horizon}
workload: {{ rate: {rate}, clients: {clients} }}
{extra}
"
    );
    spec::load_scenario_str(&text, "sticky.yaml").unwrap_or_else(|d| panic!("{d}"))
}

/// One web instance dies (blackholed, the ALB's 504 after 10 s) at 60 s.
const CRASH: &str =
    "faults:\n  - { id: crash, action: instance_crash, target: { tier: web, select: count(1) }, at: 60s }";

fn sessions(m: &ModelConfig, s: &ScenarioConfig, seed: u64) -> SessionSummary {
    run(m, s, seed).unwrap().sessions.expect("a sticky model")
}

#[test]
fn a_session_keeps_its_target_while_its_requests_come_within_the_duration() {
    // 20 users share 10 req/s: one request every 2 s each (exponential
    // gaps). With a 30 s cookie a gap longer than the duration has
    // probability e^-15 ≈ 3e-7, so over ~3,000 requests every request after
    // a user's first carries a valid cookie: exactly 20 requests (the
    // first of each session) are routed by the strategy, all others go to
    // the target their session's first request got.
    let m = model(
        "round_robin",
        2,
        "stickiness: { type: lb_cookie, duration: 30s }",
        "",
    );
    let s = scenario("5m", "10/s", 20, "");
    let r = run(&m, &s, 1).unwrap();
    let x = r.sessions.unwrap();
    eprintln!("30 s cookie: {x:?} of {} requests", r.requests.total);
    assert_eq!(x.users, 20);
    assert_eq!(x.started, 20);
    assert_eq!(x.non_sticky_requests, 20);
    assert_eq!((x.rerouted, x.lost_state), (0, 0));
}

#[test]
fn the_cookie_expiry_is_reset_by_every_request() {
    // A 3 s cookie, gaps exponential with mean 2 s. The ALB resets the
    // expiry on every request, so a request is non-sticky exactly when its
    // gap to the session's previous request exceeds 3 s: probability
    // e^-1.5 = 0.2231 (sd of the fraction over ~3,000 requests ≈ 0.008).
    // Were the expiry counted from the binding instead, about 1 request in
    // 1 + 1.5 = 2.5 would re-bind (0.4).
    let m = model("round_robin", 2, "stickiness: { duration: 3s }", "");
    let s = scenario("5m", "10/s", 20, "");
    let r = run(&m, &s, 2).unwrap();
    let x = r.sessions.unwrap();
    let fraction = x.non_sticky_requests as f64 / r.requests.total as f64;
    eprintln!("3 s cookie: non-sticky fraction {fraction:.4} (expected 0.2231)");
    assert!((fraction - 0.2231).abs() < 0.035, "{fraction}");
    // Every re-binding after expiry picks by round robin, so most move to
    // another instance and lose in-memory state (cookie expired, not a
    // failure); none is counted as a failure.
    assert_eq!(x.lost_state_target_failed, 0);
    assert!(x.lost_state_cookie_expired > 0);
    assert!(x.lost_state_cookie_expired < x.non_sticky_requests);
}

#[test]
fn a_dead_targets_sessions_reroute_once_health_checks_mark_it_out_and_lose_local_state() {
    // 100 users, 1 req/s each, sessions that last the run, a 1-day cookie.
    // Round robin gives the 100 first requests targets 0,1,2,3,0,...: 25
    // sessions are pinned to each of the 4 instances (a user silent for the
    // first 60 s has probability e^-60). One instance dies at 60 s; its 25
    // sessions keep reaching it (and fail) until the ALB's checks (30 s
    // interval, 5 s timeout, 2 failures) mark it out 35-65 s later, then
    // each re-routes once at its next request: 25 re-routes, 25 requests
    // routed by the strategy beside the 100 first ones, and 25 sessions
    // that lose the state the dead instance held. With the state in a
    // cache, the same 25 re-route and none loses anything.
    let stickiness = "stickiness: { type: lb_cookie }";
    let s = scenario("5m", "100/s", 100, CRASH);
    let local = sessions(
        &model("round_robin", 2, stickiness, "session_state: local"),
        &s,
        3,
    );
    eprintln!("local state: {local:?}");
    assert_eq!(local.started, 100);
    assert_eq!(local.rerouted, 25);
    assert_eq!(local.non_sticky_requests, 100 + 25);
    assert_eq!(local.lost_state, 25);
    assert_eq!(local.lost_state_target_failed, 25);
    assert_eq!(local.lost_state_cookie_expired, 0);
    let cache = sessions(
        &model("round_robin", 2, stickiness, "session_state: cache"),
        &s,
        3,
    );
    eprintln!("cache state: {cache:?}");
    assert_eq!(cache.rerouted, 25);
    assert_eq!(cache.lost_state, 0);
}

#[test]
fn sessions_stay_with_their_new_target_when_the_failed_one_returns() {
    // As above, but the instance is back after 60 s and passes 5 checks
    // (≤ 150 s + one interval) by 330 s. No new session starts (sessions
    // last the run), so with stickiness the restored instance serves
    // nothing afterwards; without it, round robin gives it a quarter of
    // 100 req/s over the last 270 s ≈ 6,750 requests.
    let crash_and_return = "faults:\n  - { id: crash, action: instance_crash, target: { tier: web, select: count(1) }, at: 60s, duration: 60s }";
    let s = scenario("10m", "100/s", 100, crash_and_return);
    let served_after_return = |m: &ModelConfig| {
        let mut sim = Simulation::new(m, &s, 4).unwrap();
        sim.run_until(SimTime(330 * 1_000_000_000));
        let (restored, before) = sim
            .world
            .servers()
            .iter_enumerated()
            .find(|(_, server)| server.node.incarnation > 0)
            .map(|(i, server)| (i, server.admitted))
            .expect("the crashed instance");
        sim.run_until(SimTime(600 * 1_000_000_000));
        sim.world.servers()[restored].admitted - before
    };
    let sticky = served_after_return(&model("round_robin", 2, "stickiness: { duration: 1d }", ""));
    let plain = served_after_return(&model("round_robin", 2, "", ""));
    eprintln!("restored instance after its return: sticky {sticky}, plain {plain} requests");
    assert_eq!(sticky, 0);
    // Poisson sd ≈ 82.
    assert!((plain as f64 - 6_750.0).abs() < 500.0, "{plain}");
}

/// Coefficient of variation of the requests each web instance admitted.
fn spread(m: &ModelConfig, s: &ScenarioConfig) -> f64 {
    let mut sim = Simulation::new(m, s, 5).unwrap();
    sim.run_until(SimTime(120 * 1_000_000_000));
    let counts: Vec<f64> = sim
        .world
        .servers()
        .iter()
        .map(|server| server.admitted as f64)
        .collect();
    let mean = counts.iter().sum::<f64>() / counts.len() as f64;
    let variance = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / counts.len() as f64;
    variance.sqrt() / mean
}

#[test]
fn fewer_sessions_balance_less_evenly() {
    // 8 instances, random choice, 200 req/s for 120 s (3,000 per instance
    // on average). Sticky with 8 users: each instance gets Binomial(8, 1/8)
    // users, a coefficient of variation of √(7/8) ≈ 0.94 across instances
    // (plus request noise). With 5,000 users it is √(7/5,000) ≈ 0.04, and
    // without stickiness only the Poisson noise 1/√3,000 ≈ 0.02 remains.
    let sticky = model("random", 4, "stickiness: { duration: 1d }", "");
    let few = spread(&sticky, &scenario("2m", "200/s", 8, ""));
    let many = spread(&sticky, &scenario("2m", "200/s", 5_000, ""));
    let plain = spread(&model("random", 4, "", ""), &scenario("2m", "200/s", 8, ""));
    eprintln!("load spread (cv): 8 sticky users {few:.3}, 5,000 {many:.3}, not sticky {plain:.3}");
    assert!(few > 0.3, "{few}");
    assert!(many < 0.1, "{many}");
    assert!(plain < 0.1, "{plain}");
}

#[test]
fn sessions_that_end_give_way_to_new_users_without_cookies() {
    // 10 users at 1 req/s each, sessions of exactly 60 s: over 300 s each
    // client hosts 5 sessions (a new one starts at the first request after
    // the previous one's end), so 50 sessions start, each non-sticky on its
    // first request only, and none loses state (ending is not losing).
    let m = model("round_robin", 2, "stickiness: { duration: 1d }", "");
    let text = "name: s\nhorizon: 300s\nworkload: { rate: 10/s, clients: 10, sessions: { length: 60s } }\n";
    let s = spec::load_scenario_str(text, "s.yaml").unwrap_or_else(|d| panic!("{d}"));
    let x = sessions(&m, &s, 6);
    eprintln!("60 s sessions: {x:?}");
    assert_eq!(x.started, x.non_sticky_requests);
    assert!((45..=50).contains(&x.started), "{}", x.started);
    assert_eq!(x.lost_state, 0);
}

#[test]
fn a_model_without_stickiness_gives_the_same_report_bytes() {
    // `stickiness: disabled` and `{ enabled: false }` are today's model:
    // no session table, no draw, the same report to the byte.
    let s = scenario("2m", "100/s", 100, CRASH);
    let render = |m: &ModelConfig| json::render(&run(m, &s, 7).unwrap());
    let plain = render(&model("least_outstanding", 2, "", ""));
    assert!(!plain.contains("\"sessions\""));
    for off in [
        "stickiness: disabled",
        "stickiness: { enabled: false, duration: 30s }",
    ] {
        assert_eq!(
            render(&model("least_outstanding", 2, off, "")),
            plain,
            "{off}"
        );
    }
    // The tier's `session_state` alone changes nothing either.
    assert_eq!(
        render(&model("least_outstanding", 2, "", "session_state: cache")),
        plain
    );
}

#[test]
fn reports_carry_the_sessions_key_and_section() {
    let m = model("round_robin", 2, "stickiness: { duration: 30s }", "");
    let s = scenario("5m", "100/s", 100, CRASH);
    let r = run(&m, &s, 3).unwrap();
    let text = json::render(&r);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sessions = &value["sessions"];
    for key in json::SESSION_KEYS {
        assert!(sessions[key].is_u64(), "{key}");
    }
    assert_eq!(sessions["lost_state"], 25);
    // `sessions` comes after every always-present key, in written order.
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(keys.last(), Some(&"sessions"));
    assert_eq!(&keys[..keys.len() - 1], &json::TOP_LEVEL_KEYS);
    let reproduce = Reproduce {
        model_path: "sticky.yaml".into(),
        scenario_path: "sticky.yaml".into(),
        seed: 3,
        fidelity: None,
    };
    let md = markdown::render(&r, &reproduce);
    assert!(md.contains("## Sticky sessions"), "{md}");
    assert!(
        md.contains("| 100 | 100 | 125 | 25 | 25 | 25 | 0 |"),
        "{md}"
    );
    let out = terminal::render(&r, &reproduce, false, &terminal::Footer::default());
    assert!(out.contains("lost session state"), "{out}");
    assert!(out.contains("25 sessions"), "{out}");
}

#[test]
fn the_fluid_fidelity_refuses_stickiness_and_auto_runs_request_level() {
    let m = model("round_robin", 2, "stickiness: { duration: 30s }", "");
    // Eight days: past `auto`'s fluid threshold (7 days), at a rate that
    // keeps the request level quick.
    let s = scenario("8d", "0.01/s", 10, "");
    let e = run_with(&m, &s, 1, Fidelity::Fluid).unwrap_err();
    assert!(e.message.contains("sticky sessions"), "{}", e.message);
    let r = run_with(&m, &s, 1, Fidelity::Auto).unwrap();
    assert_eq!(r.fidelity, "request");
    assert!(r.sessions.is_some());
    // Without stickiness the same scenario still goes fluid.
    let plain = run_with(&model("round_robin", 2, "", ""), &s, 1, Fidelity::Auto).unwrap();
    assert_eq!(plain.fidelity, "fluid");
}

fn model_error(stickiness: &str, session_state: &str) -> spec::Diagnostic {
    let text = format!(
        "name: bad
zones: [a]
components:
  lb: {{ kind: load_balancer, targets: web, {stickiness} }}
  web: {{ kind: tier, concurrency: 4, service_time: 10ms{session_state} }}
requests:
  page: {{ share: 1, path: [lb, web] }}
"
    );
    match spec::load_model_str(&text, "bad.yaml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(d) => d,
    }
}

#[test]
fn bad_stickiness_settings_name_their_line_and_column() {
    let d = model_error("stickiness: { duration: 8d }", "");
    assert_eq!((d.line, d.column), (4, 68), "{d}"); // the `8d`
    assert!(d.message.contains("between 1s and 7d"), "{d}");
    let d = model_error("stickiness: { type: source_ip }", "");
    assert_eq!(d.line, 4, "{d}");
    assert!(
        d.message.contains("expected lb_cookie or app_cookie"),
        "{d}"
    );
    let d = model_error("stickiness: { cookie_name: SESSION }", "");
    assert!(
        d.message.contains("applies to `type: app_cookie` only"),
        "{d}"
    );
    let d = model_error("stickiness: { type: app_cookie, cookie_name: AWSALB }", "");
    assert!(d.message.contains("reserved"), "{d}");
    let d = model_error("stickiness: { duration: 30s, sticky: yes }", "");
    assert!(d.message.contains("sticky"), "{d}");
    let d = model_error("stickiness: on", "");
    assert!(d.message.contains("`disabled` or a map"), "{d}");
    let d = model_error("stickiness: { duration: 30s }", ", session_state: disk");
    assert_eq!(d.line, 5, "{d}");
    assert!(d.message.contains("expected local or cache"), "{d}");
    let d = model_error("session_state: local", "");
    assert!(
        d.message.contains("does not apply to a load_balancer"),
        "{d}"
    );
    let app = "name: ok
zones: [a]
components:
  lb: { kind: load_balancer, targets: web, stickiness: { type: app_cookie, cookie_name: SESSION, duration: 7d } }
  web: { kind: tier, concurrency: 4, service_time: 10ms }
requests:
  page: { share: 1, path: [lb, web] }
";
    spec::load_model_str(app, "ok.yaml").unwrap_or_else(|d| panic!("{d}"));
    let s = "name: s\nhorizon: 1m\nworkload: { rate: 1/s, sessions: { length: 0s } }\n";
    let d = spec::load_scenario_str(s, "s.yaml").unwrap_err();
    assert!(d.message.contains("longer than 0"), "{d}");
}
