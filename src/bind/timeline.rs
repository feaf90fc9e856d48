//! The scripted timeline of a plan: each action's start and end
//! (`fault::preview`) and, where FIS would find the same nodes whenever the
//! action starts against the topology at time 0, its targets resolved now
//! with the action's own stream (`fault/<id>`), exactly as the request
//! level's selection code picks them (`fault::schedule`).
//!
//! Assumptions:
//! - Resolved here: the actions the fluid fidelity runs (instance crashes,
//!   zone outages, database primary failures and failover failures, cache
//!   node and volume losses, class surges, dependency outages), against the
//!   unrun world. A request-level run resolves every action again when it
//!   starts, against the state then (a database's current primary,
//!   `State.Name`), as FIS does; these resolutions are what a run that
//!   never changes the topology before the action (the fluid fidelity,
//!   `explain`) uses.
//! - Later draws (restarts, restores, replacements) come from the
//!   infrastructure's own streams at both fidelities, not the action's.

use crate::config::{FaultAction, FaultConfig, TargetKind, ZoneIndex};
use crate::fault::preview::{self, ScriptedPreview};
use crate::fault::{schedule, target};
use crate::model::failure::NodeRef;
use crate::model::id::{CacheId, DbId, ExternalId, ServerId, VolumeId};
use crate::model::world::{ComponentRef, World};
use crate::rng::{stream, SimRng};

/// What an action acts on, resolved at time 0.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Resolved only when the action starts (request level).
    Deferred,
    Servers(Vec<ServerId>),
    Zone(Option<ZoneIndex>),
    Databases(Vec<DbId>),
    CacheNodes(Vec<(CacheId, u16)>),
    Volumes(Vec<VolumeId>),
    /// A request class index.
    Class(Option<usize>),
    External(Option<ExternalId>),
}

/// One scripted action of the plan.
#[derive(Clone, Debug)]
pub struct PlannedFault {
    pub preview: ScriptedPreview,
    pub targets: Targets,
}

/// The scripted timeline, in the order of the scenario file.
pub fn plan(world: &World, configs: &[FaultConfig], seed: u64) -> Vec<PlannedFault> {
    preview::scripted(world, configs, seed)
        .into_iter()
        .zip(configs)
        .map(|(preview, c)| {
            let mut rng = stream(seed, &format!("fault/{}", c.id));
            let targets = resolve(world, c, seed, &mut rng);
            PlannedFault { preview, targets }
        })
        .collect()
}

fn resolve(world: &World, c: &FaultConfig, seed: u64, rng: &mut SimRng) -> Targets {
    match &c.action {
        FaultAction::InstanceCrash { .. } => {
            // Its own copy of the stream: nothing is drawn after selection.
            let mut r = stream(seed, &format!("fault/{}", c.id));
            Targets::Servers(
                schedule::chosen(world, c, TargetKind::Instance, &mut r)
                    .into_iter()
                    .filter_map(|cand| match cand.node {
                        NodeRef::Server(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
            )
        }
        FaultAction::ZoneOutage { .. } => {
            Targets::Zone(target::zone(world, &c.target).ok().flatten())
        }
        FaultAction::DatabasePrimaryFailure | FaultAction::FailoverFailure { .. } => {
            Targets::Databases(schedule::databases(world, c, rng))
        }
        FaultAction::CacheNodeLoss => Targets::CacheNodes(
            schedule::chosen(world, c, TargetKind::Cache, rng)
                .into_iter()
                .filter_map(|cand| match cand.node {
                    NodeRef::CacheNode { cache, node } => Some((cache, node)),
                    _ => None,
                })
                .collect(),
        ),
        FaultAction::VolumeLoss => Targets::Volumes(
            schedule::volumes(world, c, rng)
                .into_iter()
                .filter_map(|cand| match cand.node {
                    NodeRef::Volume(v) => Some(v),
                    _ => None,
                })
                .collect(),
        ),
        FaultAction::ClassSurge { .. } => Targets::Class(
            c.target
                .class
                .as_ref()
                .and_then(|name| world.classes.iter().position(|k| &k.name == name)),
        ),
        FaultAction::DependencyOutage { .. } => Targets::External(
            match target::component(world, &c.target)
                .ok()
                .flatten()
                .map(|k| world.components[k])
            {
                Some(ComponentRef::External(x)) => Some(x),
                _ => None,
            },
        ),
        _ => Targets::Deferred,
    }
}
