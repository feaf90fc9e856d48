//! The dispatcher's side of instance lifecycles (`model/lifecycle.rs`,
//! where the assumptions are): the fault layer's commands and the
//! `Lifecycle` events, with what a lifecycle change does to the instance's
//! node (down with a cause, up), its Auto Scaling group, a hosted
//! database's data and the trace, in the order the lifecycle decides.

use super::{ComponentRef, ServerRole, World};
use crate::config::{DownMode, InstanceConfig};
use crate::model::auto_scaling::STATUS_CHECK_INTERVAL;
use crate::model::event::{Event, ServerId, TierId};
use crate::model::failure::NodeRef;
use crate::model::lifecycle::{Instance, LifecycleStep, StepDone};
use crate::model::node::Cause;
use crate::time::SimDuration;

impl World {
    /// The lifecycle's view of instance `s` now.
    fn instance(&self, s: ServerId) -> Instance {
        let slot_generation = self.asg_slot_of(s).and_then(|(tier, k)| {
            let asg = self.tiers[tier].asg.as_ref()?;
            Some(asg.slots[k].generation)
        });
        Instance {
            server: s,
            servers: self.servers.len(),
            slot_generation,
        }
    }

    /// The lifecycle settings of the tier an instance belongs to.
    fn instance_config(&self, s: ServerId) -> Option<&InstanceConfig> {
        match self.server_roles[s] {
            ServerRole::Instance { tier, .. } => Some(&self.tiers[tier].instance),
            ServerRole::DbNode { .. } => None,
        }
    }

    /// An instance's boot time (`None` for a database node); a
    /// deployment's restart defaults to it (`fault/deploy.rs`).
    pub(crate) fn boot_time(&self, s: ServerId) -> Option<crate::dist::Dist> {
        self.instance_config(s).map(|c| c.boot_time)
    }

    fn schedule_step(&mut self, s: ServerId, after: SimDuration, step: LifecycleStep) {
        let i = self.instance(s);
        let generation = self.lifecycle.step_generation(i, step);
        self.engine.schedule_after(
            after,
            Event::Lifecycle {
                server: s,
                generation,
                step,
            },
        );
    }

    /// `instance_terminate`: the instance is gone (and its root volume with
    /// it when `delete_on_termination`). Returns whether it was running.
    pub fn instance_terminate(&mut self, s: ServerId) -> bool {
        let Some(config) = self.instance_config(s) else {
            return false;
        };
        let delete = config.delete_on_termination;
        let i = self.instance(s);
        if !self.lifecycle.terminate(i) {
            return false;
        }
        self.trace_life(s, "instance_terminated", "terminated");
        match self.asg_slot_of(s) {
            Some((tier, k)) => self.asg_terminate(tier, k),
            None => self.set_down(NodeRef::Server(s), Cause::NotRunning, DownMode::Refuse),
        }
        if delete {
            self.delete_hosted_data(s);
        }
        true
    }

    /// The hosted database's data lived on the deleted root volume.
    fn delete_hosted_data(&mut self, s: ServerId) {
        let ServerRole::Instance {
            hosts: Some(db), ..
        } = self.server_roles[s]
        else {
            return;
        };
        let zone = self.servers[s].zone;
        for n in 0..self.dbs[db].nodes.len() {
            let node = &self.dbs[db].nodes[n];
            if self.servers[node.server].zone != zone {
                continue;
            }
            match node.volume {
                Some(v) => self.volume_lost(v, None),
                // No snapshots: only shipped logs (if any) survive.
                None => {
                    let now = self.now();
                    self.dbs[db].on_volume_lost(n as u16, None, now)
                }
            }
        }
    }

    /// An operator's replacement for a terminated instance outside an Auto
    /// Scaling group serves now, with a new public address.
    pub fn instance_replaced(&mut self, s: ServerId) {
        let i = self.instance(s);
        let in_group = self.asg_slot_of(s).is_some();
        if !self.lifecycle.replace(i, in_group) {
            return;
        }
        self.servers[s].node.reset_for_launch();
        self.address_changed(s);
        self.trace_life(s, "instance_replaced", "replaced by a new instance");
        self.clear_down(NodeRef::Server(s), Cause::NotRunning);
    }

    /// `instance_stop`: returns whether the instance was running.
    pub fn instance_stop(&mut self, s: ServerId) -> bool {
        let Some(stop_time) = self.instance_config(s).map(|c| c.stop_time) else {
            return false;
        };
        let i = self.instance(s);
        if !self.lifecycle.running(i) {
            return false;
        }
        self.lifecycle.stop(i);
        let took = self.lifecycle.draw(Some(stop_time));
        self.trace_life(s, "instance_stopping", "stopping");
        self.set_down(NodeRef::Server(s), Cause::Stopped, DownMode::Refuse);
        self.schedule_step(s, took, LifecycleStep::Stopped);
        true
    }

    /// The end of an `instance_stop`: start now, or once stopped.
    pub fn instance_start(&mut self, s: ServerId) {
        let i = self.instance(s);
        if self.lifecycle.start(i) {
            self.boot(s, true);
        }
    }

    /// `instance_reboot`: returns whether the instance was running.
    pub fn instance_reboot(&mut self, s: ServerId) -> bool {
        if self.instance_config(s).is_none() {
            return false;
        }
        let i = self.instance(s);
        if !self.lifecycle.running(i) {
            return false;
        }
        self.trace_life(s, "instance_rebooting", "rebooting");
        self.set_down(NodeRef::Server(s), Cause::Stopped, DownMode::Refuse);
        self.boot(s, false);
        true
    }

    /// Boots (after a start, a reboot or a recovery); a start from
    /// `stopped` moves the public address.
    fn boot(&mut self, s: ServerId, new_address: bool) {
        let i = self.instance(s);
        self.lifecycle.boot(i);
        if new_address {
            self.address_changed(s);
        }
        let boot_time = self.instance_config(s).map(|c| c.boot_time);
        let took = self.lifecycle.draw(boot_time);
        self.schedule_step(s, took, LifecycleStep::Booted);
    }

    /// `instance_host_failure`: the host under the instance fails; with
    /// automatic recovery, status checks start counting.
    pub fn instance_host_failure(&mut self, s: ServerId) -> bool {
        let Some(config) = self.instance_config(s) else {
            return false;
        };
        let recover = config.auto_recovery;
        if self.servers[s].node.has(Cause::Host) {
            return false;
        }
        self.set_down(NodeRef::Server(s), Cause::Host, DownMode::Blackhole);
        if recover {
            let detect = self.lifecycle.recovery_detection();
            self.schedule_step(s, detect, LifecycleStep::StatusCheck);
        }
        true
    }

    /// The end of a host failure: the host is back (if recovery did not
    /// move the instance already).
    pub fn instance_host_repaired(&mut self, s: ServerId) {
        self.clear_down(NodeRef::Server(s), Cause::Host);
    }

    /// A `Lifecycle` event.
    pub(crate) fn on_lifecycle(&mut self, s: ServerId, generation: u32, step: LifecycleStep) {
        let i = self.instance(s);
        let now = self.now();
        match self.lifecycle.on_step(i, generation, step, now) {
            None => {}
            Some(StepDone::Stopped { start }) => {
                self.trace_life(s, "instance_stopped", "stopped (volumes kept)");
                // Nothing answers at a stopped instance's address.
                self.set_down(NodeRef::Server(s), Cause::Stopped, DownMode::Blackhole);
                if start {
                    self.boot(s, true);
                }
            }
            Some(StepDone::Booted) => {
                self.trace_life(s, "instance_booted", "booted, serving");
                self.clear_down(NodeRef::Server(s), Cause::Stopped);
            }
            Some(StepDone::StatusCheck) => self.on_status_check(s),
            Some(StepDone::AddressPublished) => self.trace_life(
                s,
                "address_published",
                "the DNS record names its new address",
            ),
        }
    }

    /// The recovery alarm fires: move the instance to a new host, unless
    /// the host came back or a service event blocks recovery for now.
    fn on_status_check(&mut self, s: ServerId) {
        if !self.servers[s].node.has(Cause::Host) {
            return;
        }
        let zone = self.servers[s].zone;
        let blocked = self.zones[zone].dark.is_some()
            || self.control_plane.launch_blocked > 0
            || !self.control_plane.capacity_allows(zone);
        if blocked {
            self.schedule_step(s, STATUS_CHECK_INTERVAL, LifecycleStep::StatusCheck);
            return;
        }
        self.trace_life(
            s,
            "instance_recovering",
            "recovered onto a new host (same volumes and addresses), booting",
        );
        // Down for the boot on the new host; the failed host no longer matters.
        self.set_down(NodeRef::Server(s), Cause::Stopped, DownMode::Refuse);
        self.clear_down(NodeRef::Server(s), Cause::Host);
        self.boot(s, false);
    }

    /// The instance's public address changed: clients that reach it
    /// directly fail until the DNS record and their cached answer follow.
    fn address_changed(&mut self, s: ServerId) {
        let Some(config) = self.instance_config(s) else {
            return;
        };
        let (elastic, update) = (config.elastic_ip, config.dns_update_time);
        let ServerRole::Instance { tier, .. } = self.server_roles[s] else {
            return;
        };
        if elastic || !self.reached_by_clients(tier) {
            return;
        }
        let i = self.instance(s);
        self.lifecycle.move_address(i);
        self.trace_life(s, "address_changed", "new public address");
        self.schedule_step(s, update, LifecycleStep::AddressPublished);
    }

    /// Whether some request path starts at this tier (clients call it by
    /// its public address, not through a load balancer).
    fn reached_by_clients(&self, tier: TierId) -> bool {
        self.classes.iter().any(|c| {
            c.steps
                .first()
                .is_some_and(|s| self.components[s.component] == ComponentRef::Tier(tier))
        })
    }

    /// Whether `client`'s cached DNS answer misses `server`'s current
    /// public address (only asked once some address moved).
    pub(crate) fn stale_address(&self, client: u32, server: ServerId) -> bool {
        let config = self.instance_config(server);
        self.lifecycle
            .stale_address(client, server, config, &self.dns, self.seed, self.now())
    }

    fn trace_life(&mut self, s: ServerId, event: &'static str, what: &str) {
        self.trace(|w| {
            let (component, zone, label) = w.server_label(s);
            crate::metrics::trace::TraceEvent::new(w.now(), event, component)
                .zone(Some(&zone))
                .cause("lifecycle")
                .detail(format!("{label} {what}"))
        });
    }
}
