//! Random failure processes: each targeted node (or zone) alternates
//! between up (time to failure drawn from its distribution) and down (time
//! to repair), with its own random stream, so adding a node never shifts
//! another's failures.
//!
//! Assumptions:
//! - Failures of different nodes are independent, except for bursts: with
//!   the configured probability a failure also takes down `neighbours`
//!   other nodes the same target matches (before `select`) in the same
//!   zone, each at a uniform delay within `within` of the first (a rack or
//!   power-domain event; Ford et al., OSDI 2010: 37 % of failures come in
//!   bursts within 120 s). Each neighbour is repaired after its own draw
//!   from the process's `mttr` (cache nodes and volumes recover on their own
//!   clocks). Neighbours are chosen from the process's own stream.
//! - The first failure is drawn from the start of the run (all nodes start
//!   new); time to failure restarts at each repair (renewal process).
//! - Repair defaults to the component's own recovery when the scenario
//!   gives no `mttr`: a database node restarts (restart time), a cache node
//!   is replaced (replace time), a volume restores from its snapshot
//!   (restore time). Instances and load-balancer nodes need an `mttr`.
//! - Zone events (`kind: zone`) darken a whole zone (blackhole by default)
//!   until their repair. A zone event that would hold more zones down than
//!   the scenario's failure budget (default 1), or whose zone is already
//!   dark, is skipped and the next one drawn from then on. A zone darkened
//!   by both a scripted outage and a random event returns when either ends.

use rand::RngExt;

use super::target::{self, Candidate};
use crate::config::BindError;
use crate::config::{BurstConfig, DownMode, RandomFailureConfig, Selection, TargetKind};
use crate::dist::Dist;
use crate::model::failure::NodeRef;
use crate::model::node::Cause;
use crate::model::world::{ServerRole, World};
use crate::rng::{stream, SimRng};
use crate::time::SimDuration;

/// What a process fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Node(NodeRef),
    Zone(usize),
}

/// One process as resolved against a model, before anything runs: what
/// `explain` shows and what [`Hazards`] runs.
#[derive(Clone, Debug)]
pub struct PlannedProcess {
    /// Index into the scenario's `random_failures`.
    pub config: usize,
    pub subject: Subject,
    pub label: String,
    pub time_to_failure: Dist,
    pub time_to_repair: Dist,
    /// Index into [`Plan::neighbourhoods`]: the nodes a burst may take.
    neighbourhood: usize,
}

/// Every process of a scenario, and the neighbourhoods bursts draw from.
#[derive(Clone, Debug)]
pub struct Plan {
    pub processes: Vec<PlannedProcess>,
    /// Per (config, zone): the nodes the config's target matches there.
    neighbourhoods: Vec<Vec<NodeRef>>,
}

impl Plan {
    /// The nodes a burst of process `p` may take (its zone's matches).
    pub fn neighbourhood(&self, p: &PlannedProcess) -> &[NodeRef] {
        self.neighbourhoods
            .get(p.neighbourhood)
            .map_or(&[], Vec::as_slice)
    }
}

/// Resolves every random failure config against the world: targets
/// selected with the run's seed, distributions defaulted.
pub fn plan(world: &World, configs: &[RandomFailureConfig], seed: u64) -> Result<Plan, BindError> {
    let mut plan = Plan {
        processes: Vec::new(),
        neighbourhoods: Vec::new(),
    };
    for (i, c) in configs.iter().enumerate() {
        let mut select_rng = stream(seed, &format!("random/{i}/select"));
        let kind = c.target.kind.unwrap_or_else(|| implied_kind(world, c));
        if kind == TargetKind::Zone {
            plan_zones(world, c, i, &mut select_rng, &mut plan)?;
            continue;
        }
        super::attributes::check(&c.target, &[kind])?;
        let all = target::candidates(world, &c.target, kind)?;
        // One neighbourhood per zone, shared by the processes in it.
        let first = plan.neighbourhoods.len();
        let mut zones: Vec<usize> = Vec::new();
        for cand in &all {
            let z = node_zone(world, cand.node);
            let slot = match zones.iter().position(|&x| x == z) {
                Some(k) => k,
                None => {
                    zones.push(z);
                    plan.neighbourhoods.push(Vec::new());
                    zones.len() - 1
                }
            };
            plan.neighbourhoods[first + slot].push(cand.node);
        }
        for Candidate { node, label } in target::select(&all, c.target.select, &mut select_rng) {
            let time_to_failure = match (&c.time_to_failure, node) {
                (Some(d), _) => *d,
                (None, NodeRef::Volume(v)) => Dist::from_annual_failure_rate(
                    world.volumes[v].config.annual_failure_rate,
                ),
                (None, _) => {
                    return Err(BindError {
                        pos: Some(c.target.pos.clone()),
                        message: "random failure needs `mtbf` (or `annual_failure_rate`) for this kind of target".into(),
                    })
                }
            };
            let Some(time_to_repair) = c.time_to_repair.or_else(|| default_repair(world, node))
            else {
                return Err(BindError {
                    pos: Some(c.target.pos.clone()),
                    message: format!(
                        "random failure of `{label}` needs `mttr`: this kind of node has no repair of its own"
                    ),
                });
            };
            let z = node_zone(world, node);
            let slot = zones.iter().position(|&x| x == z).unwrap_or(0);
            plan.processes.push(PlannedProcess {
                config: i,
                subject: Subject::Node(node),
                label,
                time_to_failure,
                time_to_repair,
                neighbourhood: first + slot,
            });
        }
    }
    Ok(plan)
}

fn plan_zones(
    world: &World,
    c: &RandomFailureConfig,
    i: usize,
    rng: &mut SimRng,
    plan: &mut Plan,
) -> Result<(), BindError> {
    let zones: Vec<usize> = match target::zone(world, &c.target)? {
        Some(z) => vec![z],
        None => (0..world.zones.len()).collect(),
    };
    // The spec requires both for zone events; a hand-built config may not.
    let (Some(time_to_failure), Some(time_to_repair)) = (&c.time_to_failure, &c.time_to_repair)
    else {
        return Err(BindError {
            pos: Some(c.target.pos.clone()),
            message: "a zone event needs `mtbf` and `mttr`".into(),
        });
    };
    for z in target::select(&zones, c.target.select, rng) {
        plan.processes.push(PlannedProcess {
            config: i,
            subject: Subject::Zone(z),
            label: format!("zone {}", world.zones[z].name),
            time_to_failure: *time_to_failure,
            time_to_repair: *time_to_repair,
            neighbourhood: usize::MAX,
        });
    }
    Ok(())
}

struct Process {
    subject: Subject,
    time_to_failure: Dist,
    time_to_repair: Dist,
    mode: DownMode,
    burst: Option<BurstConfig>,
    neighbourhood: usize,
    rng: SimRng,
    /// A zone event that was skipped has no repair to undo.
    zone_dark: bool,
}

/// A neighbour a burst takes down, waiting for its failure or repair.
#[derive(Clone, Copy)]
struct BurstMember {
    node: NodeRef,
    repair: SimDuration,
}

pub struct Hazards {
    processes: Vec<Process>,
    neighbourhoods: Vec<Vec<NodeRef>>,
    /// Slots for burst neighbours in flight, reused (memory is bounded by
    /// the neighbours down at once).
    members: Vec<BurstMember>,
    free_members: Vec<u32>,
    zones_down: u32,
    zone_budget: Option<u32>,
}

pub use crate::model::event::HazardEvent;

pub use crate::model::hazard_host::HazardHost;

/// Nodes whose repair is the process's: the others (volumes, cache nodes)
/// come back on their own clocks.
fn repaired_by_process(node: NodeRef) -> bool {
    matches!(node, NodeRef::Server(_) | NodeRef::LbNode { .. })
}

impl Hazards {
    /// Schedules every planned process's first failure on `host`.
    pub fn new(
        plan: Plan,
        configs: &[RandomFailureConfig],
        zone_budget: Option<u32>,
        seed: u64,
        host: &mut impl HazardHost,
    ) -> Self {
        let Plan {
            processes: planned,
            neighbourhoods,
        } = plan;
        let mut processes = Vec::with_capacity(planned.len());
        for p in planned {
            let c = &configs[p.config];
            let mut rng = stream(seed, &format!("random/{}/{}", p.config, p.label));
            let first = p.time_to_failure.sample(&mut rng);
            host.schedule(first, HazardEvent::Failure(processes.len() as u32));
            processes.push(Process {
                subject: p.subject,
                time_to_failure: p.time_to_failure,
                time_to_repair: p.time_to_repair,
                mode: c.mode,
                burst: c.burst.clone(),
                neighbourhood: p.neighbourhood,
                rng,
                zone_dark: false,
            });
        }
        Hazards {
            processes,
            neighbourhoods,
            members: Vec::new(),
            free_members: Vec::new(),
            zones_down: 0,
            zone_budget,
        }
    }

    /// Runs one step.
    pub fn handle(&mut self, host: &mut impl HazardHost, event: HazardEvent) {
        match event {
            HazardEvent::Failure(i) => self.fail(host, i as usize),
            HazardEvent::Repair(i) => self.repair(host, i as usize),
            HazardEvent::BurstFailure(m) => self.burst_fail(host, m),
            HazardEvent::BurstRepair(m) => self.burst_repair(host, m),
        }
    }

    fn fail(&mut self, host: &mut impl HazardHost, i: usize) {
        let node = match self.processes[i].subject {
            Subject::Zone(z) => return self.fail_zone(host, i, z),
            Subject::Node(node) => node,
        };
        let p = &mut self.processes[i];
        let repair = p.time_to_repair.sample(&mut p.rng);
        let stats = host.stats();
        stats.failures += 1;
        stats.repair_s_sum += repair.as_secs_f64();
        host.trace_node("random_failure", i, node, Some(repair));
        host.fail_node(node, repair, Cause::Crash, p.mode);
        host.schedule(repair, HazardEvent::Repair(i as u32));
        self.maybe_burst(host, i, node);
    }

    fn repair(&mut self, host: &mut impl HazardHost, i: usize) {
        let p = &mut self.processes[i];
        match p.subject {
            Subject::Node(node) => {
                host.trace_node("random_repair", i, node, None);
                if repaired_by_process(node) {
                    host.repair_node(node, Cause::Crash);
                }
            }
            Subject::Zone(z) => {
                if std::mem::take(&mut p.zone_dark) {
                    host.trace_zone("random_repair", i, z, None);
                    host.set_zone_dark(z, None);
                    self.zones_down -= 1;
                }
            }
        }
        let p = &mut self.processes[i];
        let next = p.time_to_failure.sample(&mut p.rng);
        host.schedule(next, HazardEvent::Failure(i as u32));
    }

    fn fail_zone(&mut self, host: &mut impl HazardHost, i: usize, z: usize) {
        let over_budget = self.zone_budget.is_some_and(|b| self.zones_down >= b);
        let p = &mut self.processes[i];
        if over_budget || host.zone_is_dark(z) {
            // Skipped: the zone stays up and the next event is drawn now.
            host.stats().zone_events_skipped += 1;
            let next = p.time_to_failure.sample(&mut p.rng);
            host.schedule(next, HazardEvent::Failure(i as u32));
            return;
        }
        let repair = p.time_to_repair.sample(&mut p.rng);
        p.zone_dark = true;
        host.trace_zone("random_failure", i, z, Some(repair));
        host.set_zone_dark(z, Some(p.mode));
        self.zones_down += 1;
        let stats = host.stats();
        stats.zone_events += 1;
        stats.repair_s_sum += repair.as_secs_f64();
        stats.zones_down_max = stats.zones_down_max.max(self.zones_down);
        host.schedule(repair, HazardEvent::Repair(i as u32));
    }

    /// With the burst probability, schedules neighbours of `node` to fail.
    fn maybe_burst(&mut self, host: &mut impl HazardHost, i: usize, node: NodeRef) {
        let p = &mut self.processes[i];
        let Some(burst) = &p.burst else {
            return;
        };
        let u: f64 = p.rng.random();
        if u >= burst.probability {
            return;
        }
        let others: Vec<NodeRef> = self.neighbourhoods[p.neighbourhood]
            .iter()
            .copied()
            .filter(|&n| n != node)
            .collect();
        if others.is_empty() {
            return;
        }
        let chosen = target::select(&others, Selection::Count(burst.neighbours), &mut p.rng);
        let stats = host.stats();
        stats.bursts += 1;
        stats.burst_neighbours += chosen.len() as u64;
        let within_s = burst.within.as_secs_f64();
        for n in chosen {
            let delay = SimDuration::from_secs_f64(p.rng.random::<f64>() * within_s);
            let repair = p.time_to_repair.sample(&mut p.rng);
            let member = BurstMember { node: n, repair };
            let slot = match self.free_members.pop() {
                Some(s) => {
                    self.members[s as usize] = member;
                    s
                }
                None => {
                    self.members.push(member);
                    (self.members.len() - 1) as u32
                }
            };
            host.schedule(delay, HazardEvent::BurstFailure(slot));
        }
    }

    fn burst_fail(&mut self, host: &mut impl HazardHost, member: u32) {
        let BurstMember { node, repair } = self.members[member as usize];
        host.trace_node("burst_failure", member as usize, node, Some(repair));
        // A rack or power event: nothing answers.
        host.fail_node(node, repair, Cause::Burst, DownMode::Blackhole);
        if repaired_by_process(node) {
            host.schedule(repair, HazardEvent::BurstRepair(member));
        } else {
            // Recovers on its own clock: the slot is free at once.
            self.free_members.push(member);
        }
    }

    fn burst_repair(&mut self, host: &mut impl HazardHost, member: u32) {
        let node = self.members[member as usize].node;
        host.trace_node("burst_repair", member as usize, node, None);
        host.repair_node(node, Cause::Burst);
        self.free_members.push(member);
    }
}

pub use crate::model::hazard_host::{random_node_event, random_zone_event};

/// The zone a node lives in.
pub(crate) fn node_zone(world: &World, node: NodeRef) -> usize {
    use crate::model::volume::VolumeOwner;
    match node {
        NodeRef::Server(s) => world.servers[s].zone,
        NodeRef::CacheNode { cache, node } => world.caches[cache].nodes[node as usize].zone,
        NodeRef::LbNode { lb, node } => world.lbs[lb].nodes[node as usize].zone,
        NodeRef::Volume(v) => {
            let server = match world.volumes[v].owner {
                VolumeOwner::Instance(s) => s,
                VolumeOwner::DbNode { db, node } => world.dbs[db].nodes[node as usize].server,
            };
            world.servers[server].zone
        }
    }
}

/// The kind a target means when it names a component but no kind.
pub(crate) fn implied_kind(world: &World, c: &RandomFailureConfig) -> TargetKind {
    use crate::model::world::ComponentRef;
    match target::component(world, &c.target)
        .ok()
        .flatten()
        .map(|i| world.components[i])
    {
        Some(ComponentRef::Db(_)) => TargetKind::Database,
        Some(ComponentRef::Cache(_)) => TargetKind::Cache,
        Some(ComponentRef::Lb(_)) => TargetKind::LoadBalancer,
        _ => TargetKind::Instance,
    }
}

fn default_repair(world: &World, node: NodeRef) -> Option<Dist> {
    match node {
        NodeRef::Server(s) => match world.server_roles[s] {
            ServerRole::DbNode { db, .. } => Some(world.dbs[db].restart_time),
            ServerRole::Instance { .. } => None,
        },
        NodeRef::CacheNode { cache, .. } => Some(world.caches[cache].replace_time),
        NodeRef::Volume(v) => Some(world.volumes[v].config.restore_time),
        NodeRef::LbNode { .. } => None,
    }
}
