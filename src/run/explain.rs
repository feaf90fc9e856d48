//! `explain`: what a scenario's faults will do against a model with a seed,
//! resolved but not run.

use super::RunError;
use crate::config::{ModelConfig, Phase, ScenarioConfig};
use crate::fault::preview::{self, RandomPreview, ScriptedPreview};
use crate::time::Timestamp;

/// The resolved fault plan of one model × scenario × seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub horizon_s: f64,
    pub scripted: Vec<ScriptedPreview>,
    pub random: Vec<RandomPreview>,
    /// The scenario's wall-clock start, if it set one (times are then
    /// printed both as offsets and as absolute times).
    pub start: Option<Timestamp>,
    pub phases: Vec<Phase>,
}

/// Resolves the scenario's faults against the model with `seed`, checking
/// it fits exactly as a run would.
pub fn explain(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
) -> Result<Explanation, RunError> {
    // Binding checks every name as a run does; nothing runs.
    let plan = crate::bind::bind(model, scenario, seed)?;
    let random = preview::random(&plan.world, scenario, seed)?;
    Ok(Explanation {
        horizon_s: scenario.horizon.as_secs_f64(),
        scripted: plan.timeline.into_iter().map(|f| f.preview).collect(),
        random,
        start: scenario.start,
        phases: scenario.phases.clone(),
    })
}
