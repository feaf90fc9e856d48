//! The summary of a study: many runs of one model × scenario, seeds
//! `first..=last`. Pure data, computed by the `study` module and read by the
//! report writers (which may not depend on `study` itself).

use std::collections::BTreeMap;

use super::RunSummary;

/// A figure's mean over the runs and its 95 % confidence interval.
/// The interval is `(NaN, NaN)` when fewer than two runs measured the
/// figure (no spread to estimate); writers show that as `null` / n/a.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub ci95: (f64, f64),
    /// Runs that measured the figure (latency needs a successful request).
    pub n: u32,
}

/// How one SLO fared across the runs.
#[derive(Clone, Debug, PartialEq)]
pub struct StudySlo {
    pub target: f64,
    /// The figure's mean over the runs that measured it.
    pub mean: Option<f64>,
    /// The study's verdict: the mean meets the target.
    pub pass: bool,
    /// Runs whose own verdict passed, and that count over all runs.
    pub runs_passed: u32,
    pub pass_fraction: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StudySummary {
    pub runs: u32,
    pub first_seed: u64,
    pub last_seed: u64,
    /// Run 0 in full: the single-run keys of the report come from it.
    pub first: RunSummary,
    pub availability_request: Estimate,
    /// All runs' requests pooled: succeeded / finished, with a Wilson 95 %
    /// interval (the mean field holds the pooled proportion).
    pub availability_request_pooled: Estimate,
    pub availability_time: Estimate,
    pub availability_request_min: f64,
    pub availability_request_max: f64,
    pub availability_time_min: f64,
    pub availability_time_max: f64,
    pub longest_outage_s: Estimate,
    pub writes_lost: Estimate,
    pub rpo_s: Estimate,
    /// `None` when no run had a successful request.
    pub latency_p50_ms: Option<Estimate>,
    pub latency_p99_ms: Option<Estimate>,
    pub latency_p999_ms: Option<Estimate>,
    /// Percentiles of every successful request of every run, from the
    /// runs' merged histograms (integer counts: exact in any order).
    pub latency_pooled_ms: Option<super::LatencySummary>,
    /// The merged histogram behind `latency_pooled_ms` (for CDF charts).
    pub latency_pooled_histogram: Option<hdrhistogram::Histogram<u64>>,
    /// Finished requests over time, summed over every run (runs of one
    /// scenario share the bucket width, so the sum is exact).
    pub timeline: super::Timeline,
    /// Failed requests by cause, summed over every run.
    pub errors_by_cause: BTreeMap<String, u64>,
    pub slo: BTreeMap<String, StudySlo>,
    /// Each run's headline figures, in run order (run i has seed
    /// `first_seed + i`): paired comparisons and control deltas use them.
    pub per_run: Vec<RunFigures>,
    /// With `--control`: what the scripted faults did, run by run.
    pub control: Option<super::ControlDelta>,
}

/// The few numbers a study keeps from each run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFigures {
    pub succeeded: u64,
    pub finished: u64,
    pub availability_request: f64,
    pub availability_time: f64,
    pub longest_outage_s: f64,
    pub writes_lost: f64,
    pub rpo_s: f64,
    /// p50, p99, p999; `None` when no request succeeded.
    pub latency: Option<[f64; 3]>,
    /// SLO name → this run's verdict.
    pub slo_pass: BTreeMap<String, bool>,
}

impl RunFigures {
    pub fn of(summary: &RunSummary) -> RunFigures {
        let r = &summary.requests;
        RunFigures {
            succeeded: r.succeeded,
            finished: r.succeeded + r.failed,
            availability_request: summary.availability.request,
            availability_time: summary.availability.time,
            longest_outage_s: summary.availability.longest_outage_s,
            writes_lost: summary.data_loss.writes_lost as f64,
            rpo_s: summary.data_loss.rpo_s,
            latency: summary.latency_ms.map(|l| [l.p50, l.p99, l.p999]),
            slo_pass: summary
                .slo
                .iter()
                .map(|(name, verdict)| (name.clone(), verdict.pass))
                .collect(),
        }
    }
}

impl StudySummary {
    /// True when every SLO's mean meets its target (no SLOs = pass).
    pub fn all_slos_pass(&self) -> bool {
        self.slo.values().all(|v| v.pass)
    }
}

/// The seeds `first..=last` of consecutive runs as text. Seeds are `u64`
/// and a study's run `i` uses `first + i` wrapping past the largest, so a
/// study that starts near `u64::MAX` names both pieces rather than an
/// empty-looking range (`18446744073709551615..=1`).
pub fn seed_range(first: u64, last: u64) -> String {
    if first <= last {
        format!("{first}..={last}")
    } else {
        format!("{first}..={} and 0..={last}", u64::MAX)
    }
}

#[cfg(test)]
mod seed_range_tests {
    use super::seed_range;

    #[test]
    fn a_wrapped_range_names_both_pieces() {
        assert_eq!(seed_range(5, 7), "5..=7");
        assert_eq!(
            seed_range(u64::MAX, 1),
            "18446744073709551615..=18446744073709551615 and 0..=1"
        );
    }
}
