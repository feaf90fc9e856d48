//! `firedrill compare MODEL... --scenario S [--scenario S2] [--runs N]`.

use std::io::Write as _;
use std::path::PathBuf;

use super::args::CompareArgs;
use super::run::guarded;
use super::{progress, Outcome};
use crate::compare::{self, Input, Plan};
use crate::report::{self, terminal};
use crate::spec;

pub fn execute(args: &CompareArgs) -> Outcome {
    // Every file is loaded before giving up, so one invocation shows every
    // file error.
    let mut failed = false;
    let mut models = Vec::new();
    for path in &args.models {
        match spec::load_model(path) {
            Ok(config) => models.push(Input {
                path: path.display().to_string(),
                config,
            }),
            Err(diagnostic) => {
                eprintln!("{diagnostic}");
                failed = true;
            }
        }
    }
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        match spec::load_scenario(path) {
            Ok(config) => scenarios.push(Input {
                path: path.display().to_string(),
                config,
            }),
            Err(diagnostic) => {
                eprintln!("{diagnostic}");
                failed = true;
            }
        }
    }
    if failed {
        return Outcome::BadInput;
    }
    if let Some(message) = duplicate_names(&models, &scenarios) {
        eprintln!("error: {message}");
        return Outcome::BadInput;
    }

    // Each request-level cell's work is known before anything starts
    // (`run/work.rs`), scenario by scenario over the designs.
    let runs = u64::from(args.runs) * if args.control { 2 } else { 1 };
    for scenario in &scenarios {
        let request_level = models.iter().filter(|m| {
            args.fidelity.resolve_for(&m.config, &scenario.config) == crate::run::Fidelity::Request
        });
        let cells = request_level.count() as u64;
        if cells == 0 {
            continue;
        }
        match crate::run::work::check(&scenario.config, runs * cells, args.force) {
            Err(refusal) => {
                eprintln!("{refusal}");
                return Outcome::BadInput;
            }
            Ok(Some(notice)) => eprintln!("{notice} for `{}`", scenario.config.name),
            Ok(None) => {}
        }
    }

    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join("compare"));
    // Claimed before simulating: an unwritable or busy --out fails now.
    let out = match super::run::claim(&dir) {
        Ok(out) => out,
        Err(outcome) => return outcome,
    };

    let plan = Plan {
        seed: args.seed,
        runs: args.runs,
        jobs: args
            .jobs
            .map_or(0, |j| usize::try_from(j).unwrap_or(usize::MAX)),
        control: args.control,
        fidelity: args.fidelity,
    };
    let per_cell = u64::from(args.runs) * if args.control { 2 } else { 1 };
    let cells = (models.len() * scenarios.len()) as u64;
    let bar = progress::bar(per_cell * cells, "simulating");
    let (comparison, wall_s) = match guarded(
        || {
            compare::compare(&models, &scenarios, plan, &|cell, done| {
                bar.set_position(cell as u64 * per_cell + u64::from(done));
            })
        },
        || {
            "firedrill compare with the same arguments (each run replays alone with `firedrill run MODEL --scenario S --seed N`)".to_string()
        },
    ) {
        Ok(done) => done,
        Err(outcome) => {
            bar.finish_and_clear();
            return outcome;
        }
    };
    bar.finish_and_clear();

    let dir = out.path();
    let report_files = match report::write_comparison_reports(dir, &comparison) {
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
    let text = terminal::render_comparison(&comparison, terminal::colour_wanted(), &footer);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    // Verdicts are the report's content: a comparison that ran is a success
    // even when some design misses its SLOs (that is what it is for).
    Outcome::Pass
}

/// Two inputs with the same name would make the report ambiguous.
fn duplicate_names(
    models: &[Input<crate::config::ModelConfig>],
    scenarios: &[Input<crate::config::ScenarioConfig>],
) -> Option<String> {
    fn first_repeat<'a>(names: impl Iterator<Item = (&'a str, &'a str)>) -> Option<String> {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (name, path) in names {
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == name) {
                return Some(format!(
                    "{path} and {other} are both named `{name}`; names label the report's rows and must differ"
                ));
            }
            seen.push((name, path));
        }
        None
    }
    first_repeat(
        models
            .iter()
            .map(|m| (m.config.name.as_str(), m.path.as_str())),
    )
    .or_else(|| {
        first_repeat(
            scenarios
                .iter()
                .map(|s| (s.config.name.as_str(), s.path.as_str())),
        )
    })
}
