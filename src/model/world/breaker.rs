//! Circuit breakers on the request path (`model/breaker.rs`): the gate a
//! call passes before it is made, and the outcomes its breaker counts.
//! `world/hops.rs` calls in here only when some step has a breaker
//! (`Hops::has_breakers`).

use super::hops::Hops;
use super::World;
use crate::config::{ClassIndex, Fallback};
use crate::model::event::{AttemptId, ErrorCause};
use crate::model::hop_policy::StepShape;
use crate::model::path::Flow;
use crate::time::SimTime;

impl Hops {
    /// Attempt `a` starts `step`: the leaf call before it answered, or at
    /// the end of the path every call still open answered.
    pub(super) fn breaker_successes(
        &mut self,
        a: AttemptId,
        class: ClassIndex,
        step: usize,
        now: SimTime,
    ) {
        let len = self.table.lens[class] as usize;
        let answered = if step >= len {
            0..len
        } else if step > 0 && self.table.shape(class, step - 1).leaf {
            step - 1..step
        } else {
            return;
        };
        for k in answered {
            let t = self.states.step_mut(a, k);
            if !t.breaker_pending {
                continue;
            }
            t.breaker_pending = false;
            if let Some(p) = self.table.shape(class, k).policy {
                if let Some(b) = &mut self.table.policies[p as usize].breaker {
                    b.record(now, false);
                }
            }
        }
    }

    /// The try of the call starting at `start` failed: its breaker counts
    /// it. True when the breaker refused the try (no retry at this hop).
    pub(super) fn breaker_failed(
        &mut self,
        a: AttemptId,
        policy: Option<u16>,
        start: usize,
        now: SimTime,
    ) -> bool {
        let t = self.states.step_mut(a, start);
        if t.refused {
            t.refused = false;
            return true;
        }
        if !t.breaker_pending {
            return false;
        }
        t.breaker_pending = false;
        if let Some(p) = policy {
            if let Some(b) = &mut self.table.policies[p as usize].breaker {
                b.record(now, true);
            }
        }
        false
    }
}

impl World {
    /// The call at `step` is about to be made: its breaker lets it through
    /// (`None`) or refuses it, and the fallback answers instead.
    pub(super) fn breaker_gate(
        &mut self,
        a: AttemptId,
        step: usize,
        shape: StepShape,
    ) -> Option<Flow> {
        let now = self.now();
        let hops = self.hops.as_deref_mut()?;
        let breaker = hops.table.policies[shape.policy? as usize]
            .breaker
            .as_mut()?;
        if breaker.permit(now) {
            hops.states.step_mut(a, step).breaker_pending = true;
            return None;
        }
        match breaker.fallback() {
            Fallback::FailFast => {
                hops.states.step_mut(a, step).refused = true;
                self.fail_attempt(a, ErrorCause::CircuitOpen);
                Some(Flow::Wait)
            }
            Fallback::Degraded => {
                hops.states.degraded[a as usize] = true;
                let att = self.attempts.get_mut(a);
                let len = hops.table.lens[att.class];
                // A leaf call is skipped; a call to a tier is the rest of
                // the path. A stale cached answer is a hit.
                att.step = if shape.leaf { step as u8 + 1 } else { len };
                att.cache_missed = false;
                Some(Flow::Continue)
            }
        }
    }

    /// Whether attempt `a` completed with a breaker's degraded answer.
    pub(super) fn hop_degraded(&self, a: AttemptId) -> bool {
        self.hops
            .as_deref()
            .is_some_and(|h| h.states.degraded.get(a as usize) == Some(&true))
    }
}
