//! The report document of a comparison (several designs under the same
//! scenarios and seeds), rendered by `report.md` and `report.html`: the
//! designs side by side per scenario, their ranking, the paired differences
//! from the baseline (the first design) with 95 % intervals, failed
//! requests by cause, the cost of each extra nine and the control runs,
//! then the charts. The terminal's shorter view is
//! [`super::comparison_digest`], which shares the cost and control tables.

use super::document::{Align::*, Chart, Document, Figure, Section, Table};
use super::figures::{self, Design};
use super::format::{self, estimate};
use crate::metrics::{Cell, Comparison, Difference, Estimate, StudySummary};

fn optional(e: Option<&Estimate>, unit: fn(f64) -> String) -> String {
    e.map_or_else(|| "n/a".to_string(), |e| estimate(e, unit))
}

/// The command that reruns the whole comparison.
pub fn command(c: &Comparison) -> String {
    let mut out = String::from("firedrill compare");
    let mut seen_models = Vec::new();
    let mut seen_scenarios = Vec::new();
    for cell in &c.cells {
        if !seen_models.contains(&&cell.model_path) {
            seen_models.push(&cell.model_path);
        }
        if !seen_scenarios.contains(&&cell.scenario_path) {
            seen_scenarios.push(&cell.scenario_path);
        }
    }
    for path in seen_models {
        out.push(' ');
        out.push_str(&format::shell_quote(path));
    }
    for path in seen_scenarios {
        out.push_str(" --scenario ");
        out.push_str(&format::shell_quote(path));
    }
    out.push_str(&format!(" --runs {} --seed {}", c.runs, c.base_seed));
    if let Some(fidelity) = c.fidelity {
        out.push_str(&format!(" --fidelity {fidelity}"));
    }
    out
}

/// The cells of one scenario, in model order.
pub fn cells_of<'a>(c: &'a Comparison, scenario: &str) -> Vec<&'a Cell> {
    c.models
        .iter()
        .filter_map(|model| c.cell(model, scenario))
        .collect()
}

/// The comparison's document: its sections, then a bar chart of
/// availability with intervals and, per scenario, the timelines, latency
/// CDFs and errors of every design in one chart each.
pub fn document(c: &Comparison) -> Document<'_> {
    let sections = sections(c);
    let title = sections
        .first()
        .map_or_else(|| "firedrill comparison".to_string(), |s| s.title.clone());
    let values: Vec<Vec<Estimate>> = c
        .scenarios
        .iter()
        .map(|s| {
            cells_of(c, s)
                .iter()
                .map(|cell| cell.study.availability_request)
                .collect()
        })
        .collect();
    let mut figures = vec![Figure {
        title: "Availability by design".into(),
        caption: format!(
            "Requests succeeded, mean over {} runs; whiskers are 95 % intervals (clipped to 100 %). \
             The axis is zoomed to the data.",
            c.runs
        ),
        chart: Chart::AvailabilityBars {
            title: "Availability (requests) per design, 95 % intervals".into(),
            scenarios: c.scenarios.iter().map(String::as_str).collect(),
            models: c.models.iter().map(String::as_str).collect(),
            values,
        },
    }];
    for scenario in &c.scenarios {
        let cells = cells_of(c, scenario);
        let Some(first) = cells.first() else { continue };
        let designs: Vec<Design> = cells
            .iter()
            .map(|cell| Design {
                name: &cell.model,
                timeline: &cell.study.timeline,
                histogram: cell.study.latency_pooled_histogram.as_ref(),
                errors: &cell.study.errors_by_cause,
            })
            .collect();
        let context = format!("{scenario}, all {} runs pooled", c.runs);
        figures.extend(figures::designs(&designs, &first.study.first, &context));
    }
    Document {
        title,
        sections,
        figures,
        work: String::new(),
    }
}

/// Every section of a comparison report, in order.
fn sections(c: &Comparison) -> Vec<Section> {
    let mut out = vec![header(c)];
    for scenario in &c.scenarios {
        out.extend(scenario_sections(c, scenario));
    }
    if let Some(t) = cost_table(c) {
        let mut s = Section::new(2, "Cost of each extra nine");
        s.paragraph(
            "(design cost − baseline cost) / (design nines − baseline nines), from the mean \
             request availability and catalog list prices; \"no extra nine\" when the design \
             is not more available than the baseline.",
        );
        s.table(t);
        out.push(s);
    }
    if let Some(t) = control_table(c) {
        let mut s = Section::new(2, "Control runs: what the scripted faults cost");
        s.paragraph(
            "Each run against the same seed and workload with the scenario's scripted faults \
             removed; faulted − control, mean [95 % CI].",
        );
        s.table(t);
        out.push(s);
    }
    out
}

fn header(c: &Comparison) -> Section {
    let mut s = Section::new(
        1,
        format!(
            "firedrill: {} × {}",
            c.models.join(" vs "),
            c.scenarios.join(", ")
        ),
    );
    let all_pass = c.cells.iter().all(|cell| cell.study.all_slos_pass());
    s.paragraph(if all_pass {
        "**✅ every design met every SLO on average**".to_string()
    } else {
        "**❌ at least one design missed an SLO on average**".to_string()
    });
    let last_seed = c
        .base_seed
        .wrapping_add(u64::from(c.runs.saturating_sub(1)));
    s.paragraph(format!(
        "{} runs per design and scenario, seeds {}: run i of every design used seed {} + i, \
         so designs are compared run by run (paired). Intervals are 95 %; the first design, \
         `{}`, is the baseline for differences.",
        c.runs,
        crate::metrics::study::seed_range(c.base_seed, last_seed),
        c.base_seed,
        c.models.first().map_or("", String::as_str)
    ));
    let mut t = Table::new(&[("design", Left), ("file", Left)]);
    let mut seen = Vec::new();
    for cell in &c.cells {
        if !seen.contains(&&cell.model) {
            seen.push(&cell.model);
            t.row(vec![
                format!("`{}`", cell.model),
                format!("`{}`", cell.model_path),
            ]);
        }
    }
    s.table(t);
    s.paragraph("Reproduce:");
    s.command(command(c));
    s
}

fn scenario_sections(c: &Comparison, scenario: &str) -> Vec<Section> {
    let cells = cells_of(c, scenario);
    let mut side = Section::new(2, format!("Scenario `{scenario}`: side by side"));
    if let Some(cell) = cells.first() {
        side.paragraph(format!(
            "Scenario file `{}`; mean over {} runs with the 95 % interval in brackets.",
            cell.scenario_path, c.runs
        ));
    }
    side.table(side_by_side(&cells));

    let mut ranking = Section::new(2, format!("Scenario `{scenario}`: ranking"));
    if let Some(r) = c.rankings.iter().find(|r| r.scenario == scenario) {
        let mut t = Table::new(&[
            ("rank", Right),
            ("design", Left),
            ("availability (requests)", Right),
            ("SLOs", Center),
        ]);
        for e in &r.entries {
            t.row(vec![
                e.rank.to_string(),
                e.model.clone(),
                format::percent(e.availability_request),
                if e.meets_slos {
                    "✅ met"
                } else {
                    "❌ missed"
                }
                .into(),
            ]);
        }
        ranking.paragraph(
            "Best first; designs whose difference from the one above is not significant share its rank.",
        );
        ranking.table(t);
    } else {
        ranking.paragraph("No ranking was computed for this scenario.");
    }

    let mut differences = Section::new(2, format!("Scenario `{scenario}`: differences"));
    let list: Vec<&Difference> = c
        .differences
        .iter()
        .filter(|d| d.scenario == scenario)
        .collect();
    if list.is_empty() {
        differences.paragraph("No differences (a single design).");
    } else {
        differences.paragraph(
            "Design minus baseline, paired by run (same seed); significant when the 95 % interval excludes zero.",
        );
        let mut t = Table::new(&[
            ("design", Left),
            ("baseline", Left),
            ("figure", Left),
            ("difference", Right),
            ("95 % CI", Right),
            ("runs", Right),
            ("significant", Center),
        ]);
        for d in list {
            let unit = format::signed_unit(d.metric);
            let e = &d.estimate;
            let ci = if e.ci95.0.is_finite() && e.ci95.1.is_finite() {
                format!("[{}, {}]", unit(e.ci95.0), unit(e.ci95.1))
            } else {
                "n/a".into()
            };
            t.row(vec![
                d.model.clone(),
                d.baseline.clone(),
                d.metric.to_string(),
                unit(e.mean),
                ci,
                e.n.to_string(),
                if d.significant { "yes" } else { "no" }.into(),
            ]);
        }
        differences.table(t);
    }

    let mut errors = Section::new(2, format!("Scenario `{scenario}`: errors by cause"));
    let mut causes: Vec<&String> = cells
        .iter()
        .flat_map(|cell| cell.study.errors_by_cause.iter())
        .filter(|(_, &n)| n > 0)
        .map(|(cause, _)| cause)
        .collect();
    causes.sort();
    causes.dedup();
    if causes.is_empty() {
        errors.paragraph("No request failed in any run of any design.");
    } else {
        errors.paragraph(format!(
            "Failed requests by cause, summed over all {} runs of each design.",
            c.runs
        ));
        let mut t = Table::new(&[("cause", Left)]);
        for cell in &cells {
            t.column(cell.model.clone(), Right);
        }
        for cause in causes {
            let mut row = vec![cause.clone()];
            row.extend(cells.iter().map(|cell| {
                format::count(cell.study.errors_by_cause.get(cause).copied().unwrap_or(0))
            }));
            t.row(row);
        }
        errors.table(t);
    }
    vec![side, ranking, differences, errors]
}

/// Figures as rows, designs as columns.
fn side_by_side(cells: &[&Cell]) -> Table {
    let mut t = Table::new(&[("figure", Left)]);
    for cell in cells {
        t.column(cell.model.clone(), Right);
    }
    type Figure = (&'static str, fn(&StudySummary) -> String);
    let figures: [Figure; 13] = [
        ("availability (requests)", |s| {
            estimate(&s.availability_request, format::percent)
        }),
        ("nines (requests, mean)", |s| {
            format::nines(s.availability_request.mean)
        }),
        ("downtime/month equivalent (mean)", |s| {
            format::downtime_per_month(s.availability_request.mean)
        }),
        ("availability (minutes)", |s| {
            estimate(&s.availability_time, format::percent)
        }),
        ("longest outage", |s| {
            estimate(&s.longest_outage_s, format::seconds)
        }),
        ("writes lost", |s| {
            estimate(&s.writes_lost, format::mean_count)
        }),
        ("RPO", |s| estimate(&s.rpo_s, format::seconds)),
        ("latency p50", |s| {
            optional(s.latency_p50_ms.as_ref(), format::ms)
        }),
        ("latency p99", |s| {
            optional(s.latency_p99_ms.as_ref(), format::ms)
        }),
        ("latency p99.9", |s| {
            optional(s.latency_p999_ms.as_ref(), format::ms)
        }),
        ("latency p99 (all requests pooled)", |s| {
            s.latency_pooled_ms
                .map_or_else(|| "n/a".into(), |l| format::ms(l.p99))
        }),
        ("cost per month", |s| {
            format::usd(s.first.cost.total_usd_per_month)
        }),
        ("SLOs (means)", slo_summary),
    ];
    for (label, figure) in figures {
        let mut row = vec![label.to_string()];
        row.extend(cells.iter().map(|cell| figure(&cell.study)));
        t.rows.push(row);
    }
    t
}

fn slo_summary(s: &StudySummary) -> String {
    if s.slo.is_empty() {
        return "none set".into();
    }
    let missed: Vec<&str> = s
        .slo
        .iter()
        .filter(|(_, v)| !v.pass)
        .map(|(name, _)| name.as_str())
        .collect();
    if missed.is_empty() {
        "✅ all met".into()
    } else {
        format!("❌ missed: {}", missed.join(", "))
    }
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
    let mut t = Table::new(&[
        ("scenario", Left),
        ("designs", Left),
        ("cost/month", Right),
        ("nines", Right),
        ("per extra nine", Right),
    ])
    .titled("Cost of each extra nine (mean request availability; catalog list prices)");
    for k in &c.cost_of_nines {
        t.row(vec![
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
        ]);
    }
    Some(t)
}

/// With `--control`: what the scripted faults cost each design.
pub fn control_table(c: &Comparison) -> Option<Table> {
    let mut t = Table::new(&[
        ("scenario", Left),
        ("model", Left),
        ("control availability", Right),
        ("Δ availability", Right),
        ("Δ failed requests", Right),
        ("Δ writes lost", Right),
        ("Δ p99", Right),
    ])
    .titled("What the scripted faults cost: faulted − control run, paired by seed");
    for cell in &c.cells {
        let Some(d) = cell.study.control.as_ref() else {
            continue;
        };
        t.row(vec![
            cell.scenario.clone(),
            cell.model.clone(),
            estimate(&d.control_availability_request, format::percent),
            estimate(&d.availability_request, format::signed_points),
            estimate(&d.failed_requests, format::signed_count),
            estimate(&d.writes_lost, format::signed_count),
            d.latency_p99_ms
                .as_ref()
                .map_or_else(|| "n/a".into(), |e| estimate(e, format::signed_ms)),
        ]);
    }
    (!t.rows.is_empty()).then_some(t)
}
