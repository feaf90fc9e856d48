//! `firedrill check [--suite FILE] [--junit FILE] [--markdown FILE]
//! [--baseline FILE] [--update-baseline]`.

use std::io::Write as _;

use super::args::CheckArgs;
use super::run::guarded;
use super::{progress, Outcome};
use crate::check::{self, baseline::Baseline, CheckError};
use crate::report;
use crate::spec::suite;

pub fn execute(args: &CheckArgs) -> Outcome {
    let suite = match suite::load_suite(&args.suite) {
        Ok(s) => s,
        Err(diagnostic) => {
            eprintln!("{diagnostic}");
            return Outcome::BadInput;
        }
    };
    let baseline_path = args.baseline.clone().or_else(|| suite.baseline.clone());
    if args.update_baseline && baseline_path.is_none() {
        eprintln!(
            "error: --update-baseline needs a file: pass --baseline FILE or set `baseline:` in {}",
            suite.file
        );
        return Outcome::BadInput;
    }
    let baseline = match (&baseline_path, args.update_baseline) {
        (Some(path), false) => {
            let name = path.display().to_string();
            let loaded = crate::input::read_text(path)
                .map_err(|e| {
                    format!(
                        "error: cannot read baseline {name}: {e} (create it with --update-baseline)"
                    )
                })
                .and_then(|text| Baseline::parse(&text, &name));
            match loaded {
                Ok(b) => Some(b),
                Err(message) => {
                    eprintln!("{message}");
                    return Outcome::BadInput;
                }
            }
        }
        _ => None,
    };
    let jobs = args
        .jobs
        .map_or(0, |j| usize::try_from(j).unwrap_or(usize::MAX));
    let runs: Vec<u64> = suite.cases.iter().map(|c| u64::from(c.runs)).collect();
    let bar = progress::bar(runs.iter().sum(), "checking");
    let result = guarded(
        || {
            check::run_suite(&suite, jobs, baseline.as_ref(), &|case, done| {
                bar.set_position(runs[..case].iter().sum::<u64>() + u64::from(done))
            })
            .map_err(|e| match e {
                CheckError::Run(r) => r,
                CheckError::Input(diagnostics) => crate::run::RunError {
                    pos: None,
                    message: diagnostics
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                },
            })
        },
        || format!("firedrill check --suite {}", args.suite.display()),
    );
    bar.finish_and_clear();
    let (result, _wall_s) = match result {
        Ok(done) => done,
        Err(outcome) => return outcome,
    };

    let mut outputs = Vec::new();
    if let Some(path) = &args.junit {
        outputs.push((path.clone(), check::junit::render(&result)));
    }
    if let Some(path) = &args.markdown {
        outputs.push((path.clone(), check::markdown::render(&result)));
    }
    if args.update_baseline {
        if let Some(path) = &baseline_path {
            outputs.push((path.clone(), Baseline::of(&result).render()));
        }
    }
    for (path, text) in &outputs {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(error) = report::write_atomic(path, text.as_bytes()) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return Outcome::BadInput;
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(check::markdown::terminal(&result).as_bytes());
    for (path, _) in &outputs {
        let _ = writeln!(stdout, "wrote: {}", path.display());
    }
    let _ = stdout.flush();
    if result.passed() {
        Outcome::Pass
    } else {
        Outcome::SloViolated
    }
}
