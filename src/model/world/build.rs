//! Building the world's arenas from a resolved model and scenario.

use super::{Class, ComponentRef, ServerRole, World};
use crate::config::{
    BindError, ComponentKind, DownMode, ModelConfig, Op, ScenarioConfig, VolumeConfig, ZoneIndex,
};
use crate::dist::Dist;
use crate::model::auto_scaling::{slots_per_zone, AutoScaling, SlotState};
use crate::model::cache::{Cache, CacheNode};
use crate::model::database::{Database, DbNode, FailoverState, Role, WriteLog};
use crate::model::event::{Event, ServerId, VolumeId};
use crate::model::load_balancer::LoadBalancer;
use crate::model::node::{Cause, NodeState};
use crate::model::object_store::ObjectStore;
use crate::model::request::MAX_HELD;
use crate::model::server::Server;
use crate::model::tier::Tier;
use crate::model::volume::{Volume, VolumeOwner};
use crate::model::workload::Workload;
use crate::rng::stream;
use crate::time::{SimDuration, SimTime};

impl World {
    pub(super) fn build_components(&mut self, model: &ModelConfig) -> Result<(), BindError> {
        // Tiers first: load balancers and hosted databases refer to them.
        let mut refs: Vec<Option<ComponentRef>> = vec![None; model.components.len()];
        for (i, c) in model.components.iter().enumerate() {
            if let ComponentKind::Tier(t) = &c.kind {
                let tier_id = self.tiers.next_id();
                let mut servers = Vec::new();
                let mut by_zone = vec![Vec::new(); self.zones.len()];
                let mut slots = Vec::new();
                let mut in_service = Vec::new();
                // Without a group each zone has its `per_zone` instances. A
                // group keeps `max_size` slots in every zone, so the whole
                // group can run in any one zone (it relaunches where the
                // zones are healthy): first the slots the layout had before
                // groups could move between zones (⌈max / zones⌉ per zone,
                // at least the initial count), then the rest, so adding the
                // spare slots leaves the first ones' random draws alone.
                let base: Vec<u32> = (0..t.zones.len())
                    .map(|i| match &t.auto_scaling {
                        Some(a) => {
                            slots_per_zone(a.max_size, t.zones.len()).max(t.initial_in_zone(i))
                        }
                        None => t.per_zone,
                    })
                    .collect();
                let mut layout: Vec<(usize, u32)> = Vec::new();
                for (i, &n) in base.iter().enumerate() {
                    layout.extend((0..n).map(|k| (i, k)));
                }
                if let Some(a) = &t.auto_scaling {
                    for (i, &n) in base.iter().enumerate() {
                        layout.extend((n..a.max_size.max(n)).map(|k| (i, k)));
                    }
                }
                for (i, k) in layout {
                    let zone = t.zones[i];
                    let sid = self.add_server(
                        Server::new(zone, t.concurrency, t.queue_limit)
                            .with_overload(t.overload)
                            .with_admission(t.admission.as_ref(), &model.request_classes),
                        ServerRole::Instance {
                            tier: tier_id,
                            hosts: None,
                        },
                    );
                    slots.push(sid);
                    let up = k < t.initial_in_zone(i);
                    in_service.push(up);
                    if up {
                        servers.push(sid);
                        by_zone[zone].push(sid);
                    } else {
                        self.servers[sid]
                            .node
                            .set(Cause::NotRunning, DownMode::Refuse);
                    }
                    if let Some(v) = &t.volume {
                        let name = format!("{}/{}-{}", c.name, self.zones[zone].name, k + 1);
                        self.add_volume(name, VolumeOwner::Instance(sid), v);
                    }
                }
                servers.sort_unstable();
                let asg = t.auto_scaling.as_ref().map(|a| {
                    AutoScaling::new(
                        a.clone(),
                        t.zones.clone(),
                        slots[0],
                        in_service,
                        stream(self.seed, &format!("asg/{}", c.name)),
                    )
                });
                self.tiers.push(Tier {
                    name: c.name.clone(),
                    servers,
                    by_zone,
                    slots,
                    asg,
                    service_time_by_class: t.service_time_by_class.clone(),
                    instance: t.instance.clone(),
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
                        return Err(BindError {
                            pos: None,
                            message: format!("load balancer `{}` must target a tier", c.name),
                        });
                    };
                    let lb_id = self.lbs.next_id();
                    if let Some(asg) = &mut self.tiers[t].asg {
                        asg.lbs.push(lb_id);
                    }
                    let targets = self.tiers[t]
                        .slots
                        .iter()
                        .map(|&s| (s, self.servers[s].zone))
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
                    self.lbs.last_mut().expect("just pushed").stickiness = lb.stickiness;
                    if let Some(asg) = &self.tiers[t].asg {
                        let lb = self.lbs.last_mut().expect("just pushed");
                        for (k, slot) in asg.slots.iter().enumerate() {
                            if slot.state != SlotState::InService {
                                lb.deregister(k);
                            }
                        }
                    }
                    ComponentRef::Lb(lb_id)
                }
                ComponentKind::Database(d) => {
                    let db_id = self.dbs.next_id();
                    let host = match d.host.map(|h| refs[h]) {
                        Some(Some(ComponentRef::Tier(t))) => {
                            let tier = &self.tiers[t];
                            if tier.asg.is_some() {
                                return Err(BindError {
                                    pos: None,
                                    message: format!(
                                        "database `{}` is hosted on tier `{}`, which has an Auto Scaling group: a replacement instance would not have the database",
                                        c.name, tier.name
                                    ),
                                });
                            }
                            if tier.servers.len() != 1 {
                                return Err(BindError {
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
                        layout.push((r.zone, Role::Replica, Some(r.lag)));
                    }
                    let mut nodes = Vec::new();
                    for (n, (zone, role, lag)) in layout.into_iter().enumerate() {
                        let server = self.add_server(
                            Server::new(zone, d.concurrency, d.queue_limit)
                                .with_overload(d.overload)
                                .with_admission(d.admission.as_ref(), &model.request_classes),
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
                            replication_stopped: None,
                        });
                    }
                    if let Some(h) = host {
                        if let ServerRole::Instance { hosts, .. } = &mut self.server_roles[h] {
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
                        read_time: d.read_time,
                        write_time: d.write_time,
                        restart_time: d.restart_time,
                        reboot_time: d.reboot_time,
                        replica_promotion_time: d.replica_promotion_time,
                        deployment: d.deployment,
                        actions: Default::default(),
                        log: WriteLog::new(SimDuration::from_secs_f64(retain_s * 2.0)),
                        log_upload_every: d.log_upload_every,
                        pending_loss: None,
                        host,
                        faults: Default::default(),
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
                                warmup: None,
                            });
                        }
                    }
                    let keys = cc.keys.clone().map(|space| {
                        Box::new(crate::model::keyed_cache::KeyedCache::new(
                            space,
                            nodes.len(),
                            stream(self.seed, &format!("cache/{}/keys", c.name)),
                        ))
                    });
                    ComponentRef::Cache(self.caches.push(Cache {
                        keys,
                        name: c.name.clone(),
                        nodes,
                        hit_ratio: cc.hit_ratio,
                        warmup: cc.warmup,
                        service_time: cc.service_time,
                        replace_time: cc.replace_time,
                        rng: stream(self.seed, &format!("cache/{}", c.name)),
                        replace_rng: stream(self.seed, &format!("cache/{}/replace", c.name)),
                    }))
                }
                ComponentKind::External(x) => {
                    ComponentRef::External(self.externals.push(crate::model::external::External {
                        name: c.name.clone(),
                        service_time: x.service_time,
                        rng: stream(self.seed, &format!("external/{}", c.name)),
                        outages: Vec::new(),
                        slowdowns: Vec::new(),
                    }))
                }
                ComponentKind::ObjectStore(o) => {
                    ComponentRef::ObjectStore(self.object_stores.push(ObjectStore {
                        name: c.name.clone(),
                        service_time: o.service_time,
                        rng: stream(self.seed, &format!("object_store/{}", c.name)),
                    }))
                }
            };
            refs[i] = Some(r);
        }
        self.components = refs.into_iter().flatten().collect();
        Ok(())
    }

    fn add_server(&mut self, server: Server, role: ServerRole) -> ServerId {
        self.server_roles.push(role);
        self.servers.push(server)
    }

    fn add_volume(&mut self, name: String, owner: VolumeOwner, config: &VolumeConfig) -> VolumeId {
        self.volumes.push(Volume {
            name,
            owner,
            config: config.clone(),
            incarnation: 0,
            lost: false,
            corrupted_at: None,
        })
    }

    pub(super) fn build_classes(
        &mut self,
        model: &ModelConfig,
        scenario: &ScenarioConfig,
    ) -> Result<(), BindError> {
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
                    return Err(BindError {
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
            return Err(BindError {
                pos: None,
                message: "request class shares sum to zero".into(),
            });
        }
        for c in &model.request_classes {
            let tiers_in_path = c.steps.iter().filter(|s| s.op == Op::Serve).count();
            if tiers_in_path > MAX_HELD {
                return Err(BindError {
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
        if let Some(table) =
            crate::model::hop_policy::HopTable::new(&model.request_classes, self.seed)
        {
            let mut used: Vec<Option<String>> = vec![None; model.components.len()];
            for c in &model.request_classes {
                for s in &c.steps {
                    used[s.component] = Some(model.components[s.component].name.clone());
                }
            }
            let warmup_end = SimTime(scenario.warmup.as_nanos());
            self.hops = Some(Box::new(super::hops::Hops {
                states: crate::model::hop_policy::HopStates::new(table.stride),
                table,
                amplification: crate::metrics::amplification::AmplificationCounter::new(
                    &used,
                    warmup_end,
                    self.horizon,
                ),
                has_breakers: model
                    .request_classes
                    .iter()
                    .any(|c| c.hops.iter().any(|h| h.breaker.is_some())),
            }));
        }
        if self.caches.iter().any(|c| c.keys.is_some()) {
            self.keyed = Some(Box::default());
        }
        Ok(())
    }

    pub(super) fn schedule_initial_events(&mut self) {
        if let Some(first) = self.workload.next_arrival(SimTime::ZERO) {
            if first <= self.horizon {
                self.engine.schedule_at(first, Event::Arrival { epoch: 0 });
            }
        }
        for lb in self.lbs.ids() {
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
                        lb,
                        target: t as u16,
                    },
                );
            }
        }
        self.schedule_asg_checks();
        self.schedule_scaling_samples();
        for v in self.volumes.ids() {
            let owned_by_db = matches!(self.volumes[v].owner, VolumeOwner::DbNode { .. });
            if let (true, Some(every)) = (owned_by_db, self.volumes[v].config.snapshot_every) {
                self.engine
                    .schedule_after(every, Event::SnapshotStart { volume: v });
            }
        }
        for db in self.dbs.ids() {
            if let Some(every) = self.dbs[db].log_upload_every {
                self.engine.schedule_after(every, Event::LogUpload { db });
            }
        }
    }
}
