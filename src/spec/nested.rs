//! Nested settings maps shared by several kinds: volumes and health checks.

use serde_saphyr::Spanned;

use super::context::{list, ModelContext};
use super::diagnostics::Diagnostic;
use super::raw::{RawHealthCheck, RawVolume};
use crate::catalog::{self, generic, Preset};
use crate::config::{HealthCheckConfig, IncrementalSnapshot, SnapshotTime, VolumeConfig};

/// A volume: the preset's figures (or the generic ones), overridden field by
/// field. Snapshots are off unless `snapshot_every` is given.
pub fn resolve_volume(
    ctx: &ModelContext,
    raw: &Spanned<RawVolume>,
) -> Result<VolumeConfig, Diagnostic> {
    let settings = &raw.value.0;
    let preset = match &settings.preset {
        None => None,
        Some(name) => match catalog::lookup(name) {
            Some(Preset::Volume(p)) => Some(p),
            _ => {
                let names: Vec<String> = catalog::names_of_kind("volume")
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                return Err(ctx.error(
                    raw,
                    format!(
                        "`{name}` is not a volume preset: expected one of {}",
                        list(&names)
                    ),
                ));
            }
        },
    };
    let snapshot_every = settings
        .snapshot_every
        .map(|d| d.0)
        .filter(|d| !d.is_zero());
    let size_gb = settings.size_gb.unwrap_or(generic::VOLUME_SIZE_GB);
    if size_gb == 0 {
        return Err(ctx.error(raw, "a volume's `size_gb` must be at least 1"));
    }
    Ok(VolumeConfig {
        volume_type: settings.preset.clone(),
        size_gb,
        snapshot_every,
        snapshot_duration: snapshot_time(
            ctx,
            raw,
            preset
                .as_ref()
                .map_or(generic::INCREMENTAL_SNAPSHOT, |p| p.snapshot),
        )?,
        restore_time: match &settings.restore_time {
            Some(d) => d.0,
            None => preset
                .as_ref()
                .map_or(generic::constant(generic::VOLUME_RESTORE_TIME), |p| {
                    p.restore_time
                }),
        },
        annual_failure_rate: match settings.annual_failure_rate {
            Some(p) => p.0,
            None => preset.map_or(generic::VOLUME_ANNUAL_FAILURE_RATE, |p| {
                p.annual_failure_rate
            }),
        },
    })
}

/// `snapshot_duration` fixes the time; otherwise snapshots are incremental
/// and `snapshot_overhead`, `snapshot_mib_per_s` and `kib_per_write`
/// override the default rates (`model::snapshot_time`).
fn snapshot_time(
    ctx: &ModelContext,
    raw: &Spanned<RawVolume>,
    base: IncrementalSnapshot,
) -> Result<SnapshotTime, Diagnostic> {
    let settings = &raw.value.0;
    let incremental_fields = settings.snapshot_overhead.is_some()
        || settings.snapshot_mib_per_s.is_some()
        || settings.kib_per_write.is_some();
    if let Some(d) = &settings.snapshot_duration {
        if incremental_fields {
            return Err(ctx.error(
                raw,
                "a volume's `snapshot_duration` fixes the snapshot time: drop it, or drop `snapshot_overhead`, `snapshot_mib_per_s` and `kib_per_write` (the incremental rates)",
            ));
        }
        return Ok(SnapshotTime::Fixed(d.0));
    }
    let positive = |v: Option<f64>, name: &str, default: f64| match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x > 0.0 => Ok(x),
        Some(x) => Err(ctx.error(
            raw,
            format!("a volume's `{name}` must be a positive number, got {x}"),
        )),
    };
    Ok(SnapshotTime::Incremental(IncrementalSnapshot {
        overhead: settings.snapshot_overhead.map_or(base.overhead, |d| d.0),
        mib_per_s: positive(
            settings.snapshot_mib_per_s,
            "snapshot_mib_per_s",
            base.mib_per_s,
        )?,
        kib_per_write: positive(settings.kib_per_write, "kib_per_write", base.kib_per_write)?,
    }))
}

/// `disabled`, or settings over the preset's (or generic ALB-like) checks.
pub fn health_check(
    ctx: &ModelContext,
    raw: &Spanned<RawHealthCheck>,
    defaults: Option<HealthCheckConfig>,
) -> Result<Option<HealthCheckConfig>, Diagnostic> {
    let settings = match &raw.value {
        RawHealthCheck::Disabled => return Ok(None),
        RawHealthCheck::Settings(s) => s,
    };
    let base = defaults.unwrap_or_else(|| {
        generic::load_balancer()
            .health_check
            .unwrap_or(HealthCheckConfig {
                interval: crate::time::SimDuration::from_secs(30),
                timeout: crate::time::SimDuration::from_secs(5),
                healthy_threshold: 5,
                unhealthy_threshold: 2,
            })
    });
    let check = HealthCheckConfig {
        interval: settings.interval.map_or(base.interval, |d| d.0),
        timeout: settings.timeout.map_or(base.timeout, |d| d.0),
        healthy_threshold: settings.healthy_threshold.unwrap_or(base.healthy_threshold),
        unhealthy_threshold: settings
            .unhealthy_threshold
            .unwrap_or(base.unhealthy_threshold),
    };
    if check.interval.is_zero() || check.healthy_threshold == 0 || check.unhealthy_threshold == 0 {
        return Err(ctx.error(raw, "a health check needs interval > 0 and thresholds ≥ 1"));
    }
    if check.timeout >= check.interval {
        return Err(ctx.error(
            raw,
            "a health check's timeout must be shorter than its interval (as ELB requires)",
        ));
    }
    Ok(Some(check))
}
