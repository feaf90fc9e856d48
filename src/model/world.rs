//! The world of one run: every component in its arena, the engine, the
//! client population's DNS caches and the recorder. Built from a model and a
//! scenario; changed only by events.

use super::cache::{Cache, CacheNode};
use super::client::Client;
use super::database::{Database, DbNode, FailoverState, Role, WriteLog};
use super::event::{DbId, Event, LbId, ServerId, VolumeId};
use super::load_balancer::LoadBalancer;
use super::network::Network;
use super::node::NodeState;
use super::object_store::ObjectStore;
use super::request::{Attempts, Requests, MAX_HELD};
use super::server::Server;
use super::tier::Tier;
use super::volume::{Volume, VolumeOwner};
use super::workload::Workload;
use crate::config::{
    ComponentKind, ModelConfig, Op, ScenarioConfig, SourcePos, Step, VolumeConfig, ZoneIndex,
};
use crate::dist::Dist;
use crate::engine::{Engine, LaneId};
use crate::metrics::Recorder;
use crate::rng::{stream, SimRng};
use crate::time::{SimDuration, SimTime};

/// Availability a second must meet when the scenario sets no target.
pub const DEFAULT_AVAILABILITY_TARGET: f64 = 0.999;

/// What a model component index refers to in the arenas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentRef {
    Tier(u16),
    Lb(LbId),
    Db(DbId),
    Cache(u16),
    ObjectStore(u16),
}

/// What a server is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerRole {
    Instance { tier: u16, hosts: Option<DbId> },
    DbNode { db: DbId, node: u16 },
}

pub struct Zone {
    pub name: String,
    /// Set while the zone is out, with how its nodes look to callers.
    pub dark: Option<crate::config::DownMode>,
}

pub struct Class {
    pub name: String,
    pub steps: Vec<Step>,
}

/// A scenario that does not fit the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    pub pos: Option<SourcePos>,
    pub message: String,
}

pub struct World {
    pub engine: Engine<Event>,
    pub timeout_lane: Option<LaneId>,
    pub horizon: SimTime,
    pub seed: u64,
    pub zones: Vec<Zone>,
    pub components: Vec<ComponentRef>,
    pub component_names: Vec<String>,
    pub classes: Vec<Class>,
    pub servers: Vec<Server>,
    pub server_roles: Vec<ServerRole>,
    pub tiers: Vec<Tier>,
    pub lbs: Vec<LoadBalancer>,
    pub dbs: Vec<Database>,
    pub caches: Vec<Cache>,
    pub object_stores: Vec<ObjectStore>,
    pub volumes: Vec<Volume>,
    pub network: Network,
    pub workload: Workload,
    pub client: Client,
    pub requests: Requests,
    pub attempts: Attempts,
    /// Per (client, load balancer): cached node set and its expiry.
    pub lb_dns_cache: Vec<(u64, SimTime)>,
    /// Per (caller, database): cached endpoint node and its expiry; callers
    /// are servers first, then clients.
    pub db_dns_cache: Vec<(u16, SimTime)>,
    /// Draws for things that belong to no single component (DNS delays).
    pub infra_rng: SimRng,
    pub recorder: Recorder,
    pub peak_pending_events: usize,
}

impl World {
    pub fn now(&self) -> SimTime {
        self.engine.now()
    }

    pub fn new(
        model: &ModelConfig,
        scenario: &ScenarioConfig,
        seed: u64,
    ) -> Result<World, BuildError> {
        let horizon = SimTime(scenario.horizon.as_nanos());
        let warmup_end = SimTime(scenario.warmup.as_nanos());
        let mut engine = Engine::new();
        let timeout_lane = scenario.client.timeout.map(|t| engine.add_lane(t));
        let target = scenario
            .slo
            .availability
            .unwrap_or(DEFAULT_AVAILABILITY_TARGET);
        let mut world = World {
            engine,
            timeout_lane,
            horizon,
            seed,
            zones: model
                .zones
                .iter()
                .map(|name| Zone {
                    name: name.clone(),
                    dark: None,
                })
                .collect(),
            components: Vec::new(),
            component_names: model.components.iter().map(|c| c.name.clone()).collect(),
            classes: Vec::new(),
            servers: Vec::new(),
            server_roles: Vec::new(),
            tiers: Vec::new(),
            lbs: Vec::new(),
            dbs: Vec::new(),
            caches: Vec::new(),
            object_stores: Vec::new(),
            volumes: Vec::new(),
            network: Network::new(&model.network, stream(seed, "network")),
            workload: Workload::new(&scenario.workload, &[1.0], stream(seed, "workload")),
            client: Client::new(&scenario.client, stream(seed, "client")),
            requests: Requests::default(),
            attempts: Attempts::default(),
            lb_dns_cache: Vec::new(),
            db_dns_cache: Vec::new(),
            infra_rng: stream(seed, "infrastructure"),
            recorder: Recorder::new(warmup_end, target),
            peak_pending_events: 0,
        };
        world.build_components(model)?;
        world.build_classes(model, scenario)?;
        let clients = scenario.workload.clients.max(1) as usize;
        world.lb_dns_cache = vec![(0, SimTime::ZERO); clients * world.lbs.len()];
        world.db_dns_cache =
            vec![(0, SimTime::ZERO); (world.servers.len() + clients) * world.dbs.len()];
        world.schedule_initial_events();
        Ok(world)
    }

    fn build_components(&mut self, model: &ModelConfig) -> Result<(), BuildError> {
        // Tiers first: load balancers and hosted databases refer to them.
        let mut refs: Vec<Option<ComponentRef>> = vec![None; model.components.len()];
        for (i, c) in model.components.iter().enumerate() {
            if let ComponentKind::Tier(t) = &c.kind {
                let tier_id = self.tiers.len() as u16;
                let mut servers = Vec::new();
                let mut by_zone = vec![Vec::new(); self.zones.len()];
                for &zone in &t.zones {
                    for k in 0..t.per_zone {
                        let sid = self.add_server(
                            Server::new(zone, t.concurrency, t.queue_limit),
                            ServerRole::Instance {
                                tier: tier_id,
                                hosts: None,
                            },
                        );
                        servers.push(sid);
                        by_zone[zone].push(sid);
                        if let Some(v) = &t.volume {
                            let name = format!("{}/{}-{}", c.name, self.zones[zone].name, k + 1);
                            self.add_volume(name, VolumeOwner::Instance(sid), v);
                        }
                    }
                }
                self.tiers.push(Tier {
                    name: c.name.clone(),
                    servers,
                    by_zone,
                    service_time_by_class: t.service_time_by_class.clone(),
                    rng: stream(self.seed, &format!("tier/{}", c.name)),
                });
                refs[i] = Some(ComponentRef::Tier(tier_id));
            }
        }
        for (i, c) in model.components.iter().enumerate() {
            let r = match &c.kind {
                ComponentKind::Tier(_) => continue,
                ComponentKind::LoadBalancer(lb) => {
                    let Some(ComponentRef::Tier(t)) = refs[lb.target] else {
                        return Err(BuildError {
                            pos: None,
                            message: format!("load balancer `{}` must target a tier", c.name),
                        });
                    };
                    let targets = self.tiers[t as usize]
                        .servers
                        .iter()
                        .map(|&s| (s, self.servers[s as usize].zone))
                        .collect();
                    self.lbs.push(LoadBalancer::new(
                        c.name.clone(),
                        lb.strategy,
                        lb.cross_zone,
                        &lb.zones,
                        lb.dns_ttl,
                        lb.health_check.clone(),
                        lb.connect_timeout,
                        targets,
                        stream(self.seed, &format!("lb/{}", c.name)),
                    ));
                    ComponentRef::Lb((self.lbs.len() - 1) as LbId)
                }
                ComponentKind::Database(d) => {
                    let db_id = self.dbs.len() as DbId;
                    let host = match d.host.map(|h| refs[h]) {
                        Some(Some(ComponentRef::Tier(t))) => {
                            let tier = &self.tiers[t as usize];
                            if tier.servers.len() != 1 {
                                return Err(BuildError {
                                    pos: None,
                                    message: format!(
                                        "database `{}` is hosted on tier `{}`, which must have exactly one instance",
                                        c.name, tier.name
                                    ),
                                });
                            }
                            Some(tier.servers[0])
                        }
                        _ => None,
                    };
                    let mut layout: Vec<(ZoneIndex, Role, Option<Dist>)> =
                        vec![(d.primary_zone, Role::Primary, None)];
                    if let Some(z) = d.standby_zone {
                        layout.push((z, Role::Standby, None));
                    }
                    for r in &d.replicas {
                        layout.push((r.zone, Role::Replica, Some(r.lag.clone())));
                    }
                    let mut nodes = Vec::new();
                    for (n, (zone, role, lag)) in layout.into_iter().enumerate() {
                        let server = self.add_server(
                            Server::new(zone, d.concurrency, d.queue_limit),
                            ServerRole::DbNode {
                                db: db_id,
                                node: n as u16,
                            },
                        );
                        let volume = d.volume.as_ref().map(|v| {
                            let name = format!("{}/node-{}", c.name, n + 1);
                            self.add_volume(
                                name,
                                VolumeOwner::DbNode {
                                    db: db_id,
                                    node: n as u16,
                                },
                                v,
                            )
                        });
                        nodes.push(DbNode {
                            server,
                            role,
                            lag,
                            volume,
                        });
                    }
                    if let Some(h) = host {
                        if let ServerRole::Instance { hosts, .. } =
                            &mut self.server_roles[h as usize]
                        {
                            *hosts = Some(db_id);
                        }
                    }
                    // Keep enough write history to answer for the longest
                    // replica lag we expect to draw.
                    let retain_s = d
                        .replicas
                        .iter()
                        .map(|r| r.lag.high_quantile_s())
                        .fold(0.0, f64::max);
                    self.dbs.push(Database {
                        name: c.name.clone(),
                        nodes,
                        primary: 0,
                        endpoint: 0,
                        endpoint_ttl: d.endpoint_ttl,
                        failover: d.failover.clone(),
                        failover_state: FailoverState::Idle,
                        epoch: 0,
                        primary_down_at: SimTime::ZERO,
                        failover_blocked: 0,
                        read_from: d.read_from,
                        read_time: d.read_time.clone(),
                        write_time: d.write_time.clone(),
                        restart_time: d.restart_time.clone(),
                        log: WriteLog::new(SimDuration::from_secs_f64(retain_s * 2.0)),
                        log_upload_every: d.log_upload_every,
                        pending_loss: None,
                        host,
                        rng: stream(self.seed, &format!("db/{}", c.name)),
                    });
                    ComponentRef::Db(db_id)
                }
                ComponentKind::Cache(cc) => {
                    let mut nodes = Vec::new();
                    for &zone in &cc.zones {
                        for _ in 0..cc.nodes_per_zone.max(1) {
                            nodes.push(CacheNode {
                                zone,
                                node: NodeState::default(),
                                cold_since: None,
                            });
                        }
                    }
                    self.caches.push(Cache {
                        name: c.name.clone(),
                        nodes,
                        hit_ratio: cc.hit_ratio,
                        warmup: cc.warmup,
                        service_time: cc.service_time.clone(),
                        replace_time: cc.replace_time.clone(),
                        rng: stream(self.seed, &format!("cache/{}", c.name)),
                    });
                    ComponentRef::Cache((self.caches.len() - 1) as u16)
                }
                ComponentKind::ObjectStore(o) => {
                    self.object_stores.push(ObjectStore {
                        name: c.name.clone(),
                        service_time: o.service_time.clone(),
                        rng: stream(self.seed, &format!("object_store/{}", c.name)),
                    });
                    ComponentRef::ObjectStore((self.object_stores.len() - 1) as u16)
                }
            };
            refs[i] = Some(r);
        }
        self.components = refs.into_iter().flatten().collect();
        Ok(())
    }

    fn add_server(&mut self, server: Server, role: ServerRole) -> ServerId {
        self.servers.push(server);
        self.server_roles.push(role);
        (self.servers.len() - 1) as ServerId
    }

    fn add_volume(&mut self, name: String, owner: VolumeOwner, config: &VolumeConfig) -> VolumeId {
        self.volumes.push(Volume {
            name,
            owner,
            config: config.clone(),
            incarnation: 0,
            lost: false,
        });
        (self.volumes.len() - 1) as VolumeId
    }

    fn build_classes(
        &mut self,
        model: &ModelConfig,
        scenario: &ScenarioConfig,
    ) -> Result<(), BuildError> {
        let mut shares: Vec<f64> = model.request_classes.iter().map(|c| c.share).collect();
        if let Some(mix) = &scenario.workload.mix {
            shares = vec![0.0; shares.len()];
            for (name, share, pos) in mix {
                let Some(i) = model.request_classes.iter().position(|c| &c.name == name) else {
                    let known: Vec<&str> = model
                        .request_classes
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect();
                    return Err(BuildError {
                        pos: Some(pos.clone()),
                        message: format!(
                            "workload mix names request class `{name}`, which model `{}` does not have (expected one of: {})",
                            model.name,
                            known.join(", ")
                        ),
                    });
                };
                shares[i] = *share;
            }
        }
        if shares.iter().sum::<f64>() <= 0.0 {
            return Err(BuildError {
                pos: None,
                message: "request class shares sum to zero".into(),
            });
        }
        for c in &model.request_classes {
            let tiers_in_path = c.steps.iter().filter(|s| s.op == Op::Serve).count();
            if tiers_in_path > MAX_HELD {
                return Err(BuildError {
                    pos: None,
                    message: format!(
                        "request class `{}` passes {tiers_in_path} tiers; at most {MAX_HELD} are supported",
                        c.name
                    ),
                });
            }
            self.classes.push(Class {
                name: c.name.clone(),
                steps: c.steps.clone(),
            });
        }
        self.workload = Workload::new(&scenario.workload, &shares, stream(self.seed, "workload"));
        Ok(())
    }

    fn schedule_initial_events(&mut self) {
        if let Some(first) = self.workload.next_arrival(SimTime::ZERO) {
            if first <= self.horizon {
                self.engine.schedule_at(first, Event::Arrival);
            }
        }
        for lb in 0..self.lbs.len() {
            let Some(hc) = self.lbs[lb].health_check.clone() else {
                continue;
            };
            for t in 0..self.lbs[lb].targets.len() {
                // Each target's checks start at a random phase of the interval.
                let phase = Dist::Uniform {
                    min_s: 0.0,
                    max_s: hc.interval.as_secs_f64(),
                }
                .sample(&mut self.lbs[lb].rng);
                self.engine.schedule_after(
                    phase,
                    Event::HealthCheck {
                        lb: lb as LbId,
                        target: t as u16,
                    },
                );
            }
        }
        for v in 0..self.volumes.len() {
            let owned_by_db = matches!(self.volumes[v].owner, VolumeOwner::DbNode { .. });
            if let (true, Some(every)) = (owned_by_db, self.volumes[v].config.snapshot_every) {
                self.engine.schedule_after(
                    every,
                    Event::SnapshotStart {
                        volume: v as VolumeId,
                    },
                );
            }
        }
        for db in 0..self.dbs.len() {
            if let Some(every) = self.dbs[db].log_upload_every {
                self.engine
                    .schedule_after(every, Event::LogUpload { db: db as DbId });
            }
        }
    }

    /// Runs every event due by `until` (capped at the horizon), handing
    /// fault events to `on_fault` (the fault layer).
    pub fn run_until(&mut self, until: SimTime, mut on_fault: impl FnMut(&mut World, Event)) {
        let until = until.min(self.horizon);
        let mut check_pending = 0u32;
        while let Some(event) = self.engine.pop_until(until) {
            match event {
                Event::FaultStart { .. }
                | Event::FaultEnd { .. }
                | Event::RandomFailure { .. }
                | Event::RandomRepair { .. } => on_fault(self, event),
                other => self.handle(other),
            }
            // Sampling the queue length every 1,024 events is enough to
            // show whether memory stays flat.
            check_pending = check_pending.wrapping_add(1);
            if check_pending.is_multiple_of(1024) {
                self.peak_pending_events = self.peak_pending_events.max(self.engine.pending());
            }
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival => self.on_arrival(),
            Event::Hop { attempt } => self.on_hop(attempt),
            Event::ServiceDone {
                attempt,
                server,
                incarnation,
            } => self.on_service_done(attempt, server, incarnation),
            Event::CallDone { attempt } => self.on_call_done(attempt),
            Event::ConnectTimeout { attempt, cause } => self.fail_attempt(attempt, cause),
            Event::ClientTimeout {
                request,
                generation,
                attempt,
            } => self.on_client_timeout(request, generation, attempt),
            Event::Retry {
                request,
                generation,
            } => self.on_retry(request, generation),
            Event::HealthCheck { lb, target } => self.on_health_check(lb, target),
            Event::HealthCheckResult { lb, target, ok } => {
                let now = self.now();
                self.lbs[lb as usize].apply_check(target as usize, ok, now);
            }
            Event::LbDnsUpdate { lb, node, in_dns } => self.on_lb_dns_update(lb, node, in_dns),
            Event::FailoverDetected { db, epoch } => self.on_failover_detected(db, epoch),
            Event::FailoverDone { db, epoch } => self.on_failover_done(db, epoch),
            Event::DbNodeRepaired {
                db,
                node,
                incarnation,
            } => self.on_db_node_repaired(db, node, incarnation),
            Event::LogUpload { db } => self.on_log_upload(db),
            Event::SnapshotStart { volume } => self.on_snapshot_start(volume),
            Event::SnapshotDone {
                volume,
                incarnation,
            } => self.on_snapshot_done(volume, incarnation),
            Event::VolumeRestored {
                volume,
                incarnation,
            } => self.on_volume_restored(volume, incarnation),
            Event::CacheNodeReplaced {
                cache,
                node,
                incarnation,
            } => self.on_cache_node_replaced(cache, node, incarnation),
            Event::FaultStart { .. }
            | Event::FaultEnd { .. }
            | Event::RandomFailure { .. }
            | Event::RandomRepair { .. } => {}
        }
    }

    /// Closes the books at the horizon.
    pub fn finish(&mut self) {
        // Losses still pending at the horizon are real: the data is gone
        // whatever a later restore brings back.
        for db in &mut self.dbs {
            if let Some((kept, upto)) = db.pending_loss.take() {
                db.log.lose(kept, upto);
            }
        }
        self.recorder.finish(self.horizon);
    }
}
