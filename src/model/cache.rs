//! A look-aside cache (ElastiCache-style) with nodes in zones.
//!
//! Assumptions:
//! - Keys are spread evenly over the nodes, so each lookup goes to a node
//!   drawn uniformly; a down node's lookups all miss (the client treats a
//!   refused or failed connection as a miss) and go on to the database: the
//!   "cache failure floods the database" effect of the seed articles.
//! - A warm node hits with probability `hit_ratio`. A node that comes back
//!   (replaced, or its zone restored: memory does not survive either) is
//!   cold and warms linearly back to `hit_ratio` over `warmup`.
//! - A `cache_flush` empties every node at once (a cluster restart): each
//!   warms from cold over the fault's `warmup`, and the database takes the
//!   whole miss storm.
//! - Lookups take `service_time` with no queueing: cache nodes are far from
//!   saturation in the designs firedrill models.

use rand::RngExt;

use super::event::CacheId;
use super::failure::NodeRef;
use super::node::{Cause, NodeState};
use super::world::{Cx, Effect};
use crate::config::ZoneIndex;
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

pub struct CacheNode {
    pub zone: ZoneIndex,
    pub node: NodeState,
    /// When the node last came back cold; `None` = warm since the start.
    pub cold_since: Option<SimTime>,
    /// Warm-up after a `cache_flush` that set its own (else the cache's).
    pub warmup: Option<SimDuration>,
}

pub struct Cache {
    pub name: String,
    pub nodes: Vec<CacheNode>,
    pub hit_ratio: f64,
    pub warmup: SimDuration,
    pub service_time: Dist,
    pub replace_time: Dist,
    /// Lookups' draws (node, hit, service time).
    pub rng: SimRng,
    /// Replacement draws (`cache/<name>/replace`): the infrastructure's
    /// own, so both fidelities draw the same replacement times.
    pub replace_rng: SimRng,
    /// An explicit key space (`model/keyed_cache.rs`); `None` = hit ratio.
    pub keys: Option<Box<super::keyed_cache::KeyedCache>>,
}

/// The outcome of one lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lookup {
    pub node: usize,
    pub hit: bool,
}

impl Cache {
    pub fn hit_ratio_of(&self, node: usize, now: SimTime) -> f64 {
        let n = &self.nodes[node];
        if !n.node.is_up() {
            return 0.0;
        }
        if let Some(k) = &self.keys {
            // Display only: the warm ratio scaled by how full the cache is.
            let full = k.held() as f64 / f64::from(k.space.capacity.max(1));
            return k.steady_hit_ratio() * full.min(1.0);
        }
        let warmup = n.warmup.unwrap_or(self.warmup);
        match n.cold_since {
            None => self.hit_ratio,
            Some(_) if warmup.is_zero() => self.hit_ratio,
            Some(since) => {
                let warmed = now.since(since).as_secs_f64() / warmup.as_secs_f64();
                self.hit_ratio * warmed.min(1.0)
            }
        }
    }

    pub fn lookup(&mut self, now: SimTime) -> Lookup {
        let node = if self.nodes.len() == 1 {
            0
        } else {
            self.rng.random_range(0..self.nodes.len())
        };
        let p = self.hit_ratio_of(node, now);
        let u: f64 = self.rng.random();
        Lookup { node, hit: u < p }
    }

    pub fn call_time(&mut self) -> SimDuration {
        self.service_time.sample(&mut self.rng)
    }
}

/// Handlers: losing and replacing nodes, flushes.
impl Cache {
    /// Every node loses its data now and warms from cold (`cache_flush`,
    /// with its own warm-up if it sets one).
    pub fn flush(&mut self, now: SimTime, warmup: Option<SimDuration>) {
        for n in &mut self.nodes {
            n.cold_since = Some(now);
            n.warmup = warmup;
        }
        if let Some(k) = &mut self.keys {
            k.clear_all();
        }
    }

    /// Node `node` came back: memory does not survive a replacement or a
    /// power loss.
    pub fn node_came_up(&mut self, node: u16, now: SimTime) {
        let n = &mut self.nodes[node as usize];
        n.cold_since = Some(now);
        n.warmup = None;
        if let Some(k) = &mut self.keys {
            k.clear(node as usize);
        }
    }

    /// How long replacing a lost node takes (a draw from the cache's
    /// replacement stream).
    pub fn replace_after(&mut self) -> SimDuration {
        self.replace_time.sample(&mut self.replace_rng)
    }

    /// The replacement for node `node` is in service, unless the node came
    /// back (and went down again) meanwhile.
    pub(crate) fn on_node_replaced(
        &self,
        cache: CacheId,
        node: u16,
        incarnation: u32,
        cx: &mut Cx,
    ) {
        if self.nodes[node as usize].node.incarnation == incarnation {
            cx.push(Effect::Up {
                node: NodeRef::CacheNode { cache, node },
                cause: Cause::Crash,
            });
        }
    }
}
