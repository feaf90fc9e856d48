//! Observations folded into a run summary: availability, data loss,
//! latency histograms. Memory is bounded by the number of components, never
//! by the horizon.

pub mod cause;
pub mod recorder;
pub mod summary;

pub use cause::ErrorCause;
pub use recorder::Recorder;
pub use summary::*;
