//! Observations folded into a run summary: availability, data loss,
//! latency histograms. Memory is bounded by the number of components, never
//! by the horizon.

pub mod alarms;
pub mod amplification;
pub mod cause;
pub mod compare;
pub mod cost;
pub mod experiment;
pub mod failed_action;
pub mod infra;
pub mod load_series;
pub mod recorder;
pub mod state;
pub mod state_timeline;
pub mod stop;
pub mod study;
pub mod summary;
pub mod timeline;
pub mod trace;

pub use amplification::AmplificationSummary;
pub use cause::ErrorCause;
pub use compare::{
    Cell, Comparison, ControlDelta, CostOfNines, Difference, RankEntry, Ranking, DIFFERENCE_METRICS,
};
pub use cost::{CostItem, CostSummary, PriceSource};
pub use experiment::{ExperimentLog, ExperimentState, ExperimentSummary, SkippedAction};
pub use failed_action::FailedAction;
pub use infra::{InfraTime, InfraTimeSummary, NodeKind, RandomFailureStats, StopRecord};
pub use load_series::{LoadSeries, LoadSummary, RecoveryVerdict};
pub use recorder::{latency_of, Recorder};
pub use study::{Estimate, RunFigures, StudySlo, StudySummary};
pub use summary::*;
pub use timeline::Timeline;
