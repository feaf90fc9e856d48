//! Resolving one raw component into its config: kind check, fields that do
//! not apply to the kind, names to indices, preset and generic defaults.
//! The user's value always wins, then the preset, then the generic default.

use serde_saphyr::{Location, Spanned};

use super::context::{list, ModelContext};
use super::diagnostics::Diagnostic;
use super::dist_spec::DistSpec;
use super::nested::{health_check, resolve_volume};
use super::raw::RawComponent;
use crate::catalog::{self, generic, Preset};
use crate::config::*;
use crate::dist::Dist;

pub const KINDS: &[&str] = &[
    "tier",
    "load_balancer",
    "database",
    "cache",
    "object_store",
    "external",
];

/// Fields each kind accepts besides `kind`, `preset` and `description`.
fn allowed_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "tier" => &[
            "zones",
            "per_zone",
            "concurrency",
            "queue_limit",
            "overload",
            "admission",
            "service_time",
            "service_time_by_class",
            "volume",
            "auto_scaling",
            "session_state",
            "delete_on_termination",
            "auto_recovery",
            "elastic_ip",
            "boot_time",
            "stop_time",
            "dns_ttl",
            "dns_update_time",
        ],
        "load_balancer" => &[
            "targets",
            "strategy",
            "cross_zone",
            "zones",
            "health_check",
            "connect_timeout",
            "dns_ttl",
            "stickiness",
        ],
        "cache" => &[
            "zones",
            "nodes_per_zone",
            "hit_ratio",
            "warmup",
            "service_time",
            "replace_time",
            "keys",
        ],
        "database" => &[
            "primary",
            "standby",
            "replicas",
            "host",
            "concurrency",
            "queue_limit",
            "overload",
            "admission",
            "read_time",
            "write_time",
            "read_from",
            "failover",
            "endpoint_ttl",
            "restart_time",
            "reboot_time",
            "replica_promotion_time",
            "deployment",
            "volume",
            "backups",
        ],
        _ => &["service_time"],
    }
}

/// The fields present in a raw component, with the position of each value.
fn present_fields(c: &RawComponent) -> Vec<(&'static str, Location)> {
    let mut present = Vec::new();
    macro_rules! check {
        ($($field:ident),*) => {
            $(if let Some(v) = &c.$field { present.push((stringify!($field), v.referenced)); })*
        };
    }
    check!(
        zones,
        per_zone,
        concurrency,
        queue_limit,
        overload,
        admission,
        service_time,
        service_time_by_class,
        volume,
        auto_scaling,
        delete_on_termination,
        auto_recovery,
        elastic_ip,
        boot_time,
        stop_time,
        dns_update_time,
        targets,
        strategy,
        cross_zone,
        health_check,
        connect_timeout,
        dns_ttl,
        stickiness,
        session_state,
        nodes_per_zone,
        hit_ratio,
        warmup,
        replace_time,
        keys,
        primary,
        standby,
        replicas,
        host,
        read_time,
        write_time,
        read_from,
        failover,
        endpoint_ttl,
        restart_time,
        reboot_time,
        replica_promotion_time,
        deployment,
        backups
    );
    present
}

/// The component's kind, checked, and a clear error for a field of another kind.
pub fn checked_kind(
    ctx_file: &str,
    name: &Spanned<String>,
    c: &RawComponent,
) -> Result<String, Diagnostic> {
    let Some(kind) = &c.kind else {
        return Err(Diagnostic::at_value(
            ctx_file,
            name,
            format!(
                "component `{}` has no `kind`: expected one of {}",
                name.value,
                KINDS.join(", ")
            ),
        ));
    };
    if !KINDS.contains(&kind.value.as_str()) {
        return Err(Diagnostic::at_value(
            ctx_file,
            kind,
            format!(
                "unknown kind `{}`: expected one of {}",
                kind.value,
                KINDS.join(", ")
            ),
        ));
    }
    let allowed = allowed_fields(&kind.value);
    for (field, location) in present_fields(c) {
        if !allowed.contains(&field) {
            return Err(Diagnostic::at(
                ctx_file,
                &location,
                format!(
                    "`{field}` does not apply to a {}: expected one of kind, preset, description, tags, {}",
                    kind.value,
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(kind.value.clone())
}

/// `cost_per_month`: a finite amount of US dollars, zero or more.
fn cost_per_month(ctx: &ModelContext, c: &RawComponent) -> Result<Option<f64>, Diagnostic> {
    let Some(cost) = &c.cost_per_month else {
        return Ok(None);
    };
    if !cost.value.is_finite() || cost.value < 0.0 {
        return Err(ctx.error(
            cost,
            format!(
                "`cost_per_month: {}`: expected US dollars per month, a number ≥ 0 (such as 120 or 35.5)",
                cost.value
            ),
        ));
    }
    Ok(Some(cost.value))
}

/// Resolves a component of an already checked kind.
pub fn resolve(
    ctx: &ModelContext,
    name: &Spanned<String>,
    kind: &str,
    c: &RawComponent,
) -> Result<ComponentConfig, Diagnostic> {
    let preset = match &c.preset {
        None => None,
        Some(p) => Some(preset_of_kind(ctx, p, kind)?),
    };
    let resolved = match kind {
        "tier" => ComponentKind::Tier(tier(ctx, name, c, preset)?),
        "load_balancer" => ComponentKind::LoadBalancer(load_balancer(ctx, name, c, preset)?),
        "database" => ComponentKind::Database(database(ctx, name, c, preset)?),
        "cache" => ComponentKind::Cache(cache(ctx, name, c, preset)?),
        "external" => ComponentKind::External(ExternalConfig {
            service_time: dist_or(ctx, name, &c.service_time, "service_time", None)?,
        }),
        _ => ComponentKind::ObjectStore(ObjectStoreConfig {
            service_time: dist_or(
                ctx,
                name,
                &c.service_time,
                "service_time",
                match preset {
                    Some(Preset::ObjectStore(p)) => Some(p.service_time),
                    _ => None,
                },
            )?,
        }),
    };
    Ok(ComponentConfig {
        name: name.value.clone(),
        preset: c.preset.as_ref().map(|p| p.value.clone()),
        tags: c.tags.clone().unwrap_or_default(),
        cost_per_month: cost_per_month(ctx, c)?,
        kind: resolved,
    })
}

/// Looks a preset up and checks it suits the component's kind.
pub fn preset_of_kind(
    ctx: &ModelContext,
    name: &Spanned<String>,
    kind: &str,
) -> Result<Preset, Diagnostic> {
    let found = catalog::lookup(&name.value);
    match found {
        Some(p) if p.kind_name() == kind => Ok(p),
        _ => {
            let names: Vec<String> = catalog::names_of_kind(kind)
                .iter()
                .map(|s| s.to_string())
                .collect();
            Err(ctx.error(
                name,
                format!(
                    "`{}` is not a {kind} preset: expected one of {}",
                    name.value,
                    list(&names)
                ),
            ))
        }
    }
}

/// The user's distribution, else the default, else a "missing field" error.
pub fn dist_or(
    ctx: &ModelContext,
    name: &Spanned<String>,
    field: &Option<Spanned<DistSpec>>,
    field_name: &str,
    default: Option<Dist>,
) -> Result<Dist, Diagnostic> {
    match (field, default) {
        (Some(v), _) => Ok(v.value.0),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(ctx.error(
            name,
            format!(
                "component `{}` needs `{field_name}` (no preset supplies it)",
                name.value
            ),
        )),
    }
}

/// A count that must be at least 1 and at most `max` (a bound that keeps
/// a typo such as `per_zone: 4000000000` from exhausting memory).
fn count_in(
    ctx: &ModelContext,
    v: &Spanned<u32>,
    field: &str,
    max: u32,
) -> Result<u32, Diagnostic> {
    if v.value == 0 || v.value > max {
        return Err(ctx.error(v, format!("`{field}` must be between 1 and {max}")));
    }
    Ok(v.value)
}

/// Upper bounds on counts in a model file.
const MAX_PER_ZONE: u32 = 10_000;
const MAX_CONCURRENCY: u32 = 1_000_000;

fn tier(
    ctx: &ModelContext,
    name: &Spanned<String>,
    c: &RawComponent,
    preset: Option<Preset>,
) -> Result<TierConfig, Diagnostic> {
    let zones = match &c.zones {
        Some(z) => ctx.zone_list(z)?,
        None => (0..ctx.zones.len()).collect(),
    };
    let vcpus = match preset {
        Some(Preset::Instance(p)) => Some(p.vcpus),
        _ => None,
    };
    let concurrency = match (&c.concurrency, vcpus) {
        (Some(v), _) => count_in(ctx, v, "concurrency", MAX_CONCURRENCY)?,
        (None, Some(vcpus)) => vcpus,
        (None, None) => {
            return Err(ctx.error(
                name,
                format!(
                    "tier `{}` needs `concurrency` (or an instance preset such as aws/m5.large)",
                    name.value
                ),
            ))
        }
    };
    let service_time = dist_or(ctx, name, &c.service_time, "service_time", None)?;
    let mut by_class = vec![service_time; ctx.classes.len()];
    if let Some(overrides) = &c.service_time_by_class {
        for (class, dist) in &overrides.value.0 {
            let Some(index) = ctx.classes.iter().position(|k| *k == class.value) else {
                return Err(ctx.error(
                    class,
                    format!(
                        "unknown request class `{}`: the model's classes are {}",
                        class.value,
                        list(&ctx.classes)
                    ),
                ));
            };
            by_class[index] = dist.0;
        }
    }
    let per_zone = match &c.per_zone {
        Some(v) => count_in(ctx, v, "per_zone", MAX_PER_ZONE)?,
        None => generic::TIER_PER_ZONE,
    };
    let auto_scaling = match &c.auto_scaling {
        Some(a) => Some(super::auto_scaling::resolve(
            ctx,
            a,
            zones.len(),
            c.per_zone.as_ref(),
        )?),
        None => None,
    };
    let queue_limit = c
        .queue_limit
        .as_ref()
        .map_or(generic::TIER_QUEUE_LIMIT, |q| q.value);
    Ok(TierConfig {
        zones,
        per_zone,
        concurrency,
        queue_limit: Some(queue_limit),
        overload: super::overload::overload(ctx, &c.overload)?,
        admission: super::admission::admission(ctx, &c.admission, concurrency, queue_limit)?,
        service_time_by_class: by_class,
        volume: match &c.volume {
            Some(v) => Some(resolve_volume(ctx, v)?),
            None => None,
        },
        auto_scaling,
        session_state: match &c.session_state {
            Some(s) => super::sticky::session_state(ctx, s)?,
            None => SessionState::default(),
        },
        instance: instance(c),
    })
}

/// A tier's instance lifecycle settings: the file's, else EC2's defaults.
fn instance(c: &RawComponent) -> InstanceConfig {
    let d = generic::instance();
    let flag = |v: &Option<Spanned<bool>>, default: bool| v.as_ref().map_or(default, |b| b.value);
    InstanceConfig {
        delete_on_termination: flag(&c.delete_on_termination, d.delete_on_termination),
        auto_recovery: flag(&c.auto_recovery, d.auto_recovery),
        elastic_ip: flag(&c.elastic_ip, d.elastic_ip),
        boot_time: c.boot_time.as_ref().map_or(d.boot_time, |v| v.value.0),
        stop_time: c.stop_time.as_ref().map_or(d.stop_time, |v| v.value.0),
        dns_ttl: c.dns_ttl.as_ref().map_or(d.dns_ttl, |v| v.value.0),
        dns_update_time: c
            .dns_update_time
            .as_ref()
            .map_or(d.dns_update_time, |v| v.value.0),
    }
}

fn load_balancer(
    ctx: &ModelContext,
    name: &Spanned<String>,
    c: &RawComponent,
    preset: Option<Preset>,
) -> Result<LoadBalancerConfig, Diagnostic> {
    let defaults = match preset {
        Some(Preset::LoadBalancer(p)) => p,
        _ => generic::load_balancer(),
    };
    let Some(targets) = &c.targets else {
        return Err(ctx.error(
            name,
            format!("load balancer `{}` needs `targets` (a tier)", name.value),
        ));
    };
    let target = ctx.component(targets, Some("tier"))?;
    let zones = match &c.zones {
        Some(z) => ctx.zone_list(z)?,
        // Filled in from the target tier once every component is resolved.
        None => Vec::new(),
    };
    let health_check = match &c.health_check {
        None => defaults.health_check.clone(),
        Some(h) => health_check(ctx, h, defaults.health_check.clone())?,
    };
    Ok(LoadBalancerConfig {
        target,
        strategy: match &c.strategy {
            Some(s) => strategy(ctx, s)?,
            None => defaults.strategy,
        },
        cross_zone: c
            .cross_zone
            .as_ref()
            .map_or(defaults.cross_zone, |v| v.value),
        zones,
        health_check,
        connect_timeout: c
            .connect_timeout
            .as_ref()
            .map_or(defaults.connect_timeout, |v| v.value.0),
        dns_ttl: c.dns_ttl.as_ref().map_or(defaults.dns_ttl, |v| v.value.0),
        stickiness: match &c.stickiness {
            Some(s) => super::sticky::stickiness(ctx, s)?,
            None => None,
        },
    })
}

fn strategy(ctx: &ModelContext, s: &Spanned<String>) -> Result<Strategy, Diagnostic> {
    Ok(match s.value.as_str() {
        "round_robin" => Strategy::RoundRobin,
        "least_outstanding" => Strategy::LeastOutstanding,
        "random" => Strategy::Random,
        "power_of_two_choices" => Strategy::PowerOfTwoChoices,
        "consistent_hash" => Strategy::ConsistentHash,
        other => {
            return Err(ctx.error(
                s,
                format!("unknown strategy `{other}`: expected round_robin, least_outstanding, random, power_of_two_choices or consistent_hash"),
            ))
        }
    })
}

fn cache(
    ctx: &ModelContext,
    name: &Spanned<String>,
    c: &RawComponent,
    preset: Option<Preset>,
) -> Result<CacheConfig, Diagnostic> {
    let p = match preset {
        Some(Preset::Cache(p)) => Some(p),
        _ => None,
    };
    let keys = super::keyed_cache::keys(ctx, &c.keys)?;
    if let (Some(_), Some(v)) = (&keys, &c.hit_ratio) {
        return Err(ctx.error(
            v,
            "a cache with `keys` has no `hit_ratio`: its hit ratio emerges from the key space",
        ));
    }
    Ok(CacheConfig {
        keys,
        zones: match &c.zones {
            Some(z) => ctx.zone_list(z)?,
            None => (0..ctx.zones.len()).collect(),
        },
        nodes_per_zone: match &c.nodes_per_zone {
            Some(v) => count_in(ctx, v, "nodes_per_zone", MAX_PER_ZONE)?,
            None => generic::CACHE_NODES_PER_ZONE,
        },
        hit_ratio: c
            .hit_ratio
            .as_ref()
            .map_or(generic::CACHE_HIT_RATIO, |v| v.value.0),
        warmup: c
            .warmup
            .as_ref()
            .map(|v| v.value.0)
            .or(p.as_ref().map(|p| p.warmup))
            .unwrap_or(generic::CACHE_WARMUP),
        service_time: dist_or(
            ctx,
            name,
            &c.service_time,
            "service_time",
            p.as_ref().map(|p| p.service_time),
        )?,
        replace_time: dist_or(
            ctx,
            name,
            &c.replace_time,
            "replace_time",
            Some(
                p.map_or(generic::constant(generic::CACHE_REPLACE_TIME), |p| {
                    p.replace_time
                }),
            ),
        )?,
    })
}

fn database(
    ctx: &ModelContext,
    name: &Spanned<String>,
    c: &RawComponent,
    preset: Option<Preset>,
) -> Result<DatabaseConfig, Diagnostic> {
    let p = match preset {
        Some(Preset::Database(p)) => Some(p),
        _ => None,
    };
    super::database::resolve(ctx, name, c, p.as_ref())
}
