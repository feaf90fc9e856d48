//! Suite files (`firedrill.yaml`): the model × scenario pairs a CI gate
//! runs, with their runs and SLOs. Paths are relative to the suite file.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::diagnostics::Diagnostic;
use super::raw_scenario::RawSlo;
use crate::config::SloConfig;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    /// Runs per case unless the case says otherwise.
    runs: Option<Spanned<u32>>,
    /// Base seed for every case (default: each scenario's seed, else 1).
    seed: Option<u64>,
    /// Default baseline file, relative to the suite.
    baseline: Option<String>,
    cases: Vec<Spanned<RawCase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    /// Optional label; defaults to `model × scenario`.
    name: Option<String>,
    model: String,
    scenario: String,
    runs: Option<Spanned<u32>>,
    /// Replaces the scenario's SLOs for this case.
    slo: Option<RawSlo>,
}

/// A suite, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Suite {
    pub file: String,
    pub seed: Option<u64>,
    pub baseline: Option<PathBuf>,
    pub cases: Vec<Case>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub name: Option<String>,
    /// Resolved against the suite file's directory.
    pub model: PathBuf,
    pub scenario: PathBuf,
    pub runs: u32,
    pub slo: Option<SloConfig>,
    /// Where the case is in the suite file.
    pub line: u32,
    pub column: u32,
}

/// Runs per case when neither the case nor the suite says.
pub const DEFAULT_RUNS: u32 = 20;

pub fn load_suite(path: &Path) -> Result<Suite, Diagnostic> {
    let text = super::load::read(path)?;
    load_suite_str(&text, &super::load::display_name(path), path.parent())
}

/// Parses a suite given as text; relative paths resolve against `dir`.
pub fn load_suite_str(text: &str, file: &str, dir: Option<&Path>) -> Result<Suite, Diagnostic> {
    let raw: RawSuite = super::load::parse(text, file)?;
    let resolve = |p: &str| match dir {
        Some(d) if !d.as_os_str().is_empty() => d.join(p),
        _ => PathBuf::from(p),
    };
    let runs_of = |r: &Option<Spanned<u32>>, default: u32| -> Result<u32, Diagnostic> {
        match r {
            Some(r) if r.value == 0 => Err(Diagnostic::at(
                file,
                &r.referenced,
                "expected `runs` of at least 1".to_string(),
            )),
            Some(r) => Ok(r.value),
            None => Ok(default),
        }
    };
    let suite_runs = runs_of(&raw.runs, DEFAULT_RUNS)?;
    if raw.cases.is_empty() {
        return Err(Diagnostic::new(
            file,
            1,
            1,
            "expected at least one entry under `cases:` (each with `model:` and `scenario:`)",
        ));
    }
    let mut cases = Vec::with_capacity(raw.cases.len());
    for case in &raw.cases {
        let at = Diagnostic::at(file, &case.referenced, "");
        let c = &case.value;
        cases.push(Case {
            name: c.name.clone(),
            model: resolve(&c.model),
            scenario: resolve(&c.scenario),
            runs: runs_of(&c.runs, suite_runs)?,
            slo: c.slo.as_ref().map(|s| SloConfig {
                availability: s.availability.map(|a| a.0),
                latency_p99: s.latency_p99.map(|d| d.0),
                writes_lost: s.writes_lost,
            }),
            line: at.line,
            column: at.column,
        });
    }
    Ok(Suite {
        file: file.to_string(),
        seed: raw.seed,
        baseline: raw.baseline.as_deref().map(resolve),
        cases,
    })
}
