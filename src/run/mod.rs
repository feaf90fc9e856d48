//! One run: builds the world from a model and a scenario, drives the engine
//! to the horizon and returns the summary.

use crate::config::{ModelConfig, ScenarioConfig, SourcePos};
use crate::metrics::RunSummary;

/// A scenario that does not fit the model it is run against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    pub pos: SourcePos,
    pub message: String,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for RunError {}

/// Simulates `model` under `scenario` with `seed`.
pub fn run(
    _model: &ModelConfig,
    _scenario: &ScenarioConfig,
    _seed: u64,
) -> Result<RunSummary, RunError> {
    unimplemented!("engine work")
}
