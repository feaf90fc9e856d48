//! Sticky-session settings: a load balancer's `stickiness` and a tier's
//! `session_state`. Defaults and ranges are the ALB target group's
//! (`catalog::generic::STICKINESS_*`).

use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::raw::RawStickiness;
use crate::catalog::generic;
use crate::config::{SessionState, StickinessConfig, StickinessType};

/// `stickiness: disabled`, `{ enabled: false }` or the settings.
pub fn stickiness(
    ctx: &ModelContext,
    raw: &Spanned<RawStickiness>,
) -> Result<Option<StickinessConfig>, Diagnostic> {
    let RawStickiness::Settings(s) = &raw.value else {
        return Ok(None);
    };
    let cookie = match &s.cookie {
        None => StickinessType::LbCookie,
        Some(t) => match t.value.as_str() {
            "lb_cookie" => StickinessType::LbCookie,
            "app_cookie" => StickinessType::AppCookie,
            other => {
                return Err(ctx.error(
                    t,
                    format!("unknown stickiness type `{other}`: expected lb_cookie or app_cookie"),
                ))
            }
        },
    };
    if let Some(name) = &s.cookie_name {
        if cookie != StickinessType::AppCookie {
            return Err(ctx.error(
                name,
                "`cookie_name` applies to `type: app_cookie` only (lb_cookie uses AWSALB)",
            ));
        }
        if name.value.is_empty() || name.value.starts_with("AWSALB") {
            return Err(ctx.error(
                name,
                "`cookie_name` must be a non-empty name other than AWSALB, AWSALBAPP and AWSALBTG (reserved by the load balancer)",
            ));
        }
    }
    let duration = match &s.duration {
        None => generic::STICKINESS_DURATION,
        Some(d) => {
            let value = d.value.0;
            if value < generic::STICKINESS_DURATION_MIN || value > generic::STICKINESS_DURATION_MAX
            {
                return Err(ctx.error(
                    d,
                    "stickiness `duration` must be between 1s and 7d (the ALB's range)",
                ));
            }
            value
        }
    };
    if s.enabled == Some(false) {
        return Ok(None);
    }
    Ok(Some(StickinessConfig { cookie, duration }))
}

/// `session_state: local | cache`.
pub fn session_state(
    ctx: &ModelContext,
    raw: &Spanned<String>,
) -> Result<SessionState, Diagnostic> {
    match raw.value.as_str() {
        "local" => Ok(SessionState::Local),
        "cache" => Ok(SessionState::Cache),
        other => Err(ctx.error(
            raw,
            format!("unknown session_state `{other}`: expected local or cache"),
        )),
    }
}
