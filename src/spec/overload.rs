//! A tier's or database's `overload:` curve (`model/overload.rs`):
//! `slope` ≥ 0 and `max_factor` ≥ 1, both finite; defaults 0.25 and 3.

use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::raw::RawOverload;
use crate::config::OverloadConfig;

/// The curve's defaults (assumptions, see `model/overload.rs`).
pub const DEFAULT_SLOPE: f64 = 0.25;
pub const DEFAULT_MAX_FACTOR: f64 = 3.0;

pub fn overload(
    ctx: &ModelContext,
    raw: &Option<Spanned<RawOverload>>,
) -> Result<Option<OverloadConfig>, Diagnostic> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let slope = match &raw.value.slope {
        None => DEFAULT_SLOPE,
        Some(v) if v.value.is_finite() && v.value >= 0.0 => v.value,
        Some(v) => {
            return Err(ctx.error(
                v,
                format!(
                    "overload `slope` must be a finite number ≥ 0 (extra service time per waiting request per slot), not {}",
                    v.value
                ),
            ))
        }
    };
    let max_factor = match &raw.value.max_factor {
        None => DEFAULT_MAX_FACTOR,
        Some(v) if v.value.is_finite() && v.value >= 1.0 => v.value,
        Some(v) => {
            return Err(ctx.error(
                v,
                format!(
                    "overload `max_factor` must be a finite number ≥ 1 (the most service time is stretched), not {}",
                    v.value
                ),
            ))
        }
    };
    Ok(Some(OverloadConfig { slope, max_factor }))
}
