//! `firedrill replay SCENARIO --model MODEL [--seed N] [--out DIR]
//! [--until TIME] [--set K=V]...`: a game day.

use std::path::PathBuf;

use super::args::ReplayArgs;
use super::run::{default_report_dir, guarded, DEFAULT_SEED};
use super::{print_stdout, Outcome};
use crate::config::{ModelConfig, ScenarioConfig};
use crate::metrics::state_timeline::StateTimeline;
use crate::metrics::trace::MinuteSeries;
use crate::report::trace::{TraceWriter, TRACE_FILE};
use crate::report::{self, state, terminal, timeline, write_atomic, Reproduce};
use crate::run::Simulation;
use crate::spec;
use crate::time::SimTime;

pub fn execute(args: &ReplayArgs) -> Outcome {
    let model = spec::load_model(&args.model);
    let scenario = spec::load_scenario(&args.scenario);
    let (mut model, scenario) = match (model, scenario) {
        (Ok(model), Ok(scenario)) => (model, scenario),
        (model, scenario) => {
            for diagnostic in [model.err(), scenario.err()].into_iter().flatten() {
                eprintln!("{diagnostic}");
            }
            return Outcome::BadInput;
        }
    };
    let mut overrides = Vec::new();
    for text in &args.set {
        match spec::overrides::apply(&mut model, text) {
            Ok(applied) => overrides.push(applied),
            Err(message) => {
                eprintln!("error: {message}");
                return Outcome::BadInput;
            }
        }
    }
    let until = match args.until.as_deref().map(|t| parse_until(t, &scenario)) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(message)) => {
            eprintln!("error: --until: {message}");
            return Outcome::BadInput;
        }
    };
    let seed = args.seed.or(scenario.seed).unwrap_or(DEFAULT_SEED);
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_report_dir(&model.name, &scenario.name).join("replay"));
    // Claimed before simulating: an unwritable or busy --out fails now.
    let _out = match super::run::claim(&dir) {
        Ok(out) => out,
        Err(outcome) => return outcome,
    };
    let replay = Replay {
        args,
        model: &model,
        scenario: &scenario,
        seed,
        dir,
        overrides,
    };
    replay.execute(until)
}

/// `35m` (simulated time since the start), within the horizon.
/// `--until`: a duration from the start (`35m`) or, when the scenario has
/// a `start:`, an absolute timestamp (`2012-06-14T21:30:00-07:00`).
fn parse_until(text: &str, scenario: &ScenarioConfig) -> Result<SimTime, String> {
    let d = match (spec::units::parse_duration(text), scenario.start) {
        (Ok(d), _) => d,
        (Err(_), Some(start)) if text.contains('T') => {
            let at = spec::timeline::parse_timestamp(text)?;
            start
                .until(at)
                .ok_or_else(|| format!("{text} is before the scenario's start ({start})"))?
        }
        (Err(e), Some(_)) => return Err(format!("{e}, or an absolute timestamp")),
        (Err(e), None) => {
            return Err(format!(
                "{e} (an absolute timestamp needs the scenario to set `start:`)"
            ))
        }
    };
    if d > scenario.horizon {
        return Err(format!(
            "{text} is past the scenario's horizon ({} s)",
            scenario.horizon.as_secs_f64()
        ));
    }
    Ok(SimTime(d.as_nanos()))
}

struct Replay<'a> {
    args: &'a ReplayArgs,
    model: &'a ModelConfig,
    scenario: &'a ScenarioConfig,
    seed: u64,
    dir: PathBuf,
    overrides: Vec<String>,
}

impl Replay<'_> {
    fn command(&self) -> String {
        let q = report::format::shell_quote;
        let mut c = format!(
            "firedrill replay {} --model {} --seed {}",
            q(&self.args.scenario.display().to_string()),
            q(&self.args.model.display().to_string()),
            self.seed
        );
        if let Some(u) = &self.args.until {
            c.push_str(&format!(" --until {}", q(u)));
        }
        for o in &self.overrides {
            c.push_str(&format!(" --set {}", q(o)));
        }
        c
    }

    fn execute(&self, until: Option<SimTime>) -> Outcome {
        let result = guarded(
            || {
                let mut sim = Simulation::new(self.model, self.scenario, self.seed)?;
                let end = until.unwrap_or(SimTime(self.scenario.horizon.as_nanos()));
                let timeline = StateTimeline::new(end, sim.timeline_rows());
                // The scenario has no absolute start yet: `time` stays null
                // (the writer formats ISO-8601 once one is passed here).
                let writer = TraceWriter::create(&self.dir, timeline, self.scenario.start);
                let mut overflow = None;
                let done = writer.map(|w| {
                    sim.start_replay(Box::new(w));
                    sim.run_until(end);
                    overflow = sim.world.in_flight_overflow;
                    match until {
                        Some(_) => {
                            let world_state = sim.state(&self.overrides);
                            let (series, sink) = sim.pause_replay();
                            Done::Paused(Box::new(world_state), series, sink)
                        }
                        None => {
                            let (mut summary, series, sink) = sim.finish_replay();
                            summary.detail.overrides = self.overrides.clone();
                            Done::Finished(Box::new(summary), series, sink)
                        }
                    }
                });
                // A run past the in-flight bound stopped early: no report.
                if let Some(overflow) = overflow {
                    return Err(crate::run::RunError {
                        pos: None,
                        message: overflow.message(),
                    });
                }
                Ok(done)
            },
            || self.command(),
        );
        let (done, wall_s) = match result {
            Ok((Ok(done), wall_s)) => (done, wall_s),
            Ok((Err(error), _)) => return self.write_error(&error),
            Err(outcome) => return outcome,
        };
        match done {
            Done::Paused(world_state, series, sink) => {
                let files = match self.write_trace(sink, &series).and_then(|mut files| {
                    let path = self.dir.join(state::STATE_FILE);
                    write_atomic(&path, state::render_json(&world_state).as_bytes())?;
                    files.push(path);
                    Ok(files)
                }) {
                    Ok(files) => files,
                    Err(error) => return self.write_error(&error),
                };
                let mut text = state::render_text(&world_state);
                text.push_str(&format!("reproduce: {}\n", self.command()));
                text.push_str(&self.footer(&files));
                print_stdout(&text);
                Outcome::Pass
            }
            Done::Finished(summary, series, sink) => {
                let mut files = match self.write_trace(sink, &series) {
                    Ok(files) => files,
                    Err(error) => return self.write_error(&error),
                };
                let reproduce = Reproduce {
                    model_path: self.args.model.display().to_string(),
                    scenario_path: self.args.scenario.display().to_string(),
                    seed: self.seed,
                    fidelity: None,
                };
                // The reports of `run`, except that the command that
                // reproduces this is the replay (with its overrides).
                let run_command = reproduce.to_string();
                let markdown = report::markdown::render(&summary, &reproduce)
                    .replace(&run_command, &self.command());
                let json_path = self.dir.join(report::JSON_FILE);
                let markdown_path = self.dir.join(report::MARKDOWN_FILE);
                let written = write_atomic(&json_path, report::json::render(&summary).as_bytes())
                    .and_then(|()| write_atomic(&markdown_path, markdown.as_bytes()));
                if let Err(error) = written {
                    return self.write_error(&error);
                }
                files.extend([json_path, markdown_path]);
                let footer = terminal::Footer {
                    wall_s,
                    report_files: Vec::new(),
                };
                let colour = terminal::colour_wanted();
                let mut text = terminal::render(&summary, &reproduce, colour, &footer)
                    .replace(&run_command, &self.command());
                if !self.overrides.is_empty() {
                    text.push_str(&format!("overrides: {}\n", self.overrides.join(", ")));
                }
                text.push_str(&self.footer(&files));
                print_stdout(&text);
                super::Outcome::of_run(&summary)
            }
        }
    }

    fn footer(&self, files: &[PathBuf]) -> String {
        let mut text = String::new();
        for f in files {
            text.push_str(&format!("wrote {}\n", f.display()));
        }
        text
    }

    fn write_error(&self, error: &std::io::Error) -> Outcome {
        eprintln!(
            "error: cannot write the replay to {}: {error}",
            self.dir.display()
        );
        Outcome::BadInput
    }

    /// Closes the trace and draws the timeline from its fold.
    fn write_trace(
        &self,
        sink: Option<Box<dyn crate::metrics::trace::TraceSink>>,
        series: &MinuteSeries,
    ) -> std::io::Result<Vec<PathBuf>> {
        let writer = sink
            .and_then(TraceWriter::from_sink)
            .ok_or_else(|| std::io::Error::other("the trace writer went missing"))?;
        let trace_path = self.dir.join(TRACE_FILE);
        let (tl, _events) = writer.persist(&trace_path)?;
        let title = format!(
            "{} under {} (seed {}){}",
            self.model.name,
            self.scenario.name,
            self.seed,
            if self.overrides.is_empty() {
                String::new()
            } else {
                format!(", with {}", self.overrides.join(", "))
            }
        );
        let svg = timeline::render(&title, &tl, &series.all());
        let svg_path = self.dir.join(timeline::TIMELINE_FILE);
        write_atomic(&svg_path, svg.as_bytes())?;
        Ok(vec![trace_path, svg_path])
    }
}

enum Done {
    Paused(
        Box<crate::metrics::state::WorldState>,
        MinuteSeries,
        Option<Box<dyn crate::metrics::trace::TraceSink>>,
    ),
    Finished(
        Box<crate::metrics::RunSummary>,
        MinuteSeries,
        Option<Box<dyn crate::metrics::trace::TraceSink>>,
    ),
}
