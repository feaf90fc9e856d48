//! How the experiment (the scenario's scripted actions) ended, as AWS FIS
//! reports an experiment's state: `completed`, `stopped` (a stop condition
//! tripped) or `failed` (a target resolved to no node under
//! `empty_target_resolution_mode: fail`), with the actions skipped under
//! `skip`.

use crate::time::SimTime;

/// The experiment's final state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExperimentState {
    #[default]
    Completed,
    Stopped,
    Failed,
}

impl ExperimentState {
    pub fn name(self) -> &'static str {
        match self {
            ExperimentState::Completed => "completed",
            ExperimentState::Stopped => "stopped",
            ExperimentState::Failed => "failed",
        }
    }
}

/// An action (or random failure process) whose target resolved to no node
/// and that was skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedAction {
    /// The fault id, or `random_failures[i]` for a process.
    pub fault: String,
    /// The target as the scenario wrote it (`tag critical, zone a`).
    pub target: String,
    pub at_s: f64,
}

/// The experiment's outcome, in every report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExperimentSummary {
    pub state: ExperimentState,
    /// Why it stopped or failed; `None` when it completed.
    pub reason: Option<String>,
    /// When it stopped or failed (seconds from the start).
    pub at_s: Option<f64>,
    pub skipped: Vec<SkippedAction>,
}

impl ExperimentSummary {
    pub fn failed(&self) -> bool {
        self.state == ExperimentState::Failed
    }
}

/// What the fault layer told the recorder during a run.
#[derive(Clone, Debug, Default)]
pub struct ExperimentLog {
    /// The first failure: (reason, when).
    failure: Option<(String, SimTime)>,
    skipped: Vec<SkippedAction>,
}

impl ExperimentLog {
    pub fn failed(&mut self, reason: String, at: SimTime) {
        if self.failure.is_none() {
            self.failure = Some((reason, at));
        }
    }

    pub fn skipped(&mut self, fault: String, target: String, at: SimTime) {
        self.skipped.push(SkippedAction {
            fault,
            target,
            at_s: at.as_secs_f64(),
        });
    }

    /// The summary, given the stop condition that tripped (description,
    /// seconds), if one did: a failure wins, being the reason nothing more
    /// started.
    pub fn summary(&self, stopped: Option<(&str, f64)>) -> ExperimentSummary {
        let (state, reason, at_s) = match (&self.failure, stopped) {
            (Some((reason, at)), _) => (
                ExperimentState::Failed,
                Some(reason.clone()),
                Some(at.as_secs_f64()),
            ),
            (None, Some((description, at_s))) => (
                ExperimentState::Stopped,
                Some(format!("stop condition tripped: {description}")),
                Some(at_s),
            ),
            (None, None) => (ExperimentState::Completed, None, None),
        };
        ExperimentSummary {
            state,
            reason,
            at_s,
            skipped: self.skipped.clone(),
        }
    }
}
