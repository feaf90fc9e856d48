//! Command-line interface: `firedrill run`, `compare`, `study`, `merge`,
//! `check`, `replay`, `validate`, `graph` and `explain`.
//!
//! [`main`] parses arguments, runs one command and turns its outcome into a
//! process exit code with a fixed meaning (see [`Outcome`]), so CI can tell
//! "the design regressed" from "the input is wrong".

pub mod args;
mod check;
mod compare;
mod explain;
mod graph;
mod progress;
mod replay;
mod run;
mod study;
mod validate;

use std::panic::{catch_unwind, AssertUnwindSafe};

use clap::Parser as _;

use crate::metrics::RunSummary;
use args::{Cli, Command};

/// What a command came to; each maps to one exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Ran, and every SLO held (or every file was valid).
    Pass,
    /// Ran, and at least one SLO was violated.
    SloViolated,
    /// A file could not be read or understood, the scenario does not fit the
    /// model, the reports could not be written, or the usage was wrong.
    BadInput,
    /// firedrill itself failed (a panic): a bug, never the user's fault.
    InternalError,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Pass => 0,
            Outcome::SloViolated => 1,
            Outcome::BadInput => 2,
            // The code Rust itself uses for a panic, kept so wrappers that
            // already know it keep working.
            Outcome::InternalError => 101,
        }
    }

    /// The outcome of a finished run: pass only if every SLO held.
    pub fn of_run(summary: &RunSummary) -> Outcome {
        if summary.expectations_hold() {
            Outcome::Pass
        } else {
            Outcome::SloViolated
        }
    }
}

/// Writes to stdout, ignoring errors: `print!` panics when stdout is a
/// closed pipe (`firedrill run ... | head -3`), and a reader that stopped
/// listening is no reason to fail a run whose reports are already written.
fn print_stdout(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Parses `std::env::args`, runs the command and returns the exit code.
pub fn main() -> i32 {
    main_from(std::env::args_os())
}

/// [`main`] with explicit arguments (the first is the program name).
pub fn main_from<I, T>(arguments: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` arrive here too, with exit code 0;
            // real usage errors carry 2.
            let _ = error.print();
            return error.exit_code();
        }
    };
    // A panic is a firedrill bug. The default hook has already printed its
    // message; this turns it into a documented exit code instead of an abort
    // in the middle of a report.
    let outcome = catch_unwind(AssertUnwindSafe(|| match &cli.command {
        Command::Run(run_args) => run::execute(run_args),
        Command::Compare(compare_args) => compare::execute(compare_args),
        Command::Check(check_args) => check::execute(check_args),
        Command::Study(study_args) => study::execute(study_args),
        Command::Merge(merge_args) => study::execute_merge(merge_args),
        Command::Replay(replay_args) => replay::execute(replay_args),
        Command::Validate(validate_args) => validate::execute(validate_args),
        Command::Graph(graph_args) => graph::execute(graph_args),
        Command::Explain(explain_args) => explain::execute(explain_args),
    }))
    .unwrap_or_else(|_| {
        eprintln!("error: internal error in firedrill (this is a bug; please report it)");
        Outcome::InternalError
    });
    outcome.exit_code()
}
