//! Per-hop call policies: a call step's own per-try timeout and retries
//! (`{ to: db.read, timeout: 1s, retries: { max_attempts: 3 } }`), resolved
//! per (request class, step) when the world is built, and the one rule
//! that decides whether a failed try is retried and after what wait.
//!
//! Assumptions:
//! - A path is a chain of calls: the client calls the first step; each tier
//!   instance then makes the calls that follow it, one after another, and
//!   holds its slot until the last of them answers (`world/path.rs`). A
//!   load balancer step and its tier are one call, so the policy sits on
//!   the load balancer step.
//! - Retries: every failure is retryable (5xx, throttling, refused
//!   connections, timeouts) until `max_attempts` tries were made: the AWS
//!   SDK standard retry mode ("Retry behavior", AWS SDKs and Tools
//!   Reference Guide). A hop's `retries:` block defaults to 3 attempts,
//!   exponential backoff from 100 ms capped at 20 s, full jitter, as that
//!   mode does; the jitter formulas are `model/client.rs`'s (Brooker,
//!   "Exponential Backoff And Jitter", AWS Architecture Blog 2015).
//! - The caller backs off holding its own slot (a thread waiting in a
//!   synchronous client), then tries the same step again; each try of a
//!   call makes fresh tries of the calls inside it, so attempts multiply
//!   across layers (3 layers × 3 attempts = 27 tries at the innermost).
//! - `timeout` is per try, as Envoy's `per_try_timeout` (route
//!   `RetryPolicy`, Envoy API reference): a try that outlives it counts
//!   as failed (cause `timeout`) and may be retried; the abandoned sub-call
//!   keeps running downstream as a zombie (the callee cannot know), as
//!   after a client timeout. No policy means today's behaviour: a step's
//!   failure fails the caller's try at once and nothing times out.
//! - When a call's tries are spent, the caller's own try fails and its
//!   caller's policy decides, up to the client, whose retries are this
//!   rule's hop 0 (`Client::retry_after`).
//! - A step's `breaker:` (`model/breaker.rs`) gates the call before it is
//!   made; a call it refuses is not retried at its own hop.

use rand::RngExt;

use super::breaker::Breaker;
use crate::config::{ClassIndex, Op, RequestClassConfig, RetryConfig};
use crate::rng::{stream, SimRng};
use crate::time::{SimDuration, SimTime};

/// Whether a call whose try number `tries` (1-based, counting the first)
/// just failed may try again, and after what wait: `None` when its tries
/// are spent. `previous` is the wait before the last retry (decorrelated
/// jitter grows from it). The client's retries (hop 0) go through here too.
pub fn retry_after(
    retries: &RetryConfig,
    tries: u32,
    previous: SimDuration,
    rng: &mut SimRng,
) -> Option<SimDuration> {
    if tries >= retries.max_attempts {
        return None;
    }
    let u: f64 = rng.random();
    Some(SimDuration::from_secs_f64(super::client::jittered_wait_s(
        retries, tries, previous, u,
    )))
}

/// One call step's policy, bound.
pub struct HopPolicy {
    pub timeout: Option<SimDuration>,
    pub retries: RetryConfig,
    /// Backoff draws for this (class, step): `hop/<class>/<step>`.
    pub rng: SimRng,
    /// This call's circuit breaker, if it has one.
    pub breaker: Option<Breaker>,
}

/// What the path engine needs about one (class, step), precomputed.
#[derive(Clone, Copy, Default)]
pub struct StepShape {
    /// The step where the call containing this one begins (the load
    /// balancer step for a tier behind one, else the step itself).
    pub call_start: u8,
    /// Tier slots an attempt holds when it starts this step (tiers before).
    pub held_before: u8,
    /// Load balancers that routed an attempt before this step.
    pub routed_before: u8,
    /// A leaf call (database, cache, object store, external) ends with its
    /// step; a call to a tier lasts until the end of the path.
    pub leaf: bool,
    /// This step's policy: index into [`HopTable::policies`].
    pub policy: Option<u16>,
}

/// The policies of every (class, step), and each class's shape.
pub struct HopTable {
    /// Steps per class in the flat tables (the longest path).
    pub stride: usize,
    pub shapes: Vec<StepShape>,
    pub lens: Vec<u8>,
    /// Per class, the step of each tier in path order (held slot i ↔
    /// `serve_steps[class * stride + i]`).
    pub serve_steps: Vec<u8>,
    pub policies: Vec<HopPolicy>,
}

impl HopTable {
    /// The table for `classes`, or `None` when no step has a policy (then
    /// the path engine skips all of this behind one flag).
    pub fn new(classes: &[RequestClassConfig], seed: u64) -> Option<HopTable> {
        if classes.iter().all(|c| c.hops.is_empty()) {
            return None;
        }
        let stride = classes.iter().map(|c| c.steps.len()).max().unwrap_or(0) + 1;
        let mut table = HopTable {
            stride,
            shapes: vec![StepShape::default(); classes.len() * stride],
            lens: classes.iter().map(|c| c.steps.len() as u8).collect(),
            serve_steps: vec![0; classes.len() * stride],
            policies: Vec::new(),
        };
        for (class, c) in classes.iter().enumerate() {
            let (mut held, mut routed) = (0u8, 0u8);
            for (k, step) in c.steps.iter().enumerate() {
                let after_lb = k > 0 && c.steps[k - 1].op == Op::Route;
                // The first step is the client's call and a tier behind a
                // load balancer shares its call: spec/path.rs rejects
                // policies there, and a config built in code gets none.
                let own_call = k > 0 && !after_lb;
                let policy = c.hops.iter().find(|h| h.step == k && own_call).map(|h| {
                    table.policies.push(HopPolicy {
                        timeout: h.timeout,
                        retries: h.retries.clone(),
                        rng: stream(seed, &format!("hop/{}/{k}", c.name)),
                        breaker: h.breaker.clone().map(Breaker::new),
                    });
                    (table.policies.len() - 1) as u16
                });
                table.shapes[class * stride + k] = StepShape {
                    call_start: if after_lb { (k - 1) as u8 } else { k as u8 },
                    held_before: held,
                    routed_before: routed,
                    leaf: !matches!(step.op, Op::Serve | Op::Route),
                    policy,
                };
                match step.op {
                    Op::Serve => {
                        table.serve_steps[class * stride + held as usize] = k as u8;
                        held += 1;
                    }
                    Op::Route => routed += 1,
                    _ => {}
                }
            }
            // The end of the path: everything before it is held or routed.
            table.shapes[class * stride + c.steps.len()] = StepShape {
                call_start: c.steps.len() as u8,
                held_before: held,
                routed_before: routed,
                leaf: true,
                policy: None,
            };
        }
        Some(table)
    }

    pub fn shape(&self, class: ClassIndex, step: usize) -> StepShape {
        self.shapes[class * self.stride + step]
    }

    /// The step of the tier whose slot is held slot `i` of an attempt.
    pub fn serve_step(&self, class: ClassIndex, i: usize) -> usize {
        self.serve_steps[class * self.stride + i] as usize
    }
}

/// One attempt's progress through a call step's tries.
#[derive(Clone, Copy, Default)]
pub struct StepTries {
    /// Retries made of this call so far (tries − 1).
    pub retries: u32,
    /// The wait before the last retry (decorrelated jitter).
    pub last_wait: SimDuration,
    /// The serial of this call's running per-try timer (0: none).
    pub armed: u32,
    /// When that timer fires.
    pub deadline: SimTime,
    /// This call's current try was let through by its breaker and its
    /// outcome is not counted yet.
    pub breaker_pending: bool,
    /// This call's current try was refused by its open breaker.
    pub refused: bool,
}

/// Per-attempt state, in flat tables indexed by attempt slot (grown with
/// the attempt table; a slot's state is reset when an attempt starts in it).
#[derive(Default)]
pub struct HopStates {
    stride: usize,
    steps: Vec<StepTries>,
    /// The step whose call this attempt was abandoned in (a zombie after a
    /// per-hop timeout), 0 for a client's attempt: its failures stop there.
    pub root: Vec<u8>,
    /// The serial of the attempt's pending retry (0: none).
    pub retry_serial: Vec<u32>,
    /// The attempt got a breaker's degraded answer (`model/breaker.rs`).
    pub degraded: Vec<bool>,
    next_serial: u32,
}

impl HopStates {
    pub fn new(stride: usize) -> HopStates {
        HopStates {
            stride,
            next_serial: 1,
            ..HopStates::default()
        }
    }

    /// Makes room for slot `a`.
    pub fn ensure(&mut self, a: u32) {
        let n = a as usize + 1;
        if self.root.len() < n {
            let n = n.max(self.root.len() * 2).max(64);
            self.root.resize(n, 0);
            self.retry_serial.resize(n, 0);
            self.degraded.resize(n, false);
            self.steps.resize(n * self.stride, StepTries::default());
        }
    }

    /// A fresh client attempt starts in slot `a`.
    pub fn reset(&mut self, a: u32) {
        self.root[a as usize] = 0;
        self.retry_serial[a as usize] = 0;
        self.degraded[a as usize] = false;
        self.all_mut(a).fill(StepTries::default());
    }

    pub fn step(&self, a: u32, step: usize) -> &StepTries {
        &self.steps[a as usize * self.stride + step]
    }

    pub fn step_mut(&mut self, a: u32, step: usize) -> &mut StepTries {
        &mut self.steps[a as usize * self.stride + step]
    }

    pub fn all_mut(&mut self, a: u32) -> &mut [StepTries] {
        let at = a as usize * self.stride;
        &mut self.steps[at..at + self.stride]
    }

    /// Copies slot `from`'s state into slot `to` (a forked attempt).
    pub fn copy(&mut self, from: u32, to: u32) {
        let (f, t) = (from as usize * self.stride, to as usize * self.stride);
        self.steps.copy_within(f..f + self.stride, t);
        self.root[to as usize] = self.root[from as usize];
        self.degraded[to as usize] = self.degraded[from as usize];
        self.retry_serial[to as usize] = 0;
    }

    /// A fresh serial for a timer or a retry (never 0).
    pub fn serial(&mut self) -> u32 {
        let s = self.next_serial;
        self.next_serial = self.next_serial.wrapping_add(1).max(1);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Backoff, Jitter};

    #[test]
    fn a_call_retries_until_its_attempts_are_spent() {
        let r = RetryConfig {
            max_attempts: 3,
            backoff: Backoff::Exponential,
            base: SimDuration::from_millis(100),
            cap: SimDuration::from_secs(20),
            jitter: Jitter::None,
        };
        let mut rng = stream(1, "hop-test");
        // Tries 1 and 2 failed: retry after 100 ms, then 200 ms; try 3 is
        // the last of 3 attempts.
        let waits: Vec<Option<u64>> = (1..=3)
            .map(|t| retry_after(&r, t, SimDuration::ZERO, &mut rng).map(|w| w.as_nanos()))
            .collect();
        assert_eq!(waits, vec![Some(100_000_000), Some(200_000_000), None]);
    }
}
