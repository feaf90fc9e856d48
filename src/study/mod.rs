//! A study: one model × scenario run with many seeds, in parallel, and
//! summarised with confidence intervals.
//!
//! Run `i` uses seed `base_seed + i` (wrapping), so
//! `firedrill run ... --seed <base + i>` replays any run of a study alone.
//! Runs execute on a rayon pool of `jobs` threads; their per-run figures
//! are collected in run order and every sum is taken in that order, so the
//! summary (and report.json) is the same bytes at any thread count.
//! Memory: one full [`RunSummary`] (run 0) plus a few numbers per run.

pub mod part;
pub mod stats;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::{ModelConfig, ScenarioConfig};
use crate::metrics::{Estimate, RunFigures, RunSummary, StudySlo, StudySummary, Timeline};
use crate::run::{self, RunError};

pub use stats::{mean_ci, t_quantile_975, wilson95};

/// The seed of run `index` of a study starting at `base_seed`.
pub fn run_seed(base_seed: u64, index: u32) -> u64 {
    base_seed.wrapping_add(u64::from(index))
}

/// What a slice of a study's runs produced: enough to finish the study
/// summary exactly, and to merge with the other slices of the same study.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyPart {
    pub base_seed: u64,
    /// Runs in the whole study.
    pub runs: u32,
    /// The run indices this part covers: `start..end`.
    pub start: u32,
    pub end: u32,
    /// Run 0 in full, in the part that holds it.
    pub first: Option<RunSummary>,
    /// Each run's figures, in run order.
    pub figures: Vec<RunFigures>,
    /// The runs' latency histograms added together.
    pub histogram: Option<hdrhistogram::Histogram<u64>>,
    pub errors_by_cause: BTreeMap<String, u64>,
    /// The runs' timelines added together.
    pub timeline: Timeline,
}

impl StudyPart {
    fn empty(base_seed: u64, runs: u32, start: u32) -> StudyPart {
        StudyPart {
            base_seed,
            runs,
            start,
            end: start,
            first: None,
            figures: Vec::new(),
            histogram: None,
            errors_by_cause: BTreeMap::new(),
            timeline: Timeline::new(),
        }
    }

    /// Appends the next run (index `self.end`).
    fn push(&mut self, mut summary: RunSummary) {
        self.figures.push(RunFigures::of(&summary));
        for (cause, count) in &summary.errors_by_cause {
            *self.errors_by_cause.entry(cause.clone()).or_insert(0) += count;
        }
        if let Some(h) = summary.detail.latency_histogram.take() {
            add_histogram(&mut self.histogram, h);
        }
        self.timeline.merge(&summary.detail.timeline);
        if self.end == 0 {
            self.first = Some(summary);
        }
        self.end += 1;
    }

    /// Appends `next`, which must start where `self` ends. Histograms add
    /// integer counts and figures concatenate, so merging slices gives
    /// exactly what one pass over all runs gives.
    fn append(&mut self, next: StudyPart) {
        debug_assert_eq!(self.end, next.start);
        self.end = next.end;
        if self.first.is_none() {
            self.first = next.first;
        }
        self.figures.extend(next.figures);
        for (cause, count) in next.errors_by_cause {
            *self.errors_by_cause.entry(cause).or_insert(0) += count;
        }
        if let Some(h) = next.histogram {
            add_histogram(&mut self.histogram, h);
        }
        self.timeline.merge(&next.timeline);
    }
}

fn add_histogram(into: &mut Option<hdrhistogram::Histogram<u64>>, h: hdrhistogram::Histogram<u64>) {
    match into {
        None => *into = Some(h),
        Some(p) => p
            .add(&h)
            .unwrap_or_else(|_| unreachable!("histograms share their bounds")),
    }
}

/// The run indices of shard `index` (0-based) of `count` in a study of
/// `runs` runs: contiguous, in order, sizes differing by at most one.
pub fn shard_range(runs: u32, index: u32, count: u32) -> std::ops::Range<u32> {
    let bound = |i: u32| (u64::from(runs) * u64::from(i) / u64::from(count)) as u32;
    bound(index)..bound(index + 1)
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
    let plan = Plan {
        base_seed,
        runs,
        jobs,
        fidelity,
    };
    let part = run_part(model, scenario, &plan, 0..runs, &|_| {})?;
    merge(vec![part]).map_err(|message| RunError { pos: None, message })
}

/// How a study runs: run `i` of `runs` uses seed `base_seed + i`, on
/// `jobs` threads (0: one per core), at `fidelity`.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub base_seed: u64,
    pub runs: u32,
    pub jobs: usize,
    pub fidelity: run::Fidelity,
}

/// Runs the slice `range` of the study `plan`; `progress` is called with
/// the number of runs finished so far (from the calling thread).
pub fn run_part(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    plan: &Plan,
    range: std::ops::Range<u32>,
    progress: &dyn Fn(u32),
) -> Result<StudyPart, RunError> {
    let Plan {
        base_seed,
        runs,
        jobs,
        fidelity,
    } = *plan;
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
    let mut part = StudyPart::empty(base_seed, runs, range.start);
    let mut start = range.start;
    while start < range.end {
        let end = range.end.min(start + chunk);
        let results: Vec<Result<RunSummary, RunError>> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|i| run::run_with(model, scenario, run_seed(base_seed, i), fidelity))
                .collect()
        });
        for result in results {
            part.push(result?);
        }
        progress(end - range.start);
        start = end;
    }
    Ok(part)
}

/// Merges the parts of one study (any order) into its summary. The parts
/// must come from the same study and cover every run exactly once.
pub fn merge(mut parts: Vec<StudyPart>) -> Result<StudySummary, String> {
    parts.sort_by_key(|p| p.start);
    let mut iter = parts.into_iter();
    let mut whole = iter.next().ok_or("no parts to merge")?;
    for next in iter {
        if next.base_seed != whole.base_seed || next.runs != whole.runs {
            return Err(format!(
                "parts of different studies: seed {} with {} runs, and seed {} with {} runs",
                whole.base_seed, whole.runs, next.base_seed, next.runs
            ));
        }
        if next.start != whole.end {
            return Err(if next.start < whole.end {
                format!(
                    "runs {}..{} are in two parts",
                    next.start,
                    whole.end.min(next.end)
                )
            } else {
                format!("runs {}..{} are in no part", whole.end, next.start)
            });
        }
        whole.append(next);
    }
    if whole.start != 0 || whole.end != whole.runs {
        return Err(format!(
            "the parts cover runs {}..{} of a study of {} runs (0..{})",
            whole.start, whole.end, whole.runs, whole.runs
        ));
    }
    let first = whole
        .first
        .take()
        .ok_or("run 0's summary is missing (merge re-simulates it)")?;
    let mut study = summarise(first, &whole.figures, whole.base_seed, whole.runs);
    study.latency_pooled_ms = whole
        .histogram
        .as_ref()
        .and_then(crate::metrics::recorder::latency_of);
    study.latency_pooled_histogram = whole.histogram;
    study.errors_by_cause = whole.errors_by_cause;
    study.timeline = whole.timeline;
    study.per_run = whole.figures;
    Ok(study)
}

fn summarise(first: RunSummary, figures: &[RunFigures], base_seed: u64, runs: u32) -> StudySummary {
    let column = |f: fn(&RunFigures) -> f64| -> Vec<f64> { figures.iter().map(f).collect() };
    let estimate = |f: fn(&RunFigures) -> f64| -> Estimate {
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
        latency_pooled_histogram: None,
        errors_by_cause: BTreeMap::new(),
        timeline: Timeline::new(),
        slo,
        per_run: Vec::new(),
        control: None,
    }
}
