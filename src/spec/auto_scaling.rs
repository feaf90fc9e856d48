//! A tier's `auto_scaling:` block: `aws/asg` alone, or a map overriding the
//! preset's (or the generic) figures.
//!
//! ```yaml
//! auto_scaling: { preset: aws/asg, health_check: elb, grace_period: 300s,
//!                 launch_time: { lognormal: { median: 30s, p99: 120s } },
//!                 warmup: 60s, max_size: 12 }
//! ```

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
    pub max_size: Option<Spanned<u32>>,
}

#[derive(Debug)]
pub struct RawAutoScaling(pub RawAutoScalingSettings);

impl<'de> Deserialize<'de> for RawAutoScaling {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AsgVisitor;
        impl<'de> Visitor<'de> for AsgVisitor {
            type Value = RawAutoScaling;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`aws/asg` or a map with preset, health_check, grace_period, launch_time, warmup, max_size")
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

/// Resolves the block for a tier of `desired` instances. `max_size`
/// defaults to twice the desired capacity: room to replace a whole zone's
/// instances in the others while the dead ones are still counted.
pub fn resolve(
    ctx: &ModelContext,
    raw: &Spanned<RawAutoScaling>,
    desired: u32,
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
    let max_size = match &s.max_size {
        None => (desired.saturating_mul(2)).min(MAX_ASG_SIZE.max(desired)),
        Some(m) => {
            if m.value < desired || m.value > MAX_ASG_SIZE {
                return Err(ctx.error(
                    m,
                    format!(
                        "`max_size` must be between the desired capacity ({desired}: per_zone × zones) and {MAX_ASG_SIZE}"
                    ),
                ));
            }
            m.value
        }
    };
    Ok(AutoScalingConfig {
        health_check,
        grace_period: s.grace_period.map_or(preset.grace_period, |d| d.0),
        launch_time: s.launch_time.as_ref().map_or(preset.launch_time, |d| d.0),
        warmup: s.warmup.map_or(preset.warmup, |d| d.0),
        max_size,
    })
}
