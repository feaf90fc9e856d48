//! An EC2 instance's lifecycle: terminate, stop and start, reboot, a host
//! failure with simplified automatic recovery, and the public address that
//! moves when a stopped instance starts again.
//!
//! Assumptions (defaults and their sources in `catalog::generic::instance`):
//! - Terminating an instance (`aws:ec2:terminate-instances`) ends it. Its
//!   root volume is deleted with it when `delete_on_termination` (the EC2
//!   default for root volumes). A database hosted on the instance (`host:`)
//!   keeps its data on that root volume: its `volume:` block describes the
//!   root volume (type, snapshots, restore time). Deleting it loses every
//!   write since the last completed snapshot (or shipped logs), and the
//!   database is restored from there, taking the volume's `restore_time`;
//!   with `delete_on_termination: false` the volume survives and a
//!   replacement instance finds every write. An Auto Scaling group
//!   replaces a terminated instance at its next status check; without one,
//!   a replacement (an operator's launch) serves after the fault's
//!   duration, or never.
//! - Stopping (`aws:ec2:stop-instances`) takes `stop_time`; callers are
//!   refused while the OS shuts down, then blackholed while stopped.
//!   Volumes are kept. The instance starts again `duration` after the stop
//!   began (FIS `startInstancesAfterDuration`), but not before it has
//!   stopped (EC2 refuses to start a stopping instance), and serves after
//!   `boot_time`.
//! - A reboot (`aws:ec2:reboot-instances`) is an OS restart on the same
//!   host: down (refusing) for `boot_time`; volumes and addresses kept.
//! - A host failure (the system status check fails: power, network or
//!   hardware of the physical host) blackholes the instance. With
//!   `auto_recovery` (EC2 simplified automatic recovery, the default for
//!   supported types) the status check, run every minute at a random
//!   phase, must fail twice in a row (assumption: the two 1-minute periods
//!   of AWS's recovery-alarm recipe, EC2 User Guide "Add recover actions
//!   to Amazon CloudWatch alarms"); the instance then reboots on a new host
//!   with the same volumes, private and public addresses: down for
//!   `boot_time` more, no write lost. Recovery waits while the zone is
//!   dark, launches are blocked or the zone has no capacity (it "doesn't
//!   operate during service events"), retrying every minute. Without it
//!   the instance is down until the fault ends. `instance_crash` is a
//!   different fault (process or host down for its duration, no recovery
//!   logic) and is unchanged.
//! - Public addresses: an instance that clients reach directly (a tier at
//!   the start of a request path, no load balancer) is found through a DNS
//!   record naming its public IPv4 address. A start after a stop, or an
//!   operator's replacement, gives it a new address unless `elastic_ip`
//!   (EC2 User Guide, "Automatic instance recovery": a recovered instance
//!   keeps its public address, a restarted one does not). The record names
//!   the new address `dns_update_time` after the change; each client
//!   refreshes its cached answer every `dns_ttl` (or longer while a
//!   `dns_stale` rule holds it) at a phase of its own, fixed by a hash of
//!   client, instance and seed (a busy client re-resolving lazily on its
//!   first call after expiry behaves the same). Until its answer names the
//!   new address, a client's requests fail at once with `stale_address`
//!   (simplification: a released address may answer or not; counted as a
//!   refusal so the cause shows). Load balancers and calls inside the
//!   region use private addresses, which never change.
//! - A tier's own `volume:` holds no tracked data (only databases count
//!   writes); an Auto Scaling group's launches are not given new public
//!   addresses (they are expected behind a load balancer).
//! - Every draw (stop, boot, status-check phase) comes from the run's
//!   `lifecycle` stream, so runs without these faults draw nothing new.

use rand::RngExt;

use super::auto_scaling::STATUS_CHECK_INTERVAL;
use super::event::{Event, ServerId, TierId};
use super::failure::NodeRef;
use super::id::Arena;
use super::node::Cause;
use super::world::{ComponentRef, ServerRole, World};
use crate::config::{DownMode, InstanceConfig};
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

/// Consecutive failed system status checks before recovery starts.
pub const RECOVERY_FAILED_CHECKS: u64 = 2;

/// What an instance is doing, as far as its lifecycle faults go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LifeState {
    #[default]
    Running,
    Stopping,
    Stopped,
    /// Booting after a start, a reboot or a recovery.
    Booting,
    Terminated,
}

/// The step a `Lifecycle` event stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifecycleStep {
    /// The instance reached `stopped`.
    Stopped,
    /// The boot finished: it serves again.
    Booted,
    /// A system status check of an instance whose host failed.
    StatusCheck,
    /// The DNS record names the instance's new public address.
    AddressPublished,
}

#[derive(Clone, Copy, Debug, Default)]
struct InstanceLife {
    state: LifeState,
    /// Bumped at each lifecycle change: older events are stale.
    generation: u32,
    /// Bumped at each public address change (publication events).
    address_epoch: u32,
    /// The stop's duration is over: start as soon as it has stopped.
    start_requested: bool,
    /// Since when the DNS record names the current address (`None`: not
    /// yet). `Some(ZERO)` for an address that never moved.
    published_at: Option<SimTime>,
    /// The Auto Scaling slot's launch generation this state belongs to: a
    /// group that replaced the instance makes it a new one.
    slot_generation: Option<u32>,
}

/// Lifecycle state of every instance, allocated on the first action.
pub struct Lifecycle {
    instances: Arena<ServerId, InstanceLife>,
    /// Some public address moved: client requests that reach a tier
    /// directly check their cached answer (a cold flag on the hot path).
    pub addresses_moved: bool,
    rng: SimRng,
}

impl Lifecycle {
    pub fn new(rng: SimRng) -> Self {
        Lifecycle {
            instances: Arena::new(),
            addresses_moved: false,
            rng,
        }
    }

    /// The instance's lifecycle state (`Running` if it never had a fault).
    pub fn state(&self, server: ServerId) -> LifeState {
        self.instances
            .get(server)
            .map_or(LifeState::Running, |l| l.state)
    }
}

impl World {
    /// The instance's lifecycle state. An instance its Auto Scaling group
    /// replaced since is a new instance: running, its address unchanged,
    /// and events about the old one stale.
    fn life(&mut self, s: ServerId) -> &mut InstanceLife {
        let slot_generation = self.asg_slot_of(s).and_then(|(tier, k)| {
            let asg = self.tiers[tier].asg.as_ref()?;
            Some(asg.slots[k].generation)
        });
        let n = self.servers.len();
        let instances = &mut self.lifecycle.instances;
        if instances.len() < n {
            instances.resize(
                n,
                InstanceLife {
                    published_at: Some(SimTime::ZERO),
                    ..InstanceLife::default()
                },
            );
        }
        let life = &mut instances[s];
        if life.slot_generation != slot_generation {
            life.slot_generation = slot_generation;
            life.generation = life.generation.wrapping_add(1);
            life.state = LifeState::Running;
            life.start_requested = false;
            life.published_at = Some(SimTime::ZERO);
        }
        life
    }

    /// The lifecycle settings of the tier an instance belongs to.
    fn instance_config(&self, s: ServerId) -> Option<&InstanceConfig> {
        match self.server_roles[s] {
            ServerRole::Instance { tier, .. } => Some(&self.tiers[tier].instance),
            ServerRole::DbNode { .. } => None,
        }
    }

    fn draw(&mut self, pick: impl Fn(&InstanceConfig) -> Dist, s: ServerId) -> SimDuration {
        let d = self.instance_config(s).map(pick);
        d.map_or(SimDuration::ZERO, |d| d.sample(&mut self.lifecycle.rng))
    }

    fn schedule_step(&mut self, s: ServerId, after: SimDuration, step: LifecycleStep) {
        let generation = match step {
            LifecycleStep::AddressPublished => self.life(s).address_epoch,
            _ => self.life(s).generation,
        };
        self.engine.schedule_after(
            after,
            Event::Lifecycle {
                server: s,
                generation,
                step,
            },
        );
    }

    fn bump(&mut self, s: ServerId, state: LifeState) {
        let life = self.life(s);
        life.generation = life.generation.wrapping_add(1);
        life.state = state;
        life.start_requested = false;
    }

    /// `instance_terminate`: the instance is gone (and its root volume with
    /// it when `delete_on_termination`). Returns whether it was running.
    pub fn instance_terminate(&mut self, s: ServerId) -> bool {
        let Some(config) = self.instance_config(s) else {
            return false;
        };
        let delete = config.delete_on_termination;
        if self.life(s).state == LifeState::Terminated {
            return false;
        }
        self.bump(s, LifeState::Terminated);
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
        if self.life(s).state != LifeState::Terminated || self.asg_slot_of(s).is_some() {
            return;
        }
        self.bump(s, LifeState::Running);
        self.servers[s].node.reset_for_launch();
        self.address_changed(s);
        self.trace_life(s, "instance_replaced", "replaced by a new instance");
        self.clear_down(NodeRef::Server(s), Cause::NotRunning);
    }

    /// `instance_stop`: returns whether the instance was running.
    pub fn instance_stop(&mut self, s: ServerId) -> bool {
        if self.instance_config(s).is_none() || self.life(s).state != LifeState::Running {
            return false;
        }
        self.bump(s, LifeState::Stopping);
        let took = self.draw(|c| c.stop_time, s);
        self.trace_life(s, "instance_stopping", "stopping");
        self.set_down(NodeRef::Server(s), Cause::Stopped, DownMode::Refuse);
        self.schedule_step(s, took, LifecycleStep::Stopped);
        true
    }

    /// The end of an `instance_stop`: start now, or once stopped.
    pub fn instance_start(&mut self, s: ServerId) {
        match self.life(s).state {
            LifeState::Stopping => self.life(s).start_requested = true,
            LifeState::Stopped => self.boot(s, true),
            _ => {}
        }
    }

    /// `instance_reboot`: returns whether the instance was running.
    pub fn instance_reboot(&mut self, s: ServerId) -> bool {
        if self.instance_config(s).is_none() || self.life(s).state != LifeState::Running {
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
        self.bump(s, LifeState::Booting);
        if new_address {
            self.address_changed(s);
        }
        let took = self.draw(|c| c.boot_time, s);
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
            // The first failed check comes at a random phase of the minute;
            // the alarm needs RECOVERY_FAILED_CHECKS of them in a row.
            let phase = self.lifecycle.rng.random::<f64>() * STATUS_CHECK_INTERVAL.as_secs_f64();
            let phase = SimDuration::from_secs_f64(phase);
            let detect = phase
                + SimDuration(STATUS_CHECK_INTERVAL.as_nanos() * (RECOVERY_FAILED_CHECKS - 1));
            self.schedule_step(s, detect, LifecycleStep::StatusCheck);
        }
        true
    }

    /// The end of a host failure: the host is back (if recovery did not
    /// move the instance already).
    pub fn instance_host_repaired(&mut self, s: ServerId) {
        self.clear_down(NodeRef::Server(s), Cause::Host);
    }

    pub fn on_lifecycle(&mut self, s: ServerId, generation: u32, step: LifecycleStep) {
        let life = *self.life(s);
        let current = match step {
            LifecycleStep::AddressPublished => life.address_epoch,
            _ => life.generation,
        };
        if current != generation {
            return;
        }
        match step {
            LifecycleStep::Stopped => {
                if life.state != LifeState::Stopping {
                    return;
                }
                self.life(s).state = LifeState::Stopped;
                self.trace_life(s, "instance_stopped", "stopped (volumes kept)");
                // Nothing answers at a stopped instance's address.
                self.set_down(NodeRef::Server(s), Cause::Stopped, DownMode::Blackhole);
                if life.start_requested {
                    self.boot(s, true);
                }
            }
            LifecycleStep::Booted => {
                if life.state != LifeState::Booting {
                    return;
                }
                self.life(s).state = LifeState::Running;
                self.trace_life(s, "instance_booted", "booted, serving");
                self.clear_down(NodeRef::Server(s), Cause::Stopped);
            }
            LifecycleStep::StatusCheck => self.on_status_check(s),
            LifecycleStep::AddressPublished => {
                self.life(s).published_at = Some(self.now());
                self.trace_life(
                    s,
                    "address_published",
                    "the DNS record names its new address",
                );
            }
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
        let life = self.life(s);
        life.address_epoch = life.address_epoch.wrapping_add(1);
        life.published_at = None;
        self.lifecycle.addresses_moved = true;
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
    pub(super) fn stale_address(&self, client: u32, server: ServerId) -> bool {
        let Some(life) = self.lifecycle.instances.get(server) else {
            return false;
        };
        let published = match life.published_at {
            Some(SimTime::ZERO) => return false,
            Some(t) => t,
            None => return true,
        };
        let Some(config) = self.instance_config(server) else {
            return false;
        };
        let slot = self.client_slot(client);
        let period = self.cache_time(slot, config.dns_ttl).as_nanos().max(1);
        let salt = u64::from(client) ^ (u64::from(server.0) << 32) ^ self.seed;
        let phase = super::dns::mix64(salt) % period;
        // The client refreshed at phase + k·period; its last refresh:
        let now = self.now().0;
        if now < phase {
            return true;
        }
        let last = now - (now - phase) % period;
        SimTime(last) < published
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
