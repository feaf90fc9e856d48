//! Empty target resolution, as AWS FIS resolves an experiment's targets
//! ("Targets for AWS FIS"; "Experiment options for AWS FIS", Empty target
//! resolution mode; "Troubleshooting AWS FIS", `InvalidTarget`).
//!
//! Rules:
//! - FIS identifies every target at the start of the experiment, before
//!   any action starts. Here: at time 0 every scripted action that selects
//!   nodes (instances, database nodes or databases, cache nodes or caches,
//!   volumes) and every random failure process resolves its target against
//!   the model as it starts (tag, component, zone and attribute filters,
//!   before COUNT / PERCENT, which cannot empty a non-empty set).
//! - Each action resolves its target again when it starts, against the
//!   state then (FIS fails an action whose target cannot be resolved "at
//!   the start of an action"): a database target's zone is its current
//!   primary's, `State.Name` follows crashes, roles follow failovers.
//! - `fail` (the FIS default): the experiment fails, at once. Nothing
//!   starts afterwards; actions running then end now, reverted as at their
//!   end (as when a stop condition trips). A failure at time 0 means no
//!   action ever starts. Random failure processes are the design's
//!   background failures, not experiment actions: they keep running, as
//!   after a stop condition. A failed run exits 1 (an expectation, that
//!   the experiment runs as written, was violated).
//! - `skip`: the action is skipped and noted in the report; it keeps its
//!   place in the schedule (actions `after` it start when it would have
//!   ended), so skipping changes no other action's timing. A random
//!   process over nothing is skipped likewise (it never fails anything).
//! - Actions that name what they act on (zone outages, load, DNS,
//!   dependency, link, path and regional faults, control-plane and
//!   capacity actions) never resolve to nothing: a name the model lacks is
//!   an input error (exit 2), like a component or zone it does not have.

use super::target;
use crate::config::BindError;
use crate::config::{
    EmptyTargetResolution, FaultAction, FaultConfig, RandomFailureConfig, ScenarioConfig,
    TargetConfig, TargetKind,
};
use crate::model::database::Role;
use crate::model::world::World;

/// The node kinds an action selects (empty: it selects none).
pub fn kinds(action: &FaultAction, t: &TargetConfig) -> Vec<TargetKind> {
    use FaultAction as A;
    if !action.selects_nodes() {
        return Vec::new();
    }
    match action {
        A::InstanceCrash { .. }
        | A::SpotInterruption { .. }
        | A::InstanceTerminate
        | A::InstanceStop
        | A::InstanceReboot
        | A::InstanceHostFailure
        | A::Deployment(_) => vec![TargetKind::Instance],
        A::CacheNodeLoss | A::CacheFlush { .. } => vec![TargetKind::Cache],
        A::VolumeLoss | A::VolumeIoStall | A::VolumeDegraded { .. } | A::VolumeCorruption => {
            vec![TargetKind::Volume]
        }
        A::Gray(_) => super::gray::server_kinds(t),
        _ => vec![TargetKind::Database],
    }
}

/// How many nodes (or databases, or caches) the action's target matches
/// now, before selection; `None` for an action that selects no nodes.
pub fn count(world: &World, config: &FaultConfig) -> Option<usize> {
    use FaultAction as A;
    if !config.action.selects_nodes() {
        return None;
    }
    let t = &config.target;
    let nodes = |kind| target::candidates(world, t, kind).map_or(0, |c| c.len());
    Some(match &config.action {
        A::InstanceCrash { .. }
        | A::SpotInterruption { .. }
        | A::InstanceTerminate
        | A::InstanceStop
        | A::InstanceReboot
        | A::InstanceHostFailure
        | A::Deployment(_) => nodes(TargetKind::Instance),
        A::CacheNodeLoss => nodes(TargetKind::Cache),
        A::CacheFlush { .. } => super::data::caches(world, config).len(),
        A::VolumeLoss | A::VolumeIoStall | A::VolumeDegraded { .. } | A::VolumeCorruption => {
            super::schedule::volume_candidates(world, config).len()
        }
        A::ReplicationStop => {
            super::data::db_node_candidates(world, config, |r| r != Role::Primary).len()
        }
        A::ReplicaPromotion => {
            super::data::db_node_candidates(world, config, |r| r == Role::Replica).len()
        }
        // `aws:rds:failover-db-cluster` resolves clusters only.
        A::DatabaseClusterFailover => super::schedule::database_candidates(world, config)
            .into_iter()
            .filter(|&db| {
                world.dbs[db]
                    .deployment
                    .is_some_and(crate::config::Deployment::is_cluster)
            })
            .count(),
        A::PromoteLaggingReplica => {
            super::data::db_node_candidates(world, config, |r| r == Role::Replica).len()
        }
        A::Gray(_) => super::gray::server_candidates(world, t).len(),
        _ => super::schedule::database_candidates(world, config).len(),
    })
}

/// Checks every filter path of the action's target against the kinds it
/// selects (exit 2 at the path's position when unknown).
pub fn check_filters(config: &FaultConfig) -> Result<(), BindError> {
    if config.target.filters.is_empty() {
        return Ok(());
    }
    super::attributes::check(&config.target, &kinds(&config.action, &config.target))
}

/// The target as the scenario wrote it, for reports: `tag critical, zone a`.
pub fn describe(t: &TargetConfig) -> String {
    let mut what = Vec::new();
    if let Some(c) = &t.component {
        what.push(c.clone());
    }
    if let Some(kind) = t.kind {
        what.push(format!("kind {kind:?}").to_lowercase());
    }
    if let Some(z) = &t.zone {
        what.push(format!("zone {z}"));
    }
    if let Some(tag) = &t.tag {
        what.push(format!("tag {tag}"));
    }
    for f in &t.filters {
        what.push(format!("{} in [{}]", f.path, f.values.join(", ")));
    }
    if what.is_empty() {
        "every node".into()
    } else {
        what.join(", ")
    }
}

/// Why the experiment failed, as the report says it.
pub fn failure_reason(what: &str, target: &TargetConfig) -> String {
    format!(
        "{what}: target `{}` resolved to no node (empty_target_resolution_mode: fail)",
        describe(target)
    )
}

/// What resolving every target at the start of the experiment found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StartCheck {
    /// Under `fail`: why the experiment fails at time 0.
    pub failed: Option<String>,
    /// Under `skip`: the scripted actions skipped (indices into `faults`).
    pub skipped_faults: Vec<usize>,
    /// Under `skip`: the random processes skipped (indices into
    /// `random_failures`).
    pub skipped_processes: Vec<usize>,
}

/// Resolves every target at the start of the experiment (see the rules).
pub fn at_start(world: &World, scenario: &ScenarioConfig) -> StartCheck {
    let mut check = StartCheck::default();
    let fail = scenario.empty_target_resolution == EmptyTargetResolution::Fail;
    for (i, f) in scenario.faults.iter().enumerate() {
        if count(world, f) != Some(0) {
            continue;
        }
        if fail {
            let what = format!("fault `{}` ({})", f.id, f.action.name());
            check.failed = Some(failure_reason(&what, &f.target));
            return check;
        }
        check.skipped_faults.push(i);
    }
    for (i, r) in scenario.random_failures.iter().enumerate() {
        if process_count(world, r) != 0 {
            continue;
        }
        if fail {
            let what = format!("random_failures[{i}]");
            check.failed = Some(failure_reason(&what, &r.target));
            return check;
        }
        check.skipped_processes.push(i);
    }
    check
}

/// The nodes (or zones) a random failure process's target matches.
fn process_count(world: &World, r: &RandomFailureConfig) -> usize {
    let kind = r
        .target
        .kind
        .unwrap_or_else(|| super::hazard::implied_kind(world, r));
    if kind == TargetKind::Zone {
        return match target::zone(world, &r.target) {
            Ok(Some(_)) => 1,
            _ => world.zones.len(),
        };
    }
    target::candidates(world, &r.target, kind).map_or(0, |c| c.len())
}

/// A random process's label in reports: `random_failures[2]`.
pub fn process_label(i: usize) -> String {
    format!("random_failures[{i}]")
}
