//! Resolving a `kind: database` component: placement (primary, standby,
//! replicas), timings and failover from the preset, volume and backups.
//! Rules that need other components (`host:`) are checked in `model`.

use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::nested::resolve_volume;
use super::raw::RawComponent;
use crate::catalog::{generic, DatabasePreset};
use crate::config::*;
use crate::dist::Dist;

pub fn resolve(
    ctx: &ModelContext,
    name: &Spanned<String>,
    c: &RawComponent,
    p: Option<&DatabasePreset>,
) -> Result<DatabaseConfig, Diagnostic> {
    let primary_zone = match &c.primary {
        Some(z) => ctx.zone(z)?,
        None if ctx.zones.len() == 1 => 0,
        None => {
            return Err(ctx.error(
                name,
                format!(
                    "database `{}` needs `primary` (a zone) when the model has several zones",
                    name.value
                ),
            ))
        }
    };
    let deployment = deployment(ctx, c, p)?;
    let standby_zone = standby(ctx, name, c, p, deployment, primary_zone)?;
    let replicas = match &c.replicas {
        None => Vec::new(),
        Some(list) => list
            .value
            .iter()
            .map(|r| {
                Ok(ReplicaConfig {
                    zone: ctx.zone(&r.zone)?,
                    lag: r.lag.as_ref().map(|l| l.0).unwrap_or_else(|| {
                        p.map_or(generic::constant(generic::DATABASE_REPLICA_LAG), |p| {
                            p.replica_lag
                        })
                    }),
                })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?,
    };
    let concurrency = match (&c.concurrency, p) {
        (Some(v), _) if v.value == 0 => return Err(ctx.error(v, "`concurrency` must be ≥ 1")),
        (Some(v), _) => v.value,
        (None, Some(p)) => p.concurrency,
        (None, None) => {
            return Err(ctx.error(
                name,
                format!(
                    "database `{}` needs `concurrency` (no preset supplies it)",
                    name.value
                ),
            ))
        }
    };
    let required = |field: &Option<Spanned<super::dist_spec::DistSpec>>,
                    field_name: &str,
                    default: Option<Dist>| {
        super::components::dist_or(ctx, name, field, field_name, default)
    };
    let failover = failover(c, p, deployment);
    if failover.promote_replicas && deployment.is_some_and(|d| d != Deployment::Aurora) {
        let message = format!(
                "database `{}` is an RDS {} deployment: RDS never promotes a read replica on its own (promotion is the manual `PromoteReadReplica`: use a `replica_promotion` fault action); only Aurora fails over to replicas (`deployment: aurora`)",
                name.value,
                deployment.map_or("", |d| d.name())
            );
        return Err(match &c.failover {
            Some(f) => ctx.error(f, message),
            None => ctx.error(name, message),
        });
    }
    let queue_limit = c
        .queue_limit
        .as_ref()
        .map_or(generic::TIER_QUEUE_LIMIT, |q| q.value);
    Ok(DatabaseConfig {
        primary_zone,
        standby_zone,
        replicas,
        // Resolved in `model` once every component name is known.
        host: None,
        concurrency,
        // Connections waiting beyond the backlog are refused, as for tiers.
        queue_limit: Some(queue_limit),
        overload: super::overload::overload(ctx, &c.overload)?,
        admission: super::admission::admission(ctx, &c.admission, concurrency, queue_limit)?,
        read_time: required(&c.read_time, "read_time", p.map(|p| p.read_time))?,
        write_time: required(&c.write_time, "write_time", p.map(|p| p.write_time))?,
        read_from: match &c.read_from {
            None => ReadFrom::Primary,
            Some(r) => match r.value.as_str() {
                "primary" => ReadFrom::Primary,
                "replicas" => ReadFrom::Replicas,
                other => {
                    return Err(ctx.error(
                        r,
                        format!("unknown read_from `{other}`: expected primary or replicas"),
                    ))
                }
            },
        },
        failover,
        endpoint_ttl: c
            .endpoint_ttl
            .as_ref()
            .map(|v| v.value.0)
            .unwrap_or_else(|| p.map_or(generic::DATABASE_ENDPOINT_TTL, |p| p.endpoint_ttl)),
        restart_time: required(
            &c.restart_time,
            "restart_time",
            Some(
                p.map_or(generic::constant(generic::DATABASE_RESTART_TIME), |p| {
                    p.restart_time
                }),
            ),
        )?,
        reboot_time: required(
            &c.reboot_time,
            "reboot_time",
            Some(
                p.map_or(generic::constant(generic::DATABASE_REBOOT_TIME), |p| {
                    p.reboot_time
                }),
            ),
        )?,
        replica_promotion_time: required(
            &c.replica_promotion_time,
            "replica_promotion_time",
            Some(p.map_or(
                generic::constant(generic::DATABASE_REPLICA_PROMOTION_TIME),
                |p| p.replica_promotion_time,
            )),
        )?,
        deployment,
        volume: match &c.volume {
            Some(v) => Some(resolve_volume(ctx, v)?),
            None => None,
        },
        log_upload_every: match c.backups.as_ref().and_then(|b| b.value.log_upload_every) {
            Some(every) if every.0.is_zero() => None,
            Some(every) => Some(every.0),
            None => p.and_then(|p| p.log_upload_every),
        },
    })
}

/// `deployment:` as written, else the preset's; `None` for a generic database.
fn deployment(
    ctx: &ModelContext,
    c: &RawComponent,
    p: Option<&DatabasePreset>,
) -> Result<Option<Deployment>, Diagnostic> {
    match &c.deployment {
        None => Ok(p.map(|p| p.deployment)),
        Some(d) => match Deployment::parse(&d.value) {
            Some(d) => Ok(Some(d)),
            None => Err(ctx.error(
                d,
                format!(
                    "unknown deployment `{}`: expected {}",
                    d.value,
                    Deployment::NAMES.join(", ")
                ),
            )),
        },
    }
}

/// The standby zone: as written, or for a Multi-AZ deployment (or preset)
/// the first model zone after the primary. It must differ from the
/// primary, and a Single-AZ instance or Aurora cluster has none.
fn standby(
    ctx: &ModelContext,
    name: &Spanned<String>,
    c: &RawComponent,
    p: Option<&DatabasePreset>,
    deployment: Option<Deployment>,
    primary_zone: ZoneIndex,
) -> Result<Option<ZoneIndex>, Diagnostic> {
    let multi_az = match (&c.deployment, deployment) {
        (Some(_), Some(d)) => d.multi_az(),
        _ => p.is_some_and(|p| p.multi_az),
    };
    match &c.standby {
        Some(z) if deployment.is_some_and(|d| !d.multi_az()) => Err(ctx.error(
            z,
            format!(
                "database `{}` is a `{}` deployment, which has no standby (remove `standby`, or use multi_az_instance or multi_az_cluster)",
                name.value,
                deployment.map_or("", |d| d.name())
            ),
        )),
        Some(z) => {
            let zone = ctx.zone(z)?;
            if zone == primary_zone {
                return Err(ctx.error(
                    z,
                    format!(
                        "the standby zone `{}` must differ from the primary zone",
                        z.value
                    ),
                ));
            }
            Ok(Some(zone))
        }
        None if multi_az => {
            let n = ctx.zones.len();
            if n < 2 {
                return Err(ctx.error(
                    name,
                    format!("database `{}` uses a Multi-AZ preset, which needs a second zone for its standby", name.value),
                ));
            }
            Ok(Some((primary_zone + 1) % n))
        }
        None => Ok(None),
    }
}

fn failover(
    c: &RawComponent,
    p: Option<&DatabasePreset>,
    deployment: Option<Deployment>,
) -> FailoverConfig {
    let raw = c.failover.as_ref();
    let settings = raw.map(|f| &f.value);
    let detection = settings.and_then(|f| f.detection.as_ref()).map(|d| d.0);
    let promotion = settings.and_then(|f| f.promotion.as_ref()).map(|d| d.0);
    FailoverConfig {
        detection: detection.unwrap_or_else(|| {
            p.map_or(generic::constant(generic::DATABASE_DETECTION), |p| {
                p.detection
            })
        }),
        promotion: promotion.unwrap_or_else(|| {
            p.map_or(generic::constant(generic::DATABASE_PROMOTION), |p| {
                p.promotion
            })
        }),
        failure_probability: settings
            .and_then(|f| f.failure_probability)
            .map_or(p.map_or(0.0, |p| p.failure_probability), |v| v.0),
        promote_replicas: settings
            .and_then(|f| f.promote_replicas)
            .unwrap_or(match deployment {
                Some(d) => d == Deployment::Aurora,
                None => p.is_some_and(|p| p.promote_replicas),
            }),
    }
}
