//! Which parameter keys each fault action uses. An action may not carry a
//! key it ignores: a typo or a misunderstanding should fail loudly at the
//! key's `file:line:column`, not run a different experiment.

use serde_saphyr::Location;

use super::diagnostics::Diagnostic;
use super::raw_scenario::RawFault;
use crate::config::{FaultAction, GrayFault};

/// Does `action` use the parameter `key`?
fn uses(key: &str, action: &FaultAction) -> bool {
    use FaultAction as A;
    use GrayFault as G;
    match key {
        "factor" => matches!(
            action,
            A::TrafficSpike { .. }
                | A::ClassSurge { .. }
                | A::SlowFailover { .. }
                | A::Gray(G::Slowdown { .. } | G::Limp { .. })
        ),
        "fraction" => matches!(
            action,
            A::DnsStale { .. }
                | A::VolumeDegraded { .. }
                | A::Gray(G::CapacityLoss { .. } | G::Limp { .. })
        ),
        "keep" => matches!(action, A::DnsStale { .. }),
        "latency" => matches!(
            action,
            A::DependencySlow { .. } | A::Gray(G::Latency { .. } | G::LinkLatency { .. })
        ),
        "extra" => matches!(action, A::SlowFailover { .. }),
        "warmup" => matches!(action, A::CacheFlush { .. }),
        "probability" => matches!(
            action,
            A::Gray(G::PacketLoss { .. }) | A::FailoverFailure { .. }
        ),
        "from" | "to" => matches!(action, A::Gray(G::PathBlock { .. })),
        "force_failover" => matches!(action, A::DatabaseReboot { .. }),
        _ => false,
    }
}

pub fn reject_unused(file: &str, raw: &RawFault, action: &FaultAction) -> Result<(), Diagnostic> {
    let keys: [(&str, Option<&Location>); 10] = [
        ("factor", raw.factor.as_ref().map(|v| &v.referenced)),
        ("fraction", raw.fraction.as_ref().map(|v| &v.referenced)),
        ("keep", raw.keep.as_ref().map(|v| &v.referenced)),
        ("latency", raw.latency.as_ref().map(|v| &v.referenced)),
        ("extra", raw.extra.as_ref().map(|v| &v.referenced)),
        ("warmup", raw.warmup.as_ref().map(|v| &v.referenced)),
        (
            "probability",
            raw.probability.as_ref().map(|v| &v.referenced),
        ),
        ("from", raw.from.as_ref().map(|v| &v.referenced)),
        ("to", raw.to.as_ref().map(|v| &v.referenced)),
        (
            "force_failover",
            raw.force_failover.as_ref().map(|v| &v.referenced),
        ),
    ];
    for (key, at) in keys {
        if let (Some(at), false) = (at, uses(key, action)) {
            return Err(Diagnostic::at(
                file,
                at,
                format!(
                    "`{key}` does not apply to {0}: it is not a parameter of {0}",
                    action.name()
                ),
            ));
        }
    }
    Ok(())
}
