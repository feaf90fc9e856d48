//! The per-hop call policies on the request path (`model/hop_policy.rs`):
//! where a step starts (its per-try timer, the amplification counts), where
//! a step fails (retry the call, or fail the caller's own try), a per-try
//! timeout (fork the attempt: the abandoned sub-call runs on as a zombie)
//! and a retry's end. `world/path.rs` calls in here behind one flag,
//! `World::hops`, which is `None` for a model without policies.
//!
//! How an attempt's slots map to calls: held slot `i` is the `i`-th tier of
//! the class's path; a call starting at step `k` owns the slots and load
//! balancer routings from `held_before(k)` / `routed_before(k)` on. A zombie
//! (an attempt abandoned at step `root`) keeps only the slots of the call
//! it was abandoned in, moved to the front of its arrays.

use super::World;
use crate::config::Op;
use crate::metrics::amplification::AmplificationCounter;
use crate::model::event::{AttemptId, ErrorCause, Event};
use crate::model::hop_policy::{retry_after, HopStates, HopTable};
use crate::model::path::Flow;
use crate::model::request::{MAX_HELD, MAX_ROUTED};

/// The bound policies, each attempt's tries, and the amplification counts.
pub struct Hops {
    pub table: HopTable,
    pub states: HopStates,
    pub amplification: AmplificationCounter,
    /// Some step has a breaker (`world/breaker.rs`).
    pub has_breakers: bool,
}

impl World {
    /// A step starts (`dispatch`): a fresh attempt's state, a zombie whose
    /// call ended, the counts and the step's per-try timer. `Some` when the
    /// attempt stops here.
    #[inline(never)]
    pub(super) fn hop_step_starts(&mut self, a: AttemptId) -> Option<Flow> {
        let now = self.now();
        let hops = self.hops.as_deref_mut()?;
        hops.states.ensure(a);
        let att = self.attempts.get(a);
        let (class, step) = (att.class, att.step as usize);
        if step == 0 {
            hops.states.reset(a);
            if att.number == 1 {
                hops.amplification.request(now);
            }
        }
        let root = hops.states.root[a as usize] as usize;
        if root > 0 && hops.table.shape(class, root).leaf && step > root {
            // A zombie of a leaf call: the call answered, nobody listens.
            hops.states.all_mut(a).fill(Default::default());
            if self.keyed.is_some() {
                self.keyed_attempt_ends(a);
            }
            self.attempts.remove(a);
            return Some(Flow::Wait);
        }
        if hops.has_breakers {
            hops.breaker_successes(a, class, step, now);
        }
        if step >= hops.table.lens[class] as usize {
            return None;
        }
        let s = self.classes[class].steps[step];
        if s.op == Op::ReadOnMiss && !att.cache_missed {
            return None; // the cache answered: no call, no timer
        }
        let shape = hops.table.shape(class, step);
        if hops.has_breakers {
            if let Some(flow) = self.breaker_gate(a, step, shape) {
                return Some(flow);
            }
        }
        let hops = self.hops.as_deref_mut()?;
        hops.amplification.received(now, s.component);
        if let Some(timeout) = shape
            .policy
            .and_then(|p| hops.table.policies[p as usize].timeout)
        {
            let serial = hops.states.serial();
            let tries = hops.states.step_mut(a, step);
            tries.armed = serial;
            tries.deadline = now + timeout;
            self.engine.schedule_after(
                timeout,
                Event::HopTimeout {
                    attempt: a,
                    step: step as u8,
                    serial,
                },
            );
        }
        None
    }

    /// Step `att.step` of attempt `a` failed: the innermost call whose
    /// policy allows another try backs off and tries again (true). False
    /// when the failure reaches the client (its retry decides, as without
    /// policies); a zombie's failure ends at the call it was abandoned in.
    #[inline(never)]
    pub(super) fn hop_failed(&mut self, a: AttemptId) -> bool {
        let now = self.now();
        let Some(hops) = self.hops.as_deref_mut() else {
            return false;
        };
        hops.states.ensure(a);
        let att = self.attempts.get(a);
        let class = att.class;
        let root = hops.states.root[a as usize] as usize;
        let root_shape = hops.table.shape(class, root);
        let (held_off, routed_off) = if root == 0 {
            (0, 0)
        } else {
            (
                root_shape.held_before as usize,
                root_shape.routed_before as usize,
            )
        };
        let mut k = (att.step as usize).min(hops.table.lens[class] as usize);
        if k == hops.table.lens[class] as usize {
            // Failed at the end of the path (`complete_attempt`): an
            // instance upstream died; its own call is the one that failed.
            let dead = att
                .held()
                .iter()
                .rposition(|&(s, inc)| self.servers[s].node.incarnation != inc);
            k = match dead {
                Some(i) => hops.table.serve_step(class, i + held_off),
                None => 0,
            };
        }
        loop {
            let start = hops.table.shape(class, k).call_start as usize;
            if start <= root {
                break;
            }
            let shape = hops.table.shape(class, start);
            let depth = shape.held_before as usize - held_off;
            let att = self.attempts.get(a);
            let caller = depth.checked_sub(1).map(|i| att.held[i]);
            let caller_alive =
                caller.is_none_or(|(s, inc)| self.servers[s].node.incarnation == inc);
            let refused = hops.has_breakers && hops.breaker_failed(a, shape.policy, start, now);
            if caller_alive && !refused {
                if let Some(p) = shape.policy {
                    let tries = *hops.states.step(a, start);
                    let policy = &mut hops.table.policies[p as usize];
                    if let Some(wait) = retry_after(
                        &policy.retries,
                        tries.retries + 1,
                        tries.last_wait,
                        &mut policy.rng,
                    ) {
                        // Inner calls start afresh on the next try.
                        let all = hops.states.all_mut(a);
                        for t in &mut all[start + 1..] {
                            *t = Default::default();
                        }
                        all[start].retries += 1;
                        all[start].last_wait = wait;
                        all[start].armed = 0;
                        let serial = hops.states.serial();
                        hops.states.retry_serial[a as usize] = serial;
                        let routed = shape.routed_before as usize - routed_off;
                        self.release_from(a, depth, routed);
                        let zone = caller.map(|(s, _)| self.servers[s].zone);
                        let att = self.attempts.get_mut(a);
                        att.step = start as u8;
                        att.chosen = None;
                        att.via_lb = None;
                        att.zone = zone;
                        self.engine
                            .schedule_after(wait, Event::HopRetry { attempt: a, serial });
                        return true;
                    }
                }
            }
            // The call's tries are spent: its caller's own try fails.
            if depth == 0 {
                break; // the client made this call
            }
            k = hops.table.serve_step(class, depth - 1 + held_off);
        }
        hops.states.all_mut(a).fill(Default::default());
        if root == 0 {
            return false;
        }
        // A zombie's own call failed: its caller stopped listening long ago.
        self.release_from(a, 0, 0);
        if self.keyed.is_some() {
            self.keyed_attempt_ends(a);
        }
        self.attempts.remove(a);
        true
    }

    /// Frees the tier slots from held slot `held` on and the load balancer
    /// routings from `routed` on.
    fn release_from(&mut self, a: AttemptId, held: usize, routed: usize) {
        let att = self.attempts.get_mut(a);
        let (slots, n) = (att.held, att.held_len as usize);
        let (routes, r) = (att.routed, att.routed_len as usize);
        att.held_len = held.min(n) as u8;
        att.routed_len = routed.min(r) as u8;
        for &(lb, target) in routes.get(routed..r).unwrap_or(&[]) {
            self.lbs[lb].ended(target);
        }
        for &(server, incarnation) in slots.get(held..n).unwrap_or(&[]) {
            self.release_slot(server, incarnation);
        }
    }

    /// A retry's backoff ended: the call is tried again.
    pub(crate) fn on_hop_retry(&mut self, a: AttemptId, serial: u32) {
        let Some(hops) = self.hops.as_deref_mut() else {
            return;
        };
        if hops.states.retry_serial.get(a as usize) != Some(&serial) {
            return;
        }
        hops.states.retry_serial[a as usize] = 0;
        // Not a client offer: the retry-storm watch counts the client's.
        self.advance(a);
    }

    /// Call `step`'s per-try timer fired: if the try is still running, the
    /// caller abandons it. The attempt forks: the caller's slots and
    /// routings move to a new attempt at `step`, which fails the try
    /// (retry or give up); the old one runs on as a zombie with only the
    /// sub-call's own slots, and ends where that call ends.
    pub(crate) fn on_hop_timeout(&mut self, a: AttemptId, step: u8, serial: u32) {
        let Some(hops) = self.hops.as_deref_mut() else {
            return;
        };
        let j = step as usize;
        if hops.states.root.len() <= a as usize || hops.states.step(a, j).armed != serial {
            return;
        }
        hops.states.step_mut(a, j).armed = 0;
        let att = self.attempts.get(a);
        let class = att.class;
        let len = hops.table.lens[class] as usize;
        let shape = hops.table.shape(class, j);
        let at = att.step as usize;
        let running = if shape.leaf {
            at == j
        } else {
            at >= j && at < len
        };
        if !running {
            return;
        }
        let root = hops.states.root[a as usize] as usize;
        let root_shape = hops.table.shape(class, root);
        let (held_off, routed_off) = if root == 0 {
            (0, 0)
        } else {
            (
                root_shape.held_before as usize,
                root_shape.routed_before as usize,
            )
        };
        let d = shape.held_before as usize - held_off;
        let r = shape.routed_before as usize - routed_off;
        let mut caller = att.clone();
        caller.held_len = d.min(att.held_len as usize) as u8;
        caller.routed_len = r.min(att.routed_len as usize) as u8;
        caller.step = step;
        caller.chosen = None;
        caller.via_lb = None;
        // The caller is the instance holding slot `d - 1`, or the client.
        caller.zone = d.checked_sub(1).map(|i| self.servers[att.held[i].0].zone);
        let b = self.attempts.insert_with(caller, |_, _| {});
        if b >= crate::model::in_flight::MAX_IN_FLIGHT {
            return self.overflow_in_flight();
        }
        // The zombie keeps the sub-call's own slots, at the front.
        let zombie = self.attempts.get_mut(a);
        let n = zombie.held_len as usize;
        let rn = zombie.routed_len as usize;
        let d = d.min(n);
        let r = r.min(rn);
        zombie.held.copy_within(d..n, 0);
        zombie.held_len = (n - d) as u8;
        zombie.routed.copy_within(r..rn, 0);
        zombie.routed_len = (rn - r) as u8;
        zombie.number = 0; // never the attempt the client waits for
        debug_assert!(n <= MAX_HELD && rn <= MAX_ROUTED);
        let Some(hops) = self.hops.as_deref_mut() else {
            return;
        };
        hops.states.ensure(b);
        hops.states.copy(a, b);
        // The caller's timers for the calls around this one move with it.
        for k in 0..=j {
            let t = *hops.states.step(b, k);
            // The caller's calls (and their breakers' pending outcomes)
            // move to the fork; the zombie keeps only the sub-call's own.
            let z = hops.states.step_mut(a, k);
            z.armed = 0;
            z.breaker_pending = false;
            if t.armed != 0 && k < j {
                let serial = hops.states.serial();
                hops.states.step_mut(b, k).armed = serial;
                self.engine.schedule_at(
                    t.deadline,
                    Event::HopTimeout {
                        attempt: b,
                        step: k as u8,
                        serial,
                    },
                );
            } else {
                hops.states.step_mut(b, k).armed = 0;
            }
        }
        for t in &mut hops.states.all_mut(b)[j + 1..] {
            *t = Default::default();
        }
        hops.states.root[a as usize] = step;
        self.fail_attempt(b, ErrorCause::Timeout);
    }
}
