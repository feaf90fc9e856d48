//! Auto Scaling in the fluid mode: the request level's groups
//! (`model/auto_scaling.rs`: the same `AutoScaling` struct, its decisions
//! and its stream `asg/<name>`), hosted on the fluid infrastructure.
//!
//! Assumptions:
//! - Decisions, pacing, zones, grace periods, rebalancing and draws are
//!   the request level's: this file only carries them out (the
//!   [`GroupHost`] side) and runs the group's status checks.
//! - Status checks fall every 60 s from the group's phase, as at request
//!   level, but only while a check can change something
//!   (`AutoScaling::at_rest` false): an instance of the group changing
//!   state, a health flip of its targets or a zone going dark or coming
//!   back wakes the group at its next check time. A skipped check would
//!   have done nothing and drawn nothing, so the fluid mode replaces the
//!   same instances at the same instants.
//! - The fluid mode refuses control-plane and capacity faults
//!   (`super::unsupported`), so launches are never blocked and every zone
//!   has capacity; scaling policies are refused too (`unsupported_model`),
//!   so the desired capacity never changes.

use super::infra::Infra;
use super::FluidEvent;
use crate::config::{DownMode, ZoneIndex};
use crate::engine::Engine;
use crate::metrics::trace::TraceEvent;
use crate::model::auto_scaling::{AutoScaling, GroupHost, STATUS_CHECK_INTERVAL};
use crate::model::id::{LbId, ServerId, TierId};
use crate::model::node::Cause;
use crate::time::{SimDuration, SimTime};

/// A tier's group and its status-check schedule.
pub struct Group {
    pub group: AutoScaling,
    /// The first check's time: later ones follow every minute.
    phase: SimTime,
    /// A check event is pending.
    checking: bool,
}

impl Group {
    pub fn new(mut group: AutoScaling) -> Group {
        let phase = group.first_check();
        Group {
            group,
            phase: SimTime(phase.as_nanos()),
            checking: false,
        }
    }
}

/// The fluid infrastructure as the host of tier `tier`'s group.
struct FluidGroup<'a> {
    infra: &'a mut Infra,
    e: &'a mut Engine<FluidEvent>,
    tier: usize,
}

impl FluidGroup<'_> {
    fn slot_server(&self, k: usize) -> ServerId {
        self.infra.tiers[self.tier].slots[k]
    }

    fn trace_instance(&mut self, s: ServerId, event: &'static str, what: &str) {
        let at = self.e.now();
        self.infra.record(|l| {
            let (component, zone, label) = l.server_label(s);
            TraceEvent::new(at, event, component)
                .zone(Some(&zone))
                .cause("auto_scaling")
                .detail(format!("{label} {what}"))
        });
    }
}

impl GroupHost for FluidGroup<'_> {
    fn now(&self) -> SimTime {
        self.e.now()
    }

    fn slot_zone(&self, k: usize) -> ZoneIndex {
        self.infra.servers[self.slot_server(k)].zone
    }

    fn slot_up(&self, k: usize) -> bool {
        self.infra.servers[self.slot_server(k)].node.is_up()
    }

    fn reported_unhealthy(&self, lbs: &[LbId], k: usize) -> bool {
        lbs.iter().any(|lb| {
            self.infra.health[lb.index()]
                .as_ref()
                .is_some_and(|h| h.targets[k].reports_unhealthy())
        })
    }

    fn zone_dark(&self, z: ZoneIndex) -> bool {
        self.infra.zones_dark[z].is_some()
    }

    fn capacity_allows(&self, _z: ZoneIndex) -> bool {
        true
    }

    fn launches_blocked(&self) -> bool {
        false
    }

    fn terminated(&mut self, _lbs: &[LbId], k: usize) {
        let s = self.slot_server(k);
        self.infra.health_register(self.e, s, false);
        self.infra
            .server_down(self.e, s, Cause::NotRunning, DownMode::Refuse);
        let st = &mut self.infra.servers[s];
        st.in_service = false;
        st.in_lb = false;
        self.infra.dirty = true;
        self.trace_instance(s, "asg_terminate", "terminated by its Auto Scaling group");
    }

    fn launched(&mut self, k: usize, _zone: ZoneIndex, ready: SimDuration, generation: u32) {
        let s = self.slot_server(k);
        self.infra.servers[s].node.reset_for_launch();
        // A new instance gets a new volume.
        for v in &mut self.infra.volumes {
            if v.owner == s && v.lost {
                v.lost = false;
                v.generation += 1;
            }
        }
        self.e.schedule_after(
            ready,
            FluidEvent::InstanceLaunched {
                server: s,
                generation,
            },
        );
        self.trace_instance(s, "asg_launch", "launching (boot and warm-up)");
    }

    fn in_service(&mut self, _lbs: &[LbId], k: usize) {
        let s = self.slot_server(k);
        self.infra.health_register(self.e, s, true);
        self.infra.servers[s].in_service = true;
        self.infra.server_up(self.e, s, Cause::NotRunning);
        self.trace_instance(s, "asg_in_service", "in service");
    }

    fn trace_group(&mut self, event: &'static str, what: String) {
        let at = self.e.now();
        let tier = TierId(self.tier as u16);
        self.infra.record(|l| {
            TraceEvent::new(at, event, l.tiers[tier].name.clone())
                .cause("auto_scaling")
                .detail(what)
        });
    }
}

impl Infra {
    /// Runs `f` on tier `t`'s group with the fluid infrastructure as its
    /// host (the group is moved out meanwhile).
    fn with_group<R>(
        &mut self,
        e: &mut Engine<FluidEvent>,
        t: usize,
        f: impl FnOnce(&mut Group, &mut FluidGroup) -> R,
    ) -> Option<R> {
        let mut group = self.tiers[t].group.take()?;
        let r = f(
            &mut group,
            &mut FluidGroup {
                infra: self,
                e,
                tier: t,
            },
        );
        self.tiers[t].group = Some(group);
        Some(r)
    }

    /// Something tier `t`'s group reads changed: it checks again at its
    /// next status-check time.
    pub(super) fn asg_wake(&mut self, e: &mut Engine<FluidEvent>, t: usize) {
        let Some(g) = &mut self.tiers[t].group else {
            return;
        };
        if g.checking {
            return;
        }
        g.checking = true;
        let at = super::health::next_check(g.phase, STATUS_CHECK_INTERVAL, e.now());
        e.schedule_at(at, FluidEvent::AsgCheck { tier: t as u16 });
    }

    /// Every group wakes (a zone went dark or came back).
    pub(super) fn asg_wake_all(&mut self, e: &mut Engine<FluidEvent>) {
        for t in 0..self.tiers.len() {
            self.asg_wake(e, t);
        }
    }

    /// A status check of tier `t`'s group: a pass, then another check in a
    /// minute unless the group is at rest.
    pub fn on_asg_check(&mut self, e: &mut Engine<FluidEvent>, t: usize) {
        self.with_group(e, t, |g, h| {
            g.group.pass(h);
            g.checking = !g.group.at_rest(h);
            if g.checking {
                h.e.schedule_after(
                    STATUS_CHECK_INTERVAL,
                    FluidEvent::AsgCheck { tier: t as u16 },
                );
            }
        });
    }

    /// A launch finished.
    pub fn on_instance_launched(
        &mut self,
        e: &mut Engine<FluidEvent>,
        s: ServerId,
        generation: u32,
    ) {
        let Some(t) = self.servers[s].tier else {
            return;
        };
        let Some(k) = self.tiers[t].slots.iter().position(|&x| x == s) else {
            return;
        };
        let rest = self.with_group(e, t, |g, h| {
            g.group.on_launched(h, k, generation);
            g.group.at_rest(h)
        });
        if rest == Some(false) {
            self.asg_wake(e, t);
        }
    }
}
