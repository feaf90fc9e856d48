//! Validation of the capacity and control-plane actions:
//!
//! ```yaml
//! - { action: control_plane_outage, at: 10m, duration: 1h, launch: true, attach: false, dns: true }
//! - { action: capacity_limit, target: { zone: a }, instances: 2, at: 10m, duration: 1h }
//! - { action: spot_interruption, target: { tier: web, select: percent(50) }, rebalance: true, at: 10m }
//! ```
//!
//! `launch`, `attach` and `dns` each default to true (an outage blocks all
//! three unless told otherwise); a control-plane outage is regional and
//! takes no target; a capacity limit takes a `zone` or nothing (all zones);
//! a spot interruption has no duration (reclaimed capacity does not come
//! back by itself).

use serde_saphyr::Spanned;

use super::diagnostics::{source_pos, Diagnostic};
use super::raw_scenario::{RawFault, RawTarget};
use crate::config::{FaultAction, Selection, TargetConfig};

pub fn action(file: &str, raw: &Spanned<RawFault>, name: &str) -> Result<FaultAction, Diagnostic> {
    let f = &raw.value;
    Ok(match name {
        "control_plane_outage" => {
            let flag = |v: &Option<Spanned<bool>>| v.as_ref().is_none_or(|b| b.value);
            let (launch, attach, dns) = (flag(&f.launch), flag(&f.attach), flag(&f.dns));
            if !(launch || attach || dns) {
                return Err(Diagnostic::at_value(
                    file,
                    raw,
                    "a control_plane_outage must block at least one of launch, attach, dns",
                ));
            }
            FaultAction::ControlPlaneOutage {
                launch,
                attach,
                dns,
            }
        }
        "capacity_limit" => {
            match &f.instances {
                Some(n) => FaultAction::CapacityLimit { instances: n.value },
                None => return Err(Diagnostic::at_value(
                    file,
                    raw,
                    "a capacity_limit needs `instances`: how many launches the zones still allow",
                )),
            }
        }
        _ => {
            if f.duration.is_some() || f.until.is_some() {
                return Err(Diagnostic::at_value(
                    file,
                    raw,
                    "a spot_interruption takes no `duration` or `until`: reclaimed instances do not come back (an Auto Scaling group replaces them)",
                ));
            }
            FaultAction::SpotInterruption {
                rebalance: f.rebalance.as_ref().is_some_and(|b| b.value),
            }
        }
    })
}

/// The keys of these actions are errors on any other action (and on the
/// wrong one of these).
pub fn reject_unused_keys(
    file: &str,
    f: &RawFault,
    action: &FaultAction,
) -> Result<(), Diagnostic> {
    let cp = matches!(action, FaultAction::ControlPlaneOutage { .. });
    let keys = [
        ("launch", &f.launch, cp),
        ("attach", &f.attach, cp),
        ("dns", &f.dns, cp),
        (
            "rebalance",
            &f.rebalance,
            matches!(action, FaultAction::SpotInterruption { .. }),
        ),
    ];
    for (key, value, used) in keys {
        if let (Some(v), false) = (value, used) {
            return Err(Diagnostic::at_value(
                file,
                v,
                format!("`{key}` does not apply to {}", action.name()),
            ));
        }
    }
    if let (Some(v), false) = (
        &f.instances,
        matches!(action, FaultAction::CapacityLimit { .. }),
    ) {
        return Err(Diagnostic::at_value(
            file,
            v,
            format!("`instances` does not apply to {}", action.name()),
        ));
    }
    Ok(())
}

/// Checks a given target suits the action.
pub fn check_target(
    file: &str,
    t: &Spanned<RawTarget>,
    action: &FaultAction,
) -> Result<(), Diagnostic> {
    let v = &t.value;
    let names_component = v.component.is_some()
        || v.tier.is_some()
        || v.database.is_some()
        || v.cache.is_some()
        || v.load_balancer.is_some();
    match action {
        FaultAction::ControlPlaneOutage { .. } => Err(Diagnostic::at_value(
            file,
            t,
            "a control_plane_outage is regional: remove its `target`",
        )),
        FaultAction::CapacityLimit { .. }
            if names_component || v.kind.is_some() || v.select.is_some() =>
        {
            Err(Diagnostic::at_value(
                file,
                t,
                "a capacity_limit's target takes only `zone` (or leave it out for every zone)",
            ))
        }
        FaultAction::SpotInterruption { .. }
            if v.database.is_some()
                || v.cache.is_some()
                || v.load_balancer.is_some()
                || v.kind.as_ref().is_some_and(|k| k.value != "instance") =>
        {
            Err(Diagnostic::at_value(
                file,
                t,
                "a spot_interruption targets instances: use `tier`, `zone` and `select`",
            ))
        }
        _ => Ok(()),
    }
}

/// The target of an action written without one, or an error if it needs one.
pub fn no_target(
    file: &str,
    raw: &Spanned<RawFault>,
    action: &FaultAction,
) -> Result<TargetConfig, Diagnostic> {
    match action {
        FaultAction::ControlPlaneOutage { .. } | FaultAction::CapacityLimit { .. } => {
            Ok(TargetConfig {
                class: None,
                tag: None,
                filters: Vec::new(),
                component: None,
                zone: None,
                kind: None,
                select: Selection::All,
                pos: source_pos(file, &raw.referenced),
            })
        }
        _ => Err(Diagnostic::at_value(
            file,
            raw,
            format!("a {} needs a `target`", action.name()),
        )),
    }
}
