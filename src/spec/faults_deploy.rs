//! `action: deployment` in scenario files: a new version rolled over a
//! tier's instances (behaviour in `fault/deploy.rs`). Its keys (`strategy`,
//! `batch`, `canary`, `bake`, `wait`, `restart`, `version`, `rollback`)
//! belong to it alone; any other action carrying one is an error at the key.
//!
//! Defaults (AWS CodeDeploy, "Working with deployment configurations in
//! CodeDeploy"): `strategy: rolling` with `batch: 25%` (between
//! CodeDeployDefault.OneAtATime and HalfAtATime); `canary` 10 % and `bake`
//! 5 min (CodeDeployDefault.ECSCanary10Percent5Minutes); `wait` 60 s, a
//! health-check grace (assumption: two 30 s ELB health-check intervals,
//! Elastic Load Balancing "Health checks for your target groups").

use serde_saphyr::{Location, Spanned};

use super::diagnostics::Diagnostic;
use super::raw_scenario::RawFault;
use crate::config::{DeployStrategy, DeploymentConfig, FaultAction, Rollback};
use crate::time::SimDuration;

pub const DEFAULT_BATCH: f64 = 0.25;
pub const DEFAULT_CANARY: f64 = 0.10;
pub const DEFAULT_BAKE: SimDuration = SimDuration::from_secs(300);
pub const DEFAULT_WAIT: SimDuration = SimDuration::from_secs(60);

pub fn action(file: &str, raw: &Spanned<RawFault>) -> Result<FaultAction, Diagnostic> {
    let f = &raw.value;
    let strategy_name = f.strategy.as_ref().map_or("rolling", |s| s.value.as_str());
    let wrong = |key: &str, at: &Location| {
        Diagnostic::at(
            file,
            at,
            format!("`{key}` does not apply to a {strategy_name} deployment"),
        )
    };
    let strategy = match strategy_name {
        "rolling" => {
            if let Some(c) = &f.canary {
                return Err(wrong("canary", &c.referenced));
            }
            if let Some(b) = &f.bake {
                return Err(wrong("bake", &b.referenced));
            }
            let batch = f.batch.as_ref().map_or(DEFAULT_BATCH, |b| b.value.0);
            if let (Some(b), true) = (&f.batch, batch <= 0.0) {
                return Err(Diagnostic::at_value(
                    file,
                    b,
                    "a deployment `batch` must be > 0 (100% deploys all at once)",
                ));
            }
            DeployStrategy::Rolling { batch }
        }
        "canary" => {
            if let Some(b) = &f.batch {
                return Err(wrong("batch", &b.referenced));
            }
            let fraction = f.canary.as_ref().map_or(DEFAULT_CANARY, |c| c.value.0);
            if let (Some(c), false) = (&f.canary, fraction > 0.0 && fraction < 1.0) {
                return Err(Diagnostic::at_value(
                    file,
                    c,
                    "a `canary` share must be between 0% and 100% (both excluded)",
                ));
            }
            DeployStrategy::Canary {
                fraction,
                bake: f.bake.as_ref().map_or(DEFAULT_BAKE, |b| b.value.0),
            }
        }
        "blue_green" => {
            for (key, at) in [
                ("batch", f.batch.as_ref().map(|v| &v.referenced)),
                ("canary", f.canary.as_ref().map(|v| &v.referenced)),
                ("bake", f.bake.as_ref().map(|v| &v.referenced)),
            ] {
                if let Some(at) = at {
                    return Err(wrong(key, at));
                }
            }
            DeployStrategy::BlueGreen
        }
        other => {
            let at = f.strategy.as_ref().map(|s| &s.referenced);
            return Err(Diagnostic::at(
                file,
                at.unwrap_or(&raw.referenced),
                format!(
                    "unknown deployment strategy `{other}`: expected rolling, blue_green or canary"
                ),
            ));
        }
    };
    let Some(version) = &f.version else {
        return Err(Diagnostic::at_value(
            file,
            raw,
            "a deployment needs `version: { error_rate: ..., slowdown: ..., latency: ... }` (an empty `version: {}` deploys an identical version)",
        ));
    };
    let v = &version.value;
    let slowdown = match &v.slowdown {
        None => 1.0,
        Some(s) if s.value.is_finite() && s.value >= 1.0 && s.value <= 1_000.0 => s.value,
        Some(s) => {
            return Err(Diagnostic::at_value(
                file,
                s,
                format!(
                    "a version's `slowdown` must be a number from 1 to 1000, got {}",
                    s.value
                ),
            ))
        }
    };
    let rollback = match &f.rollback {
        None => None,
        Some(r) => match (&r.value.alarm, &r.value.stop_conditions) {
            (Some(alarm), None) => Some(Rollback::Alarm(super::raw_random::stop_condition(
                file, alarm,
            )?)),
            (None, Some(on)) if on.value => Some(Rollback::StopConditions),
            (None, Some(on)) => {
                return Err(Diagnostic::at_value(
                    file,
                    on,
                    "`stop_conditions: false` rolls back on nothing: leave `rollback` out",
                ))
            }
            _ => {
                return Err(Diagnostic::at_value(
                    file,
                    r,
                    "a `rollback` needs exactly one of `alarm: { metric: ..., below|above: ..., window: ... }` and `stop_conditions: true`",
                ))
            }
        },
    };
    if let Some(d) = f.duration.as_ref() {
        return Err(Diagnostic::at_value(
            file,
            d,
            "a deployment takes no `duration`: it ends when its last batch is in (or rolled back)",
        ));
    }
    if let Some(u) = f.until.as_ref() {
        return Err(Diagnostic::at_value(
            file,
            u,
            "a deployment takes no `until`: it ends when its last batch is in (or rolled back)",
        ));
    }
    Ok(FaultAction::Deployment(Box::new(DeploymentConfig {
        strategy,
        wait: f.wait.as_ref().map_or(DEFAULT_WAIT, |w| w.value.0),
        restart: f.restart.as_ref().map(|r| r.value.0),
        error_rate: v.error_rate.as_ref().map_or(0.0, |e| e.value.0),
        slowdown,
        latency: v.latency.as_ref().map(|l| l.value.0),
        rollback,
    })))
}

/// The deployment keys are errors on any other action.
pub fn reject_unused(file: &str, f: &RawFault, action: &FaultAction) -> Result<(), Diagnostic> {
    if matches!(action, FaultAction::Deployment(_)) {
        return Ok(());
    }
    let keys: [(&str, Option<&Location>); 8] = [
        ("strategy", f.strategy.as_ref().map(|v| &v.referenced)),
        ("batch", f.batch.as_ref().map(|v| &v.referenced)),
        ("canary", f.canary.as_ref().map(|v| &v.referenced)),
        ("bake", f.bake.as_ref().map(|v| &v.referenced)),
        ("wait", f.wait.as_ref().map(|v| &v.referenced)),
        ("restart", f.restart.as_ref().map(|v| &v.referenced)),
        ("version", f.version.as_ref().map(|v| &v.referenced)),
        ("rollback", f.rollback.as_ref().map(|v| &v.referenced)),
    ];
    for (key, at) in keys {
        if let Some(at) = at {
            return Err(Diagnostic::at(
                file,
                at,
                format!(
                    "`{key}` does not apply to {0}: it is a parameter of `deployment`",
                    action.name()
                ),
            ));
        }
    }
    Ok(())
}
