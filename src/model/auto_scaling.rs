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

use super::event::{LbId, ServerId};
use crate::config::{AsgHealthCheck, AutoScalingConfig, ZoneIndex};
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

/// What a group reads from and does to the rest of the infrastructure, at
/// either fidelity (`model/world/auto_scaling.rs` for the request level,
/// `fluid/auto_scaling.rs` for the fluid mode). Slots are the tier's
/// instance slots (index = load-balancer target index).
pub trait GroupHost {
    fn now(&self) -> SimTime;
    /// The zone slot `k`'s instance lives in.
    fn slot_zone(&self, k: usize) -> ZoneIndex;
    /// Slot `k`'s instance is up (no down cause holds).
    fn slot_up(&self, k: usize) -> bool;
    /// One of `lbs` reports slot `k`'s target unhealthy (not while new).
    fn reported_unhealthy(&self, lbs: &[LbId], k: usize) -> bool;
    fn zone_dark(&self, z: ZoneIndex) -> bool;
    fn capacity_allows(&self, z: ZoneIndex) -> bool;
    fn launches_blocked(&self) -> bool;
    /// Slot `k`'s instance was terminated: deregister it from `lbs`, mark
    /// it not running, trace `asg_terminate`.
    fn terminated(&mut self, lbs: &[LbId], k: usize);
    /// A new instance boots in slot `k` of `zone`, in service after
    /// `ready` (`InstanceLaunched` with `generation`); trace `asg_launch`.
    fn launched(&mut self, k: usize, zone: ZoneIndex, ready: SimDuration, generation: u32);
    /// Slot `k`'s instance entered service: register it with `lbs`, mark it
    /// running, trace `asg_in_service`.
    fn in_service(&mut self, lbs: &[LbId], k: usize);
    /// A trace record about the whole group.
    fn trace_group(&mut self, event: &'static str, what: String);
}

impl AutoScaling {
    /// The delay to the group's first status check: a random phase of the
    /// interval (the group's first draw).
    pub fn first_check(&mut self) -> SimDuration {
        Dist::Uniform {
            min_s: 0.0,
            max_s: STATUS_CHECK_INTERVAL.as_secs_f64(),
        }
        .sample(&mut self.rng)
    }

    /// Replaces unhealthy instances, fills any shortfall, removes any
    /// surplus and rebalances zones, within the pacing limit and what can
    /// be launched now.
    pub fn pass(&mut self, h: &mut impl GroupHost) {
        let now = h.now();
        let unhealthy: Vec<usize> = (0..self.slots.len())
            .filter(|&k| {
                let s = &self.slots[k];
                s.state == SlotState::InService
                    && !s.rebalancing
                    && s.grace_until <= now
                    && !self.instance_healthy(h, k)
            })
            .collect();
        for k in unhealthy {
            let preferred = h.slot_zone(k);
            let Some(zone) = self.launch_zone(h, Some(k), preferred, false) else {
                return;
            };
            self.terminate(h, k);
            self.launch(h, zone);
        }
        self.fill(h, true);
        self.scale_in(h);
        self.rebalance(h);
    }

    /// Whether a pass now would change nothing, whatever the time: every
    /// in-service instance healthy, nothing launching, the group at its
    /// desired size and its zones balanced. A host may skip status checks
    /// while this holds and nothing the group reads changes.
    pub fn at_rest(&self, h: &impl GroupHost) -> bool {
        let all_healthy = (0..self.slots.len()).all(|k| {
            let s = &self.slots[k];
            s.state != SlotState::InService || s.rebalancing || self.instance_healthy(h, k)
        });
        all_healthy
            && self.launching == 0
            && self.effective() == self.desired
            && !self.unbalanced(h)
    }

    /// Launches until the group reaches its desired capacity, or no launch
    /// is possible now (`paced`: at most ⌈10 % of desired⌉ at once).
    fn fill(&mut self, h: &mut impl GroupHost, paced: bool) {
        loop {
            if self.effective() >= self.desired {
                return;
            }
            let preferred = self.zones[0];
            let zone = if paced {
                self.launch_zone(h, None, preferred, false)
            } else {
                self.launch_zone_in(h, None, preferred, false)
            };
            let Some(zone) = zone else {
                return;
            };
            self.launch(h, zone);
        }
    }

    /// Terminates in-service instances above the desired capacity, from
    /// the zone with the most, once no launch is in flight (a launch that
    /// finishes later is then the surplus, as AWS launches before it
    /// terminates when it rebalances).
    fn scale_in(&mut self, h: &mut impl GroupHost) {
        loop {
            if self.launching > 0 || self.effective() <= self.desired {
                return;
            }
            let counts = self.zone_counts(h);
            let Some(&(_, zone)) = counts
                .iter()
                .max_by_key(|&&(n, z)| (n, std::cmp::Reverse(z)))
            else {
                return;
            };
            let candidates: Vec<usize> = (0..self.slots.len())
                .filter(|&k| {
                    self.slots[k].state == SlotState::InService
                        && !self.slots[k].rebalancing
                        && h.slot_zone(k) == zone
                })
                .collect();
            if candidates.is_empty() {
                return;
            }
            let k = candidates[self.rng.random_range(0..candidates.len())];
            self.terminate(h, k);
        }
    }

    /// In-service (not being replaced) instances per zone of the group, as
    /// (count, zone) in the group's zone order.
    fn zone_counts(&self, h: &impl GroupHost) -> Vec<(u32, ZoneIndex)> {
        self.zones
            .iter()
            .map(|&z| {
                let n = (0..self.slots.len())
                    .filter(|&k| {
                        self.slots[k].state == SlotState::InService
                            && !self.slots[k].rebalancing
                            && h.slot_zone(k) == z
                    })
                    .count() as u32;
                (n, z)
            })
            .collect()
    }

    /// The fullest zone's count and the emptiest launchable zone, if the
    /// group is at its desired size with nothing launching.
    fn rebalance_gap(&self, h: &impl GroupHost) -> Option<(u32, u32, ZoneIndex)> {
        if self.launching > 0 || self.effective() != self.desired {
            return None;
        }
        let counts = self.zone_counts(h);
        let &(most, _) = counts.iter().max()?;
        let launchable = |z: ZoneIndex| !h.zone_dark(z) && h.capacity_allows(z);
        let &(least, zone) = counts
            .iter()
            .filter(|&&(_, z)| launchable(z))
            .min_by_key(|&&(n, z)| (n, z))?;
        Some((most, least, zone))
    }

    fn unbalanced(&self, h: &impl GroupHost) -> bool {
        self.rebalance_gap(h)
            .is_some_and(|(most, least, _)| most > least + 1)
    }

    /// AZ rebalancing: with the group at its desired capacity and nothing
    /// launching, if two zones that can take a launch differ by more than
    /// one instance, launch one in the emptier; the fuller loses one when
    /// it comes into service (`scale_in`).
    fn rebalance(&mut self, h: &mut impl GroupHost) {
        let Some((most, least, zone)) = self.rebalance_gap(h) else {
            return;
        };
        if most <= least + 1 {
            return;
        }
        if self.launch_zone(h, None, zone, true) == Some(zone) {
            h.trace_group(
                "asg_rebalance",
                format!(
                    "zones differ by {} instances: launching in the emptiest first (AZ rebalancing)",
                    most - least
                ),
            );
            self.launch(h, zone);
        }
    }

    /// Sets the desired capacity (a scaling policy acted), clamped to
    /// [min, max], and acts on it at once.
    pub fn set_desired(&mut self, h: &mut impl GroupHost, desired: u32) {
        let desired = desired.clamp(self.config.min_size, self.config.max_size);
        if desired == self.desired {
            return;
        }
        let before = self.desired;
        self.desired = desired;
        h.trace_group(
            "asg_desired",
            format!("desired capacity {before} → {desired}"),
        );
        // A scale-out launches every new instance in one activity: the
        // 10 % pacing is for replacing unhealthy instances.
        self.fill(h, false);
        self.pass(h);
    }

    fn instance_healthy(&self, h: &impl GroupHost, k: usize) -> bool {
        if !h.slot_up(k) {
            return false;
        }
        self.config.health_check == AsgHealthCheck::Ec2 || !h.reported_unhealthy(&self.lbs, k)
    }

    /// The zone a launch goes to now, if any: `None` while launches are
    /// blocked, paced out, at `max_size`, or every zone is dark, full or
    /// out of capacity. `replacing` is a slot about to be freed;
    /// `rebalancing` allows the 10 % (at least one) margin over `max`.
    fn launch_zone(
        &self,
        h: &impl GroupHost,
        replacing: Option<usize>,
        preferred: ZoneIndex,
        rebalancing: bool,
    ) -> Option<ZoneIndex> {
        if self.launching >= self.max_launching() {
            return None;
        }
        self.launch_zone_in(h, replacing, preferred, rebalancing)
    }

    /// As `launch_zone`, without the replacement pacing.
    fn launch_zone_in(
        &self,
        h: &impl GroupHost,
        replacing: Option<usize>,
        preferred: ZoneIndex,
        rebalancing: bool,
    ) -> Option<ZoneIndex> {
        if h.launches_blocked() {
            return None;
        }
        let freed = u32::from(replacing.is_some());
        let margin = if rebalancing {
            self.config.max_size.div_ceil(10).max(1)
        } else {
            0
        };
        if self.occupied() - freed >= self.config.max_size + margin {
            return None;
        }
        let eligible = self.zones.iter().filter_map(|&z| {
            if h.zone_dark(z) || !h.capacity_allows(z) {
                return None;
            }
            let mut free = false;
            let mut count = 0u32;
            for (k, slot) in self.slots.iter().enumerate() {
                if h.slot_zone(k) != z {
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
    pub fn terminate(&mut self, h: &mut impl GroupHost, k: usize) {
        if self.slots[k].state != SlotState::InService {
            return;
        }
        self.slots[k].state = SlotState::Free;
        self.slots[k].rebalancing = false;
        h.terminated(&self.lbs, k);
    }

    /// Starts a new instance in a free slot of `zone`.
    fn launch(&mut self, h: &mut impl GroupHost, zone: ZoneIndex) {
        let Some(k) = (0..self.slots.len())
            .find(|&k| self.slots[k].state == SlotState::Free && h.slot_zone(k) == zone)
        else {
            return;
        };
        let slot = &mut self.slots[k];
        slot.state = SlotState::Launching;
        slot.generation = slot.generation.wrapping_add(1);
        let generation = slot.generation;
        self.launching += 1;
        let boot = self.config.launch_time.sample(&mut self.rng);
        let ready = boot + self.config.warmup;
        h.launched(k, zone, ready, generation);
    }

    /// Slot `k`'s launch `generation` finished: it enters service (if that
    /// launch is still the slot's) and the group runs a pass, a finished
    /// launch freeing a pacing place.
    pub fn on_launched(&mut self, h: &mut impl GroupHost, k: usize, generation: u32) {
        let now = h.now();
        let slot = &mut self.slots[k];
        if slot.state != SlotState::Launching || slot.generation != generation {
            return;
        }
        slot.state = SlotState::InService;
        slot.grace_until = now + self.config.grace_period;
        slot.in_service_at = Some(now);
        self.launching -= 1;
        h.in_service(&self.lbs, k);
        self.pass(h);
    }
}
