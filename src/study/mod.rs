//! A study: one model × scenario run with many seeds, in parallel, and
//! summarised with confidence intervals.
//!
//! Run `i` uses seed `base_seed + i` (wrapping), so
//! `firedrill run ... --seed <base + i>` replays any run of a study alone.
//! Runs execute on a rayon pool of `jobs` threads; their per-run figures
//! are collected in run order and every sum is taken in that order, so the
//! summary (and report.json) is the same bytes at any thread count.
//! Memory: one full [`RunSummary`] (run 0) plus a few numbers per run.

pub mod stats;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::{ModelConfig, ScenarioConfig};
use crate::metrics::{Estimate, RunSummary, StudySlo, StudySummary};
use crate::run::{self, RunError};

pub use stats::{mean_ci, t_quantile_975, wilson95};

/// The seed of run `index` of a study starting at `base_seed`.
pub fn run_seed(base_seed: u64, index: u32) -> u64 {
    base_seed.wrapping_add(u64::from(index))
}

/// The few numbers a study keeps from each run.
#[derive(Clone, Debug)]
struct Figures {
    succeeded: u64,
    finished: u64,
    availability_request: f64,
    availability_time: f64,
    longest_outage_s: f64,
    writes_lost: f64,
    rpo_s: f64,
    /// p50, p99, p999; `None` when no request succeeded.
    latency: Option<[f64; 3]>,
    /// SLO name → this run's verdict.
    slo_pass: BTreeMap<String, bool>,
}

impl Figures {
    fn of(summary: &RunSummary) -> Figures {
        let r = &summary.requests;
        Figures {
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

/// Runs `model` under `scenario` `runs` times (seeds `base_seed`,
/// `base_seed + 1`, ...) on `jobs` threads (0: one per core) and
/// summarises. The first error, in run order, is returned.
pub fn run_study(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    base_seed: u64,
    runs: u32,
    jobs: usize,
    fidelity: run::Fidelity,
) -> Result<StudySummary, RunError> {
    if runs == 0 {
        return Err(RunError {
            pos: None,
            message: "a study needs at least one run".into(),
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|error| RunError {
            pos: None,
            message: format!("cannot start {jobs} worker threads: {error}"),
        })?;
    // Runs go in chunks so that at most a chunk of latency histograms is
    // alive at once; `collect` on an indexed parallel iterator keeps run
    // order, and histograms add integer counts, exact in any order.
    let chunk = (pool.current_num_threads() as u32 * 4).max(8);
    let mut first = None;
    let mut figures = Vec::with_capacity(runs as usize);
    let mut pooled: Option<hdrhistogram::Histogram<u64>> = None;
    let mut start = 0;
    while start < runs {
        let end = runs.min(start + chunk);
        let results: Vec<Result<(Figures, RunSummary), RunError>> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|i| {
                    let summary = run::run_with(model, scenario, run_seed(base_seed, i), fidelity)?;
                    Ok((Figures::of(&summary), summary))
                })
                .collect()
        });
        for (offset, result) in results.into_iter().enumerate() {
            let (f, mut summary) = result?;
            if let Some(h) = summary.detail.latency_histogram.take() {
                match &mut pooled {
                    None => pooled = Some(h),
                    Some(p) => p
                        .add(&h)
                        .unwrap_or_else(|_| unreachable!("histograms share their bounds")),
                }
            }
            if start + offset as u32 == 0 {
                first = Some(summary);
            }
            figures.push(f);
        }
        start = end;
    }
    let first = first.unwrap_or_else(|| unreachable!("run 0 is always kept"));
    let mut study = summarise(first, &figures, base_seed, runs);
    study.latency_pooled_ms = pooled
        .as_ref()
        .and_then(crate::metrics::recorder::latency_of);
    Ok(study)
}

fn summarise(first: RunSummary, figures: &[Figures], base_seed: u64, runs: u32) -> StudySummary {
    let column = |f: fn(&Figures) -> f64| -> Vec<f64> { figures.iter().map(f).collect() };
    let estimate = |f: fn(&Figures) -> f64| -> Estimate {
        mean_ci(&column(f)).unwrap_or_else(|| unreachable!("a study has runs"))
    };
    let latency = |k: usize| -> Option<Estimate> {
        let values: Vec<f64> = figures
            .iter()
            .filter_map(|f| f.latency.map(|l| l[k]))
            .collect();
        mean_ci(&values)
    };
    let min_max = |values: Vec<f64>| {
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    };
    let (succeeded, finished) = figures
        .iter()
        .fold((0u64, 0u64), |(s, n), f| (s + f.succeeded, n + f.finished));
    let pooled_mean = if finished == 0 {
        f64::NAN
    } else {
        succeeded as f64 / finished as f64
    };
    let (request_min, request_max) = min_max(column(|f| f.availability_request));
    let (time_min, time_max) = min_max(column(|f| f.availability_time));
    let latency_p50_ms = latency(0);
    let latency_p99_ms = latency(1);
    let latency_p999_ms = latency(2);
    let availability_request = estimate(|f| f.availability_request);
    let writes_lost = estimate(|f| f.writes_lost);

    // A study passes an SLO when the figure's mean meets the target; the
    // per-run count says how often single runs did.
    let slo = first
        .slo
        .iter()
        .map(|(name, verdict)| {
            let mean = match name.as_str() {
                "availability" => Some(availability_request.mean),
                "latency_p99" => latency_p99_ms.map(|e| e.mean),
                "writes_lost" => Some(writes_lost.mean),
                _ => None,
            };
            let pass = mean.is_some_and(|m| match name.as_str() {
                "availability" => m >= verdict.target,
                _ => m <= verdict.target,
            });
            let runs_passed = figures
                .iter()
                .filter(|f| f.slo_pass.get(name).copied().unwrap_or(false))
                .count() as u32;
            let study_slo = StudySlo {
                target: verdict.target,
                mean,
                pass,
                runs_passed,
                pass_fraction: f64::from(runs_passed) / f64::from(runs),
            };
            (name.clone(), study_slo)
        })
        .collect();

    StudySummary {
        runs,
        first_seed: base_seed,
        last_seed: run_seed(base_seed, runs - 1),
        first,
        availability_request,
        availability_request_pooled: Estimate {
            mean: pooled_mean,
            ci95: wilson95(succeeded, finished).unwrap_or((f64::NAN, f64::NAN)),
            n: runs,
        },
        availability_time: estimate(|f| f.availability_time),
        availability_request_min: request_min,
        availability_request_max: request_max,
        availability_time_min: time_min,
        availability_time_max: time_max,
        longest_outage_s: estimate(|f| f.longest_outage_s),
        writes_lost,
        rpo_s: estimate(|f| f.rpo_s),
        latency_p50_ms,
        latency_p99_ms,
        latency_p999_ms,
        latency_pooled_ms: None,
        slo,
    }
}
