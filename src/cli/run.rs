//! `firedrill run MODEL --scenario SCENARIO [--seed N] [--out DIR]`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::args::RunArgs;
use super::Outcome;
use crate::report::{self, terminal, Reproduce};
use crate::{run, spec};

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
    };

    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| run::run(&model, &scenario, seed)));
    let wall_s = started.elapsed().as_secs_f64();
    let summary = match result {
        Ok(Ok(summary)) => summary,
        Ok(Err(run_error)) => {
            eprintln!("{run_error}");
            return Outcome::BadInput;
        }
        Err(_) => {
            // The seed makes the crash reproducible: say how.
            eprintln!("error: internal error in firedrill (this is a bug; please report it)");
            eprintln!("reproduce: {reproduce}");
            return Outcome::InternalError;
        }
    };

    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_report_dir(&summary.model, &summary.scenario));
    let report_files = match report::write_reports(&dir, &summary, &reproduce) {
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
    print!(
        "{}",
        terminal::render(&summary, &reproduce, colour, &footer)
    );
    Outcome::of_run(&summary)
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
