//! Reading input files (models, scenarios, suites, baselines, study parts)
//! without trusting them.
//!
//! Assumptions and limits:
//! - An input is a regular file (or a link to one). Anything else is
//!   refused before it is opened: a directory, a device (`/dev/zero` and
//!   `/dev/urandom` never end), a FIFO (opening one blocks until a writer
//!   appears, forever in a pipeline) or a socket.
//! - An input holds at most [`MAX_INPUT_BYTES`] (256 MiB): the YAML parser
//!   (serde-saphyr's default reader budget) refuses larger documents
//!   anyway, so reading past that only costs memory. The cap holds while
//!   reading, so a file that grows (or lies about its size) is stopped at
//!   the cap, not read to its end. The bundled files are under 40 KiB.
//! - Text is UTF-8, as YAML 1.2 and JSON require.

use std::io::Read;
use std::path::Path;

/// The most an input file may hold.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Why an input could not be read, in words for a diagnostic.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads `path` as UTF-8 text, within the limits above.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    read_text_capped(path, MAX_INPUT_BYTES)
}

fn read_text_capped(path: &Path, cap: u64) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError(e.to_string()))?;
    if !meta.is_file() {
        return Err(InputError(format!(
            "not a regular file ({}): expected a YAML or JSON file",
            kind(&meta.file_type())
        )));
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    let file = std::fs::File::open(path).map_err(|e| InputError(e.to_string()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    String::from_utf8(bytes).map_err(|e| {
        InputError(format!(
            "not UTF-8 text (invalid byte at offset {}): expected a YAML or JSON file",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn too_large(cap: u64) -> InputError {
    InputError(format!(
        "larger than {} MiB, the most firedrill reads from one file",
        cap / (1024 * 1024)
    ))
}

fn kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_cap_is_refused_without_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, vec![b'a'; 1025]).unwrap();
        let e = read_text_capped(&path, 1024).unwrap_err();
        assert!(e.0.contains("larger than"), "{e}");
        std::fs::write(&path, vec![b'a'; 1024]).unwrap();
        assert_eq!(read_text_capped(&path, 1024).unwrap().len(), 1024);
    }

    #[test]
    fn directories_and_devices_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text(dir.path()).unwrap_err();
        assert!(e.0.contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_text(Path::new("/dev/zero")).unwrap_err();
            assert!(e.0.contains("a device"), "{e}");
        }
    }

    #[test]
    fn binary_is_not_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.yaml");
        std::fs::write(&path, [b'a', 0xff, b'b']).unwrap();
        let e = read_text(&path).unwrap_err();
        assert!(e.0.contains("offset 1"), "{e}");
    }
}
