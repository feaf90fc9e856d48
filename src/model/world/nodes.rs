//! The dispatcher's node side: how nodes go down and come back (the one
//! entry point faults use, and the one `Effect::Down` / `Effect::Up` apply),
//! and the knock-on effects on whatever depends on the node, which are
//! handed to the owning component's handler (a database node to its
//! database, a load-balancer node's DNS change to its load balancer).

use super::{ServerRole, World};
use crate::config::{DownMode, ZoneIndex};
use crate::metrics::{InfraTime, NodeKind};
use crate::model::event::{ErrorCause, Event, VolumeId};
use crate::model::failure::NodeRef;
use crate::model::node::{Cause, NodeState, Transition};
use crate::model::volume::VolumeOwner;
use crate::time::SimDuration;

impl World {
    fn node_state_mut(&mut self, node: NodeRef) -> &mut NodeState {
        match node {
            NodeRef::Server(s) => &mut self.servers[s].node,
            NodeRef::CacheNode { cache, node } => &mut self.caches[cache].nodes[node as usize].node,
            NodeRef::LbNode { lb, node } => &mut self.lbs[lb].nodes[node as usize].node,
            NodeRef::Volume(_) => unreachable!("volumes fail through volume_lost"),
        }
    }

    pub fn node_is_up(&self, node: NodeRef) -> bool {
        match node {
            NodeRef::Server(s) => self.servers[s].node.is_up(),
            NodeRef::CacheNode { cache, node } => {
                self.caches[cache].nodes[node as usize].node.is_up()
            }
            NodeRef::LbNode { lb, node } => self.lbs[lb].nodes[node as usize].node.is_up(),
            NodeRef::Volume(v) => !self.volumes[v].lost,
        }
    }

    /// Sets a down cause on a node and applies the consequences.
    pub fn set_down(&mut self, node: NodeRef, cause: Cause, mode: DownMode) {
        if let NodeRef::Volume(v) = node {
            self.volume_lost(v, None);
            return;
        }
        if self.node_state_mut(node).set(cause, mode) == Transition::WentDown {
            self.trace_node(node, false, cause);
            self.went_down(node);
        }
    }

    /// Clears a down cause; the node comes back if no other cause holds.
    pub fn clear_down(&mut self, node: NodeRef, cause: Cause) {
        if let NodeRef::Volume(_) = node {
            return; // a lost volume comes back by restoring, on its own clock
        }
        if self.node_state_mut(node).clear(cause) == Transition::CameUp {
            self.trace_node(node, true, cause);
            self.came_up(node);
        }
    }

    /// Takes a zone out (`Some(mode)`) or brings it back (`None`).
    pub fn set_zone_dark(&mut self, zone: ZoneIndex, dark: Option<DownMode>) {
        if self.zones[zone].dark == dark {
            return;
        }
        self.zones[zone].dark = dark;
        self.trace(|w| crate::model::trace_records::zone_event(w.now(), &w.zones[zone].name, dark));
        for node in self.nodes_in_zone(zone) {
            match dark {
                Some(mode) => self.set_down(node, Cause::Zone, mode),
                None => self.clear_down(node, Cause::Zone),
            }
        }
    }

    /// Every server, cache node and load-balancer node in `zone`, in a
    /// fixed order.
    pub fn nodes_in_zone(&self, zone: ZoneIndex) -> Vec<NodeRef> {
        let mut nodes: Vec<NodeRef> = self
            .servers
            .ids()
            .filter(|&s| self.servers[s].zone == zone)
            .map(NodeRef::Server)
            .collect();
        for (c, cache) in self.caches.iter_enumerated() {
            for (n, node) in cache.nodes.iter().enumerate() {
                if node.zone == zone {
                    nodes.push(NodeRef::CacheNode {
                        cache: c,
                        node: n as u16,
                    });
                }
            }
        }
        for (l, lb) in self.lbs.iter_enumerated() {
            for (n, node) in lb.nodes.iter().enumerate() {
                if node.zone == zone {
                    nodes.push(NodeRef::LbNode {
                        lb: l,
                        node: n as u16,
                    });
                }
            }
        }
        nodes
    }

    /// Builds the up-time folds for this world's nodes, all up.
    pub(crate) fn new_infra_time(&self) -> InfraTime {
        let instances = self
            .server_roles
            .iter()
            .filter(|r| matches!(r, ServerRole::Instance { .. }))
            .count() as u32;
        let db_nodes = self.servers.len() as u32 - instances;
        let cache_nodes = self.caches.iter().map(|c| c.nodes.len() as u32).sum();
        let lb_nodes = self.lbs.iter().map(|l| l.nodes.len() as u32).sum();
        let tiers: Vec<(&str, u32)> = self
            .tiers
            .iter()
            .map(|t| (t.name.as_str(), t.servers.len() as u32))
            .collect();
        InfraTime::new(
            [
                instances,
                db_nodes,
                cache_nodes,
                lb_nodes,
                self.volumes.len() as u32,
            ],
            &tiers,
        )
    }

    /// Folds a node's transition into the infrastructure time.
    fn track_up(&mut self, node: NodeRef, up: bool) {
        let now = self.now();
        let (kind, tier) = match node {
            NodeRef::Server(s) => match self.server_roles[s] {
                ServerRole::Instance { tier, .. } => (NodeKind::Instance, Some(tier.0)),
                ServerRole::DbNode { .. } => (NodeKind::DatabaseNode, None),
            },
            NodeRef::CacheNode { .. } => (NodeKind::CacheNode, None),
            NodeRef::LbNode { .. } => (NodeKind::LoadBalancerNode, None),
            NodeRef::Volume(_) => (NodeKind::Volume, None),
        };
        self.infra_time.changed(now, kind, tier, up);
    }

    fn went_down(&mut self, node: NodeRef) {
        self.track_up(node, false);
        match node {
            NodeRef::Server(s) => {
                for attempt in self.servers[s].drain() {
                    self.fail_attempt(attempt, ErrorCause::InFlightLost);
                }
                match self.server_roles[s] {
                    ServerRole::Instance {
                        hosts: Some(db), ..
                    } => {
                        let mode = self.servers[s].node.mode();
                        for n in 0..self.dbs[db].nodes.len() {
                            let server = self.dbs[db].nodes[n].server;
                            if self.servers[server].zone == self.servers[s].zone {
                                self.set_down(NodeRef::Server(server), Cause::Host, mode);
                            }
                        }
                    }
                    ServerRole::Instance { hosts: None, .. } => {}
                    ServerRole::DbNode { db, node } => self.db_node_changed(db, node, false),
                }
            }
            NodeRef::CacheNode { .. } => {}
            NodeRef::LbNode { lb, node } => self.lb_dns_change(lb, node, false),
            NodeRef::Volume(_) => {}
        }
    }

    fn came_up(&mut self, node: NodeRef) {
        self.track_up(node, true);
        match node {
            NodeRef::Server(s) => match self.server_roles[s] {
                ServerRole::Instance {
                    hosts: Some(db), ..
                } => {
                    for n in 0..self.dbs[db].nodes.len() {
                        let server = self.dbs[db].nodes[n].server;
                        self.clear_down(NodeRef::Server(server), Cause::Host);
                    }
                }
                ServerRole::Instance { hosts: None, .. } => {}
                ServerRole::DbNode { db, node } => self.db_node_changed(db, node, true),
            },
            NodeRef::CacheNode { cache, node } => {
                let now = self.now();
                self.caches[cache].node_came_up(node, now);
            }
            NodeRef::LbNode { lb, node } => self.lb_dns_change(lb, node, true),
            NodeRef::Volume(_) => {}
        }
    }

    /// Destroys a volume's data; it is restored from its latest snapshot
    /// after `restore` (default: the volume's restore time).
    pub fn volume_lost(&mut self, v: VolumeId, restore: Option<SimDuration>) {
        let vol = &mut self.volumes[v];
        if vol.lost {
            return;
        }
        vol.lost = true;
        vol.incarnation = vol.incarnation.wrapping_add(1);
        self.track_up(NodeRef::Volume(v), false);
        self.trace_volume(v, "volume_lost");
        let vol = &mut self.volumes[v];
        let incarnation = vol.incarnation;
        let owner = vol.owner;
        // A restore replaces the bad blocks; snapshots taken since the
        // corruption hold them too.
        let corrupted_at = vol.corrupted_at.take();
        let restore = restore.unwrap_or_else(|| {
            let d = self.volumes[v].config.restore_time;
            d.sample(&mut self.infra_rng)
        });
        self.engine.schedule_after(
            restore,
            Event::VolumeRestored {
                volume: v,
                incarnation,
            },
        );
        let server = match owner {
            VolumeOwner::Instance(s) => s,
            VolumeOwner::DbNode { db, node } => {
                let now = self.now();
                self.dbs[db].on_volume_lost(node, corrupted_at, now);
                self.dbs[db].nodes[node as usize].server
            }
        };
        self.set_down(NodeRef::Server(server), Cause::Volume, DownMode::Refuse);
    }

    pub fn on_volume_restored(&mut self, v: VolumeId, incarnation: u32) {
        if self.control_plane.defer_restore(v, incarnation) {
            return;
        }
        let vol = &mut self.volumes[v];
        if vol.incarnation != incarnation || !vol.lost {
            return;
        }
        vol.lost = false;
        let owner = vol.owner;
        self.track_up(NodeRef::Volume(v), true);
        self.trace_volume(v, "volume_restored");
        let server = match owner {
            VolumeOwner::Instance(s) => s,
            VolumeOwner::DbNode { db, node } => self.dbs[db].nodes[node as usize].server,
        };
        self.clear_down(NodeRef::Server(server), Cause::Volume);
    }
}
