//! Client behaviour: per-attempt timeouts and retries with backoff.
//!
//! Assumptions (AWS SDK "standard" retry mode as the model, cloud-figures.md):
//! - Every failure is retryable (5xx, throttling, timeouts, refused
//!   connections) until `max_attempts` attempts have been made.
//! - Backoff before retry n (n = 1 after the first failure) is
//!   `min(cap, base·2^(n-1))` (exponential) or `base` (constant), then
//!   jittered: none, full `U(0, v)`, equal `v/2 + U(0, v/2)`, or decorrelated
//!   `min(cap, U(base, 3·previous))` (Brooker, AWS Architecture Blog 2015).
//! - A timed-out attempt is abandoned by the client but keeps running on the
//!   servers (they cannot know); a request's latency spans every attempt
//!   and backoff.

use rand::RngExt;

use crate::config::{Backoff, ClientConfig, Jitter, RetryConfig};
use crate::rng::SimRng;
use crate::time::SimDuration;

pub struct Client {
    pub timeout: Option<SimDuration>,
    pub retries: RetryConfig,
    rng: SimRng,
}

impl Client {
    pub fn new(config: &ClientConfig, rng: SimRng) -> Self {
        Client {
            timeout: config.timeout,
            retries: config.retries.clone(),
            rng,
        }
    }

    /// Whether a request that has made `attempts` attempts may try again.
    pub fn may_retry(&self, attempts: u32) -> bool {
        attempts < self.retries.max_attempts
    }

    /// The wait before retry number `retry` (1-based), given the previous
    /// wait (for decorrelated jitter).
    pub fn backoff(&mut self, retry: u32, previous: SimDuration) -> SimDuration {
        let r = &self.retries;
        let base = r.base.as_secs_f64();
        let cap = r.cap.as_secs_f64();
        let v = match r.backoff {
            Backoff::Constant => base,
            Backoff::Exponential => {
                (base * 2f64.powi(retry.saturating_sub(1).min(62) as i32)).min(cap)
            }
        };
        let u: f64 = self.rng.random();
        let wait = match r.jitter {
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
                (base + u * (hi - base)).min(cap)
            }
        };
        SimDuration::from_secs_f64(wait)
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
}
