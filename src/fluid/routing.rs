//! Where a load balancer or a direct caller sends attempts when some nodes
//! are dead (the assumptions are in `flow.rs`; the request-level model is
//! `model/load_balancer.rs` and `model/tier.rs`).

use super::context::Ctx;
use super::infra::{DnsPhase, Infra};
use super::queueing::Station;
use crate::config::{DownMode, Strategy};
use crate::model::id::ServerId;

/// Share of clients' attempts that reach a dark node of load balancer `lb`.
pub(super) fn lb_dark_share(infra: &Infra, lb: usize) -> f64 {
    let nodes = &infra.lbs[lb].nodes;
    let (mut dark, mut total) = (0.0, 0.0);
    for n in nodes {
        let weight = match n.phase {
            DnsPhase::Listed => 1.0,
            DnsPhase::Expiring => 0.5,
            DnsPhase::Gone => 0.0,
        };
        total += weight;
        if n.dark {
            dark += weight;
        }
    }
    if total > 0.0 && dark < total {
        dark / total
    } else if total > 0.0 {
        // Every node dark: DNS fails open and every node is tried.
        1.0
    } else {
        0.0
    }
}

/// Shares (refusing, blackholed) of a load balancer's routing that reach a
/// dead target of tier `t`, averaged over the load balancer's live nodes.
pub(super) fn lb_dead_share(
    ctx: &Ctx,
    infra: &Infra,
    lb: usize,
    t: usize,
    attempts_per_s: f64,
    station: Station,
    hold_s: f64,
) -> (f64, f64) {
    let info = &ctx.lbs[lb];
    let nodes: Vec<usize> = infra.lbs[lb]
        .nodes
        .iter()
        .filter(|n| !n.dark)
        .map(|n| n.zone)
        .collect();
    if nodes.is_empty() {
        return (0.0, 0.0);
    }
    let mut sums = (0.0, 0.0);
    for &zone in &nodes {
        let zone_filter = |s: ServerId| info.cross_zone || infra.servers[s].zone == zone;
        let slots = &infra.tiers[t].slots;
        let in_lb =
            |s: ServerId| infra.servers[s].in_service && infra.servers[s].in_lb && zone_filter(s);
        let any_healthy = slots.iter().any(|&s| in_lb(s));
        // Fail open: no healthy target means every registered one.
        let candidate = |s: ServerId| {
            if any_healthy {
                in_lb(s)
            } else {
                infra.servers[s].in_service && zone_filter(s)
            }
        };
        let (mut alive, mut refuse, mut blackhole) = (0.0, 0.0, 0.0);
        for &s in slots {
            if !candidate(s) {
                continue;
            }
            let st = &infra.servers[s];
            if st.is_up() {
                alive += 1.0;
            } else if st.mode() == DownMode::Refuse {
                refuse += 1.0;
            } else {
                blackhole += 1.0;
            }
        }
        let total = alive + refuse + blackhole;
        if total == 0.0 {
            continue;
        }
        let (r, b) = match info.strategy {
            Strategy::LeastOutstanding if alive > 0.0 => {
                // A healthy target holds L requests on average; a hanging
                // one is picked again only when its count falls to that.
                let per_alive = attempts_per_s / alive;
                let outstanding = per_alive * hold_s * (1.0 + station.wait_probability);
                let b = if attempts_per_s > 0.0 {
                    (blackhole * (outstanding + 1.0) / (info.connect_timeout_s * attempts_per_s))
                        .min(blackhole / total)
                } else {
                    blackhole / total
                };
                // A refusing target looks idle: it wins unless a healthy
                // one is idle too (probability ≈ e^(−L)).
                let idle = libm::exp(-outstanding);
                let r = refuse / (refuse + alive * idle).max(f64::MIN_POSITIVE);
                (r * (1.0 - b), b)
            }
            _ => (refuse / total, blackhole / total),
        };
        sums.0 += r;
        sums.1 += b;
    }
    let n = nodes.len() as f64;
    (sums.0 / n, sums.1 / n)
}

/// Shares (refusing, blackholed) of direct calls that reach a dead instance.
pub(super) fn direct_dead_share(infra: &Infra, t: usize) -> (f64, f64) {
    let (mut total, mut refuse, mut blackhole) = (0.0, 0.0, 0.0);
    for &s in &infra.tiers[t].slots {
        let st = &infra.servers[s];
        if !st.in_service {
            continue;
        }
        total += 1.0;
        if !st.is_up() {
            match st.mode() {
                DownMode::Refuse => refuse += 1.0,
                DownMode::Blackhole => blackhole += 1.0,
            }
        }
    }
    if total == 0.0 {
        return (0.0, 0.0);
    }
    (refuse / total, blackhole / total)
}
