//! The fluid mode's infrastructure trace: what happened to the
//! infrastructure, in the request level's vocabulary and labels
//! (`metrics::trace`, `world/tracing.rs`), so a seed's two traces can be
//! compared record by record.
//!
//! Assumptions:
//! - Off unless asked for (`run_fluid_traced`): `Infra` holds
//!   `Option<Box<Tracer>>` and each emission point costs one branch.
//! - Only infrastructure transitions are recorded (faults, random
//!   failures, zones, nodes, failovers, volumes, cache nodes, Auto Scaling,
//!   load-balancer views and DNS): the fluid mode has no requests, so
//!   nothing about traffic (retry storms, stop conditions) appears.

use crate::metrics::trace::TraceEvent;
use crate::model::layout::Layout;

/// Where a traced fluid run keeps its records, with the topology its
/// labels come from.
pub struct Tracer {
    pub events: Vec<TraceEvent>,
    pub layout: Layout,
}

impl Tracer {
    pub fn new(layout: &Layout) -> Tracer {
        Tracer {
            events: Vec::new(),
            layout: layout.clone(),
        }
    }
}
