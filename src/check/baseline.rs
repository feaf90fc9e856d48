//! Baselines: a stored check result that later checks compare against.
//!
//! A baseline keeps, per case, each run's figures (rounded to 6 decimals,
//! in run order, keys sorted) with the seed they came from, so the file is
//! diffable and a later check can compare **run by run**: current run i
//! against baseline run i, same seed. Paired differences cancel the
//! workload and failure draws both runs share, so the test sees the change
//! and little of the noise. With other seeds (a different `seed:` or run
//! count), the runs are compared unpaired (Welch's interval).
//!
//! A figure regressed when the 95 % interval of (current − baseline) lies
//! entirely on its worse side and the mean difference is worse than the
//! figure's tolerance ([`TOLERANCES`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CaseResult, CheckResult};
use crate::compare::figure;
use crate::metrics::Estimate;
use crate::study::{mean_ci, t_quantile_975};

pub const FORMAT: &str = "firedrill-baseline/1";

/// Figure, whether higher is better, and the smallest worsening that
/// counts (absolute, in the figure's unit; latency is relative).
pub const TOLERANCES: [(&str, bool, Tolerance); 5] = [
    ("availability_request", true, Tolerance::Absolute(0.0001)),
    ("latency_p99_ms", false, Tolerance::Relative(0.05)),
    ("longest_outage_s", false, Tolerance::Absolute(1.0)),
    ("writes_lost", false, Tolerance::Absolute(0.5)),
    ("rpo_s", false, Tolerance::Absolute(1.0)),
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// In the figure's own unit (0.0001 of availability = 0.01 points).
    Absolute(f64),
    /// A fraction of the baseline's mean.
    Relative(f64),
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub format: String,
    #[serde(skip)]
    pub file: String,
    pub cases: Vec<BaselineCase>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BaselineCase {
    pub case: String,
    pub seed: u64,
    pub runs: u32,
    /// Figure → each run's value (`null`: not measured in that run).
    pub figures: BTreeMap<String, Vec<Option<f64>>>,
}

/// One figure of one case against the baseline.
#[derive(Clone, Debug)]
pub struct RegressionCheck {
    pub metric: &'static str,
    pub baseline_mean: f64,
    pub current_mean: f64,
    /// current − baseline, with its 95 % interval.
    pub difference: Estimate,
    pub paired: bool,
    /// The worsening that counts, in the figure's unit.
    pub tolerance: f64,
    pub regressed: bool,
}

fn round6(value: f64) -> f64 {
    crate::report::json::round_float(value).unwrap_or(value)
}

impl Baseline {
    /// The baseline a check result would store.
    pub fn of(result: &CheckResult) -> Baseline {
        Baseline {
            format: FORMAT.into(),
            file: String::new(),
            cases: result
                .cases
                .iter()
                .map(|c| BaselineCase {
                    case: c.name.clone(),
                    seed: c.seed,
                    runs: c.runs,
                    figures: TOLERANCES
                        .iter()
                        .map(|(metric, _, _)| {
                            let values = c
                                .study
                                .per_run
                                .iter()
                                .map(|r| figure(r, metric).map(round6))
                                .collect();
                            (metric.to_string(), values)
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The file's text: pretty JSON, one value per line, stable order.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| unreachable!("baseline serialisation failed: {e}"));
        text.push('\n');
        text
    }

    /// Reads a baseline; errors name the file, line and column.
    pub fn parse(text: &str, file: &str) -> Result<Baseline, String> {
        let mut b: Baseline = serde_json::from_str(text).map_err(|e| {
            format!(
                "{file}:{}:{}: not a firedrill baseline: {e}",
                e.line(),
                e.column()
            )
        })?;
        if b.format != FORMAT {
            return Err(format!(
                "{file}:1:1: expected format `{FORMAT}`, found `{}`",
                b.format
            ));
        }
        b.file = file.to_string();
        Ok(b)
    }

    /// Regression checks of `case` (none if the baseline lacks the case).
    pub fn compare(&self, case: &CaseResult) -> Vec<RegressionCheck> {
        let Some(stored) = self.cases.iter().find(|b| b.case == case.name) else {
            return Vec::new();
        };
        let paired = stored.seed == case.seed;
        TOLERANCES
            .iter()
            .filter_map(|&(metric, higher_is_better, tolerance)| {
                let before: &Vec<Option<f64>> = stored.figures.get(metric)?;
                let now: Vec<Option<f64>> = case
                    .study
                    .per_run
                    .iter()
                    .map(|r| figure(r, metric).map(round6))
                    .collect();
                check(metric, higher_is_better, tolerance, before, &now, paired)
            })
            .collect()
    }
}

fn check(
    metric: &'static str,
    higher_is_better: bool,
    tolerance: Tolerance,
    before: &[Option<f64>],
    now: &[Option<f64>],
    paired: bool,
) -> Option<RegressionCheck> {
    let b: Vec<f64> = before.iter().flatten().copied().collect();
    let n: Vec<f64> = now.iter().flatten().copied().collect();
    let baseline = mean_ci(&b)?;
    let current = mean_ci(&n)?;
    let difference = if paired {
        let d: Vec<f64> = before
            .iter()
            .zip(now)
            .filter_map(|(x, y)| Some((*y)? - (*x)?))
            .collect();
        mean_ci(&d)?
    } else {
        welch(&n, &b)?
    };
    let tolerance = match tolerance {
        Tolerance::Absolute(t) => t,
        Tolerance::Relative(r) => r * baseline.mean.abs(),
    };
    let (worse_by, interval_worse) = if higher_is_better {
        (-difference.mean, difference.ci95.1 < 0.0)
    } else {
        (difference.mean, difference.ci95.0 > 0.0)
    };
    // With one run (no interval) a change is taken at face value: the run
    // is deterministic, so any difference is real.
    let beyond_noise = if difference.ci95.0.is_nan() {
        worse_by > 0.0
    } else {
        interval_worse
    };
    Some(RegressionCheck {
        metric,
        baseline_mean: baseline.mean,
        current_mean: current.mean,
        difference,
        paired,
        tolerance,
        regressed: beyond_noise && worse_by > tolerance,
    })
}

/// Welch's interval for mean(a) − mean(b) (unequal variances).
fn welch(a: &[f64], b: &[f64]) -> Option<Estimate> {
    let ea = mean_ci(a)?;
    let eb = mean_ci(b)?;
    let var = |v: &[f64], m: f64| {
        if v.len() < 2 {
            f64::NAN
        } else {
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64
        }
    };
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (sa, sb) = (var(a, ea.mean) / na, var(b, eb.mean) / nb);
    let mean = ea.mean - eb.mean;
    let se = (sa + sb).sqrt();
    let ci95 = if !se.is_finite() {
        (f64::NAN, f64::NAN)
    } else if se == 0.0 {
        (mean, mean)
    } else {
        let df = (sa + sb) * (sa + sb) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
        let t = t_quantile_975((df.floor() as u32).max(1));
        (mean - t * se, mean + t * se)
    };
    Some(Estimate {
        mean,
        ci95,
        n: (a.len().min(b.len())) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().map(|&x| Some(x)).collect()
    }

    #[test]
    fn identical_figures_never_regress() {
        let v = some(&[0.99, 0.98, 0.995, 0.97]);
        let c = check(
            "availability_request",
            true,
            Tolerance::Absolute(0.0001),
            &v,
            &v,
            true,
        )
        .unwrap();
        assert!(!c.regressed);
        assert_eq!(c.difference.mean, 0.0);
    }

    #[test]
    fn a_consistent_drop_beyond_tolerance_regresses() {
        let before = some(&[0.99, 0.98, 0.995, 0.97]);
        let after = some(&[0.98, 0.971, 0.984, 0.961]);
        let c = check(
            "availability_request",
            true,
            Tolerance::Absolute(0.0001),
            &before,
            &after,
            true,
        )
        .unwrap();
        assert!(c.regressed, "{c:?}");
    }

    #[test]
    fn noise_and_tiny_shifts_do_not_regress() {
        // Worse on average but the interval straddles zero.
        let before = some(&[0.99, 0.98, 0.995, 0.97]);
        let after = some(&[0.999, 0.96, 0.99, 0.975]);
        let c = check(
            "availability_request",
            true,
            Tolerance::Absolute(0.0001),
            &before,
            &after,
            true,
        )
        .unwrap();
        assert!(!c.regressed, "{c:?}");
        // Consistently worse, but by less than the tolerance.
        let after = some(&[0.98999, 0.97999, 0.99499, 0.96999]);
        let c = check(
            "availability_request",
            true,
            Tolerance::Absolute(0.0001),
            &before,
            &after,
            true,
        )
        .unwrap();
        assert!(!c.regressed, "{c:?}");
    }

    #[test]
    fn lower_is_better_figures_regress_upwards() {
        let before = some(&[100.0, 110.0, 105.0]);
        let after = some(&[130.0, 141.0, 133.0]);
        let c = check(
            "latency_p99_ms",
            false,
            Tolerance::Relative(0.05),
            &before,
            &after,
            true,
        )
        .unwrap();
        assert!(c.regressed);
        let c = check(
            "latency_p99_ms",
            false,
            Tolerance::Relative(0.05),
            &after,
            &before,
            true,
        )
        .unwrap();
        assert!(!c.regressed, "an improvement is not a regression");
    }

    #[test]
    fn unpaired_comparison_uses_welch() {
        let before = some(&[0.99, 0.98, 0.995, 0.97, 0.985]);
        let after = some(&[0.90, 0.91, 0.89, 0.92]);
        let c = check(
            "availability_request",
            true,
            Tolerance::Absolute(0.0001),
            &before,
            &after,
            false,
        )
        .unwrap();
        assert!(!c.paired);
        assert!(c.regressed);
        assert!(c.difference.ci95.1 < 0.0);
    }
}
