//! The study parts of the report documents: a table of means with their
//! 95 % intervals, the study's SLO verdicts and failed requests by cause
//! (also a run's). The JSON side lives in [`super::json::render_study`].

use std::collections::BTreeMap;

use super::document::{Align::*, Section, Table};
use super::format;
use crate::metrics::{Estimate, StudySummary};

/// One figure of a study: label, mean, interval, and min/max when known.
pub struct StudyLine {
    pub label: &'static str,
    pub mean: String,
    pub ci: String,
    pub range: Option<(String, String)>,
}

fn line(label: &'static str, e: Option<&Estimate>, unit: fn(f64) -> String) -> StudyLine {
    match e {
        Some(e) => StudyLine {
            label,
            mean: unit(e.mean),
            ci: format!("[{}, {}]", unit(e.ci95.0), unit(e.ci95.1)),
            range: None,
        },
        None => StudyLine {
            label,
            mean: "n/a".into(),
            ci: "n/a".into(),
            range: None,
        },
    }
}

/// A figure of every request of every run (no interval: one histogram).
fn pooled(label: &'static str, value: Option<f64>) -> StudyLine {
    StudyLine {
        label,
        mean: value.map_or_else(|| "n/a".into(), format::ms),
        ci: "(pooled)".into(),
        range: None,
    }
}

/// The study's figures, in report order.
pub fn lines(s: &StudySummary) -> Vec<StudyLine> {
    let mut request = line(
        "availability (requests)",
        Some(&s.availability_request),
        format::percent,
    );
    request.range = Some((
        format::percent(s.availability_request_min),
        format::percent(s.availability_request_max),
    ));
    let mut time = line(
        "availability (minutes)",
        Some(&s.availability_time),
        format::percent,
    );
    time.range = Some((
        format::percent(s.availability_time_min),
        format::percent(s.availability_time_max),
    ));
    vec![
        request,
        line(
            "availability (all requests pooled, Wilson)",
            Some(&s.availability_request_pooled),
            format::percent,
        ),
        time,
        line("longest outage", Some(&s.longest_outage_s), format::seconds),
        line("writes lost", Some(&s.writes_lost), format::mean_count),
        line("RPO", Some(&s.rpo_s), format::seconds),
        line("latency p50", s.latency_p50_ms.as_ref(), format::ms),
        line("latency p99", s.latency_p99_ms.as_ref(), format::ms),
        line("latency p99.9", s.latency_p999_ms.as_ref(), format::ms),
        pooled(
            "latency p99 (all requests pooled)",
            s.latency_pooled_ms.map(|l| l.p99),
        ),
        pooled(
            "latency p99.9 (all requests pooled)",
            s.latency_pooled_ms.map(|l| l.p999),
        ),
    ]
}

/// One sentence on how the runs were seeded, for both human reports.
pub fn seeds_sentence(s: &StudySummary) -> String {
    format!(
        "{} runs, seeds {}: run i used seed {} + i, so `--seed` replays any run alone.",
        s.runs,
        crate::metrics::study::seed_range(s.first_seed, s.last_seed),
        s.first_seed
    )
}

/// The "Study" section of report.md and report.html: the figures with
/// their intervals, the SLO verdicts over the runs, and failed requests by
/// cause summed over every run.
pub fn section(s: &StudySummary) -> Section {
    let mut out = Section::new(2, "Study");
    let verdict = if s.all_slos_pass() {
        "✅ every SLO met on average"
    } else {
        "❌ an SLO missed on average"
    };
    out.paragraph(format!("**{verdict}**"));
    out.paragraph(format!(
        "{}\nMeans over runs with Student-t 95 % intervals; the sections after this \
         one show run 0 (seed {}).",
        seeds_sentence(s),
        s.first_seed
    ));
    let mut t = Table::new(&[
        ("figure", Left),
        ("mean", Right),
        ("95 % CI", Right),
        ("min", Right),
        ("max", Right),
    ]);
    for l in lines(s) {
        let (lo, hi) = l.range.unwrap_or_else(|| ("".into(), "".into()));
        t.row(vec![l.label.into(), l.mean, l.ci, lo, hi]);
    }
    out.table(t);
    if !s.slo.is_empty() {
        let mut t = Table::new(&[
            ("SLO", Left),
            ("target", Right),
            ("mean", Right),
            ("verdict (mean)", Center),
            ("runs meeting it", Right),
        ]);
        for (name, v) in &s.slo {
            let mean = v
                .mean
                .map_or_else(|| "n/a".to_string(), |m| format::slo_value(name, m));
            t.row(vec![
                name.clone(),
                format::slo_value(name, v.target),
                mean,
                if v.pass { "✅ pass" } else { "❌ fail" }.into(),
                format!(
                    "{} of {} ({})",
                    v.runs_passed,
                    s.runs,
                    format::percent(v.pass_fraction)
                ),
            ]);
        }
        out.table(t);
    }
    match errors_table(&s.errors_by_cause) {
        Some(t) => {
            out.paragraph(format!(
                "Failed requests by cause, summed over all {} runs:",
                s.runs
            ));
            out.table(t);
        }
        None => out.paragraph(format!("No request failed in any of the {} runs.", s.runs)),
    }
    out
}

/// With `--control`: faulted − control figures, run by run, as
/// (label, mean [interval]) pairs.
pub fn control_lines(s: &StudySummary) -> Vec<(&'static str, String)> {
    let Some(c) = &s.control else {
        return Vec::new();
    };
    let show = format::estimate;
    vec![
        (
            "control availability",
            show(&c.control_availability_request, format::percent),
        ),
        (
            "Δ availability",
            show(&c.availability_request, format::signed_points),
        ),
        (
            "Δ failed requests",
            show(&c.failed_requests, format::signed_count),
        ),
        ("Δ writes lost", show(&c.writes_lost, format::signed_count)),
        ("Δ RPO", show(&c.rpo_s, format::signed_seconds)),
        (
            "Δ latency p99",
            c.latency_p99_ms
                .as_ref()
                .map_or_else(|| "n/a".into(), |e| show(e, format::signed_ms)),
        ),
    ]
}

/// The section for control runs (none without `--control`).
pub fn control_section(s: &StudySummary) -> Option<Section> {
    let lines = control_lines(s);
    if lines.is_empty() {
        return None;
    }
    let mut section = Section::new(2, "What the scripted faults cost");
    section.paragraph(
        "Each run against its control run: the same seed and workload with the scenario's \
         scripted faults removed (random failures kept). Faulted − control, mean [95 % CI] \
         over runs; with one run, the exact delta.",
    );
    let mut t = Table::new(&[("figure", Left), ("faulted − control", Right)]);
    for (label, value) in lines {
        t.row(vec![label.to_string(), value]);
    }
    section.table(t);
    Some(section)
}

/// Causes with at least one failed request, in name order; `None` when no
/// request failed.
pub fn errors_table(by_cause: &BTreeMap<String, u64>) -> Option<Table> {
    let mut t = Table::new(&[("cause", Left), ("failed requests", Right)]);
    for (cause, n) in by_cause.iter().filter(|(_, &n)| n > 0) {
        t.row(vec![cause.clone(), format::count(*n)]);
    }
    (!t.rows.is_empty()).then_some(t)
}
