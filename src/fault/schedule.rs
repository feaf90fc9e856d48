//! Scripted faults: actions that start at a time or after another action
//! ends, last for a duration (or to the end of the run), then revert.
//!
//! Per action, what "start" and "end" mean:
//! - `instance_crash`: the selected instances go down (refusing or
//!   blackholed); at the end they come back.
//! - `zone_outage`: every node in the zone goes dark; at the end it returns
//!   (cache nodes come back cold).
//! - `database_primary_failure`: the current primary fails (refusing) and the
//!   model's failover takes over; at the end the node is repaired. With no
//!   duration the node restarts in place after the database's restart time.
//! - `failover_failure`: every failover that completes while it is active
//!   fails (with `probability`, only on the databases a draw at the start
//!   picks).
//! - `cache_node_loss`: the selected nodes are lost and replaced, cold,
//!   after the duration (default: the cache's replacement time).
//! - `volume_loss`: the selected volumes lose their data and restore from
//!   their latest snapshot (the duration is not used: a restore takes the
//!   volume's restore time). A database target without a zone means the
//!   current primary's volume.
//! - `traffic_spike` / `class_surge`: arrivals (of every class / of the
//!   target's class) are multiplied by `factor` until the end.
//! - `dns_stale`: a share of callers ignores DNS TTLs (see `model/dns.rs`).
//! - The data faults (volume_io_stall ... cache_flush) are in `data.rs`.
//! - `instance_terminate`, `instance_stop`, `instance_reboot`,
//!   `instance_host_failure`: `fault/lifecycle.rs`.
//! - The RDS API actions (`database_reboot`, `database_cluster_failover`,
//!   `replica_promotion`) are in `database_actions.rs`.
//! - Gray failures and network faults (`latency`, `slowdown`,
//!   `capacity_loss`, `limp`, `link_latency`, `packet_loss`,
//!   `zone_isolation`, `path_block`, `region_outage`): `fault/gray.rs`.
//!
//! When a stop condition trips, every active action ends at once (reverted
//! as at its end) and no action starts afterwards. A target that resolves
//! to no node fails the experiment the same way, or is skipped
//! (`fault/resolution.rs`).
//!

//! When an action fails (the cloud refuses the API call), the experiment
//! fails, as in AWS FIS ("an error prevents an action from completing" ends
//! the experiment, FIS User Guide, "Managing experiments"): the failure is
//! traced (`fault_failed`) and recorded (the fault's recovery entry and
//! the run's `failed_action`), then every active action ends and none
//! starts afterwards, as for a stop condition.

use rand::RngExt;

use super::capacity;
use super::database_actions;
use super::target::{self, Candidate};
use crate::config::BindError;
use crate::config::{EmptyTargetResolution, FaultAction, FaultConfig, FaultStart, TargetKind};
use crate::model::event::{DbId, ExternalId};
use crate::model::failure::NodeRef;
use crate::model::node::Cause;
use crate::model::world::{ComponentRef, World};
use crate::model::Event;
use crate::rng::{stream, SimRng};
use crate::time::{SimDuration, SimTime};

/// What a started action changed, so its end can undo exactly that.
#[derive(Clone, Debug, PartialEq)]
enum Applied {
    Nodes(Vec<NodeRef>),
    Zone(usize),
    Databases(Vec<DbId>),
    /// A load fault is active (its world-side state is keyed by fault).
    Load,
    /// A `dns_stale` rule is active.
    Dns,
    /// An outage or slowdown of this external dependency is active.
    External(ExternalId),
    Data(super::data::DataApplied),
    Gray(super::gray::GrayApplied),
    Capacity(capacity::Applied),
    Lifecycle(super::lifecycle::Applied),
    /// A deployment runs (its state is in `Schedule::deploys`).
    Deploy,
    /// The cloud refused the action (why): it changed nothing.
    Failed(String),
    Nothing,
}

struct Scripted {
    config: FaultConfig,
    rng: SimRng,
    applied: Applied,
    /// Started and not yet ended.
    active: bool,
    /// Its target resolved to nothing under `skip`: it keeps its place in
    /// the schedule and acts on nothing.
    skipped: bool,
    /// When it last started.
    started_at: SimTime,
    /// Actions that start when this one ends: (index, delay).
    dependents: Vec<(usize, SimDuration)>,
}

pub struct Schedule {
    faults: Vec<Scripted>,
    /// A stop condition tripped or the experiment failed: nothing starts
    /// any more.
    stopped: bool,
    mode: EmptyTargetResolution,
    deploys: super::deploy::Deployments,
}

impl Schedule {
    pub fn new(
        world: &mut World,
        configs: &[FaultConfig],
        mode: EmptyTargetResolution,
        seed: u64,
    ) -> Result<Self, BindError> {
        let mut faults: Vec<Scripted> = configs
            .iter()
            .map(|c| Scripted {
                config: c.clone(),
                rng: stream(seed, &format!("fault/{}", c.id)),
                applied: Applied::Nothing,
                active: false,
                skipped: false,
                started_at: SimTime::ZERO,
                dependents: Vec::new(),
            })
            .collect();
        for (i, c) in configs.iter().enumerate() {
            // Check every name now, so a bad scenario fails before running.
            target::component(world, &c.target)?;
            target::zone(world, &c.target)?;
            super::resolution::check_filters(c)?;
            if matches!(
                c.action,
                FaultAction::DependencyOutage { .. } | FaultAction::DependencySlow { .. }
            ) && external(world, c).is_none()
            {
                return Err(BindError {
                    pos: Some(c.target.pos.clone()),
                    message: format!(
                        "{} needs `component:` naming an external dependency of the model",
                        c.action.name()
                    ),
                });
            }
            if let Some(class) = &c.target.class {
                if world.class_index(class).is_none() {
                    return Err(BindError {
                        pos: Some(c.target.pos.clone()),
                        message: format!(
                            "target names request class `{class}`, which the model does not have (it has: {})",
                            world.classes.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
            if matches!(c.action, FaultAction::ZoneOutage { .. }) && c.target.zone.is_none() {
                return Err(BindError {
                    pos: Some(c.target.pos.clone()),
                    message: "zone_outage needs `zone` in its target".into(),
                });
            }
            if let FaultAction::Gray(gray) = &c.action {
                super::gray::check(world, c, gray)?;
            }
            if let FaultAction::Deployment(_) = &c.action {
                super::deploy::check(world, c)?;
            }
            if database_actions::is_api_action(&c.action) {
                database_actions::check(world, c)?;
            }
            match c.start {
                FaultStart::At(at) => {
                    if at <= world.horizon.since(SimTime::ZERO) {
                        world
                            .engine
                            .schedule_after(at, Event::FaultStart { fault: i as u16 });
                    }
                }
                FaultStart::After { fault, delay } => {
                    if let Some(f) = faults.get_mut(fault) {
                        f.dependents.push((i, delay));
                    }
                }
            }
        }
        Ok(Schedule {
            faults,
            stopped: false,
            mode,
            deploys: Default::default(),
        })
    }

    /// Applies what resolving every target at the experiment's start found:
    /// a failure keeps every action from starting; skipped actions act on
    /// nothing.
    pub fn resolved_at_start(&mut self, world: &mut World, check: &super::resolution::StartCheck) {
        if let Some(reason) = &check.failed {
            world
                .recorder
                .experiment
                .failed(reason.clone(), SimTime::ZERO);
            self.stopped = true;
        }
        for &i in &check.skipped_faults {
            let f = &mut self.faults[i];
            f.skipped = true;
            world.recorder.experiment.skipped(
                f.config.id.clone(),
                super::resolution::describe(&f.config.target),
                SimTime::ZERO,
            );
        }
    }

    pub fn start(&mut self, world: &mut World, i: usize) {
        if self.stopped {
            return;
        }
        let now = world.now();
        if !self.faults[i].skipped
            && super::resolution::count(world, &self.faults[i].config) == Some(0)
        {
            let config = &self.faults[i].config;
            let target = super::resolution::describe(&config.target);
            match self.mode {
                EmptyTargetResolution::Fail => {
                    let what = format!("fault `{}` ({})", config.id, config.action.name());
                    let reason = super::resolution::failure_reason(&what, &config.target);
                    trace_experiment_failed(world, config, &reason);
                    world.recorder.experiment.failed(reason, now);
                    self.stop(world);
                    return;
                }
                EmptyTargetResolution::Skip => {
                    world
                        .recorder
                        .experiment
                        .skipped(config.id.clone(), target, now);
                    self.faults[i].skipped = true;
                }
            }
        }
        let f = &mut self.faults[i];
        if f.skipped {
            // It keeps its place: its end (and what starts after it) stays
            // where it was.
            trace_skipped(world, &f.config);
            f.active = true;
            f.started_at = now;
            if let Some(d) = f.config.duration {
                world
                    .engine
                    .schedule_after(d, Event::FaultEnd { fault: i as u16 });
            }
            return;
        }
        let end = f.config.duration.map(|d| now + d);
        world
            .recorder
            .fault_started(&f.config.id, f.config.action.name(), now, end);
        // Traced before it acts, so its consequences follow it in the trace.
        trace_fault(world, "fault_start", &f.config, None, end);
        let mut outcome = super::deploy::Outcome::Running;
        f.applied = match &f.config.action {
            FaultAction::Deployment(d) => {
                let d = d.as_ref().clone();
                outcome = self.deploys.start(world, i, &f.config, &d, &mut f.rng);
                Applied::Deploy
            }
            _ => apply(world, i as u16, &f.config, &mut f.rng),
        };
        f.active = true;
        f.started_at = now;
        if outcome == super::deploy::Outcome::Finished {
            self.end(world, i);
            return;
        }
        if let Applied::Failed(reason) = &f.applied {
            let reason = reason.clone();
            self.fail(world, i, &reason);
            return;
        }
        if let Some(d) = f.config.duration {
            world
                .engine
                .schedule_after(d, Event::FaultEnd { fault: i as u16 });
        }
    }

    pub fn end(&mut self, world: &mut World, i: usize) {
        let f = &mut self.faults[i];
        if !std::mem::take(&mut f.active) {
            return; // already ended by a stop condition
        }
        let applied = std::mem::replace(&mut f.applied, Applied::Nothing);
        // A skipped action never started: its end only starts what follows.
        if !f.skipped {
            trace_fault(world, "fault_end", &f.config, Some(&applied), None);
        }
        revert(world, i as u16, &f.config, applied);
        for &(next, delay) in &f.dependents {
            world
                .engine
                .schedule_after(delay, Event::FaultStart { fault: next as u16 });
        }
    }
}

impl Schedule {
    /// Action `i` failed: the experiment fails, so every other active
    /// action ends now and the pending ones never start.
    fn fail(&mut self, world: &mut World, i: usize, reason: &str) {
        let now = world.now();
        let f = &mut self.faults[i];
        f.active = false;
        f.applied = Applied::Nothing;
        world
            .recorder
            .action_failed(&f.config.id, f.config.action.name(), now, reason);
        let component = f
            .config
            .target
            .component
            .clone()
            .unwrap_or_else(|| "scenario".into());
        let detail = format!(
            "{} failed: {reason}; the experiment fails (active actions end, pending ones never start)",
            f.config.action.name()
        );
        let id = f.config.id.clone();
        world.trace(|w| {
            crate::model::trace::TraceEvent::new(w.now(), "fault_failed", component)
                .cause(id)
                .detail(detail)
        });
        self.stop(world);
    }

    /// A stop condition tripped: ends every active action now and keeps
    /// the pending ones from starting.
    pub fn stop(&mut self, world: &mut World) {
        self.stopped = true;
        let now = world.now();
        for (i, f) in self.faults.iter_mut().enumerate() {
            if std::mem::take(&mut f.active) {
                world.recorder.fault_cut_short(&f.config.id, now);
                let applied = std::mem::replace(&mut f.applied, Applied::Nothing);
                if applied == Applied::Deploy {
                    self.deploys.stopped(world, i, &mut f.rng);
                }
                trace_fault(world, "fault_end", &f.config, Some(&applied), None);
                revert(world, i as u16, &f.config, applied);
            }
        }
    }
}

impl Schedule {
    /// A deployment's step; it ends when the deployment is finished.
    pub fn deploy_step(
        &mut self,
        world: &mut World,
        i: usize,
        step: crate::model::event::DeployStep,
    ) {
        let Some(f) = self.faults.get_mut(i) else {
            return;
        };
        if self.deploys.step(world, i, step, &mut f.rng) == super::deploy::Outcome::Finished {
            self.end(world, i);
        }
    }

    /// A deployment's rollback alarm tripped.
    pub fn deploy_alarm(&mut self, world: &mut World, i: usize) {
        let Some(f) = self.faults.get_mut(i) else {
            return;
        };
        if self.deploys.rollback(world, i, &mut f.rng) == super::deploy::Outcome::Finished {
            self.end(world, i);
        }
    }
}

/// A scripted fault that is active now.
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveFault {
    pub id: String,
    pub action: &'static str,
    pub started_at: SimTime,
    /// `None`: it lasts to the end of the run (or a stop condition).
    pub ends_at: Option<SimTime>,
}

impl Schedule {
    pub fn active(&self) -> Vec<ActiveFault> {
        self.faults
            .iter()
            .filter(|f| f.active && !f.skipped)
            .map(|f| ActiveFault {
                id: f.config.id.clone(),
                action: f.config.action.name(),
                started_at: f.started_at,
                ends_at: f.config.duration.map(|d| f.started_at + d),
            })
            .collect()
    }
}

/// `fault_skipped`: the action's target resolved to nothing (`skip`).
fn trace_skipped(world: &mut World, config: &FaultConfig) {
    world.trace(|w| {
        let component = config
            .target
            .component
            .clone()
            .unwrap_or_else(|| "scenario".into());
        crate::model::trace::TraceEvent::new(w.now(), "fault_skipped", component)
            .cause(config.id.clone())
            .detail(format!(
                "{} skipped: target `{}` resolved to no node",
                config.action.name(),
                super::resolution::describe(&config.target)
            ))
    });
}

/// `experiment_failed`: the action's target resolved to nothing (`fail`).
fn trace_experiment_failed(world: &mut World, config: &FaultConfig, reason: &str) {
    world.trace(|w| {
        crate::model::trace::TraceEvent::new(w.now(), "experiment_failed", "scenario")
            .cause(config.id.clone())
            .detail(format!("{reason}; every active scripted fault ends now"))
    });
}

/// Emits `fault_start` / `fault_end` with what the action touched.
fn trace_fault(
    world: &mut World,
    event: &'static str,
    config: &FaultConfig,
    applied: Option<&Applied>,
    end: Option<SimTime>,
) {
    world.trace(|w| {
        let mut zone = config.target.zone.clone();
        let Some(applied) = applied else {
            return fault_start_event(w.now(), event, config, end);
        };
        let targets: Vec<String> = match applied {
            Applied::Nodes(nodes) => nodes.iter().map(|&n| w.node_label(n).2).collect(),
            Applied::Zone(z) => {
                zone = w.zone_name(*z).map(str::to_string);
                vec![format!("zone {}", w.zones[*z].name)]
            }
            Applied::Databases(dbs) => dbs.iter().map(|&d| w.dbs[d].name.clone()).collect(),
            Applied::External(e) => vec![w.externals[*e].name.clone()],
            _ => Vec::new(),
        };
        let mut detail = config.action.name().to_string();
        if !targets.is_empty() {
            const SHOWN: usize = 8;
            detail.push_str(" on ");
            detail.push_str(
                &targets
                    .iter()
                    .take(SHOWN)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if targets.len() > SHOWN {
                detail.push_str(&format!(" and {} more", targets.len() - SHOWN));
            }
        }
        if let Some(end) = end {
            detail.push_str(&format!(" until t={:.3} s", end.as_secs_f64()));
        }
        let component = config
            .target
            .component
            .clone()
            .unwrap_or_else(|| "scenario".into());
        let mut e = crate::model::trace::TraceEvent::new(w.now(), event, component)
            .cause(config.id.clone())
            .detail(detail);
        e.zone = zone;
        e
    });
}

/// `fault_start`, traced before the action picks its targets: the target
/// as the scenario selects it (the `node_down` events that follow name the
/// nodes).
/// The `fault_start` record of a scripted action, at either fidelity.
pub fn fault_start_event(
    at: SimTime,
    event: &'static str,
    config: &FaultConfig,
    end: Option<SimTime>,
) -> crate::model::trace::TraceEvent {
    let t = &config.target;
    let mut what = Vec::new();
    if let Some(kind) = t.kind {
        what.push(format!("kind {kind:?}").to_lowercase());
    }
    if let Some(c) = &t.component {
        what.push(c.clone());
    }
    if let Some(z) = &t.zone {
        what.push(format!("zone {z}"));
    }
    if let Some(tag) = &t.tag {
        what.push(format!("tag {tag}"));
    }
    if let Some(class) = &t.class {
        what.push(format!("class {class}"));
    }
    for f in &t.filters {
        what.push(format!("{} in [{}]", f.path, f.values.join(", ")));
    }
    let mut detail = config.action.name().to_string();
    if !what.is_empty() {
        detail.push_str(&format!(" on {}", what.join(", ")));
    }
    if let Some(end) = end {
        detail.push_str(&format!(" until t={:.3} s", end.as_secs_f64()));
    }
    let component = t.component.clone().unwrap_or_else(|| "scenario".into());
    let mut e = crate::model::trace::TraceEvent::new(at, event, component)
        .cause(config.id.clone())
        .detail(detail);
    e.zone = t.zone.clone();
    e
}

pub(crate) fn chosen(
    world: &World,
    config: &FaultConfig,
    kind: TargetKind,
    rng: &mut SimRng,
) -> Vec<Candidate> {
    // Names were checked when the schedule was built.
    let all = target::candidates(world, &config.target, kind).unwrap_or_default();
    target::select(&all, config.target.select, rng)
}

pub(crate) fn databases(world: &World, config: &FaultConfig, rng: &mut SimRng) -> Vec<DbId> {
    let all = database_candidates(world, config);
    target::select(&all, config.target.select, rng)
}

/// The databases a database action's target matches before selection:
/// zone and attribute filters apply to the current primary.
pub(crate) fn database_candidates(world: &World, config: &FaultConfig) -> Vec<DbId> {
    let component = target::component(world, &config.target).ok().flatten();
    let zone = target::zone(world, &config.target).ok().flatten();
    world
        .dbs
        .ids()
        .filter(|&d| component.is_none_or(|c| world.components[c] == ComponentRef::Db(d)))
        .filter(|&d| target::has_tag(world, &config.target, ComponentRef::Db(d)))
        .filter(|&d| {
            let db = &world.dbs[d];
            let primary = NodeRef::Server(db.nodes[db.primary as usize].server);
            zone.is_none_or(|z| super::hazard::node_zone(world, primary) == z)
                && super::attributes::passes(world, &config.target, TargetKind::Database, primary)
        })
        .collect()
}

fn apply(world: &mut World, fault: u16, config: &FaultConfig, rng: &mut SimRng) -> Applied {
    match config.action {
        FaultAction::Gray(ref gray) => Applied::Gray(super::gray::apply(world, config, gray, rng)),
        // Started by `Schedule::start` (its state outlives the fault).
        FaultAction::Deployment(_) => Applied::Nothing,
        FaultAction::InstanceCrash { mode } => {
            let nodes: Vec<NodeRef> = chosen(world, config, TargetKind::Instance, rng)
                .into_iter()
                .map(|c| c.node)
                .collect();
            for &n in &nodes {
                world.set_down(n, Cause::Crash, mode);
            }
            Applied::Nodes(nodes)
        }
        FaultAction::ZoneOutage { mode } => match target::zone(world, &config.target) {
            Ok(Some(z)) => {
                world.set_zone_dark(z, Some(mode));
                Applied::Zone(z)
            }
            _ => Applied::Nothing,
        },
        FaultAction::DatabasePrimaryFailure => {
            let dbs = databases(world, config, rng);
            let mut nodes = Vec::new();
            for &db in &dbs {
                let d = &world.dbs[db];
                nodes.push(NodeRef::Server(d.nodes[d.primary as usize].server));
                let repair = match config.duration {
                    Some(_) => None,
                    None => {
                        let restart = world.dbs[db].restart_time;
                        Some(restart.sample(&mut world.infra_rng))
                    }
                };
                world.db_primary_failure(db, crate::config::DownMode::Refuse, repair);
            }
            Applied::Nodes(nodes)
        }
        FaultAction::FailoverFailure { probability } => {
            // One draw per database, even at probability 1, so adding a
            // probability never shifts the stream for the others.
            let dbs: Vec<DbId> = databases(world, config, rng)
                .into_iter()
                .filter(|_| rng.random::<f64>() < probability || probability >= 1.0)
                .collect();
            for &db in &dbs {
                world.db_failover_failure(db, true);
            }
            Applied::Databases(dbs)
        }
        FaultAction::CacheNodeLoss => {
            for c in chosen(world, config, TargetKind::Cache, rng) {
                if let NodeRef::CacheNode { cache, node } = c.node {
                    world.cache_node_lost(cache, node, config.duration);
                }
            }
            Applied::Nothing
        }
        FaultAction::ControlPlaneOutage { .. }
        | FaultAction::CapacityLimit { .. }
        | FaultAction::SpotInterruption { .. } => {
            let targets = chosen(world, config, TargetKind::Instance, rng);
            Applied::Capacity(capacity::apply(world, config, targets))
        }
        FaultAction::InstanceTerminate
        | FaultAction::InstanceStop
        | FaultAction::InstanceReboot
        | FaultAction::InstanceHostFailure => {
            Applied::Lifecycle(super::lifecycle::apply(world, config, rng))
        }
        FaultAction::VolumeLoss => {
            for c in volumes(world, config, rng) {
                if let NodeRef::Volume(v) = c.node {
                    world.volume_lost(v, None);
                }
            }
            Applied::Nothing
        }
        FaultAction::TrafficSpike { factor } => {
            world.set_load_fault(fault, None, Some(factor));
            Applied::Load
        }
        FaultAction::ClassSurge { factor } => {
            let class = config
                .target
                .class
                .as_deref()
                .and_then(|c| world.class_index(c));
            world.set_load_fault(fault, class, Some(factor));
            Applied::Load
        }
        FaultAction::DnsStale { fraction, keep } => {
            world.set_dns_stale(fault, Some((fraction, keep)));
            Applied::Dns
        }
        FaultAction::DependencyOutage { mode } => match external(world, config) {
            Some(e) => {
                world.set_external_outage(e, fault, Some(mode));
                Applied::External(e)
            }
            None => Applied::Nothing,
        },
        FaultAction::DependencySlow { latency } => match external(world, config) {
            Some(e) => {
                world.set_external_slowdown(e, fault, Some(latency));
                Applied::External(e)
            }
            None => Applied::Nothing,
        },
        FaultAction::VolumeIoStall
        | FaultAction::VolumeDegraded { .. }
        | FaultAction::VolumeCorruption
        | FaultAction::SnapshotFailure
        | FaultAction::BackupNotUploaded
        | FaultAction::BackupCorrupt
        | FaultAction::ReplicationStop
        | FaultAction::SlowFailover { .. }
        | FaultAction::PromoteLaggingReplica
        | FaultAction::SplitBrain
        | FaultAction::DataWipe
        | FaultAction::CacheFlush { .. } => Applied::Data(super::data::apply(world, config, rng)),
        FaultAction::DatabaseReboot { .. }
        | FaultAction::DatabaseClusterFailover
        | FaultAction::ReplicaPromotion => match database_actions::apply(world, config, rng) {
            database_actions::Outcome::Done(dbs) => Applied::Databases(dbs),
            database_actions::Outcome::Refused(reason) => Applied::Failed(reason),
        },
    }
}

/// The external dependency a fault's target names.
fn external(world: &World, config: &FaultConfig) -> Option<ExternalId> {
    match target::component(world, &config.target).ok().flatten() {
        Some(c) => match world.components[c] {
            ComponentRef::External(e) => Some(e),
            _ => None,
        },
        None => None,
    }
}

/// The volumes a `volume_loss` takes: a database target without a zone
/// means the current primary's volume.
pub(crate) fn volumes(world: &World, config: &FaultConfig, rng: &mut SimRng) -> Vec<Candidate> {
    let mut candidates = chosen(world, config, TargetKind::Volume, rng);
    if primary_only(world, config) {
        candidates.retain(|c| is_primary_volume(world, c.node));
    }
    candidates
}

/// The volumes a volume action's target matches before selection.
pub(crate) fn volume_candidates(world: &World, config: &FaultConfig) -> Vec<Candidate> {
    let mut candidates =
        target::candidates(world, &config.target, TargetKind::Volume).unwrap_or_default();
    if primary_only(world, config) {
        candidates.retain(|c| is_primary_volume(world, c.node));
    }
    candidates
}

fn primary_only(world: &World, config: &FaultConfig) -> bool {
    config.target.zone.is_none()
        && target::component(world, &config.target)
            .ok()
            .flatten()
            .is_some_and(|c| matches!(world.components[c], ComponentRef::Db(_)))
}

pub(super) fn is_primary_volume(world: &World, node: NodeRef) -> bool {
    let NodeRef::Volume(v) = node else {
        return false;
    };
    match world.volumes[v].owner {
        crate::model::volume::VolumeOwner::DbNode { db, node } => world.dbs[db].primary == node,
        crate::model::volume::VolumeOwner::Instance(_) => false,
    }
}

fn revert(world: &mut World, fault: u16, config: &FaultConfig, applied: Applied) {
    match applied {
        Applied::Nodes(nodes) => {
            for n in nodes {
                world.clear_down(n, Cause::Crash);
            }
        }
        Applied::Zone(z) => world.set_zone_dark(z, None),
        Applied::Databases(dbs) => {
            if matches!(config.action, FaultAction::FailoverFailure { .. }) {
                for db in dbs {
                    world.db_failover_failure(db, false);
                }
            }
        }
        Applied::Load => world.set_load_fault(fault, None, None),
        Applied::Dns => world.set_dns_stale(fault, None),
        Applied::External(e) => {
            world.set_external_outage(e, fault, None);
            world.set_external_slowdown(e, fault, None);
        }
        Applied::Data(applied) => super::data::revert(world, applied),
        Applied::Gray(gray) => super::gray::revert(world, gray),
        Applied::Capacity(applied) => capacity::revert(world, applied),
        Applied::Lifecycle(applied) => super::lifecycle::revert(world, config, applied),
        Applied::Failed(_) | Applied::Deploy | Applied::Nothing => {}
    }
}
