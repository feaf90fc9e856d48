//! Load shedding and admission control (`model/admission.rs`): queue
//! timeouts and dropping abandoned work against plain FIFO, LIFO under
//! overload, per-class rate limits, priority shedding, validation, the
//! fluid fidelity's refusal and determinism.

use crate::common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::metrics::RunSummary;
use firedrill::run::{run_with, Fidelity};

/// Plain FIFO, serve everything: `admission:` with nothing set.
fn plain() -> AdmissionConfig {
    AdmissionConfig {
        queue_timeout: None,
        drop_abandoned: false,
        discipline: Discipline::Fifo,
        rate_limit: vec![None; 2],
        shed_low_priority_above: None,
    }
}

/// One instance of concurrency 2 serving in a constant 10 ms (capacity
/// 2 / 0.010 s = 200/s), an unbounded queue, and classes `r` (and `low`).
fn server(admission: Option<AdmissionConfig>, queue_limit: Option<u32>) -> ModelConfig {
    let mut m = model(
        &["a"],
        vec![component(
            "web",
            tier(vec![0], 1, 2, Dist::Constant(ms(10))),
        )],
        vec![class("r", 1.0, &[(0, Op::Serve)])],
    );
    if let ComponentKind::Tier(t) = &mut m.components[0].kind {
        t.admission = admission;
        t.queue_limit = queue_limit;
    }
    m
}

/// A minute at `rate` per second, one attempt per request, the client
/// giving up after `timeout`.
fn run(m: &ModelConfig, rate: f64, timeout: Option<u64>) -> RunSummary {
    let mut s = scenario(secs(60), rate);
    s.client.timeout = timeout.map(ms);
    run_with(m, &s, 1, Fidelity::Request).unwrap()
}

fn errors(r: &RunSummary, cause: &str) -> u64 {
    r.errors_by_cause.get(cause).copied().unwrap_or(0)
}

#[test]
fn dropping_expired_or_abandoned_work_keeps_goodput_that_fifo_loses() {
    // 300/s offered to 200/s of capacity, clients giving up after 200 ms.
    // Serving everything FIFO, the backlog grows by ~100/s: after ~0.4 s
    // 40 wait (40 / 200/s = 200 ms), and from then on every request the
    // server reaches was abandoned by its client: it serves zombies at full
    // speed and almost nothing succeeds.
    let fifo = run(&server(None, None), 300.0, Some(200));
    let total = fifo.requests.total as f64;
    assert!((total - 18_000.0).abs() < 4.0 * 18_000f64.sqrt(), "{total}");
    let fifo_ok = fifo.requests.succeeded as f64;
    assert!(fifo_ok < 0.02 * total, "FIFO goodput {fifo_ok}");
    // The same with `plain()` admission control: nothing changes.
    let same = run(&server(Some(plain()), None), 300.0, Some(200));
    assert_eq!(same.requests, fifo.requests);
    // Dropping abandoned work at the head costs no service time, so the
    // server still serves 200/s × 60 s = 12,000 and drops the rest, ~6,000,
    // unserved. But in FIFO order the head's wait then settles at the
    // client timeout itself: a request served after waiting 190-200 ms
    // answers after its client left. Only the ones that waited < 190 ms
    // succeed: far more than FIFO's, far fewer than the capacity.
    let abandoned = run(
        &server(
            Some(AdmissionConfig {
                drop_abandoned: true,
                ..plain()
            }),
            None,
        ),
        300.0,
        Some(200),
    );
    let abandoned_ok = abandoned.requests.succeeded as f64;
    assert!(
        abandoned_ok > 10.0 * fifo_ok.max(1.0),
        "drop_abandoned {abandoned_ok}"
    );
    assert!(
        abandoned_ok > 0.1 * 12_000.0,
        "drop_abandoned {abandoned_ok}"
    );
    let stats = abandoned.detail.admission.unwrap();
    let dropped = stats.dropped_abandoned as f64;
    assert!(
        (dropped - (total - 12_000.0)).abs() < 0.02 * 12_000.0,
        "{stats:?}"
    );
    assert_eq!(errors(&abandoned, "queue_timeout"), 0);
    // With adaptive LIFO as well, the newest are served first (within
    // ~10 ms of a slot freeing) and the abandoned rest are dropped when
    // they surface: goodput is the capacity, ~12,000.
    let both = run(
        &server(
            Some(AdmissionConfig {
                drop_abandoned: true,
                discipline: Discipline::AdaptiveLifo { lifo_above: 2 },
                ..plain()
            }),
            None,
        ),
        300.0,
        Some(200),
    );
    let both_ok = both.requests.succeeded as f64;
    assert!(
        both_ok > 0.97 * 12_000.0 && both_ok <= 12_050.0,
        "{both_ok}"
    );
    // A 150 ms queue timeout (below the client's 200 ms): work that waited
    // longer is dropped at the head, so what is served answers within
    // 150 + 10 ms and succeeds; the dropped ones the client still waited
    // for fail as `queue_timeout`, the others already timed out.
    let expired = run(
        &server(
            Some(AdmissionConfig {
                queue_timeout: Some(ms(150)),
                ..plain()
            }),
            None,
        ),
        300.0,
        Some(200),
    );
    let ok = expired.requests.succeeded as f64;
    assert!(ok > 0.97 * 12_000.0 && ok <= 12_050.0, "queue_timeout {ok}");
    assert!(expired.latency_ms.unwrap().max <= 160.0 + 1e-6);
    let stats = expired.detail.admission.unwrap();
    assert_eq!(errors(&expired, "queue_timeout"), stats.dropped_expired);
    assert!(
        stats.dropped_expired as f64 > 0.9 * (total - ok),
        "{stats:?}"
    );
    assert_eq!(
        expired.requests.failed,
        errors(&expired, "queue_timeout") + errors(&expired, "timeout")
    );
    eprintln!(
        "goodput of {total} offered: FIFO {fifo_ok}, drop_abandoned {abandoned_ok}, \
         drop_abandoned + adaptive LIFO {both_ok}, queue_timeout 150 ms {ok}"
    );
}

#[test]
fn lifo_under_overload_serves_more_requests_within_the_client_timeout() {
    // Same overload, nothing dropped: FIFO serves the oldest, long
    // abandoned; LIFO serves the newest, whose clients still wait, so about
    // capacity / offered = 2/3 of the requests succeed and the rest starve
    // at the bottom of the queue. Adaptive LIFO is LIFO under a standing
    // queue longer than `lifo_above`.
    let fraction = |discipline: Option<Discipline>| {
        let admission = discipline.map(|discipline| AdmissionConfig {
            discipline,
            ..plain()
        });
        let r = run(&server(admission, None), 300.0, Some(200));
        r.requests.succeeded as f64 / r.requests.total as f64
    };
    let fifo = fraction(None);
    let lifo = fraction(Some(Discipline::Lifo));
    let adaptive = fraction(Some(Discipline::AdaptiveLifo { lifo_above: 2 }));
    assert!(fifo < 0.02, "{fifo}");
    assert!((lifo - 2.0 / 3.0).abs() < 0.02, "{lifo}");
    assert!((adaptive - 2.0 / 3.0).abs() < 0.02, "{adaptive}");
    // Below capacity (100/s) every discipline serves everything in time.
    let calm = |d: Discipline| {
        let r = run(
            &server(
                Some(AdmissionConfig {
                    discipline: d,
                    ..plain()
                }),
                None,
            ),
            100.0,
            Some(200),
        );
        r.requests.failed
    };
    assert_eq!(calm(Discipline::Lifo), 0);
    assert_eq!(calm(Discipline::AdaptiveLifo { lifo_above: 2 }), 0);
    eprintln!("served within 200 ms: FIFO {fifo:.4}, LIFO {lifo:.4}, adaptive LIFO {adaptive:.4}");
}

#[test]
fn a_rate_limit_accepts_its_rate_and_throttles_the_rest() {
    // A wide server (1,000 slots, 1 ms) behind a token bucket of 100/s and
    // burst 20 for class `r`; 300/s offered for a minute.
    let mut m = server(None, None);
    if let ComponentKind::Tier(t) = &mut m.components[0].kind {
        t.concurrency = 1_000;
        t.service_time_by_class = vec![Dist::Constant(ms(1)); 4];
        t.admission = Some(AdmissionConfig {
            rate_limit: vec![Some(TokenBucketConfig {
                rate_per_s: 100.0,
                burst: 20,
            })],
            ..plain()
        });
    }
    let r = run(&m, 300.0, None);
    // The bucket starts full (20) and, with arrivals three times its rate,
    // is empty again within a few ms of each refill: it can only lose
    // tokens while full, which takes 200 ms without an arrival
    // (probability e^-60). So the accepted count is 20 + 100/s × 60 s =
    // 6,020 within one token, whatever the Poisson draws: the offered
    // count's noise (±3 √18,000 ≈ ±400) all lands on `throttled`.
    let accepted = r.requests.succeeded as f64;
    assert!((accepted - 6_020.0).abs() <= 1.0, "{accepted}");
    assert_eq!(
        errors(&r, "throttled"),
        r.requests.total - r.requests.succeeded
    );
    assert_eq!(
        r.detail.admission.unwrap().throttled,
        errors(&r, "throttled")
    );
    let total = r.requests.total as f64;
    assert!((total - 18_000.0).abs() < 3.0 * 18_000f64.sqrt(), "{total}");
    // Offered 50/s, half the rate: the bucket (20 deep) empties only if
    // 20 + 50 t more arrivals than tokens come in some window t, which at
    // these figures does not happen: nothing is throttled, and the cause
    // is not listed.
    let calm = run(&m, 50.0, None);
    assert_eq!(calm.requests.failed, 0);
    assert!(!calm.errors_by_cause.contains_key("throttled"));
}

#[test]
fn under_overload_the_low_priority_class_fails_first() {
    // One slot, 10 ms (100/s), a queue of 10; classes `hi` (high) and
    // `lo` (low), 75/s each. Lows are shed once 5 wait (⌈0.5 × 10⌉), and a
    // high arrival that finds the queue full evicts the newest low. The
    // server serves ≤ 100/s: highs alone are 75/s (ρ = 0.75) and lose
    // little; lows get what is left, ~25/s of 75/s, so ~2/3 of them fail.
    let two_classes = |shed: Option<f64>| {
        let mut m = model(
            &["a"],
            vec![component(
                "web",
                tier(vec![0], 1, 1, Dist::Constant(ms(10))),
            )],
            vec![
                class("hi", 0.5, &[(0, Op::Serve)]),
                class("lo", 0.5, &[(0, Op::Serve)]),
            ],
        );
        m.request_classes[0].priority = Priority::High;
        m.request_classes[1].priority = Priority::Low;
        if let ComponentKind::Tier(t) = &mut m.components[0].kind {
            t.queue_limit = Some(10);
            t.admission = Some(AdmissionConfig {
                shed_low_priority_above: shed,
                ..plain()
            });
        }
        run(&m, 150.0, None)
    };
    let r = two_classes(Some(0.5));
    let stats = r.detail.admission.unwrap();
    // Every failure is a shed (`overload`: no timeout). A low request
    // fails only by the threshold or by eviction (it never reaches a full
    // queue: it is shed before); a high one only when the queue is full of
    // highs. The classes' counts are half the total each (share 0.5),
    // within binomial noise (±3 √(n/4) ≈ ±200 of 9,000).
    let (total, failed) = (r.requests.total as f64, r.requests.failed as f64);
    assert_eq!(r.requests.failed, errors(&r, "overload"));
    let lo_failed = (stats.shed_low_priority + stats.evicted) as f64;
    let hi_failed = failed - lo_failed;
    let (lo_fraction, hi_fraction) = (lo_failed / (total / 2.0), hi_failed / (total / 2.0));
    assert!(lo_fraction > 0.55 && lo_fraction < 0.75, "{lo_fraction}");
    assert!(hi_fraction < 0.05, "{hi_fraction}");
    // Without priorities both classes are shed alike: the server still
    // serves ~100/s of 150/s, so ~1/3 of all requests fail.
    let flat = two_classes(None);
    let fraction = flat.requests.failed as f64 / flat.requests.total as f64;
    assert!((fraction - 1.0 / 3.0).abs() < 0.03, "{fraction}");
    assert!((failed / total - 1.0 / 3.0).abs() < 0.03);
    eprintln!(
        "failure fraction: low {lo_fraction:.4}, high {hi_fraction:.4}; without priorities {fraction:.4}"
    );
}

fn write_model(path: &std::path::Path, admission: &str, priority: &str, queue_limit: u32) {
    std::fs::write(
        path,
        format!(
            "name: m
zones: [a]
components:
  web:
    kind: tier
    zones: [a]
    per_zone: 1
    concurrency: 2
    queue_limit: {queue_limit}
    service_time: 10ms
    admission: {admission}
requests:
  r: {{ share: 1, path: [web]{priority} }}
"
        ),
    )
    .unwrap();
}

#[test]
fn bad_admission_blocks_are_errors_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let cases = [
        (
            "{ discipline: random }",
            "",
            8,
            "m.yaml:11:",
            "unknown discipline `random`",
        ),
        (
            "{ lifo_above: 4 }",
            "",
            8,
            "m.yaml:11:",
            "`lifo_above` applies only",
        ),
        (
            "{ queue_timeout: 0s }",
            "",
            8,
            "m.yaml:11:",
            "`queue_timeout` must be longer",
        ),
        (
            "{ rate_limit: { x: { rate: 5/s } } }",
            "",
            8,
            "m.yaml:11:",
            "unknown request class `x`",
        ),
        (
            "{ rate_limit: { r: { rate: 0/s } } }",
            "",
            8,
            "m.yaml:11:",
            "`rate` must be above 0",
        ),
        (
            "{ rate_limit: { r: { burst: 0 } } }",
            "",
            8,
            "m.yaml:11:",
            "`burst` must be between",
        ),
        (
            "{ shed_low_priority_above: 0.5 }",
            "",
            0,
            "m.yaml:11:",
            "needs a queue",
        ),
        (
            "{ shed_low_priority_above: 0 }",
            "",
            8,
            "m.yaml:11:",
            "above 0 and at most 1",
        ),
        (
            "{ drop_expired: true }",
            "",
            8,
            "m.yaml:11:",
            "drop_expired",
        ),
        (
            "{}",
            ", priority: urgent",
            8,
            "m.yaml:13:",
            "unknown priority `urgent`",
        ),
    ];
    for (admission, priority, limit, at, message) in cases {
        write_model(&path, admission, priority, limit);
        let out = firedrill(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{admission}");
        let err = stderr(&out);
        assert!(err.contains(at), "{admission}: {err}");
        assert!(err.contains(message), "{admission}: {err}");
    }
}

#[test]
fn an_admission_block_gets_its_documented_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    write_model(
        &path,
        "{ discipline: adaptive_lifo, shed_low_priority_above: 80%, rate_limit: { r: {} } }",
        ", priority: low",
        8,
    );
    let m = firedrill::spec::load_model(&path).unwrap();
    let ComponentKind::Tier(t) = &m.components[0].kind else {
        panic!("a tier")
    };
    assert_eq!(
        t.admission,
        Some(AdmissionConfig {
            queue_timeout: None,
            drop_abandoned: false,
            // `lifo_above` defaults to the concurrency.
            discipline: Discipline::AdaptiveLifo { lifo_above: 2 },
            // API Gateway's default throttle: 10,000/s, burst 5,000.
            rate_limit: vec![Some(TokenBucketConfig {
                rate_per_s: 10_000.0,
                burst: 5_000,
            })],
            shed_low_priority_above: Some(0.8),
        })
    );
    assert_eq!(m.request_classes[0].priority, Priority::Low);
    write_model(&path, "{}", "", 8);
    let m = firedrill::spec::load_model(&path).unwrap();
    let ComponentKind::Tier(t) = &m.components[0].kind else {
        panic!("a tier")
    };
    assert_eq!(t.admission, Some(plain_one_class()));
    assert_eq!(m.request_classes[0].priority, Priority::Normal);
}

fn plain_one_class() -> AdmissionConfig {
    AdmissionConfig {
        rate_limit: vec![None],
        ..plain()
    }
}

#[test]
fn the_fluid_fidelity_refuses_admission_control_and_auto_runs_it_per_request() {
    let m = server(Some(plain_one_class()), Some(100));
    let e = firedrill::fluid::unsupported_model(&m).expect("refused");
    assert!(e.message.contains("admission control"), "{}", e.message);
    assert!(e.message.contains("`web`"), "{}", e.message);
    // A horizon past 7 days makes `auto` pick fluid for a model it can run.
    let long = scenario(secs(8 * 86_400), 10.0);
    assert_eq!(
        Fidelity::Auto.resolve_for(&server(None, Some(100)), &long),
        Fidelity::Fluid
    );
    assert_eq!(Fidelity::Auto.resolve_for(&m, &long), Fidelity::Request);
    let short = scenario(secs(10), 10.0);
    let r = run_with(&m, &short, 1, Fidelity::Auto).unwrap();
    assert_eq!(r.fidelity, "request");
}

#[test]
fn admission_control_is_deterministic() {
    // Every feature at once on an overloaded two-class server, with
    // retries so dropped attempts come back.
    let mut m = model(
        &["a"],
        vec![component(
            "web",
            tier(vec![0], 1, 2, Dist::exponential(ms(10))),
        )],
        vec![
            class("hi", 0.5, &[(0, Op::Serve)]),
            class("lo", 0.5, &[(0, Op::Serve)]),
        ],
    );
    m.request_classes[0].priority = Priority::High;
    m.request_classes[1].priority = Priority::Low;
    if let ComponentKind::Tier(t) = &mut m.components[0].kind {
        t.queue_limit = Some(50);
        t.admission = Some(AdmissionConfig {
            queue_timeout: Some(ms(100)),
            drop_abandoned: true,
            discipline: Discipline::AdaptiveLifo { lifo_above: 4 },
            rate_limit: vec![
                None,
                Some(TokenBucketConfig {
                    rate_per_s: 120.0,
                    burst: 10,
                }),
            ],
            shed_low_priority_above: Some(0.5),
        });
    }
    let mut s = scenario(secs(30), 350.0);
    s.client.timeout = Some(ms(150));
    s.client.retries.max_attempts = 3;
    let once = firedrill::report::json::render(&run_with(&m, &s, 7, Fidelity::Request).unwrap());
    let twice = firedrill::report::json::render(&run_with(&m, &s, 7, Fidelity::Request).unwrap());
    assert_eq!(once, twice);
    for cause in ["queue_timeout", "throttled", "overload", "timeout"] {
        assert!(
            once.contains(&format!("\"{cause}\"")),
            "{cause} missing:\n{once}"
        );
    }
    let other = firedrill::report::json::render(&run_with(&m, &s, 8, Fidelity::Request).unwrap());
    assert_ne!(once, other);
}
