//! The dispatcher's side of Auto Scaling: routes the group events to the
//! group (`model/auto_scaling.rs`, whose decisions both fidelities share)
//! and carries out what it decides on the world, as its [`GroupHost`].
//!
//! The group is taken out of its tier while it decides (a move, not a
//! copy), so the host can borrow the whole world; nothing a host effect
//! runs (node transitions, load-balancer registration, traces) reads the
//! group back.

use super::{ServerRole, World};
use crate::config::{DownMode, ZoneIndex};
use crate::model::auto_scaling::{AutoScaling, GroupHost, SlotState, SPOT_NOTICE};
use crate::model::event::{Event, LbId, ServerId, TierId};
use crate::model::failure::NodeRef;
use crate::model::node::Cause;
use crate::model::volume::VolumeOwner;
use crate::time::{SimDuration, SimTime};

/// The world as the host of tier `tier`'s group.
struct WorldGroup<'w> {
    world: &'w mut World,
    tier: TierId,
}

impl WorldGroup<'_> {
    fn slot_server(&self, k: usize) -> ServerId {
        self.world.tiers[self.tier].slots[k]
    }
}

impl GroupHost for WorldGroup<'_> {
    fn now(&self) -> SimTime {
        self.world.now()
    }

    fn slot_zone(&self, k: usize) -> ZoneIndex {
        self.world.servers[self.slot_server(k)].zone
    }

    fn slot_up(&self, k: usize) -> bool {
        self.world.servers[self.slot_server(k)].node.is_up()
    }

    fn reported_unhealthy(&self, lbs: &[LbId], k: usize) -> bool {
        lbs.iter()
            .any(|&lb| self.world.lbs[lb].reports_unhealthy(k))
    }

    fn zone_dark(&self, z: ZoneIndex) -> bool {
        self.world.zones[z].dark.is_some()
    }

    fn capacity_allows(&self, z: ZoneIndex) -> bool {
        self.world.control_plane.capacity_allows(z)
    }

    fn launches_blocked(&self) -> bool {
        self.world.control_plane.launch_blocked > 0
    }

    fn terminated(&mut self, lbs: &[LbId], k: usize) {
        let server = self.slot_server(k);
        let w = &mut *self.world;
        let zone = w.servers[server].zone;
        let t = &mut w.tiers[self.tier];
        t.servers.retain(|&s| s != server);
        t.by_zone[zone].retain(|&s| s != server);
        for &lb in lbs {
            w.lbs[lb].deregister(k);
        }
        w.set_down(NodeRef::Server(server), Cause::NotRunning, DownMode::Refuse);
        w.trace_asg(
            server,
            "asg_terminate",
            "terminated by its Auto Scaling group",
        );
    }

    fn launched(&mut self, k: usize, zone: ZoneIndex, ready: SimDuration, generation: u32) {
        let server = self.slot_server(k);
        let w = &mut *self.world;
        w.control_plane.took_capacity(zone);
        w.servers[server].node.reset_for_launch();
        // A new instance gets a new volume.
        for v in &mut w.volumes {
            if v.owner == VolumeOwner::Instance(server) && v.lost {
                v.lost = false;
                v.incarnation = v.incarnation.wrapping_add(1);
            }
        }
        w.engine
            .schedule_after(ready, Event::InstanceLaunched { server, generation });
        w.trace_asg(server, "asg_launch", "launching (boot and warm-up)");
    }

    fn in_service(&mut self, lbs: &[LbId], k: usize) {
        let server = self.slot_server(k);
        let w = &mut *self.world;
        let zone = w.servers[server].zone;
        let t = &mut w.tiers[self.tier];
        let at = t.servers.partition_point(|&s| s < server);
        t.servers.insert(at, server);
        let at = t.by_zone[zone].partition_point(|&s| s < server);
        t.by_zone[zone].insert(at, server);
        for &lb in lbs {
            w.lbs[lb].register(k);
        }
        w.clear_down(NodeRef::Server(server), Cause::NotRunning);
        w.trace_asg(server, "asg_in_service", "in service");
    }

    fn trace_group(&mut self, event: &'static str, what: String) {
        self.world.trace_group(self.tier, event, what);
    }
}

impl World {
    /// Runs `f` on tier `tier`'s group with the world as its host.
    fn with_group<R>(
        &mut self,
        tier: TierId,
        f: impl FnOnce(&mut AutoScaling, &mut WorldGroup) -> R,
    ) -> Option<R> {
        let mut group = self.tiers[tier].asg.take()?;
        let r = f(&mut group, &mut WorldGroup { world: self, tier });
        self.tiers[tier].asg = Some(group);
        Some(r)
    }

    /// Schedules each group's first status check at a random phase.
    pub(crate) fn schedule_asg_checks(&mut self) {
        for t in self.tiers.ids() {
            if let Some(asg) = &mut self.tiers[t].asg {
                let phase = asg.first_check();
                self.engine
                    .schedule_after(phase, Event::AsgCheck { tier: t });
            }
        }
    }

    pub fn on_asg_check(&mut self, tier: TierId) {
        self.engine.schedule_after(
            crate::model::auto_scaling::STATUS_CHECK_INTERVAL,
            Event::AsgCheck { tier },
        );
        self.asg_pass(tier);
    }

    /// Runs a replacement pass on every group (a blocking fault ended).
    pub fn asg_pass_all(&mut self) {
        for t in self.tiers.ids() {
            self.asg_pass(t);
        }
    }

    /// Replaces unhealthy instances, fills any shortfall, removes any
    /// surplus and rebalances zones (`AutoScaling::pass`).
    pub fn asg_pass(&mut self, tier: TierId) {
        self.with_group(tier, |g, h| g.pass(h));
    }

    /// Sets the desired capacity (a scaling policy acted).
    pub fn asg_set_desired(&mut self, tier: TierId, desired: u32) {
        self.with_group(tier, |g, h| g.set_desired(h, desired));
    }

    /// Takes slot `k`'s instance out of service.
    pub fn asg_terminate(&mut self, tier: TierId, k: usize) {
        self.with_group(tier, |g, h| g.terminate(h, k));
    }

    pub fn on_instance_launched(&mut self, server: ServerId, generation: u32) {
        let Some((tier, k)) = self.asg_slot_of(server) else {
            return;
        };
        self.with_group(tier, |g, h| g.on_launched(h, k, generation));
    }

    /// A trace event about the whole group (no one instance).
    pub(crate) fn trace_group(&mut self, tier: TierId, event: &'static str, what: String) {
        self.trace(|w| {
            crate::metrics::trace::TraceEvent::new(w.now(), event, w.tiers[tier].name.clone())
                .cause("auto_scaling")
                .detail(what)
        });
    }

    fn trace_asg(&mut self, server: ServerId, event: &'static str, what: &str) {
        self.trace(|w| {
            let (component, zone, label) = w.server_label(server);
            crate::metrics::trace::TraceEvent::new(w.now(), event, component)
                .zone(Some(&zone))
                .cause("auto_scaling")
                .detail(format!("{label} {what}"))
        });
    }

    /// The (tier, slot) of a server in a tier with a group.
    pub fn asg_slot_of(&self, server: ServerId) -> Option<(TierId, usize)> {
        let ServerRole::Instance { tier, .. } = self.server_roles[server] else {
            return None;
        };
        let asg = self.tiers[tier].asg.as_ref()?;
        let k = server.0.checked_sub(asg.first_server.0)? as usize;
        (k < asg.slots.len()).then_some((tier, k))
    }

    /// A spot interruption notice: the instance is reclaimed after two
    /// minutes; with `rebalance` its group replaces it now.
    pub fn spot_notice(&mut self, server: ServerId, rebalance: bool) {
        let mut generation = 0;
        if let Some((tier, k)) = self.asg_slot_of(server) {
            let asg = self.tiers[tier].asg.as_mut().expect("slot of a group");
            if asg.slots[k].state != SlotState::InService {
                return;
            }
            generation = asg.slots[k].generation;
            if rebalance {
                asg.slots[k].rebalancing = true;
                self.asg_pass(tier);
            }
        }
        self.engine
            .schedule_after(SPOT_NOTICE, Event::SpotReclaim { server, generation });
    }

    pub fn on_spot_reclaim(&mut self, server: ServerId, generation: u32) {
        match self.asg_slot_of(server) {
            Some((tier, k)) => {
                let slot = &self.tiers[tier].asg.as_ref().expect("group").slots[k];
                if slot.generation != generation || slot.state != SlotState::InService {
                    return;
                }
                self.asg_terminate(tier, k);
                self.asg_pass(tier);
            }
            // Without a group the capacity is simply gone.
            None => self.set_down(NodeRef::Server(server), Cause::NotRunning, DownMode::Refuse),
        }
    }
}
