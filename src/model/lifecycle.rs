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
use super::dns::CallerDns;
use super::event::ServerId;
use super::id::Arena;
use crate::config::InstanceConfig;
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

/// Which instance a lifecycle action is about: its server, the world's
/// server count (the table grows to it on first use) and the launch
/// generation of its Auto Scaling slot (`None` outside a group).
#[derive(Clone, Copy, Debug)]
pub struct Instance {
    pub server: ServerId,
    pub servers: usize,
    pub slot_generation: Option<u32>,
}

/// What the dispatcher does after a lifecycle step took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDone {
    /// The instance stopped; `start`: its start was asked for meanwhile.
    Stopped {
        start: bool,
    },
    Booted,
    /// The recovery alarm's status check is due.
    StatusCheck,
    AddressPublished,
}

/// The lifecycle's own state changes; the dispatcher (`world/lifecycle.rs`)
/// applies what they mean to the instance's node, its group and the trace.
impl Lifecycle {
    /// The instance's lifecycle state. An instance its Auto Scaling group
    /// replaced since is a new instance: running, its address unchanged,
    /// and events about the old one stale.
    fn life(&mut self, i: Instance) -> &mut InstanceLife {
        let instances = &mut self.instances;
        if instances.len() < i.servers {
            instances.resize(
                i.servers,
                InstanceLife {
                    published_at: Some(SimTime::ZERO),
                    ..InstanceLife::default()
                },
            );
        }
        let life = &mut instances[i.server];
        if life.slot_generation != i.slot_generation {
            life.slot_generation = i.slot_generation;
            life.generation = life.generation.wrapping_add(1);
            life.state = LifeState::Running;
            life.start_requested = false;
            life.published_at = Some(SimTime::ZERO);
        }
        life
    }

    fn bump(&mut self, i: Instance, state: LifeState) {
        let life = self.life(i);
        life.generation = life.generation.wrapping_add(1);
        life.state = state;
        life.start_requested = false;
    }

    /// A draw from the lifecycle's stream (zero without a setting).
    pub(crate) fn draw(&mut self, d: Option<Dist>) -> SimDuration {
        d.map_or(SimDuration::ZERO, |d| d.sample(&mut self.rng))
    }

    /// The generation a `Lifecycle` event for `step` carries now.
    pub(crate) fn step_generation(&mut self, i: Instance, step: LifecycleStep) -> u32 {
        match step {
            LifecycleStep::AddressPublished => self.life(i).address_epoch,
            _ => self.life(i).generation,
        }
    }

    /// Terminates the instance; false if it already was.
    pub(crate) fn terminate(&mut self, i: Instance) -> bool {
        if self.life(i).state == LifeState::Terminated {
            return false;
        }
        self.bump(i, LifeState::Terminated);
        true
    }

    /// A terminated instance outside a group (`in_group` false) is
    /// replaced: it runs again. False if there was nothing to replace.
    pub(crate) fn replace(&mut self, i: Instance, in_group: bool) -> bool {
        if self.life(i).state != LifeState::Terminated || in_group {
            return false;
        }
        self.bump(i, LifeState::Running);
        true
    }

    /// Whether the instance is running (a stop or a reboot applies).
    pub(crate) fn running(&mut self, i: Instance) -> bool {
        self.life(i).state == LifeState::Running
    }

    /// The instance starts stopping.
    pub(crate) fn stop(&mut self, i: Instance) {
        self.bump(i, LifeState::Stopping);
    }

    /// The stop's duration is over: true if the instance boots now (it
    /// has stopped); while it is still stopping, it boots once stopped.
    pub(crate) fn start(&mut self, i: Instance) -> bool {
        match self.life(i).state {
            LifeState::Stopping => {
                self.life(i).start_requested = true;
                false
            }
            LifeState::Stopped => true,
            _ => false,
        }
    }

    /// The instance starts booting.
    pub(crate) fn boot(&mut self, i: Instance) {
        self.bump(i, LifeState::Booting);
    }

    /// When the recovery alarm fires after a host failure: the first
    /// failed check comes at a random phase of the minute; the alarm needs
    /// `RECOVERY_FAILED_CHECKS` of them in a row.
    pub(crate) fn recovery_detection(&mut self) -> SimDuration {
        let phase = self.rng.random::<f64>() * STATUS_CHECK_INTERVAL.as_secs_f64();
        let phase = SimDuration::from_secs_f64(phase);
        phase + SimDuration(STATUS_CHECK_INTERVAL.as_nanos() * (RECOVERY_FAILED_CHECKS - 1))
    }

    /// The instance's public address moves: clients fail until the record
    /// names the new one.
    pub(crate) fn move_address(&mut self, i: Instance) {
        let life = self.life(i);
        life.address_epoch = life.address_epoch.wrapping_add(1);
        life.published_at = None;
        self.addresses_moved = true;
    }

    /// A `Lifecycle` event: takes the step unless the event is stale.
    pub(crate) fn on_step(
        &mut self,
        i: Instance,
        generation: u32,
        step: LifecycleStep,
        now: SimTime,
    ) -> Option<StepDone> {
        let life = *self.life(i);
        let current = match step {
            LifecycleStep::AddressPublished => life.address_epoch,
            _ => life.generation,
        };
        if current != generation {
            return None;
        }
        match step {
            LifecycleStep::Stopped => {
                if life.state != LifeState::Stopping {
                    return None;
                }
                self.life(i).state = LifeState::Stopped;
                Some(StepDone::Stopped {
                    start: life.start_requested,
                })
            }
            LifecycleStep::Booted => {
                if life.state != LifeState::Booting {
                    return None;
                }
                self.life(i).state = LifeState::Running;
                Some(StepDone::Booted)
            }
            LifecycleStep::StatusCheck => Some(StepDone::StatusCheck),
            LifecycleStep::AddressPublished => {
                self.life(i).published_at = Some(now);
                Some(StepDone::AddressPublished)
            }
        }
    }

    /// Whether `client`'s cached DNS answer misses `server`'s current
    /// public address (only asked once some address moved); `config` is
    /// the instance's tier's lifecycle settings.
    pub(crate) fn stale_address(
        &self,
        client: u32,
        server: ServerId,
        config: Option<&InstanceConfig>,
        dns: &CallerDns,
        seed: u64,
        now: SimTime,
    ) -> bool {
        let Some(life) = self.instances.get(server) else {
            return false;
        };
        let published = match life.published_at {
            Some(SimTime::ZERO) => return false,
            Some(t) => t,
            None => return true,
        };
        let Some(config) = config else {
            return false;
        };
        let slot = dns.client_slot(client);
        let period = dns.cache_time(slot, config.dns_ttl).as_nanos().max(1);
        let salt = u64::from(client) ^ (u64::from(server.0) << 32) ^ seed;
        let phase = super::dns::mix64(salt) % period;
        // The client refreshed at phase + k·period; its last refresh:
        let now = now.0;
        if now < phase {
            return true;
        }
        let last = now - (now - phase) % period;
        SimTime(last) < published
    }
}
