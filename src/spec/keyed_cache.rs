//! A cache's `keys:` map (`model/keyed_cache.rs`): `count` keys (1 to 10^7)
//! and `capacity` (1 to `count`) are required; `zipf` ≥ 0 finite (default
//! 0.8), `ttl` > 0, `coalescing` (default false) and `lease` > 0 optional.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::units::Duration;
use crate::catalog::generic::{CACHE_MAX_KEYS as MAX_KEYS, CACHE_ZIPF as DEFAULT_ZIPF};
use crate::config::KeySpace;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeys {
    pub count: Option<Spanned<u32>>,
    pub zipf: Option<Spanned<f64>>,
    pub capacity: Option<Spanned<u32>>,
    pub ttl: Option<Spanned<Duration>>,
    pub coalescing: Option<Spanned<bool>>,
    pub lease: Option<Spanned<Duration>>,
}

pub fn keys(
    ctx: &ModelContext,
    raw: &Option<Spanned<RawKeys>>,
) -> Result<Option<KeySpace>, Diagnostic> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let r = &raw.value;
    let count = match &r.count {
        None => {
            return Err(ctx.error(
                raw,
                "`keys` needs `count`, the number of distinct keys (1 to 10000000)",
            ))
        }
        Some(v) if v.value >= 1 && v.value <= MAX_KEYS => v.value,
        Some(v) => {
            return Err(ctx.error(
                v,
                format!(
                    "keys `count` must be between 1 and {MAX_KEYS}, not {}",
                    v.value
                ),
            ))
        }
    };
    let capacity = match &r.capacity {
        None => {
            return Err(ctx.error(
                raw,
                "`keys` needs `capacity`, the number of keys the cache holds (1 to `count`)",
            ))
        }
        Some(v) if v.value >= 1 && v.value <= count => v.value,
        Some(v) => {
            return Err(ctx.error(
                v,
                format!(
                    "keys `capacity` must be between 1 and `count` ({count}), not {}",
                    v.value
                ),
            ))
        }
    };
    let zipf = match &r.zipf {
        None => DEFAULT_ZIPF,
        Some(v) if v.value.is_finite() && (0.0..=10.0).contains(&v.value) => v.value,
        Some(v) => {
            return Err(ctx.error(
                v,
                format!(
                    "keys `zipf` must be a number between 0 and 10 (the Zipf exponent s), not {}",
                    v.value
                ),
            ))
        }
    };
    let positive = |d: &Option<Spanned<Duration>>, field: &str| match d {
        Some(v) if v.value.0.is_zero() => Err(ctx.error(
            v,
            format!("keys `{field}` must be a positive duration such as `10s`"),
        )),
        Some(v) => Ok(Some(v.value.0)),
        None => Ok(None),
    };
    Ok(Some(KeySpace {
        count,
        zipf,
        capacity,
        ttl: positive(&r.ttl, "ttl")?,
        coalescing: r.coalescing.as_ref().is_some_and(|v| v.value),
        lease: positive(&r.lease, "lease")?,
    }))
}
