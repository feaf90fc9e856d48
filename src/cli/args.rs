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
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Model or scenario files to check.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}
