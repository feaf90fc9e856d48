//! What random failures act on (`fault::hazard::Hazards`, the one loop
//! both fidelities run): the host trait the request-level world and the
//! fluid infrastructure implement, and the trace records of its steps,
//! worded once for both. It lives in the model layer so the world can
//! implement it in `world/` (the fault layer sits above the model).

use crate::config::DownMode;
use crate::metrics::trace::TraceEvent;
use crate::metrics::RandomFailureStats;
use crate::model::event::HazardEvent;
use crate::model::failure::NodeRef;
use crate::model::node::Cause;
use crate::time::{SimDuration, SimTime};

/// What random failures act on: the request-level `World` and the fluid
/// mode's infrastructure both implement it, so both fidelities run one
/// loop ([`Hazards`]) and draw the same failures, seed for seed.
pub trait HazardHost {
    fn schedule(&mut self, after: SimDuration, event: HazardEvent);
    fn stats(&mut self) -> &mut RandomFailureStats;
    fn zone_is_dark(&self, z: usize) -> bool;
    fn set_zone_dark(&mut self, z: usize, mode: Option<DownMode>);
    /// `node` fails. Volumes and cache nodes recover on their own clocks,
    /// `repair` from now; servers and load-balancer nodes stay down until
    /// [`HazardHost::repair_node`].
    fn fail_node(&mut self, node: NodeRef, repair: SimDuration, cause: Cause, mode: DownMode);
    /// A server's or load-balancer node's `cause` ends.
    fn repair_node(&mut self, node: NodeRef, cause: Cause);
    /// Records a step (`event`) of process or burst slot `i` on a node
    /// (untraced hosts keep the default).
    fn trace_node(
        &mut self,
        _event: &'static str,
        _i: usize,
        _node: NodeRef,
        _repair: Option<SimDuration>,
    ) {
    }
    /// Records a step of process `i` on zone `z`.
    fn trace_zone(
        &mut self,
        _event: &'static str,
        _i: usize,
        _z: usize,
        _repair: Option<SimDuration>,
    ) {
    }
}

/// The trace record of a random process (or burst member `i`) acting on a
/// node labelled `(component, zone, label)`, at either fidelity.
pub fn random_node_event(
    at: SimTime,
    event: &'static str,
    i: usize,
    (component, zone, label): (String, String, String),
    repair: Option<SimDuration>,
) -> TraceEvent {
    let mut detail = label;
    if let Some(r) = repair {
        detail.push_str(&format!(" (repair in {:.3} s)", r.as_secs_f64()));
    }
    let source = if event.starts_with("burst") {
        "burst"
    } else {
        "random"
    };
    TraceEvent::new(at, event, component)
        .zone((!zone.is_empty()).then_some(zone.as_str()))
        .cause(format!("{source}/{i}"))
        .detail(detail)
}

/// The trace record of a random zone event of process `i`.
pub fn random_zone_event(
    at: SimTime,
    event: &'static str,
    i: usize,
    zone: &str,
    repair: Option<SimDuration>,
) -> TraceEvent {
    let detail = match repair {
        Some(r) => format!("zone outage (repair in {:.3} s)", r.as_secs_f64()),
        None => "zone outage ends".to_string(),
    };
    TraceEvent::new(at, event, "zone")
        .zone(Some(zone))
        .cause(format!("random/{i}"))
        .detail(detail)
}
