//! Retry budgets: caps on how many retries callers may send, so that a
//! failing or overloaded dependency sees at most a bounded multiple of its
//! normal load instead of `max_attempts` times it.
//!
//! Assumptions:
//! - **Token bucket** (`kind: token_bucket`), the AWS SDKs' retry quota in
//!   the "standard" retry mode ("Retry behavior", AWS SDKs and Tools
//!   Reference Guide; Smithy `StandardRetryStrategy`): every client starts
//!   with `tokens` (500); a retry costs `retry_cost` (5) tokens, or
//!   `timeout_cost` (10) after a timeout; a request that succeeds on its
//!   first attempt returns `success_refund` (1) and one that succeeds on a
//!   retry returns `retry_cost`, never above the initial quota. A retry the
//!   bucket cannot pay for is not made: the request fails with its last
//!   error. Each of the workload's `clients` has its own bucket, as each
//!   SDK client does. Simplification: a success after a timeout retry
//!   returns `retry_cost`, not `timeout_cost`.
//! - **Ratio** (`kind: ratio`), Finagle's `RetryBudget` (Finagle user
//!   guide, "Retries"; defaults `percentCanRetry` 20 %, `minRetriesPerSec`
//!   10, `ttl` 10 s), the same idea as gRPC's retry throttling: over the
//!   last `window`, retries may be at most `ratio` × requests plus
//!   `min_per_second` × window. It is kept for the client population as a
//!   whole, in one-second slots; with load spread evenly over clients the
//!   ratio is the same as per-client budgets.
//! - The budget gates retries only; a request's first attempt always goes.

use crate::config::{RetryBudgetConfig, RetryBudgetKind};
use crate::time::{SimTime, NANOS_PER_SECOND};

/// A retry budget's running state.
#[derive(Clone, Debug)]
pub struct RetryBudget {
    config: RetryBudgetConfig,
    /// Token bucket: each client's tokens (allocated at the first retry).
    tokens: Vec<u32>,
    /// Ratio: one slot per second of the window, `(second, requests,
    /// retries)`, indexed by `second % len`.
    slots: Vec<(u64, u64, u64)>,
    /// Retries refused, for the report.
    pub refused: u64,
}

impl RetryBudget {
    pub fn new(config: RetryBudgetConfig, clients: u32) -> RetryBudget {
        let window_s = match config.kind {
            RetryBudgetKind::Ratio { window, .. } => {
                (window.as_nanos() / NANOS_PER_SECOND).max(1) as usize
            }
            RetryBudgetKind::TokenBucket { .. } => 0,
        };
        RetryBudget {
            config,
            tokens: Vec::with_capacity(if window_s == 0 {
                clients.max(1) as usize
            } else {
                0
            }),
            slots: vec![(u64::MAX, 0, 0); window_s],
            refused: 0,
        }
    }

    /// A request arrived (the ratio budget deposits for it).
    pub fn on_request(&mut self, now: SimTime) {
        if !self.slots.is_empty() {
            self.slot(now).1 += 1;
        }
    }

    /// Whether `client` may retry after a failure (`timed_out`: the failure
    /// was a timeout); if so, the retry is paid for.
    pub fn try_retry(&mut self, now: SimTime, client: u32, timed_out: bool) -> bool {
        let allowed = match self.config.kind {
            RetryBudgetKind::TokenBucket {
                tokens,
                retry_cost,
                timeout_cost,
                ..
            } => {
                let cost = if timed_out { timeout_cost } else { retry_cost };
                let balance = self.bucket(client, tokens);
                if *balance >= cost {
                    *balance -= cost;
                    true
                } else {
                    false
                }
            }
            RetryBudgetKind::Ratio {
                ratio,
                min_per_second,
                window,
            } => {
                let s = now.whole_seconds();
                let len = self.slots.len() as u64;
                let (requests, retries) = self
                    .slots
                    .iter()
                    .filter(|slot| slot.0 != u64::MAX && slot.0 + len > s)
                    .fold((0u64, 0u64), |(q, r), slot| (q + slot.1, r + slot.2));
                let allowance = ratio * requests as f64 + min_per_second * window.as_secs_f64();
                if (retries as f64) + 1.0 <= allowance {
                    self.slot(now).2 += 1;
                    true
                } else {
                    false
                }
            }
        };
        if !allowed {
            self.refused += 1;
        }
        allowed
    }

    /// A request of `client` succeeded, on a retry or not.
    pub fn on_success(&mut self, client: u32, after_retry: bool) {
        if let RetryBudgetKind::TokenBucket {
            tokens,
            retry_cost,
            success_refund,
            ..
        } = self.config.kind
        {
            // A client that never retried is still full: nothing to do.
            if (client as usize) < self.tokens.len() {
                let refund = if after_retry {
                    retry_cost
                } else {
                    success_refund
                };
                let balance = &mut self.tokens[client as usize];
                *balance = (*balance + refund).min(tokens);
            }
        }
    }

    fn bucket(&mut self, client: u32, initial: u32) -> &mut u32 {
        let i = client as usize;
        if i >= self.tokens.len() {
            self.tokens.resize(i + 1, initial);
        }
        &mut self.tokens[i]
    }

    fn slot(&mut self, now: SimTime) -> &mut (u64, u64, u64) {
        let s = now.whole_seconds();
        let len = self.slots.len() as u64;
        let slot = &mut self.slots[(s % len) as usize];
        if slot.0 != s {
            *slot = (s, 0, 0);
        }
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    const S: u64 = NANOS_PER_SECOND;

    fn bucket() -> RetryBudget {
        RetryBudget::new(RetryBudgetConfig::aws_sdk(), 2)
    }

    #[test]
    fn the_sdk_quota_allows_100_retries_then_refills_on_success() {
        let mut b = bucket();
        // 500 tokens / 5 per retry = 100 retries, then none.
        let made = (0..150)
            .filter(|_| b.try_retry(SimTime(0), 0, false))
            .count();
        assert_eq!(made, 100);
        assert_eq!(b.refused, 50);
        // Timeouts cost 10: client 1 gets 50 of them.
        let made = (0..80).filter(|_| b.try_retry(SimTime(0), 1, true)).count();
        assert_eq!(made, 50);
        // Five first-attempt successes (1 each) pay for one retry.
        for _ in 0..5 {
            b.on_success(0, false);
        }
        assert!(b.try_retry(SimTime(0), 0, false));
        assert!(!b.try_retry(SimTime(0), 0, false));
        // A success after a retry refunds the retry; never above 500.
        for _ in 0..1_000 {
            b.on_success(0, true);
        }
        let made = (0..150)
            .filter(|_| b.try_retry(SimTime(0), 0, false))
            .count();
        assert_eq!(made, 100);
    }

    #[test]
    fn the_ratio_budget_caps_retries_at_its_share_of_requests() {
        let mut b = RetryBudget::new(
            RetryBudgetConfig {
                kind: RetryBudgetKind::Ratio {
                    ratio: 0.2,
                    min_per_second: 0.0,
                    window: SimDuration::from_secs(10),
                },
            },
            1,
        );
        // 100 requests a second for 30 s, each failing and asking to retry:
        // 20 retries a second are allowed (20 % of the window's requests,
        // less the window's retries), so 600 of the 3,000 in all.
        let mut made = 0;
        for s in 0..30 {
            for k in 0..100 {
                let now = SimTime(s * S + k);
                b.on_request(now);
                made += u64::from(b.try_retry(now, 0, false));
            }
        }
        // The first second can borrow only what it has deposited so far
        // (k/5 after k requests): still 20 in it. Every later second: 20.
        assert_eq!(made, 600);
        assert_eq!(b.refused, 2_400);
    }
}
