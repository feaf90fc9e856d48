//! `firedrill validate FILE... [--model MODEL [--seed N]]`: check files
//! without running anything; with `--model`, also bind each scenario to the
//! model exactly as `run` would (`bind::bind`), so `validate` passes a
//! scenario if and only if `run` starts it.

use std::path::Path;

use super::args::ValidateArgs;
use super::Outcome;
use crate::config::ModelConfig;
use crate::spec::{self, FileKind};

/// Checks every file (not just up to the first bad one), so one run lists
/// every problem. Results go to stdout, diagnostics to stderr.
pub fn execute(args: &ValidateArgs) -> Outcome {
    let mut outcome = Outcome::Pass;
    let model = match args.model.as_deref().map(spec::load_model) {
        None => None,
        Some(Ok(model)) => Some(model),
        Some(Err(diagnostic)) => {
            eprintln!("{diagnostic}");
            return Outcome::BadInput;
        }
    };
    for path in &args.files {
        match spec::validate_file(path) {
            Ok(FileKind::Scenario) if model.is_some() => {
                let model = model.as_ref().expect("checked");
                match bind(model, path, args.seed) {
                    Ok(()) => super::print_stdout(&format!(
                        "ok  {} (scenario, fits model `{}`)\n",
                        path.display(),
                        model.name
                    )),
                    Err(message) => {
                        eprintln!("{message}");
                        outcome = Outcome::BadInput;
                    }
                }
            }
            Ok(kind) => super::print_stdout(&format!("ok  {} ({kind})\n", path.display())),
            Err(diagnostic) => {
                eprintln!("{diagnostic}");
                outcome = Outcome::BadInput;
            }
        }
    }
    outcome
}

/// Binds the scenario at `path` to `model` with the seed `run` would use.
fn bind(model: &ModelConfig, path: &Path, seed: Option<u64>) -> Result<(), String> {
    let scenario = spec::load_scenario(path).map_err(|d| d.to_string())?;
    let seed = seed.or(scenario.seed).unwrap_or(super::run::DEFAULT_SEED);
    crate::bind::check(model, &scenario, seed).map_err(|e| e.to_string())
}
