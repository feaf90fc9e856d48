//! The comparison's tables for the terminal (aligned text), and the cost
//! and control tables that `report.md` and `report.html` take from here
//! too (through [`Table::to_section_table`]), so every output shows the
//! same numbers.

use std::fmt::Write as _;

use super::format;
use crate::metrics::{Cell, Comparison, Difference, Estimate};

/// A table of text cells; `numeric[i]` right-aligns column `i`.
pub struct Table {
    pub title: String,
    pub headers: Vec<&'static str>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The same table for the Markdown and HTML writers.
    pub fn to_section_table(&self) -> super::sections::Table {
        use super::sections::Align;
        super::sections::Table {
            header: self.headers.iter().map(|h| h.to_string()).collect(),
            align: self
                .numeric
                .iter()
                .map(|&n| if n { Align::Right } else { Align::Left })
                .collect(),
            rows: self.rows.clone(),
        }
    }

    pub fn aligned(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let mut text = String::from(" ");
            for (i, cell) in cells.iter().enumerate().take(columns) {
                let pad = widths[i].saturating_sub(cell.chars().count());
                text.push(' ');
                if self.numeric[i] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
                text.push(' ');
            }
            text.trim_end().to_string()
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        let _ = writeln!(out, "{}", line(&headers));
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
        out
    }
}

use super::compare::estimate as with_interval;

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
pub fn availability_table(c: &Comparison, scenario: &str) -> Table {
    let rows = c
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
    Table {
        title: format!("{scenario}: availability and data loss (mean [95 % CI])"),
        headers: vec![
            "rank",
            "model",
            "availability",
            "nines",
            "downtime/month",
            "longest outage",
            "writes lost",
            "RPO",
            "cost/month",
            "SLOs",
        ],
        numeric: vec![true, false, true, true, true, true, true, true, true, false],
        rows,
    }
}

/// Per scenario: latency of each design (means of per-run percentiles).
pub fn latency_table(c: &Comparison, scenario: &str) -> Table {
    let na = || "n/a".to_string();
    let rows = c
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
    Table {
        title: format!("{scenario}: latency of successful requests (mean [95 % CI])"),
        headers: vec!["model", "p50", "p99", "p99.9", "p99 of all requests"],
        numeric: vec![false, true, true, true, true],
        rows,
    }
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
pub fn differences_table(c: &Comparison) -> Option<Table> {
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
    Some(Table {
        title: "Differences against the baseline, paired by seed (mean [95 % CI])".into(),
        headers: vec![
            "scenario",
            "designs",
            "figure",
            "difference",
            "95 % CI",
            "significant",
        ],
        numeric: vec![false, false, false, true, true, false],
        rows: c.differences.iter().map(row).collect(),
    })
}

/// What each design's extra availability costs against the baseline.
pub fn cost_table(c: &Comparison) -> Option<Table> {
    if c.cost_of_nines.is_empty() {
        return None;
    }
    let nines = |n: f64| {
        if n.is_finite() {
            format!("{n:.2}")
        } else {
            "n/a".into()
        }
    };
    let rows = c
        .cost_of_nines
        .iter()
        .map(|k| {
            vec![
                k.scenario.clone(),
                format!("{} vs {}", k.model, k.baseline),
                format!(
                    "{} → {}",
                    format::usd(k.baseline_usd_per_month),
                    format::usd(k.usd_per_month)
                ),
                format!("{} → {}", nines(k.baseline_nines), nines(k.nines)),
                k.usd_per_extra_nine.map_or_else(
                    || "no extra nine".into(),
                    |v| format!("{}/month", format::usd(v)),
                ),
            ]
        })
        .collect();
    Some(Table {
        title: "Cost of each extra nine (mean request availability; catalog list prices)".into(),
        headers: vec![
            "scenario",
            "designs",
            "cost/month",
            "nines",
            "per extra nine",
        ],
        numeric: vec![false, false, true, true, true],
        rows,
    })
}

/// With `--control`: what the scripted faults cost each design.
pub fn control_table(c: &Comparison) -> Option<Table> {
    let rows: Vec<Vec<String>> = c
        .cells
        .iter()
        .filter_map(|cell| {
            let d = cell.study.control.as_ref()?;
            Some(vec![
                cell.scenario.clone(),
                cell.model.clone(),
                with_interval(&d.control_availability_request, format::percent),
                with_interval(&d.availability_request, format::signed_points),
                with_interval(&d.failed_requests, format::signed_count),
                with_interval(&d.writes_lost, format::signed_count),
                d.latency_p99_ms
                    .as_ref()
                    .map_or_else(|| "n/a".into(), |e| with_interval(e, format::signed_ms)),
            ])
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Table {
        title: "What the scripted faults cost: faulted − control run, paired by seed".into(),
        headers: vec![
            "scenario",
            "model",
            "control availability",
            "Δ availability",
            "Δ failed requests",
            "Δ writes lost",
            "Δ p99",
        ],
        numeric: vec![false, false, true, true, true, true, true],
        rows,
    })
}

/// The ranking sentence of one scenario, e.g. `1. multi-az  2. single`.
pub fn ranking_line(c: &Comparison, scenario: &str) -> String {
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

/// Every table of the comparison, in report order.
pub fn tables(c: &Comparison) -> Vec<Table> {
    let mut out = Vec::new();
    for scenario in &c.scenarios {
        out.push(availability_table(c, scenario));
        out.push(latency_table(c, scenario));
    }
    out.extend(differences_table(c));
    out.extend(cost_table(c));
    out.extend(control_table(c));
    out
}

/// How the runs were seeded, and how to replay one cell or run.
pub fn method_sentence(c: &Comparison) -> String {
    format!(
        "{} runs per design and scenario; run i of every design used the same seed (base + i), \
         so designs are compared run by run. Intervals are Student-t 95 % over runs; a \
         difference is significant when its interval excludes zero; designs whose availability \
         cannot be told apart share a rank.",
        c.runs
    )
}

/// The command that reruns one model × scenario of the comparison.
pub fn reproduce_cell(cell: &Cell, c: &Comparison) -> String {
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
