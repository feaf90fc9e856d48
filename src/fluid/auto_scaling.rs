//! Auto Scaling in the fluid mode: a down instance found by a status
//! check is terminated and replaced (the assumptions are listed in
//! `infra.rs`; the request-level model is `model/auto_scaling.rs`).
//!
//! Approximations: one replacement per terminated instance, at most
//! ⌈10 % of desired⌉ launching at once, in the healthy zone with the fewest
//! instances (the failed one's zone on a tie); a launch that finds no free
//! slot in a healthy zone is dropped; the boot draw comes from the fluid
//! run's own stream.

use super::infra::Infra;
use super::FluidEvent;
use crate::config::DownMode;
use crate::engine::Engine;
use crate::model::auto_scaling::{launch_pace, pick_launch_zone, STATUS_CHECK_INTERVAL};
use crate::model::id::ServerId;
use crate::model::node::{Cause, Transition};

impl Infra {
    /// An EC2 status check found the instance down: terminate and replace.
    pub fn on_asg_check(&mut self, e: &mut Engine<FluidEvent>, s: ServerId, generation: u32) {
        let st = &self.servers[s];
        if st.generation != generation || st.is_up() || !st.in_service {
            return;
        }
        let Some(t) = st.tier else { return };
        let zone = st.zone;
        let st = &mut self.servers[s];
        st.in_service = false;
        st.in_lb = false;
        if st.node.set(Cause::NotRunning, DownMode::Refuse) == Transition::WentDown {
            self.trace_server(e.now(), s, false, Cause::NotRunning);
        }
        self.health_register(e, s, false);
        let st = &mut self.servers[s];
        st.node.reset_for_launch();
        st.generation += 1;
        self.dirty = true;
        self.tiers[t].waiting.push(zone);
        self.launch_waiting(e, t);
    }

    /// Launches replacements while the pacing limit allows.
    pub(super) fn launch_waiting(&mut self, e: &mut Engine<FluidEvent>, t: usize) {
        let Some(asg) = self.tiers[t].asg.clone() else {
            return;
        };
        let limit = launch_pace(self.tiers[t].desired);
        while self.tiers[t].launching < limit && !self.tiers[t].waiting.is_empty() {
            let prefer = self.tiers[t].waiting.remove(0);
            let Some(slot) = self.pick_slot(t, prefer) else {
                // No zone can take it now: drop the request (a later
                // failure or zone return brings the group back here).
                continue;
            };
            let st = &mut self.servers[slot];
            st.launching = true;
            st.node.reset_for_launch();
            st.generation += 1;
            self.tiers[t].launching += 1;
            let boot = asg.launch_time.sample(&mut self.rng) + asg.warmup;
            e.schedule_after(boot, FluidEvent::AsgReady { server: slot });
        }
    }

    /// A free slot in the healthy zone with the fewest instances.
    fn pick_slot(&self, t: usize, prefer: usize) -> Option<ServerId> {
        let tier = &self.tiers[t];
        let count = |z: usize| {
            tier.slots
                .iter()
                .filter(|&&s| {
                    let st = &self.servers[s];
                    st.zone == z && (st.in_service || st.launching)
                })
                .count()
        };
        let free = |z: usize| {
            tier.slots.iter().copied().find(|&s| {
                let st = &self.servers[s];
                st.zone == z && !st.in_service && !st.launching
            })
        };
        let eligible = tier
            .zones
            .iter()
            .filter(|&&z| self.zones_dark[z].is_none() && free(z).is_some())
            .map(|&z| (z, count(z) as u32));
        pick_launch_zone(eligible, prefer).and_then(free)
    }

    pub fn on_asg_ready(&mut self, e: &mut Engine<FluidEvent>, s: ServerId) {
        let Some(t) = self.servers[s].tier else {
            return;
        };
        if self.servers[s].node.clear(Cause::NotRunning) == Transition::CameUp {
            self.trace_server(e.now(), s, true, Cause::NotRunning);
        }
        let st = &mut self.servers[s];
        st.launching = false;
        st.in_service = true;
        st.generation += 1;
        let generation = st.generation;
        // It joined after one passing check (part of the launch delay);
        // one that failed while launching (a random failure of its slot,
        // its zone going dark) never passes: the next status check
        // replaces it.
        // Registered: a checked target joins after one passing check
        // (`health.rs`), an unchecked one at once.
        let checked = self.lb_checks(t);
        let st = &mut self.servers[s];
        st.in_lb = st.node.is_up() && !checked;
        let failed = !st.node.is_up();
        self.tiers[t].launching -= 1;
        self.dirty = true;
        self.health_register(e, s, true);
        if failed {
            let lag = self.uniform_s(0.0, STATUS_CHECK_INTERVAL.as_secs_f64());
            e.schedule_after(
                lag,
                FluidEvent::AsgCheck {
                    server: s,
                    generation,
                },
            );
        }
        self.launch_waiting(e, t);
    }
}
