//! Validation of the instance lifecycle actions (AWS FIS names):
//!
//! ```yaml
//! - { action: instance_terminate, target: { tier: web, select: count(1) }, at: 10m }
//! - { action: instance_stop, target: { tier: web }, at: 10m, duration: 5m }
//! - { action: instance_reboot, target: { tier: web }, at: 10m }
//! - { action: instance_host_failure, target: { tier: web }, at: 10m, duration: 1h }
//! ```
//!
//! They target instances (`tier`, `zone`, `kind: instance`, `tag`,
//! `select`). A reboot takes no duration (it lasts one boot); a stop's
//! duration is FIS's `startInstancesAfterDuration`; a termination's is how
//! long an operator takes to launch a replacement when no Auto Scaling
//! group does; a host failure's is how long the host stays failed when
//! automatic recovery is off.

use serde_saphyr::Spanned;

use super::diagnostics::Diagnostic;
use super::raw_scenario::{RawFault, RawTarget};
use crate::config::FaultAction;

pub fn action(file: &str, raw: &Spanned<RawFault>) -> Result<FaultAction, Diagnostic> {
    let f = &raw.value;
    let action = match f.action.value.as_str() {
        "instance_terminate" => FaultAction::InstanceTerminate,
        "instance_stop" => FaultAction::InstanceStop,
        "instance_reboot" => FaultAction::InstanceReboot,
        _ => FaultAction::InstanceHostFailure,
    };
    if action == FaultAction::InstanceReboot {
        if let Some(d) = &f.duration {
            return Err(Diagnostic::at_value(
                file,
                d,
                "an instance_reboot takes no `duration`: it lasts one boot (the tier's `boot_time`)",
            ));
        }
        if let Some(u) = &f.until {
            return Err(Diagnostic::at_value(
                file,
                u,
                "an instance_reboot takes no `until`: it lasts one boot (the tier's `boot_time`)",
            ));
        }
    }
    Ok(action)
}

/// These actions act on instances only.
pub fn check_target(
    file: &str,
    t: &Spanned<RawTarget>,
    action: &FaultAction,
) -> Result<(), Diagnostic> {
    let v = &t.value;
    if v.database.is_some()
        || v.cache.is_some()
        || v.load_balancer.is_some()
        || v.class.is_some()
        || v.kind.as_ref().is_some_and(|k| k.value != "instance")
    {
        return Err(Diagnostic::at_value(
            file,
            t,
            format!(
                "an {} targets instances: use `tier`, `zone`, `tag`, `kind: instance` and `select`",
                action.name()
            ),
        ));
    }
    Ok(())
}
