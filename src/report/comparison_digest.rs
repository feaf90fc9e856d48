//! The comparison's digest: the short view `firedrill compare` prints on
//! the terminal. Per scenario the ranking, availability and latency tables,
//! then the paired differences, the cost of each extra nine and the control
//! deltas (those two shared with [`super::comparison`]), then the command
//! that replays one cell. [`super::terminal`] lays it out.

use super::comparison::{control_table, cost_table};
use super::document::{Align::*, Document, Section, Span, Style, Table};
use super::format::{self, estimate as with_interval};
use crate::metrics::{Cell, Comparison, Difference, Estimate};

/// The digest of a comparison.
pub fn document(c: &Comparison) -> Document<'static> {
    let mut intro = Section::new(2, "");
    intro.lines(vec![vec![Span::plain(method_sentence(c))]]);
    let mut sections = vec![intro];
    for scenario in &c.scenarios {
        let mut s = Section::new(2, "");
        s.lines(vec![
            Vec::new(),
            vec![Span::styled(format!("== {scenario}"), Style::Strong)],
            vec![Span::plain(format!(
                "ranking: {}",
                ranking_line(c, scenario)
            ))],
            Vec::new(),
        ]);
        s.table(availability_table(c, scenario));
        s.lines(vec![Vec::new()]);
        s.table(latency_table(c, scenario));
        sections.push(s);
    }
    let mut tail = Section::new(2, "");
    for t in [differences_table(c), cost_table(c), control_table(c)]
        .into_iter()
        .flatten()
    {
        tail.lines(vec![Vec::new()]);
        tail.table(t);
    }
    tail.lines(vec![Vec::new()]);
    if let Some(cell) = c.cells.first() {
        tail.lines(vec![vec![Span::plain(format!(
            "reproduce one: {}",
            reproduce_cell(cell, c)
        ))]]);
    }
    sections.push(tail);
    let runs: u64 = c.cells.iter().map(|cell| u64::from(cell.study.runs)).sum();
    Document {
        title: format!("firedrill compare: {}", c.models.join(" vs ")),
        sections,
        figures: Vec::new(),
        work: format!("simulated {runs} runs"),
    }
}

fn count(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1}")
    } else {
        "n/a".into()
    }
}

fn rank_of(c: &Comparison, cell: &Cell) -> String {
    c.rankings
        .iter()
        .find(|r| r.scenario == cell.scenario)
        .and_then(|r| r.entries.iter().find(|e| e.model == cell.model))
        .map_or_else(String::new, |e| e.rank.to_string())
}

/// Per scenario: availability, data loss and recovery of each design.
fn availability_table(c: &Comparison, scenario: &str) -> Table {
    let mut t = Table::new(&[
        ("rank", Right),
        ("model", Left),
        ("availability", Right),
        ("nines", Right),
        ("downtime/month", Right),
        ("longest outage", Right),
        ("writes lost", Right),
        ("RPO", Right),
        ("cost/month", Right),
        ("SLOs", Left),
    ])
    .titled(format!(
        "{scenario}: availability and data loss (mean [95 % CI])"
    ));
    t.rows = c
        .cells
        .iter()
        .filter(|cell| cell.scenario == scenario)
        .map(|cell| {
            let s = &cell.study;
            let a = s.availability_request.mean;
            vec![
                rank_of(c, cell),
                cell.model.clone(),
                with_interval(&s.availability_request, format::percent),
                format::nines(a),
                format::downtime_per_month(a),
                with_interval(&s.longest_outage_s, format::seconds),
                with_interval(&s.writes_lost, count),
                with_interval(&s.rpo_s, format::seconds),
                format::usd(s.first.cost.total_usd_per_month),
                slo_verdicts(cell),
            ]
        })
        .collect();
    t
}

/// Per scenario: latency of each design (means of per-run percentiles).
fn latency_table(c: &Comparison, scenario: &str) -> Table {
    let na = || "n/a".to_string();
    let mut t = Table::new(&[
        ("model", Left),
        ("p50", Right),
        ("p99", Right),
        ("p99.9", Right),
        ("p99 of all requests", Right),
    ])
    .titled(format!(
        "{scenario}: latency of successful requests (mean [95 % CI])"
    ));
    t.rows = c
        .cells
        .iter()
        .filter(|cell| cell.scenario == scenario)
        .map(|cell| {
            let s = &cell.study;
            let ms = |e: Option<&Estimate>| e.map_or_else(na, |e| with_interval(e, format::ms));
            vec![
                cell.model.clone(),
                ms(s.latency_p50_ms.as_ref()),
                ms(s.latency_p99_ms.as_ref()),
                ms(s.latency_p999_ms.as_ref()),
                s.latency_pooled_ms.map_or_else(na, |l| format::ms(l.p99)),
            ]
        })
        .collect();
    t
}

fn slo_verdicts(cell: &Cell) -> String {
    let s = &cell.study;
    if s.slo.is_empty() {
        return "none set".into();
    }
    let failed: Vec<&str> = s
        .slo
        .iter()
        .filter(|(_, v)| !v.pass)
        .map(|(name, _)| name.as_str())
        .collect();
    if failed.is_empty() {
        "all met".into()
    } else {
        format!("missed: {}", failed.join(", "))
    }
}

/// A difference's label in the terminal table.
fn metric_label(metric: &str) -> &'static str {
    match metric {
        "availability_request" => "availability (requests)",
        "availability_time" => "availability (minutes)",
        "longest_outage_s" => "longest outage",
        "writes_lost" => "writes lost",
        "rpo_s" => "RPO",
        "latency_p99_ms" => "latency p99",
        _ => "?",
    }
}

/// Every paired difference against the baseline.
fn differences_table(c: &Comparison) -> Option<Table> {
    if c.differences.is_empty() {
        return None;
    }
    let row = |d: &Difference| {
        let (label, unit) = (metric_label(d.metric), format::signed_unit(d.metric));
        vec![
            d.scenario.clone(),
            format!("{} − {}", d.model, d.baseline),
            label.to_string(),
            unit(d.estimate.mean),
            if d.estimate.ci95.0.is_nan() {
                "n/a".into()
            } else {
                format!("[{}, {}]", unit(d.estimate.ci95.0), unit(d.estimate.ci95.1))
            },
            if d.significant { "yes" } else { "no" }.into(),
        ]
    };
    let mut t = Table::new(&[
        ("scenario", Left),
        ("designs", Left),
        ("figure", Left),
        ("difference", Right),
        ("95 % CI", Right),
        ("significant", Left),
    ])
    .titled("Differences against the baseline, paired by seed (mean [95 % CI])");
    t.rows = c.differences.iter().map(row).collect();
    Some(t)
}

/// The ranking sentence of one scenario, e.g. `1. multi-az  2. single`.
fn ranking_line(c: &Comparison, scenario: &str) -> String {
    c.rankings
        .iter()
        .find(|r| r.scenario == scenario)
        .map(|r| {
            r.entries
                .iter()
                .map(|e| {
                    format!(
                        "{}. {}{}",
                        e.rank,
                        e.model,
                        if e.meets_slos { "" } else { " (misses an SLO)" }
                    )
                })
                .collect::<Vec<_>>()
                .join("   ")
        })
        .unwrap_or_default()
}

/// How the runs were seeded.
fn method_sentence(c: &Comparison) -> String {
    format!(
        "{} runs per design and scenario; run i of every design used the same seed (base + i), \
         so designs are compared run by run. Intervals are Student-t 95 % over runs; a \
         difference is significant when its interval excludes zero; designs whose availability \
         cannot be told apart share a rank.",
        c.runs
    )
}

/// The command that reruns one model × scenario of the comparison.
fn reproduce_cell(cell: &Cell, c: &Comparison) -> String {
    let mut command = format!(
        "firedrill run {} --scenario {} --seed {} --runs {}",
        format::shell_quote(&cell.model_path),
        format::shell_quote(&cell.scenario_path),
        cell.study.first_seed,
        c.runs
    );
    if let Some(fidelity) = c.fidelity {
        command.push_str(&format!(" --fidelity {fidelity}"));
    }
    command
}
