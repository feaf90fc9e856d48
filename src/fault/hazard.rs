//! Random failure processes: each targeted node alternates between up
//! (time to failure drawn from its distribution) and down (time to repair),
//! with its own random stream, so adding a node never shifts another's
//! failures.
//!
//! Assumptions:
//! - Failures of different nodes are independent (correlated bursts and
//!   zone-level events are a later addition).
//! - The first failure is drawn from the start of the run (all nodes start
//!   new); time to failure restarts at each repair (renewal process).
//! - Repair defaults to the component's own recovery when the scenario
//!   gives no `mttr`: a database node restarts (restart time), a cache node
//!   is replaced (replace time), a volume restores from its snapshot
//!   (restore time). Instances and load-balancer nodes need an `mttr`.

use super::target::{self, Candidate, FaultError};
use crate::config::{DownMode, RandomFailureConfig, TargetKind};
use crate::dist::Dist;
use crate::model::failure::NodeRef;
use crate::model::node::Cause;
use crate::model::world::{ServerRole, World};
use crate::model::Event;
use crate::rng::{stream, SimRng};

struct Process {
    node: NodeRef,
    time_to_failure: Dist,
    time_to_repair: Dist,
    mode: DownMode,
    rng: SimRng,
}

pub struct Hazards {
    processes: Vec<Process>,
}

impl Hazards {
    pub fn new(
        world: &mut World,
        configs: &[RandomFailureConfig],
        seed: u64,
    ) -> Result<Self, FaultError> {
        let mut processes = Vec::new();
        for (i, c) in configs.iter().enumerate() {
            let kind = c.target.kind.unwrap_or_else(|| implied_kind(world, c));
            let all = target::candidates(world, &c.target, kind)?;
            let mut select_rng = stream(seed, &format!("random/{i}/select"));
            for Candidate { node, label } in target::select(&all, c.target.select, &mut select_rng)
            {
                let time_to_failure = match (&c.time_to_failure, node) {
                    (Some(d), _) => *d,
                    (None, NodeRef::Volume(v)) => Dist::from_annual_failure_rate(
                        world.volumes[v as usize].config.annual_failure_rate,
                    ),
                    (None, _) => {
                        return Err(FaultError {
                            pos: c.target.pos.clone(),
                            message: "random failure needs `mtbf` (or `annual_failure_rate`) for this kind of target".into(),
                        })
                    }
                };
                let Some(time_to_repair) = c.time_to_repair.or_else(|| default_repair(world, node))
                else {
                    return Err(FaultError {
                        pos: c.target.pos.clone(),
                        message: format!(
                            "random failure of `{label}` needs `mttr`: this kind of node has no repair of its own"
                        ),
                    });
                };
                let mut rng = stream(seed, &format!("random/{i}/{label}"));
                let first = time_to_failure.sample(&mut rng);
                world.engine.schedule_after(
                    first,
                    Event::RandomFailure {
                        process: processes.len() as u32,
                    },
                );
                processes.push(Process {
                    node,
                    time_to_failure,
                    time_to_repair,
                    mode: c.mode,
                    rng,
                });
            }
        }
        Ok(Hazards { processes })
    }

    pub fn fail(&mut self, world: &mut World, i: usize) {
        let p = &mut self.processes[i];
        let repair = p.time_to_repair.sample(&mut p.rng);
        match p.node {
            NodeRef::Volume(v) => world.volume_lost(v, Some(repair)),
            NodeRef::CacheNode { cache, node } => world.cache_node_lost(cache, node, Some(repair)),
            node => world.set_down(node, Cause::Crash, p.mode),
        }
        world
            .engine
            .schedule_after(repair, Event::RandomRepair { process: i as u32 });
    }

    pub fn repair(&mut self, world: &mut World, i: usize) {
        let p = &mut self.processes[i];
        if matches!(p.node, NodeRef::Server(_) | NodeRef::LbNode { .. }) {
            world.clear_down(p.node, Cause::Crash);
        }
        let next = p.time_to_failure.sample(&mut p.rng);
        world
            .engine
            .schedule_after(next, Event::RandomFailure { process: i as u32 });
    }
}

/// The kind a target means when it names a component but no kind.
fn implied_kind(world: &World, c: &RandomFailureConfig) -> TargetKind {
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
        NodeRef::Server(s) => match world.server_roles[s as usize] {
            ServerRole::DbNode { db, .. } => Some(world.dbs[db as usize].restart_time),
            ServerRole::Instance { .. } => None,
        },
        NodeRef::CacheNode { cache, .. } => Some(world.caches[cache as usize].replace_time),
        NodeRef::Volume(v) => Some(world.volumes[v as usize].config.restore_time),
        NodeRef::LbNode { .. } => None,
    }
}
