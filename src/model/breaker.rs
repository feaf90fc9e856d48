//! Circuit breakers on call steps (`{ to: payments.call, breaker: {..} }`):
//! closed → open → half-open → closed, as Resilience4j's CircuitBreaker.
//!
//! Assumptions:
//! - One breaker per call step of a request class (its hop policy), shared
//!   by every instance of the caller: a single, shared view of the callee's
//!   health (a sidecar or client library with shared state). Per-instance
//!   breakers, each seeing only its own calls and so tripping later, are a
//!   possible later option.
//! - Closed: every call goes through and its outcome is counted. The
//!   window is time-based, `window` whole seconds of one-second buckets
//!   (Resilience4j's `TIME_BASED` sliding window, "Resilience4j
//!   CircuitBreaker" documentation): a simulator's load varies by orders of
//!   magnitude between models, and a time window makes a breaker's reaction
//!   time a property of its configuration rather than of the traffic, which
//!   a count window of 100 calls is not. The breaker opens when at least
//!   `minimum_calls` outcomes are in the window and the share of failures is
//!   ≥ `failure_rate`; or, with `consecutive_failures: n`, after n failures
//!   in a row (a success resets the count).
//! - A failure is a try of the call that failed by any cause (an error
//!   answer, a refused or timed-out connection, the step's own per-try
//!   `timeout`); a success is a try that answered. Resilience4j records
//!   every exception by default (`recordExceptions` empty).
//! - Open: calls are refused without reaching the callee (its received
//!   attempts drop: the amplification table shows it) for `open_for`; the
//!   next call after that finds the breaker half-open (Resilience4j's
//!   default, `automaticTransitionFromOpenToHalfOpenEnabled: false`). A
//!   refused call is not retried by its own hop's retries (a retry would
//!   meet the same open breaker); its caller's policy decides, as for any
//!   failure.
//! - Half-open: `half_open_calls` probes go through, the others are
//!   refused; once that many outcomes are counted the breaker opens again
//!   if their failure share is ≥ `failure_rate` (with
//!   `consecutive_failures`, if any probe failed), else it closes with an
//!   empty window. Outcomes of calls that began before the breaker opened
//!   count in whatever state it is in when they end, as in Resilience4j.
//! - Fallbacks: `fail_fast` fails the call at once with cause
//!   `circuit_open` (Resilience4j's `CallNotPermittedException`);
//!   `degraded` answers at once with a degraded response: the call is
//!   skipped (a call to a tier skips the rest of the path, which is that
//!   tier's work) and a request that completes after one counts as
//!   `degraded`, apart from `succeeded` and `failed`; `stale` (a stale
//!   cached answer) is the same as `degraded` to the caller.
//! - Defaults are Resilience4j's ("Resilience4j CircuitBreaker",
//!   resilience4j.readme.io): `failureRateThreshold` 50 %,
//!   `minimumNumberOfCalls` 100, `waitDurationInOpenState` 60 s,
//!   `permittedNumberOfCallsInHalfOpenState` 10, and `slidingWindowSize`
//!   100, read as 100 s for a time window; fallback `fail_fast`.

use crate::config::{BreakerConfig, BreakerThreshold, Fallback};
use crate::time::SimTime;

const NANOS_PER_S: u64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Closed,
    /// Refusing calls until this time.
    Open(SimTime),
    /// Probes let through and outcomes counted since it became half-open.
    HalfOpen {
        permitted: u32,
        outcomes: u32,
        failures: u32,
    },
}

/// One breaker's state.
pub struct Breaker {
    pub config: BreakerConfig,
    pub state: State,
    /// (calls, failures) per second, a ring of `window_s` buckets.
    buckets: Vec<(u32, u32)>,
    /// The second the newest bucket is for.
    second: u64,
    calls: u64,
    failures: u64,
    consecutive: u32,
    /// Times it opened (from closed or half-open).
    pub opened: u64,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Breaker {
        let n = match config.threshold {
            BreakerThreshold::FailureRate { window_s, .. } => window_s as usize,
            BreakerThreshold::ConsecutiveFailures(_) => 0,
        };
        Breaker {
            config,
            state: State::Closed,
            buckets: vec![(0, 0); n],
            second: 0,
            calls: 0,
            failures: 0,
            consecutive: 0,
            opened: 0,
        }
    }

    pub fn fallback(&self) -> Fallback {
        self.config.fallback
    }

    /// Whether a call starting `now` may go through.
    pub fn permit(&mut self, now: SimTime) -> bool {
        if let State::Open(until) = self.state {
            if now < until {
                return false;
            }
            self.state = State::HalfOpen {
                permitted: 0,
                outcomes: 0,
                failures: 0,
            };
        }
        match &mut self.state {
            State::Closed => true,
            State::HalfOpen { permitted, .. } => {
                if *permitted < self.config.half_open_calls {
                    *permitted += 1;
                    true
                } else {
                    false
                }
            }
            State::Open(_) => false,
        }
    }

    /// A call it let through ended `now`, `failed` or not.
    pub fn record(&mut self, now: SimTime, failed: bool) {
        match self.state {
            State::Open(_) => {}
            State::HalfOpen {
                permitted,
                outcomes,
                failures,
            } => {
                let (outcomes, failures) = (outcomes + 1, failures + u32::from(failed));
                if outcomes < self.config.half_open_calls {
                    self.state = State::HalfOpen {
                        permitted,
                        outcomes,
                        failures,
                    };
                    return;
                }
                let reopen = match self.config.threshold {
                    BreakerThreshold::FailureRate { failure_rate, .. } => {
                        f64::from(failures) >= failure_rate * f64::from(outcomes)
                    }
                    BreakerThreshold::ConsecutiveFailures(_) => failures > 0,
                };
                if reopen {
                    self.open(now);
                } else {
                    self.state = State::Closed;
                    self.clear();
                }
            }
            State::Closed => match self.config.threshold {
                BreakerThreshold::ConsecutiveFailures(n) => {
                    self.consecutive = if failed { self.consecutive + 1 } else { 0 };
                    if self.consecutive >= n {
                        self.open(now);
                    }
                }
                BreakerThreshold::FailureRate {
                    failure_rate,
                    minimum_calls,
                    ..
                } => {
                    self.roll(now);
                    let len = self.buckets.len() as u64;
                    let b = &mut self.buckets[(self.second % len) as usize];
                    b.0 += 1;
                    b.1 += u32::from(failed);
                    self.calls += 1;
                    self.failures += u64::from(failed);
                    if self.calls >= u64::from(minimum_calls)
                        && self.failures as f64 >= failure_rate * self.calls as f64
                    {
                        self.open(now);
                    }
                }
            },
        }
    }

    fn open(&mut self, now: SimTime) {
        self.state = State::Open(now + self.config.open_for);
        self.opened += 1;
        self.clear();
    }

    fn clear(&mut self) {
        self.buckets.fill((0, 0));
        self.calls = 0;
        self.failures = 0;
        self.consecutive = 0;
    }

    /// Moves the window to `now`'s second, emptying the buckets it passes.
    fn roll(&mut self, now: SimTime) {
        let second = now.as_nanos() / NANOS_PER_S;
        let len = self.buckets.len() as u64;
        let steps = second.saturating_sub(self.second).min(len);
        for s in 1..=steps {
            let b = &mut self.buckets[((self.second + s) % len) as usize];
            self.calls -= u64::from(b.0);
            self.failures -= u64::from(b.1);
            *b = (0, 0);
        }
        self.second = self.second.max(second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    fn rate_breaker() -> Breaker {
        Breaker::new(BreakerConfig {
            threshold: BreakerThreshold::FailureRate {
                failure_rate: 0.5,
                window_s: 10,
                minimum_calls: 4,
            },
            open_for: SimDuration::from_secs(30),
            half_open_calls: 2,
            fallback: Fallback::FailFast,
        })
    }

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn opens_at_the_failure_rate_once_minimum_calls_are_in_the_window() {
        let mut b = rate_breaker();
        // 1 failure in 3 calls: below minimum_calls (4).
        b.record(at(0), false);
        b.record(at(0), false);
        b.record(at(1), true);
        assert_eq!(b.state, State::Closed);
        // 4th call, a failure: 2 of 4 = 50 % ≥ 50 %: open until 5 + 30 s.
        b.record(at(5), true);
        assert_eq!(b.state, State::Open(at(35)));
        assert!(!b.permit(at(34)));
        // Half-open at 35 s: 2 probes, then refusals.
        assert!(b.permit(at(35)));
        assert!(b.permit(at(35)));
        assert!(!b.permit(at(35)));
        b.record(at(36), false);
        b.record(at(36), false);
        assert_eq!(b.state, State::Closed);
        assert_eq!(b.opened, 1);
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let mut b = rate_breaker();
        // Three failures at 0 s leave the 10 s window by 10 s: at 12 s the
        // window holds one success and one failure (2 < 4 calls).
        for _ in 0..3 {
            b.record(at(0), true);
        }
        b.record(at(12), false);
        b.record(at(12), true);
        assert_eq!(b.state, State::Closed);
        assert_eq!((b.calls, b.failures), (2, 1));
    }

    #[test]
    fn a_failed_probe_share_reopens_it() {
        let mut b = rate_breaker();
        for _ in 0..4 {
            b.record(at(0), true);
        }
        assert!(b.permit(at(30)));
        assert!(b.permit(at(30)));
        b.record(at(31), true);
        b.record(at(31), false);
        // 1 of 2 probes failed: 50 % ≥ 50 %: open again until 61 s.
        assert_eq!(b.state, State::Open(at(61)));
        assert_eq!(b.opened, 2);
    }
}
