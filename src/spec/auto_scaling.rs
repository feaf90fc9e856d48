//! A tier's `auto_scaling:` block: `aws/asg` alone, or a map overriding the
//! preset's (or the generic) figures, the group's size and its scaling
//! policies.
//!
//! ```yaml
//! auto_scaling: { preset: aws/asg, health_check: elb, grace_period: 300s,
//!                 launch_time: { lognormal: { median: 30s, p99: 120s } },
//!                 warmup: 60s, desired: 4, min: 2, max: 12,
//!                 policies: [{ type: target_tracking, metric: utilization, target: 50 }] }
//! ```
//!
//! Size: the tier's `per_zone` is shorthand for `desired` = `per_zone` ×
//! zones (and then `min` defaults to it); without either the group has one
//! instance per zone (the tier default). As in CloudFormation, `desired` defaults to `min`,
//! `min` to `desired`, and `max` (also spelt `max_size`) to twice
//! `desired`; `min ≤ desired ≤ max` is checked.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::context::{list, ModelContext};
use super::diagnostics::Diagnostic;
use super::dist_spec::DistSpec;
use super::units::Duration;
use crate::catalog::{self, generic, Preset};
use crate::config::{AsgHealthCheck, AutoScalingConfig};

/// Instance slots a tier may keep for its group (memory stays bounded).
pub const MAX_ASG_SIZE: u32 = 100_000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoScalingSettings {
    pub preset: Option<Spanned<String>>,
    pub health_check: Option<Spanned<String>>,
    pub grace_period: Option<Duration>,
    pub launch_time: Option<DistSpec>,
    pub warmup: Option<Duration>,
    pub desired: Option<Spanned<u32>>,
    pub min: Option<Spanned<u32>>,
    pub max: Option<Spanned<u32>>,
    pub max_size: Option<Spanned<u32>>,
    pub policies: Option<Spanned<Vec<Spanned<super::scaling_policy::RawScalingPolicy>>>>,
}

#[derive(Debug)]
pub struct RawAutoScaling(pub RawAutoScalingSettings);

impl<'de> Deserialize<'de> for RawAutoScaling {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AsgVisitor;
        impl<'de> Visitor<'de> for AsgVisitor {
            type Value = RawAutoScaling;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`aws/asg` or a map with preset, health_check, grace_period, launch_time, warmup, desired, min, max, policies")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawAutoScaling, E> {
                if catalog::lookup(v).is_some_and(|p| p.kind_name() == "auto_scaling") {
                    Ok(RawAutoScaling(RawAutoScalingSettings::default()))
                } else {
                    Err(E::custom(format!(
                        "`{v}` is not an Auto Scaling preset: expected `aws/asg` or a map"
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAutoScaling, A::Error> {
                RawAutoScalingSettings::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawAutoScaling)
            }
        }
        deserializer.deserialize_any(AsgVisitor)
    }
}

/// Resolves the block for a tier over `zones` zones whose `per_zone`, if
/// the file gives one, is `per_zone`.
pub fn resolve(
    ctx: &ModelContext,
    raw: &Spanned<RawAutoScaling>,
    zones: usize,
    per_zone: Option<&Spanned<u32>>,
) -> Result<AutoScalingConfig, Diagnostic> {
    let s = &raw.value.0;
    let preset = match &s.preset {
        None => generic::auto_scaling(),
        Some(name) => match catalog::lookup(&name.value) {
            Some(Preset::AutoScaling(p)) => p,
            _ => {
                let names: Vec<String> = catalog::names_of_kind("auto_scaling")
                    .iter()
                    .map(|n| n.to_string())
                    .collect();
                return Err(ctx.error(
                    name,
                    format!(
                        "`{}` is not an Auto Scaling preset: expected one of {}",
                        name.value,
                        list(&names)
                    ),
                ));
            }
        },
    };
    let health_check = match &s.health_check {
        None => AsgHealthCheck::Ec2,
        Some(h) => match h.value.as_str() {
            "ec2" => AsgHealthCheck::Ec2,
            "elb" => AsgHealthCheck::Elb,
            other => {
                return Err(ctx.error(
                    h,
                    format!("unknown health_check `{other}`: expected ec2 or elb"),
                ))
            }
        },
    };
    let size = size(ctx, raw, zones, per_zone)?;
    let policies = match &s.policies {
        None => Vec::new(),
        Some(list) => list
            .value
            .iter()
            .map(|p| super::scaling_policy::resolve(ctx, p))
            .collect::<Result<_, _>>()?,
    };
    Ok(AutoScalingConfig {
        health_check,
        grace_period: s.grace_period.map_or(preset.grace_period, |d| d.0),
        launch_time: s.launch_time.as_ref().map_or(preset.launch_time, |d| d.0),
        warmup: s.warmup.map_or(preset.warmup, |d| d.0),
        desired: size.desired,
        min_size: size.min,
        max_size: size.max,
        policies,
    })
}

struct Size {
    desired: u32,
    min: u32,
    max: u32,
}

fn size(
    ctx: &ModelContext,
    raw: &Spanned<RawAutoScaling>,
    zones: usize,
    per_zone: Option<&Spanned<u32>>,
) -> Result<Size, Diagnostic> {
    let s = &raw.value.0;
    if let (Some(p), Some(_)) = (per_zone, &s.desired) {
        return Err(ctx.error(
            p,
            "give the group's size once: the tier's `per_zone` or the group's `desired`, not both",
        ));
    }
    let max_field = match (&s.max, &s.max_size) {
        (Some(m), Some(_)) => {
            return Err(ctx.error(m, "`max` and `max_size` are the same field: give one"))
        }
        (m, n) => m.as_ref().or(n.as_ref()),
    };
    for (field, v) in [
        ("desired", s.desired.as_ref()),
        ("min", s.min.as_ref()),
        ("max", max_field),
    ] {
        if let Some(v) = v {
            if v.value == 0 || v.value > MAX_ASG_SIZE {
                return Err(ctx.error(v, format!("`{field}` must be between 1 and {MAX_ASG_SIZE}")));
            }
        }
    }
    let shorthand = per_zone.map(|p| p.value.saturating_mul(zones as u32));
    let desired = match (&s.desired, shorthand, &s.min) {
        (Some(d), _, _) => d.value,
        (None, Some(n), _) => n,
        (None, None, Some(m)) => m.value,
        (None, None, None) => generic::TIER_PER_ZONE.saturating_mul(zones as u32),
    };
    let min = s.min.as_ref().map_or(desired, |m| m.value);
    let max = max_field.map_or_else(
        || {
            desired
                .saturating_mul(2)
                .clamp(1, MAX_ASG_SIZE.max(desired))
        },
        |m| m.value,
    );
    let at = max_field.or(s.min.as_ref()).or(s.desired.as_ref());
    let complain = |message: String| match at {
        Some(v) => ctx.error(v, message),
        None => ctx.error(raw, message),
    };
    if !(min <= desired && desired <= max) {
        return Err(complain(format!(
            "the group needs min ≤ desired ≤ max; here min {min}, desired {desired}{}, max {max}",
            if shorthand.is_some() && s.desired.is_none() {
                " (per_zone × zones)"
            } else {
                ""
            }
        )));
    }
    Ok(Size { desired, min, max })
}
