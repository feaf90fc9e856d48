//! Distributions in files. Any duration-valued field accepts a bare duration
//! (a constant) or a one-key map naming the distribution:
//!
//! ```yaml
//! service_time: 20ms
//! service_time: { constant: 20ms }
//! service_time: { exponential: 30m }                      # mean
//! service_time: { lognormal: { median: 20ms, p99: 150ms } }  # or mean + sigma
//! service_time: { uniform: { min: 45s, max: 105s } }
//! service_time: { weibull: { shape: 0.7, mean: 1000h } }  # or scale: 1000h
//! ```
//!
//! Parameters are checked here, so a bad distribution is reported at the
//! line and column of the offending map.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::units::{parse_duration, Duration};
use crate::dist::Dist;

/// A distribution field, already turned into a [`Dist`].
#[derive(Clone, Debug, PartialEq)]
pub struct DistSpec(pub Dist);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalSpec {
    median: Option<Duration>,
    p99: Option<Duration>,
    mean: Option<Duration>,
    sigma: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformSpec {
    min: Duration,
    max: Duration,
}

/// Weibull as written: shape plus exactly one of mean or scale.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WeibullSpec {
    pub shape: f64,
    pub mean: Option<Duration>,
    pub scale: Option<Duration>,
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DistVisitor)
    }
}

struct DistVisitor;

const DIST_HELP: &str = "a duration such as `20ms` or a distribution such as \
    `{ exponential: 30m }`, `{ lognormal: { median: 20ms, p99: 150ms } }`, \
    `{ uniform: { min: 45s, max: 105s } }` or `{ weibull: { shape: 0.7, mean: 1000h } }`";

impl<'de> Visitor<'de> for DistVisitor {
    type Value = DistSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(DIST_HELP)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DistSpec, E> {
        parse_duration(v)
            .map(|d| DistSpec(Dist::Constant(d)))
            .map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<DistSpec, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DistSpec, A::Error> {
        let Some(name) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "empty map: expected {DIST_HELP}"
            )));
        };
        let dist = match name.as_str() {
            "constant" => Dist::Constant(map.next_value::<Duration>()?.0),
            "exponential" => {
                let mean = map.next_value::<Duration>()?.0;
                if mean.is_zero() {
                    return Err(de::Error::custom("an exponential mean must be > 0"));
                }
                Dist::exponential(mean)
            }
            "lognormal" => {
                let spec: LogNormalSpec = map.next_value()?;
                lognormal(spec).map_err(de::Error::custom)?
            }
            "uniform" => {
                let spec: UniformSpec = map.next_value()?;
                if spec.max.0 < spec.min.0 {
                    return Err(de::Error::custom("a uniform needs min ≤ max"));
                }
                Dist::Uniform {
                    min_s: spec.min.0.as_secs_f64(),
                    max_s: spec.max.0.as_secs_f64(),
                }
            }
            "weibull" => weibull(map.next_value()?).map_err(de::Error::custom)?,
            other => {
                return Err(de::Error::custom(format!(
                    "unknown distribution `{other}`: expected constant, exponential, lognormal, uniform or weibull"
                )))
            }
        };
        if map.next_key::<String>()?.is_some() {
            return Err(de::Error::custom(
                "a distribution map has exactly one key (its name)",
            ));
        }
        Ok(DistSpec(dist))
    }
}

/// A lognormal from its median and p99, or from its mean and sigma (the
/// form repair times are often published in).
fn lognormal(spec: LogNormalSpec) -> Result<Dist, String> {
    match spec {
        LogNormalSpec {
            median: Some(median),
            p99: Some(p99),
            mean: None,
            sigma: None,
        } => {
            if median.0.is_zero() || p99.0 <= median.0 {
                return Err(
                    "a lognormal needs 0 < median < p99 (e.g. median: 20ms, p99: 150ms)".into(),
                );
            }
            Ok(Dist::lognormal_from_median_p99(median.0, p99.0))
        }
        LogNormalSpec {
            median: None,
            p99: None,
            mean: Some(mean),
            sigma: Some(sigma),
        } => {
            if mean.0.is_zero() || !(sigma.is_finite() && sigma > 0.0 && sigma <= 5.0) {
                return Err("a lognormal needs mean > 0 and 0 < sigma ≤ 5".into());
            }
            Ok(Dist::lognormal_from_mean(mean.0, sigma))
        }
        _ => Err(
            "a lognormal takes `median` and `p99`, or `mean` and `sigma` (e.g. mean: 4h, sigma: 1.0)"
                .into(),
        ),
    }
}

/// Checks a Weibull's shape and turns mean or scale into a [`Dist`].
fn weibull(spec: WeibullSpec) -> Result<Dist, String> {
    if !(spec.shape.is_finite() && spec.shape > 0.0) {
        return Err(format!("a Weibull shape must be > 0, got {}", spec.shape));
    }
    match (spec.mean, spec.scale) {
        (Some(mean), None) if !mean.0.is_zero() => Ok(Dist::weibull_from_mean(spec.shape, mean.0)),
        (None, Some(scale)) if !scale.0.is_zero() => Ok(Dist::Weibull {
            shape: spec.shape,
            scale_s: scale.0.as_secs_f64(),
        }),
        (Some(_), Some(_)) => Err("give a Weibull's mean or its scale, not both".into()),
        (None, None) => Err("a Weibull needs `mean` or `scale` besides `shape`".into()),
        _ => Err("a Weibull mean or scale must be > 0".into()),
    }
}
