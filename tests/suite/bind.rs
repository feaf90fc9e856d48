//! The bind stage (`firedrill::bind`): `validate --model` passes a scenario
//! exactly when `run` starts it, and a scenario that does not fit its model
//! gets the same `file:line:column: message` from `validate`, `run
//! --fidelity request` and `run --fidelity fluid`.

use crate::common::{firedrill, stderr};
use std::path::Path;

use firedrill::run::Simulation;
use firedrill::spec::{load_model, load_scenario};

/// Paths relative to the repository root, as a user types them.
fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .display()
        .to_string()
}

/// Every bundled model × scenario (`models/`, `scenarios/`,
/// `scenarios/incidents/`): `validate --model` exits 0 exactly when the
/// run's bind stage accepts the pair (a request-level `Simulation` starts:
/// nothing is refused after its first event), and each refusal is the run's
/// own message at its `file:line:column`. A misfit also fails the fluid
/// fidelity with the same message, unless that fidelity refuses the
/// scenario or model outright (it does so before binding, as before). 4
/// models × 18 scenarios = 72 pairs; both outcomes occur.
#[test]
fn validate_passes_a_scenario_exactly_when_run_starts_it() {
    let mut scenarios = crate::common::yaml_files("scenarios");
    scenarios.extend(crate::common::yaml_files("scenarios/incidents"));
    let models = crate::common::yaml_files("models");
    let (mut fits, mut misfits) = (0, 0);
    for m in &models {
        // Loaded by the relative paths the command line gets (tests run
        // from the repository root), so diagnostics name the same file.
        let mp = relative(m);
        let model = load_model(Path::new(&mp)).unwrap();
        for s in &scenarios {
            let sp = relative(s);
            let scenario = load_scenario(Path::new(&sp)).unwrap();
            let seed = scenario.seed.unwrap_or(1);
            let validate = firedrill(&["validate", "--model", &mp, &sp]);
            let started = Simulation::new(&model, &scenario, seed);
            let pair = format!("{mp} × {sp}");
            match started {
                Ok(_) => {
                    fits += 1;
                    assert_eq!(
                        validate.status.code(),
                        Some(0),
                        "{pair}: {}",
                        stderr(&validate)
                    );
                }
                Err(e) => {
                    misfits += 1;
                    assert_eq!(validate.status.code(), Some(2), "{pair}");
                    assert_eq!(stderr(&validate).trim_end(), e.to_string(), "{pair}");
                    // The fluid fidelity first refuses what it cannot run
                    // (that is about the fidelity, not the fit); then it
                    // binds, with the same error.
                    let fluid = firedrill::fluid::run_fluid(&model, &scenario, seed).unwrap_err();
                    let refusal = firedrill::fluid::unsupported(&scenario)
                        .or_else(|| firedrill::fluid::unsupported_model(&model));
                    assert_eq!(fluid, refusal.unwrap_or(e), "{pair}");
                }
            }
        }
    }
    assert_eq!(fits + misfits, models.len() * scenarios.len());
    assert!(fits > 0 && misfits > 0, "fits {fits}, misfits {misfits}");
}

/// One misfit end to end through the command line: the database scenario
/// against the one-tier benchmark model, which has no database. `validate`,
/// `run --fidelity request` and `run --fidelity fluid` print the same
/// diagnostic, pointing into the scenario, and exit 2. (Before the bind
/// stage `validate` had no `--model`: it could not tell.)
#[test]
fn a_misfit_gets_one_diagnostic_from_validate_and_both_fidelities() {
    let (m, s) = (
        "models/bench-reference.yaml",
        "scenarios/db-primary-failure.yaml",
    );
    let validate = firedrill(&["validate", "--model", m, s]);
    let request = firedrill(&["run", m, "--scenario", s, "--fidelity", "request"]);
    let fluid = firedrill(&["run", m, "--scenario", s, "--fidelity", "fluid"]);
    for out in [&validate, &request, &fluid] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    }
    let message = stderr(&validate);
    assert!(
        message.starts_with(&format!("{s}:")),
        "a file:line:column diagnostic: {message}"
    );
    let location: Vec<&str> = message.splitn(4, ':').collect();
    assert!(
        location[1].parse::<u32>().is_ok() && location[2].parse::<u32>().is_ok(),
        "{message}"
    );
    assert_eq!(stderr(&request), message);
    assert_eq!(stderr(&fluid), message);
}

/// A scenario that fits: `validate --model` says so on stdout, exit 0.
#[test]
fn validate_with_a_model_reports_a_fitting_scenario() {
    let out = firedrill(&[
        "validate",
        "--model",
        "models/bench-reference.yaml",
        "scenarios/bench-reference.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("ok  scenarios/bench-reference.yaml (scenario, fits model `"),
        "{stdout}"
    );
}
