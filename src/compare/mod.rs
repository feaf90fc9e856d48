//! `firedrill compare`: several designs under the same scenarios with the
//! same seeds, and what separates them.
//!
//! Every model × scenario pair is a full study ([`crate::study`]). Run `i`
//! of every design uses seed `base + i`, so the designs meet the same
//! workload draws and, where their components share names, the same
//! failure draws (random streams are named per component). Differences are
//! therefore taken run by run (a paired design) and summarised with a
//! Student-t interval over the per-run differences; a difference is
//! *significant* when its 95 % interval excludes zero.
//!
//! Ranking, per scenario: designs by mean request availability, best first;
//! a design whose paired difference from the one ranked just above it is
//! not significant shares that rank (the runs cannot tell them apart).

pub mod control;

use crate::config::{ModelConfig, ScenarioConfig};
use crate::cost;
use crate::metrics::{
    Cell, Comparison, CostOfNines, Difference, Estimate, RankEntry, Ranking, RunFigures,
    StudySummary, DIFFERENCE_METRICS,
};
use crate::run::RunError;
use crate::study::{self, mean_ci};

/// One design or scenario as given on the command line.
pub struct Input<T> {
    pub path: String,
    pub config: T,
}

/// How to run a comparison.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Seed of run 0 under every scenario; `None` uses the first
    /// scenario's `seed` (else 1).
    pub seed: Option<u64>,
    pub runs: u32,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Pair every run with its control run (scripted faults removed).
    pub control: bool,
    pub fidelity: crate::run::Fidelity,
}

/// Runs every model under every scenario and compares them. `progress` is
/// told each time a study finishes (its index, 0-based, in the order
/// scenario-major).
pub fn compare(
    models: &[Input<ModelConfig>],
    scenarios: &[Input<ScenarioConfig>],
    plan: Plan,
    progress: &dyn Fn(usize, u32),
) -> Result<Comparison, RunError> {
    // One base seed for every scenario, so the report's seed range and its
    // reproduction command (`--seed`) hold for all of them.
    let seed = plan
        .seed
        .or_else(|| scenarios.first().and_then(|s| s.config.seed))
        .unwrap_or(1);
    let mut cells = Vec::with_capacity(models.len() * scenarios.len());
    for scenario in scenarios {
        for model in models {
            let index = cells.len();
            let study = control::run_study(
                &model.config,
                &scenario.config,
                &study::Plan {
                    base_seed: seed,
                    runs: plan.runs,
                    jobs: plan.jobs,
                    fidelity: plan.fidelity,
                },
                plan.control,
                &|done| progress(index, done),
            )?;
            cells.push(Cell {
                model: model.config.name.clone(),
                scenario: scenario.config.name.clone(),
                model_path: model.path.clone(),
                scenario_path: scenario.path.clone(),
                study,
            });
        }
    }
    let mut comparison = assemble(cells, models.len(), plan.runs, seed);
    comparison.fidelity = match plan.fidelity {
        crate::run::Fidelity::Auto => None,
        chosen => Some(chosen.name()),
    };
    Ok(comparison)
}

/// Differences and rankings of finished cells (scenario-major, `per` models
/// per scenario, first model the baseline).
pub fn assemble(cells: Vec<Cell>, per: usize, runs: u32, base_seed: u64) -> Comparison {
    let mut models: Vec<String> = Vec::new();
    let mut scenarios: Vec<String> = Vec::new();
    let mut differences = Vec::new();
    let mut rankings = Vec::new();
    let mut cost_of_nines = Vec::new();
    for group in cells.chunks(per.max(1)) {
        let scenario = group[0].scenario.clone();
        if !scenarios.contains(&scenario) {
            scenarios.push(scenario.clone());
        }
        for cell in group {
            if !models.contains(&cell.model) {
                models.push(cell.model.clone());
            }
        }
        let baseline = &group[0];
        for cell in &group[1..] {
            for metric in DIFFERENCE_METRICS {
                if let Some(estimate) = paired(&cell.study, &baseline.study, metric) {
                    differences.push(Difference {
                        scenario: scenario.clone(),
                        model: cell.model.clone(),
                        baseline: baseline.model.clone(),
                        metric,
                        estimate,
                        significant: significant(&estimate),
                    });
                }
            }
        }
        for cell in &group[1..] {
            cost_of_nines.push(price_of_nines(&scenario, cell, baseline));
        }
        rankings.push(rank(&scenario, group));
    }
    Comparison {
        runs,
        base_seed,
        fidelity: None,
        models,
        scenarios,
        cells,
        differences,
        rankings,
        cost_of_nines,
    }
}

fn price_of_nines(scenario: &str, cell: &Cell, baseline: &Cell) -> CostOfNines {
    let usd = cell.study.first.cost.total_usd_per_month;
    let base_usd = baseline.study.first.cost.total_usd_per_month;
    let nines = cost::nines(cell.study.availability_request.mean);
    let base_nines = cost::nines(baseline.study.availability_request.mean);
    CostOfNines {
        scenario: scenario.to_string(),
        model: cell.model.clone(),
        baseline: baseline.model.clone(),
        usd_per_month: usd,
        baseline_usd_per_month: base_usd,
        nines,
        baseline_nines: base_nines,
        usd_per_extra_nine: cost::cost_per_extra_nine(base_usd, base_nines, usd, nines),
    }
}

/// The value of `metric` in one run; `None` when the run did not measure
/// it (no successful request for latency, no finished request at all).
pub fn figure(run: &RunFigures, metric: &str) -> Option<f64> {
    let value = match metric {
        "availability_request" => run.availability_request,
        "availability_time" => run.availability_time,
        "longest_outage_s" => run.longest_outage_s,
        "writes_lost" => run.writes_lost,
        "rpo_s" => run.rpo_s,
        "latency_p99_ms" => run.latency?[1],
        "failed_requests" => (run.finished - run.succeeded) as f64,
        _ => return None,
    };
    value.is_finite().then_some(value)
}

/// Mean and interval of `metric` in `a` minus `metric` in `b`, run by run,
/// over the runs where both measured it.
pub fn paired(a: &StudySummary, b: &StudySummary, metric: &str) -> Option<Estimate> {
    let differences: Vec<f64> = a
        .per_run
        .iter()
        .zip(&b.per_run)
        .filter_map(|(x, y)| Some(figure(x, metric)? - figure(y, metric)?))
        .collect();
    mean_ci(&differences)
}

/// The interval excludes zero. With one run there is no interval, and a
/// constant non-zero difference (zero spread) is significant.
pub fn significant(e: &Estimate) -> bool {
    if e.ci95.0.is_nan() || e.ci95.1.is_nan() {
        return false;
    }
    e.ci95.0 > 0.0 || e.ci95.1 < 0.0
}

fn rank(scenario: &str, group: &[Cell]) -> Ranking {
    let mut order: Vec<&Cell> = group.iter().collect();
    // Stable sort: equal availabilities keep command-line order.
    order.sort_by(|a, b| {
        let key = |c: &Cell| {
            let m = c.study.availability_request.mean;
            if m.is_nan() {
                f64::NEG_INFINITY
            } else {
                m
            }
        };
        key(b).total_cmp(&key(a))
    });
    let mut entries: Vec<RankEntry> = Vec::with_capacity(order.len());
    for (position, cell) in order.iter().enumerate() {
        let rank = match position.checked_sub(1).map(|above| order[above]) {
            None => 1,
            Some(above) => {
                let apart = paired(&above.study, &cell.study, "availability_request")
                    .is_some_and(|e| significant(&e));
                if apart {
                    position as u32 + 1
                } else {
                    entries[position - 1].rank
                }
            }
        };
        entries.push(RankEntry {
            model: cell.model.clone(),
            rank,
            availability_request: cell.study.availability_request.mean,
            meets_slos: cell.study.all_slos_pass(),
        });
    }
    Ranking {
        scenario: scenario.to_string(),
        entries,
    }
}
