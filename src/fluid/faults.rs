//! The scenario's faults in the fluid mode: random failure processes and
//! scripted actions, turned into infrastructure state changes.
//!
//! Assumptions and approximations:
//! - Random processes are resolved by the request level's own planner
//!   (`fault::hazard::plan`: same targets, same defaults) and draw from the
//!   same named streams in the same order (time to failure, repair, burst
//!   coin, neighbours, delays), so a seed gives the fluid mode the failure
//!   timeline the request level sees, as long as zone events are not
//!   skipped differently. The loop is re-implemented here (small) because
//!   `fault::hazard::Hazards` acts on a request-level `World`.
//! - Scripted actions take their start and end times from
//!   `fault::preview` and their targets from the request level's selection
//!   code with the action's own stream (`fault/<id>`). Stop conditions are
//!   not supported (they need the per-second request stream).
//! - Supported actions: `instance_crash`, `zone_outage`,
//!   `database_primary_failure`, `failover_failure`, `cache_node_loss`,
//!   `volume_loss`, `traffic_spike`, `class_surge`, `dependency_outage`
//!   (see `super::unsupported`).

use rand::RngExt;

use super::infra::{self, Infra};
use super::FluidEvent;
use crate::config::{
    BurstConfig, DownMode, FaultAction, RandomFailureConfig, ScenarioConfig, Selection, TargetKind,
};
use crate::dist::Dist;
use crate::engine::Engine;
use crate::fault::hazard::{self, Subject};
use crate::fault::preview::{self, PreviewEnd};
use crate::fault::{schedule, target, FaultError};
use crate::metrics::RandomFailureStats;
use crate::model::failure::NodeRef;
use crate::model::id::{DbId, ServerId};
use crate::model::world::{ComponentRef, World};
use crate::rng::{stream, SimRng};
use crate::time::{SimDuration, SimTime};

struct Process {
    subject: Subject,
    time_to_failure: Dist,
    time_to_repair: Dist,
    mode: DownMode,
    burst: Option<BurstConfig>,
    neighbours: Vec<NodeRef>,
    rng: SimRng,
    zone_dark: bool,
}

pub struct Hazards {
    processes: Vec<Process>,
    members: Vec<(NodeRef, SimDuration)>,
    free_members: Vec<u32>,
    zones_down: u32,
    zone_budget: Option<u32>,
    pub stats: RandomFailureStats,
}

impl Hazards {
    pub fn new(
        world: &World,
        configs: &[RandomFailureConfig],
        zone_budget: Option<u32>,
        seed: u64,
        e: &mut Engine<FluidEvent>,
    ) -> Result<Hazards, FaultError> {
        let plan = hazard::plan(world, configs, seed)?;
        let mut processes = Vec::with_capacity(plan.processes.len());
        for p in &plan.processes {
            let c = &configs[p.config];
            let mut rng = stream(seed, &format!("random/{}/{}", p.config, p.label));
            let first = p.time_to_failure.sample(&mut rng);
            e.schedule_after(
                first,
                FluidEvent::RandomFailure {
                    process: processes.len() as u32,
                },
            );
            processes.push(Process {
                subject: p.subject,
                time_to_failure: p.time_to_failure,
                time_to_repair: p.time_to_repair,
                mode: c.mode,
                burst: c.burst.clone(),
                neighbours: plan.neighbourhood(p).to_vec(),
                rng,
                zone_dark: false,
            });
        }
        Ok(Hazards {
            processes,
            members: Vec::new(),
            free_members: Vec::new(),
            zones_down: 0,
            zone_budget,
            stats: RandomFailureStats::default(),
        })
    }

    pub fn fail(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, i: usize) {
        let node = match self.processes[i].subject {
            Subject::Zone(z) => return self.fail_zone(infra, e, i, z),
            Subject::Node(node) => node,
        };
        let p = &mut self.processes[i];
        let repair = p.time_to_repair.sample(&mut p.rng);
        self.stats.failures += 1;
        self.stats.repair_s_sum += repair.as_secs_f64();
        let mode = p.mode;
        fail_node(infra, e, node, repair, infra::RANDOM_CRASH, mode);
        e.schedule_after(repair, FluidEvent::RandomRepair { process: i as u32 });
        self.maybe_burst(e, i, node);
    }

    pub fn repair(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, i: usize) {
        let p = &mut self.processes[i];
        match p.subject {
            Subject::Node(NodeRef::Server(s)) => infra.server_up(e, s, infra::RANDOM_CRASH),
            Subject::Node(_) => {}
            Subject::Zone(z) => {
                if std::mem::take(&mut p.zone_dark) {
                    infra.set_zone_dark(e, z, None);
                    self.zones_down -= 1;
                }
            }
        }
        let p = &mut self.processes[i];
        let next = p.time_to_failure.sample(&mut p.rng);
        e.schedule_after(next, FluidEvent::RandomFailure { process: i as u32 });
    }

    fn fail_zone(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, i: usize, z: usize) {
        let over_budget = self.zone_budget.is_some_and(|b| self.zones_down >= b);
        let p = &mut self.processes[i];
        if over_budget || infra.zones_dark[z].is_some() {
            self.stats.zone_events_skipped += 1;
            let next = p.time_to_failure.sample(&mut p.rng);
            e.schedule_after(next, FluidEvent::RandomFailure { process: i as u32 });
            return;
        }
        let repair = p.time_to_repair.sample(&mut p.rng);
        p.zone_dark = true;
        let mode = p.mode;
        infra.set_zone_dark(e, z, Some(mode));
        self.zones_down += 1;
        self.stats.zone_events += 1;
        self.stats.repair_s_sum += repair.as_secs_f64();
        self.stats.zones_down_max = self.stats.zones_down_max.max(self.zones_down);
        e.schedule_after(repair, FluidEvent::RandomRepair { process: i as u32 });
    }

    fn maybe_burst(&mut self, e: &mut Engine<FluidEvent>, i: usize, node: NodeRef) {
        let p = &mut self.processes[i];
        let Some(burst) = &p.burst else {
            return;
        };
        let u: f64 = p.rng.random();
        if u >= burst.probability {
            return;
        }
        let others: Vec<NodeRef> = p
            .neighbours
            .iter()
            .copied()
            .filter(|&n| n != node)
            .collect();
        if others.is_empty() {
            return;
        }
        let chosen = target::select(&others, Selection::Count(burst.neighbours), &mut p.rng);
        self.stats.bursts += 1;
        self.stats.burst_neighbours += chosen.len() as u64;
        let within_s = burst.within.as_secs_f64();
        for n in chosen {
            let delay = SimDuration::from_secs_f64(p.rng.random::<f64>() * within_s);
            let repair = p.time_to_repair.sample(&mut p.rng);
            let slot = match self.free_members.pop() {
                Some(s) => {
                    self.members[s as usize] = (n, repair);
                    s
                }
                None => {
                    self.members.push((n, repair));
                    (self.members.len() - 1) as u32
                }
            };
            e.schedule_after(delay, FluidEvent::BurstFailure { member: slot });
        }
    }

    pub fn burst_fail(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, member: u32) {
        let (node, repair) = self.members[member as usize];
        if let NodeRef::Server(_) = node {
            fail_node(infra, e, node, repair, infra::BURST, DownMode::Blackhole);
            e.schedule_after(repair, FluidEvent::BurstRepair { member });
            return;
        }
        fail_node(infra, e, node, repair, infra::BURST, DownMode::Blackhole);
        self.free_members.push(member);
    }

    pub fn burst_repair(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, member: u32) {
        if let (NodeRef::Server(s), _) = self.members[member as usize] {
            infra.server_up(e, s, infra::BURST);
        }
        self.free_members.push(member);
    }
}

/// Takes a node down: servers with `cause`; volumes and cache nodes on
/// their own clocks (restored or replaced after `repair`).
fn fail_node(
    infra: &mut Infra,
    e: &mut Engine<FluidEvent>,
    node: NodeRef,
    repair: SimDuration,
    cause: u8,
    mode: DownMode,
) {
    match node {
        NodeRef::Server(s) => infra.server_down(e, s, cause, mode),
        NodeRef::Volume(v) => infra.volume_lost(e, v.index(), repair),
        NodeRef::CacheNode { cache, node } => {
            infra.cache_node_lost(e, cache.index(), node as usize, repair)
        }
        // Refused up front by `super::unsupported`.
        NodeRef::LbNode { .. } => {}
    }
}

/// What a started scripted action changed, so its end can undo it.
enum Applied {
    Servers(Vec<ServerId>, u8),
    Zone(usize),
    Blocked(Vec<usize>),
    Load(f64),
    Class(usize, f64),
    External(usize),
    Nothing,
}

/// A scripted action's timing, for the recovery watch.
#[derive(Clone, Debug)]
pub struct Watch {
    pub id: String,
    pub action: &'static str,
    pub start: SimTime,
    pub end: Option<SimTime>,
}

pub struct Scripted {
    applied: Vec<Applied>,
    /// Actions whose target resolved to nothing (`skip`): never applied.
    skipped: Vec<bool>,
    ends: Vec<PreviewEnd>,
    seed: u64,
    pub watches: Vec<Watch>,
}

impl Scripted {
    pub fn new(
        world: &World,
        scenario: &ScenarioConfig,
        seed: u64,
        start_check: &crate::fault::resolution::StartCheck,
        e: &mut Engine<FluidEvent>,
    ) -> Scripted {
        let previews = preview::scripted(world, &scenario.faults, seed);
        let mut ends = Vec::new();
        let mut skipped = vec![false; previews.len()];
        for &i in &start_check.skipped_faults {
            skipped[i] = true;
        }
        for (i, p) in previews.iter().enumerate() {
            // A failed experiment starts no action.
            if let (Some(start), None) = (p.start, &start_check.failed) {
                e.schedule_at(
                    SimTime(start.as_nanos()),
                    FluidEvent::FaultStart { fault: i as u32 },
                );
                if let PreviewEnd::At(end) = p.end {
                    e.schedule_at(
                        SimTime(end.as_nanos()),
                        FluidEvent::FaultEnd { fault: i as u32 },
                    );
                }
            }
            ends.push(p.end.clone());
        }
        Scripted {
            applied: (0..previews.len()).map(|_| Applied::Nothing).collect(),
            skipped,
            ends,
            seed,
            watches: Vec::new(),
        }
    }

    pub fn start(
        &mut self,
        world: &World,
        scenario: &ScenarioConfig,
        infra: &mut Infra,
        e: &mut Engine<FluidEvent>,
        i: usize,
    ) {
        if self.skipped[i] {
            return;
        }
        let c = &scenario.faults[i];
        let mut rng = stream(self.seed, &format!("fault/{}", c.id));
        let end = match self.ends[i] {
            PreviewEnd::At(d) => Some(SimTime(d.as_nanos())),
            _ => None,
        };
        self.watches.push(Watch {
            id: c.id.clone(),
            action: c.action.name(),
            start: e.now(),
            end,
        });
        let servers = |kind| -> Vec<ServerId> {
            let mut r = stream(self.seed, &format!("fault/{}", c.id));
            schedule::chosen(world, c, kind, &mut r)
                .into_iter()
                .filter_map(|cand| match cand.node {
                    NodeRef::Server(s) => Some(s),
                    _ => None,
                })
                .collect()
        };
        let applied = match &c.action {
            FaultAction::InstanceCrash { mode } => {
                let chosen = servers(TargetKind::Instance);
                for &s in &chosen {
                    infra.server_down(e, s, infra::SCRIPTED_CRASH, *mode);
                }
                Applied::Servers(chosen, infra::SCRIPTED_CRASH)
            }
            FaultAction::ZoneOutage { mode } => match target::zone(world, &c.target).ok().flatten()
            {
                Some(z) => {
                    infra.set_zone_dark(e, z, Some(*mode));
                    Applied::Zone(z)
                }
                None => Applied::Nothing,
            },
            FaultAction::DatabasePrimaryFailure => {
                let dbs = schedule::databases(world, c, &mut rng);
                let mut failed = Vec::new();
                for d in dbs {
                    let db = &infra.dbs[d.index()];
                    let s = db.servers[db.primary];
                    infra.server_down(e, s, infra::PRIMARY_FAILURE, DownMode::Refuse);
                    failed.push(s);
                    if end.is_none() {
                        let restart = infra.dbs[d.index()].config.restart_time.sample(&mut rng);
                        e.schedule_after(restart, FluidEvent::FaultEnd { fault: i as u32 });
                    }
                }
                Applied::Servers(failed, infra::PRIMARY_FAILURE)
            }
            FaultAction::FailoverFailure { .. } => {
                let dbs: Vec<usize> = schedule::databases(world, c, &mut rng)
                    .into_iter()
                    .map(DbId::index)
                    .collect();
                for &d in &dbs {
                    infra.dbs[d].blocked += 1;
                }
                Applied::Blocked(dbs)
            }
            FaultAction::CacheNodeLoss => {
                for cand in schedule::chosen(world, c, TargetKind::Cache, &mut rng) {
                    if let NodeRef::CacheNode { cache, node } = cand.node {
                        let replace = match c.duration {
                            Some(d) => d,
                            None => world.caches[cache].replace_time.sample(&mut rng),
                        };
                        infra.cache_node_lost(e, cache.index(), node as usize, replace);
                    }
                }
                Applied::Nothing
            }
            FaultAction::VolumeLoss => {
                for cand in schedule::volumes(world, c, &mut rng) {
                    if let NodeRef::Volume(v) = cand.node {
                        let restore = infra.volumes[v.index()]
                            .config
                            .restore_time
                            .sample(&mut rng);
                        infra.volume_lost(e, v.index(), restore);
                    }
                }
                Applied::Nothing
            }
            FaultAction::TrafficSpike { factor } => {
                infra.load_factor *= factor;
                infra.dirty = true;
                Applied::Load(*factor)
            }
            FaultAction::ClassSurge { factor } => {
                let class = c
                    .target
                    .class
                    .as_ref()
                    .and_then(|name| world.classes.iter().position(|k| &k.name == name));
                match class {
                    Some(k) => {
                        infra.class_factor[k] *= factor;
                        infra.dirty = true;
                        Applied::Class(k, *factor)
                    }
                    None => Applied::Nothing,
                }
            }
            FaultAction::DependencyOutage { mode } => {
                match target::component(world, &c.target)
                    .ok()
                    .flatten()
                    .map(|k| world.components[k])
                {
                    Some(ComponentRef::External(x)) => {
                        infra.externals_down[x.index()] = Some(*mode);
                        infra.dirty = true;
                        Applied::External(x.index())
                    }
                    _ => Applied::Nothing,
                }
            }
            // Refused up front by `super::unsupported`.
            _ => Applied::Nothing,
        };
        self.applied[i] = applied;
    }

    pub fn end(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, i: usize) {
        match std::mem::replace(&mut self.applied[i], Applied::Nothing) {
            Applied::Servers(servers, cause) => {
                for s in servers {
                    infra.server_up(e, s, cause);
                }
            }
            Applied::Zone(z) => infra.set_zone_dark(e, z, None),
            Applied::Blocked(dbs) => {
                for d in dbs {
                    infra.dbs[d].blocked = infra.dbs[d].blocked.saturating_sub(1);
                }
            }
            Applied::Load(f) => {
                infra.load_factor /= f;
                infra.dirty = true;
            }
            Applied::Class(k, f) => {
                infra.class_factor[k] /= f;
                infra.dirty = true;
            }
            Applied::External(x) => {
                infra.externals_down[x] = None;
                infra.dirty = true;
            }
            Applied::Nothing => {}
        }
    }
}
