//! Command-line interface (stub: filled by the CLI work).

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> i32 {
    0
}
