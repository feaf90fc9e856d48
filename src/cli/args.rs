//! The command line, as clap derive types. Parsing only: what each command
//! does lives in its own module.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Deterministic discrete-event simulator and chaos testbed for cloud
/// infrastructure designs.
#[derive(Debug, Parser)]
#[command(
    name = "firedrill",
    version,
    about,
    after_help = "Exit codes: 0 every SLO met (or all files valid), 1 an SLO violated, \
                  2 bad input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate one model under one scenario with one seed and write reports.
    Run(RunArgs),
    /// Compare designs: every model under every scenario, many seeded runs
    /// each, side by side with 95 % intervals, paired differences against
    /// the first model, and a ranking.
    Compare(CompareArgs),
    /// A study like `run --runs N`, or with `--shard i/n` one deterministic
    /// slice of it written to a part file for `firedrill merge`.
    Study(StudyArgs),
    /// Merge the part files of a sharded study into the reports the whole
    /// study gives on one machine (the same bytes).
    Merge(MergeArgs),
    /// The CI gate: run a suite (firedrill.yaml) of model × scenario cases,
    /// judge their SLOs and compare with a baseline; exit 0 pass, 1 an SLO
    /// or regression failed, 2 bad input.
    Check(CheckArgs),
    /// A game day: one run with its event trace (trace.jsonl), a timeline
    /// chart (timeline.svg) and the run reports; `--until` pauses and
    /// prints the state of the world, `--set` asks "what if".
    Replay(ReplayArgs),
    /// Check model and scenario files without running them.
    Validate(ValidateArgs),
    /// Print a model's call graph (components, call paths, load-balancer
    /// targets) as Graphviz DOT, e.g. `firedrill graph M | dot -Tsvg`.
    Graph(GraphArgs),
    /// Show what a scenario's faults will do against a model with a seed:
    /// each scripted action's start, end and concrete targets, and each
    /// random failure process. Nothing is simulated.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Scenario file.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,

    /// Model file the scenario runs against.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,

    /// Seed [default: the scenario's `seed`, else 1].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Scenario file (an incident or a fault schedule).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,

    /// Model file the scenario replays against.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: PathBuf,

    /// Seed [default: the scenario's `seed`, else 1].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Directory for trace.jsonl, timeline.svg, report.json, report.md
    /// (and state.json with --until)
    /// [default: reports/<model name>/<scenario name>/replay].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Pause at this simulated time (e.g. `35m`, `1h2m`) and print the
    /// state of the world; the trace up to then is written.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// What if: set a model field before the run, e.g.
    /// `db.failover.promotion=5m`, `db.standby=none`, `web.per_zone=3`,
    /// `lb.health_check.interval=5s`, `cache.hit_ratio=0.5`. Repeatable.
    #[arg(long = "set", value_name = "COMPONENT.FIELD=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Model file.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Model file (an architecture), e.g. models/wordpress-multi-az.yaml.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,

    /// Scenario file (workload, faults, SLOs), e.g. scenarios/steady-state.yaml.
    #[arg(long, short = 's', value_name = "SCENARIO")]
    pub scenario: PathBuf,

    /// Seed for every random stream [default: the scenario's `seed`, else 1].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Directory for report.json, report.md and report.html
    /// [default: reports/<model name>/<scenario name>].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Runs in a study: run i uses seed (base seed + i); above 1 the
    /// reports add means with 95 % confidence intervals.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,

    /// Worker threads for a study [default: one per core]; the reports are
    /// the same bytes at any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,

    /// Pair every run with its control run (same seed and workload, the
    /// scenario's scripted faults removed) and report what the faults cost.
    /// Writes the study report, even for one run.
    #[arg(long)]
    pub control: bool,

    /// How to simulate: `request` (every request), `fluid` (traffic as a
    /// rate between infrastructure state changes; months to years in
    /// milliseconds), or `auto` (fluid above 20 M expected requests per run
    /// or a 7-day horizon when the scenario allows it, else request).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = crate::run::Fidelity::Auto)]
    pub fidelity: crate::run::Fidelity,

    /// Run a request-level run above one billion requests (rate × peak ×
    /// horizon), which is refused without it (minutes to weeks of CPU).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Model or scenario files to check.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Also bind every scenario among FILE to this model: every check
    /// `run` makes before its first event (names, kinds, zones, tags,
    /// targets), with the same messages.
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: Option<PathBuf>,

    /// Seed the scenarios are bound with (random-failure targets are
    /// drawn with it) [default: each scenario's `seed`, else 1].
    #[arg(long, value_name = "N", requires = "model")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Model files (designs); the first is the baseline the others are
    /// compared against.
    #[arg(value_name = "MODEL", required = true)]
    pub models: Vec<PathBuf>,

    /// Scenario file; repeat for several.
    #[arg(
        long = "scenario",
        short = 's',
        value_name = "SCENARIO",
        required = true
    )]
    pub scenarios: Vec<PathBuf>,

    /// Seed of run 0 under every scenario [default: the first scenario's
    /// `seed`, else 1].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Runs per model × scenario: run i uses seed (base seed + i) for every
    /// design, so designs are compared run by run.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,

    /// Worker threads [default: one per core]; the reports are the same
    /// bytes at any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,

    /// Also run each seed with the scenario's scripted faults removed and
    /// report what the faults cost, run by run.
    #[arg(long)]
    pub control: bool,

    /// `request`, `fluid` or `auto` (see `firedrill run --help`).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = crate::run::Fidelity::Auto)]
    pub fidelity: crate::run::Fidelity,

    /// Run request-level runs above one billion requests each (see
    /// `firedrill run --help`).
    #[arg(long)]
    pub force: bool,

    /// Directory for report.json, report.md and report.html
    /// [default: reports/compare].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StudyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Run only shard I of N (1-based): runs (I-1)*R/N .. I*R/N of the R
    /// runs, written as a part file to --out [default: part-I-of-N.json].
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
}

/// `3/8` → (3, 8), with 1 ≤ I ≤ N.
fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected I/N such as 1/4, found `{text}`"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| format!("expected I/N with whole numbers, found `{text}`"))
    };
    let (i, n) = (number(i)?, number(n)?);
    if n == 0 || i == 0 || i > n {
        return Err(format!("expected 1 ≤ I ≤ N in I/N, found `{text}`"));
    }
    Ok((i, n))
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files written by `firedrill study --shard`.
    #[arg(value_name = "PART", required = true)]
    pub parts: Vec<PathBuf>,

    /// Directory for the reports [default: reports/<model>/<scenario>].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Suite file listing the cases.
    #[arg(long, value_name = "FILE", default_value = "firedrill.yaml")]
    pub suite: PathBuf,

    /// Write JUnit XML here (one test case per case × SLO and per
    /// regression check).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write a Markdown summary here (for a pull-request comment or
    /// $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Compare with this stored result [default: the suite's `baseline`].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Rewrite the baseline with this check's result instead of comparing.
    #[arg(long)]
    pub update_baseline: bool,

    /// Worker threads [default: one per core]; results are identical at
    /// any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
}
