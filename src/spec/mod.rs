//! Model and scenario files: raw serde types (`raw`, `raw_scenario`) that
//! mirror the files, unit parsers (`units`, `dist_spec`), then validation
//! (`model`, `components`, `database`, `path`, `scenario`, `faults`) into
//! [`crate::config`]. Every problem is a [`Diagnostic`] with file, line,
//! column and what was expected; nothing here panics on user input.
//! The syntax is documented in docs/file-format.md.

mod admission;
mod auto_scaling;
mod breaker;
mod capacity_faults;
mod components;
mod context;
mod data_faults;
mod database;
mod diagnostics;
mod dist_spec;
mod fault_keys;
mod faults;
mod faults_deploy;
mod faults_gray;
mod faults_load;
mod keyed_cache;
mod lifecycle_faults;
mod load;
mod model;
mod nested;
mod overload;
pub mod overrides;
mod path;
pub mod raw;
pub mod raw_random;
pub mod raw_scenario;
mod scaling_policy;
mod scenario;
mod sticky;
pub mod suite;
pub mod timeline;
pub mod units;

use std::path::Path;

use crate::config::{ModelConfig, ScenarioConfig};

pub use diagnostics::Diagnostic;

/// What a file is, decided by its top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Model,
    Scenario,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Model => "model",
            FileKind::Scenario => "scenario",
        })
    }
}

pub fn load_model(path: &Path) -> Result<ModelConfig, Diagnostic> {
    let text = load::read(path)?;
    load_model_str(&text, &load::display_name(path))
}

pub fn load_scenario(path: &Path) -> Result<ScenarioConfig, Diagnostic> {
    let text = load::read(path)?;
    load_scenario_str(&text, &load::display_name(path))
}

/// Parses and validates a model given as text; `file_name` is used in
/// diagnostics and chooses JSON when it ends in `.json`.
pub fn load_model_str(text: &str, file_name: &str) -> Result<ModelConfig, Diagnostic> {
    let raw = load::parse::<raw::RawModel>(text, file_name)?;
    model::validate(file_name, raw)
}

/// Parses and validates a scenario given as text (see [`load_model_str`]).
pub fn load_scenario_str(text: &str, file_name: &str) -> Result<ScenarioConfig, Diagnostic> {
    let raw = load::parse::<raw_scenario::RawScenario>(text, file_name)?;
    scenario::validate(file_name, raw)
}

/// Validates a model or scenario file, deciding which by its keys.
pub fn validate_file(path: &Path) -> Result<FileKind, Diagnostic> {
    let text = load::read(path)?;
    validate_str(&text, &load::display_name(path))
}

/// [`validate_file`] on text.
pub fn validate_str(text: &str, file_name: &str) -> Result<FileKind, Diagnostic> {
    let keys = load::top_level_keys(text, file_name)?;
    let has = |k: &str| keys.iter().any(|key| key == k);
    if has("components") {
        load_model_str(text, file_name).map(|_| FileKind::Model)
    } else if has("horizon") || has("workload") {
        load_scenario_str(text, file_name).map(|_| FileKind::Scenario)
    } else {
        Err(Diagnostic::new(
            file_name,
            1,
            1,
            "cannot tell what this file is: expected a model (with a top-level `components:` key) or a scenario (with `horizon:` and `workload:`)",
        ))
    }
}
