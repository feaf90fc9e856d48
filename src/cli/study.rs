//! `firedrill study` (a study, or one shard of it) and `firedrill merge`.
//!
//! Shard `i` of `n` runs the contiguous slice of run indices
//! [`study::shard_range`] gives, with the same seeds the whole study would
//! use, and writes a part file. `merge` checks that the parts come from the
//! same inputs and cover every run exactly once, re-simulates run 0 for the
//! single-run sections, and writes the reports the whole study run on one
//! machine writes, byte for byte.

use std::path::{Path, PathBuf};

use super::args::{MergeArgs, StudyArgs};
use super::run::{finish_study, guarded, DEFAULT_SEED};
use super::{progress, Outcome};
use crate::report::{self, Reproduce};
use crate::run::{self, RunError};
use crate::spec;
use crate::study::{self, part};

pub fn execute(args: &StudyArgs) -> Outcome {
    let Some((index, count)) = args.shard else {
        return super::run::execute(&args.run);
    };
    let run_args = &args.run;
    let (model_text, scenario_text) = match (read(&run_args.model), read(&run_args.scenario)) {
        (Ok(m), Ok(s)) => (m, s),
        (m, s) => {
            for error in [m.err(), s.err()].into_iter().flatten() {
                eprintln!("{error}");
            }
            return Outcome::BadInput;
        }
    };
    let model_file = run_args.model.display().to_string();
    let scenario_file = run_args.scenario.display().to_string();
    let model = spec::load_model_str(&model_text, &model_file);
    let scenario = spec::load_scenario_str(&scenario_text, &scenario_file);
    let (model, scenario) = match (model, scenario) {
        (Ok(m), Ok(s)) => (m, s),
        (m, s) => {
            for diagnostic in [m.err(), s.err()].into_iter().flatten() {
                eprintln!("{diagnostic}");
            }
            return Outcome::BadInput;
        }
    };
    let seed = run_args.seed.or(scenario.seed).unwrap_or(DEFAULT_SEED);
    let runs = run_args.runs;
    let range = study::shard_range(runs, index - 1, count);
    let jobs = run_args
        .jobs
        .map_or(0, |j| usize::try_from(j).unwrap_or(usize::MAX));
    let bar = progress::bar(u64::from(range.end - range.start), "simulating");
    let result = guarded(
        || {
            study::run_part(
                &model,
                &scenario,
                &study::Plan {
                    base_seed: seed,
                    runs,
                    jobs,
                    fidelity: run_args.fidelity,
                },
                range.clone(),
                &|done| bar.set_position(u64::from(done)),
            )
        },
        || {
            format!(
                "one of the runs with seeds {}..{} (run i: {seed} + i, with --runs 1)",
                study::run_seed(seed, range.start),
                study::run_seed(seed, range.end)
            )
        },
    );
    bar.finish_and_clear();
    let (part, wall_s) = match result {
        Ok(done) => done,
        Err(outcome) => return outcome,
    };
    let inputs = part::Inputs {
        model_file,
        model_text,
        scenario_file,
        scenario_text,
        fidelity: run_args.fidelity.name().into(),
    };
    let file = part::to_file(&part, inputs, [index, count]);
    let out = run_args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("part-{index}-of-{count}.json")));
    // Compact: a part is for machines, and its histogram would take four
    // lines per bucket pretty-printed.
    let mut text = serde_json::to_string(&file)
        .unwrap_or_else(|error| unreachable!("part serialisation failed: {error}"));
    text.push('\n');
    if let Err(error) = report::write_atomic(&out, text.as_bytes()) {
        eprintln!("error: cannot write {}: {error}", out.display());
        return Outcome::BadInput;
    }
    println!(
        "shard {index}/{count}: runs {}..{} of {runs} (seeds {}) in {wall_s:.2} s",
        range.start,
        range.end,
        crate::metrics::study::seed_range(
            study::run_seed(seed, range.start),
            study::run_seed(seed, range.end.saturating_sub(1).max(range.start)),
        ),
    );
    println!("wrote: {}", out.display());
    println!("merge with: firedrill merge part-*-of-{count}.json");
    Outcome::Pass
}

fn read(path: &Path) -> Result<String, String> {
    crate::input::read_text(path).map_err(|e| format!("error: cannot read {}: {e}", path.display()))
}

pub fn execute_merge(args: &MergeArgs) -> Outcome {
    let mut parts = Vec::new();
    let mut inputs: Option<part::Inputs> = None;
    for path in &args.parts {
        let loaded = read(path).and_then(|text| {
            let file: part::PartFile = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}:{}:{}: not a study part file: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?;
            part::from_file(file).map_err(|e| format!("{}: {e}", path.display()))
        });
        let (p, i) = match loaded {
            Ok(loaded) => loaded,
            Err(message) => {
                eprintln!("{message}");
                return Outcome::BadInput;
            }
        };
        if let Some(first) = &inputs {
            let same = first.model_text == i.model_text
                && first.scenario_text == i.scenario_text
                && first.fidelity == i.fidelity;
            if !same {
                eprintln!(
                    "error: {} ran other inputs than {} (model, scenario or fidelity differ); \
                     parts of one study must come from the same files",
                    path.display(),
                    args.parts[0].display()
                );
                return Outcome::BadInput;
            }
        } else {
            inputs = Some(i);
        }
        parts.push(p);
    }
    let Some(inputs) = inputs else {
        return Outcome::BadInput;
    };
    let model = spec::load_model_str(&inputs.model_text, &inputs.model_file);
    let scenario = spec::load_scenario_str(&inputs.scenario_text, &inputs.scenario_file);
    let (model, scenario) = match (model, scenario) {
        (Ok(m), Ok(s)) => (m, s),
        (m, s) => {
            for diagnostic in [m.err(), s.err()].into_iter().flatten() {
                eprintln!("{diagnostic}");
            }
            return Outcome::BadInput;
        }
    };
    let base_seed = parts[0].base_seed;
    // The names `--fidelity` takes, parsed by the same clap value enum.
    let fidelity = match <run::Fidelity as clap::ValueEnum>::from_str(&inputs.fidelity, false) {
        Ok(fidelity) => fidelity,
        Err(_) => {
            eprintln!(
                "error: {}: unknown fidelity `{}`",
                args.parts[0].display(),
                inputs.fidelity
            );
            return Outcome::BadInput;
        }
    };
    let reproduce = Reproduce {
        model_path: inputs.model_file.clone(),
        scenario_path: inputs.scenario_file.clone(),
        seed: base_seed,
        fidelity: match fidelity {
            run::Fidelity::Auto => None,
            chosen => Some(chosen.name()),
        },
    };
    let result = guarded(
        || {
            // Run 0 again for the single-run sections; its figures must
            // match what its shard recorded, or the binaries differ.
            let mut first = run::run_with(&model, &scenario, base_seed, fidelity)?;
            first.detail.latency_histogram = None;
            let holder = parts
                .iter_mut()
                .find(|p| p.start == 0 && p.end > 0)
                .ok_or_else(|| RunError {
                    pos: None,
                    message: "error: no part holds run 0".into(),
                })?;
            let recorded = serde_json::to_string(&part::FigureRow::from(&holder.figures[0]));
            let now = serde_json::to_string(&part::FigureRow::from(
                &crate::metrics::RunFigures::of(&first),
            ));
            if recorded.ok() != now.ok() {
                return Err(RunError {
                    pos: None,
                    message: "error: run 0 re-simulated here differs from its shard's record: \
                              the parts were made by another firedrill version"
                        .into(),
                });
            }
            holder.first = Some(first);
            study::merge(std::mem::take(&mut parts)).map_err(|message| RunError {
                pos: None,
                message: format!("error: {message}"),
            })
        },
        || reproduce.to_string(),
    );
    let (summary, wall_s) = match result {
        Ok(done) => done,
        Err(outcome) => return outcome,
    };
    let dir = args.out.clone().unwrap_or_else(|| {
        super::run::default_report_dir(&summary.first.model, &summary.first.scenario)
    });
    let out = match super::run::claim(&dir) {
        Ok(out) => out,
        Err(outcome) => return outcome,
    };
    finish_study(&summary, &reproduce, out.path(), wall_s)
}
