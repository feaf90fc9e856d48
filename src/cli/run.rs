//! `firedrill run MODEL --scenario SCENARIO [--seed N] [--out DIR]`.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::args::RunArgs;
use super::Outcome;
use crate::metrics::RunSummary;
use crate::report::out_dir::OutDir;
use crate::report::{self, terminal, Reproduce};
use crate::{run, spec, study};

/// Seed used when neither `--seed` nor the scenario gives one.
pub const DEFAULT_SEED: u64 = 1;

pub fn execute(args: &RunArgs) -> Outcome {
    // Load both files before giving up, so one invocation shows every
    // file error rather than one per attempt.
    let model = spec::load_model(&args.model);
    let scenario = spec::load_scenario(&args.scenario);
    let (model, scenario) = match (model, scenario) {
        (Ok(model), Ok(scenario)) => (model, scenario),
        (model, scenario) => {
            for diagnostic in [model.err(), scenario.err()].into_iter().flatten() {
                eprintln!("{diagnostic}");
            }
            return Outcome::BadInput;
        }
    };

    let seed = args.seed.or(scenario.seed).unwrap_or(DEFAULT_SEED);
    let reproduce = Reproduce {
        model_path: args.model.display().to_string(),
        scenario_path: args.scenario.display().to_string(),
        seed,
        fidelity: match args.fidelity {
            run::Fidelity::Auto => None,
            chosen => Some(chosen.name()),
        },
    };

    // A request-level run's work is known before it starts (`run/work.rs`).
    let mut large = false;
    if args.fidelity.resolve_for(&model, &scenario) == run::Fidelity::Request {
        let runs = u64::from(args.runs) * if args.control { 2 } else { 1 };
        match run::work::check(&scenario, runs, args.force) {
            Err(refusal) => {
                eprintln!("{refusal}");
                return Outcome::BadInput;
            }
            Ok(Some(notice)) => {
                eprintln!("{notice}");
                large = true;
            }
            Ok(None) => {}
        }
    }

    // Claimed before simulating: an unwritable or busy --out fails now,
    // not after the run.
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_report_dir(&model.name, &scenario.name));
    let out = match claim(&dir) {
        Ok(out) => out,
        Err(outcome) => return outcome,
    };

    if args.runs > 1 || args.control {
        return execute_study(args, &model, &scenario, &reproduce, &out);
    }

    // Progress within the run when it is long (shown only on a terminal).
    let bar = large.then(|| super::progress::time_bar("simulating"));
    let (summary, wall_s) = match guarded(
        || {
            run::run_with_progress(&model, &scenario, seed, args.fidelity, &|done| {
                if let Some(bar) = &bar {
                    bar.set_position((done * 1000.0).round() as u64);
                }
            })
        },
        || reproduce.to_string(),
    ) {
        Ok(done) => done,
        Err(outcome) => return outcome,
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut stdout = std::io::stdout().lock();
    finish(&summary, &reproduce, out.path(), wall_s, &mut stdout)
}

/// Claims `dir` for this command's reports ([`OutDir::claim`]); an
/// unusable one is bad input (exit 2).
pub(super) fn claim(dir: &Path) -> Result<OutDir, Outcome> {
    OutDir::claim(dir).map_err(|message| {
        eprintln!("error: {message}");
        Outcome::BadInput
    })
}

/// Runs `work` and times it. A scenario that does not fit the model is bad
/// input; a panic is a firedrill bug, reported with the command (from
/// `reproduce`) that replays it, since the seed makes it reproducible.
pub(super) fn guarded<T>(
    work: impl FnOnce() -> Result<T, crate::run::RunError>,
    reproduce: impl FnOnce() -> String,
) -> Result<(T, f64), Outcome> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(work));
    let wall_s = started.elapsed().as_secs_f64();
    match result {
        Ok(Ok(value)) => Ok((value, wall_s)),
        Ok(Err(run_error)) => {
            eprintln!("{run_error}");
            Err(Outcome::BadInput)
        }
        Err(_) => {
            eprintln!("error: internal error in firedrill (this is a bug; please report it)");
            eprintln!("reproduce: {}", reproduce());
            Err(Outcome::InternalError)
        }
    }
}

/// `--runs N` above 1: the runs in parallel, then the study reports.
fn execute_study(
    args: &RunArgs,
    model: &crate::config::ModelConfig,
    scenario: &crate::config::ScenarioConfig,
    reproduce: &Reproduce,
    out: &OutDir,
) -> Outcome {
    // 0 asks rayon for one thread per core.
    let jobs = args
        .jobs
        .map_or(0, |j| usize::try_from(j).unwrap_or(usize::MAX));
    let total = u64::from(args.runs) * if args.control { 2 } else { 1 };
    let bar = super::progress::bar(total, "simulating");
    let result = guarded(
        || {
            crate::compare::control::run_study(
                model,
                scenario,
                &study::Plan {
                    base_seed: reproduce.seed,
                    runs: args.runs,
                    jobs,
                    fidelity: args.fidelity,
                },
                args.control,
                &|done| bar.set_position(u64::from(done)),
            )
        },
        || {
            format!(
                "one of the runs with seeds {} (run i: {} + i, with --runs 1)",
                crate::metrics::study::seed_range(
                    reproduce.seed,
                    study::run_seed(reproduce.seed, args.runs - 1)
                ),
                reproduce.seed
            )
        },
    );
    bar.finish_and_clear();
    let (summary, wall_s) = match result {
        Ok(done) => done,
        Err(outcome) => return outcome,
    };
    finish_study(&summary, reproduce, out.path(), wall_s)
}

/// Writes a study's reports, prints its summary and turns its SLO
/// verdicts (on the means) into an outcome.
pub(super) fn finish_study(
    summary: &crate::metrics::StudySummary,
    reproduce: &Reproduce,
    dir: &Path,
    wall_s: f64,
) -> Outcome {
    let report_files = match report::write_study_reports(dir, summary, reproduce) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: cannot write reports to {}: {error}", dir.display());
            return Outcome::BadInput;
        }
    };
    let footer = terminal::Footer {
        wall_s,
        report_files,
    };
    let text = terminal::render_study(summary, reproduce, terminal::colour_wanted(), &footer);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    // A study's experiment is run 0's, as in its report.
    if summary.all_slos_pass() && !summary.first.experiment.failed() {
        Outcome::Pass
    } else {
        Outcome::SloViolated
    }
}

/// Everything after the simulation: write the reports, print the summary,
/// turn the SLO verdicts into an outcome. Separate from [`execute`] so it
/// can be tested on a hand-made summary.
fn finish(
    summary: &RunSummary,
    reproduce: &Reproduce,
    dir: &Path,
    wall_s: f64,
    stdout: &mut dyn Write,
) -> Outcome {
    let report_files = match report::write_reports(dir, summary, reproduce) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: cannot write reports to {}: {error}", dir.display());
            return Outcome::BadInput;
        }
    };
    let footer = terminal::Footer {
        wall_s,
        report_files,
    };
    let colour = terminal::colour_wanted();
    // Write errors are ignored: `print!` would panic on a closed pipe
    // (`firedrill run ... | head -3`), and a reader that stopped listening
    // is no reason to fail a run whose reports are already written.
    let _ = stdout.write_all(terminal::render(summary, reproduce, colour, &footer).as_bytes());
    let _ = stdout.flush();
    Outcome::of_run(summary)
}

/// `reports/<model>/<scenario>`, with each name reduced to a safe single
/// path component: names come from user files and must not climb out of
/// `reports/` or create nested folders.
pub fn default_report_dir(model: &str, scenario: &str) -> PathBuf {
    Path::new("reports")
        .join(path_component(model))
        .join(path_component(scenario))
}

fn path_component(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(pass: bool) -> RunSummary {
        use crate::metrics::*;
        let mut slo = std::collections::BTreeMap::new();
        let verdict = SloVerdict {
            target: 0.999,
            actual: Some(0.99),
            pass,
        };
        slo.insert("availability".to_string(), verdict);
        RunSummary {
            firedrill_version: "0.0.0".into(),
            model: "m".into(),
            scenario: "s".into(),
            seed: 5,
            fidelity: "request",
            horizon_s: 60.0,
            requests: RequestCounts::default(),
            availability: AvailabilitySummary {
                request: 0.99,
                time: 1.0,
                longest_outage_s: 0.0,
                recoveries: Vec::new(),
            },
            data_loss: DataLossSummary::default(),
            latency_ms: None,
            errors_by_cause: Default::default(),
            slo,
            cost: CostSummary::default(),
            experiment: Default::default(),
            timeline: Default::default(),
            sessions: None,
            load: None,
            amplification: None,
            engine: EngineStats::default(),
            detail: RunDetail::default(),
        }
    }

    fn reproduce() -> Reproduce {
        Reproduce {
            model_path: "m.yaml".into(),
            scenario_path: "s.yaml".into(),
            seed: 5,
            fidelity: None,
        }
    }

    #[test]
    fn finish_writes_reports_and_maps_slos_to_exit_codes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested/out");
        let outcome = finish(&summary(false), &reproduce(), &out, 0.1, &mut Vec::new());
        assert_eq!(outcome, Outcome::SloViolated);
        let json = std::fs::read_to_string(out.join("report.json")).unwrap();
        assert!(json.contains("\"seed\": 5"));
        assert!(out.join("report.md").exists());
        assert!(out.join("report.html").exists());
        assert_eq!(
            finish(&summary(true), &reproduce(), &out, 0.1, &mut Vec::new()),
            Outcome::Pass
        );
    }

    #[test]
    fn finish_reports_unwritable_directory_as_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let outcome = finish(&summary(true), &reproduce(), &file, 0.1, &mut Vec::new());
        assert_eq!(outcome, Outcome::BadInput);
    }

    #[test]
    fn default_report_dir_uses_names() {
        assert_eq!(
            default_report_dir("wordpress-multi-az", "az-power-interruption"),
            Path::new("reports/wordpress-multi-az/az-power-interruption")
        );
    }

    #[test]
    fn default_report_dir_cannot_escape() {
        assert_eq!(
            default_report_dir("../etc", ".."),
            Path::new("reports/.._etc/_")
        );
        assert_eq!(default_report_dir("a/b", ""), Path::new("reports/a_b/_"));
    }
}
