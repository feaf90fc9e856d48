//! Raw model file types: one-to-one with the file, unknown fields rejected.
//! Units are parsed on the way in (see `units`, `dist_spec`); names stay
//! strings with their positions (`Spanned`) so validation can point at a
//! reference to a missing component or zone.
//!
//! Components are one flat struct rather than a `kind:`-tagged enum: serde's
//! internally tagged enums buffer their content, which would drop every
//! position inside a component. Validation rejects fields that do not apply
//! to the component's kind.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::dist_spec::DistSpec;
use super::units::{Duration, Probability};

/// A mapping whose keys are names, kept in file order (indices in the
/// resolved config are file positions).
#[derive(Debug)]
pub struct Entries<T>(pub Vec<(Spanned<String>, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for EntriesVisitor<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from names to definitions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: String,
    pub description: Option<String>,
    pub zones: Spanned<Vec<Spanned<String>>>,
    pub network: Option<RawNetwork>,
    pub components: Spanned<Entries<RawComponent>>,
    pub requests: Spanned<Entries<RawRequest>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub preset: Option<Spanned<String>>,
    pub same_zone_rtt: Option<DistSpec>,
    pub cross_zone_rtt: Option<DistSpec>,
    pub client_rtt: Option<DistSpec>,
}

/// Every field any component kind may have; which apply depends on `kind`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub kind: Option<Spanned<String>>,
    pub preset: Option<Spanned<String>>,
    pub description: Option<String>,
    /// Labels fault targets can select by (every kind accepts them).
    pub tags: Option<Vec<String>>,
    /// The component's own price (USD per month); every kind accepts it.
    pub cost_per_month: Option<Spanned<f64>>,
    pub zones: Option<Spanned<Vec<Spanned<String>>>>,
    // Tier.
    pub per_zone: Option<Spanned<u32>>,
    pub concurrency: Option<Spanned<u32>>,
    pub queue_limit: Option<Spanned<u32>>,
    pub service_time: Option<Spanned<DistSpec>>,
    pub service_time_by_class: Option<Spanned<Entries<DistSpec>>>,
    pub volume: Option<Spanned<RawVolume>>,
    pub auto_scaling: Option<Spanned<super::auto_scaling::RawAutoScaling>>,
    /// Instance lifecycle (`model/lifecycle.rs`); `dns_ttl` too.
    pub delete_on_termination: Option<Spanned<bool>>,
    pub auto_recovery: Option<Spanned<bool>>,
    pub elastic_ip: Option<Spanned<bool>>,
    pub boot_time: Option<Spanned<DistSpec>>,
    pub stop_time: Option<Spanned<DistSpec>>,
    pub dns_update_time: Option<Spanned<Duration>>,
    // Load balancer.
    pub targets: Option<Spanned<String>>,
    pub strategy: Option<Spanned<String>>,
    pub cross_zone: Option<Spanned<bool>>,
    pub health_check: Option<Spanned<RawHealthCheck>>,
    pub connect_timeout: Option<Spanned<Duration>>,
    pub dns_ttl: Option<Spanned<Duration>>,
    pub stickiness: Option<Spanned<RawStickiness>>,
    // Tier and database.
    pub overload: Option<Spanned<RawOverload>>,
    pub admission: Option<Spanned<super::admission::RawAdmission>>,
    // Tier (beside the load balancer's stickiness).
    pub session_state: Option<Spanned<String>>,
    // Cache.
    pub nodes_per_zone: Option<Spanned<u32>>,
    pub hit_ratio: Option<Spanned<Probability>>,
    pub warmup: Option<Spanned<Duration>>,
    pub replace_time: Option<Spanned<DistSpec>>,
    pub keys: Option<Spanned<super::keyed_cache::RawKeys>>,
    // Database.
    pub primary: Option<Spanned<String>>,
    pub standby: Option<Spanned<String>>,
    pub replicas: Option<Spanned<Vec<RawReplica>>>,
    pub host: Option<Spanned<String>>,
    pub read_time: Option<Spanned<DistSpec>>,
    pub write_time: Option<Spanned<DistSpec>>,
    pub read_from: Option<Spanned<String>>,
    pub failover: Option<Spanned<RawFailover>>,
    pub endpoint_ttl: Option<Spanned<Duration>>,
    pub restart_time: Option<Spanned<DistSpec>>,
    pub reboot_time: Option<Spanned<DistSpec>>,
    pub replica_promotion_time: Option<Spanned<DistSpec>>,
    /// `instance`, `multi_az_instance`, `multi_az_cluster` or `aurora`.
    pub deployment: Option<Spanned<String>>,
    pub backups: Option<Spanned<RawBackups>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplica {
    pub zone: Spanned<String>,
    pub lag: Option<DistSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailover {
    pub detection: Option<DistSpec>,
    pub promotion: Option<DistSpec>,
    pub failure_probability: Option<Probability>,
    pub promote_replicas: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackups {
    /// `0` or absent with no preset: no log shipping.
    pub log_upload_every: Option<Duration>,
}

/// `health_check: disabled` or a map of settings.
#[derive(Debug)]
pub enum RawHealthCheck {
    Disabled,
    Settings(RawHealthCheckSettings),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheckSettings {
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub healthy_threshold: Option<u32>,
    pub unhealthy_threshold: Option<u32>,
}

impl<'de> Deserialize<'de> for RawHealthCheck {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HealthCheckVisitor;
        impl<'de> Visitor<'de> for HealthCheckVisitor {
            type Value = RawHealthCheck;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`disabled` or a map with interval, timeout, healthy_threshold, unhealthy_threshold")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawHealthCheck, E> {
                match v {
                    "disabled" => Ok(RawHealthCheck::Disabled),
                    _ => Err(E::custom(format!(
                        "`{v}`: expected `disabled` or a map with interval, timeout, healthy_threshold, unhealthy_threshold"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawHealthCheck, A::Error> {
                let settings = RawHealthCheckSettings::deserialize(
                    de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(RawHealthCheck::Settings(settings))
            }
        }
        deserializer.deserialize_any(HealthCheckVisitor)
    }
}

/// `stickiness: disabled` or a map mirroring the ALB target-group
/// attributes `stickiness.enabled`, `stickiness.type`,
/// `stickiness.*.duration_seconds` and `stickiness.app_cookie.cookie_name`.
#[derive(Debug)]
pub enum RawStickiness {
    Disabled,
    /// Boxed: the settings are large beside `Disabled`.
    Settings(Box<RawStickinessSettings>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStickinessSettings {
    pub enabled: Option<bool>,
    #[serde(rename = "type")]
    pub cookie: Option<Spanned<String>>,
    pub duration: Option<Spanned<Duration>>,
    /// The application's cookie (`app_cookie` only); informational.
    pub cookie_name: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawStickiness {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StickinessVisitor;
        const EXPECTED: &str =
            "`disabled` or a map with enabled, type (lb_cookie or app_cookie), duration, cookie_name";
        impl<'de> Visitor<'de> for StickinessVisitor {
            type Value = RawStickiness;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStickiness, E> {
                match v {
                    "disabled" => Ok(RawStickiness::Disabled),
                    _ => Err(E::custom(format!("`{v}`: expected {EXPECTED}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawStickiness, A::Error> {
                RawStickinessSettings::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|s| RawStickiness::Settings(Box::new(s)))
            }
        }
        deserializer.deserialize_any(StickinessVisitor)
    }
}

/// `volume: aws/gp3` (a preset alone) or a map of settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVolumeSettings {
    pub preset: Option<String>,
    pub snapshot_every: Option<Duration>,
    pub snapshot_duration: Option<DistSpec>,
    pub snapshot_overhead: Option<Duration>,
    pub snapshot_mib_per_s: Option<f64>,
    pub kib_per_write: Option<f64>,
    pub restore_time: Option<DistSpec>,
    pub annual_failure_rate: Option<Probability>,
    pub size_gb: Option<u32>,
}

#[derive(Debug)]
pub struct RawVolume(pub RawVolumeSettings);

impl<'de> Deserialize<'de> for RawVolume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;
        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = RawVolume;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a volume preset such as `aws/gp3` or a map with preset, snapshot_every, snapshot_duration (or snapshot_overhead, snapshot_mib_per_s, kib_per_write), restore_time, annual_failure_rate, size_gb")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawVolume, E> {
                Ok(RawVolume(RawVolumeSettings {
                    preset: Some(v.to_owned()),
                    ..RawVolumeSettings::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawVolume, A::Error> {
                RawVolumeSettings::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawVolume)
            }
        }
        deserializer.deserialize_any(VolumeVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub share: Spanned<f64>,
    pub path: Spanned<Vec<Spanned<RawPathStep>>>,
    /// `high`, `normal` (default) or `low` (`model/admission.rs`).
    pub priority: Option<Spanned<String>>,
}

/// A path step: `db.read`, or a call with its own policy
/// `{ to: db.read, timeout: 1s, retries: { max_attempts: 3 } }`.
#[derive(Debug)]
pub enum RawPathStep {
    Name(String),
    Call(Box<RawCall>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCall {
    pub to: Spanned<String>,
    pub timeout: Option<Spanned<Duration>>,
    pub retries: Option<Spanned<super::raw_scenario::RawRetries>>,
    pub breaker: Option<Spanned<RawBreaker>>,
}

/// A call step's `breaker:` block (`model/breaker.rs`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBreaker {
    pub failure_rate: Option<Spanned<Probability>>,
    pub window: Option<Spanned<Duration>>,
    pub minimum_calls: Option<Spanned<u32>>,
    pub consecutive_failures: Option<Spanned<u32>>,
    pub open_for: Option<Spanned<Duration>>,
    pub half_open_calls: Option<Spanned<u32>>,
    pub fallback: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawPathStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl<'de> Visitor<'de> for StepVisitor {
            type Value = RawPathStep;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a step such as `db.read`, or a map `{ to: db.read, timeout, retries, breaker }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPathStep, E> {
                Ok(RawPathStep::Name(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawPathStep, A::Error> {
                RawCall::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|call| RawPathStep::Call(Box::new(call)))
            }
        }
        deserializer.deserialize_any(StepVisitor)
    }
}

/// A server's overload curve (`model/overload.rs`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverload {
    pub slope: Option<Spanned<f64>>,
    pub max_factor: Option<Spanned<f64>>,
}
