//! The dispatcher's side of gray failures and network faults (their state
//! and assumptions: `model/gray.rs`, `Impairments`): the fault layer's
//! commands, with what a fault's start and end do to servers, load
//! balancers and databases, and what a request's step meets when a zone is
//! cut off, a path is blocked, the region is down or a primary cannot
//! commit.

use super::{ComponentRef, ServerRole, World};
use crate::config::{DownMode, Op, ZoneIndex};
use crate::model::event::{AttemptId, DbId, ErrorCause, LbId, ServerId};
use crate::model::gray::{LinkEffect, ServerEffect};
use crate::model::node::Cause;
use crate::model::path::{Flow, INTERNAL_CONNECT_TIMEOUT};

/// Gray failures and network faults: the state is the impairments'
/// (`model/gray.rs`); what they do to servers, load balancers and
/// databases at their start and end is applied here.
impl World {
    /// Applies `effect` to `servers` until `unimpair_servers(token)`.
    pub fn impair_servers(&mut self, token: u32, servers: &[ServerId], effect: ServerEffect) {
        for &s in servers {
            if self.gray.impair_server(token, s, effect.clone()) {
                self.recompute_concurrency(s);
            }
        }
    }

    pub fn unimpair_servers(&mut self, token: u32) {
        for s in self.gray.unimpair_servers(token) {
            self.recompute_concurrency(s);
        }
    }

    fn recompute_concurrency(&mut self, s: ServerId) {
        self.servers[s].concurrency = self.gray.concurrency(s, self.servers[s].concurrency);
        // Slots that came back take queued requests at once.
        if self.servers[s].control.is_some() {
            return self.admit_controlled(s); // world/admission.rs
        }
        while let Some(a) = self.servers[s].admit_queued() {
            self.start_service(a, s);
        }
    }

    pub fn impair_links(&mut self, token: u32, zone: Option<ZoneIndex>, effect: LinkEffect) {
        self.gray.impair_links(token, zone, effect);
    }

    pub fn unimpair_links(&mut self, token: u32) {
        self.gray.unimpair_links(token);
    }

    /// Cuts a zone off from the others (`on`) or reconnects it.
    pub fn isolate_zone(&mut self, zone: ZoneIndex, on: bool) {
        self.gray.isolate(zone, on);
        // Route 53-style checks from outside the zone fail for its load
        // balancer nodes while it is cut off: they leave the DNS answer and
        // rejoin after, as when the zone goes dark.
        let lb_nodes: Vec<(LbId, u16)> = self
            .lbs
            .iter_enumerated()
            .flat_map(|(l, b)| {
                b.nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.zone == zone)
                    .map(move |(n, _)| (l, n as u16))
            })
            .collect();
        for (lb, node) in lb_nodes {
            self.lb_dns_change(lb, node, !on);
        }
        for db in self.dbs.ids() {
            let d = &self.dbs[db];
            let primary = d.nodes[d.primary as usize].server;
            if self.servers[primary].zone != zone {
                continue;
            }
            if on {
                self.db_primary_unreachable(db);
            } else if self.servers[primary].node.is_up() {
                // Reconnected before promotion began: nothing to fail over.
                self.db_node_changed(db, self.dbs[db].primary, true);
            }
        }
    }

    /// The database's regional monitor lost its primary (which may still
    /// be up in an isolated zone): it starts failover detection.
    fn db_primary_unreachable(&mut self, db: DbId) {
        let primary = self.dbs[db].primary;
        let server = self.dbs[db].nodes[primary as usize].server;
        if self.servers[server].node.is_up() {
            self.db_node_changed(db, primary, false);
        }
    }

    /// Blocks calls from model component `from` to `to` (indices).
    pub fn block_path(&mut self, token: u32, from: usize, to: usize, mode: DownMode) {
        let (from, to) = (self.components[from], self.components[to]);
        self.gray.block_path(token, from, to, mode);
    }

    pub fn unblock_path(&mut self, token: u32) {
        self.gray.unblock_path(token);
    }

    /// Takes the whole region down (`on`) or brings it back.
    pub fn set_region_down(&mut self, on: bool) {
        if !self.gray.region(on) {
            return;
        }
        for zone in 0..self.zones.len() {
            for node in self.nodes_in_zone(zone) {
                if on {
                    self.set_down(node, Cause::Region, DownMode::Blackhole);
                } else {
                    self.clear_down(node, Cause::Region);
                }
            }
        }
    }
}

/// What a request's step meets.
impl World {
    /// Applies network faults to a step about to go from zone `from` to
    /// `to`: `Some(flow)` if the call cannot get through (it fails, waits
    /// or, for a cache, misses); `None` if it goes ahead.
    pub(crate) fn gray_blocks(
        &mut self,
        a: AttemptId,
        component: ComponentRef,
        op: Op,
        from: Option<ZoneIndex>,
        to: Option<ZoneIndex>,
    ) -> Option<Flow> {
        if self.gray.region_down > 0 && matches!(component, ComponentRef::ObjectStore(_)) {
            self.fail_attempt(a, ErrorCause::DependencyDown);
            return Some(Flow::Wait);
        }
        let mut mode = None;
        if let (Some(f), Some(t)) = (from, to) {
            if self.gray.cut(f, t) {
                mode = Some(DownMode::Blackhole);
            }
        }
        if mode.is_none() && self.gray.any_block() {
            let caller = self.caller_component(a, component);
            mode = caller.and_then(|c| self.gray.block(c, component));
        }
        let Some(mode) = mode else {
            return self.isolated_commit(a, component, op);
        };
        if let ComponentRef::Cache(_) = component {
            let att = self.attempts.get_mut(a);
            att.cache_missed = true;
            att.step += 1;
            return Some(Flow::Continue);
        }
        let timeout = match (component, self.attempts.get(a).via_lb) {
            (ComponentRef::Tier(_), Some(lb)) => self.lbs[lb].connect_timeout,
            _ => INTERNAL_CONNECT_TIMEOUT,
        };
        let cause = ErrorCause::reaching_down_node(mode);
        Some(self.fail_reaching(a, mode, timeout, Some(cause)))
    }

    /// A write to a primary that is isolated from its standby cannot
    /// commit: the caller waits for its connect timeout.
    fn isolated_commit(&mut self, a: AttemptId, component: ComponentRef, op: Op) -> Option<Flow> {
        let ComponentRef::Db(db) = component else {
            return None;
        };
        if op != Op::Write || !self.gray.primary_isolated(&self.dbs[db], &self.servers) {
            return None;
        }
        let d = &self.dbs[db];
        let dest = self.attempts.get(a).dest as u16;
        let primary_zone = self.servers[d.nodes[d.primary as usize].server].zone;
        let standby_across = d
            .standby_server()
            .is_some_and(|s| self.servers[s].zone != primary_zone);
        if dest != d.primary || !standby_across {
            return None;
        }
        let cause = if d.failover_state == crate::model::database::FailoverState::Idle {
            ErrorCause::DependencyDown
        } else {
            ErrorCause::FailoverInProgress
        };
        Some(self.fail_reaching(
            a,
            DownMode::Blackhole,
            INTERNAL_CONNECT_TIMEOUT,
            Some(cause),
        ))
    }

    /// The component making the call to `callee`: the load balancer that
    /// routed the attempt to a tier, else the tier instance it is on
    /// (`None`: the client).
    fn caller_component(&self, a: AttemptId, callee: ComponentRef) -> Option<ComponentRef> {
        let att = self.attempts.get(a);
        if let (ComponentRef::Tier(_), Some(lb)) = (callee, att.via_lb) {
            return Some(ComponentRef::Lb(lb));
        }
        match self.server_roles[att.caller()?] {
            ServerRole::Instance { tier, .. } => Some(ComponentRef::Tier(tier)),
            ServerRole::DbNode { db, .. } => Some(ComponentRef::Db(db)),
        }
    }
}
