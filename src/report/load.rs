//! What a report says about offered load, attempts and goodput (a scenario
//! with `goodput:`): the recovery verdict in words, a table of the rates
//! before, during and after the trigger, the terminal digest's rows, and
//! the goodput chart. Figures come from [`LoadSummary`] only.

use super::document::{Align::*, Chart, Figure, KeyValue, Section, Span, Table};
use super::format;
use crate::metrics::{LoadSummary, RecoveryVerdict, RunSummary};

/// The verdict in words, e.g. `recovered 14 s after the trigger ended` or
/// `not recovered by the horizon (goodput at 12.0 % of its pre-trigger level)`.
pub fn verdict_text(load: &LoadSummary) -> String {
    match load.verdict() {
        RecoveryVerdict::NoTrigger => "no scripted fault: nothing to recover from".into(),
        RecoveryVerdict::Recovered { after_s } => format!(
            "recovered {} after the trigger ended",
            format::duration(after_s)
        ),
        RecoveryVerdict::NotRecovered => match load.final_fraction() {
            Some(f) => format!(
                "not recovered by the horizon (goodput at {:.1} % of its pre-trigger level)",
                f * 100.0
            ),
            None => "not recovered by the horizon".into(),
        },
    }
}

/// The level goodput had to reach, in words.
fn level_text(load: &LoadSummary) -> String {
    match load.baseline_goodput_per_s {
        Some(level) => format!(
            "{} of the pre-trigger {} req/s, averaged over {}",
            format::percent(load.threshold),
            format::quantity(level),
            format::duration(load.hold_s)
        ),
        None => "no measured second before the trigger".into(),
    }
}

/// "Load and goodput": the verdict, then rates by phase.
pub fn section(summary: &RunSummary) -> Option<Section> {
    let load = summary.load.as_ref()?;
    let mut s = Section::new(2, "Load and goodput");
    s.paragraph(format!(
        "Goodput **{}** (level: {}).",
        verdict_text(load),
        level_text(load)
    ));
    let mut t = Table::new(&[
        ("phase", Left),
        ("from", Right),
        ("to", Right),
        ("offered req/s", Right),
        ("attempts/s", Right),
        ("goodput req/s", Right),
        ("attempts per request", Right),
    ]);
    for (label, from, to) in phases(load, summary.horizon_s) {
        let Some([offered, attempts, goodput]) = load.series.mean_rates(from, to) else {
            continue;
        };
        t.row(vec![
            label.into(),
            format::seconds(from),
            format::seconds(to),
            format::quantity(offered),
            format::quantity(attempts),
            format::quantity(goodput),
            if offered > 0.0 {
                format!("{:.2}", attempts / offered)
            } else {
                "n/a".into()
            },
        ]);
    }
    s.table(t);
    Some(s)
}

/// Spans worth a row: before, during and after the trigger, and the run's
/// last minute.
fn phases(load: &LoadSummary, horizon_s: f64) -> Vec<(&'static str, f64, f64)> {
    let mut out = Vec::new();
    let Some(t) = load.trigger else {
        return vec![("whole run", 0.0, horizon_s)];
    };
    let (start, end) = (t.start_s as f64, t.end_s as f64);
    out.push((
        "before the trigger",
        (start - load.baseline_s).max(0.0),
        start,
    ));
    if end > start {
        out.push(("during the trigger", start, end));
    }
    out.push(("first minute after", end, (end + 60.0).min(horizon_s)));
    if horizon_s - 60.0 > end + 60.0 {
        out.push(("last minute", horizon_s - 60.0, horizon_s));
    }
    out
}

/// The terminal digest's rows.
pub fn digest_rows(load: &LoadSummary) -> Vec<KeyValue> {
    let [offered, attempts, _] = load.series.totals();
    let mut rows = vec![KeyValue::plain(
        "attempts per request",
        load.amplification()
            .map_or_else(|| "n/a".to_string(), |a| format!("{a:.2}")),
        format!(
            "{} attempts for {} requests",
            format::count(attempts),
            format::count(offered)
        ),
    )];
    if let Some(level) = load.baseline_goodput_per_s {
        rows.push(KeyValue::plain(
            "pre-trigger goodput",
            format!("{} req/s", format::quantity(level)),
            format!(
                "over the {} before the trigger",
                format::duration(load.baseline_s)
            ),
        ));
    }
    let pass = !matches!(load.verdict(), RecoveryVerdict::NotRecovered);
    rows.push(KeyValue::new(
        "recovery",
        match load.verdict() {
            RecoveryVerdict::Recovered { after_s } => format::duration(after_s),
            RecoveryVerdict::NotRecovered => "none".into(),
            RecoveryVerdict::NoTrigger => "n/a".into(),
        },
        vec![Span::verdict(pass, verdict_text(load))],
    ));
    rows
}

/// The goodput chart: offered load, attempts and goodput per second, the
/// fault windows shaded and the recovery marked.
pub fn figure<'a>(summary: &'a RunSummary, context: &str) -> Option<Figure<'a>> {
    let load = summary.load.as_ref()?;
    let faults = super::figures::fault_windows(summary);
    Some(Figure {
        title: format!("Offered load, attempts and goodput ({context})"),
        caption: format!(
            "Client requests arriving, attempts started (first tries and retries) and \
             requests that succeeded, per second, averaged over {} buckets. Shaded bands are \
             scripted fault windows{}. Goodput {}.",
            format::duration(load.series.bucket_s as f64),
            if load.recovered_at_s.is_some() {
                "; the green line marks the recovery"
            } else {
                ""
            },
            verdict_text(load)
        ),
        chart: Chart::Load {
            title: format!("Requests per second ({context})"),
            series: &load.series,
            faults,
            horizon_s: summary.horizon_s,
            recovered_at_s: load.recovered_at_s,
        },
    })
}
