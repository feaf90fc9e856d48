//! A scripted action that failed (an API call the cloud refused, such as a
//! forced failover on a Single-AZ database). As in AWS FIS, a failed action
//! fails the experiment: the first failure is its error ("When multiple
//! actions fail, the first failed action is returned as the experiment
//! error", FIS User Guide, "Troubleshooting").

/// The first scripted action that failed in a run.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedAction {
    /// The fault's id in the scenario.
    pub fault: String,
    /// Its action (`database_reboot`).
    pub action: String,
    /// When it failed, in seconds from the start.
    pub at_s: f64,
    /// The refusal, as the API words it (`InvalidParameterCombination: ...`).
    pub reason: String,
}
