//! The infrastructure trace's records, worded once for both fidelities
//! (the vocabulary is `metrics::trace`): the request-level world and the
//! fluid mode pass the labels they know and get the same record, so the
//! two traces can be compared record for record (tests/suite/infra_trace.rs).

use crate::config::DownMode;
use crate::metrics::trace::TraceEvent;
use crate::model::node::Cause;
use crate::time::{SimDuration, SimTime};

/// A node's (component, zone, label), as `Layout::server_label` and
/// `World::node_label` give it.
pub type Labels = (String, String, String);

/// `node_down` / `node_up`, with the cause set or cleared; a cache node
/// comes back cold.
pub fn node_event(
    at: SimTime,
    (component, zone, label): Labels,
    up: bool,
    cause: Cause,
    mode: DownMode,
    cold: bool,
) -> TraceEvent {
    let mode = match (up, mode) {
        (true, _) => "",
        (false, DownMode::Blackhole) => " (blackholes)",
        (false, DownMode::Refuse) => " (refuses)",
    };
    let cold = if up && cold { " (cold)" } else { "" };
    let (event, verb) = if up {
        ("node_up", "up")
    } else {
        ("node_down", "down")
    };
    TraceEvent::new(at, event, component)
        .zone(Some(&zone))
        .cause(cause.name())
        .detail(format!("{label} {verb}{mode}{cold}"))
}

/// `zone_dark` / `zone_restored`.
pub fn zone_event(at: SimTime, zone: &str, dark: Option<DownMode>) -> TraceEvent {
    let (event, detail) = match dark {
        Some(DownMode::Blackhole) => ("zone_dark", "every node blackholes"),
        Some(DownMode::Refuse) => ("zone_dark", "every node refuses"),
        None => ("zone_restored", "nodes return (caches cold)"),
    };
    TraceEvent::new(at, event, "zone")
        .zone(Some(zone))
        .cause("zone")
        .detail(detail)
}

/// `target_healthy` / `target_unhealthy`: a flip in load balancer `lb`'s
/// view after `threshold` checks.
pub fn target_health_event(
    at: SimTime,
    (component, zone, label): Labels,
    lb: &str,
    ok: bool,
    threshold: u32,
) -> TraceEvent {
    let (event, state) = if ok {
        ("target_healthy", "healthy")
    } else {
        ("target_unhealthy", "unhealthy")
    };
    TraceEvent::new(at, event, component)
        .zone(Some(&zone))
        .cause(lb.to_string())
        .detail(format!(
            "{label} {state} in {lb}'s view (threshold {threshold})"
        ))
}

/// `lb_dns_added` / `lb_dns_removed`: a load-balancer node joins or leaves
/// its DNS answer.
pub fn lb_dns_event(
    at: SimTime,
    lb: &str,
    zone: &str,
    in_dns: bool,
    ttl: SimDuration,
) -> TraceEvent {
    let (event, verb) = if in_dns {
        ("lb_dns_added", "joins")
    } else {
        ("lb_dns_removed", "leaves")
    };
    TraceEvent::new(at, event, lb.to_string())
        .zone(Some(zone))
        .cause("dns_health_check")
        .detail(format!(
            "{lb}-{zone} {verb} the DNS answer (TTL {} s)",
            ttl.as_secs_f64()
        ))
}

/// `volume_lost` / `volume_restored`, under its owner's component and
/// zone.
pub fn volume_event(at: SimTime, event: &'static str, owner: Labels, volume: &str) -> TraceEvent {
    let (component, zone, _) = owner;
    TraceEvent::new(at, event, component)
        .zone(Some(&zone))
        .cause("volume")
        .detail(volume.to_string())
}
