//! An Auto Scaling group's `policies:` list: target tracking, simple and
//! step scaling, as the EC2 Auto Scaling API defines them.
//!
//! ```yaml
//! policies:
//!   - { type: target_tracking, metric: utilization, target: 50 }
//!   - type: step
//!     alarm: { metric: utilization, statistic: average, period: 60s,
//!              evaluation_periods: 2, threshold: 70, comparison: ">=" }
//!     steps: [{ lower: 0, upper: 15, change: 1 }, { lower: 15, change: 3 }]
//!   - { type: simple, alarm: { ... }, change: -1, cooldown: 300s }
//! ```
//!
//! Defaults (EC2 Auto Scaling User Guide): cooldown 300 s ("Scaling
//! cooldowns"), instance warm-up 300 s ("Set the default instance warmup"),
//! alarm statistic average over 60 s periods (one-minute detailed
//! monitoring) and one evaluation period.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::units::Duration;
use crate::config::{
    Adjustment, AlarmConfig, Comparison, ScalingMetric, ScalingPolicyConfig, Statistic, StepConfig,
};
use crate::time::SimDuration;

/// `Cooldown` and `EstimatedInstanceWarmup` default (EC2 Auto Scaling User
/// Guide, "Scaling cooldowns for Amazon EC2 Auto Scaling").
pub const DEFAULT_COOLDOWN: SimDuration = SimDuration::from_secs(300);
/// At most this many steps in one policy (AWS allows 20 step adjustments).
const MAX_STEPS: usize = 20;
/// A single adjustment never changes capacity by more than this.
const MAX_ADJUSTMENT: i64 = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScalingPolicy {
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub metric: Option<Spanned<String>>,
    pub target: Option<Spanned<f64>>,
    pub instance_warmup: Option<Duration>,
    pub disable_scale_in: Option<bool>,
    pub alarm: Option<Spanned<RawAlarm>>,
    pub change: Option<Spanned<i64>>,
    pub exact: Option<Spanned<i64>>,
    pub percent: Option<Spanned<f64>>,
    pub min_magnitude: Option<Spanned<u32>>,
    pub cooldown: Option<Duration>,
    pub steps: Option<Spanned<Vec<Spanned<RawStep>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlarm {
    pub metric: Spanned<String>,
    pub statistic: Option<Spanned<String>>,
    pub period: Option<Spanned<Duration>>,
    pub evaluation_periods: Option<Spanned<u32>>,
    pub threshold: Spanned<f64>,
    pub comparison: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub lower: Option<Spanned<f64>>,
    pub upper: Option<Spanned<f64>>,
    pub change: Option<Spanned<i64>>,
    pub exact: Option<Spanned<i64>>,
    pub percent: Option<Spanned<f64>>,
    pub min_magnitude: Option<Spanned<u32>>,
}

/// The fields each policy type accepts (besides `type`).
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "target_tracking" => &["metric", "target", "instance_warmup", "disable_scale_in"],
        "simple" => &[
            "alarm",
            "change",
            "exact",
            "percent",
            "min_magnitude",
            "cooldown",
        ],
        _ => &["alarm", "steps", "instance_warmup"],
    }
}

pub fn resolve(
    ctx: &ModelContext,
    raw: &Spanned<RawScalingPolicy>,
) -> Result<ScalingPolicyConfig, Diagnostic> {
    let p = &raw.value;
    let kind = p.kind.value.as_str();
    if !matches!(kind, "target_tracking" | "simple" | "step") {
        return Err(ctx.error(
            &p.kind,
            format!("unknown policy type `{kind}`: expected target_tracking, simple or step"),
        ));
    }
    reject_unused(ctx, raw, kind)?;
    let warmup = p.instance_warmup.map_or(DEFAULT_COOLDOWN, |d| d.0);
    match kind {
        "target_tracking" => {
            let Some(metric) = &p.metric else {
                return Err(ctx.error(raw, "a target_tracking policy needs `metric`"));
            };
            let metric = self::metric(ctx, metric)?;
            let Some(target) = &p.target else {
                return Err(ctx.error(raw, "a target_tracking policy needs `target`"));
            };
            check_value(ctx, target, metric, "target")?;
            if target.value <= 0.0 {
                return Err(ctx.error(target, "`target` must be above 0"));
            }
            Ok(ScalingPolicyConfig::TargetTracking {
                metric,
                target: target.value,
                instance_warmup: warmup,
                disable_scale_in: p.disable_scale_in.unwrap_or(false),
            })
        }
        "simple" => {
            let alarm = alarm(ctx, raw)?;
            let adjustment = adjustment(
                ctx,
                raw,
                p.change.as_ref(),
                p.exact.as_ref(),
                p.percent.as_ref(),
                p.min_magnitude.as_ref(),
            )?;
            Ok(ScalingPolicyConfig::Simple {
                alarm,
                adjustment,
                cooldown: p.cooldown.map_or(DEFAULT_COOLDOWN, |d| d.0),
            })
        }
        _ => {
            let alarm = alarm(ctx, raw)?;
            let Some(raw_steps) = &p.steps else {
                return Err(ctx.error(raw, "a step policy needs `steps`"));
            };
            if raw_steps.value.is_empty() || raw_steps.value.len() > MAX_STEPS {
                return Err(ctx.error(raw_steps, format!("`steps` needs 1 to {MAX_STEPS} steps")));
            }
            let mut steps = Vec::new();
            for s in &raw_steps.value {
                let v = &s.value;
                let (lower, upper) = (v.lower.as_ref(), v.upper.as_ref());
                if lower.is_none() && upper.is_none() {
                    return Err(ctx.error(s, "a step needs `lower`, `upper` or both"));
                }
                if let (Some(l), Some(u)) = (lower, upper) {
                    if l.value >= u.value {
                        return Err(ctx.error(u, "a step's `upper` must be above its `lower`"));
                    }
                }
                steps.push(StepConfig {
                    lower: lower.map(|l| l.value),
                    upper: upper.map(|u| u.value),
                    adjustment: adjustment(
                        ctx,
                        s,
                        v.change.as_ref(),
                        v.exact.as_ref(),
                        v.percent.as_ref(),
                        v.min_magnitude.as_ref(),
                    )?,
                });
            }
            check_steps(ctx, raw_steps, &steps)?;
            Ok(ScalingPolicyConfig::Step {
                alarm,
                steps,
                instance_warmup: warmup,
            })
        }
    }
}

fn reject_unused(
    ctx: &ModelContext,
    raw: &Spanned<RawScalingPolicy>,
    kind: &str,
) -> Result<(), Diagnostic> {
    let p = &raw.value;
    let present = [
        ("metric", p.metric.as_ref().map(|v| v.referenced)),
        ("target", p.target.as_ref().map(|v| v.referenced)),
        ("instance_warmup", p.instance_warmup.map(|_| raw.referenced)),
        (
            "disable_scale_in",
            p.disable_scale_in.map(|_| raw.referenced),
        ),
        ("alarm", p.alarm.as_ref().map(|v| v.referenced)),
        ("change", p.change.as_ref().map(|v| v.referenced)),
        ("exact", p.exact.as_ref().map(|v| v.referenced)),
        ("percent", p.percent.as_ref().map(|v| v.referenced)),
        (
            "min_magnitude",
            p.min_magnitude.as_ref().map(|v| v.referenced),
        ),
        ("cooldown", p.cooldown.map(|_| raw.referenced)),
        ("steps", p.steps.as_ref().map(|v| v.referenced)),
    ];
    for (field, at) in present {
        if let (Some(at), false) = (at, allowed(kind).contains(&field)) {
            return Err(Diagnostic::at(
                ctx.file,
                &at,
                format!(
                    "a {kind} policy does not use `{field}` (it takes: type, {})",
                    allowed(kind).join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn metric(ctx: &ModelContext, m: &Spanned<String>) -> Result<ScalingMetric, Diagnostic> {
    match m.value.as_str() {
        "utilization" | "cpu" => Ok(ScalingMetric::Utilization),
        "request_count_per_target" => Ok(ScalingMetric::RequestCountPerTarget),
        other => Err(ctx.error(
            m,
            format!("unknown metric `{other}`: expected utilization (alias cpu) or request_count_per_target"),
        )),
    }
}

/// Utilization is a percentage; request counts are non-negative.
fn check_value(
    ctx: &ModelContext,
    v: &Spanned<f64>,
    metric: ScalingMetric,
    field: &str,
) -> Result<(), Diagnostic> {
    let ok = match metric {
        ScalingMetric::Utilization => (0.0..=100.0).contains(&v.value),
        ScalingMetric::RequestCountPerTarget => v.value.is_finite() && v.value >= 0.0,
    };
    if ok {
        Ok(())
    } else {
        Err(ctx.error(
            v,
            match metric {
                ScalingMetric::Utilization => {
                    format!("`{field}` is a utilization in percent: expected 0 to 100")
                }
                ScalingMetric::RequestCountPerTarget => {
                    format!("`{field}` must be a request count of 0 or more")
                }
            },
        ))
    }
}

fn alarm(ctx: &ModelContext, raw: &Spanned<RawScalingPolicy>) -> Result<AlarmConfig, Diagnostic> {
    let Some(a) = &raw.value.alarm else {
        return Err(ctx.error(
            raw,
            format!("a {} policy needs `alarm`", raw.value.kind.value),
        ));
    };
    let v = &a.value;
    let metric = metric(ctx, &v.metric)?;
    check_value(ctx, &v.threshold, metric, "threshold")?;
    let statistic = match &v.statistic {
        None => Statistic::Average,
        Some(s) => match s.value.as_str() {
            "average" => Statistic::Average,
            "maximum" => Statistic::Maximum,
            "minimum" => Statistic::Minimum,
            other => {
                return Err(ctx.error(
                    s,
                    format!("unknown statistic `{other}`: expected average, maximum or minimum"),
                ))
            }
        },
    };
    let period = match &v.period {
        None => SimDuration::from_secs(60),
        Some(p) => {
            let secs = p.value.0.as_secs_f64();
            if !(10.0..=86_400.0).contains(&secs) {
                return Err(ctx.error(p, "`period` must be from 10s to 1d"));
            }
            p.value.0
        }
    };
    let evaluation_periods = match &v.evaluation_periods {
        None => 1,
        Some(n) if (1..=1_440).contains(&n.value) => n.value,
        Some(n) => return Err(ctx.error(n, "`evaluation_periods` must be from 1 to 1440")),
    };
    let comparison = match &v.comparison {
        None => Comparison::GreaterThanOrEqual,
        Some(c) => match c.value.as_str() {
            ">=" | "greater_than_or_equal" => Comparison::GreaterThanOrEqual,
            ">" | "greater_than" => Comparison::GreaterThan,
            "<" | "less_than" => Comparison::LessThan,
            "<=" | "less_than_or_equal" => Comparison::LessThanOrEqual,
            other => {
                return Err(ctx.error(
                    c,
                    format!("unknown comparison `{other}`: expected >=, >, < or <="),
                ))
            }
        },
    };
    Ok(AlarmConfig {
        metric,
        statistic,
        period,
        evaluation_periods,
        threshold: v.threshold.value,
        comparison,
    })
}

/// Exactly one of `change`, `exact` and `percent`.
fn adjustment<T>(
    ctx: &ModelContext,
    at: &Spanned<T>,
    change: Option<&Spanned<i64>>,
    exact: Option<&Spanned<i64>>,
    percent: Option<&Spanned<f64>>,
    min_magnitude: Option<&Spanned<u32>>,
) -> Result<Adjustment, Diagnostic> {
    let given = usize::from(change.is_some())
        + usize::from(exact.is_some())
        + usize::from(percent.is_some());
    if given != 1 {
        return Err(ctx.error(
            at,
            "give exactly one adjustment: `change` (ChangeInCapacity), `exact` (ExactCapacity) or `percent` (PercentChangeInCapacity)",
        ));
    }
    if let (Some(m), None) = (min_magnitude, percent) {
        return Err(ctx.error(m, "`min_magnitude` goes with `percent`"));
    }
    if let Some(c) = change {
        if c.value == 0 || c.value.abs() > MAX_ADJUSTMENT {
            return Err(ctx.error(
                c,
                format!("`change` must be a non-zero count of at most ±{MAX_ADJUSTMENT}"),
            ));
        }
        return Ok(Adjustment::Change(c.value as i32));
    }
    if let Some(e) = exact {
        if !(0..=MAX_ADJUSTMENT).contains(&e.value) {
            return Err(ctx.error(
                e,
                format!("`exact` must be a capacity from 0 to {MAX_ADJUSTMENT}"),
            ));
        }
        return Ok(Adjustment::Exact(e.value as u32));
    }
    let p = percent.expect("one adjustment given");
    if !p.value.is_finite() || p.value == 0.0 || p.value.abs() > 10_000.0 {
        return Err(ctx.error(p, "`percent` must be non-zero, from -10000 to 10000"));
    }
    Ok(Adjustment::Percent {
        percent: p.value,
        min_magnitude: min_magnitude.map_or(1, |m| m.value),
    })
}

/// Steps may not overlap, and at most one may be open-ended on each side
/// (the API's rule for step adjustments).
fn check_steps<T>(
    ctx: &ModelContext,
    at: &Spanned<T>,
    steps: &[StepConfig],
) -> Result<(), Diagnostic> {
    let mut sorted: Vec<(f64, f64)> = steps
        .iter()
        .map(|s| {
            (
                s.lower.unwrap_or(f64::NEG_INFINITY),
                s.upper.unwrap_or(f64::INFINITY),
            )
        })
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in sorted.windows(2) {
        if pair[1].0 < pair[0].1 {
            return Err(ctx.error(at, "steps overlap: each breach size must fall in one step"));
        }
    }
    Ok(())
}
