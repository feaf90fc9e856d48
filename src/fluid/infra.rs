//! The infrastructure's state in the fluid mode, and its transitions.
//!
//! The infrastructure is the request level's: the same node causes, the
//! same rules (written once, in `src/model/`, and called from here) and the
//! same random streams drawn in the same order, so a seed gives both
//! fidelities the same infrastructure trace record for record
//! (tests/suite/infra_trace.rs). What differs is only when work is done:
//! periodic activity (health checks, group status checks) runs only while
//! it can change something (`health.rs`, `auto_scaling.rs`), and traffic is
//! a rate (`flow.rs`) instead of requests.
//!
//! Assumptions and approximations (the request-level model each stands
//! for is in the named `src/model/` file):
//! - Load balancer health checks are the request level's, at the same
//!   times with the same results (`health.rs`); a target gets traffic while
//!   healthy in its tier's first load balancer's view.
//! - A load-balancer node in a dark zone (`failure.rs`): clients keep
//!   reaching it until it leaves DNS (U(64, 94) s, drawn from the request
//!   level's infrastructure stream in its order), then half as often on
//!   average for one DNS TTL while their cached answers expire.
//! - Auto Scaling is the request level's group (`auto_scaling.rs`): its
//!   status checks, grace periods, pacing, zone choice and rebalancing.
//! - Databases (`database.rs`): a primary that goes down is replaced by its
//!   standby (or, if allowed, the least-lagged replica) after detection +
//!   promotion, drawn from the database's own stream in the request
//!   level's order, so both fidelities fail over at the same instants;
//!   callers' cached endpoint answers then expire over one TTL (half of the
//!   callers are stale on average during it). Promoting a
//!   replica loses the writes inside its lag; losing the primary's volume
//!   with no failover target loses the writes since the later of the last
//!   completed snapshot and the last shipped logs (writes counted at the
//!   current successful write rate).
//! - Caches (`cache.rs`): a lost or darkened node misses every lookup; a
//!   node that comes back is cold and warms linearly, taken as half its hit
//!   ratio for the whole warm-up.

use super::auto_scaling::Group;
use super::health::LbHealth;
use super::trace::Tracer;
use super::FluidEvent;
use crate::config::{DownMode, ModelConfig};
use crate::dist::Dist;
use crate::engine::Engine;
use crate::metrics::trace::TraceEvent;
use crate::model::auto_scaling::AutoScaling;
use crate::model::database::Role;
use crate::model::failure::{LB_NODE_DNS_REMOVAL, LB_NODE_DNS_RETURN};
use crate::model::id::{Arena, CacheId, LbId, ServerId};
use crate::model::layout::Layout;
use crate::model::node::{Cause, NodeState, Transition};
use crate::model::trace_records::{lb_dns_event, node_event, zone_event};
use crate::model::volume::VolumeOwner;
use crate::model::world::ServerRole;
use crate::rng::{stream, SimRng};
use crate::time::{SimDuration, SimTime};

pub struct ServerState {
    pub zone: usize,
    /// Why it is down and how it looks meanwhile: the request level's own
    /// cause set (`model/node.rs`), so a cause means the same in both
    /// fidelities (a scripted crash, a random one and a failed primary are
    /// all `Crash`; a zone's blackhole outranks a crash's refusal).
    pub node: NodeState,
    /// Bumped at every up/down transition: stale derived events are dropped.
    pub generation: u32,
    /// An instance slot holding a running instance (database nodes: always).
    pub in_service: bool,
    /// The tier's load balancer routes to it.
    pub in_lb: bool,
    pub tier: Option<usize>,
}

impl ServerState {
    pub fn is_up(&self) -> bool {
        self.in_service && self.node.is_up()
    }

    /// How callers see it while it is down.
    pub fn mode(&self) -> DownMode {
        self.node.mode()
    }
}

pub struct TierState {
    pub slots: Vec<ServerId>,
    pub lb: Option<usize>,
    /// The tier's Auto Scaling group (`auto_scaling.rs`).
    pub group: Option<Group>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DnsPhase {
    /// In every client's cached answer.
    Listed,
    /// Removed from DNS; cached answers still name it (half on average).
    Expiring,
    /// No client reaches it.
    Gone,
}

pub struct LbNodeState {
    pub zone: usize,
    pub dark: bool,
    pub phase: DnsPhase,
    /// In the DNS answer (the request level's mask): left after the
    /// removal window, back after the return window.
    pub in_dns: bool,
    pub generation: u32,
}

pub struct LbState {
    pub nodes: Vec<LbNodeState>,
    pub dns_ttl: SimDuration,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Failover {
    Idle,
    Detecting,
    /// Promoting `candidate`, whose replication lag was drawn when it was
    /// chosen.
    Promoting {
        candidate: usize,
        lag: SimDuration,
    },
}

pub struct DbState {
    pub servers: Vec<ServerId>,
    pub roles: Vec<Role>,
    pub lags: Vec<Option<crate::dist::Dist>>,
    pub primary: usize,
    pub failover: Failover,
    pub epoch: u32,
    pub blocked: u32,
    /// After a failover, until one endpoint TTL has passed.
    pub endpoint_stale: bool,
    /// The node stale callers still reach after a failover.
    pub previous_primary: usize,
    pub config: crate::config::DatabaseConfig,
    /// The database's own stream (`db/<name>`), drawn in the request
    /// level's order: detection, replica lags, promotion, failure coin.
    pub rng: SimRng,
    /// Successful writes per second in the current state (set by the flow).
    pub write_rate_per_s: f64,
    pub writes_lost: f64,
    pub rpo_s: f64,
}

pub struct CacheNodeState {
    pub zone: usize,
    /// Lost (`Crash`, until replaced) or in a dark zone (`Zone`).
    pub node: NodeState,
    pub cold: bool,
    pub generation: u32,
}

pub struct CacheState {
    pub nodes: Vec<CacheNodeState>,
    /// The request level's replacement stream (`cache/<name>/replace`).
    pub replace_rng: SimRng,
    pub hit_ratio: f64,
    pub warmup: SimDuration,
}

pub struct VolumeState {
    pub owner: ServerId,
    pub lost: bool,
    pub generation: u32,
    pub config: crate::config::VolumeConfig,
    pub db: Option<usize>,
}

pub struct Infra {
    pub servers: Arena<ServerId, ServerState>,
    pub tiers: Vec<TierState>,
    pub lbs: Vec<LbState>,
    pub dbs: Vec<DbState>,
    pub caches: Vec<CacheState>,
    pub volumes: Vec<VolumeState>,
    pub zones_dark: Vec<Option<DownMode>>,
    /// Per external dependency: down and how.
    pub externals_down: Vec<Option<DownMode>>,
    /// Traffic multiplier (spikes) and per-class multipliers (surges).
    pub load_factor: f64,
    pub class_factor: Vec<f64>,
    /// Something changed since the flow was last evaluated.
    pub dirty: bool,
    /// The component index of each tier (databases name their host by it).
    pub tier_component: Vec<usize>,
    /// The request level's infrastructure stream (`infrastructure`), for
    /// the draws both fidelities make of it in the same order (DNS windows
    /// of load-balancer nodes, default volume restores, restarts after a
    /// scripted primary failure).
    pub infra_rng: SimRng,
    /// Each load balancer's health checks (`super::health`).
    pub health: Vec<Option<LbHealth>>,
    /// The infrastructure trace, when asked for (`super::trace`).
    pub trace: Option<Box<Tracer>>,
}

impl Infra {
    /// The state at the start of a run, read from the plan's topology.
    pub fn new(layout: &Layout, model: &ModelConfig, seed: u64) -> Infra {
        let mut servers: Arena<ServerId, ServerState> = layout
            .servers
            .iter()
            .map(|s| ServerState {
                zone: s.zone,
                node: NodeState::default(),
                generation: 0,
                in_service: matches!(s.role, ServerRole::DbNode { .. }),
                in_lb: false,
                tier: match s.role {
                    ServerRole::Instance { tier, .. } => Some(tier.index()),
                    ServerRole::DbNode { .. } => None,
                },
            })
            .collect();
        let mut tiers = Vec::new();
        for t in &layout.tiers {
            // A group's spare slots hold no running instance (the request
            // level's `not_running` cause) until a launch fills them.
            for &s in &t.slots {
                servers[s].node.set(Cause::NotRunning, DownMode::Refuse);
            }
            for &s in &t.in_service {
                servers[s].in_service = true;
                servers[s].in_lb = true;
                servers[s].node.clear(Cause::NotRunning);
            }
            // The request level's group (`model/build.rs`): its zones in
            // file order (the order their slots come in), its stream.
            let group = t.auto_scaling.as_ref().map(|config| {
                let mut zones: Vec<usize> = Vec::new();
                for &s in &t.slots {
                    let z = servers[s].zone;
                    if !zones.contains(&z) {
                        zones.push(z);
                    }
                }
                let in_service = t.slots.iter().map(|s| t.in_service.contains(s)).collect();
                let mut group = AutoScaling::new(
                    config.clone(),
                    zones,
                    t.slots[0],
                    in_service,
                    stream(seed, &format!("asg/{}", t.name)),
                );
                group.lbs = layout
                    .lbs
                    .iter_enumerated()
                    .filter(|(_, lb)| lb.targets.first().is_some_and(|x| t.slots.contains(x)))
                    .map(|(id, _)| id)
                    .collect();
                Group::new(group)
            });
            tiers.push(TierState {
                slots: t.slots.clone(),
                lb: None,
                group,
            });
        }
        for (lb_index, lb) in layout.lbs.iter().enumerate() {
            if let Some(&s) = lb.targets.first() {
                if let Some(t) = servers[s].tier {
                    tiers[t].lb.get_or_insert(lb_index);
                }
            }
        }
        let health = LbHealth::plan(layout, seed, |s| servers[s].in_service);
        let lbs = layout
            .lbs
            .iter()
            .map(|lb| LbState {
                nodes: lb
                    .node_zones
                    .iter()
                    .map(|&zone| LbNodeState {
                        zone,
                        dark: false,
                        phase: DnsPhase::Listed,
                        in_dns: true,
                        generation: 0,
                    })
                    .collect(),
                dns_ttl: lb.dns_ttl,
            })
            .collect();
        let db_configs: Vec<&crate::config::DatabaseConfig> = model
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                crate::config::ComponentKind::Database(d) => Some(d),
                _ => None,
            })
            .collect();
        let dbs = layout
            .dbs
            .iter()
            .zip(db_configs)
            .map(|(d, config)| DbState {
                servers: d.nodes.iter().map(|n| n.server).collect(),
                roles: d.nodes.iter().map(|n| n.role).collect(),
                lags: d.nodes.iter().map(|n| n.lag).collect(),
                primary: d.primary as usize,
                failover: Failover::Idle,
                epoch: 0,
                blocked: 0,
                endpoint_stale: false,
                previous_primary: d.primary as usize,
                config: config.clone(),
                rng: stream(seed, &format!("db/{}", d.name)),
                write_rate_per_s: 0.0,
                writes_lost: 0.0,
                rpo_s: 0.0,
            })
            .collect();
        let caches = layout
            .caches
            .iter()
            .map(|c| CacheState {
                nodes: c
                    .node_zones
                    .iter()
                    .map(|&zone| CacheNodeState {
                        zone,
                        node: NodeState::default(),
                        cold: false,
                        generation: 0,
                    })
                    .collect(),
                hit_ratio: c.hit_ratio,
                warmup: c.warmup,
                replace_rng: stream(seed, &format!("cache/{}/replace", c.name)),
            })
            .collect();
        let volumes = layout
            .volumes
            .iter_enumerated()
            .map(|(v, vol)| {
                let owner = layout.volume_server(v);
                let db = match vol.owner {
                    VolumeOwner::Instance(_) => None,
                    VolumeOwner::DbNode { db, .. } => Some(db.index()),
                };
                VolumeState {
                    owner,
                    lost: false,
                    generation: 0,
                    config: vol.config.clone(),
                    db,
                }
            })
            .collect();
        Infra {
            servers,
            tiers,
            lbs,
            dbs,
            caches,
            volumes,
            zones_dark: vec![None; layout.zones.len()],
            externals_down: vec![None; layout.externals.len()],
            load_factor: 1.0,
            class_factor: vec![1.0; layout.classes.len()],
            dirty: true,
            tier_component: layout.tier_components(),
            health,
            infra_rng: stream(seed, "infrastructure"),
            trace: None,
        }
    }

    /// Records the event `make` builds from the topology, if tracing.
    #[inline]
    pub(super) fn record(&mut self, make: impl FnOnce(&Layout) -> TraceEvent) {
        if let Some(t) = &mut self.trace {
            let event = make(&t.layout);
            t.events.push(event);
        }
    }

    /// `node_down` / `node_up` of a server, as the request level words it.
    pub(super) fn trace_server(&mut self, at: SimTime, s: ServerId, up: bool, cause: Cause) {
        let mode = self.servers[s].mode();
        self.record(|l| node_event(at, l.server_label(s), up, cause, mode, false));
    }

    /// Sets down cause(s) on a server and applies the consequences.
    pub fn server_down(
        &mut self,
        e: &mut Engine<FluidEvent>,
        s: ServerId,
        cause: Cause,
        mode: DownMode,
    ) {
        let was_up = self.servers[s].is_up();
        let st = &mut self.servers[s];
        if st.node.set(cause, mode) == Transition::WentDown {
            self.trace_server(e.now(), s, false, cause);
            self.health_wake(e, s);
            if let Some(t) = self.servers[s].tier {
                self.asg_wake(e, t);
            }
        }
        let st = &mut self.servers[s];
        if !was_up || st.is_up() {
            return;
        }
        st.generation += 1;
        self.dirty = true;
        match st.tier {
            Some(_) => self.host_changed(e, s, true),
            None => self.db_node_down(e, s),
        }
    }

    /// Clears down cause(s) on a server and applies the consequences.
    pub fn server_up(&mut self, e: &mut Engine<FluidEvent>, s: ServerId, cause: Cause) {
        let was_up = self.servers[s].is_up();
        let st = &mut self.servers[s];
        if st.node.clear(cause) == Transition::CameUp {
            self.trace_server(e.now(), s, true, cause);
            self.health_wake(e, s);
            if let Some(t) = self.servers[s].tier {
                self.asg_wake(e, t);
            }
        }
        let st = &mut self.servers[s];
        if was_up || !st.is_up() {
            return;
        }
        st.generation += 1;
        self.dirty = true;
        let generation = st.generation;
        if let Some(t) = st.tier {
            // A checked target comes back by its checks (`health.rs`).
            if !st.in_lb && !self.lb_checks(t) {
                e.schedule_after(
                    SimDuration::ZERO,
                    FluidEvent::LbAdmit {
                        server: s,
                        generation,
                    },
                );
            }
            self.host_changed(e, s, false);
        } else {
            self.db_node_up(e, s);
        }
    }

    /// The nodes in its zone of a database hosted on the instance's tier
    /// (`host:`) share its fate, as `model/failure.rs` has it.
    fn host_changed(&mut self, e: &mut Engine<FluidEvent>, s: ServerId, down: bool) {
        let Some(tier) = self.servers[s].tier else {
            return;
        };
        let component = self.tier_component.get(tier).copied();
        let (zone, mode) = (self.servers[s].zone, self.servers[s].mode());
        let hosted: Vec<ServerId> = self
            .dbs
            .iter()
            .filter(|d| d.config.host.is_some() && d.config.host == component)
            .flat_map(|d| d.servers.iter().copied())
            .filter(|&x| self.servers[x].zone == zone)
            .collect();
        for x in hosted {
            if down {
                self.server_down(e, x, Cause::Host, mode);
            } else {
                self.server_up(e, x, Cause::Host);
            }
        }
    }

    pub fn on_lb_admit(&mut self, s: ServerId, generation: u32) {
        let st = &mut self.servers[s];
        if st.generation == generation && st.is_up() && !st.in_lb {
            st.in_lb = true;
            self.dirty = true;
        }
    }

    /// Whether tier `t`'s load balancer health-checks its targets.
    pub(super) fn lb_checks(&self, t: usize) -> bool {
        self.tiers[t]
            .lb
            .is_some_and(|lb| self.health.get(lb).is_some_and(Option::is_some))
    }

    /// A cache node is lost; it is replaced, cold, after `replace`.
    pub fn cache_node_lost(
        &mut self,
        e: &mut Engine<FluidEvent>,
        c: usize,
        n: usize,
        replace: SimDuration,
    ) {
        let node = &mut self.caches[c].nodes[n];
        if node.node.set(Cause::Crash, DownMode::Refuse) == Transition::WentDown {
            self.trace_cache_node(e.now(), c, n, false, Cause::Crash);
        }
        let node = &mut self.caches[c].nodes[n];
        node.generation += 1;
        let generation = node.generation;
        self.dirty = true;
        e.schedule_after(
            replace,
            FluidEvent::CacheBack {
                cache: c as u16,
                node: n as u16,
                generation,
            },
        );
    }

    pub fn on_cache_back(&mut self, e: &mut Engine<FluidEvent>, c: usize, n: usize, cause: Cause) {
        let warmup = self.caches[c].warmup;
        let node = &mut self.caches[c].nodes[n];
        if node.node.clear(cause) != Transition::CameUp {
            return;
        }
        self.trace_cache_node(e.now(), c, n, true, cause);
        let node = &mut self.caches[c].nodes[n];
        node.cold = true;
        node.generation += 1;
        let generation = node.generation;
        self.dirty = true;
        e.schedule_after(
            warmup,
            FluidEvent::CacheWarm {
                cache: c as u16,
                node: n as u16,
                generation,
            },
        );
    }

    fn trace_cache_node(&mut self, at: SimTime, c: usize, n: usize, up: bool, cause: Cause) {
        let mode = self.caches[c].nodes[n].node.mode();
        let cache = CacheId(c as u16);
        self.record(|l| node_event(at, l.cache_node_label(cache, n), up, cause, mode, true));
    }

    pub fn on_cache_warm(&mut self, c: usize, n: usize, generation: u32) {
        let node = &mut self.caches[c].nodes[n];
        if node.generation == generation && node.cold {
            node.cold = false;
            self.dirty = true;
        }
    }

    /// A zone goes dark (`Some(mode)`) or returns (`None`).
    pub fn set_zone_dark(&mut self, e: &mut Engine<FluidEvent>, z: usize, dark: Option<DownMode>) {
        if self.zones_dark[z] == dark {
            return;
        }
        self.zones_dark[z] = dark;
        self.dirty = true;
        let at = e.now();
        self.record(|l| zone_event(at, &l.zones[z], dark));
        for s in self.servers.ids() {
            if self.servers[s].zone != z {
                continue;
            }
            match dark {
                Some(mode) => self.server_down(e, s, Cause::Zone, mode),
                None => self.server_up(e, s, Cause::Zone),
            }
        }
        for c in 0..self.caches.len() {
            for n in 0..self.caches[c].nodes.len() {
                if self.caches[c].nodes[n].zone != z {
                    continue;
                }
                match dark {
                    Some(_) => {
                        let node = &mut self.caches[c].nodes[n];
                        if node.node.set(Cause::Zone, DownMode::Blackhole) == Transition::WentDown {
                            self.trace_cache_node(at, c, n, false, Cause::Zone);
                        }
                        self.caches[c].nodes[n].generation += 1;
                    }
                    None => self.on_cache_back(e, c, n, Cause::Zone),
                }
            }
        }
        for lb in 0..self.lbs.len() {
            for n in 0..self.lbs[lb].nodes.len() {
                if self.lbs[lb].nodes[n].zone != z {
                    continue;
                }
                // Leaving or rejoining the answer takes a draw from the
                // infrastructure stream, as at request level
                // (`LoadBalancer::schedule_dns`).
                let (min_s, max_s) = match dark {
                    Some(_) => LB_NODE_DNS_REMOVAL,
                    None => LB_NODE_DNS_RETURN,
                };
                let delay = Dist::Uniform { min_s, max_s }.sample(&mut self.infra_rng);
                let node = &mut self.lbs[lb].nodes[n];
                node.generation += 1;
                let generation = node.generation;
                let was_dark = node.dark;
                match dark {
                    Some(_) => {
                        node.dark = true;
                        e.schedule_after(
                            delay,
                            FluidEvent::LbNodeDns {
                                lb: lb as u16,
                                node: n as u16,
                                generation,
                            },
                        );
                    }
                    None => {
                        // Back in service at once for clients still
                        // holding it; it rejoins DNS a minute or so later,
                        // which fails nobody.
                        node.dark = false;
                        node.phase = DnsPhase::Listed;
                        e.schedule_after(
                            delay,
                            FluidEvent::LbNodeDnsBack {
                                lb: lb as u16,
                                node: n as u16,
                                generation,
                            },
                        );
                    }
                }
                if was_dark != dark.is_some() {
                    let mode = dark.unwrap_or(DownMode::Refuse);
                    let lb_id = LbId(lb as u16);
                    self.record(|l| {
                        node_event(
                            at,
                            l.lb_node_label(lb_id, n),
                            was_dark,
                            Cause::Zone,
                            mode,
                            false,
                        )
                    });
                }
            }
        }
        self.asg_wake_all(e);
    }

    /// A node back from a dark zone rejoins the DNS answer (its clients
    /// reached it again at once: this changes no traffic).
    pub fn on_lb_node_dns_back(
        &mut self,
        e: &mut Engine<FluidEvent>,
        lb: usize,
        n: usize,
        generation: u32,
    ) {
        let node = &mut self.lbs[lb].nodes[n];
        if node.generation != generation || node.dark || node.in_dns {
            return;
        }
        node.in_dns = true;
        let at = e.now();
        self.trace_lb_dns(at, lb, n, true);
    }

    fn trace_lb_dns(&mut self, at: SimTime, lb: usize, n: usize, in_dns: bool) {
        let (z, ttl) = (self.lbs[lb].nodes[n].zone, self.lbs[lb].dns_ttl);
        let id = LbId(lb as u16);
        self.record(|l| lb_dns_event(at, &l.lbs[id].name, &l.zones[z], in_dns, ttl));
    }

    /// A dark node's DNS record moves one phase on.
    pub fn on_lb_node_dns(
        &mut self,
        e: &mut Engine<FluidEvent>,
        lb: usize,
        n: usize,
        generation: u32,
    ) {
        let ttl = self.lbs[lb].dns_ttl;
        let node = &mut self.lbs[lb].nodes[n];
        if node.generation != generation || !node.dark {
            return;
        }
        self.dirty = true;
        match node.phase {
            DnsPhase::Listed => {
                node.phase = DnsPhase::Expiring;
                node.in_dns = false;
                let at = e.now();
                self.trace_lb_dns(at, lb, n, false);
                e.schedule_after(
                    ttl,
                    FluidEvent::LbNodeDns {
                        lb: lb as u16,
                        node: n as u16,
                        generation,
                    },
                );
            }
            DnsPhase::Expiring | DnsPhase::Gone => node.phase = DnsPhase::Gone,
        }
    }
}
