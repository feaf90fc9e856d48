//! The bind stage: a model, a scenario and a seed become a [`Plan`], or one
//! [`BindError`] saying where (`file:line:column`) the scenario does not
//! fit the model. Every command that takes a model and a scenario (`run` at
//! either fidelity, `explain`, `replay`, `validate --model`, and `study` /
//! `compare` / `check` through `run`) binds first and only here, so they
//! cannot disagree on what fits.
//!
//! What binding checks, in this order (the first misfit is reported):
//! - the model's wiring: a load balancer targets a tier, a hosted database
//!   sits on a one-instance tier without Auto Scaling, a request class
//!   passes at most `MAX_HELD` tiers, the workload mix names classes the
//!   model has and its shares do not sum to zero (`model::build`);
//! - every scripted fault: the component, zone, request class and external
//!   dependency it names, its attribute filters, gray-failure and RDS API
//!   parameters (`fault::schedule`);
//! - every random failure process: its target's names and filters, the
//!   `mtbf` / `mttr` its kind needs (`fault::hazard::plan`);
//! - AWS FIS's start-of-experiment resolution (`fault::resolution`): under
//!   `empty_target_resolution_mode: fail` a target that matches nothing
//!   fails the experiment at time 0 (a run outcome, not a misfit); under
//!   `skip` the action or process is skipped.
//!
//! What the plan holds: the time-0 world (every component in its arena
//! with typed ids (`model::id`), names, tags and presets, servers with
//! zone and role, tiers, load balancers, databases, caches and volumes;
//! the initial events scheduled) and the scenario's faults resolved
//! against it (the scripted timeline scheduled, static targets resolved,
//! random processes planned with the seed's selection streams). Targets
//! that FIS resolves when an action starts (a database's current primary,
//! `State.Name`) stay deferred to the action's start, as in FIS.

pub mod timeline;

pub use crate::config::BindError;

use crate::config::{ModelConfig, ScenarioConfig};
use crate::fault::FaultPlan;
use crate::metrics::ExperimentSummary;
use crate::model::layout::Layout;
use crate::model::World;

/// A scenario bound to a model for one seed: what a run starts from.
pub struct Plan {
    pub seed: u64,
    /// The static topology with typed ids (the world's own).
    pub layout: Layout,
    /// The scripted timeline: starts, ends and the targets resolved at
    /// time 0 ([`timeline`]).
    pub timeline: Vec<timeline::PlannedFault>,
    /// The experiment as it stands at time 0 (actions skipped, or failed,
    /// by the start-of-experiment resolution).
    pub experiment: ExperimentSummary,
    /// The request-level world at time 0, nothing run yet.
    pub world: World,
    /// The scenario's faults resolved against `world`: the schedule, the
    /// planned random processes (`faults.planned`) and the start check
    /// (`faults.start`).
    pub faults: FaultPlan,
}

/// Binds `scenario` to `model` for `seed`: every check a run makes before
/// its first event, and the plan it then runs.
pub fn bind(model: &ModelConfig, scenario: &ScenarioConfig, seed: u64) -> Result<Plan, BindError> {
    let mut world = World::new(model, scenario, seed)?;
    let faults = FaultPlan::new(&mut world, scenario, seed)?;
    Ok(Plan {
        seed,
        layout: Layout::of(&world),
        timeline: timeline::plan(&world, &scenario.faults, seed),
        experiment: world.recorder.experiment.summary(None),
        world,
        faults,
    })
}

/// Whether `scenario` fits `model` (what `validate --model` reports): the
/// bind stage's verdict, with the seed a run would use.
pub fn check(model: &ModelConfig, scenario: &ScenarioConfig, seed: u64) -> Result<(), BindError> {
    bind(model, scenario, seed).map(|_| ())
}
