//! The request-level engine against queueing theory's closed forms
//! (cloud-figures.md, "Closed forms"). Each test runs about 10^6 requests
//! through one tier with Poisson arrivals and checks a figure within a
//! stated tolerance.

use crate::common;

use common::*;
use firedrill::config::Op;
use firedrill::dist::Dist;
use firedrill::run::run;
use firedrill::time::SimDuration;

/// One tier of `servers` servers (one instance, `servers` slots) at
/// `rate` requests/s, run long enough for `requests` arrivals.
fn single_tier(
    servers: u32,
    service: Dist,
    rate: f64,
    requests: f64,
    seed: u64,
) -> firedrill::metrics::RunSummary {
    let m = model(
        &["a"],
        vec![component("server", tier(vec![0], 1, servers, service))],
        vec![class("job", 1.0, &[(0, Op::Serve)])],
    );
    let mut s = scenario(SimDuration::from_secs_f64(requests / rate), rate);
    // Skip the empty-system start so the measured part is steady state.
    s.warmup = SimDuration::from_secs_f64(2_000.0 / rate);
    run(&m, &s, seed).expect("model fits scenario")
}

#[test]
fn mm1_mean_response_time_is_one_over_mu_minus_lambda() {
    // mu = 100/s (10 ms), lambda = 80/s: rho = 0.8, W = 1/(100-80) = 50 ms.
    let r = single_tier(1, Dist::exponential(ms(10)), 80.0, 1.2e6, 11);
    assert!(r.requests.succeeded >= 1_000_000, "{:?}", r.requests);
    let mean = r.detail.latency_mean_ms.unwrap();
    let expected = 50.0;
    eprintln!(
        "M/M/1: {} requests, mean response {mean:.3} ms (closed form {expected} ms)",
        r.requests.succeeded
    );
    assert!(
        (mean - expected).abs() / expected < 0.03,
        "M/M/1 mean response {mean:.3} ms, expected {expected} ms ± 3 %"
    );
}

#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    // E[S] = 10 ms constant, rho = 0.8: Wq = rho·E[S]/(2(1-rho)) = 20 ms,
    // so the mean response is 30 ms.
    let r = single_tier(1, Dist::Constant(ms(10)), 80.0, 1.2e6, 12);
    assert!(r.requests.succeeded >= 1_000_000);
    let wait = r.detail.latency_mean_ms.unwrap() - 10.0;
    let expected = 20.0;
    eprintln!(
        "M/D/1: {} requests, mean wait {wait:.3} ms (closed form {expected} ms)",
        r.requests.succeeded
    );
    assert!(
        (wait - expected).abs() / expected < 0.03,
        "M/D/1 mean wait {wait:.3} ms, expected {expected} ms ± 3 %"
    );
}

/// Erlang C: probability that an arrival waits in an M/M/c queue.
fn erlang_c(c: u32, offered: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= offered / k as f64;
        sum += term;
    }
    let last = term * offered / c as f64;
    let rho = offered / c as f64;
    let top = last / (1.0 - rho);
    top / (sum + top)
}

#[test]
fn mmc_probability_of_waiting_matches_erlang_c() {
    // c = 4, E[S] = 10 ms, utilisation 0.8: lambda = 320/s, A = 3.2.
    assert!((erlang_c(3, 2.5) - 0.702).abs() < 0.001); // cloud-figures.md row
    let expected = erlang_c(4, 3.2);
    let r = single_tier(4, Dist::exponential(ms(10)), 320.0, 1.2e6, 13);
    assert!(r.requests.succeeded >= 1_000_000);
    let p_wait = r.detail.queue_wait_probability;
    eprintln!(
        "M/M/4: {} requests, P(wait) {p_wait:.4} (Erlang C {expected:.4})",
        r.requests.succeeded
    );
    assert!(
        (p_wait - expected).abs() < 0.01,
        "M/M/4 P(wait) {p_wait:.4}, Erlang C {expected:.4} ± 0.01"
    );
    // And the mean response: W = Wq + E[S], Wq = C/(c·mu - lambda).
    let w = (expected / (400.0 - 320.0)) * 1000.0 + 10.0;
    let mean = r.detail.latency_mean_ms.unwrap();
    assert!(
        (mean - w).abs() / w < 0.03,
        "M/M/4 mean {mean:.3} ms vs {w:.3} ms"
    );
}
