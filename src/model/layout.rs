//! The static topology of a bound model: what every component is, where it
//! sits and how the components are wired, with typed ids (`id.rs`), and
//! nothing that changes while a run runs (no node state, no queues, no
//! random streams). The bind stage (`src/bind`) records it once per plan
//! from the world at time 0, so a reader that needs only the topology (the
//! fluid fidelity, target resolution at the start) never needs a live
//! world. Ids are the world's: `ServerId(3)` here is `world.servers[3]`.
//!
//! Assumptions:
//! - Read at time 0, before any event: every tier's `in_service` servers
//!   are its initial instances, every database's primary is its first node.

use super::database::Role;
use super::failure::NodeRef;
use super::id::{Arena, CacheId, DbId, LbId, ServerId, TierId, VolumeId};
use super::volume::VolumeOwner;
use super::world::{ComponentRef, ServerRole, World};
use crate::config::{AutoScalingConfig, HealthCheckConfig, Step, VolumeConfig, ZoneIndex};
use crate::dist::Dist;
use crate::time::SimDuration;

#[derive(Clone, Debug)]
pub struct ServerLayout {
    pub zone: ZoneIndex,
    pub role: ServerRole,
}

#[derive(Clone, Debug)]
pub struct TierLayout {
    pub name: String,
    /// Every slot (Auto Scaling groups keep spare slots), in launch order.
    pub slots: Vec<ServerId>,
    /// The instances in service at the start, sorted.
    pub in_service: Vec<ServerId>,
    pub auto_scaling: Option<AutoScalingConfig>,
}

#[derive(Clone, Debug)]
pub struct LbLayout {
    pub name: String,
    /// Its targets (the slots of the tier it fronts), in target order.
    pub targets: Vec<ServerId>,
    /// The zone of each of its nodes.
    pub node_zones: Vec<ZoneIndex>,
    pub dns_ttl: SimDuration,
    pub health_check: Option<HealthCheckConfig>,
}

#[derive(Clone, Debug)]
pub struct DbNodeLayout {
    pub server: ServerId,
    pub role: Role,
    pub lag: Option<Dist>,
    pub volume: Option<VolumeId>,
}

#[derive(Clone, Debug)]
pub struct DbLayout {
    pub name: String,
    pub nodes: Vec<DbNodeLayout>,
    /// The node holding the primary role at the start.
    pub primary: u16,
}

#[derive(Clone, Debug)]
pub struct CacheLayout {
    pub name: String,
    /// The zone of each node.
    pub node_zones: Vec<ZoneIndex>,
    pub hit_ratio: f64,
    pub warmup: SimDuration,
    pub replace_time: Dist,
}

#[derive(Clone, Debug)]
pub struct VolumeLayout {
    pub name: String,
    pub owner: VolumeOwner,
    pub config: VolumeConfig,
}

#[derive(Clone, Debug)]
pub struct ClassLayout {
    pub name: String,
    pub steps: Vec<Step>,
}

/// The static topology (see the module notes).
#[derive(Clone, Debug)]
pub struct Layout {
    pub zones: Vec<String>,
    /// What each model component (by file index) is.
    pub components: Vec<ComponentRef>,
    pub component_names: Vec<String>,
    pub component_tags: Vec<Vec<String>>,
    pub component_presets: Vec<Option<String>>,
    pub classes: Vec<ClassLayout>,
    pub servers: Arena<ServerId, ServerLayout>,
    pub tiers: Arena<TierId, TierLayout>,
    pub lbs: Arena<LbId, LbLayout>,
    pub dbs: Arena<DbId, DbLayout>,
    pub caches: Arena<CacheId, CacheLayout>,
    pub volumes: Arena<VolumeId, VolumeLayout>,
    pub externals: Vec<String>,
    pub object_stores: Vec<String>,
}

impl Layout {
    /// The topology of `world`, which must not have run yet.
    pub fn of(world: &World) -> Layout {
        Layout {
            zones: world.zones.iter().map(|z| z.name.clone()).collect(),
            components: world.components.clone(),
            component_names: world.component_names.clone(),
            component_tags: world.component_tags.clone(),
            component_presets: world.component_presets.clone(),
            classes: world
                .classes
                .iter()
                .map(|c| ClassLayout {
                    name: c.name.clone(),
                    steps: c.steps.clone(),
                })
                .collect(),
            servers: world
                .servers
                .iter()
                .zip(&world.server_roles)
                .map(|(s, &role)| ServerLayout { zone: s.zone, role })
                .collect(),
            tiers: world
                .tiers
                .iter()
                .map(|t| TierLayout {
                    name: t.name.clone(),
                    slots: t.slots.clone(),
                    in_service: t.servers.clone(),
                    auto_scaling: t.asg.as_ref().map(|a| a.config.clone()),
                })
                .collect(),
            lbs: world
                .lbs
                .iter()
                .map(|lb| LbLayout {
                    name: lb.name.clone(),
                    targets: lb.targets.clone(),
                    node_zones: lb.nodes.iter().map(|n| n.zone).collect(),
                    dns_ttl: lb.dns_ttl,
                    health_check: lb.health_check.clone(),
                })
                .collect(),
            dbs: world
                .dbs
                .iter()
                .map(|d| DbLayout {
                    name: d.name.clone(),
                    nodes: d
                        .nodes
                        .iter()
                        .map(|n| DbNodeLayout {
                            server: n.server,
                            role: n.role,
                            lag: n.lag,
                            volume: n.volume,
                        })
                        .collect(),
                    primary: d.primary,
                })
                .collect(),
            caches: world
                .caches
                .iter()
                .map(|c| CacheLayout {
                    name: c.name.clone(),
                    node_zones: c.nodes.iter().map(|n| n.zone).collect(),
                    hit_ratio: c.hit_ratio,
                    warmup: c.warmup,
                    replace_time: c.replace_time,
                })
                .collect(),
            volumes: world
                .volumes
                .iter()
                .map(|v| VolumeLayout {
                    name: v.name.clone(),
                    owner: v.owner,
                    config: v.config.clone(),
                })
                .collect(),
            externals: world.externals.iter().map(|x| x.name.clone()).collect(),
            object_stores: world.object_stores.iter().map(|o| o.name.clone()).collect(),
        }
    }

    /// The server a volume is attached to.
    pub fn volume_server(&self, v: VolumeId) -> ServerId {
        match self.volumes[v].owner {
            VolumeOwner::Instance(s) => s,
            VolumeOwner::DbNode { db, node } => self.dbs[db].nodes[node as usize].server,
        }
    }

    /// The model component index of each tier, in tier order.
    pub fn tier_components(&self) -> Vec<usize> {
        self.components
            .iter()
            .enumerate()
            .filter_map(|(i, c)| matches!(c, ComponentRef::Tier(_)).then_some(i))
            .collect()
    }
}

impl Layout {
    /// A server's component name, zone name and label: the request level's
    /// trace labels (`world/tracing.rs`: `web-a-1` is the component, its
    /// zone and its position among that component's servers in the zone).
    pub fn server_label(&self, s: ServerId) -> (String, String, String) {
        let zone_of = |o: ServerId| self.servers[o].zone;
        let zone = &self.zones[zone_of(s)];
        match self.servers[s].role {
            ServerRole::Instance { tier, .. } => {
                let t = &self.tiers[tier];
                ordinal_label(&t.name, zone, s, t.slots.iter().copied(), zone_of)
            }
            ServerRole::DbNode { db, .. } => {
                let d = &self.dbs[db];
                ordinal_label(&d.name, zone, s, d.nodes.iter().map(|n| n.server), zone_of)
            }
        }
    }

    /// A cache node's component, zone and label.
    pub fn cache_node_label(&self, c: CacheId, n: usize) -> (String, String, String) {
        let cache = &self.caches[c];
        let z = cache.node_zones[n];
        let k = cache.node_zones[..n].iter().filter(|&&x| x == z).count();
        let zone = self.zones[z].clone();
        let label = format!("{}-{}-{}", cache.name, zone, k + 1);
        (cache.name.clone(), zone, label)
    }

    /// Component, zone and label of any node (a volume has no zone here).
    pub fn node_label(&self, node: NodeRef) -> (String, String, String) {
        match node {
            NodeRef::Server(s) => self.server_label(s),
            NodeRef::CacheNode { cache, node } => self.cache_node_label(cache, node as usize),
            NodeRef::LbNode { lb, node } => self.lb_node_label(lb, node as usize),
            NodeRef::Volume(v) => {
                let name = self.volumes[v].name.clone();
                (name.clone(), String::new(), name)
            }
        }
    }

    /// A load-balancer node's component, zone and label.
    pub fn lb_node_label(&self, lb: LbId, n: usize) -> (String, String, String) {
        let b = &self.lbs[lb];
        let zone = self.zones[b.node_zones[n]].clone();
        (b.name.clone(), zone.clone(), format!("{}-{}", b.name, zone))
    }
}

/// A server's trace label, as both fidelities write it: its component, its
/// zone and its position among `peers` (the component's servers in order:
/// a tier's slots, a database's nodes) in the same zone, from 1
/// (`web-a-1`).
pub fn ordinal_label(
    component: &str,
    zone: &str,
    s: ServerId,
    peers: impl IntoIterator<Item = ServerId>,
    zone_of: impl Fn(ServerId) -> ZoneIndex,
) -> (String, String, String) {
    let z = zone_of(s);
    let k = peers
        .into_iter()
        .take_while(|&o| o != s)
        .filter(|&o| zone_of(o) == z)
        .count();
    let label = format!("{component}-{zone}-{}", k + 1);
    (component.to_string(), zone.to_string(), label)
}
