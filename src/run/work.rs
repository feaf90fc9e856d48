//! How much work a request-level run is, known before it starts.
//!
//! Assumptions and limits:
//! - A run's requests are at most the workload's rate × its peak profile
//!   factor × the horizon (load faults that raise the rate are not
//!   counted: this is the planned load, an estimate).
//! - A request-level run simulates about 4–5 million requests per second
//!   of one core (bench-reference on the 2-core reference machine,
//!   README "Speed"), so [`MAX_REQUESTS`] (one billion) is several
//!   minutes per run; 500 simulated years at 100 requests/s (1.6 × 10¹²)
//!   would be weeks. Past it a run is refused (exit 2) unless `--force`;
//!   the fluid fidelity costs milliseconds whatever the rate and horizon.
//! - Past [`NOTICE_REQUESTS`] in all (runs × requests) the estimate is
//!   printed on stderr before starting, and a single run shows its
//!   progress in simulated time when stderr is a terminal.

use crate::config::{Profile, ScenarioConfig};

/// Requests one request-level run may simulate without `--force`.
pub const MAX_REQUESTS: f64 = 1e9;
/// Work worth announcing before it starts.
pub const NOTICE_REQUESTS: f64 = 1e8;
/// Simulated requests per second of one core, for the time estimate.
pub const REQUESTS_PER_CORE_S: f64 = 4e6;

/// At most how many requests one run of `scenario` simulates.
pub fn requests_at_most(scenario: &ScenarioConfig) -> f64 {
    let peak = match &scenario.workload.profile {
        Profile::Step { steps } => steps.iter().map(|(_, f)| *f).fold(1.0, f64::max),
        _ => 1.0,
    };
    scenario.workload.rate_per_s * peak * scenario.horizon.as_secs_f64()
}

/// What to do before `runs` request-level runs of `scenario`: `Err` with
/// the refusal, or `Ok` with a notice to print (if the work is large).
pub fn check(scenario: &ScenarioConfig, runs: u64, force: bool) -> Result<Option<String>, String> {
    let per_run = requests_at_most(scenario);
    if per_run > MAX_REQUESTS && !force {
        return Err(format!(
            "error: one request-level run of `{}` simulates up to {} requests (rate × peak × horizon), \
             more than the {} firedrill runs without --force (about {} per run on one core); \
             use --fidelity fluid (milliseconds, if the scenario allows it), a shorter horizon, \
             or --force",
            scenario.name,
            count(per_run),
            count(MAX_REQUESTS),
            duration(per_run / REQUESTS_PER_CORE_S),
        ));
    }
    let total = per_run * runs as f64;
    Ok((total > NOTICE_REQUESTS).then(|| {
        format!(
            "note: about {} requests at request level (about {} of one core)",
            count(total),
            duration(total / REQUESTS_PER_CORE_S)
        )
    }))
}

/// 1.6e12 -> "1.6 trillion"; 3.6e8 -> "360 million".
fn count(n: f64) -> String {
    match n {
        n if n >= 1e12 => format!("{:.1} trillion", n / 1e12),
        n if n >= 1e9 => format!("{:.1} billion", n / 1e9),
        n if n >= 1e6 => format!("{:.0} million", n / 1e6),
        n => format!("{n:.0}"),
    }
}

fn duration(s: f64) -> String {
    match s {
        s if s >= 86_400.0 => format!("{:.0} days", s / 86_400.0),
        s if s >= 3_600.0 => format!("{:.1} hours", s / 3_600.0),
        s if s >= 60.0 => format!("{:.0} minutes", s / 60.0),
        s => format!("{s:.0} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_durations_read_at_a_glance() {
        assert_eq!(count(1.6e12), "1.6 trillion");
        assert_eq!(count(3.6e8), "360 million");
        assert_eq!(duration(1.6e12 / REQUESTS_PER_CORE_S), "5 days");
        assert_eq!(duration(90.0), "2 minutes");
    }
}
