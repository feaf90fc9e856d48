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

use super::database::Database;
use super::event::ServerId;
use super::id::Arena;
use super::server::Server;
use super::world::ComponentRef;
use crate::config::{DownMode, ZoneIndex};
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

/// The faults' own state: what the fault layer starts and ends (through
/// `world/commands.rs`) and what a request's service and hops meet (the
/// per-request path, `world/path.rs`, calls these directly).
impl Impairments {
    /// `effect` now acts on server `s`, until `unimpair_servers(token)`.
    /// True if it changes the server's concurrency.
    pub(crate) fn impair_server(&mut self, token: u32, s: ServerId, effect: ServerEffect) -> bool {
        self.impaired[s] += 1;
        let capacity = matches!(effect, ServerEffect::CapacityLoss(_));
        self.server_effects.push((token, s, effect));
        capacity
    }

    /// Ends fault `token`'s per-server effects; returns, in order, the
    /// servers whose concurrency changes.
    pub(crate) fn unimpair_servers(&mut self, token: u32) -> Vec<ServerId> {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.server_effects)
            .into_iter()
            .partition(|(t, _, _)| *t == token);
        self.server_effects = kept;
        let mut changed = Vec::new();
        for (_, s, effect) in gone {
            self.impaired[s] -= 1;
            if matches!(effect, ServerEffect::CapacityLoss(_)) {
                changed.push(s);
            }
        }
        changed
    }

    /// Server `s`'s concurrency under its active capacity losses;
    /// `current` is its concurrency now (its base, the first time).
    pub(crate) fn concurrency(&mut self, s: ServerId, current: u32) -> u32 {
        let base = *self.base_concurrency[s].get_or_insert(current);
        let lost: f64 = self
            .server_effects
            .iter()
            .filter_map(|(_, server, e)| match e {
                ServerEffect::CapacityLoss(f) if *server == s => Some(*f),
                _ => None,
            })
            .sum();
        let removed = (f64::from(base) * lost.min(1.0)).floor() as u32;
        base - removed.min(base)
    }

    /// The service time of one request on `server`, after gray faults.
    pub(crate) fn impaired_service(&mut self, server: ServerId, took: SimDuration) -> SimDuration {
        if self.impaired[server] == 0 {
            return took;
        }
        let mut factor = 1.0;
        let mut extra = SimDuration::ZERO;
        for (_, s, effect) in &self.server_effects {
            if *s != server {
                continue;
            }
            match effect {
                ServerEffect::Latency(d) => extra = extra + d.sample(&mut self.rng),
                ServerEffect::Slowdown(f) | ServerEffect::Limp { factor: f, .. } => factor *= f,
                ServerEffect::CapacityLoss(_) => {}
            }
        }
        scale(took, factor) + extra
    }

    /// Whether a limping `server` answers this request with an error.
    #[inline]
    pub(crate) fn limp_fails(&mut self, server: ServerId) -> bool {
        if self.impaired[server] == 0 {
            return false;
        }
        let mut ok = 1.0;
        for (_, s, effect) in &self.server_effects {
            if let (true, ServerEffect::Limp { fraction, .. }) = (*s == server, effect) {
                ok *= 1.0 - fraction;
            }
        }
        ok < 1.0 && self.rng.random::<f64>() >= ok
    }

    pub(crate) fn impair_links(&mut self, token: u32, zone: Option<ZoneIndex>, effect: LinkEffect) {
        self.links.push((token, zone, effect));
    }

    pub(crate) fn unimpair_links(&mut self, token: u32) {
        self.links.retain(|(t, _, _)| *t != token);
    }

    /// Extra time on a hop between two different zones: link latency, and
    /// retransmission timeouts for lost packets.
    pub(crate) fn link_extra(&mut self, a: ZoneIndex, b: ZoneIndex) -> SimDuration {
        if self.links.is_empty() || a == b {
            return SimDuration::ZERO;
        }
        let mut extra = SimDuration::ZERO;
        let mut rto = INITIAL_RTO;
        let mut retransmissions = 0;
        for (_, zone, effect) in &self.links {
            if zone.is_some_and(|z| z != a && z != b) {
                continue;
            }
            match effect {
                LinkEffect::Latency(d) => extra = extra + d.sample(&mut self.rng),
                LinkEffect::Loss(p) => {
                    while retransmissions < MAX_RETRANSMISSIONS && self.rng.random::<f64>() < *p {
                        extra = extra + rto;
                        rto = (rto + rto).min(MAX_RTO);
                        retransmissions += 1;
                    }
                }
            }
        }
        extra
    }

    /// Cuts `zone` off from the others (`on`) or reconnects it (one
    /// isolation fault's share).
    pub(crate) fn isolate(&mut self, zone: ZoneIndex, on: bool) {
        if on {
            self.isolated[zone] += 1;
        } else {
            self.isolated[zone] = self.isolated[zone].saturating_sub(1);
        }
        self.any_isolated = self.isolated.iter().any(|&n| n > 0);
    }

    /// Whether the primary of `d` is cut off from the rest of the region.
    pub(crate) fn primary_isolated(&self, d: &Database, servers: &Arena<ServerId, Server>) -> bool {
        if !self.any_isolated {
            return false;
        }
        let primary = d.nodes[d.primary as usize].server;
        self.is_isolated(servers[primary].zone)
    }

    pub(crate) fn block_path(
        &mut self,
        token: u32,
        from: ComponentRef,
        to: ComponentRef,
        mode: DownMode,
    ) {
        self.blocks.push((token, from, to, mode));
    }

    pub(crate) fn unblock_path(&mut self, token: u32) {
        self.blocks.retain(|(t, _, _, _)| *t != token);
    }

    /// Whether any `path_block` fault is active.
    pub(crate) fn any_block(&self) -> bool {
        !self.blocks.is_empty()
    }

    /// One region outage starts (`on`) or ends; true if the region's state
    /// (down or not) changes.
    pub(crate) fn region(&mut self, on: bool) -> bool {
        let was = self.region_down > 0;
        self.region_down = if on {
            self.region_down + 1
        } else {
            self.region_down.saturating_sub(1)
        };
        was != (self.region_down > 0)
    }
}

/// `d × factor`, rounded to whole nanoseconds.
fn scale(d: SimDuration, factor: f64) -> SimDuration {
    if factor == 1.0 {
        return d;
    }
    SimDuration::from_nanos((d.as_nanos() as f64 * factor).round() as u64)
}
