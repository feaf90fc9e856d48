//! An EC2 Auto Scaling group on a tier: it keeps the desired capacity
//! across the tier's zones (its subnets), replaces failed instances, and
//! follows its scaling policies (`scaling_policy.rs`), within what the
//! control plane and the zones' capacity allow.
//!
//! Assumptions (behaviour.md "Auto Scaling group", cloud-figures.md "Auto
//! Scaling and instance lifecycle", EC2 Auto Scaling User Guide):
//! - Size: `desired` (per_zone × zones as shorthand), between `min` and
//!   `max`. The group starts with its desired capacity spread evenly over
//!   its zones, the earlier zones taking the remainder.
//! - Health: EC2 status checks run every 60 s for the whole group (random
//!   phase); an instance that is down for any reason (crash, dark zone,
//!   lost volume) fails them at the first check. With `health_check: elb`
//!   an instance also fails when one of the tier's load balancers reports
//!   its target `unhealthy`; a target still in its `initial` state (newly
//!   registered, its first checks not yet decided) is not unhealthy, so
//!   even with `grace_period: 0s` (the API default) a new instance is not
//!   terminated before its first health checks ("Health checks for
//!   instances in an Auto Scaling group": Auto Scaling acts on the target
//!   group's unhealthy state). Within `grace_period` of entering service an
//!   instance counts as healthy whatever the checks say ("Set the health
//!   check grace period"). Instances present at the start were launched
//!   long before, so their grace period is over.
//! - Replacement: the group terminates an unhealthy instance and launches a
//!   new one in one step, at most ⌈10 % of desired⌉ (≥ 1) launches at a
//!   time (a scale-out launches all its instances at once); the rest wait for the next check or for a launch to finish. If
//!   no launch is possible (control plane down, no capacity, no zone) the
//!   unhealthy instance is left alone (it may recover when its fault ends):
//!   simplification, AWS terminates first and then fails to launch.
//! - Zones: a launch goes to the healthy (not dark, with capacity) zone
//!   with the fewest instances (running or launching), preferring the
//!   failed instance's zone on a tie, so a one-instance group over two
//!   subnets relaunches in the other zone when its own goes dark.
//! - AZ rebalancing: when no launch is in flight and the healthy zones'
//!   counts differ by more than one, the group launches in the zone with
//!   the fewest first and then terminates in the zone with the most; for
//!   this it may exceed `max` by 10 % (at least one instance) ("Rebalancing
//!   activities"). Scale-in and rebalancing terminate in the zone with the
//!   most instances, a random instance there (the default termination
//!   policy's last tie-break; launch templates and billing hours are not
//!   modelled).
//! - A launch takes `launch_time` (boot) plus `warmup` (application); then
//!   the instance registers with the tier's load balancers, which send it
//!   traffic after one passing health check (a new target), immediately
//!   without health checks. A tier without a load balancer sees it at once.
//! - Memory stays bounded: every zone has `max` instance slots, allocated
//!   when the run starts; a replacement is a new incarnation of a free
//!   slot. Running plus launching instances never exceed `max` (plus the
//!   rebalancing margin).
//! - Spot: a notice (2 min before reclaim) with `rebalance` makes the group
//!   launch a replacement at once (capacity rebalancing); at reclaim the
//!   instance is terminated and the group fills any shortfall.
//! - A scripted fault that targeted an instance later terminated ends on
//!   the slot's new instance: ending a crash clears nothing it did not set,
//!   but two overlapping crash faults on one slot are not told apart.

use rand::RngExt;

use super::event::{Event, LbId, ServerId, TierId};
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
    pub lbs: Vec<LbId>,
    /// Scaling policies' alarms and cooldowns (`None` without policies).
    pub scaling: Option<super::scaling_policy::Scaling>,
    pub rng: SimRng,
}

impl AutoScaling {
    pub fn new(
        config: AutoScalingConfig,
        zones: Vec<ZoneIndex>,
        first_server: ServerId,
        in_service: Vec<bool>,
        rng: SimRng,
    ) -> Self {
        AutoScaling {
            desired: config.desired,
            scaling: super::scaling_policy::Scaling::new(&config.policies),
            config,
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

    /// Launches allowed at once ([`launch_pace`]).
    pub fn max_launching(&self) -> u32 {
        launch_pace(self.desired)
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

/// Launches a group of `desired` instances runs at once: 10 %, rounded
/// up, at least 1 (both fidelities).
pub fn launch_pace(desired: u32) -> u32 {
    desired.div_ceil(10).max(1)
}

/// The zone a launch goes to, from `(zone, instances running or launching)`
/// for each eligible zone (healthy, with a free slot) in the group's zone
/// order: the fewest instances first, the `preferred` zone (the failed
/// instance's) on a tie, else the earlier zone (both fidelities).
pub fn pick_launch_zone(
    eligible: impl IntoIterator<Item = (ZoneIndex, u32)>,
    preferred: ZoneIndex,
) -> Option<ZoneIndex> {
    let mut best: Option<(u32, bool, ZoneIndex)> = None;
    for (z, count) in eligible {
        let key = (count, z != preferred, z);
        if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
            best = Some(key);
        }
    }
    best.map(|b| b.2)
}

/// Slots per zone for a group of `max_size` over `zones` zones.
pub fn slots_per_zone(max_size: u32, zones: usize) -> u32 {
    max_size.div_ceil(zones.max(1) as u32)
}

impl World {
    /// Schedules each group's first status check at a random phase.
    pub(super) fn schedule_asg_checks(&mut self) {
        for t in self.tiers.ids() {
            if let Some(asg) = &mut self.tiers[t].asg {
                let phase = Dist::Uniform {
                    min_s: 0.0,
                    max_s: STATUS_CHECK_INTERVAL.as_secs_f64(),
                }
                .sample(&mut asg.rng);
                self.engine
                    .schedule_after(phase, Event::AsgCheck { tier: t });
            }
        }
    }

    pub fn on_asg_check(&mut self, tier: TierId) {
        self.engine
            .schedule_after(STATUS_CHECK_INTERVAL, Event::AsgCheck { tier });
        self.asg_pass(tier);
    }

    /// Runs a replacement pass on every group (a blocking fault ended).
    pub fn asg_pass_all(&mut self) {
        for t in self.tiers.ids() {
            self.asg_pass(t);
        }
    }

    /// Replaces unhealthy instances, fills any shortfall, removes any
    /// surplus and rebalances zones, within the pacing limit and what can
    /// be launched now.
    pub fn asg_pass(&mut self, tier: TierId) {
        let Some(asg) = &self.tiers[tier].asg else {
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
            let preferred = self.servers[self.slot_server(tier, k)].zone;
            let Some(zone) = self.launch_zone(tier, Some(k), preferred, false) else {
                return;
            };
            self.asg_terminate(tier, k);
            self.asg_launch(tier, zone);
        }
        self.asg_fill(tier, true);
        self.asg_scale_in(tier);
        self.asg_rebalance(tier);
    }

    /// Launches until the group reaches its desired capacity, or no launch
    /// is possible now (`paced`: at most ⌈10 % of desired⌉ at once).
    fn asg_fill(&mut self, tier: TierId, paced: bool) {
        loop {
            let asg = self.tiers[tier].asg.as_ref().expect("checked");
            if asg.effective() >= asg.desired {
                return;
            }
            let preferred = asg.zones[0];
            let zone = if paced {
                self.launch_zone(tier, None, preferred, false)
            } else {
                self.launch_zone_in(tier, None, preferred, false)
            };
            let Some(zone) = zone else {
                return;
            };
            self.asg_launch(tier, zone);
        }
    }

    /// Terminates in-service instances above the desired capacity, from
    /// the zone with the most, once no launch is in flight (a launch that
    /// finishes later is then the surplus, as AWS launches before it
    /// terminates when it rebalances).
    fn asg_scale_in(&mut self, tier: TierId) {
        loop {
            let asg = self.tiers[tier].asg.as_ref().expect("checked");
            if asg.launching > 0 || asg.effective() <= asg.desired {
                return;
            }
            let counts = self.asg_zone_counts(tier);
            let Some(&(_, zone)) = counts
                .iter()
                .max_by_key(|&&(n, z)| (n, std::cmp::Reverse(z)))
            else {
                return;
            };
            let candidates: Vec<usize> = {
                let asg = self.tiers[tier].asg.as_ref().expect("checked");
                (0..asg.slots.len())
                    .filter(|&k| {
                        asg.slots[k].state == SlotState::InService
                            && !asg.slots[k].rebalancing
                            && self.servers[self.slot_server(tier, k)].zone == zone
                    })
                    .collect()
            };
            if candidates.is_empty() {
                return;
            }
            let asg = self.tiers[tier].asg.as_mut().expect("checked");
            let k = candidates[asg.rng.random_range(0..candidates.len())];
            self.asg_terminate(tier, k);
        }
    }

    /// In-service (not being replaced) instances per zone of the group, as
    /// (count, zone) in the group's zone order.
    fn asg_zone_counts(&self, tier: TierId) -> Vec<(u32, ZoneIndex)> {
        let asg = self.tiers[tier].asg.as_ref().expect("checked");
        asg.zones
            .iter()
            .map(|&z| {
                let n = (0..asg.slots.len())
                    .filter(|&k| {
                        asg.slots[k].state == SlotState::InService
                            && !asg.slots[k].rebalancing
                            && self.servers[self.slot_server(tier, k)].zone == z
                    })
                    .count() as u32;
                (n, z)
            })
            .collect()
    }

    /// AZ rebalancing: with the group at its desired capacity and nothing
    /// launching, if two zones that can take a launch differ by more than
    /// one instance, launch one in the emptier; the fuller loses one when
    /// it comes into service (`asg_scale_in`).
    fn asg_rebalance(&mut self, tier: TierId) {
        let asg = self.tiers[tier].asg.as_ref().expect("checked");
        if asg.launching > 0 || asg.effective() != asg.desired {
            return;
        }
        let counts = self.asg_zone_counts(tier);
        let Some(&(most, _)) = counts.iter().max() else {
            return;
        };
        let launchable =
            |z: ZoneIndex| self.zones[z].dark.is_none() && self.control_plane.capacity_allows(z);
        let fewest = counts
            .iter()
            .filter(|&&(_, z)| launchable(z))
            .min_by_key(|&&(n, z)| (n, z));
        let Some(&(least, zone)) = fewest else {
            return;
        };
        if most <= least + 1 {
            return;
        }
        if self.launch_zone(tier, None, zone, true) == Some(zone) {
            self.trace_group(tier, "asg_rebalance", format!("zones differ by {} instances: launching in the emptiest first (AZ rebalancing)", most - least));
            self.asg_launch(tier, zone);
        }
    }

    /// Sets the desired capacity (a scaling policy acted), clamped to
    /// [min, max], and acts on it at once.
    pub fn asg_set_desired(&mut self, tier: TierId, desired: u32) {
        let Some(asg) = &mut self.tiers[tier].asg else {
            return;
        };
        let desired = desired.clamp(asg.config.min_size, asg.config.max_size);
        if desired == asg.desired {
            return;
        }
        let before = asg.desired;
        asg.desired = desired;
        self.trace_group(
            tier,
            "asg_desired",
            format!("desired capacity {before} → {desired}"),
        );
        // A scale-out launches every new instance in one activity: the
        // 10 % pacing is for replacing unhealthy instances.
        self.asg_fill(tier, false);
        self.asg_pass(tier);
    }

    fn slot_server(&self, tier: TierId, k: usize) -> ServerId {
        self.tiers[tier].slots[k]
    }

    fn asg_instance_healthy(&self, tier: TierId, k: usize) -> bool {
        let asg = self.tiers[tier].asg.as_ref().expect("checked");
        if !self.servers[self.slot_server(tier, k)].node.is_up() {
            return false;
        }
        asg.config.health_check == AsgHealthCheck::Ec2
            || asg.lbs.iter().all(|&lb| !self.lbs[lb].reports_unhealthy(k))
    }

    /// The zone a launch goes to now, if any: `None` while launches are
    /// blocked, paced out, at `max_size`, or every zone is dark, full or
    /// out of capacity. `replacing` is a slot about to be freed;
    /// `rebalancing` allows the 10 % (at least one) margin over `max`.
    fn launch_zone(
        &self,
        tier: TierId,
        replacing: Option<usize>,
        preferred: ZoneIndex,
        rebalancing: bool,
    ) -> Option<ZoneIndex> {
        let asg = self.tiers[tier].asg.as_ref()?;
        if asg.launching >= asg.max_launching() {
            return None;
        }
        self.launch_zone_in(tier, replacing, preferred, rebalancing)
    }

    /// As `launch_zone`, without the replacement pacing.
    fn launch_zone_in(
        &self,
        tier: TierId,
        replacing: Option<usize>,
        preferred: ZoneIndex,
        rebalancing: bool,
    ) -> Option<ZoneIndex> {
        let asg = self.tiers[tier].asg.as_ref()?;
        if self.control_plane.launch_blocked > 0 {
            return None;
        }
        let freed = u32::from(replacing.is_some());
        let margin = if rebalancing {
            asg.config.max_size.div_ceil(10).max(1)
        } else {
            0
        };
        if asg.occupied() - freed >= asg.config.max_size + margin {
            return None;
        }
        let eligible = asg.zones.iter().filter_map(|&z| {
            if self.zones[z].dark.is_some() || !self.control_plane.capacity_allows(z) {
                return None;
            }
            let mut free = false;
            let mut count = 0u32;
            for (k, slot) in asg.slots.iter().enumerate() {
                if self.servers[self.slot_server(tier, k)].zone != z {
                    continue;
                }
                if slot.state == SlotState::Free || Some(k) == replacing {
                    free = true;
                } else {
                    count += 1;
                }
            }
            free.then_some((z, count))
        });
        pick_launch_zone(eligible, preferred)
    }

    /// Takes an instance out of service: deregistered, and its slot empty.
    pub fn asg_terminate(&mut self, tier: TierId, k: usize) {
        let server = self.slot_server(tier, k);
        let t = &mut self.tiers[tier];
        let Some(asg) = &mut t.asg else {
            return;
        };
        if asg.slots[k].state != SlotState::InService {
            return;
        }
        asg.slots[k].state = SlotState::Free;
        asg.slots[k].rebalancing = false;
        let zone = self.servers[server].zone;
        t.servers.retain(|&s| s != server);
        t.by_zone[zone].retain(|&s| s != server);
        for lb in asg.lbs.clone() {
            self.lbs[lb].deregister(k);
        }
        self.set_down(NodeRef::Server(server), Cause::NotRunning, DownMode::Refuse);
        self.trace_asg(
            server,
            "asg_terminate",
            "terminated by its Auto Scaling group",
        );
    }

    /// A trace event about the whole group (no one instance).
    pub(super) fn trace_group(&mut self, tier: TierId, event: &'static str, what: String) {
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

    /// Starts a new instance in a free slot of `zone`.
    fn asg_launch(&mut self, tier: TierId, zone: ZoneIndex) {
        let slots = self.tiers[tier].slots.clone();
        let asg = self.tiers[tier].asg.as_mut().expect("checked");
        let Some(k) = (0..slots.len()).find(|&k| {
            asg.slots[k].state == SlotState::Free && self.servers[slots[k]].zone == zone
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
        self.servers[server].node.reset_for_launch();
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
        let t = &mut self.tiers[tier];
        let asg = t.asg.as_mut().expect("slot of a group");
        let slot = &mut asg.slots[k];
        if slot.state != SlotState::Launching || slot.generation != generation {
            return;
        }
        slot.state = SlotState::InService;
        slot.grace_until = now + asg.config.grace_period;
        slot.in_service_at = Some(now);
        asg.launching -= 1;
        let zone = self.servers[server].zone;
        let at = t.servers.partition_point(|&s| s < server);
        t.servers.insert(at, server);
        let at = t.by_zone[zone].partition_point(|&s| s < server);
        t.by_zone[zone].insert(at, server);
        for lb in asg.lbs.clone() {
            self.lbs[lb].register(k);
        }
        self.clear_down(NodeRef::Server(server), Cause::NotRunning);
        self.trace_asg(server, "asg_in_service", "in service");
        // A finished launch frees a pacing place.
        self.asg_pass(tier);
    }

    /// The (tier, slot) of a server in a tier with a group.
    pub fn asg_slot_of(&self, server: ServerId) -> Option<(TierId, usize)> {
        let super::world::ServerRole::Instance { tier, .. } = self.server_roles[server] else {
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
