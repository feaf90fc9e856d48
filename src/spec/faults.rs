//! Scripted faults: actions, targets, ids and `after` chains.

use serde_saphyr::Spanned;

use super::diagnostics::{source_pos, Diagnostic};
use super::raw_scenario::{RawFault, RawTarget};
use super::scenario::down_mode;
use crate::config::*;
use crate::time::SimDuration;

pub fn faults(file: &str, raw: &[Spanned<RawFault>]) -> Result<Vec<FaultConfig>, Diagnostic> {
    // Ids first, so `after` may name a fault later in the list.
    let mut ids: Vec<String> = Vec::with_capacity(raw.len());
    for (n, fault) in raw.iter().enumerate() {
        let id = match &fault.value.id {
            Some(id) => {
                if ids.contains(&id.value) {
                    return Err(Diagnostic::at_value(
                        file,
                        id,
                        format!("fault id `{}` is used twice", id.value),
                    ));
                }
                id.value.clone()
            }
            None => format!("{}-{}", fault.value.action.value, n + 1),
        };
        ids.push(id);
    }
    let mut out = Vec::with_capacity(raw.len());
    for (fault, id) in raw.iter().zip(&ids) {
        out.push(fault_config(file, fault, id.clone(), &ids)?);
    }
    check_after_cycles(file, raw, &out)?;
    Ok(out)
}

fn fault_config(
    file: &str,
    raw: &Spanned<RawFault>,
    id: String,
    ids: &[String],
) -> Result<FaultConfig, Diagnostic> {
    let f = &raw.value;
    let action = match f.action.value.as_str() {
        "instance_crash" => FaultAction::InstanceCrash { mode: down_mode(file, f.mode.as_ref(), DownMode::Blackhole)? },
        "zone_outage" => FaultAction::ZoneOutage { mode: down_mode(file, f.mode.as_ref(), DownMode::Blackhole)? },
        "database_primary_failure" => FaultAction::DatabasePrimaryFailure,
        "failover_failure" => FaultAction::FailoverFailure,
        "cache_node_loss" => FaultAction::CacheNodeLoss,
        "volume_loss" => FaultAction::VolumeLoss,
        other => {
            return Err(Diagnostic::at_value(
                file,
                &f.action,
                format!("unknown action `{other}`: expected instance_crash, zone_outage, database_primary_failure, failover_failure, cache_node_loss or volume_loss"),
            ))
        }
    };
    if let (Some(mode), false) = (
        &f.mode,
        matches!(
            action,
            FaultAction::InstanceCrash { .. } | FaultAction::ZoneOutage { .. }
        ),
    ) {
        return Err(Diagnostic::at_value(
            file,
            mode,
            "`mode` applies only to instance_crash and zone_outage",
        ));
    }
    let start = match (f.at, &f.after) {
        (Some(at), None) => {
            if let Some(delay) = &f.delay {
                return Err(Diagnostic::at_value(
                    file,
                    delay,
                    "`delay` goes with `after`, not `at`",
                ));
            }
            FaultStart::At(at.0)
        }
        (None, Some(after)) => {
            let Some(fault) = ids.iter().position(|i| *i == after.value) else {
                return Err(Diagnostic::at_value(
                    file,
                    after,
                    format!(
                        "`after: {}` names no fault: the ids are {}",
                        after.value,
                        ids.join(", ")
                    ),
                ));
            };
            FaultStart::After {
                fault,
                delay: f.delay.as_ref().map_or(SimDuration::ZERO, |d| d.value.0),
            }
        }
        _ => {
            return Err(Diagnostic::at_value(
                file,
                raw,
                "a fault needs exactly one of `at` or `after`",
            ))
        }
    };
    if matches!(action, FaultAction::ZoneOutage { .. }) && f.target.value.zone.is_none() {
        return Err(Diagnostic::at_value(
            file,
            &f.target,
            "a zone_outage needs `zone:` in its target",
        ));
    }
    let target = target(file, &f.target)?;
    if target.kind == Some(TargetKind::Zone) {
        return Err(Diagnostic::at_value(
            file,
            &f.target,
            "`kind: zone` is for random zone events; a scripted zone outage is `action: zone_outage` with `zone:`",
        ));
    }
    Ok(FaultConfig {
        id,
        action,
        target,
        start,
        duration: f.duration.map(|d| d.0),
        pos: source_pos(file, &raw.referenced),
    })
}

/// `after` chains must end at a fault with `at`.
fn check_after_cycles(
    file: &str,
    raw: &[Spanned<RawFault>],
    faults: &[FaultConfig],
) -> Result<(), Diagnostic> {
    for (start, fault) in faults.iter().enumerate() {
        let mut current = fault;
        let mut steps = 0;
        while let FaultStart::After { fault: next, .. } = current.start {
            steps += 1;
            if steps > faults.len() {
                return Err(Diagnostic::at_value(
                    file,
                    &raw[start],
                    format!(
                        "fault `{}` is part of a cycle of `after` references",
                        fault.id
                    ),
                ));
            }
            current = &faults[next];
        }
    }
    Ok(())
}

pub fn target(file: &str, raw: &Spanned<RawTarget>) -> Result<TargetConfig, Diagnostic> {
    let t = &raw.value;
    let named = [
        (&t.component, None),
        (&t.tier, Some(TargetKind::Instance)),
        (&t.database, Some(TargetKind::Database)),
        (&t.cache, Some(TargetKind::Cache)),
        (&t.load_balancer, Some(TargetKind::LoadBalancer)),
    ];
    let given: Vec<_> = named.iter().filter(|(n, _)| n.is_some()).collect();
    if given.len() > 1 {
        return Err(Diagnostic::at_value(
            file,
            raw,
            "name one component: use only one of component, tier, database, cache, load_balancer",
        ));
    }
    let (component, implied_kind) = match given.first() {
        Some((name, kind)) => ((*name).clone(), *kind),
        None => (None, None),
    };
    let kind = match &t.kind {
        None => implied_kind,
        Some(k) => Some(match k.value.as_str() {
            "instance" => TargetKind::Instance,
            "database" => TargetKind::Database,
            "cache" => TargetKind::Cache,
            "volume" => TargetKind::Volume,
            "load_balancer" => TargetKind::LoadBalancer,
            "zone" => TargetKind::Zone,
            other => return Err(Diagnostic::at_value(file, k, format!("unknown target kind `{other}`: expected instance, database, cache, volume, load_balancer or zone"))),
        }),
    };
    if component.is_none() && t.zone.is_none() && kind.is_none() {
        return Err(Diagnostic::at_value(file, raw, "a target needs at least one of component (or tier, database, cache, load_balancer), zone or kind"));
    }
    Ok(TargetConfig {
        component,
        zone: t.zone.clone(),
        kind,
        select: t.select.map_or(Selection::All, |s| s.0),
        pos: source_pos(file, &raw.referenced),
    })
}
