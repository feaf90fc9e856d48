//! `firedrill explain SCENARIO --model MODEL [--seed N]`: the resolved
//! timeline of every scripted action (start after `after` chains, end, the
//! concrete targets the seed selects) and a summary of each random process.
//! Nothing is simulated; the same seed always prints the same text.

use std::fmt::Write as _;

use super::args::ExplainArgs;
use super::Outcome;
use crate::run::{self, Explanation, PreviewEnd};
use crate::spec;
use crate::time::{format_absolute, SimDuration};

pub fn execute(args: &ExplainArgs) -> Outcome {
    let model = spec::load_model(&args.model);
    let scenario = spec::load_scenario(&args.scenario);
    let (model, scenario) = match (model, scenario) {
        (Ok(m), Ok(s)) => (m, s),
        (model, scenario) => {
            for diagnostic in [model.err(), scenario.err()].into_iter().flatten() {
                eprintln!("{diagnostic}");
            }
            return Outcome::BadInput;
        }
    };
    let seed = args
        .seed
        .or(scenario.seed)
        .unwrap_or(super::run::DEFAULT_SEED);
    match run::explain(&model, &scenario, seed) {
        Ok(explanation) => {
            let header = format!(
                "{} × {} (seed {seed}, horizon {})\n",
                model.name,
                scenario.name,
                duration(explanation.horizon_s)
            );
            super::print_stdout(&(header + &render(&explanation)));
            Outcome::Pass
        }
        Err(e) => {
            eprintln!("{e}");
            Outcome::BadInput
        }
    }
}

/// The explanation as text (tested through the binary in tests/suite/explain.rs).
pub fn render(e: &Explanation) -> String {
    let mut out = String::new();
    if let Some(start) = e.start {
        let _ = writeln!(out, "\nstarts {start} (time 0)");
    }
    if !e.phases.is_empty() {
        out.push_str("\nphases:\n");
        for p in &e.phases {
            let _ = writeln!(
                out,
                "  {:>10}  {:<26}{}",
                duration(p.at.as_secs_f64()),
                p.name,
                absolute(e, p.at)
            );
        }
    }
    out.push_str("\nscripted faults:\n");
    if e.scripted.is_empty() {
        out.push_str("  (none)\n");
    }
    for f in &e.scripted {
        let start = f.start.map_or("never starts".to_string(), |s| {
            format!("{:>10}", duration(s.as_secs_f64()))
        });
        // A scheduled end past the horizon never happens in the run.
        let past_horizon = |t: &SimDuration| t.as_secs_f64() > e.horizon_s;
        let end = match (&f.start, &f.end) {
            (None, _) => String::new(),
            (_, PreviewEnd::At(t)) if past_horizon(t) => format!(
                "to the end of the run (it would end at {}, past the horizon)",
                duration(t.as_secs_f64())
            ),
            (_, PreviewEnd::At(t)) => format!(
                "until {} ({})",
                duration(t.as_secs_f64()),
                duration(t.as_secs_f64() - f.start.map_or(0.0, |s| s.as_secs_f64()))
            ),
            (_, PreviewEnd::OwnRecovery) => "until its own recovery".to_string(),
            (_, PreviewEnd::Never) => "to the end of the run".to_string(),
        };
        let _ = writeln!(out, "  {start}  {:<26} {:<16} {end}", f.action, f.id);
        if let (Some(s), Some(_)) = (f.start, e.start) {
            let until = match f.end {
                PreviewEnd::At(t) if !past_horizon(&t) => format!(" until{}", absolute(e, t)),
                _ => String::new(),
            };
            let _ = writeln!(out, "              at:{}{until}", absolute(e, s));
        }
        let targets = if f.targets.is_empty() {
            "(no target matches)".to_string()
        } else {
            f.targets.join(", ")
        };
        let _ = writeln!(out, "              targets: {targets}");
    }
    out.push_str("\nrandom failures:\n");
    if e.random.is_empty() {
        out.push_str("  (none)\n");
    }
    for r in &e.random {
        let _ = writeln!(
            out,
            "  #{}  {} target(s), MTBF {}, MTTR {}, expected failures over the horizon: {:.2}",
            r.index + 1,
            r.targets.len(),
            duration(r.mtbf_s),
            duration(r.mttr_s),
            r.expected_failures
        );
        let _ = writeln!(out, "      targets: {}", r.targets.join(", "));
    }
    out
}

/// ` 2011-04-21T01:17:00-07:00` when the scenario has a start, else nothing.
fn absolute(e: &Explanation, offset: SimDuration) -> String {
    e.start.map_or(String::new(), |start| {
        format!(" {}", format_absolute(start, offset))
    })
}

/// Seconds as the largest sensible unit (`90s`, `2.5h`, `3d`).
fn duration(s: f64) -> String {
    let (value, unit) = if s >= 86_400.0 {
        (s / 86_400.0, "d")
    } else if s >= 3_600.0 {
        (s / 3_600.0, "h")
    } else if s >= 60.0 {
        (s / 60.0, "m")
    } else {
        (s, "s")
    };
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}
