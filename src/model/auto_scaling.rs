//! An EC2 Auto Scaling group on a tier: it replaces failed instances by
//! launching new ones, within what the control plane and the zones'
//! capacity allow.
//!
//! Assumptions (behaviour.md "Auto Scaling group", cloud-figures.md "Auto
//! Scaling and instance lifecycle"):
//! - The group's desired capacity is the tier's `per_zone` × zones; it does
//!   not scale with load (no scaling policies), it only replaces.
//! - Health: EC2 status checks run every 60 s for the whole group (random
//!   phase); an instance that is down for any reason (crash, dark zone,
//!   lost volume) fails them at the first check. With `health_check: elb`
//!   an instance that any of the tier's load balancers marks unhealthy
//!   fails too. Within `grace_period` of its launch an instance counts as
//!   healthy. Instances present at the start were launched long before, so
//!   their grace period is over.
//! - Replacement: the group terminates an unhealthy instance and launches a
//!   new one in one step, at most ⌈10 % of desired⌉ (≥ 1) launches at a
//!   time; the rest wait for the next check or for a launch to finish. If
//!   no launch is possible (control plane down, no capacity, no zone) the
//!   unhealthy instance is left alone (it may recover when its fault ends):
//!   simplification, AWS terminates first and then fails to launch.
//! - Zones: a launch goes to the healthy (not dark) zone with the fewest
//!   instances (running or launching), preferring the failed instance's
//!   zone on a tie: the group keeps zones balanced and avoids dark ones.
//!   Capacity: a `capacity_limit` fault caps the launches per zone.
//! - A launch takes `launch_time` (boot) plus `warmup` (application); then
//!   the instance registers with the tier's load balancers, which send it
//!   traffic after one passing health check (a new target), immediately
//!   without health checks. A tier without a load balancer sees it at once.
//! - Memory stays bounded: a tier has `max_size` instance slots, spread
//!   evenly over its zones (rounded up), allocated when the run starts; a
//!   replacement is a new incarnation of a free slot. Running plus
//!   launching instances never exceed `max_size`.
//! - Spot: a notice (2 min before reclaim) with `rebalance` makes the group
//!   launch a replacement at once (capacity rebalancing); at reclaim the
//!   instance is terminated and the group fills any shortfall.
//! - A scripted fault that targeted an instance later terminated ends on
//!   the slot's new instance: ending a crash clears nothing it did not set,
//!   but two overlapping crash faults on one slot are not told apart.

use super::event::{Event, ServerId};
use super::failure::NodeRef;
use super::node::Cause;
use super::volume::VolumeOwner;
use super::world::World;
use crate::config::{AsgHealthCheck, AutoScalingConfig, DownMode, ZoneIndex};
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

/// EC2 status checks run every minute (EC2 User Guide, "Status checks").
pub const STATUS_CHECK_INTERVAL: SimDuration = SimDuration::from_secs(60);
/// Spot interruption notice (EC2 User Guide, "Spot Instance interruptions").
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    Free,
    Launching,
    InService,
}

#[derive(Clone, Debug)]
pub struct Slot {
    pub state: SlotState,
    /// Bumped at each launch; stale launch and reclaim events are dropped.
    pub generation: u32,
    /// Health checks are ignored until then.
    pub grace_until: SimTime,
    /// A spot notice with rebalancing: already being replaced.
    pub rebalancing: bool,
    /// When the slot's current instance came into service (for tests).
    pub in_service_at: Option<SimTime>,
}

pub struct AutoScaling {
    pub config: AutoScalingConfig,
    pub desired: u32,
    /// The tier's zones, in file order (tie-break order for launches).
    pub zones: Vec<ZoneIndex>,
    /// One per tier slot (index = slot = load-balancer target index).
    pub slots: Vec<Slot>,
    pub first_server: ServerId,
    pub launching: u32,
    /// Load balancers targeting the tier.
    pub lbs: Vec<u16>,
    pub rng: SimRng,
}

impl AutoScaling {
    pub fn new(
        config: AutoScalingConfig,
        zones: Vec<ZoneIndex>,
        desired: u32,
        first_server: ServerId,
        in_service: Vec<bool>,
        rng: SimRng,
    ) -> Self {
        AutoScaling {
            config,
            desired,
            zones,
            slots: in_service
                .into_iter()
                .map(|up| Slot {
                    state: if up {
                        SlotState::InService
                    } else {
                        SlotState::Free
                    },
                    generation: 0,
                    grace_until: SimTime::ZERO,
                    rebalancing: false,
                    in_service_at: None,
                })
                .collect(),
            first_server,
            launching: 0,
            lbs: Vec::new(),
            rng,
        }
    }

    /// Launches allowed at once: 10 % of desired, rounded up, at least 1.
    pub fn max_launching(&self) -> u32 {
        self.desired.div_ceil(10).max(1)
    }

    /// Instances running or launching, not counting those being rebalanced.
    fn effective(&self) -> u32 {
        self.slots
            .iter()
            .filter(|s| match s.state {
                SlotState::Launching => true,
                SlotState::InService => !s.rebalancing,
                SlotState::Free => false,
            })
            .count() as u32
    }

    fn occupied(&self) -> u32 {
        self.slots
            .iter()
            .filter(|s| s.state != SlotState::Free)
            .count() as u32
    }
}

/// Slots per zone for a group of `max_size` over `zones` zones.
pub fn slots_per_zone(max_size: u32, zones: usize) -> u32 {
    max_size.div_ceil(zones.max(1) as u32)
}

impl World {
    /// Schedules each group's first status check at a random phase.
    pub(super) fn schedule_asg_checks(&mut self) {
        for t in 0..self.tiers.len() {
            if let Some(asg) = &mut self.tiers[t].asg {
                let phase = Dist::Uniform {
                    min_s: 0.0,
                    max_s: STATUS_CHECK_INTERVAL.as_secs_f64(),
                }
                .sample(&mut asg.rng);
                self.engine
                    .schedule_after(phase, Event::AsgCheck { tier: t as u16 });
            }
        }
    }

    pub fn on_asg_check(&mut self, tier: u16) {
        self.engine
            .schedule_after(STATUS_CHECK_INTERVAL, Event::AsgCheck { tier });
        self.asg_pass(tier);
    }

    /// Runs a replacement pass on every group (a blocking fault ended).
    pub fn asg_pass_all(&mut self) {
        for t in 0..self.tiers.len() as u16 {
            self.asg_pass(t);
        }
    }

    /// Replaces unhealthy instances and fills any shortfall, within the
    /// pacing limit and what can be launched now.
    pub fn asg_pass(&mut self, tier: u16) {
        let Some(asg) = &self.tiers[tier as usize].asg else {
            return;
        };
        let now = self.now();
        let unhealthy: Vec<usize> = (0..asg.slots.len())
            .filter(|&k| {
                let s = &asg.slots[k];
                s.state == SlotState::InService
                    && !s.rebalancing
                    && s.grace_until <= now
                    && !self.asg_instance_healthy(tier, k)
            })
            .collect();
        for k in unhealthy {
            let preferred = self.servers[self.slot_server(tier, k) as usize].zone;
            let Some(zone) = self.launch_zone(tier, Some(k), preferred) else {
                return;
            };
            self.asg_terminate(tier, k);
            self.asg_launch(tier, zone);
        }
        loop {
            let asg = self.tiers[tier as usize].asg.as_ref().expect("checked");
            if asg.effective() >= asg.desired {
                break;
            }
            let preferred = asg.zones[0];
            let Some(zone) = self.launch_zone(tier, None, preferred) else {
                break;
            };
            self.asg_launch(tier, zone);
        }
    }

    fn slot_server(&self, tier: u16, k: usize) -> ServerId {
        self.tiers[tier as usize].slots[k]
    }

    fn asg_instance_healthy(&self, tier: u16, k: usize) -> bool {
        let asg = self.tiers[tier as usize].asg.as_ref().expect("checked");
        if !self.servers[self.slot_server(tier, k) as usize]
            .node
            .is_up()
        {
            return false;
        }
        asg.config.health_check == AsgHealthCheck::Ec2
            || asg.lbs.iter().all(|&lb| {
                let b = &self.lbs[lb as usize];
                b.health_check.is_none() || b.health[k].healthy
            })
    }

    /// The zone a launch goes to now, if any: `None` while launches are
    /// blocked, paced out, at `max_size`, or every zone is dark, full or
    /// out of capacity. `replacing` is a slot about to be freed.
    fn launch_zone(
        &self,
        tier: u16,
        replacing: Option<usize>,
        preferred: ZoneIndex,
    ) -> Option<ZoneIndex> {
        let asg = self.tiers[tier as usize].asg.as_ref()?;
        if self.control_plane.launch_blocked > 0 || asg.launching >= asg.max_launching() {
            return None;
        }
        let freed = u32::from(replacing.is_some());
        if asg.occupied() - freed >= asg.config.max_size {
            return None;
        }
        let mut best: Option<(u32, bool, ZoneIndex)> = None;
        for &z in &asg.zones {
            if self.zones[z].dark.is_some() || !self.control_plane.capacity_allows(z) {
                continue;
            }
            let mut free = false;
            let mut count = 0u32;
            for (k, slot) in asg.slots.iter().enumerate() {
                if self.servers[self.slot_server(tier, k) as usize].zone != z {
                    continue;
                }
                if slot.state == SlotState::Free || Some(k) == replacing {
                    free = true;
                } else {
                    count += 1;
                }
            }
            if !free {
                continue;
            }
            // Fewest instances first; the failed instance's zone on a tie.
            let key = (count, z != preferred, z);
            if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                best = Some(key);
            }
        }
        best.map(|b| b.2)
    }

    /// Takes an instance out of service: deregistered, and its slot empty.
    pub fn asg_terminate(&mut self, tier: u16, k: usize) {
        let server = self.slot_server(tier, k);
        let t = &mut self.tiers[tier as usize];
        let Some(asg) = &mut t.asg else {
            return;
        };
        if asg.slots[k].state != SlotState::InService {
            return;
        }
        asg.slots[k].state = SlotState::Free;
        asg.slots[k].rebalancing = false;
        let zone = self.servers[server as usize].zone;
        t.servers.retain(|&s| s != server);
        t.by_zone[zone].retain(|&s| s != server);
        for lb in asg.lbs.clone() {
            self.lbs[lb as usize].deregister(k);
        }
        self.set_down(NodeRef::Server(server), Cause::NotRunning, DownMode::Refuse);
        self.trace_asg(
            server,
            "asg_terminate",
            "terminated by its Auto Scaling group",
        );
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

    /// Starts a new instance in a free slot of `zone`.
    fn asg_launch(&mut self, tier: u16, zone: ZoneIndex) {
        let slots = self.tiers[tier as usize].slots.clone();
        let asg = self.tiers[tier as usize].asg.as_mut().expect("checked");
        let Some(k) = (0..slots.len()).find(|&k| {
            asg.slots[k].state == SlotState::Free && self.servers[slots[k] as usize].zone == zone
        }) else {
            return;
        };
        let slot = &mut asg.slots[k];
        slot.state = SlotState::Launching;
        slot.generation = slot.generation.wrapping_add(1);
        let generation = slot.generation;
        asg.launching += 1;
        let boot = asg.config.launch_time.sample(&mut asg.rng);
        let ready = boot + asg.config.warmup;
        self.control_plane.took_capacity(zone);
        let server = slots[k];
        self.servers[server as usize].node.reset_for_launch();
        // A new instance gets a new volume.
        for v in &mut self.volumes {
            if v.owner == VolumeOwner::Instance(server) && v.lost {
                v.lost = false;
                v.incarnation = v.incarnation.wrapping_add(1);
            }
        }
        self.engine
            .schedule_after(ready, Event::InstanceLaunched { server, generation });
        self.trace_asg(server, "asg_launch", "launching (boot and warm-up)");
    }

    pub fn on_instance_launched(&mut self, server: ServerId, generation: u32) {
        let Some((tier, k)) = self.asg_slot_of(server) else {
            return;
        };
        let now = self.now();
        let t = &mut self.tiers[tier as usize];
        let asg = t.asg.as_mut().expect("slot of a group");
        let slot = &mut asg.slots[k];
        if slot.state != SlotState::Launching || slot.generation != generation {
            return;
        }
        slot.state = SlotState::InService;
        slot.grace_until = now + asg.config.grace_period;
        slot.in_service_at = Some(now);
        asg.launching -= 1;
        let zone = self.servers[server as usize].zone;
        let at = t.servers.partition_point(|&s| s < server);
        t.servers.insert(at, server);
        let at = t.by_zone[zone].partition_point(|&s| s < server);
        t.by_zone[zone].insert(at, server);
        for lb in asg.lbs.clone() {
            self.lbs[lb as usize].register(k);
        }
        self.clear_down(NodeRef::Server(server), Cause::NotRunning);
        self.trace_asg(server, "asg_in_service", "in service");
        // A finished launch frees a pacing place.
        self.asg_pass(tier);
    }

    /// The (tier, slot) of a server in a tier with a group.
    pub fn asg_slot_of(&self, server: ServerId) -> Option<(u16, usize)> {
        let super::world::ServerRole::Instance { tier, .. } = self.server_roles[server as usize]
        else {
            return None;
        };
        let asg = self.tiers[tier as usize].asg.as_ref()?;
        let k = server.checked_sub(asg.first_server)? as usize;
        (k < asg.slots.len()).then_some((tier, k))
    }

    /// A spot interruption notice: the instance is reclaimed after two
    /// minutes; with `rebalance` its group replaces it now.
    pub fn spot_notice(&mut self, server: ServerId, rebalance: bool) {
        let mut generation = 0;
        if let Some((tier, k)) = self.asg_slot_of(server) {
            let asg = self.tiers[tier as usize]
                .asg
                .as_mut()
                .expect("slot of a group");
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
                let slot = &self.tiers[tier as usize].asg.as_ref().expect("group").slots[k];
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
