//! The directory a command writes its reports into, claimed before the
//! simulation starts.
//!
//! - **Checked first.** The directory is created and a probe file written
//!   and removed before anything is simulated, so an unwritable `--out`
//!   fails in milliseconds with exit 2, not after a six-hour run.
//! - **One writer at a time.** An advisory lock on `.firedrill.lock` in the
//!   directory is held from the check until the reports are written; a
//!   second command on the same directory fails at once with a message
//!   naming it, instead of interleaving its files with the first one's
//!   (two concurrent runs left a new report.json beside old Markdown and
//!   HTML one time in twelve). The lock is the operating system's (`flock`
//!   on Unix), so a killed writer never leaves it held.
//! - **Stale temporaries removed.** Once the lock is held no other firedrill
//!   is writing here, so any `.firedrill-*.tmp` left by a killed run
//!   (reports and replay traces are written to such files and renamed into
//!   place) is garbage and is deleted.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside a report directory.
pub const LOCK_FILE: &str = ".firedrill.lock";

/// A report directory this process may write, until dropped.
#[derive(Debug)]
pub struct OutDir {
    path: PathBuf,
    _lock: File,
    /// Stale temporary files removed when it was claimed.
    pub removed: Vec<PathBuf>,
}

impl OutDir {
    /// Creates `dir` if needed, checks that it can be written, takes its
    /// lock and removes stale temporary files. The error says what went
    /// wrong with `dir`, ready to print after "error: ".
    pub fn claim(dir: &Path) -> Result<OutDir, String> {
        let shown = dir.display();
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the report directory {shown}: {e}"))?;
        let probe = tempfile::Builder::new()
            .prefix(".firedrill-probe-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| format!("cannot write reports to {shown}: {e}"))?;
        drop(probe);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(|e| format!("cannot write reports to {shown}: {e}"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(format!(
                    "another firedrill is writing reports to {shown}: wait for it to finish or choose another --out"
                ))
            }
            Err(TryLockError::Error(e)) => {
                return Err(format!("cannot lock the report directory {shown}: {e}"))
            }
        }
        let removed = remove_stale_temporaries(dir);
        Ok(OutDir {
            path: dir.to_path_buf(),
            _lock: lock,
            removed,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Deletes `.firedrill-*.tmp` files in `dir` (the lock is held: none is
/// being written) and returns the ones it removed, in name order.
fn remove_stale_temporaries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".firedrill-") && n.ends_with(".tmp"))
        })
        .collect();
    stale.sort();
    stale.retain(|p| std::fs::remove_file(p).is_ok());
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_fails_while_the_first_is_held_and_succeeds_after() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutDir::claim(dir.path()).unwrap();
        let second = OutDir::claim(dir.path()).unwrap_err();
        assert!(second.contains("another firedrill"), "{second}");
        drop(first);
        OutDir::claim(dir.path()).unwrap();
    }

    #[test]
    fn stale_temporaries_go_and_other_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".firedrill-abc.tmp",
            ".firedrill-trace-x.tmp",
            "keep.tmp",
            "report.json",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let claimed = OutDir::claim(dir.path()).unwrap();
        let names: Vec<_> = claimed
            .removed
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names, [".firedrill-abc.tmp", ".firedrill-trace-x.tmp"]);
        assert!(dir.path().join("keep.tmp").exists());
        assert!(dir.path().join("report.json").exists());
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_directory_is_refused() {
        // Root ignores permission bits; a path under a file cannot be a
        // directory for anyone.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let e = OutDir::claim(&file.join("out")).unwrap_err();
        assert!(e.contains("cannot create the report directory"), "{e}");
    }
}
