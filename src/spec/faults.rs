//! Scripted faults: actions, targets, ids and `after` chains.

use serde_saphyr::Spanned;

use super::capacity_faults;
use super::diagnostics::{source_pos, Diagnostic};
use super::raw_scenario::{RawFault, RawFilter, RawTarget};
use super::scenario::down_mode;
use super::timeline::Clock;
use crate::config::*;
use crate::time::SimDuration;

/// Every action a scenario may name, for error messages.
const ACTIONS: &[&str] = &[
    "instance_crash",
    "zone_outage",
    "database_primary_failure",
    "database_reboot",
    "database_cluster_failover",
    "replica_promotion",
    "failover_failure",
    "cache_node_loss",
    "volume_loss",
    "traffic_spike",
    "class_surge",
    "dns_stale",
    "dependency_outage",
    "dependency_slow",
    "volume_io_stall",
    "volume_degraded",
    "volume_corruption",
    "snapshot_failure",
    "backup_not_uploaded",
    "backup_corrupt",
    "replication_stop",
    "slow_failover",
    "promote_lagging_replica",
    "split_brain",
    "data_wipe",
    "cache_flush",
    "latency",
    "slowdown",
    "capacity_loss",
    "limp",
    "link_latency",
    "packet_loss",
    "zone_isolation",
    "path_block",
    "region_outage",
    "control_plane_outage",
    "capacity_limit",
    "spot_interruption",
    "instance_terminate",
    "instance_stop",
    "instance_reboot",
    "instance_host_failure",
    "deployment",
];

pub fn faults(
    file: &str,
    raw: &[Spanned<RawFault>],
    clock: &Clock,
) -> Result<Vec<FaultConfig>, Diagnostic> {
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
        out.push(fault_config(file, fault, id.clone(), &ids, clock)?);
    }
    check_after_cycles(file, raw, &out)?;
    Ok(out)
}

fn fault_config(
    file: &str,
    raw: &Spanned<RawFault>,
    id: String,
    ids: &[String],
    clock: &Clock,
) -> Result<FaultConfig, Diagnostic> {
    let f = &raw.value;
    let action = match f.action.value.as_str() {
        "instance_crash" => FaultAction::InstanceCrash {
            mode: down_mode(file, f.mode.as_ref(), DownMode::Blackhole)?,
        },
        "zone_outage" => FaultAction::ZoneOutage {
            mode: down_mode(file, f.mode.as_ref(), DownMode::Blackhole)?,
        },
        "database_primary_failure" => FaultAction::DatabasePrimaryFailure,
        // FIS aws:rds:reboot-db-instances: `forceFailover` defaults to false.
        "database_reboot" => FaultAction::DatabaseReboot {
            force_failover: f.force_failover.as_ref().is_some_and(|v| v.value),
        },
        "database_cluster_failover" => FaultAction::DatabaseClusterFailover,
        "replica_promotion" => FaultAction::ReplicaPromotion,
        "failover_failure" => FaultAction::FailoverFailure {
            probability: f.probability.as_ref().map_or(1.0, |p| p.value.0),
        },
        "cache_node_loss" => FaultAction::CacheNodeLoss,
        "volume_loss" => FaultAction::VolumeLoss,
        "traffic_spike" | "class_surge" | "dns_stale" => super::faults_load::action(file, f)?,
        "dependency_outage" => FaultAction::DependencyOutage {
            mode: down_mode(file, f.mode.as_ref(), DownMode::Refuse)?,
        },
        "dependency_slow" => match &f.latency {
            Some(latency) => FaultAction::DependencySlow {
                latency: latency.value.0,
            },
            None => return Err(Diagnostic::at_value(
                file,
                &f.action,
                "a dependency_slow needs `latency` (a duration or distribution added to each call)",
            )),
        },
        name @ ("control_plane_outage" | "capacity_limit" | "spot_interruption") => {
            capacity_faults::action(file, raw, name)?
        }
        "instance_terminate" | "instance_stop" | "instance_reboot" | "instance_host_failure" => {
            super::lifecycle_faults::action(file, raw)?
        }
        "deployment" => super::faults_deploy::action(file, raw)?,
        other => match super::data_faults::action(file, raw)? {
            Some(action) => action,
            None => match super::faults_gray::action(file, raw)? {
                Some(gray) => gray,
                None => {
                    return Err(Diagnostic::at_value(
                        file,
                        &f.action,
                        format!("unknown action `{other}`: expected {}", ACTIONS.join(", ")),
                    ))
                }
            },
        },
    };
    super::fault_keys::reject_unused(file, f, &action)?;
    super::faults_deploy::reject_unused(file, f, &action)?;
    capacity_faults::reject_unused_keys(file, f, &action)?;
    if let (Some(mode), false) = (
        &f.mode,
        matches!(
            action,
            FaultAction::InstanceCrash { .. }
                | FaultAction::ZoneOutage { .. }
                | FaultAction::DependencyOutage { .. }
                | FaultAction::Gray(GrayFault::PathBlock { .. })
        ),
    ) {
        return Err(Diagnostic::at_value(
            file,
            mode,
            "`mode` applies only to instance_crash, zone_outage, dependency_outage and path_block",
        ));
    }
    let start = match (&f.at, &f.after) {
        (Some(at), None) => {
            if let Some(delay) = &f.delay {
                return Err(Diagnostic::at_value(
                    file,
                    delay,
                    "`delay` goes with `after`, not `at`",
                ));
            }
            FaultStart::At(clock.resolve(file, at, "fault start")?)
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
    let duration = fault_duration(file, f, &start, clock)?;
    let target = match (&f.target, &action) {
        (None, FaultAction::ControlPlaneOutage { .. } | FaultAction::CapacityLimit { .. }) => {
            capacity_faults::no_target(file, raw, &action)?
        }
        (
            Some(t),
            FaultAction::InstanceTerminate
            | FaultAction::InstanceStop
            | FaultAction::InstanceReboot
            | FaultAction::InstanceHostFailure,
        ) => {
            super::lifecycle_faults::check_target(file, t, &action)?;
            target(file, t)?
        }
        (
            Some(t),
            FaultAction::ControlPlaneOutage { .. }
            | FaultAction::CapacityLimit { .. }
            | FaultAction::SpotInterruption { .. },
        ) => {
            capacity_faults::check_target(file, t, &action)?;
            target(file, t)?
        }
        _ => super::faults_gray::target(file, raw, &action)?,
    };
    if matches!(action, FaultAction::ZoneOutage { .. }) && target.zone.is_none() {
        let message = "a zone_outage needs `zone:` in its target";
        return Err(match &f.target {
            Some(t) => Diagnostic::at_value(file, t, message),
            None => Diagnostic::at_value(file, &f.action, message),
        });
    }
    if matches!(action, FaultAction::ClassSurge { .. }) && target.class.is_none() {
        return Err(Diagnostic::at_value(
            file,
            &f.action,
            "a class_surge needs `class:` in its target",
        ));
    }
    if let (Some(first), false) = (target.filters.first(), action.selects_nodes()) {
        return Err(Diagnostic {
            file: first.pos.file.clone(),
            line: first.pos.line,
            column: first.pos.column,
            message: format!(
                "`filters` select nodes; {} does not act on selected nodes",
                action.name()
            ),
        });
    }
    if target.kind == Some(TargetKind::Zone) {
        let message = "`kind: zone` is for random zone events; a scripted zone outage is `action: zone_outage` with `zone:`";
        return Err(match &f.target {
            Some(t) => Diagnostic::at_value(file, t, message),
            None => Diagnostic::at_value(file, &f.action, message),
        });
    }
    Ok(FaultConfig {
        id,
        action,
        target,
        start,
        duration,
        pos: source_pos(file, &raw.referenced),
    })
}

/// `duration:`, or `until:` (a time, like `at:`) turned into one.
fn fault_duration(
    file: &str,
    f: &RawFault,
    start: &FaultStart,
    clock: &Clock,
) -> Result<Option<SimDuration>, Diagnostic> {
    let Some(until) = &f.until else {
        return Ok(f.duration.as_ref().map(|d| d.value.0));
    };
    if let Some(d) = &f.duration {
        return Err(Diagnostic::at_value(
            file,
            d,
            "give `duration` or `until`, not both",
        ));
    }
    let FaultStart::At(at) = *start else {
        return Err(Diagnostic::at_value(
            file,
            until,
            "`until` goes with `at`; after another fault, give `duration`",
        ));
    };
    let end = clock.resolve(file, until, "fault end")?;
    if end <= at {
        return Err(Diagnostic::at_value(
            file,
            until,
            format!(
                "`until: {}` must be after the fault starts ({at} after the start)",
                until.value.0
            ),
        ));
    }
    Ok(Some(SimDuration(end.0 - at.0)))
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

/// `filters:` as written; paths are checked against the target's kind when
/// a run is built (the attribute table lives beside the world it reads).
fn filters(file: &str, raw: &[Spanned<RawFilter>]) -> Result<Vec<TargetFilter>, Diagnostic> {
    raw.iter()
        .map(|f| {
            if f.value.values.is_empty() {
                return Err(Diagnostic::at_value(
                    file,
                    f,
                    format!(
                        "filter `{}` needs at least one value in `values`",
                        f.value.path.value
                    ),
                ));
            }
            Ok(TargetFilter {
                path: f.value.path.value.clone(),
                values: f.value.values.iter().map(|v| v.0.clone()).collect(),
                pos: source_pos(file, &f.value.path.referenced),
            })
        })
        .collect()
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
    if component.is_none()
        && t.zone.is_none()
        && kind.is_none()
        && t.class.is_none()
        && t.tag.is_none()
        && t.filters.is_empty()
    {
        return Err(Diagnostic::at_value(file, raw, "a target needs at least one of component (or tier, database, cache, load_balancer), zone, kind, tag, filters or class"));
    }
    Ok(TargetConfig {
        component,
        zone: t.zone.clone(),
        kind,
        class: t.class.clone(),
        tag: t.tag.clone(),
        filters: filters(file, &t.filters)?,
        select: t.select.map_or(Selection::All, |s| s.0),
        pos: source_pos(file, &raw.referenced),
    })
}
