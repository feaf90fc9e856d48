//! The load balancer's handlers: health checks of its targets and its
//! nodes leaving and rejoining its DNS answer (the model's assumptions are
//! listed in `load_balancer.rs`; the DNS windows are `failure.rs`'s
//! `LB_NODE_DNS_*`). They are methods of [`LoadBalancer`] and act on the
//! rest of the world through the context (`world/dispatch.rs`).

use super::event::{Event, LbId, ServerId};
use super::failure::{LB_NODE_DNS_REMOVAL, LB_NODE_DNS_RETURN};
use super::load_balancer::LoadBalancer;
use super::world::{ComponentRef, Cx, Effect, ServerRole};
use crate::config::DownMode;
use crate::dist::Dist;
use crate::model::trace_records::lb_dns_event;

impl LoadBalancer {
    /// Schedules node `node`'s DNS change after the Route 53 window for
    /// leaving (`false`) or rejoining (`true`) the answer (a draw from the
    /// infrastructure stream).
    pub(crate) fn schedule_dns(&self, lb: LbId, node: u16, in_dns: bool, cx: &mut Cx) {
        let (min_s, max_s) = if in_dns {
            LB_NODE_DNS_RETURN
        } else {
            LB_NODE_DNS_REMOVAL
        };
        let delay = Dist::Uniform { min_s, max_s }.sample(cx.infra_rng);
        cx.schedule_after(delay, Event::LbDnsUpdate { lb, node, in_dns });
    }

    /// A node answers health checks from the rest of the region: it is up
    /// and its zone is not cut off.
    fn node_reachable(&self, node: u16, cx: &Cx) -> bool {
        let n = &self.nodes[node as usize];
        n.node.is_up() && !cx.gray.is_isolated(n.zone)
    }

    /// Node `node` leaves (`false`) or rejoins the DNS answer, if it is
    /// still in the state that scheduled the change.
    pub(crate) fn on_dns_update(&mut self, node: u16, in_dns: bool, cx: &mut Cx) {
        if self.node_reachable(node, cx) != in_dns {
            return;
        }
        let bit = 1u64 << node;
        let before = self.dns_mask;
        if in_dns {
            self.dns_mask |= bit;
        } else {
            self.dns_mask &= !bit;
        }
        if self.dns_mask != before && cx.tracing() {
            let zone = &cx.zones[self.nodes[node as usize].zone].name;
            let event = lb_dns_event(cx.now, &self.name, zone, in_dns, self.dns_ttl);
            cx.trace(event);
        }
    }

    /// A health check of target `target` is due: it passes, fails at once
    /// (refused), or fails at its timeout (no answer).
    pub(crate) fn on_health_check(&mut self, lb: LbId, target: u16, cx: &mut Cx) {
        let Some(hc) = &self.health_check else {
            return;
        };
        let (interval, timeout) = (hc.interval, hc.timeout);
        cx.schedule_after(interval, Event::HealthCheck { lb, target });
        let server = self.targets[target as usize];
        let state = cx.servers[server].node;
        let reach = match state.is_up() {
            true => self.health_check_cut(lb, server, cx),
            false => Some(state.mode()),
        };
        if reach.is_none() {
            self.apply_health(lb, target, true, cx);
        } else if reach == Some(DownMode::Refuse) {
            self.apply_health(lb, target, false, cx);
        } else {
            cx.schedule_after(
                timeout,
                Event::HealthCheckResult {
                    lb,
                    target,
                    ok: false,
                },
            );
        }
    }

    /// How a health check to `server` fails because of a network fault
    /// (`None`: it gets through).
    fn health_check_cut(&self, lb: LbId, server: ServerId, cx: &Cx) -> Option<DownMode> {
        let gray = cx.gray;
        let target_zone = cx.servers[server].zone;
        if gray.any_isolated() {
            let checker = self
                .nodes
                .iter()
                .find(|n| !gray.is_isolated(n.zone))
                .or(self.nodes.first())
                .map(|n| n.zone);
            if checker.is_some_and(|z| gray.cut(z, target_zone)) {
                return Some(DownMode::Blackhole);
            }
        }
        let ServerRole::Instance { tier, .. } = cx.server_roles[server] else {
            return None;
        };
        gray.block(ComponentRef::Lb(lb), ComponentRef::Tier(tier))
    }

    /// Applies a health-check result and traces a flip of the target's
    /// health in this load balancer's view.
    pub(crate) fn apply_health(&mut self, lb: LbId, target: u16, ok: bool, cx: &mut Cx) {
        if self.apply_check(target as usize, ok, cx.now) && cx.tracing() {
            cx.push(Effect::TraceTargetHealth { lb, target, ok });
        }
    }
}
