//! `firedrill validate FILE...`: check files without running anything.

use super::args::ValidateArgs;
use super::Outcome;
use crate::spec;

/// Checks every file (not just up to the first bad one), so one run lists
/// every problem. Results go to stdout, diagnostics to stderr.
pub fn execute(args: &ValidateArgs) -> Outcome {
    let mut outcome = Outcome::Pass;
    for path in &args.files {
        match spec::validate_file(path) {
            Ok(kind) => super::print_stdout(&format!("ok  {} ({kind})\n", path.display())),
            Err(diagnostic) => {
                eprintln!("{diagnostic}");
                outcome = Outcome::BadInput;
            }
        }
    }
    outcome
}
