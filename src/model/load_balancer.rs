//! A load balancer (ALB-style) in front of a tier.
//!
//! Assumptions (behaviour.md, cloud-figures.md):
//! - The LB has one node per zone in `zones`. Clients reach nodes through
//!   the LB's DNS name: each client caches the set of node addresses for
//!   `dns_ttl` and picks one per request. A node in a dark zone leaves the
//!   DNS answer after a Route 53-style detection window (64–94 s) and
//!   returns 60–90 s after its zone does; if no node is healthy DNS answers
//!   with all of them (fail open).
//! - Health checks run every `interval` per target (random phase); a check
//!   of a refusing target fails at once, of a blackholed target after
//!   `timeout`. `unhealthy_threshold` consecutive failures take a target out,
//!   `healthy_threshold` consecutive successes bring it back. A newly
//!   registered target is `initial`: one passing check brings it in,
//!   `unhealthy_threshold` failing ones make it `unhealthy`; until then it
//!   gets no traffic but is not reported unhealthy. An overloaded target
//!   still passes (checks are cheap).
//! - Health state and the balancing state (round-robin pointer, outstanding
//!   counts) are shared by all nodes: the LB acts as one logical balancer.
//! - A target's outstanding requests are those the LB routed to it that
//!   have not ended, including ones hanging on a blackholed target, so
//!   least-outstanding steers away from a target that hangs; a target that
//!   fails fast looks idle and attracts traffic until health checks remove
//!   it, as with real least-connections balancing.
//! - A node routes to healthy targets in its own zone, or in every zone
//!   with `cross_zone`; if none is healthy it routes to all of them anyway
//!   (fail open), so a total outage shows as errors from dead targets.
//! - A target that is down when a request reaches it refuses (502 at once)
//!   or blackholes (504 after `connect_timeout`).
//! - With `stickiness`, a session's cookie picks the target before the
//!   strategy does; the cookie table and its rules live in `sticky.rs`.

use rand::RngExt;

use super::event::ServerId;
use super::node::NodeState;
use crate::config::{HealthCheckConfig, StickinessConfig, Strategy, ZoneIndex};
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

/// Virtual nodes per target on the consistent-hash ring.
const RING_POINTS_PER_TARGET: usize = 64;

pub struct LbNode {
    pub zone: ZoneIndex,
    pub node: NodeState,
}

pub struct TargetHealth {
    pub healthy: bool,
    /// Consecutive results that disagree with `healthy`.
    pub streak: u32,
    /// When `healthy` last flipped (for traces and tests).
    pub changed_at: Option<SimTime>,
    /// Newly registered: one passing check brings it in (ELB user guide).
    pub fresh: bool,
}

impl TargetHealth {
    /// Unhealthy, past the initial state of a new target.
    pub fn reports_unhealthy(&self) -> bool {
        !self.fresh && !self.healthy
    }

    /// Applies one health-check result under `hc`'s thresholds; returns
    /// true if the target's health flipped. The one rule both fidelities
    /// follow.
    pub fn apply(&mut self, hc: &HealthCheckConfig, ok: bool, now: SimTime) -> bool {
        if self.fresh && !ok {
            // A new target's failures count towards `unhealthy` (its
            // `initial` state ends either way): it stays out of rotation.
            self.streak += 1;
            if self.streak >= hc.unhealthy_threshold {
                self.fresh = false;
                self.streak = 0;
                self.changed_at = Some(now);
            }
            return false;
        }
        if ok == self.healthy {
            self.streak = 0;
            return false;
        }
        self.streak += 1;
        let threshold = if self.healthy {
            hc.unhealthy_threshold
        } else if self.fresh {
            1
        } else {
            hc.healthy_threshold
        };
        if self.streak >= threshold {
            self.healthy = ok;
            self.fresh = false;
            self.streak = 0;
            self.changed_at = Some(now);
            true
        } else {
            false
        }
    }
}

pub struct LoadBalancer {
    pub name: String,
    pub strategy: Strategy,
    pub cross_zone: bool,
    pub nodes: Vec<LbNode>,
    /// Bit i set = node i is in the DNS answer.
    pub dns_mask: u64,
    pub dns_ttl: SimDuration,
    pub health_check: Option<HealthCheckConfig>,
    pub connect_timeout: SimDuration,
    pub targets: Vec<ServerId>,
    pub target_zones: Vec<ZoneIndex>,
    pub health: Vec<TargetHealth>,
    /// Whether each target is registered: an Auto Scaling group's empty
    /// slots are not (see `auto_scaling.rs`); fixed tiers' always are.
    pub registered: Vec<bool>,
    /// Requests routed to each target that have not ended.
    pub outstanding: Vec<u32>,
    /// Per LB node: the targets it may route to now (indices into
    /// `targets`), rebuilt when health changes.
    candidates: Vec<Vec<u16>>,
    candidates_dirty: bool,
    rr_next: usize,
    /// Sorted (hash point, target) pairs for consistent hashing.
    ring: Vec<(u64, u16)>,
    /// Sticky sessions (`sticky.rs`); `None` on the common path.
    pub stickiness: Option<StickinessConfig>,
    pub rng: SimRng,
}

impl LoadBalancer {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        strategy: Strategy,
        cross_zone: bool,
        node_zones: &[ZoneIndex],
        dns_ttl: SimDuration,
        health_check: Option<HealthCheckConfig>,
        connect_timeout: SimDuration,
        targets: Vec<(ServerId, ZoneIndex)>,
        rng: SimRng,
    ) -> Self {
        let mut ring = Vec::new();
        if strategy == Strategy::ConsistentHash {
            for (i, (server, _)) in targets.iter().enumerate() {
                for v in 0..RING_POINTS_PER_TARGET {
                    ring.push((mix64(u64::from(server.0) << 16 | v as u64), i as u16));
                }
            }
            ring.sort_unstable();
        }
        let n_nodes = node_zones.len();
        LoadBalancer {
            name,
            strategy,
            cross_zone,
            nodes: node_zones
                .iter()
                .map(|&zone| LbNode {
                    zone,
                    node: NodeState::default(),
                })
                .collect(),
            dns_mask: if n_nodes >= 64 {
                u64::MAX
            } else {
                (1u64 << n_nodes) - 1
            },
            dns_ttl,
            health_check,
            connect_timeout,
            health: targets
                .iter()
                .map(|_| TargetHealth {
                    healthy: true,
                    streak: 0,
                    changed_at: None,
                    fresh: false,
                })
                .collect(),
            registered: vec![true; targets.len()],
            target_zones: targets.iter().map(|(_, z)| *z).collect(),
            outstanding: vec![0; targets.len()],
            targets: targets.into_iter().map(|(s, _)| s).collect(),
            candidates: vec![Vec::new(); n_nodes],
            candidates_dirty: true,
            rr_next: 0,
            ring,
            stickiness: None,
            rng,
        }
    }

    /// The DNS answer now: live-in-DNS nodes, or all of them (fail open).
    pub fn dns_answer(&self) -> u64 {
        if self.dns_mask == 0 {
            (1u64 << self.nodes.len().min(63)) - 1
        } else {
            self.dns_mask
        }
    }

    /// Applies one health-check result; returns true if the target's
    /// health flipped.
    pub fn apply_check(&mut self, target: usize, ok: bool, now: SimTime) -> bool {
        let Some(hc) = &self.health_check else {
            return false;
        };
        if !self.registered[target] {
            return false;
        }
        let flipped = self.health[target].apply(hc, ok, now);
        if flipped {
            self.candidates_dirty = true;
        }
        flipped
    }

    fn rebuild_candidates(&mut self) {
        for (n, node) in self.nodes.iter().enumerate() {
            let allowed = |t: usize| {
                self.registered[t] && (self.cross_zone || self.target_zones[t] == node.zone)
            };
            let mut list: Vec<u16> = (0..self.targets.len())
                .filter(|&t| allowed(t) && self.health[t].healthy)
                .map(|t| t as u16)
                .collect();
            if list.is_empty() {
                // Fail open: every target the node may use, healthy or not;
                // a node with no target in its zone uses all of them.
                list = (0..self.targets.len())
                    .filter(|&t| allowed(t))
                    .map(|t| t as u16)
                    .collect();
                if list.is_empty() {
                    list = (0..self.targets.len())
                        .filter(|&t| self.registered[t])
                        .map(|t| t as u16)
                        .collect();
                }
                if list.is_empty() {
                    // Nothing registered at all: every slot is empty and
                    // refuses, as an empty target group answers 503.
                    list = (0..self.targets.len() as u16).collect();
                }
            }
            self.candidates[n] = list;
        }
        self.candidates_dirty = false;
    }

    /// Chooses a target for a request arriving at `node` and counts it as
    /// outstanding there; returns the server and the target's index.
    pub fn choose(&mut self, node: usize, client: u32) -> (ServerId, u16) {
        if self.candidates_dirty {
            self.rebuild_candidates();
        }
        let list = &self.candidates[node];
        let pick = match self.strategy {
            Strategy::RoundRobin => {
                let i = self.rr_next % list.len();
                self.rr_next = self.rr_next.wrapping_add(1);
                list[i]
            }
            Strategy::Random => list[self.rng.random_range(0..list.len())],
            Strategy::LeastOutstanding => {
                // Ties go to the next target after the previous pick, so
                // an idle fleet is used evenly.
                let start = self.rr_next % list.len();
                self.rr_next = self.rr_next.wrapping_add(1);
                let mut best = list[start];
                let mut best_load = self.outstanding[best as usize];
                for k in 1..list.len() {
                    let t = list[(start + k) % list.len()];
                    let l = self.outstanding[t as usize];
                    if l < best_load {
                        best = t;
                        best_load = l;
                    }
                }
                best
            }
            Strategy::PowerOfTwoChoices => {
                let a = list[self.rng.random_range(0..list.len())];
                let b = list[self.rng.random_range(0..list.len())];
                if self.outstanding[b as usize] < self.outstanding[a as usize] {
                    b
                } else {
                    a
                }
            }
            Strategy::ConsistentHash => {
                let h = mix64(u64::from(client) ^ 0x9e37_79b9_7f4a_7c15);
                let start = self.ring.partition_point(|(p, _)| *p < h);
                let n = self.ring.len();
                let in_list = |t: u16| list.contains(&t);
                (0..n)
                    .map(|k| self.ring[(start + k) % n].1)
                    .find(|t| in_list(*t))
                    .unwrap_or(list[0])
            }
        };
        self.outstanding[pick as usize] += 1;
        (self.targets[pick as usize], pick)
    }

    /// Whether the target group reports target `t` `unhealthy` (what an
    /// Auto Scaling group with ELB health checks acts on): registered,
    /// checked, and failing. A new target in its `initial` state is not.
    pub fn reports_unhealthy(&self, t: usize) -> bool {
        self.health_check.is_some() && self.registered[t] && self.health[t].reports_unhealthy()
    }

    /// Whether a sticky cookie naming target `t` is honoured at `node`: the
    /// target is registered and healthy, or the node fails open and routes
    /// to it anyway ("Sticky sessions for your Application Load Balancer":
    /// a cookie naming a deregistered or unhealthy target gets a new one).
    pub fn honours(&mut self, t: u16, node: usize) -> bool {
        let t_index = t as usize;
        if t_index >= self.targets.len() || !self.registered[t_index] {
            return false;
        }
        if self.health[t_index].healthy {
            return true;
        }
        if self.candidates_dirty {
            self.rebuild_candidates();
        }
        self.candidates[node].contains(&t)
    }

    /// Routes a request to target `t` chosen by its cookie, counting it as
    /// outstanding there, like [`Self::choose`].
    pub fn route_to(&mut self, t: u16) -> ServerId {
        self.outstanding[t as usize] += 1;
        self.targets[t as usize]
    }

    /// Registers a new instance in target slot `t`: it needs one passing
    /// health check before it receives traffic (none without checks).
    pub fn register(&mut self, t: usize) {
        self.registered[t] = true;
        self.health[t] = TargetHealth {
            healthy: self.health_check.is_none(),
            streak: 0,
            changed_at: None,
            fresh: true,
        };
        self.candidates_dirty = true;
    }

    /// Deregisters target slot `t` (its instance was terminated).
    pub fn deregister(&mut self, t: usize) {
        self.registered[t] = false;
        self.candidates_dirty = true;
    }

    /// A request routed to target `t` ended.
    pub fn ended(&mut self, t: u16) {
        let o = &mut self.outstanding[t as usize];
        *o = o.saturating_sub(1);
    }

    /// Picks a node from a client's cached DNS answer.
    pub fn pick_node(&mut self, answer: u64) -> usize {
        let count = answer.count_ones();
        if count <= 1 {
            return answer.trailing_zeros().min(self.nodes.len() as u32 - 1) as usize;
        }
        let k = self.rng.random_range(0..count);
        let mut mask = answer;
        for _ in 0..k {
            mask &= mask - 1;
        }
        mask.trailing_zeros() as usize
    }
}

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash.
fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn lb(strategy: Strategy, cross_zone: bool) -> LoadBalancer {
        LoadBalancer::new(
            "lb".into(),
            strategy,
            cross_zone,
            &[0, 1],
            SimDuration::from_secs(60),
            Some(HealthCheckConfig {
                interval: SimDuration::from_secs(30),
                timeout: SimDuration::from_secs(5),
                healthy_threshold: 5,
                unhealthy_threshold: 2,
            }),
            SimDuration::from_secs(10),
            vec![
                (ServerId(10), 0),
                (ServerId(11), 0),
                (ServerId(12), 1),
                (ServerId(13), 1),
            ],
            stream(1, "lb-test"),
        )
    }

    #[test]
    fn unhealthy_after_threshold_and_back_after_healthy_threshold() {
        let mut b = lb(Strategy::RoundRobin, true);
        assert!(!b.apply_check(0, false, SimTime::ZERO));
        assert!(b.apply_check(0, false, SimTime::ZERO));
        let picks: Vec<_> = (0..6).map(|_| b.choose(0, 0).0).collect();
        assert!(!picks.contains(&ServerId(10)));
        for _ in 0..4 {
            assert!(!b.apply_check(0, true, SimTime::ZERO));
        }
        assert!(b.apply_check(0, true, SimTime::ZERO));
        let picks: Vec<_> = (0..4).map(|_| b.choose(0, 0).0).collect();
        assert!(picks.contains(&ServerId(10)));
    }

    #[test]
    fn without_cross_zone_a_node_keeps_to_its_zone_and_fails_open() {
        let mut b = lb(Strategy::RoundRobin, false);
        let picks: Vec<_> = (0..4).map(|_| b.choose(1, 0).0).collect();
        assert!(picks.iter().all(|s| s.0 == 12 || s.0 == 13));
        for t in [2, 3] {
            b.apply_check(t, false, SimTime::ZERO);
            b.apply_check(t, false, SimTime::ZERO);
        }
        // Both zone-1 targets unhealthy: routes to them anyway.
        let picks: Vec<_> = (0..4).map(|_| b.choose(1, 0).0).collect();
        assert!(picks.iter().all(|s| s.0 == 12 || s.0 == 13));
    }

    #[test]
    fn least_outstanding_prefers_the_idle_target() {
        let mut b = lb(Strategy::LeastOutstanding, true);
        b.outstanding = vec![5, 5, 0, 5];
        assert_eq!(b.choose(0, 0), (ServerId(12), 2));
        assert_eq!(b.outstanding[2], 1);
        b.ended(2);
        assert_eq!(b.outstanding[2], 0);
    }

    #[test]
    fn a_cookie_is_honoured_for_a_healthy_target_or_when_the_node_fails_open() {
        let mut b = lb(Strategy::RoundRobin, false);
        // Node 0 (zone 0) honours a healthy target of zone 1 too.
        assert!(b.honours(2, 0));
        b.apply_check(0, false, SimTime::ZERO);
        b.apply_check(0, false, SimTime::ZERO);
        assert!(!b.honours(0, 0), "unhealthy while target 1 is healthy");
        b.apply_check(1, false, SimTime::ZERO);
        b.apply_check(1, false, SimTime::ZERO);
        // Both zone-0 targets unhealthy: node 0 fails open and routes to them.
        assert!(b.honours(0, 0));
        assert!(!b.honours(0, 1), "node 1 still has healthy targets");
        b.deregister(2);
        assert!(!b.honours(2, 1));
        assert!(!b.honours(u16::MAX, 0));
        assert_eq!(b.route_to(3), ServerId(13));
        assert_eq!(b.outstanding[3], 1);
    }

    #[test]
    fn consistent_hash_keeps_a_client_on_its_target() {
        let mut b = lb(Strategy::ConsistentHash, true);
        let first = b.choose(0, 42).0;
        assert!((0..10).all(|_| b.choose(0, 42).0 == first));
    }
}
