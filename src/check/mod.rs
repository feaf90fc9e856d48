//! `firedrill check`: the CI gate. Runs a suite's model × scenario cases as
//! studies, judges each SLO on the study's mean (as `run --runs N` does),
//! and, given a baseline, flags regressions beyond the runs' noise.
//!
//! Regression rule (see [`baseline`]): for each figure, current minus
//! baseline run by run (the same seeds, so a paired test), a Student-t 95 %
//! interval on the mean difference; a regression is a difference whose
//! whole interval lies on the worse side **and** whose mean is worse by
//! more than the figure's tolerance (so a statistically real but
//! negligible shift does not fail a build). Identical inputs give
//! identical figures (determinism), hence never a regression.

pub mod baseline;
pub mod junit;
pub mod markdown;

use std::path::Path;

use crate::compare::figure;
use crate::config::ScenarioConfig;
use crate::metrics::StudySummary;
use crate::run::RunError;
use crate::spec::suite::{Case, Suite};
use crate::spec::{self, Diagnostic};
use crate::study;

/// One case of the suite, run.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// `model × scenario`, or the case's own name.
    pub name: String,
    pub model_path: String,
    pub scenario_path: String,
    pub seed: u64,
    pub runs: u32,
    pub study: StudySummary,
    pub slos: Vec<SloCheck>,
    pub regressions: Vec<baseline::RegressionCheck>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.slos.iter().all(|s| s.pass)
            && self.regressions.iter().all(|r| !r.regressed)
            && self.experiment_failure().is_none()
    }

    /// Why the experiment failed (a target resolved to no node under
    /// `empty_target_resolution_mode: fail`), judged on run 0 as the
    /// study's report is: the case fails.
    pub fn experiment_failure(&self) -> Option<&str> {
        let e = &self.study.first.experiment;
        e.failed().then(|| e.reason.as_deref().unwrap_or(""))
    }

    /// The command that reruns this case's study, seed included.
    pub fn reproduce(&self) -> String {
        format!(
            "firedrill run {} --scenario {} --seed {} --runs {}",
            crate::report::format::shell_quote(&self.model_path),
            crate::report::format::shell_quote(&self.scenario_path),
            self.seed,
            self.runs
        )
    }

    /// The seed of the run that did worst on request availability, to
    /// replay alone.
    pub fn worst_seed(&self) -> u64 {
        let worst = self
            .study
            .per_run
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| {
                let key = |f: &crate::metrics::RunFigures| {
                    figure(f, "availability_request").unwrap_or(f64::INFINITY)
                };
                key(a).total_cmp(&key(b))
            })
            .map_or(0, |(i, _)| i as u32);
        study::run_seed(self.seed, worst)
    }
}

/// One SLO of one case.
#[derive(Clone, Debug)]
pub struct SloCheck {
    /// `availability`, `latency_p99` or `writes_lost`.
    pub name: String,
    pub target: f64,
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    pub runs_passed: u32,
    pub pass: bool,
}

/// A whole check.
#[derive(Clone, Debug)]
pub struct CheckResult {
    pub suite: String,
    pub cases: Vec<CaseResult>,
    /// Whether a baseline was compared against.
    pub baseline: Option<String>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseResult::passed)
    }
}

/// Why a check could not run: bad input (exit 2).
#[derive(Debug)]
pub enum CheckError {
    Input(Vec<Diagnostic>),
    Run(RunError),
}

/// Loads every case's files (reporting every bad one), then runs them.
pub fn run_suite(
    suite: &Suite,
    jobs: usize,
    baseline: Option<&baseline::Baseline>,
    progress: &dyn Fn(usize, u32),
) -> Result<CheckResult, CheckError> {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for case in &suite.cases {
        match (
            spec::load_model(&case.model),
            spec::load_scenario(&case.scenario),
        ) {
            (Ok(m), Ok(s)) => loaded.push((case, m, s)),
            (m, s) => problems.extend([m.err(), s.err()].into_iter().flatten()),
        }
    }
    if !problems.is_empty() {
        return Err(CheckError::Input(problems));
    }
    let mut cases = Vec::new();
    for (index, (case, model, scenario)) in loaded.into_iter().enumerate() {
        let scenario = with_slos(scenario, case);
        let seed = suite.seed.or(scenario.seed).unwrap_or(1);
        let part = study::run_part(
            &model,
            &scenario,
            &study::Plan {
                base_seed: seed,
                runs: case.runs,
                jobs,
                fidelity: crate::run::Fidelity::Auto,
            },
            0..case.runs,
            &|d| progress(index, d),
        )
        .map_err(CheckError::Run)?;
        let summary = study::merge(vec![part])
            .map_err(|message| CheckError::Run(RunError { pos: None, message }))?;
        let name = case
            .name
            .clone()
            .unwrap_or_else(|| format!("{} × {}", model.name, scenario.name));
        let slos = slo_checks(&summary);
        let mut result = CaseResult {
            name,
            model_path: display(&case.model),
            scenario_path: display(&case.scenario),
            seed,
            runs: case.runs,
            study: summary,
            slos,
            regressions: Vec::new(),
        };
        if let Some(b) = baseline {
            result.regressions = b.compare(&result);
        }
        cases.push(result);
    }
    Ok(CheckResult {
        suite: suite.file.clone(),
        cases,
        baseline: baseline.map(|b| b.file.clone()),
    })
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// The case's SLOs replace the scenario's when it sets any.
fn with_slos(scenario: ScenarioConfig, case: &Case) -> ScenarioConfig {
    match &case.slo {
        Some(slo) => ScenarioConfig {
            slo: slo.clone(),
            ..scenario
        },
        None => scenario,
    }
}

fn slo_checks(s: &StudySummary) -> Vec<SloCheck> {
    s.slo
        .iter()
        .map(|(name, v)| {
            let estimate = match name.as_str() {
                "availability" => Some(s.availability_request),
                "latency_p99" => s.latency_p99_ms,
                "writes_lost" => Some(s.writes_lost),
                _ => None,
            };
            SloCheck {
                name: name.clone(),
                target: v.target,
                mean: v.mean,
                ci95: estimate
                    .map(|e| e.ci95)
                    .filter(|(lo, hi)| lo.is_finite() && hi.is_finite()),
                runs_passed: v.runs_passed,
                pass: v.pass,
            }
        })
        .collect()
}

/// What a failed SLO measured, in one sentence for JUnit and the terminal.
pub fn slo_message(case: &CaseResult, slo: &SloCheck) -> String {
    use crate::report::format::slo_value;
    let mean = slo
        .mean
        .map_or_else(|| "n/a".into(), |m| slo_value(&slo.name, m));
    let ci = slo.ci95.map_or_else(String::new, |(lo, hi)| {
        format!(
            " [95 % CI {}, {}]",
            slo_value(&slo.name, lo),
            slo_value(&slo.name, hi)
        )
    });
    let relation = if slo.name == "availability" {
        "≥"
    } else {
        "≤"
    };
    format!(
        "{}: mean {mean}{ci} over {} runs, target {relation} {}; {} of {} runs met it",
        slo.name,
        case.runs,
        slo_value(&slo.name, slo.target),
        slo.runs_passed,
        case.runs
    )
}
