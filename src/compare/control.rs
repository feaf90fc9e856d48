//! Control runs: each faulted run paired with the same seed and workload
//! with the scenario's scripted faults (and the stop conditions that end
//! them) removed. Random failure processes stay: they are part of the
//! environment, not of the experiment. Because every random stream is
//! named, the control run sees the same arrivals and the same random
//! failures, so faulted minus control is exactly what the scripted faults
//! cost, run by run.

use crate::config::{ModelConfig, ScenarioConfig};
use crate::metrics::{ControlDelta, StudySummary};
use crate::run::RunError;
use crate::study;

/// `scenario` without its scripted faults.
pub fn control_scenario(scenario: &ScenarioConfig) -> ScenarioConfig {
    ScenarioConfig {
        faults: Vec::new(),
        stop_conditions: Vec::new(),
        ..scenario.clone()
    }
}

/// A study, with its control study and the delta when `control` is set.
/// `progress` counts finished runs: the faulted ones, then the controls.
pub fn run_study(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    plan: &study::Plan,
    control: bool,
    progress: &dyn Fn(u32),
) -> Result<StudySummary, RunError> {
    let runs = plan.runs;
    let part = study::run_part(model, scenario, plan, 0..runs, progress)?;
    let mut summary =
        study::merge(vec![part]).map_err(|message| RunError { pos: None, message })?;
    if control {
        let quiet = control_scenario(scenario);
        let part = study::run_part(model, &quiet, plan, 0..runs, &|done| progress(runs + done))?;
        let baseline =
            study::merge(vec![part]).map_err(|message| RunError { pos: None, message })?;
        summary.control = Some(delta(&summary, &baseline));
    }
    Ok(summary)
}

/// Faulted minus control, run by run.
pub fn delta(faulted: &StudySummary, control: &StudySummary) -> ControlDelta {
    let paired = |metric: &str| {
        super::paired(faulted, control, metric).unwrap_or(crate::metrics::Estimate {
            mean: f64::NAN,
            ci95: (f64::NAN, f64::NAN),
            n: 0,
        })
    };
    ControlDelta {
        control_availability_request: control.availability_request,
        availability_request: paired("availability_request"),
        failed_requests: paired("failed_requests"),
        writes_lost: paired("writes_lost"),
        rpo_s: paired("rpo_s"),
        latency_p99_ms: super::paired(faulted, control, "latency_p99_ms"),
    }
}
