//! The dispatcher's side of keyed caches (`model/keyed_cache.rs`): which
//! key a read draws, who fills a miss, who waits for the fill (coalescing,
//! leases), and handing a fill over when its filler fails.

use std::collections::BTreeMap;

use super::World;
use crate::config::Op;
use crate::model::event::{AttemptId, CacheId, Event};
use crate::model::keyed_cache::{Flight, Ident, KeyedLookup};
use crate::model::path::Flow;
use crate::time::SimDuration;

/// A miss this attempt is filling.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fill {
    cache: CacheId,
    key: u32,
    node: usize,
    /// The fill is done once the attempt's step passes this one.
    done_after: u8,
    ident: Ident,
}

#[derive(Default)]
pub(crate) struct Keyed {
    /// The key each attempt drew at its current cache step.
    drawn: BTreeMap<AttemptId, u32>,
    fills: BTreeMap<AttemptId, Fill>,
    /// Attempts waiting for a fill in flight: (cache, key).
    parked: BTreeMap<AttemptId, (CacheId, u32)>,
}

impl World {
    fn ident(&self, a: AttemptId) -> Ident {
        let att = self.attempts.get(a);
        Ident {
            request: att.request,
            generation: att.generation,
            number: att.number,
        }
    }

    /// Draws the key of a read of keyed cache `c`: the node holding it.
    pub(super) fn keyed_draw(&mut self, a: AttemptId, c: CacheId) -> usize {
        let (key, node) = self.caches[c].keys.as_mut().map_or((0, 0), |k| k.draw());
        if let Some(k) = self.keyed.as_deref_mut() {
            k.drawn.insert(a, key);
        }
        node
    }

    /// A read reached up node `node` of keyed cache `c`.
    pub(super) fn keyed_arrive(&mut self, a: AttemptId, c: CacheId, node: usize) -> Flow {
        let now = self.now();
        let key = self
            .keyed
            .as_deref_mut()
            .and_then(|k| k.drawn.remove(&a))
            .unwrap_or(0);
        let ident = self.ident(a);
        let Some(cache) = self.caches[c].keys.as_deref_mut() else {
            return Flow::Continue;
        };
        let outcome = cache.lookup(key, node, now);
        self.attempts.get_mut(a).cache_missed = outcome != KeyedLookup::Hit;
        match outcome {
            KeyedLookup::Hit => {}
            KeyedLookup::Wait => {
                if let Some(f) = cache.flights.get_mut(&key) {
                    f.waiters.push((a, ident));
                }
                if let Some(k) = self.keyed.as_deref_mut() {
                    k.parked.insert(a, (c, key));
                }
                return Flow::Wait;
            }
            KeyedLookup::Fill => {
                let wait = cache.issue_token(key, now);
                if cache.coalescing() {
                    cache.flights.insert(
                        key,
                        Flight {
                            issued: now + wait,
                            waiters: Vec::new(),
                        },
                    );
                }
                self.register_fill(a, c, key, node, ident);
                let took = self.caches[c].call_time();
                self.engine
                    .schedule_after(took + wait, Event::CallDone { attempt: a });
                return Flow::Wait;
            }
        }
        let took = self.caches[c].call_time();
        self.engine
            .schedule_after(took, Event::CallDone { attempt: a });
        Flow::Wait
    }

    fn register_fill(&mut self, a: AttemptId, cache: CacheId, key: u32, node: usize, ident: Ident) {
        let att = self.attempts.get(a);
        let steps = &self.classes[att.class].steps;
        let at = att.step as usize;
        let done_after = steps
            .iter()
            .enumerate()
            .skip(at + 1)
            .find(|(_, s)| s.op == Op::ReadOnMiss)
            .map_or(at, |(i, _)| i) as u8;
        let fill = Fill {
            cache,
            key,
            node,
            done_after,
            ident,
        };
        if let Some(k) = self.keyed.as_deref_mut() {
            k.fills.insert(a, fill);
        }
    }

    /// A step starts: if this attempt was filling a key and has passed its
    /// database read, the key is set and its waiters read it.
    pub(super) fn keyed_step(&mut self, a: AttemptId) {
        let ident = self.ident(a);
        let step = self.attempts.get(a).step;
        let Some(k) = self.keyed.as_deref_mut() else {
            return;
        };
        let Some(fill) = k.fills.get(&a).copied() else {
            return;
        };
        if step <= fill.done_after || ident != fill.ident {
            return;
        }
        k.fills.remove(&a);
        let now = self.now();
        let up = self.caches[fill.cache].nodes[fill.node].node.is_up();
        let Some(cache) = self.caches[fill.cache].keys.as_deref_mut() else {
            return;
        };
        if up {
            cache.fill(fill.key, fill.node, now);
        }
        let Some(flight) = cache.flights.remove(&fill.key) else {
            return;
        };
        for (w, _) in flight.waiters {
            if let Some(k) = self.keyed.as_deref_mut() {
                k.parked.remove(&w);
            }
            self.attempts.get_mut(w).cache_missed = false;
            {
                self.engine
                    .schedule_after(SimDuration::ZERO, Event::CallDone { attempt: w });
            }
        }
    }

    /// Attempt `a` ends (failed, completed or dropped): a fill it had not
    /// finished passes to the first live waiter, at once, or with a lease
    /// `lease` after the previous token.
    pub(super) fn keyed_attempt_ends(&mut self, a: AttemptId) {
        let Some(k) = self.keyed.as_deref_mut() else {
            return;
        };
        if let Some((c, key)) = k.parked.remove(&a) {
            // A waiter gave up (its own timeout): it leaves the queue.
            if let Some(f) = self.caches[c]
                .keys
                .as_deref_mut()
                .and_then(|k| k.flights.get_mut(&key))
            {
                f.waiters.retain(|&(w, _)| w != a);
            }
            return;
        }
        let Some(fill) = k.fills.remove(&a) else {
            return;
        };
        let now = self.now();
        let Some(cache) = self.caches[fill.cache].keys.as_deref_mut() else {
            return;
        };
        let Some(mut flight) = cache.flights.remove(&fill.key) else {
            return;
        };
        if !flight.waiters.is_empty() {
            let (w, ident) = flight.waiters.remove(0);
            if let Some(k) = self.keyed.as_deref_mut() {
                k.parked.remove(&w);
            }
            let Some(cache) = self.caches[fill.cache].keys.as_deref_mut() else {
                return;
            };
            let delay = cache.issue_token(fill.key, now);
            flight.issued = now + delay;
            cache.flights.insert(fill.key, flight);
            // The waiter missed: it goes on to the database itself.
            self.register_fill(w, fill.cache, fill.key, fill.node, ident);
            self.engine
                .schedule_after(delay, Event::CallDone { attempt: w });
        }
    }
}
