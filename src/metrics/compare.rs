//! A comparison: several designs (models) under the same scenarios, with the
//! same seeds, side by side. Pure data, computed by the `compare` module and
//! read by the report writers.
//!
//! Every model × scenario pair is a [`Cell`] holding a full study. Because
//! run `i` of every design uses the same seed, designs are compared run by
//! run (a paired design): the [`Difference`] of a figure is the mean of the
//! per-run differences with a Student-t interval, which is much tighter than
//! subtracting two independent intervals.

use super::{Estimate, StudySummary};

#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub runs: u32,
    pub base_seed: u64,
    /// `--fidelity` when the user chose one (`request` / `fluid`), for the
    /// reproduction commands; `None` for `auto`.
    pub fidelity: Option<&'static str>,
    /// Model names in command-line order.
    pub models: Vec<String>,
    /// Scenario names in command-line order.
    pub scenarios: Vec<String>,
    /// For each scenario (outer, in order), each model (inner, in order).
    pub cells: Vec<Cell>,
    /// For each scenario, each model after the first against the first
    /// (the baseline), for each compared figure.
    pub differences: Vec<Difference>,
    /// For each scenario, the models best first.
    pub rankings: Vec<Ranking>,
    /// For each scenario, each model after the first against the first:
    /// what its extra availability costs.
    pub cost_of_nines: Vec<CostOfNines>,
}

/// The price of availability: `model` against `baseline` under one
/// scenario. Nines are −log10(1 − availability) of the mean request
/// availability, capped at 9.
#[derive(Clone, Debug, PartialEq)]
pub struct CostOfNines {
    pub scenario: String,
    pub model: String,
    pub baseline: String,
    pub usd_per_month: f64,
    pub baseline_usd_per_month: f64,
    pub nines: f64,
    pub baseline_nines: f64,
    /// Extra dollars per month for each extra nine; `None` when the model
    /// adds no nine (then more money buys nothing here).
    pub usd_per_extra_nine: Option<f64>,
}

impl Comparison {
    /// The cell of `model` under `scenario`, by name.
    pub fn cell(&self, model: &str, scenario: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.model == model && c.scenario == scenario)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub model: String,
    pub scenario: String,
    /// The files as given on the command line, for reproduction commands.
    pub model_path: String,
    pub scenario_path: String,
    pub study: StudySummary,
}

/// `model` minus `baseline` for one figure under one scenario, paired by
/// run (same seed).
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub scenario: String,
    pub model: String,
    pub baseline: String,
    /// One of [`DIFFERENCE_METRICS`].
    pub metric: &'static str,
    /// Mean of the per-run differences and its 95 % interval; `n` counts
    /// the runs where both designs measured the figure.
    pub estimate: Estimate,
    /// The interval excludes zero: the designs differ beyond run-to-run
    /// noise.
    pub significant: bool,
}

/// The figures compared between designs, in report order.
pub const DIFFERENCE_METRICS: [&str; 6] = [
    "availability_request",
    "availability_time",
    "longest_outage_s",
    "writes_lost",
    "rpo_s",
    "latency_p99_ms",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    pub scenario: String,
    /// Best first.
    pub entries: Vec<RankEntry>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RankEntry {
    pub model: String,
    /// 1-based; designs whose difference from the one above is not
    /// significant share its rank.
    pub rank: u32,
    pub availability_request: f64,
    /// Every SLO's study verdict passed.
    pub meets_slos: bool,
}

/// What the scripted faults did to a study: each run against its control
/// run (same seed and workload, scripted faults removed), faulted minus
/// control, paired by run. With one run the mean is the exact delta.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlDelta {
    /// The control study's own availability (requests).
    pub control_availability_request: Estimate,
    pub availability_request: Estimate,
    pub failed_requests: Estimate,
    pub writes_lost: Estimate,
    pub rpo_s: Estimate,
    /// Runs where both measured p99.
    pub latency_p99_ms: Option<Estimate>,
}
