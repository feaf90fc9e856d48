//! Gray failures and network faults in scenario files: `latency`,
//! `slowdown`, `capacity_loss`, `limp`, `link_latency`, `packet_loss`,
//! `zone_isolation`, `path_block`, `region_outage`. Each action takes only
//! its own keys; a key it does not use is an error at that key.

use serde_saphyr::Spanned;

use super::diagnostics::{source_pos, Diagnostic};
use super::raw_scenario::RawFault;
use super::scenario::down_mode;
use crate::config::{DownMode, FaultAction, GrayFault, Selection, TargetConfig, TargetKind};

/// The gray action a fault names, or `None` if the name is not one of them.
pub fn action(file: &str, raw: &Spanned<RawFault>) -> Result<Option<FaultAction>, Diagnostic> {
    let f = &raw.value;
    let need =
        |name: &str| Diagnostic::at_value(file, raw, format!("{} needs `{name}`", f.action.value));
    let gray = match f.action.value.as_str() {
        "latency" | "link_latency" => {
            let latency = f.latency.as_ref().ok_or_else(|| need("latency"))?.value.0;
            if f.action.value == "latency" {
                GrayFault::Latency { latency }
            } else {
                GrayFault::LinkLatency { latency }
            }
        }
        "slowdown" => GrayFault::Slowdown {
            factor: factor(file, f, &need)?,
        },
        "capacity_loss" => {
            let fraction = f.fraction.as_ref().ok_or_else(|| need("fraction"))?;
            if fraction.value.0 <= 0.0 {
                return Err(Diagnostic::at_value(
                    file,
                    fraction,
                    "a capacity_loss fraction must be > 0 (1 removes every slot)",
                ));
            }
            GrayFault::CapacityLoss {
                fraction: fraction.value.0,
            }
        }
        "limp" => GrayFault::Limp {
            factor: factor(file, f, &need)?,
            fraction: f.fraction.as_ref().ok_or_else(|| need("fraction"))?.value.0,
        },
        "packet_loss" => {
            let p = f.probability.as_ref().ok_or_else(|| need("probability"))?;
            if p.value.0 >= 1.0 {
                return Err(Diagnostic::at_value(
                    file,
                    p,
                    "a packet_loss probability must be < 1 (every packet lost is a partition: use zone_isolation)",
                ));
            }
            GrayFault::PacketLoss {
                probability: p.value.0,
            }
        }
        "zone_isolation" => GrayFault::ZoneIsolation,
        "path_block" => GrayFault::PathBlock {
            from: f.from.as_ref().ok_or_else(|| need("from"))?.value.clone(),
            to: f.to.as_ref().ok_or_else(|| need("to"))?.value.clone(),
            mode: down_mode(file, f.mode.as_ref(), DownMode::Blackhole)?,
        },
        "region_outage" => GrayFault::RegionOutage,
        _ => return Ok(None),
    };
    Ok(Some(FaultAction::Gray(gray)))
}

fn factor(file: &str, f: &RawFault, need: &dyn Fn(&str) -> Diagnostic) -> Result<f64, Diagnostic> {
    let factor = f.factor.as_ref().ok_or_else(|| need("factor"))?;
    if !(factor.value.is_finite() && factor.value > 1.0 && factor.value <= 1_000.0) {
        return Err(Diagnostic::at_value(
            file,
            factor,
            format!(
                "`factor` must be a number > 1 and at most 1000, got {}",
                factor.value
            ),
        ));
    }
    Ok(factor.value)
}

/// The target of a fault: required and general for the classic actions and
/// for the per-node gray ones; zone-only (or absent) for the link faults;
/// a zone for `zone_isolation`; none for `path_block` and `region_outage`.
pub fn target(
    file: &str,
    raw: &Spanned<RawFault>,
    action: &FaultAction,
) -> Result<TargetConfig, Diagnostic> {
    let f = &raw.value;
    let none = || TargetConfig {
        component: None,
        zone: None,
        kind: None,
        class: None,
        tag: None,
        filters: Vec::new(),
        select: Selection::All,
        pos: source_pos(file, &raw.referenced),
    };
    let Some(gray) = (match action {
        FaultAction::Gray(g) => Some(g),
        _ => None,
    }) else {
        // Load and DNS faults act on the whole workload: no target needed.
        let whole_workload = matches!(
            action,
            FaultAction::TrafficSpike { .. } | FaultAction::DnsStale { .. }
        );
        return match (&f.target, whole_workload) {
            (Some(t), _) => super::faults::target(file, t),
            (None, true) => Ok(none()),
            (None, false) => Err(Diagnostic::at_value(
                file,
                raw,
                format!("{} needs a `target`", f.action.value),
            )),
        };
    };
    match gray {
        GrayFault::Latency { .. }
        | GrayFault::Slowdown { .. }
        | GrayFault::CapacityLoss { .. }
        | GrayFault::Limp { .. } => {
            let t = f.target.as_ref().ok_or_else(|| {
                Diagnostic::at_value(file, raw, format!("{} needs a `target`", f.action.value))
            })?;
            let config = super::faults::target(file, t)?;
            if matches!(
                config.kind,
                Some(TargetKind::Cache | TargetKind::Volume | TargetKind::LoadBalancer)
            ) {
                return Err(Diagnostic::at_value(
                    file,
                    t,
                    format!(
                        "{} applies to servers: tier instances and database nodes",
                        f.action.value
                    ),
                ));
            }
            Ok(config)
        }
        GrayFault::LinkLatency { .. } | GrayFault::PacketLoss { .. } | GrayFault::ZoneIsolation => {
            let Some(t) = &f.target else {
                if *gray == GrayFault::ZoneIsolation {
                    return Err(Diagnostic::at_value(
                        file,
                        raw,
                        "zone_isolation needs `target: { zone: ... }`",
                    ));
                }
                return Ok(none());
            };
            let v = &t.value;
            let other = v.component.is_some()
                || v.tier.is_some()
                || v.database.is_some()
                || v.cache.is_some()
                || v.load_balancer.is_some()
                || v.kind.is_some()
                || !v.filters.is_empty()
                || v.select.is_some();
            if other || (v.zone.is_none() && *gray == GrayFault::ZoneIsolation) {
                return Err(Diagnostic::at_value(
                    file,
                    t,
                    format!(
                        "{} acts on a zone's links: its target is `{{ zone: ... }}` only",
                        f.action.value
                    ),
                ));
            }
            Ok(TargetConfig {
                zone: v.zone.clone(),
                pos: source_pos(file, &t.referenced),
                ..none()
            })
        }
        GrayFault::PathBlock { .. } | GrayFault::RegionOutage => match &f.target {
            Some(t) => Err(Diagnostic::at_value(
                file,
                t,
                format!(
                    "{} takes no target{}",
                    f.action.value,
                    if matches!(gray, GrayFault::PathBlock { .. }) {
                        ": it names the components in `from` and `to`"
                    } else {
                        ""
                    }
                ),
            )),
            None => Ok(none()),
        },
    }
}
