//! The replay trace's emitter state (`metrics::trace` has the vocabulary;
//! `world/tracing.rs` emits it and names the world's nodes).
//!
//! The world holds `Option<Box<Tracer>>`: `None` in every run but a replay,
//! so each emission point costs one branch on a field and builds nothing.
//! Events are built by closures that run only when tracing.

use super::node::Cause;
pub use crate::metrics::trace::TraceEvent;
use crate::metrics::trace::{RetryStormWatch, TraceSink};

pub struct Tracer {
    pub sink: Box<dyn TraceSink>,
    pub storm: RetryStormWatch,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::Crash => "crash",
            Cause::Zone => "zone",
            Cause::Host => "host",
            Cause::Volume => "volume",
            Cause::Region => "region",
            Cause::NotRunning => "not_running",
            Cause::Stopped => "stopped",
            Cause::Burst => "burst",
            Cause::Reboot => "reboot",
        }
    }
}
