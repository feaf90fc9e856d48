//! Raw scenario file types: one-to-one with the file, unknown fields rejected.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::dist_spec::{DistSpec, WeibullSpec};
use super::raw::Entries;
use super::timeline::{RawPhase, Time, TimestampField};
use super::units::{Duration, Probability, Rate, SelectionSpec};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    pub description: Option<String>,
    /// Where time 0 is on the wall clock (RFC 3339 with a UTC offset).
    pub start: Option<Spanned<TimestampField>>,
    /// How long the run is; or `end:` (a timestamp, with `start:`).
    pub horizon: Option<Spanned<Duration>>,
    pub end: Option<Spanned<TimestampField>>,
    #[serde(default)]
    pub phases: Vec<Spanned<RawPhase>>,
    pub warmup: Option<Spanned<Duration>>,
    pub seed: Option<u64>,
    pub workload: RawWorkload,
    pub client: Option<RawClient>,
    #[serde(default)]
    pub faults: Vec<Spanned<RawFault>>,
    #[serde(default)]
    pub random_failures: Vec<Spanned<RawRandomFailure>>,
    pub failure_budget: Option<Spanned<super::raw_random::RawFailureBudget>>,
    #[serde(default)]
    pub stop_conditions: Vec<Spanned<super::raw_random::RawStopCondition>>,
    /// AWS FIS `experimentOptions`.
    pub experiment_options: Option<RawExperimentOptions>,
    pub slo: Option<RawSlo>,
    /// Offered load, attempts and goodput per second, and the recovery
    /// verdict.
    pub goodput: Option<Spanned<RawGoodput>>,
}

/// `goodput: { baseline: 60s, threshold: 95%, hold: 10s }` (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGoodput {
    pub baseline: Option<Spanned<Duration>>,
    pub threshold: Option<Spanned<Probability>>,
    pub hold: Option<Spanned<Duration>>,
}

/// `experiment_options: { empty_target_resolution_mode: fail | skip }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperimentOptions {
    pub empty_target_resolution_mode: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub rate: Rate,
    pub profile: Option<Spanned<RawProfile>>,
    pub mix: Option<Entries<Spanned<f64>>>,
    pub clients: Option<Spanned<u32>>,
    /// Users' sessions, for load balancers with sticky sessions.
    pub sessions: Option<Spanned<RawSessions>>,
}

/// `sessions: { length: 30m }`: each client is one user at a time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSessions {
    /// How long one user's session lasts (a distribution); absent = the
    /// whole run.
    pub length: Option<Spanned<DistSpec>>,
}

/// `constant`, `{ diurnal: {...} }` or `{ step: [...] }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawProfile {
    Constant,
    Diurnal(RawDiurnal),
    Step(Vec<RawStep>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiurnal {
    pub trough: Probability,
    pub peak_at: Duration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub at: Duration,
    pub factor: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    pub timeout: Option<Duration>,
    pub retries: Option<RawRetries>,
    pub retry_budget: Option<Spanned<RawRetryBudget>>,
}

/// `retry_budget: { kind: token_bucket | ratio, ... }`: the fields of the
/// other kind are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetryBudget {
    pub kind: Option<Spanned<String>>,
    pub tokens: Option<Spanned<u32>>,
    pub retry_cost: Option<Spanned<u32>>,
    pub timeout_cost: Option<Spanned<u32>>,
    pub success_refund: Option<Spanned<u32>>,
    pub ratio: Option<Spanned<Probability>>,
    pub min_per_second: Option<Spanned<f64>>,
    pub window: Option<Spanned<Duration>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetries {
    pub max_attempts: Option<Spanned<u32>>,
    pub backoff: Option<Spanned<String>>,
    pub base: Option<Duration>,
    pub cap: Option<Duration>,
    pub jitter: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub id: Option<Spanned<String>>,
    pub action: Spanned<String>,
    /// Optional for actions without one (`region_outage`, the link faults,
    /// `path_block`, the load and DNS faults, `control_plane_outage`, and
    /// `capacity_limit` for every zone); the others say so when missing.
    pub target: Option<Spanned<RawTarget>>,
    /// A duration from the start, a timestamp or `phase:NAME[+DURATION]`.
    pub at: Option<Spanned<Time>>,
    pub after: Option<Spanned<String>>,
    pub delay: Option<Spanned<Duration>>,
    pub duration: Option<Spanned<Duration>>,
    /// The end as a time (like `at`), instead of `duration`.
    pub until: Option<Spanned<Time>>,
    pub mode: Option<Spanned<String>>,
    /// Load faults, `slow_failover`, `slowdown`, `limp`: a multiplier.
    pub factor: Option<Spanned<f64>>,
    /// `dns_stale`: the share of callers that ignore TTLs;
    /// `volume_degraded`: the share of throughput left; `capacity_loss`,
    /// `limp`: the share of capacity lost or requests failed.
    pub fraction: Option<Spanned<Probability>>,
    /// `dns_stale`: how long those callers keep an answer.
    pub keep: Option<Spanned<Duration>>,
    /// `dependency_slow`, `latency`, `link_latency`: latency added.
    pub latency: Option<Spanned<DistSpec>>,
    /// `slow_failover`: time added to each failover.
    pub extra: Option<Spanned<Duration>>,
    /// `cache_flush`: warm-up time (default: the cache's).
    pub warmup: Option<Spanned<Duration>>,
    /// `packet_loss`: the chance a cross-zone hop is lost.
    pub probability: Option<Spanned<Probability>>,
    /// `path_block`: the calling and the called component.
    pub from: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    /// `database_reboot`: reboot through a Multi-AZ failover (FIS
    /// `forceFailover`).
    pub force_failover: Option<Spanned<bool>>,
    // Capacity and control plane (spec/capacity_faults.rs).
    pub launch: Option<Spanned<bool>>,
    pub attach: Option<Spanned<bool>>,
    pub dns: Option<Spanned<bool>>,
    pub instances: Option<Spanned<u32>>,
    pub rebalance: Option<Spanned<bool>>,
    // `deployment` (spec/faults_deploy.rs).
    pub strategy: Option<Spanned<String>>,
    pub batch: Option<Spanned<Probability>>,
    pub canary: Option<Spanned<Probability>>,
    pub bake: Option<Spanned<Duration>>,
    pub wait: Option<Spanned<Duration>>,
    pub restart: Option<Spanned<DistSpec>>,
    pub version: Option<Spanned<RawVersion>>,
    pub rollback: Option<Spanned<RawRollback>>,
}

/// `deployment`'s `version:` block: how the new version serves.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVersion {
    pub error_rate: Option<Spanned<Probability>>,
    pub slowdown: Option<Spanned<f64>>,
    pub latency: Option<Spanned<DistSpec>>,
}

/// `deployment`'s `rollback:` block: its own alarm, or the scenario's stop
/// conditions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollback {
    pub alarm: Option<Spanned<super::raw_random::RawStopCondition>>,
    pub stop_conditions: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub component: Option<String>,
    pub tier: Option<String>,
    pub database: Option<String>,
    pub cache: Option<String>,
    pub load_balancer: Option<String>,
    pub zone: Option<String>,
    pub kind: Option<Spanned<String>>,
    pub class: Option<String>,
    pub tag: Option<String>,
    /// Resource filters on node attributes (AWS FIS `filters`).
    #[serde(default)]
    pub filters: Vec<Spanned<RawFilter>>,
    pub select: Option<SelectionSpec>,
}

/// `{ path: State.Name, values: [running] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    pub path: Spanned<String>,
    pub values: Vec<FilterValue>,
}

/// A filter value: a string, or a number or boolean read as text
/// (`values: [true]` for `MultiAZ`).
#[derive(Debug)]
pub struct FilterValue(pub String);

impl<'de> Deserialize<'de> for FilterValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl Visitor<'_> for ValueVisitor {
            type Value = FilterValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a filter value (text, number or true/false)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FilterValue, E> {
                Ok(FilterValue(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FilterValue, E> {
                Ok(FilterValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FilterValue, E> {
                Ok(FilterValue(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FilterValue, E> {
                Ok(FilterValue(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FilterValue, E> {
                Ok(FilterValue(v.to_string()))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRandomFailure {
    pub target: Spanned<RawTarget>,
    pub mtbf: Option<Spanned<Duration>>,
    pub distribution: Option<Spanned<FailureDistribution>>,
    pub annual_failure_rate: Option<Spanned<Probability>>,
    pub mttr: Option<DistSpec>,
    pub mode: Option<Spanned<String>>,
    pub burst: Option<Spanned<super::raw_random::RawBurst>>,
}

/// Shape of times to failure whose mean is `mtbf`: `exponential`,
/// `{ weibull: { shape: 0.7 } }` or `{ lognormal: { sigma: 1.0 } }`.
#[derive(Debug)]
pub enum FailureDistribution {
    Exponential,
    Weibull { shape: f64 },
    LogNormal { sigma: f64 },
}

impl<'de> Deserialize<'de> for FailureDistribution {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FailureVisitor;
        const HELP: &str =
            "`exponential`, `{ weibull: { shape: 0.7 } }` or `{ lognormal: { sigma: 1.0 } }`";
        impl<'de> Visitor<'de> for FailureVisitor {
            type Value = FailureDistribution;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(HELP)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FailureDistribution, E> {
                match v {
                    "exponential" => Ok(FailureDistribution::Exponential),
                    _ => Err(E::custom(format!("`{v}`: expected {HELP}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FailureDistribution, A::Error> {
                let key = map.next_key::<String>()?;
                if key.as_deref() == Some("lognormal") {
                    let spec: super::raw_random::LogNormalSigma = map.next_value()?;
                    if !(spec.sigma.is_finite() && spec.sigma > 0.0 && spec.sigma <= 5.0) {
                        return Err(de::Error::custom("a lognormal sigma must be in (0, 5]"));
                    }
                    if map.next_key::<String>()?.is_some() {
                        return Err(de::Error::custom(format!("expected {HELP}")));
                    }
                    return Ok(FailureDistribution::LogNormal { sigma: spec.sigma });
                }
                if key.as_deref() != Some("weibull") {
                    return Err(de::Error::custom(format!("expected {HELP}")));
                }
                let spec: WeibullSpec = map.next_value()?;
                if spec.mean.is_some() || spec.scale.is_some() {
                    return Err(de::Error::custom(
                        "the mean comes from `mtbf`: give only `shape` here",
                    ));
                }
                if !(spec.shape.is_finite() && spec.shape > 0.0) {
                    return Err(de::Error::custom("a Weibull shape must be > 0"));
                }
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(format!("expected {HELP}")));
                }
                Ok(FailureDistribution::Weibull { shape: spec.shape })
            }
        }
        deserializer.deserialize_any(FailureVisitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub availability: Option<Probability>,
    pub latency_p99: Option<Duration>,
    pub writes_lost: Option<u64>,
}
