//! A call step's `breaker:` block → [`BreakerConfig`], with the
//! Resilience4j CircuitBreaker defaults (`model/breaker.rs` states them).

use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::raw::RawBreaker;
use crate::catalog::generic::{
    BREAKER_FAILURE_RATE as DEFAULT_FAILURE_RATE,
    BREAKER_HALF_OPEN_CALLS as DEFAULT_HALF_OPEN_CALLS, BREAKER_MAX_WINDOW_S as MAX_WINDOW_S,
    BREAKER_MINIMUM_CALLS as DEFAULT_MINIMUM_CALLS, BREAKER_OPEN_FOR as DEFAULT_OPEN_FOR,
    BREAKER_WINDOW_S as DEFAULT_WINDOW_S,
};
use crate::config::{BreakerConfig, BreakerThreshold, Fallback};

/// Validates one `breaker:` block.
pub fn breaker(ctx: &ModelContext, raw: &Spanned<RawBreaker>) -> Result<BreakerConfig, Diagnostic> {
    let b = &raw.value;
    let threshold = match &b.consecutive_failures {
        Some(n) => {
            let rate_keys = [
                b.failure_rate.as_ref().map(|_| "failure_rate"),
                b.window.as_ref().map(|_| "window"),
                b.minimum_calls.as_ref().map(|_| "minimum_calls"),
            ];
            if let Some(key) = rate_keys.iter().flatten().next() {
                return Err(ctx.error(
                    n,
                    format!("`consecutive_failures` replaces the failure-rate threshold: remove `{key}` or `consecutive_failures`"),
                ));
            }
            if n.value == 0 {
                return Err(ctx.error(n, "`consecutive_failures` must be at least 1"));
            }
            BreakerThreshold::ConsecutiveFailures(n.value)
        }
        None => {
            let failure_rate = match &b.failure_rate {
                None => DEFAULT_FAILURE_RATE,
                Some(r) if r.value.0 <= 0.0 => return Err(ctx.error(
                    r,
                    "`failure_rate` must be > 0% (a breaker at 0% would open on the first call)",
                )),
                Some(r) => r.value.0,
            };
            let window_s = match &b.window {
                None => DEFAULT_WINDOW_S,
                Some(w) => {
                    let nanos = w.value.0.as_nanos();
                    let whole = nanos % 1_000_000_000 == 0;
                    let secs = nanos / 1_000_000_000;
                    if !whole || secs == 0 || secs > u64::from(MAX_WINDOW_S) {
                        return Err(ctx.error(
                            w,
                            format!("`window` must be a whole number of seconds from 1s to {MAX_WINDOW_S}s (the window counts outcomes in one-second buckets)"),
                        ));
                    }
                    secs as u32
                }
            };
            let minimum_calls = match &b.minimum_calls {
                None => DEFAULT_MINIMUM_CALLS,
                Some(m) if m.value == 0 => {
                    return Err(ctx.error(m, "`minimum_calls` must be at least 1"))
                }
                Some(m) => m.value,
            };
            BreakerThreshold::FailureRate {
                failure_rate,
                window_s,
                minimum_calls,
            }
        }
    };
    let open_for = match &b.open_for {
        None => DEFAULT_OPEN_FOR,
        Some(d) if d.value.0.is_zero() => {
            return Err(ctx.error(d, "`open_for` must be > 0"));
        }
        Some(d) => d.value.0,
    };
    let half_open_calls = match &b.half_open_calls {
        None => DEFAULT_HALF_OPEN_CALLS,
        Some(n) if n.value == 0 => {
            return Err(ctx.error(n, "`half_open_calls` must be at least 1"));
        }
        Some(n) => n.value,
    };
    let fallback = match &b.fallback {
        None => Fallback::FailFast,
        Some(f) => match f.value.as_str() {
            "fail_fast" => Fallback::FailFast,
            // A stale cached answer is, to the caller, a degraded one.
            "degraded" | "stale" => Fallback::Degraded,
            other => {
                return Err(ctx.error(
                    f,
                    format!("unknown fallback `{other}`: expected fail_fast, degraded or stale"),
                ))
            }
        },
    };
    Ok(BreakerConfig {
        threshold,
        open_for,
        half_open_calls,
        fallback,
    })
}
