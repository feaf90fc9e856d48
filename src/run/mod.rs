//! One run: builds the world from a model and a scenario, drives the engine
//! to the horizon and returns the summary.

mod summarize;

use crate::config::{ModelConfig, ScenarioConfig, SourcePos};
use crate::fault::FaultPlan;
use crate::metrics::RunSummary;
use crate::model::World;

/// A scenario that does not fit the model it is run against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    /// Where in the scenario the problem is, when known.
    pub pos: Option<SourcePos>,
    pub message: String,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pos {
            Some(pos) => write!(f, "{}: {}", pos, self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for RunError {}

/// Simulates `model` under `scenario` with `seed`.
pub fn run(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
) -> Result<RunSummary, RunError> {
    let mut world = World::new(model, scenario, seed).map_err(|e| RunError {
        pos: e.pos,
        message: e.message,
    })?;
    let mut faults = FaultPlan::new(&mut world, scenario, seed).map_err(|e| RunError {
        pos: Some(e.pos),
        message: e.message,
    })?;
    world.run(|w, event| faults.handle(w, event));
    Ok(summarize::summarize(&world, model, scenario, seed))
}
