//! The study parts of the human-facing reports: a table of means with
//! their 95 % intervals and the study's SLO verdicts. The JSON side lives
//! in [`super::json::render_study`].

use std::fmt::Write as _;

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

fn count(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}")
    } else {
        "n/a".into()
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
        line("writes lost", Some(&s.writes_lost), count),
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
        "{} runs, seeds {}..={}: run i used seed {} + i, so `--seed` replays any run alone.",
        s.runs, s.first_seed, s.last_seed, s.first_seed
    )
}

/// The Markdown "Study" section.
pub fn markdown(s: &StudySummary) -> String {
    let mut out = String::new();
    let verdict = if s.all_slos_pass() {
        "✅ every SLO met on average"
    } else {
        "❌ an SLO missed on average"
    };
    let _ = writeln!(out, "## Study\n");
    let _ = writeln!(out, "**{verdict}**\n");
    let _ = writeln!(out, "{}", seeds_sentence(s));
    let _ = writeln!(
        out,
        "Means over runs with Student-t 95 % intervals; the sections after this \
         one show run 0 (seed {}).\n",
        s.first_seed
    );
    let _ = writeln!(out, "| figure | mean | 95 % CI | min | max |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for l in lines(s) {
        let (lo, hi) = l.range.unwrap_or_else(|| ("".into(), "".into()));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            l.label, l.mean, l.ci, lo, hi
        );
    }
    out.push('\n');
    if s.slo.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "| SLO | target | mean | verdict (mean) | runs meeting it |\n|---|---:|---:|:---:|---:|"
    );
    for (name, v) in &s.slo {
        let mean = v
            .mean
            .map_or_else(|| "n/a".to_string(), |m| format::slo_value(name, m));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} of {} ({}) |",
            name.replace('|', "\\|"),
            format::slo_value(name, v.target),
            mean,
            if v.pass { "✅ pass" } else { "❌ fail" },
            v.runs_passed,
            s.runs,
            format::percent(v.pass_fraction)
        );
    }
    out.push('\n');
    out
}

/// With `--control`: faulted − control figures, run by run, as
/// (label, mean [interval]) pairs.
pub fn control_lines(s: &StudySummary) -> Vec<(&'static str, String)> {
    let Some(c) = &s.control else {
        return Vec::new();
    };
    let show = super::comparison::with_interval;
    let points = |v: f64| {
        if v.is_finite() {
            format!("{:+.4} pp", v * 100.0)
        } else {
            "n/a".into()
        }
    };
    let signed = |v: f64| {
        if v.is_finite() {
            format!("{v:+.1}")
        } else {
            "n/a".into()
        }
    };
    let signed_s = |v: f64| {
        if v.is_finite() {
            format!("{v:+.3} s")
        } else {
            "n/a".into()
        }
    };
    let signed_ms = |v: f64| {
        if v.is_finite() {
            format!("{v:+.3} ms")
        } else {
            "n/a".into()
        }
    };
    vec![
        (
            "control availability",
            show(&c.control_availability_request, format::percent),
        ),
        ("Δ availability", show(&c.availability_request, points)),
        ("Δ failed requests", show(&c.failed_requests, signed)),
        ("Δ writes lost", show(&c.writes_lost, signed)),
        ("Δ RPO", show(&c.rpo_s, signed_s)),
        (
            "Δ latency p99",
            c.latency_p99_ms
                .as_ref()
                .map_or_else(|| "n/a".into(), |e| show(e, signed_ms)),
        ),
    ]
}

/// The Markdown section for control runs (empty without `--control`).
pub fn control_markdown(s: &StudySummary) -> String {
    let lines = control_lines(s);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from("## What the scripted faults cost\n\n");
    let _ = writeln!(
        out,
        "Each run against its control run: the same seed and workload with the \
         scenario's scripted faults removed (random failures kept). Faulted − control, \
         mean [95 % CI] over runs; with one run, the exact delta.\n"
    );
    out.push_str("| figure | faulted − control |\n|---|---:|\n");
    for (label, value) in lines {
        let _ = writeln!(out, "| {label} | {value} |");
    }
    out.push('\n');
    out
}
