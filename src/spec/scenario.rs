//! Raw scenario → [`ScenarioConfig`]: workload, client, faults (ids, `after`
//! chains), random failure processes and SLOs. Component and zone names stay
//! names (with positions): a scenario runs against several models and `run`
//! resolves them against the one it builds.

use serde_saphyr::Spanned;

use super::diagnostics::{source_pos, Diagnostic};
use super::raw_scenario::*;
use crate::config::*;
use crate::dist::Dist;
use crate::time::SimDuration;

/// Distinct clients a workload may have (each keeps a few DNS cache entries).
const MAX_CLIENTS: u32 = 10_000_000;

pub fn validate(file: &str, raw: RawScenario) -> Result<ScenarioConfig, Diagnostic> {
    let clock = super::timeline::Clock::new(
        file,
        raw.start.as_ref(),
        raw.horizon.as_ref(),
        raw.end.as_ref(),
        &raw.name,
        &raw.phases,
    )?;
    let horizon = clock.horizon;
    let warmup = raw.warmup.as_ref().map_or(SimDuration::ZERO, |w| w.value.0);
    if let Some(w) = &raw.warmup {
        if warmup >= horizon {
            return Err(Diagnostic::at(
                file,
                &w.referenced,
                "warmup must be shorter than the horizon",
            ));
        }
    }
    Ok(ScenarioConfig {
        name: raw.name.value,
        horizon,
        warmup,
        seed: raw.seed,
        workload: workload(file, &raw.workload)?,
        client: client(file, raw.client.as_ref())?,
        faults: super::faults::faults(file, &raw.faults, &clock)?,
        random_failures: raw
            .random_failures
            .iter()
            .map(|r| random_failure(file, r))
            .collect::<Result<_, _>>()?,
        failure_budget_zones_down: super::raw_random::failure_budget(raw.failure_budget.as_ref()),
        stop_conditions: raw
            .stop_conditions
            .iter()
            .map(|s| super::raw_random::stop_condition(file, s))
            .collect::<Result<_, _>>()?,
        empty_target_resolution: empty_target_resolution(file, raw.experiment_options.as_ref())?,
        slo: raw.slo.map_or_else(SloConfig::default, |s| SloConfig {
            availability: s.availability.map(|a| a.0),
            latency_p99: s.latency_p99.map(|d| d.0),
            writes_lost: s.writes_lost,
        }),
        start: clock.start,
        phases: clock.phases,
        goodput: raw
            .goodput
            .as_ref()
            .map(|g| goodput(file, &g.value))
            .transpose()?,
    })
}

/// The longest `baseline` or `hold` a goodput watch keeps (one counter per
/// second of it).
const MAX_GOODPUT_WINDOW_S: u64 = 3_600;

/// `goodput:`, with the defaults of [`GoodputWatch`].
fn goodput(file: &str, raw: &RawGoodput) -> Result<GoodputWatch, Diagnostic> {
    let defaults = GoodputWatch::default();
    let window = |field: &Option<Spanned<super::units::Duration>>, name: &str, default| {
        let Some(d) = field else {
            return Ok(default);
        };
        let whole = d.value.0.as_nanos() % crate::time::NANOS_PER_SECOND == 0;
        let s = d.value.0.as_secs_f64();
        if whole && (1.0..=MAX_GOODPUT_WINDOW_S as f64).contains(&s) {
            Ok(d.value.0)
        } else {
            Err(Diagnostic::at(
                file,
                &d.referenced,
                format!(
                    "goodput.{name} must be a whole number of seconds from 1s to {MAX_GOODPUT_WINDOW_S}s"
                ),
            ))
        }
    };
    let threshold = match &raw.threshold {
        None => defaults.threshold,
        Some(t) if t.value.0 > 0.0 => t.value.0,
        Some(t) => return Err(Diagnostic::at(
            file,
            &t.referenced,
            "goodput.threshold must be above 0 (a fraction of the pre-trigger goodput, e.g. 95%)",
        )),
    };
    Ok(GoodputWatch {
        baseline: window(&raw.baseline, "baseline", defaults.baseline)?,
        threshold,
        hold: window(&raw.hold, "hold", defaults.hold)?,
    })
}

/// `experiment_options.empty_target_resolution_mode`: `fail` (the FIS
/// default) or `skip`.
fn empty_target_resolution(
    file: &str,
    raw: Option<&RawExperimentOptions>,
) -> Result<EmptyTargetResolution, Diagnostic> {
    match raw.and_then(|o| o.empty_target_resolution_mode.as_ref()) {
        None => Ok(EmptyTargetResolution::Fail),
        Some(m) => match m.value.as_str() {
            "fail" => Ok(EmptyTargetResolution::Fail),
            "skip" => Ok(EmptyTargetResolution::Skip),
            other => Err(Diagnostic::at_value(
                file,
                m,
                format!("unknown empty_target_resolution_mode `{other}`: expected fail or skip"),
            )),
        },
    }
}

fn workload(file: &str, raw: &RawWorkload) -> Result<WorkloadConfig, Diagnostic> {
    let profile = match raw.profile.as_ref() {
        None => Profile::Constant,
        Some(p) => match &p.value {
            RawProfile::Constant => Profile::Constant,
            RawProfile::Diurnal(d) => Profile::Diurnal {
                trough_factor: d.trough.0,
                peak_at: d.peak_at.0,
            },
            RawProfile::Step(steps) => {
                let mut out = Vec::with_capacity(steps.len());
                for s in steps {
                    if !(s.factor.is_finite() && s.factor >= 0.0) {
                        return Err(Diagnostic::at(
                            file,
                            &p.referenced,
                            "a step factor must be a number ≥ 0",
                        ));
                    }
                    out.push((s.at.0, s.factor));
                }
                if out.windows(2).any(|w| w[1].0 <= w[0].0) {
                    return Err(Diagnostic::at(
                        file,
                        &p.referenced,
                        "step times must increase",
                    ));
                }
                Profile::Step { steps: out }
            }
        },
    };
    let mix = match &raw.mix {
        None => None,
        Some(entries) => {
            let mut mix = Vec::with_capacity(entries.0.len());
            for (name, share) in &entries.0 {
                if !(share.value.is_finite() && share.value >= 0.0) {
                    return Err(Diagnostic::at(
                        file,
                        &share.referenced,
                        "a mix share must be a number ≥ 0",
                    ));
                }
                mix.push((
                    name.value.clone(),
                    share.value,
                    source_pos(file, &name.referenced),
                ));
            }
            if mix.iter().all(|(_, s, _)| *s == 0.0) {
                return Err(Diagnostic::at(
                    file,
                    &entries
                        .0
                        .first()
                        .map_or(serde_saphyr::Location::UNKNOWN, |e| e.0.referenced),
                    "a mix needs at least one share > 0",
                ));
            }
            Some(mix)
        }
    };
    let clients = match &raw.clients {
        Some(c) if c.value == 0 || c.value > MAX_CLIENTS => {
            return Err(Diagnostic::at(
                file,
                &c.referenced,
                format!("clients must be between 1 and {MAX_CLIENTS}"),
            ))
        }
        Some(c) => c.value,
        None => 1000,
    };
    let session_length = match raw.sessions.as_ref().and_then(|s| s.value.length.as_ref()) {
        Some(l) if l.value.0.mean_s() <= 0.0 => {
            return Err(Diagnostic::at(
                file,
                &l.referenced,
                "a session `length` must be longer than 0 (leave it out for sessions that last the whole run)",
            ))
        }
        Some(l) => Some(l.value.0),
        None => None,
    };
    Ok(WorkloadConfig {
        rate_per_s: raw.rate.0,
        profile,
        mix,
        clients,
        session_length,
    })
}

fn client(file: &str, raw: Option<&RawClient>) -> Result<ClientConfig, Diagnostic> {
    Ok(ClientConfig {
        timeout: raw
            .and_then(|c| c.timeout)
            .map(|d| d.0)
            .filter(|d| !d.is_zero()),
        retries: retries(file, raw.and_then(|c| c.retries.as_ref()), 1)?,
        retry_budget: raw
            .and_then(|c| c.retry_budget.as_ref())
            .map(|b| retry_budget(file, b))
            .transpose()?,
    })
}

/// A `retries:` block (the client's, or a call step's in a model file),
/// with `max_attempts` defaulting to `default_max_attempts` when absent.
pub(super) fn retries(
    file: &str,
    retries: Option<&RawRetries>,
    default_max_attempts: u32,
) -> Result<RetryConfig, Diagnostic> {
    let max_attempts = match retries.and_then(|r| r.max_attempts.as_ref()) {
        Some(m) if m.value == 0 => {
            return Err(Diagnostic::at(
                file,
                &m.referenced,
                "max_attempts counts the first attempt: it must be ≥ 1",
            ))
        }
        Some(m) => m.value,
        None => default_max_attempts,
    };
    let backoff = match retries.and_then(|r| r.backoff.as_ref()) {
        None => Backoff::Exponential,
        Some(b) => match b.value.as_str() {
            "exponential" => Backoff::Exponential,
            "constant" => Backoff::Constant,
            other => {
                return Err(Diagnostic::at(
                    file,
                    &b.referenced,
                    format!("unknown backoff `{other}`: expected exponential or constant"),
                ))
            }
        },
    };
    let jitter = match retries.and_then(|r| r.jitter.as_ref()) {
        None => Jitter::Full,
        Some(j) => match j.value.as_str() {
            "none" => Jitter::None,
            "full" => Jitter::Full,
            "equal" => Jitter::Equal,
            "decorrelated" => Jitter::Decorrelated,
            other => {
                return Err(Diagnostic::at(
                    file,
                    &j.referenced,
                    format!("unknown jitter `{other}`: expected none, full, equal or decorrelated"),
                ))
            }
        },
    };
    Ok(RetryConfig {
        max_attempts,
        backoff,
        // AWS SDK standard mode: base 100 ms (assumption, common SDK
        // value), cap 20 s ("Retry behavior", AWS SDKs and Tools Reference).
        base: retries
            .and_then(|r| r.base)
            .map_or(SimDuration::from_millis(100), |d| d.0),
        cap: retries
            .and_then(|r| r.cap)
            .map_or(SimDuration::from_secs(20), |d| d.0),
        jitter,
    })
}

/// `client.retry_budget`: a token bucket (AWS SDK defaults) or a ratio
/// (Finagle defaults), each field optional.
fn retry_budget(
    file: &str,
    raw: &Spanned<RawRetryBudget>,
) -> Result<RetryBudgetConfig, Diagnostic> {
    let b = &raw.value;
    let Some(kind) = &b.kind else {
        return Err(Diagnostic::at(
            file,
            &raw.referenced,
            "retry_budget needs `kind: token_bucket` (the AWS SDK retry quota) or `kind: ratio` (Finagle's retry budget)",
        ));
    };
    // A field of the other kind is a mistake worth naming.
    let stray = |fields: &[(&str, Option<&serde_saphyr::Location>)], kind: &str| {
        fields.iter().find_map(|(name, at)| {
            at.map(|at| {
                Diagnostic::at(
                    file,
                    at,
                    format!("`{name}` does not apply to a retry budget of kind `{kind}`"),
                )
            })
        })
    };
    let count =
        |field: &Option<Spanned<u32>>, default: u32| field.as_ref().map_or(default, |v| v.value);
    match kind.value.as_str() {
        "token_bucket" => {
            if let Some(e) = stray(
                &[
                    ("ratio", b.ratio.as_ref().map(|v| &v.referenced)),
                    (
                        "min_per_second",
                        b.min_per_second.as_ref().map(|v| &v.referenced),
                    ),
                    ("window", b.window.as_ref().map(|v| &v.referenced)),
                ],
                "token_bucket",
            ) {
                return Err(e);
            }
            let RetryBudgetKind::TokenBucket {
                tokens,
                retry_cost,
                timeout_cost,
                success_refund,
            } = RetryBudgetConfig::aws_sdk().kind
            else {
                unreachable!("the AWS SDK preset is a token bucket")
            };
            for field in [&b.retry_cost, &b.timeout_cost] {
                if let Some(v) = field.as_ref().filter(|v| v.value == 0) {
                    return Err(Diagnostic::at(
                        file,
                        &v.referenced,
                        "a retry's cost must be at least 1 token",
                    ));
                }
            }
            Ok(RetryBudgetConfig {
                kind: RetryBudgetKind::TokenBucket {
                    tokens: count(&b.tokens, tokens),
                    retry_cost: count(&b.retry_cost, retry_cost),
                    timeout_cost: count(&b.timeout_cost, timeout_cost),
                    success_refund: count(&b.success_refund, success_refund),
                },
            })
        }
        "ratio" => {
            if let Some(e) = stray(
                &[
                    ("tokens", b.tokens.as_ref().map(|v| &v.referenced)),
                    ("retry_cost", b.retry_cost.as_ref().map(|v| &v.referenced)),
                    (
                        "timeout_cost",
                        b.timeout_cost.as_ref().map(|v| &v.referenced),
                    ),
                    (
                        "success_refund",
                        b.success_refund.as_ref().map(|v| &v.referenced),
                    ),
                ],
                "ratio",
            ) {
                return Err(e);
            }
            let RetryBudgetKind::Ratio {
                ratio,
                min_per_second,
                window,
            } = RetryBudgetConfig::finagle().kind
            else {
                unreachable!("the Finagle preset is a ratio")
            };
            if let Some(m) = b
                .min_per_second
                .as_ref()
                .filter(|m| !(m.value.is_finite() && (0.0..=1e6).contains(&m.value)))
            {
                return Err(Diagnostic::at(
                    file,
                    &m.referenced,
                    "min_per_second must be a number from 0 to 1000000",
                ));
            }
            let window = match &b.window {
                None => window,
                Some(w) => {
                    let d = w.value.0;
                    if d.as_nanos() % crate::time::NANOS_PER_SECOND != 0
                        || !(1.0..=3_600.0).contains(&d.as_secs_f64())
                    {
                        return Err(Diagnostic::at(
                            file,
                            &w.referenced,
                            "window must be a whole number of seconds from 1s to 3600s",
                        ));
                    }
                    d
                }
            };
            Ok(RetryBudgetConfig {
                kind: RetryBudgetKind::Ratio {
                    ratio: b.ratio.as_ref().map_or(ratio, |r| r.value.0),
                    min_per_second: b
                        .min_per_second
                        .as_ref()
                        .map_or(min_per_second, |m| m.value),
                    window,
                },
            })
        }
        other => Err(Diagnostic::at(
            file,
            &kind.referenced,
            format!("unknown retry budget kind `{other}`: expected token_bucket or ratio"),
        )),
    }
}

pub fn down_mode(
    file: &str,
    raw: Option<&Spanned<String>>,
    default: DownMode,
) -> Result<DownMode, Diagnostic> {
    match raw {
        None => Ok(default),
        Some(m) => match m.value.as_str() {
            "refuse" => Ok(DownMode::Refuse),
            "blackhole" => Ok(DownMode::Blackhole),
            other => Err(Diagnostic::at(
                file,
                &m.referenced,
                format!("unknown mode `{other}`: expected refuse or blackhole"),
            )),
        },
    }
}

fn random_failure(
    file: &str,
    raw: &Spanned<RawRandomFailure>,
) -> Result<RandomFailureConfig, Diagnostic> {
    let r = &raw.value;
    let time_to_failure = match (&r.mtbf, &r.annual_failure_rate) {
        (Some(_), Some(afr)) => {
            return Err(Diagnostic::at(
                file,
                &afr.referenced,
                "give `mtbf` or `annual_failure_rate`, not both",
            ))
        }
        (Some(mtbf), None) => {
            if mtbf.value.0.is_zero() {
                return Err(Diagnostic::at(file, &mtbf.referenced, "mtbf must be > 0"));
            }
            Some(match r.distribution.as_ref().map(|d| &d.value) {
                None | Some(FailureDistribution::Exponential) => Dist::exponential(mtbf.value.0),
                Some(FailureDistribution::Weibull { shape }) => {
                    Dist::weibull_from_mean(*shape, mtbf.value.0)
                }
                Some(FailureDistribution::LogNormal { sigma }) => {
                    Dist::lognormal_from_mean(mtbf.value.0, *sigma)
                }
            })
        }
        (None, Some(afr)) => {
            if !(afr.value.0 > 0.0 && afr.value.0 < 1.0) {
                return Err(Diagnostic::at(
                    file,
                    &afr.referenced,
                    "annual_failure_rate must be in (0, 1)",
                ));
            }
            Some(Dist::from_annual_failure_rate(afr.value.0))
        }
        (None, None) => None,
    };
    if time_to_failure.is_none() {
        if let Some(d) = &r.distribution {
            return Err(Diagnostic::at(
                file,
                &d.referenced,
                "`distribution` needs `mtbf`",
            ));
        }
    }
    let target = super::faults::target(file, &raw.value.target)?;
    if target.class.is_some() {
        return Err(Diagnostic::at_value(
            file,
            &raw.value.target,
            "a random failure targets nodes, not a request class",
        ));
    }
    let zone_event = target.kind == Some(TargetKind::Zone);
    if zone_event {
        if time_to_failure.is_none() || r.annual_failure_rate.is_some() {
            return Err(Diagnostic::at_value(
                file,
                &raw.value.target,
                "a zone event needs `mtbf` (and `mttr`)",
            ));
        }
        if r.mttr.is_none() {
            return Err(Diagnostic::at_value(
                file,
                &raw.value.target,
                "a zone event needs `mttr`: a zone has no repair of its own",
            ));
        }
        if let Some(b) = &r.burst {
            return Err(Diagnostic::at_value(
                file,
                b,
                "`burst` applies to nodes, not to zone events",
            ));
        }
        if target.component.is_some() {
            return Err(Diagnostic::at_value(
                file,
                &raw.value.target,
                "a zone event names a zone (or none: every zone), not a component",
            ));
        }
        if let Some(f) = raw.value.target.value.filters.first() {
            return Err(Diagnostic::at_value(
                file,
                f,
                "`filters` select nodes; a zone event selects zones",
            ));
        }
    }
    // A zone goes dark: nothing in it answers (blackhole), unless told.
    let default_mode = if zone_event {
        DownMode::Blackhole
    } else {
        DownMode::Refuse
    };
    Ok(RandomFailureConfig {
        target,
        time_to_failure,
        time_to_repair: r.mttr.as_ref().map(|d| d.0),
        mode: down_mode(file, r.mode.as_ref(), default_mode)?,
        burst: r
            .burst
            .as_ref()
            .map(|b| super::raw_random::burst(file, b))
            .transpose()?,
    })
}
