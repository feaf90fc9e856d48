//! Gray failures and network faults: nodes that stay up and pass health
//! checks but serve badly, and links that are slow, lossy or cut.
//!
//! Assumptions:
//! - `latency` adds a draw per request to the service of each targeted
//!   server; the request keeps its slot meanwhile (the thread waits on the
//!   slow I/O). `slowdown` multiplies service times by `factor`. Health
//!   checks still pass: they are cheap and their timeouts (seconds) are far
//!   above service times.
//! - `capacity_loss` takes `floor(concurrency × fraction)` slots away
//!   (rounding the loss down keeps at least one slot unless fraction = 1);
//!   overlapping losses on one server add up to at most 1. Requests already
//!   in service finish; the queue is served again as slots come back.
//! - `limp` (gray failure, Huang et al., "Gray Failure: The Achilles' Heel of
//!   Cloud-Scale Systems", HotOS 2017; the "limping hardware" of Do et al.,
//!   SoCC 2013): the node is `factor` times slower and answers `fraction` of
//!   its requests with an error (a 5xx, `server_error`) after serving them,
//!   while its health checks pass. The error comes after the service time,
//!   so the slot is taken and the caller waits, as with a real 5xx.
//! - Link faults act on hops between two different zones (client hops from
//!   outside the region are not cross-zone links). `link_latency` adds a
//!   draw per hop. `packet_loss` loses a hop with `probability`; a lost hop
//!   is retransmitted after TCP's retransmission timeout, 1 s initially and
//!   doubling on each further loss (RFC 6298 §2 and §5.5), up to 15
//!   retransmissions (Linux `tcp_retries2`) and an RTO of at most 60 s. So
//!   loss shows as latency spikes of 1 s, 3 s, 7 s, ..., and, with client
//!   timeouts, as timeouts. Synchronous replication hops are affected too.
//! - `zone_isolation`: nodes stay up and serve callers in their own zone;
//!   every hop across the zone's boundary blackholes (the caller waits for
//!   its connect timeout; a look-aside cache across the boundary reads as a
//!   miss at once, as a dead cache node does). Clients outside the region
//!   still reach the zone's load-balancer nodes: internet ingress is per zone
//!   and the isolation is between zones.
//! - A load balancer's health state is shared by its nodes, so isolation
//!   needs one vantage point: the health checker stands for the LB's first
//!   node outside an isolated zone (the majority side, whose nodes serve
//!   most clients). Targets across the boundary from it fail their checks
//!   as blackholed; an LB node inside the isolated zone then routes by that
//!   shared view, so it sends requests across the boundary and they time out
//!   (pessimistic for that node: a real node would check from its own zone).
//! - Load-balancer nodes in an isolated zone fail the regional DNS health
//!   checks: they leave the DNS answer after the same Route 53 window as a
//!   dark zone's nodes (64–94 s) and rejoin 60–90 s after reconnection.
//! - A Multi-AZ primary in an isolated zone cannot commit (synchronous
//!   replication waits for the standby): its writes blackhole. The database
//!   monitor is regional and sits on the majority side, so it sees the
//!   primary as lost and fails over (RDS lists "loss of network connectivity
//!   to primary" among failover causes); a standby cut off from its primary
//!   is treated as a lost standby: the primary commits without it, as it does
//!   when the standby is down.
//! - `path_block` cuts calls from one component to another (a firewall or
//!   security-group change): a blackholed call waits for the connect
//!   timeout, a refused one fails at once; a load balancer → tier block also
//!   fails that load balancer's health checks of the tier.
//! - `region_outage`: every node in every zone goes dark (blackholed) and
//!   regional services (object storage) fail (`dependency_down`).

use rand::RngExt;

use super::event::{AttemptId, DbId, ErrorCause, LbId, ServerId};
use super::id::Arena;
use super::node::Cause;
use super::path::{Flow, INTERNAL_CONNECT_TIMEOUT};
use super::world::{ComponentRef, ServerRole, World};
use crate::config::{DownMode, Op, ZoneIndex};
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::SimDuration;

/// RFC 6298 §2.1: the initial retransmission timeout.
const INITIAL_RTO: SimDuration = SimDuration::from_secs(1);
/// RFC 6298 §2.5 allows a maximum RTO of at least 60 s.
const MAX_RTO: SimDuration = SimDuration::from_secs(60);
/// Linux `net.ipv4.tcp_retries2` default.
const MAX_RETRANSMISSIONS: u32 = 15;

/// What an active fault does to a server.
#[derive(Clone, Debug)]
pub enum ServerEffect {
    Latency(Dist),
    Slowdown(f64),
    CapacityLoss(f64),
    Limp { factor: f64, fraction: f64 },
}

#[derive(Clone, Debug)]
pub enum LinkEffect {
    Latency(Dist),
    Loss(f64),
}

pub struct Impairments {
    /// (fault token, server, effect) for every active per-server fault.
    server_effects: Vec<(u32, ServerId, ServerEffect)>,
    /// Per server: impaired by at least one active fault.
    impaired: Arena<ServerId, u16>,
    /// Per server: its concurrency before any capacity loss.
    base_concurrency: Arena<ServerId, Option<u32>>,
    /// (fault token, zone or every cross-zone link, effect).
    links: Vec<(u32, Option<ZoneIndex>, LinkEffect)>,
    /// Per zone: active isolations.
    isolated: Vec<u16>,
    any_isolated: bool,
    /// (fault token, caller, callee, mode).
    blocks: Vec<(u32, ComponentRef, ComponentRef, DownMode)>,
    /// Active region outages.
    pub region_down: u16,
    next_token: u32,
    rng: SimRng,
}

impl Impairments {
    pub fn new(servers: usize, zones: usize, rng: SimRng) -> Self {
        Impairments {
            server_effects: Vec::new(),
            impaired: vec![0; servers].into(),
            base_concurrency: vec![None; servers].into(),
            links: Vec::new(),
            isolated: vec![0; zones],
            any_isolated: false,
            blocks: Vec::new(),
            region_down: 0,
            next_token: 0,
            rng,
        }
    }

    /// Sizes the per-server tables once the world's servers exist.
    pub fn size_for(&mut self, servers: usize) {
        self.impaired = vec![0; servers].into();
        self.base_concurrency = vec![None; servers].into();
    }

    /// Whether any zone is cut off now.
    pub fn any_isolated(&self) -> bool {
        self.any_isolated
    }

    /// The block a `path_block` fault puts from `from` to `to`, if any.
    pub fn block(&self, from: ComponentRef, to: ComponentRef) -> Option<DownMode> {
        self.blocks
            .iter()
            .find(|(_, f, t, _)| *f == from && *t == to)
            .map(|b| b.3)
    }

    pub fn token(&mut self) -> u32 {
        self.next_token += 1;
        self.next_token
    }

    pub fn is_isolated(&self, zone: ZoneIndex) -> bool {
        self.any_isolated && self.isolated[zone] > 0
    }

    /// A hop between these zones crosses an isolation boundary.
    pub fn cut(&self, a: ZoneIndex, b: ZoneIndex) -> bool {
        a != b && (self.is_isolated(a) || self.is_isolated(b))
    }
}

impl World {
    /// Applies `effect` to `servers` until `unimpair_servers(token)`.
    pub fn impair_servers(&mut self, token: u32, servers: &[ServerId], effect: ServerEffect) {
        for &s in servers {
            self.gray.impaired[s] += 1;
            self.gray.server_effects.push((token, s, effect.clone()));
            if matches!(effect, ServerEffect::CapacityLoss(_)) {
                self.recompute_concurrency(s);
            }
        }
    }

    pub fn unimpair_servers(&mut self, token: u32) {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.gray.server_effects)
            .into_iter()
            .partition(|(t, _, _)| *t == token);
        self.gray.server_effects = kept;
        for (_, s, effect) in gone {
            self.gray.impaired[s] -= 1;
            if matches!(effect, ServerEffect::CapacityLoss(_)) {
                self.recompute_concurrency(s);
            }
        }
    }

    fn recompute_concurrency(&mut self, s: ServerId) {
        let base = *self.gray.base_concurrency[s].get_or_insert(self.servers[s].concurrency);
        let lost: f64 = self
            .gray
            .server_effects
            .iter()
            .filter_map(|(_, server, e)| match e {
                ServerEffect::CapacityLoss(f) if *server == s => Some(*f),
                _ => None,
            })
            .sum();
        let removed = (f64::from(base) * lost.min(1.0)).floor() as u32;
        self.servers[s].concurrency = base - removed.min(base);
        // Slots that came back take queued requests at once.
        while let Some(a) = self.servers[s].admit_queued() {
            self.start_service(a, s);
        }
    }

    /// The service time of one request on `server`, after gray faults.
    pub(super) fn impaired_service(&mut self, server: ServerId, took: SimDuration) -> SimDuration {
        if self.gray.impaired[server] == 0 {
            return took;
        }
        let mut factor = 1.0;
        let mut extra = SimDuration::ZERO;
        for (_, s, effect) in &self.gray.server_effects {
            if *s != server {
                continue;
            }
            match effect {
                ServerEffect::Latency(d) => extra = extra + d.sample(&mut self.gray.rng),
                ServerEffect::Slowdown(f) | ServerEffect::Limp { factor: f, .. } => factor *= f,
                ServerEffect::CapacityLoss(_) => {}
            }
        }
        scale(took, factor) + extra
    }

    /// Whether a limping `server` answers this request with an error.
    pub(super) fn limp_fails(&mut self, server: ServerId) -> bool {
        if self.gray.impaired[server] == 0 {
            return false;
        }
        let mut ok = 1.0;
        for (_, s, effect) in &self.gray.server_effects {
            if let (true, ServerEffect::Limp { fraction, .. }) = (*s == server, effect) {
                ok *= 1.0 - fraction;
            }
        }
        ok < 1.0 && self.gray.rng.random::<f64>() >= ok
    }

    pub fn impair_links(&mut self, token: u32, zone: Option<ZoneIndex>, effect: LinkEffect) {
        self.gray.links.push((token, zone, effect));
    }

    pub fn unimpair_links(&mut self, token: u32) {
        self.gray.links.retain(|(t, _, _)| *t != token);
    }

    /// Extra time on a hop between two different zones: link latency, and
    /// retransmission timeouts for lost packets.
    pub(super) fn link_extra(&mut self, a: ZoneIndex, b: ZoneIndex) -> SimDuration {
        if self.gray.links.is_empty() || a == b {
            return SimDuration::ZERO;
        }
        let mut extra = SimDuration::ZERO;
        let mut rto = INITIAL_RTO;
        let mut retransmissions = 0;
        for (_, zone, effect) in &self.gray.links {
            if zone.is_some_and(|z| z != a && z != b) {
                continue;
            }
            match effect {
                LinkEffect::Latency(d) => extra = extra + d.sample(&mut self.gray.rng),
                LinkEffect::Loss(p) => {
                    while retransmissions < MAX_RETRANSMISSIONS
                        && self.gray.rng.random::<f64>() < *p
                    {
                        extra = extra + rto;
                        rto = (rto + rto).min(MAX_RTO);
                        retransmissions += 1;
                    }
                }
            }
        }
        extra
    }

    /// Cuts a zone off from the others (`on`) or reconnects it.
    pub fn isolate_zone(&mut self, zone: ZoneIndex, on: bool) {
        let g = &mut self.gray;
        if on {
            g.isolated[zone] += 1;
        } else {
            g.isolated[zone] = g.isolated[zone].saturating_sub(1);
        }
        g.any_isolated = g.isolated.iter().any(|&n| n > 0);
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

    /// The database's primary is cut off from the rest of the region.
    pub(super) fn db_primary_isolated(&self, db: DbId) -> bool {
        if !self.gray.any_isolated {
            return false;
        }
        let d = &self.dbs[db];
        let primary = d.nodes[d.primary as usize].server;
        self.gray.is_isolated(self.servers[primary].zone)
    }

    pub fn block_path(&mut self, token: u32, from: usize, to: usize, mode: DownMode) {
        let (from, to) = (self.components[from], self.components[to]);
        self.gray.blocks.push((token, from, to, mode));
    }

    pub fn unblock_path(&mut self, token: u32) {
        self.gray.blocks.retain(|(t, _, _, _)| *t != token);
    }

    /// Takes the whole region down (`on`) or brings it back.
    pub fn set_region_down(&mut self, on: bool) {
        let g = &mut self.gray;
        let was = g.region_down > 0;
        g.region_down = if on {
            g.region_down + 1
        } else {
            g.region_down.saturating_sub(1)
        };
        if was == (g.region_down > 0) {
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

    /// Applies network faults to a step about to go from zone `from` to
    /// `to`: `Some(flow)` if the call cannot get through (it fails, waits
    /// or, for a cache, misses); `None` if it goes ahead.
    pub(super) fn gray_blocks(
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
        if mode.is_none() && !self.gray.blocks.is_empty() {
            let caller = self.caller_component(a, component);
            mode = self
                .gray
                .blocks
                .iter()
                .find(|(_, f, t, _)| Some(*f) == caller && *t == component)
                .map(|b| b.3);
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
        if op != Op::Write || !self.db_primary_isolated(db) {
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
        let cause = if d.failover_state == super::database::FailoverState::Idle {
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

/// `d × factor`, rounded to whole nanoseconds.
fn scale(d: SimDuration, factor: f64) -> SimDuration {
    if factor == 1.0 {
        return d;
    }
    SimDuration::from_nanos((d.as_nanos() as f64 * factor).round() as u64)
}
