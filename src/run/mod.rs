//! One run: builds the world from a model and a scenario, drives the engine
//! to the horizon and returns the summary.

mod explain;
mod fidelity;
mod replay;
mod summarize;
pub mod work;

pub use crate::fault::preview::{PreviewEnd, RandomPreview, ScriptedPreview};
pub use explain::{explain, Explanation};
pub use fidelity::{Fidelity, AUTO_FLUID_HORIZON_S, AUTO_FLUID_REQUESTS};

use crate::bind::{bind, Plan};
use crate::config::{ModelConfig, ScenarioConfig};
use crate::fault::FaultPlan;
use crate::metrics::RunSummary;
use crate::model::World;
use crate::time::SimTime;

/// A scenario that does not fit the model it is run against: the one
/// binding diagnostic ([`crate::config::BindError`]), under the name the
/// run API has always used.
pub use crate::config::BindError as RunError;

/// A run in progress: the world and the faults acting on it. Most callers
/// want [`run`]; stepping is for tests and for pausing a game day.
pub struct Simulation<'a> {
    pub world: World,
    faults: FaultPlan,
    model: &'a ModelConfig,
    scenario: &'a ScenarioConfig,
    seed: u64,
}

impl<'a> Simulation<'a> {
    pub fn new(
        model: &'a ModelConfig,
        scenario: &'a ScenarioConfig,
        seed: u64,
    ) -> Result<Self, RunError> {
        Ok(Self::from_plan(
            bind(model, scenario, seed)?,
            model,
            scenario,
        ))
    }

    /// The simulation of a plan `bind` made from `model` and `scenario`.
    pub fn from_plan(plan: Plan, model: &'a ModelConfig, scenario: &'a ScenarioConfig) -> Self {
        Simulation {
            world: plan.world,
            faults: plan.faults,
            model,
            scenario,
            seed: plan.seed,
        }
    }

    /// Simulates up to `until` (never past the horizon).
    pub fn run_until(&mut self, until: SimTime) {
        let faults = &mut self.faults;
        self.world
            .run_until(until, |w, event| faults.handle(w, event));
    }

    /// Simulates to the horizon and summarises.
    pub fn finish(mut self) -> RunSummary {
        let horizon = self.world.horizon;
        self.run_until(horizon);
        self.world.finish();
        summarize::summarize(&self.world, self.model, self.scenario, self.seed)
    }
}

/// Simulates `model` under `scenario` with `seed`.
pub fn run(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
) -> Result<RunSummary, RunError> {
    run_observed(model, scenario, seed, &|_| {})
}

/// [`run`], stepping through the horizon in hundredths and telling
/// `progress` the fraction done after each (a progress bar for a long
/// run). The result is the same as [`run`]'s, byte for byte.
pub fn run_observed(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
    progress: &dyn Fn(f64),
) -> Result<RunSummary, RunError> {
    let mut simulation = Simulation::new(model, scenario, seed)?;
    let horizon = simulation.world.horizon;
    const SLICES: u64 = 100;
    for k in 1..=SLICES {
        let until = SimTime((u128::from(horizon.0) * u128::from(k) / u128::from(SLICES)) as u64);
        simulation.run_until(until);
        progress(k as f64 / SLICES as f64);
    }
    if let Some(overflow) = simulation.world.in_flight_overflow {
        return Err(RunError {
            pos: None,
            message: overflow.message(),
        });
    }
    Ok(simulation.finish())
}

/// Simulates `model` under `scenario` with `seed` at `fidelity` (`Auto`
/// resolves per [`Fidelity::resolve_for`]).
pub fn run_with(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
    fidelity: Fidelity,
) -> Result<RunSummary, RunError> {
    // Both fidelities bind first (after the fluid fidelity refuses what
    // it cannot run), so a scenario fits, or not with the same message,
    // whichever runs it.
    match fidelity.resolve_for(model, scenario) {
        Fidelity::Fluid => {
            // The fluid layer does not price designs; the cost is a
            // function of the model and workload alone, as at request level.
            let mut summary = crate::fluid::run_fluid(model, scenario, seed)?;
            summary.cost = crate::cost::monthly(model, Some(scenario));
            summary.timeline = summarize::scenario_timeline(scenario);
            Ok(summary)
        }
        _ => run(model, scenario, seed),
    }
}

/// [`run_with`], reporting a request-level run's progress (the fluid
/// fidelity takes milliseconds and reports none).
pub fn run_with_progress(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
    fidelity: Fidelity,
    progress: &dyn Fn(f64),
) -> Result<RunSummary, RunError> {
    match fidelity.resolve_for(model, scenario) {
        Fidelity::Fluid => run_with(model, scenario, seed, fidelity),
        _ => run_observed(model, scenario, seed, progress),
    }
}
