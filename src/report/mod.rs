//! Reports: pure functions of a [`RunSummary`], [`StudySummary`] or
//! [`Comparison`] (plus, for the human-facing ones, the command that
//! reproduces the run); none sees live simulation state.
//!
//! The human-facing reports go through one document model, in three
//! layers (each file uses only files in the layers below it, which
//! `tests/layers.rs` checks):
//!
//! 1. [`document`] (sections, tables, key-value rows, styled lines, charts
//!    as data), [`format`] (numbers in units people read) and
//!    [`reproduce`] (the replay command).
//! 2. Builders that compute every figure once: [`run`] (a run's or study's
//!    report, with [`study`] and [`figures`]), [`comparison`] (several
//!    designs), and the terminal's shorter views [`run_digest`] and
//!    [`comparison_digest`].
//! 3. Writers that only walk a document: [`markdown`] (`report.md`),
//!    [`html`] (`report.html`, self-contained, SVG from [`charts`]) and
//!    [`terminal`] (the summary printed after `firedrill run` or
//!    `firedrill compare`).
//!
//! Beside them, writers with their own formats: [`json`] (`report.json`,
//! canonical and byte-stable, for machines), [`state`] and [`timeline`]
//! (`firedrill replay --until`), [`trace`] (the event trace).
//!
//! Files are written with [`write_atomic`], so a report directory never
//! holds a half-written file even if the process is killed mid-write.

pub mod amplification;
pub mod charts;
pub mod comparison;
pub mod comparison_digest;
pub mod document;
pub mod figures;
pub mod format;
pub mod html;
pub mod json;
pub mod load;
pub mod markdown;
pub mod out_dir;
pub mod reproduce;
pub mod run;
pub mod run_digest;
pub mod state;
pub mod study;
pub mod terminal;
pub mod timeline;
pub mod trace;

use std::io::Write as _;

use sha2::Digest as _;
use std::path::{Path, PathBuf};

use crate::metrics::{Comparison, RunSummary, StudySummary};
pub use reproduce::Reproduce;

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
    write_all(
        dir,
        &json::render(summary),
        &run::document(summary, reproduce),
    )
}

/// [`write_reports`] for a study (`--runs` above 1).
pub fn write_study_reports(
    dir: &Path,
    study: &StudySummary,
    reproduce: &Reproduce,
) -> std::io::Result<Vec<PathBuf>> {
    write_all(
        dir,
        &json::render_study(study),
        &run::study_document(study, reproduce),
    )
}

/// Writes a comparison's `report.json`, `report.md` and `report.html`
/// into `dir`.
pub fn write_comparison_reports(dir: &Path, c: &Comparison) -> std::io::Result<Vec<PathBuf>> {
    write_all(dir, &json::render_comparison(c), &comparison::document(c))
}

/// Writes `json` and the document, built once, as Markdown and HTML.
///
/// The three are one set: `SHA256SUMS` (the format `sha256sum -c` checks)
/// is removed before the first file changes and written after the last,
/// so a run killed between two renames, or stopped by a full disk, leaves
/// a directory with no checksums rather than a new report.json beside old
/// Markdown and HTML that claim to belong together. Readers that need a
/// consistent set trust a directory only when `sha256sum -c SHA256SUMS`
/// passes.
fn write_all(dir: &Path, json: &str, doc: &document::Document) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    match std::fs::remove_file(dir.join(CHECKSUMS_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let (markdown, html) = (markdown::write(doc), html::write(doc));
    let files = [
        (JSON_FILE, json),
        (MARKDOWN_FILE, markdown.as_str()),
        (HTML_FILE, html.as_str()),
    ];
    let mut sums = String::new();
    let mut paths = Vec::with_capacity(files.len());
    for (name, text) in &files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        failpoint(name);
        sums.push_str(&format!(
            "{:x}  {name}\n",
            sha2::Sha256::digest(text.as_bytes())
        ));
        paths.push(path);
    }
    write_atomic(&dir.join(CHECKSUMS_FILE), sums.as_bytes())?;
    Ok(paths)
}

/// The checksums that mark a complete report set.
pub const CHECKSUMS_FILE: &str = "SHA256SUMS";

/// Crash testing: with `FIREDRILL_FAILPOINT=after:NAME` the process
/// aborts (no unwinding, no cleanup, as a SIGKILL would leave things)
/// right after `NAME` is renamed into place. The tests kill runs here.
fn failpoint(name: &str) {
    if let Some(point) = std::env::var_os("FIREDRILL_FAILPOINT") {
        if point.to_str().and_then(|p| p.strip_prefix("after:")) == Some(name) {
            std::process::abort();
        }
    }
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
