//! A tier's or database's `admission:` block (`model/admission.rs`) and a
//! request class's `priority:`, validated with the defaults the model file
//! documents.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::context::{list, ModelContext};
use super::diagnostics::Diagnostic;
use super::raw::Entries;
use super::units::{Duration, Probability, Rate};
use crate::catalog::generic::{
    RATE_LIMIT_BURST as DEFAULT_BURST, RATE_LIMIT_PER_S as DEFAULT_RATE_PER_S,
};
use crate::config::{AdmissionConfig, Discipline, Priority, TokenBucketConfig};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmission {
    pub queue_timeout: Option<Spanned<Duration>>,
    pub drop_abandoned: Option<Spanned<bool>>,
    pub discipline: Option<Spanned<String>>,
    pub lifo_above: Option<Spanned<u32>>,
    pub shed_low_priority_above: Option<Spanned<Probability>>,
    pub rate_limit: Option<Spanned<Entries<RawTokenBucket>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTokenBucket {
    pub rate: Option<Spanned<Rate>>,
    pub burst: Option<Spanned<u32>>,
}

/// The most a token bucket may hold (a sanity bound, not a cloud figure).
const MAX_BURST: u32 = 100_000_000;

/// `admission:` resolved for a server of `concurrency` slots and a queue
/// of `queue_limit`.
pub fn admission(
    ctx: &ModelContext,
    raw: &Option<Spanned<RawAdmission>>,
    concurrency: u32,
    queue_limit: u32,
) -> Result<Option<AdmissionConfig>, Diagnostic> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let a = &raw.value;
    let queue_timeout =
        match &a.queue_timeout {
            None => None,
            Some(t) if t.value.0.is_zero() => return Err(ctx.error(
                t,
                "`queue_timeout` must be longer than 0s (leave it out to never drop expired work)",
            )),
            Some(t) => Some(t.value.0),
        };
    let discipline = discipline(ctx, a, concurrency)?;
    let shed_low_priority_above = match &a.shed_low_priority_above {
        None => None,
        Some(f) if queue_limit == 0 => {
            return Err(ctx.error(
                f,
                "`shed_low_priority_above` needs a queue: this server's `queue_limit` is 0",
            ))
        }
        Some(f) if f.value.0 <= 0.0 => {
            return Err(ctx.error(
                f,
                "`shed_low_priority_above` must be a fraction of `queue_limit` above 0 and at most 1 (such as `0.8` or `80%`)",
            ))
        }
        Some(f) => Some(f.value.0),
    };
    Ok(Some(AdmissionConfig {
        queue_timeout,
        drop_abandoned: a.drop_abandoned.as_ref().is_some_and(|b| b.value),
        discipline,
        rate_limit: rate_limit(ctx, a)?,
        shed_low_priority_above,
    }))
}

fn discipline(
    ctx: &ModelContext,
    a: &RawAdmission,
    concurrency: u32,
) -> Result<Discipline, Diagnostic> {
    let name = a.discipline.as_ref().map(|d| d.value.as_str());
    let discipline = match name {
        None | Some("fifo") => Discipline::Fifo,
        Some("lifo") => Discipline::Lifo,
        Some("adaptive_lifo") => Discipline::AdaptiveLifo {
            lifo_above: a.lifo_above.as_ref().map_or(concurrency, |v| v.value),
        },
        Some(other) => {
            return Err(ctx.error(
                a.discipline.as_ref().unwrap_or_else(|| unreachable!()),
                format!("unknown discipline `{other}`: expected `fifo`, `lifo` or `adaptive_lifo`"),
            ))
        }
    };
    if let (Some(v), false) = (
        &a.lifo_above,
        matches!(discipline, Discipline::AdaptiveLifo { .. }),
    ) {
        return Err(ctx.error(
            v,
            "`lifo_above` applies only to `discipline: adaptive_lifo`",
        ));
    }
    Ok(discipline)
}

fn rate_limit(
    ctx: &ModelContext,
    a: &RawAdmission,
) -> Result<Vec<Option<TokenBucketConfig>>, Diagnostic> {
    let mut by_class = vec![None; ctx.classes.len()];
    let Some(limits) = &a.rate_limit else {
        return Ok(by_class);
    };
    for (class, bucket) in &limits.value.0 {
        let Some(index) = ctx.classes.iter().position(|k| *k == class.value) else {
            return Err(ctx.error(
                class,
                format!(
                    "unknown request class `{}` in `rate_limit`: the model's classes are {}",
                    class.value,
                    list(&ctx.classes)
                ),
            ));
        };
        let rate_per_s = match &bucket.rate {
            None => DEFAULT_RATE_PER_S,
            Some(r) if r.value.0 > 0.0 && r.value.0.is_finite() => r.value.0,
            Some(r) => {
                return Err(ctx.error(r, "a rate limit's `rate` must be above 0 (such as `100/s`)"))
            }
        };
        let burst = match &bucket.burst {
            None => DEFAULT_BURST,
            Some(b) if (1..=MAX_BURST).contains(&b.value) => b.value,
            Some(b) => {
                return Err(ctx.error(
                    b,
                    format!("a rate limit's `burst` must be between 1 and {MAX_BURST} requests"),
                ))
            }
        };
        by_class[index] = Some(TokenBucketConfig { rate_per_s, burst });
    }
    Ok(by_class)
}

/// A request class's `priority:` (default `normal`).
pub fn priority(ctx: &ModelContext, raw: &Option<Spanned<String>>) -> Result<Priority, Diagnostic> {
    match raw.as_ref() {
        None => Ok(Priority::Normal),
        Some(p) => match p.value.as_str() {
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            "low" => Ok(Priority::Low),
            other => Err(ctx.error(
                p,
                format!("unknown priority `{other}`: expected `high`, `normal` or `low`"),
            )),
        },
    }
}
