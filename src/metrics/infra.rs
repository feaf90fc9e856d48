//! Infrastructure time: how long nodes were up, independent of requests.
//!
//! With no workload (rate 0) a run can cover millions of hours of failures
//! and repairs, but request availability is then unmeasurable. These
//! figures are folded on node state transitions only, so memory is fixed
//! (one slot per possible count of instances up, per tier) and the cost is
//! per failure, never per simulated second.
//!
//! Definitions:
//! - Time runs from the start of the run (warm-up included) to the horizon.
//! - For a tier of n instances, `fraction_with_up[j]` is the fraction of
//!   that time during which exactly j instances were up (j = 0..=n).
//! - For each node kind, `up_fraction` is node-up-time / (nodes × time).

use crate::time::SimTime;

/// The kinds of node whose up-time is folded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Instance = 0,
    DatabaseNode = 1,
    CacheNode = 2,
    LoadBalancerNode = 3,
    Volume = 4,
}

impl NodeKind {
    pub const ALL: [NodeKind; 5] = [
        NodeKind::Instance,
        NodeKind::DatabaseNode,
        NodeKind::CacheNode,
        NodeKind::LoadBalancerNode,
        NodeKind::Volume,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Instance => "instance",
            NodeKind::DatabaseNode => "database_node",
            NodeKind::CacheNode => "cache_node",
            NodeKind::LoadBalancerNode => "load_balancer_node",
            NodeKind::Volume => "volume",
        }
    }
}

#[derive(Clone, Debug)]
struct Group {
    name: String,
    nodes: u32,
    up: u32,
    since: SimTime,
    up_node_ns: u128,
    /// Time with exactly j up, for tiers; empty for node kinds.
    by_up_ns: Vec<u128>,
}

impl Group {
    fn new(name: &str, nodes: u32, histogram: bool) -> Group {
        Group {
            name: name.to_string(),
            nodes,
            up: nodes,
            since: SimTime::ZERO,
            up_node_ns: 0,
            by_up_ns: if histogram {
                vec![0; nodes as usize + 1]
            } else {
                Vec::new()
            },
        }
    }

    fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.as_nanos().saturating_sub(self.since.as_nanos()));
        self.up_node_ns += dt * u128::from(self.up);
        if let Some(slot) = self.by_up_ns.get_mut(self.up as usize) {
            *slot += dt;
        }
        self.since = self.since.max(now);
    }
}

/// Node up-time per kind and per tier, folded on transitions.
#[derive(Clone, Debug, Default)]
pub struct InfraTime {
    /// The node kinds (in `NodeKind::ALL` order), then one group per tier.
    groups: Vec<Group>,
}

impl InfraTime {
    /// `kinds[k]` nodes of each kind; `tiers` as (name, instances).
    pub fn new(kinds: [u32; 5], tiers: &[(&str, u32)]) -> InfraTime {
        let mut groups: Vec<Group> = NodeKind::ALL
            .iter()
            .map(|k| Group::new(k.name(), kinds[*k as usize], false))
            .collect();
        groups.extend(tiers.iter().map(|(name, n)| Group::new(name, *n, true)));
        InfraTime { groups }
    }

    /// A node of `kind` (in tier `tier`, for instances) went down or came up.
    pub fn changed(&mut self, now: SimTime, kind: NodeKind, tier: Option<u16>, up: bool) {
        let tier_group = tier.map(|t| NodeKind::ALL.len() + t as usize);
        for g in std::iter::once(kind as usize).chain(tier_group) {
            let Some(group) = self.groups.get_mut(g) else {
                continue;
            };
            group.advance(now);
            if up {
                group.up = (group.up + 1).min(group.nodes);
            } else {
                group.up = group.up.saturating_sub(1);
            }
        }
    }

    /// The figures as of `end` (the horizon).
    pub fn summary(&self, end: SimTime) -> InfraTimeSummary {
        let total_ns = end.as_nanos() as f64;
        let fraction = |ns: u128| {
            if total_ns > 0.0 {
                ns as f64 / total_ns
            } else {
                0.0
            }
        };
        let mut groups = self.groups.clone();
        for g in &mut groups {
            g.advance(end);
        }
        let (kinds, tiers) = groups.split_at(NodeKind::ALL.len());
        InfraTimeSummary {
            time_s: end.as_secs_f64(),
            kinds: kinds
                .iter()
                .map(|g| KindUpTime {
                    kind: g.name.clone(),
                    nodes: g.nodes,
                    up_fraction: if g.nodes > 0 {
                        fraction(g.up_node_ns) / f64::from(g.nodes)
                    } else {
                        1.0
                    },
                })
                .collect(),
            tiers: tiers
                .iter()
                .map(|g| TierUpTime {
                    tier: g.name.clone(),
                    instances: g.nodes,
                    fraction_with_up: g.by_up_ns.iter().map(|&ns| fraction(ns)).collect(),
                })
                .collect(),
        }
    }
}

/// Infrastructure time of a run (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InfraTimeSummary {
    pub time_s: f64,
    pub kinds: Vec<KindUpTime>,
    pub tiers: Vec<TierUpTime>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KindUpTime {
    pub kind: String,
    pub nodes: u32,
    pub up_fraction: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TierUpTime {
    pub tier: String,
    pub instances: u32,
    /// Index j: fraction of time with exactly j instances up.
    pub fraction_with_up: Vec<f64>,
}

impl TierUpTime {
    /// Fraction of time with at least `j` instances up.
    pub fn at_least(&self, j: usize) -> f64 {
        self.fraction_with_up.iter().skip(j).sum()
    }
}

impl InfraTimeSummary {
    pub fn tier(&self, name: &str) -> Option<&TierUpTime> {
        self.tiers.iter().find(|t| t.tier == name)
    }

    pub fn kind(&self, kind: NodeKind) -> &KindUpTime {
        &self.kinds[kind as usize]
    }
}

/// Counts of what the random failure processes did, for seed sweeps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RandomFailureStats {
    /// Failures drawn by node processes (bursts' neighbours not included).
    pub failures: u64,
    /// Sum of the repair times drawn for those failures, in seconds.
    pub repair_s_sum: f64,
    /// Failures that took neighbours with them, and how many neighbours.
    pub bursts: u64,
    pub burst_neighbours: u64,
    /// Zone events that darkened a zone, and those the budget skipped.
    pub zone_events: u64,
    pub zone_events_skipped: u64,
    /// Most zones dark at once from random zone events.
    pub zones_down_max: u32,
}

/// A stop condition that tripped.
#[derive(Clone, Debug, PartialEq)]
pub struct StopRecord {
    /// Index into the scenario's `stop_conditions`.
    pub condition: usize,
    /// What tripped, as text (`availability below 0.95 over 60s`).
    pub description: String,
    /// When it tripped (the end of the second that crossed the threshold).
    pub at_s: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000_000_000;

    #[test]
    fn time_with_j_up_is_weighted_by_duration() {
        let mut t = InfraTime::new([2, 0, 0, 0, 0], &[("web", 2)]);
        t.changed(SimTime(H), NodeKind::Instance, Some(0), false); // 1 up from 1h
        t.changed(SimTime(2 * H), NodeKind::Instance, Some(0), false); // 0 up from 2h
        t.changed(SimTime(3 * H), NodeKind::Instance, Some(0), true); // 1 up from 3h
        let s = t.summary(SimTime(4 * H));
        let web = s.tier("web").unwrap();
        // 2 up for 1h, 1 up for 2h, 0 up for 1h, out of 4h.
        assert_eq!(web.fraction_with_up, vec![0.25, 0.5, 0.25]);
        assert_eq!(web.at_least(1), 0.75);
        // Node-hours up: 2 + 1 + 0 + 1 = 4 of 8.
        assert_eq!(s.kind(NodeKind::Instance).up_fraction, 0.5);
        assert_eq!(s.kind(NodeKind::Volume).up_fraction, 1.0);
    }
}
