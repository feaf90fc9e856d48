//! Report writers. Each is a pure function of a [`RunSummary`] (plus, for
//! the human-facing ones, the command that reproduces the run); none sees
//! live simulation state.
//!
//! * [`json`]: `report.json`, canonical and byte-stable, for machines.
//! * [`markdown`]: `report.md`, for people and pull-request comments.
//! * [`html`]: `report.html`, self-contained (inline CSS and SVG charts
//!   from [`charts`], no scripts, nothing fetched), for people.
//! * [`terminal`]: the aligned summary printed after `firedrill run`.
//!
//! `report.md` and `report.html` render the same tables, built once in
//! [`sections`] (and [`compare`] for comparisons).
//!
//! Files are written with [`write_atomic`], so a report directory never
//! holds a half-written file even if the process is killed mid-write.

pub mod charts;
pub mod compare;
pub mod comparison;
pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sections;
pub mod state;
pub mod study;
pub mod terminal;
pub mod timeline;
pub mod trace;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::metrics::{Comparison, RunSummary, StudySummary};

/// The command line that reproduces a run, printed by every human-facing
/// writer so a failure can be replayed exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reproduce {
    pub model_path: String,
    pub scenario_path: String,
    pub seed: u64,
    /// `--fidelity` when the user chose one (`request` / `fluid`); `None`
    /// for the default `auto`, which resolves the same way every time.
    pub fidelity: Option<&'static str>,
}

impl std::fmt::Display for Reproduce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "firedrill run {} --scenario {} --seed {}",
            format::shell_quote(&self.model_path),
            format::shell_quote(&self.scenario_path),
            self.seed
        )?;
        match self.fidelity {
            Some(fidelity) => write!(f, " --fidelity {fidelity}"),
            None => Ok(()),
        }
    }
}

/// File names inside a report directory.
pub const JSON_FILE: &str = "report.json";
pub const MARKDOWN_FILE: &str = "report.md";
pub const HTML_FILE: &str = "report.html";

/// Writes `report.json`, `report.md` and `report.html` into `dir` (created
/// if missing) and returns their paths.
pub fn write_reports(
    dir: &Path,
    summary: &RunSummary,
    reproduce: &Reproduce,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json_path = dir.join(JSON_FILE);
    write_atomic(&json_path, json::render(summary).as_bytes())?;
    let markdown_path = dir.join(MARKDOWN_FILE);
    write_atomic(
        &markdown_path,
        markdown::render(summary, reproduce).as_bytes(),
    )?;
    let html_path = dir.join(HTML_FILE);
    write_atomic(&html_path, html::render_run(summary, reproduce).as_bytes())?;
    Ok(vec![json_path, markdown_path, html_path])
}

/// [`write_reports`] for a study (`--runs` above 1).
pub fn write_study_reports(
    dir: &Path,
    study: &StudySummary,
    reproduce: &Reproduce,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json_path = dir.join(JSON_FILE);
    write_atomic(&json_path, json::render_study(study).as_bytes())?;
    let markdown_path = dir.join(MARKDOWN_FILE);
    write_atomic(
        &markdown_path,
        markdown::render_study(study, reproduce).as_bytes(),
    )?;
    let html_path = dir.join(HTML_FILE);
    write_atomic(&html_path, html::render_study(study, reproduce).as_bytes())?;
    Ok(vec![json_path, markdown_path, html_path])
}

/// Writes a comparison's `report.json`, `report.md` and `report.html`
/// into `dir`.
pub fn write_comparison_reports(dir: &Path, c: &Comparison) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json_path = dir.join(JSON_FILE);
    write_atomic(&json_path, json::render_comparison(c).as_bytes())?;
    let markdown_path = dir.join(MARKDOWN_FILE);
    write_atomic(&markdown_path, markdown::render_comparison(c).as_bytes())?;
    let html_path = dir.join(HTML_FILE);
    write_atomic(&html_path, html::render_comparison(c).as_bytes())?;
    Ok(vec![json_path, markdown_path, html_path])
}

/// Replaces `path` with `bytes` all at once: the bytes go to a temporary
/// file in the same directory (so the rename cannot cross file systems),
/// are flushed to disk, and the file is renamed over `path`. Readers see the
/// old file or the new one, never a torn one; a crash leaves at most a
/// stray `.tmp` file, which `tempfile` removes on unwinding.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".firedrill-").suffix(".tmp");
    // tempfile creates files readable by the owner only; a report is meant
    // to be shared, so ask for the usual 0666 and let the umask trim it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduce_command_quotes_odd_paths() {
        let reproduce = Reproduce {
            model_path: "models/my model.yaml".into(),
            scenario_path: "scenarios/az.yaml".into(),
            seed: 7,
            fidelity: None,
        };
        assert_eq!(
            reproduce.to_string(),
            "firedrill run 'models/my model.yaml' --scenario scenarios/az.yaml --seed 7"
        );
        let fluid = Reproduce {
            fidelity: Some("fluid"),
            ..reproduce
        };
        assert!(fluid.to_string().ends_with("--seed 7 --fidelity fluid"));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }
}
