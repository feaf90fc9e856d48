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
