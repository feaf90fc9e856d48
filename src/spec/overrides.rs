//! `--set component.field=value`: "what if" changes applied to a resolved
//! model before a replay ("what if the promotion had taken 5 minutes",
//! "what if we had no standby"). Values use the file units (`30s`, `90%`);
//! an unknown key is an error that lists what can be set.

use crate::config::{ComponentKind, HealthCheckConfig, ModelConfig};
use crate::dist::Dist;
use crate::time::SimDuration;

use super::units::{parse_duration, parse_probability};

/// Settable fields per component kind (in help and error messages).
pub const TIER_FIELDS: &[&str] = &["per_zone", "concurrency", "queue_limit"];
pub const LB_FIELDS: &[&str] = &[
    "health_check",
    "health_check.interval",
    "health_check.timeout",
    "health_check.healthy_threshold",
    "health_check.unhealthy_threshold",
    "dns_ttl",
    "connect_timeout",
    "cross_zone",
];
pub const DB_FIELDS: &[&str] = &[
    "standby",
    "failover.detection",
    "failover.promotion",
    "failover.failure_probability",
    "endpoint_ttl",
    "restart_time",
    "concurrency",
    "queue_limit",
];
pub const CACHE_FIELDS: &[&str] = &["hit_ratio", "warmup", "nodes_per_zone"];

/// Applies one `component.field=value`; returns the override as applied
/// (for reports), or a message naming the key and what is valid.
pub fn apply(model: &mut ModelConfig, text: &str) -> Result<String, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("--set `{text}`: expected component.field=value"))?;
    let (key, value) = (key.trim(), value.trim());
    let (component, field) = key.split_once('.').ok_or_else(|| {
        format!("--set `{text}`: expected component.field=value (the key has no `.`)")
    })?;
    let zones = model.zones.clone();
    let names: Vec<String> = model.components.iter().map(|c| c.name.clone()).collect();
    let Some(c) = model.components.iter_mut().find(|c| c.name == component) else {
        return Err(format!(
            "--set `{key}`: the model has no component `{component}` (it has: {})",
            names.join(", ")
        ));
    };
    let bad = |e: String| format!("--set `{key}={value}`: {e}");
    let unknown = |fields: &[&str], kind: &str| {
        format!(
            "--set `{key}`: a {kind} has no settable field `{field}` (valid: {})",
            fields.join(", ")
        )
    };
    match &mut c.kind {
        ComponentKind::Tier(t) => match field {
            "per_zone" => {
                t.per_zone = count(value).map_err(bad)?;
                // An Auto Scaling group needs room for the new desired size.
                let desired = t.per_zone * t.zones.len() as u32;
                if let Some(asg) = &mut t.auto_scaling {
                    asg.desired = desired;
                    asg.min_size = asg.min_size.min(desired);
                    asg.max_size = asg.max_size.max(desired);
                }
            }
            "concurrency" => t.concurrency = count(value).map_err(bad)?.max(1),
            "queue_limit" => t.queue_limit = optional_count(value).map_err(bad)?,
            _ => return Err(unknown(TIER_FIELDS, "tier")),
        },
        ComponentKind::LoadBalancer(b) => {
            let hc =
                || "the load balancer has no health check (set health_check=on first)".to_string();
            match field {
                "health_check" => match value {
                    "none" | "off" => b.health_check = None,
                    "on" => {
                        b.health_check.get_or_insert(HealthCheckConfig {
                            interval: SimDuration::from_secs(30),
                            timeout: SimDuration::from_secs(5),
                            healthy_threshold: 5,
                            unhealthy_threshold: 2,
                        });
                    }
                    _ => return Err(bad("expected `on` or `none`".into())),
                },
                "health_check.interval" => {
                    b.health_check.as_mut().ok_or_else(|| bad(hc()))?.interval =
                        positive_duration(value).map_err(bad)?
                }
                "health_check.timeout" => {
                    b.health_check.as_mut().ok_or_else(|| bad(hc()))?.timeout =
                        parse_duration(value).map_err(bad)?
                }
                "health_check.healthy_threshold" => {
                    b.health_check
                        .as_mut()
                        .ok_or_else(|| bad(hc()))?
                        .healthy_threshold = count(value).map_err(bad)?.max(1)
                }
                "health_check.unhealthy_threshold" => {
                    b.health_check
                        .as_mut()
                        .ok_or_else(|| bad(hc()))?
                        .unhealthy_threshold = count(value).map_err(bad)?.max(1)
                }
                "dns_ttl" => b.dns_ttl = parse_duration(value).map_err(bad)?,
                "connect_timeout" => b.connect_timeout = parse_duration(value).map_err(bad)?,
                "cross_zone" => b.cross_zone = boolean(value).map_err(bad)?,
                _ => return Err(unknown(LB_FIELDS, "load_balancer")),
            }
        }
        ComponentKind::Database(d) => match field {
            "standby" => {
                d.standby_zone = match value {
                    "none" => None,
                    zone => {
                        let z = zones.iter().position(|n| n == zone).ok_or_else(|| {
                            bad(format!(
                                "no zone `{zone}` in the model (it has: {}; or `none`)",
                                zones.join(", ")
                            ))
                        })?;
                        if z == d.primary_zone {
                            return Err(bad(
                                "the standby must be in another zone than the primary".into(),
                            ));
                        }
                        Some(z)
                    }
                }
            }
            "failover.detection" => d.failover.detection = span(value).map_err(bad)?,
            "failover.promotion" => d.failover.promotion = span(value).map_err(bad)?,
            "failover.failure_probability" => {
                d.failover.failure_probability = parse_probability(value).map_err(bad)?
            }
            "endpoint_ttl" => d.endpoint_ttl = parse_duration(value).map_err(bad)?,
            "restart_time" => d.restart_time = span(value).map_err(bad)?,
            "concurrency" => d.concurrency = count(value).map_err(bad)?.max(1),
            "queue_limit" => d.queue_limit = optional_count(value).map_err(bad)?,
            _ => return Err(unknown(DB_FIELDS, "database")),
        },
        ComponentKind::Cache(cache) => match field {
            "hit_ratio" => cache.hit_ratio = parse_probability(value).map_err(bad)?,
            "warmup" => cache.warmup = parse_duration(value).map_err(bad)?,
            "nodes_per_zone" => cache.nodes_per_zone = count(value).map_err(bad)?.max(1),
            _ => return Err(unknown(CACHE_FIELDS, "cache")),
        },
        ComponentKind::ObjectStore(_) | ComponentKind::External(_) => {
            return Err(format!(
                "--set `{key}`: {} components have no settable fields",
                c.kind.name()
            ))
        }
    }
    Ok(format!("{key}={value}"))
}

fn count(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .map_err(|_| format!("expected a whole number, found `{text}`"))
}

fn optional_count(text: &str) -> Result<Option<u32>, String> {
    if text == "none" {
        Ok(None)
    } else {
        count(text).map(Some)
    }
}

fn boolean(text: &str) -> Result<bool, String> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected true or false, found `{text}`")),
    }
}

fn positive_duration(text: &str) -> Result<SimDuration, String> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err("expected a duration above zero".into());
    }
    Ok(d)
}

/// `30s` (always 30 s) or `30s..90s` (uniform between the two).
fn span(text: &str) -> Result<Dist, String> {
    match text.split_once("..") {
        Some((lo, hi)) => {
            let (lo, hi) = (parse_duration(lo.trim())?, parse_duration(hi.trim())?);
            if hi < lo {
                return Err(format!("`{text}`: the upper bound is below the lower"));
            }
            Ok(Dist::Uniform {
                min_s: lo.as_secs_f64(),
                max_s: hi.as_secs_f64(),
            })
        }
        None => Ok(Dist::Constant(parse_duration(text)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_constant_or_uniform() {
        assert_eq!(
            span("30s").unwrap(),
            Dist::Constant(SimDuration::from_secs(30))
        );
        assert_eq!(
            span("1m..2m").unwrap(),
            Dist::Uniform {
                min_s: 60.0,
                max_s: 120.0
            }
        );
        assert!(span("2m..1m").is_err());
    }
}
