//! The scenario's faults in the fluid mode: random failure processes and
//! scripted actions, turned into infrastructure state changes.
//!
//! Assumptions and approximations:
//! - Random processes are resolved by the request level's own planner
//!   (`fault::hazard::plan`: same targets, same defaults) and draw from the
//!   same named streams in the same order (time to failure, repair, burst
//!   coin, neighbours, delays), so a seed gives the fluid mode the failure
//!   timeline the request level sees, as long as zone events are not
//!   skipped differently: the loop is the request level's own
//!   (`fault::hazard::Hazards`), run on the fluid infrastructure as its
//!   `HazardHost`.
//! - Scripted actions take their start and end times and their targets
//!   from the plan's timeline (`bind::timeline`: the request level's
//!   selection code with the action's own stream, `fault/<id>`, against the
//!   topology at time 0). A primary's restart and a volume's default
//!   restore are drawn from the request level's infrastructure stream, in
//!   its order; a cache node's default replacement from the cache's
//!   replacement stream (`cache/<name>/replace`). Stop conditions are not supported (they need the
//!   per-second request stream).
//! - Supported actions: `instance_crash`, `zone_outage`,
//!   `database_primary_failure`, `failover_failure`, `cache_node_loss`,
//!   `volume_loss`, `traffic_spike`, `class_surge`, `dependency_outage`
//!   (see `super::unsupported`).

use super::infra::Infra;
use super::FluidEvent;
use crate::bind::timeline::{PlannedFault, Targets};
use crate::bind::Plan;
use crate::config::{DownMode, FaultAction, RandomFailureConfig, ScenarioConfig};
use crate::engine::Engine;
use crate::fault::hazard::{self, HazardEvent, HazardHost};
use crate::fault::preview::{self, PreviewEnd};
use crate::metrics::trace::TraceEvent;
use crate::metrics::RandomFailureStats;
use crate::model::failure::NodeRef;
use crate::model::id::ServerId;
use crate::model::node::Cause;
use crate::time::{SimDuration, SimTime};

/// The scenario's random failure processes: the request level's own loop
/// (`fault::hazard::Hazards`) acting on the fluid infrastructure.
pub struct Hazards {
    processes: hazard::Hazards,
    pub stats: RandomFailureStats,
}

/// The fluid infrastructure as a host of random failures (untraced: the
/// fluid mode writes no trace).
struct Host<'a> {
    infra: &'a mut Infra,
    e: &'a mut Engine<FluidEvent>,
    stats: &'a mut RandomFailureStats,
}

impl HazardHost for Host<'_> {
    fn schedule(&mut self, after: SimDuration, event: HazardEvent) {
        self.e.schedule_after(after, FluidEvent::Hazard(event));
    }

    fn stats(&mut self) -> &mut RandomFailureStats {
        self.stats
    }

    fn zone_is_dark(&self, z: usize) -> bool {
        self.infra.zones_dark[z].is_some()
    }

    fn set_zone_dark(&mut self, z: usize, mode: Option<DownMode>) {
        self.infra.set_zone_dark(self.e, z, mode);
    }

    fn fail_node(&mut self, node: NodeRef, repair: SimDuration, cause: Cause, mode: DownMode) {
        fail_node(self.infra, self.e, node, repair, cause, mode);
    }

    fn repair_node(&mut self, node: NodeRef, cause: Cause) {
        // Load-balancer nodes are refused up front (`super::unsupported`).
        if let NodeRef::Server(s) = node {
            self.infra.server_up(self.e, s, cause);
        }
    }

    fn trace_node(
        &mut self,
        event: &'static str,
        i: usize,
        node: NodeRef,
        repair: Option<SimDuration>,
    ) {
        let at = self.e.now();
        self.infra
            .record(|l| hazard::random_node_event(at, event, i, l.node_label(node), repair));
    }

    fn trace_zone(&mut self, event: &'static str, i: usize, z: usize, repair: Option<SimDuration>) {
        let at = self.e.now();
        self.infra
            .record(|l| hazard::random_zone_event(at, event, i, &l.zones[z], repair));
    }
}

impl Hazards {
    pub fn new(
        plan: hazard::Plan,
        configs: &[RandomFailureConfig],
        zone_budget: Option<u32>,
        seed: u64,
        infra: &mut Infra,
        e: &mut Engine<FluidEvent>,
    ) -> Hazards {
        let mut stats = RandomFailureStats::default();
        let mut host = Host {
            infra,
            e,
            stats: &mut stats,
        };
        let processes = hazard::Hazards::new(plan, configs, zone_budget, seed, &mut host);
        Hazards { processes, stats }
    }

    /// Runs one step of the random processes.
    pub fn handle(&mut self, infra: &mut Infra, e: &mut Engine<FluidEvent>, event: HazardEvent) {
        let mut host = Host {
            infra,
            e,
            stats: &mut self.stats,
        };
        self.processes.handle(&mut host, event);
    }
}

/// Takes a node down: servers with `cause`; volumes and cache nodes on
/// their own clocks (restored or replaced after `repair`).
fn fail_node(
    infra: &mut Infra,
    e: &mut Engine<FluidEvent>,
    node: NodeRef,
    repair: SimDuration,
    cause: Cause,
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
    Servers(Vec<ServerId>, Cause),
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
    pub watches: Vec<Watch>,
}

impl Scripted {
    pub fn new(
        timeline: &[PlannedFault],
        start_check: &crate::fault::resolution::StartCheck,
        e: &mut Engine<FluidEvent>,
    ) -> Scripted {
        let previews: Vec<&preview::ScriptedPreview> =
            timeline.iter().map(|f| &f.preview).collect();
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
            watches: Vec::new(),
        }
    }

    pub fn start(
        &mut self,
        plan: &Plan,
        scenario: &ScenarioConfig,
        infra: &mut Infra,
        e: &mut Engine<FluidEvent>,
        i: usize,
    ) {
        if self.skipped[i] {
            return;
        }
        let c = &scenario.faults[i];
        // Traced before it acts, so its consequences follow it, as at
        // request level.
        let now = e.now();
        infra.record(|_| {
            crate::fault::schedule::fault_start_event(
                now,
                "fault_start",
                c,
                c.duration.map(|d| now + d),
            )
        });
        // Targets as the plan resolved them at time 0 (`bind::timeline`).
        let planned = &plan.timeline[i];
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
        let applied = match (&c.action, &planned.targets) {
            (FaultAction::InstanceCrash { mode }, Targets::Servers(chosen)) => {
                let chosen = chosen.clone();
                for &s in &chosen {
                    infra.server_down(e, s, Cause::Crash, *mode);
                }
                Applied::Servers(chosen, Cause::Crash)
            }
            (FaultAction::ZoneOutage { mode }, &Targets::Zone(Some(z))) => {
                infra.set_zone_dark(e, z, Some(*mode));
                Applied::Zone(z)
            }
            (FaultAction::DatabasePrimaryFailure, Targets::Databases(dbs)) => {
                let mut failed = Vec::new();
                for &d in dbs {
                    let db = &infra.dbs[d.index()];
                    let s = db.servers[db.primary];
                    infra.server_down(e, s, Cause::Crash, DownMode::Refuse);
                    failed.push(s);
                    if end.is_none() {
                        // From the infrastructure stream, as at request level.
                        let restart = infra.dbs[d.index()]
                            .config
                            .restart_time
                            .sample(&mut infra.infra_rng);
                        e.schedule_after(restart, FluidEvent::FaultEnd { fault: i as u32 });
                    }
                }
                Applied::Servers(failed, Cause::Crash)
            }
            (FaultAction::FailoverFailure { .. }, Targets::Databases(dbs)) => {
                let dbs: Vec<usize> = dbs.iter().map(|d| d.index()).collect();
                for &d in &dbs {
                    infra.dbs[d].blocked += 1;
                }
                Applied::Blocked(dbs)
            }
            (FaultAction::CacheNodeLoss, Targets::CacheNodes(nodes)) => {
                for &(cache, node) in nodes {
                    let replace = match c.duration {
                        Some(d) => d,
                        // The cache's replacement stream, as at request level.
                        None => plan.layout.caches[cache]
                            .replace_time
                            .sample(&mut infra.caches[cache.index()].replace_rng),
                    };
                    infra.cache_node_lost(e, cache.index(), node as usize, replace);
                }
                Applied::Nothing
            }
            (FaultAction::VolumeLoss, Targets::Volumes(volumes)) => {
                for &v in volumes {
                    // From the infrastructure stream, as at request level.
                    let restore = infra.volumes[v.index()]
                        .config
                        .restore_time
                        .sample(&mut infra.infra_rng);
                    infra.volume_lost(e, v.index(), restore);
                }
                Applied::Nothing
            }
            (FaultAction::TrafficSpike { factor }, _) => {
                infra.load_factor *= factor;
                infra.dirty = true;
                Applied::Load(*factor)
            }
            (FaultAction::ClassSurge { factor }, &Targets::Class(Some(k))) => {
                infra.class_factor[k] *= factor;
                infra.dirty = true;
                Applied::Class(k, *factor)
            }
            (FaultAction::DependencyOutage { mode }, &Targets::External(Some(x))) => {
                infra.externals_down[x.index()] = Some(*mode);
                infra.dirty = true;
                Applied::External(x.index())
            }
            // A zone, class or dependency the target does not name; other
            // actions are refused up front by `super::unsupported`.
            _ => Applied::Nothing,
        };
        self.applied[i] = applied;
    }

    pub fn end(
        &mut self,
        scenario: &ScenarioConfig,
        infra: &mut Infra,
        e: &mut Engine<FluidEvent>,
        i: usize,
    ) {
        let c = &scenario.faults[i];
        // A primary failure without a duration ends by the node's restart,
        // not as a fault end (the request level's `db_primary_failure`).
        let restart =
            matches!(c.action, FaultAction::DatabasePrimaryFailure) && c.duration.is_none();
        if !self.skipped[i] && !restart {
            let zone = match self.applied[i] {
                Applied::Zone(z) => Some(z),
                _ => None,
            };
            let now = e.now();
            infra.record(|l| {
                let component = c
                    .target
                    .component
                    .clone()
                    .unwrap_or_else(|| "scenario".into());
                let mut event = TraceEvent::new(now, "fault_end", component)
                    .cause(c.id.clone())
                    .detail(c.action.name());
                event.zone = match zone {
                    Some(z) => Some(l.zones[z].clone()),
                    None => c.target.zone.clone(),
                };
                event
            });
        }
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
