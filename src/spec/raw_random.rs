//! Raw types for correlated bursts, the failure budget and stop conditions,
//! and their validation into config. Kept apart from `raw_scenario.rs` so
//! the random-failure additions sit in one file.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::diagnostics::{source_pos, Diagnostic};
use super::units::{parse_duration, parse_probability, Duration, Probability, ScalarText};
use crate::config::{BurstConfig, StopCondition, StopMetric};

/// Longest stop-condition window: the recorder keeps one slot per second.
const MAX_WINDOW_S: u64 = 86_400;
/// Most neighbours one burst may take down.
const MAX_NEIGHBOURS: u32 = 10_000;

/// `{ lognormal: { sigma } }` in a random failure's `distribution`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogNormalSigma {
    pub sigma: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBurst {
    pub probability: Probability,
    pub neighbours: u32,
    pub within: Duration,
}

/// `none`, or `{ zones_down: n }`.
#[derive(Debug)]
pub struct RawFailureBudget {
    pub zones_down: Option<u32>,
}

impl<'de> Deserialize<'de> for RawFailureBudget {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BudgetVisitor;
        const HELP: &str = "`none` or `{ zones_down: 1 }`";
        impl<'de> Visitor<'de> for BudgetVisitor {
            type Value = RawFailureBudget;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(HELP)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawFailureBudget, E> {
                match v {
                    "none" => Ok(RawFailureBudget { zones_down: None }),
                    _ => Err(E::custom(format!("`{v}`: expected {HELP}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawFailureBudget, A::Error> {
                let key = map.next_key::<String>()?;
                if key.as_deref() != Some("zones_down") {
                    return Err(de::Error::custom(format!("expected {HELP}")));
                }
                let n: u32 = map.next_value()?;
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(format!("expected {HELP}")));
                }
                Ok(RawFailureBudget {
                    zones_down: Some(n),
                })
            }
        }
        deserializer.deserialize_any(BudgetVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStopCondition {
    pub metric: Spanned<String>,
    pub(crate) below: Option<Spanned<ScalarText>>,
    pub(crate) above: Option<Spanned<ScalarText>>,
    pub window: Spanned<Duration>,
}

impl fmt::Debug for ScalarText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

pub fn burst(file: &str, raw: &Spanned<RawBurst>) -> Result<BurstConfig, Diagnostic> {
    let b = &raw.value;
    if b.neighbours == 0 || b.neighbours > MAX_NEIGHBOURS {
        return Err(Diagnostic::at_value(
            file,
            raw,
            format!("burst neighbours must be between 1 and {MAX_NEIGHBOURS}"),
        ));
    }
    Ok(BurstConfig {
        probability: b.probability.0,
        neighbours: b.neighbours,
        within: b.within.0,
    })
}

/// Default: random zone events may hold at most one zone down at once.
pub fn failure_budget(raw: Option<&Spanned<RawFailureBudget>>) -> Option<u32> {
    match raw {
        None => Some(1),
        Some(b) => b.value.zones_down,
    }
}

pub fn stop_condition(
    file: &str,
    raw: &Spanned<RawStopCondition>,
) -> Result<StopCondition, Diagnostic> {
    let s = &raw.value;
    let window = s.window.value.0;
    if window.as_nanos() < crate::time::NANOS_PER_SECOND
        || window.as_nanos() > MAX_WINDOW_S * crate::time::NANOS_PER_SECOND
    {
        return Err(Diagnostic::at_value(
            file,
            &s.window,
            "a stop-condition window must be between 1s and 1d",
        ));
    }
    let need = |key, name, other| threshold(file, s, key, name, other);
    let parsed = |v: &Spanned<ScalarText>, r: Result<f64, String>| {
        r.map_err(|e| Diagnostic::at_value(file, v, e))
    };
    let metric = match s.metric.value.as_str() {
        "availability" => {
            let v = need(s.below.as_ref(), "below", s.above.as_ref())?;
            StopMetric::AvailabilityBelow(parsed(v, parse_probability(&v.value.0))?)
        }
        "error_rate" => {
            let v = need(s.above.as_ref(), "above", s.below.as_ref())?;
            StopMetric::ErrorRateAbove(parsed(v, parse_probability(&v.value.0))?)
        }
        "latency_p99" => {
            let v = need(s.above.as_ref(), "above", s.below.as_ref())?;
            let d = parse_duration(&v.value.0).map_err(|e| Diagnostic::at_value(file, v, e))?;
            StopMetric::LatencyP99Above(d)
        }
        other => {
            return Err(Diagnostic::at_value(
                file,
                &s.metric,
                format!("unknown stop-condition metric `{other}`: expected availability, error_rate or latency_p99"),
            ))
        }
    };
    Ok(StopCondition {
        metric,
        window,
        pos: source_pos(file, &raw.referenced),
    })
}

/// The one threshold key a metric takes (`below` or `above`), refusing the
/// other.
fn threshold<'a>(
    file: &str,
    s: &RawStopCondition,
    key: Option<&'a Spanned<ScalarText>>,
    name: &str,
    other: Option<&Spanned<ScalarText>>,
) -> Result<&'a Spanned<ScalarText>, Diagnostic> {
    if let Some(o) = other {
        return Err(Diagnostic::at_value(
            file,
            o,
            format!("metric `{}` takes `{name}` only", s.metric.value),
        ));
    }
    key.ok_or_else(|| {
        Diagnostic::at_value(
            file,
            &s.metric,
            format!("metric `{}` needs `{name}`", s.metric.value),
        )
    })
}
