//! What a scenario's faults will do with a seed, without running it: the
//! resolved timeline of scripted actions and the random processes. Uses the
//! same selection code (and the same random streams) as a run, so the
//! targets shown are the ones a run picks, as long as the world is as it
//! was at the start (a `database` target shows the primary at the start;
//! an earlier failover would change it).

use super::hazard;
use super::schedule::{chosen, databases, volumes};
use crate::config::BindError;
use crate::config::{FaultAction, FaultConfig, FaultStart, ScenarioConfig, TargetKind};
use crate::model::World;
use crate::rng::stream;
use crate::time::SimDuration;

/// How a scripted action ends.
#[derive(Clone, Debug, PartialEq)]
pub enum PreviewEnd {
    /// At this time from the start of the run.
    At(SimDuration),
    /// When the component's own recovery finishes (restart, replacement,
    /// restore): its time is drawn during the run.
    OwnRecovery,
    /// Lasts to the end of the run.
    Never,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedPreview {
    pub id: String,
    pub action: &'static str,
    /// `None`: never starts (it waits on an action that never ends, or
    /// would start after the horizon).
    pub start: Option<SimDuration>,
    pub end: PreviewEnd,
    pub targets: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RandomPreview {
    /// Position in the scenario's `random_failures` (0-based).
    pub index: usize,
    pub targets: Vec<String>,
    pub mtbf_s: f64,
    pub mttr_s: f64,
    /// Σ over targets of horizon / (MTBF + MTTR): the renewal rate.
    pub expected_failures: f64,
}

/// The scripted timeline, in the order of the scenario file.
pub fn scripted(world: &World, configs: &[FaultConfig], seed: u64) -> Vec<ScriptedPreview> {
    let horizon = world.horizon.since(crate::time::SimTime::ZERO);
    let starts = start_times(configs, horizon);
    configs
        .iter()
        .zip(starts)
        .map(|(c, start)| {
            let end = match (start, c.duration) {
                (Some(s), Some(d)) => PreviewEnd::At(s + d),
                (_, None) if own_recovery(&c.action) => PreviewEnd::OwnRecovery,
                _ => PreviewEnd::Never,
            };
            let mut rng = stream(seed, &format!("fault/{}", c.id));
            ScriptedPreview {
                id: c.id.clone(),
                action: c.action.name(),
                start,
                end,
                targets: targets(world, c, &mut rng),
            }
        })
        .collect()
}

/// Start time of each action: `at`, or the end of the one it follows plus
/// its delay. Actions whose predecessor never ends never start.
fn start_times(configs: &[FaultConfig], horizon: SimDuration) -> Vec<Option<SimDuration>> {
    let mut starts: Vec<Option<SimDuration>> = vec![None; configs.len()];
    // `after` chains have no cycles (checked by spec), so n passes settle.
    for _ in 0..configs.len().max(1) {
        for (i, c) in configs.iter().enumerate() {
            starts[i] = match c.start {
                FaultStart::At(t) => Some(t),
                FaultStart::After { fault, delay } => {
                    let before = configs.get(fault).and_then(|f| f.duration);
                    match (starts.get(fault).copied().flatten(), before) {
                        (Some(s), Some(d)) => Some(s + d + delay),
                        _ => None,
                    }
                }
            };
        }
    }
    starts
        .into_iter()
        .map(|s| s.filter(|&t| t <= horizon))
        .collect()
}

fn own_recovery(action: &FaultAction) -> bool {
    matches!(
        action,
        FaultAction::DatabasePrimaryFailure
            | FaultAction::CacheNodeLoss
            | FaultAction::VolumeLoss
            | FaultAction::InstanceReboot
            | FaultAction::Deployment(_)
            | FaultAction::DatabaseReboot { .. }
            | FaultAction::DatabaseClusterFailover
            | FaultAction::ReplicaPromotion
    )
}

/// The concrete targets `apply` would select now with `rng`.
fn targets(world: &World, c: &FaultConfig, rng: &mut crate::rng::SimRng) -> Vec<String> {
    let labels =
        |cands: Vec<super::target::Candidate>| cands.into_iter().map(|c| c.label).collect();
    match &c.action {
        FaultAction::InstanceCrash { .. }
        | FaultAction::InstanceTerminate
        | FaultAction::InstanceStop
        | FaultAction::InstanceReboot
        | FaultAction::InstanceHostFailure
        | FaultAction::Deployment(_) => labels(chosen(world, c, TargetKind::Instance, rng)),
        FaultAction::ZoneOutage { .. } => {
            c.target.zone.iter().map(|z| format!("zone {z}")).collect()
        }
        FaultAction::DatabasePrimaryFailure
        | FaultAction::FailoverFailure { .. }
        | FaultAction::DatabaseReboot { .. }
        | FaultAction::DatabaseClusterFailover => databases(world, c, rng)
            .into_iter()
            .map(|d| {
                let db = &world.dbs[d];
                format!("{}/node-{} (primary)", db.name, db.primary + 1)
            })
            .collect(),
        FaultAction::CacheNodeLoss => labels(chosen(world, c, TargetKind::Cache, rng)),
        FaultAction::VolumeLoss
        | FaultAction::VolumeIoStall
        | FaultAction::VolumeDegraded { .. }
        | FaultAction::VolumeCorruption => labels(volumes(world, c, rng)),
        FaultAction::SpotInterruption { .. } => labels(chosen(world, c, TargetKind::Instance, rng)),
        FaultAction::Gray(crate::config::GrayFault::PathBlock { from, to, .. }) => {
            vec![format!("calls {from} → {to}")]
        }
        // The rest act on a component, a zone, a class or the whole region
        // as their target says; nothing is drawn.
        _ => vec![describe(&c.target)],
    }
}

/// A target as written: component, zone, kind, class, selection.
fn describe(t: &crate::config::TargetConfig) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &t.component {
        parts.push(format!("component {c}"));
    }
    if let Some(z) = &t.zone {
        parts.push(format!("zone {z}"));
    }
    if let Some(k) = &t.class {
        parts.push(format!("class {k}"));
    }
    if parts.is_empty() {
        "the whole region / workload".to_string()
    } else {
        parts.join(", ")
    }
}

/// Every random process, grouped by its entry in the scenario.
pub fn random(
    world: &World,
    scenario: &ScenarioConfig,
    seed: u64,
) -> Result<Vec<RandomPreview>, BindError> {
    let plan = hazard::plan(world, &scenario.random_failures, seed)?;
    let horizon_s = scenario.horizon.as_secs_f64();
    let mut out: Vec<RandomPreview> = Vec::new();
    for (i, _) in scenario.random_failures.iter().enumerate() {
        let mut entry = RandomPreview {
            index: i,
            targets: Vec::new(),
            mtbf_s: 0.0,
            mttr_s: 0.0,
            expected_failures: 0.0,
        };
        for p in plan.processes.iter().filter(|p| p.config == i) {
            let (mtbf, mttr) = (p.time_to_failure.mean_s(), p.time_to_repair.mean_s());
            entry.targets.push(p.label.clone());
            // Per-target means can differ (volumes' own AFRs); show the last.
            entry.mtbf_s = mtbf;
            entry.mttr_s = mttr;
            if mtbf + mttr > 0.0 {
                entry.expected_failures += horizon_s / (mtbf + mttr);
            }
        }
        out.push(entry);
    }
    Ok(out)
}
