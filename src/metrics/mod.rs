//! Observations folded into a run summary: availability, data loss,
//! latency histograms. Memory is bounded by the number of components, never
//! by the horizon.

pub mod summary;

pub use summary::*;
