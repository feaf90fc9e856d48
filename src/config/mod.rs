//! Resolved, validated configuration: what a model or scenario file means
//! once names are checked, units parsed and catalog defaults filled in.
//!
//! These types are plain data. `spec` builds them from files (and owns every
//! error message about files); `model`, `fault` and `run` read them. Nothing
//! here parses or simulates.

pub mod model;
pub mod scenario;

pub use model::*;
pub use scenario::*;

/// Where a value came from, so errors found after validation (a scenario
/// naming a component the model lacks) can still point at the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourcePos {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for SourcePos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A scenario that does not fit the model it is run against: the one
/// diagnostic of every stage after parsing (binding a scenario to a model,
/// building the world, resolving faults, running). Parse errors are
/// `spec::Diagnostic`s; both print `file:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindError {
    /// Where in the scenario the problem is, when known.
    pub pos: Option<SourcePos>,
    pub message: String,
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pos {
            Some(pos) => write!(f, "{}: {}", pos, self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for BindError {}
