//! Client behaviour: per-attempt timeouts and retries with backoff.
//!
//! Assumptions (AWS SDK "standard" retry mode as the model, cloud-figures.md):
//! - Every failure is retryable (5xx, throttling, timeouts, refused
//!   connections) until `max_attempts` attempts have been made.
//! - Backoff before retry n (n = 1 after the first failure) is
//!   `min(cap, base·2^(n-1))` (exponential) or `base` (constant), then
//!   jittered: none, full `U(0, v)`, equal `v/2 + U(0, v/2)`, or decorrelated
//!   `min(cap, U(base, 3·previous))` (Brooker, AWS Architecture Blog 2015).
//! - With a `retry_budget`, a retry is made only if the budget allows it
//!   (`retry_budget.rs`); otherwise the request fails with its last error.
//! - A timed-out attempt is abandoned by the client but keeps running on the
//!   servers (they cannot know); a request's latency spans every attempt
//!   and backoff.

#[cfg(test)]
use rand::RngExt;

use super::retry_budget::RetryBudget;
use crate::config::{Backoff, ClientConfig, Jitter, RetryConfig};
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

pub struct Client {
    pub timeout: Option<SimDuration>,
    pub retries: RetryConfig,
    /// The cap on retries, if any (`retry_budget.rs`).
    pub budget: Option<RetryBudget>,
    rng: SimRng,
}

impl Client {
    pub fn new(config: &ClientConfig, rng: SimRng) -> Self {
        Client {
            timeout: config.timeout,
            retries: config.retries.clone(),
            budget: config.retry_budget.map(|b| RetryBudget::new(b, 0)),
            rng,
        }
    }

    /// Whether a request whose attempt number `attempts` failed may try
    /// again, and after what wait (given the previous wait, for
    /// decorrelated jitter): the client is hop 0 of the per-hop policy
    /// (`hop_policy::retry_after`), and a retry it allows must then be paid
    /// for by the retry budget, if any (`timed_out`: the failure was a
    /// timeout, which costs more).
    pub fn retry_after(
        &mut self,
        attempts: u32,
        previous: SimDuration,
        now: SimTime,
        client: u32,
        timed_out: bool,
    ) -> Option<SimDuration> {
        let wait =
            super::hop_policy::retry_after(&self.retries, attempts, previous, &mut self.rng)?;
        self.budget_allows(now, client, timed_out).then_some(wait)
    }

    /// Whether the retry budget, if any, lets `client` retry now after a
    /// failure (`timed_out`: a timeout); a retry it allows is paid for.
    fn budget_allows(&mut self, now: SimTime, client: u32, timed_out: bool) -> bool {
        self.budget
            .as_mut()
            .is_none_or(|b| b.try_retry(now, client, timed_out))
    }

    #[cfg(test)]
    fn backoff(&mut self, retry: u32, previous: SimDuration) -> SimDuration {
        let u: f64 = self.rng.random();
        SimDuration::from_secs_f64(jittered_wait_s(&self.retries, retry, previous, u))
    }
}

/// The un-jittered backoff before retry number `retry` (1-based): `base`,
/// or `base · 2^(retry−1)` up to `cap`.
fn backoff_ceiling_s(r: &RetryConfig, retry: u32) -> f64 {
    let base = r.base.as_secs_f64();
    match r.backoff {
        Backoff::Constant => base,
        Backoff::Exponential => {
            (base * 2f64.powi(retry.saturating_sub(1).min(62) as i32)).min(r.cap.as_secs_f64())
        }
    }
}

/// The wait before retry `retry` for a uniform draw `u` in [0, 1).
pub(crate) fn jittered_wait_s(r: &RetryConfig, retry: u32, previous: SimDuration, u: f64) -> f64 {
    let v = backoff_ceiling_s(r, retry);
    let base = r.base.as_secs_f64();
    match r.jitter {
        Jitter::None => v,
        Jitter::Full => u * v,
        Jitter::Equal => v / 2.0 + u * v / 2.0,
        Jitter::Decorrelated => {
            let prev = if previous.is_zero() {
                base
            } else {
                previous.as_secs_f64()
            };
            let hi = (3.0 * prev).max(base);
            (base + u * (hi - base)).min(r.cap.as_secs_f64())
        }
    }
}

/// The mean wait before retry `retry` (1-based), for the fluid fidelity:
/// the mean of the same jitter over `u`; decorrelated jitter's previous
/// wait is taken as the exponential backoff `v`, so its mean is that of
/// U(base, 3·v).
pub fn mean_backoff_s(r: &RetryConfig, retry: u32) -> f64 {
    let v = backoff_ceiling_s(r, retry);
    match r.jitter {
        Jitter::None => v,
        Jitter::Full => v / 2.0,
        Jitter::Equal => 0.75 * v,
        Jitter::Decorrelated => ((r.base.as_secs_f64() + 3.0 * v) / 2.0).min(r.cap.as_secs_f64()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn client(jitter: Jitter) -> Client {
        Client::new(
            &ClientConfig {
                timeout: None,
                retries: RetryConfig {
                    max_attempts: 5,
                    backoff: Backoff::Exponential,
                    base: SimDuration::from_millis(100),
                    cap: SimDuration::from_millis(500),
                    jitter,
                },
                retry_budget: None,
            },
            stream(1, "client-test"),
        )
    }

    #[test]
    fn exponential_backoff_doubles_up_to_the_cap() {
        let mut c = client(Jitter::None);
        let waits: Vec<u64> = (1..=5)
            .map(|n| c.backoff(n, SimDuration::ZERO).as_nanos() / 1_000_000)
            .collect();
        assert_eq!(waits, vec![100, 200, 400, 500, 500]);
    }

    #[test]
    fn jittered_backoffs_stay_in_their_ranges() {
        for (jitter, lo, hi) in [
            (Jitter::Full, 0.0, 0.4),
            (Jitter::Equal, 0.2, 0.4),
            (Jitter::Decorrelated, 0.1, 0.5),
        ] {
            let mut c = client(jitter);
            for _ in 0..1000 {
                let w = c.backoff(3, SimDuration::from_millis(150)).as_secs_f64();
                assert!(w >= lo - 1e-9 && w <= hi + 1e-9, "{jitter:?}: {w}");
            }
        }
    }

    #[test]
    fn the_fluid_mean_is_the_mean_of_the_sampled_waits() {
        // One rule for both fidelities: averaging the request level's wait
        // over its uniform draw gives the fluid mean (decorrelated jitter
        // with the previous wait at the exponential backoff, as the fluid
        // mode assumes).
        for jitter in [
            Jitter::None,
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
        ] {
            let r = client(jitter).retries;
            for retry in 1..=5 {
                let previous = SimDuration::from_secs_f64(backoff_ceiling_s(&r, retry));
                let n = 10_000;
                let mean = (0..n)
                    .map(|i| jittered_wait_s(&r, retry, previous, (i as f64 + 0.5) / n as f64))
                    .sum::<f64>()
                    / n as f64;
                let fluid = mean_backoff_s(&r, retry);
                // The decorrelated cap clips the upper tail the fluid mean
                // ignores (it clips the mean instead): compare uncapped ones.
                if jitter == Jitter::Decorrelated && 3.0 * previous.as_secs_f64() > 0.5 {
                    continue;
                }
                assert!(
                    (mean - fluid).abs() < 1e-6,
                    "{jitter:?} retry {retry}: {mean} vs {fluid}"
                );
            }
        }
    }
}
