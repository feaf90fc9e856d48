//! Model and scenario files: raw serde types, then validation into
//! [`crate::config`] (stub: filled by the spec work).

use std::path::Path;

use crate::config::{ModelConfig, ScenarioConfig};

/// A problem with an input file: where it is and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

pub fn load_model(_path: &Path) -> Result<ModelConfig, Diagnostic> {
    unimplemented!("spec work")
}

pub fn load_scenario(_path: &Path) -> Result<ScenarioConfig, Diagnostic> {
    unimplemented!("spec work")
}

/// What kind of file [`validate_file`] found.
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

/// Validates a model or a scenario file and says which it was.
///
/// Minimal version from the CLI branch, to be replaced by the spec work's
/// (which can tell the kind from the file's shape and report that kind's
/// errors): tries the file as a model, then as a scenario, and reports the
/// model error if neither fits.
pub fn validate_file(path: &Path) -> Result<FileKind, Diagnostic> {
    let model_error = match load_model(path) {
        Ok(_) => return Ok(FileKind::Model),
        Err(error) => error,
    };
    match load_scenario(path) {
        Ok(_) => Ok(FileKind::Scenario),
        Err(_) => Err(model_error),
    }
}
