//! The human summary `firedrill run` prints on stdout.
//!
//! Hand-aligned text rather than a table crate: the summary is label/value
//! rows, not a grid, and the only styling is colour on the verdict words,
//! which sit at the end of their line so escape codes never upset the
//! alignment. Every number carries its unit. The footer may mention wall
//! time: this text is never written to a report file.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use super::format;
use super::Reproduce;
use crate::metrics::{RunSummary, StudySummary};

/// Facts about this invocation, not the simulated run: they vary between
/// two runs of the same seed, so they only ever reach the terminal.
#[derive(Clone, Debug, Default)]
pub struct Footer {
    pub wall_s: f64,
    pub report_files: Vec<PathBuf>,
}

/// Colour only for a person at a terminal: never when stdout is piped or
/// redirected, nor when `NO_COLOR` is set to anything non-empty
/// (<https://no-color.org>), nor on a dumb terminal.
pub fn colour_wanted() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|v| v == "dumb");
    std::io::stdout().is_terminal() && !no_color && !dumb
}

/// One row: a label, a value with its unit, and an optional remark.
struct Row {
    label: String,
    value: String,
    remark: String,
}

fn row(label: &str, value: String, remark: String) -> Row {
    Row {
        label: label.to_string(),
        value,
        remark,
    }
}

/// Renders the summary; `colour` adds ANSI colour to verdicts.
pub fn render(
    summary: &RunSummary,
    reproduce: &Reproduce,
    colour: bool,
    footer: &Footer,
) -> String {
    render_with(summary, None, reproduce, colour, footer)
}

/// Renders a study: run 0's sections, then the study's means ± 95 %
/// intervals and its SLO verdicts (on the means), which set the result line.
pub fn render_study(
    study: &StudySummary,
    reproduce: &Reproduce,
    colour: bool,
    footer: &Footer,
) -> String {
    render_with(&study.first, Some(study), reproduce, colour, footer)
}

fn render_with(
    summary: &RunSummary,
    study: Option<&StudySummary>,
    reproduce: &Reproduce,
    colour: bool,
    footer: &Footer,
) -> String {
    let paint = |pass: bool, text: &str| -> String {
        match (colour, pass) {
            (false, _) => text.to_string(),
            (true, true) => format!("\x1b[32m{text}\x1b[0m"),
            (true, false) => format!("\x1b[1;31m{text}\x1b[0m"),
        }
    };
    let mut sections: Vec<(&str, Vec<Row>)> = vec![
        ("run", run_rows(summary)),
        ("requests", request_rows(summary)),
        ("availability", availability_rows(summary)),
        ("data loss", data_loss_rows(summary)),
        ("latency (successful requests)", latency_rows(summary)),
        ("cost per month", cost_rows(summary)),
    ];
    if let Some(sessions) = &summary.sessions {
        sections.insert(4, ("sticky sessions", session_rows(sessions)));
    }
    let errors = error_rows(summary);
    if !errors.is_empty() {
        sections.push(("errors by cause", errors));
    }
    let mut slo_rows = Vec::new();
    for (name, verdict) in &summary.slo {
        let actual = verdict
            .actual
            .map_or_else(|| "n/a".to_string(), |value| format::slo_value(name, value));
        let target = format::slo_value(name, verdict.target);
        let word = if verdict.pass { "PASS" } else { "FAIL" };
        let remark = format!("target {target}  {}", paint(verdict.pass, word));
        slo_rows.push(row(name, actual, remark));
    }
    if !slo_rows.is_empty() {
        sections.push(("SLOs (actual)", slo_rows));
    }
    let study_title;
    if let Some(s) = study {
        study_title = format!(
            "study: {} (mean  [95 % CI])",
            super::study::seeds_sentence(s)
        );
        sections.push((&study_title, study_rows(s)));
        let rows = s
            .slo
            .iter()
            .map(|(name, v)| {
                let mean = v
                    .mean
                    .map_or_else(|| "n/a".to_string(), |m| format::slo_value(name, m));
                let word = if v.pass { "PASS" } else { "FAIL" };
                let remark = format!(
                    "target {}  {} of {} runs met it  {}",
                    format::slo_value(name, v.target),
                    v.runs_passed,
                    s.runs,
                    paint(v.pass, word)
                );
                row(name, mean, remark)
            })
            .collect::<Vec<_>>();
        if !rows.is_empty() {
            sections.push(("study SLOs (mean)", rows));
        }
        let control: Vec<Row> = super::study::control_lines(s)
            .into_iter()
            .map(|(label, value)| row(label, value, String::new()))
            .collect();
        if !control.is_empty() {
            sections.push(("faulted − control run (scripted faults removed)", control));
        }
    }

    let label_width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|r| r.label.chars().count()))
        .max()
        .unwrap_or(0);
    let value_width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|r| r.value.chars().count()))
        .max()
        .unwrap_or(0);

    let mut out = String::new();
    let _ = writeln!(out, "firedrill: {} × {}", summary.model, summary.scenario);
    for (title, rows) in &sections {
        let _ = writeln!(out, "\n{title}");
        for r in rows {
            let line = format!(
                "  {:<label_width$}  {:>value_width$}  {}",
                r.label, r.value, r.remark
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    out.push('\n');
    let (failed, total) = match study {
        Some(s) => (s.slo.values().filter(|v| !v.pass).count(), s.slo.len()),
        None => (
            summary.slo.values().filter(|v| !v.pass).count(),
            summary.slo.len(),
        ),
    };
    let verdict = if failed == 0 {
        paint(true, "all SLOs met")
    } else {
        paint(false, &format!("{failed} of {total} SLOs violated"))
    };
    if summary.experiment.failed() {
        let reason = summary.experiment.reason.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "result: {} ({reason}); {verdict}",
            paint(false, "experiment failed")
        );
    } else {
        let _ = writeln!(out, "result: {verdict}");
    }
    let _ = writeln!(out, "reproduce: {reproduce}");
    for path in &footer.report_files {
        let _ = writeln!(out, "wrote: {}", path.display());
    }
    let _ = writeln!(
        out,
        "simulated {} requests ({} events) in {:.2} s of wall time",
        short_count(summary.requests.total),
        short_count(summary.engine.events),
        footer.wall_s
    );
    out
}

/// `1_234_567` → `1.2M`: the footer is a glance, not a measurement.
fn short_count(value: u64) -> String {
    let v = value as f64;
    if value >= 1_000_000_000 {
        format!("{:.1}G", v / 1e9)
    } else if value >= 1_000_000 {
        format!("{:.1}M", v / 1e6)
    } else if value >= 10_000 {
        format!("{:.1}k", v / 1e3)
    } else {
        value.to_string()
    }
}

fn run_rows(summary: &RunSummary) -> Vec<Row> {
    vec![
        row("seed", summary.seed.to_string(), String::new()),
        row("fidelity", summary.fidelity.to_string(), String::new()),
        row(
            "simulated time",
            format::seconds(summary.horizon_s),
            format!("({})", format::duration(summary.horizon_s)),
        ),
    ]
}

fn request_rows(summary: &RunSummary) -> Vec<Row> {
    let r = &summary.requests;
    let n = |v: u64| format!("{} req", format::count(v));
    vec![
        row("total", n(r.total), String::new()),
        row("succeeded", n(r.succeeded), String::new()),
        row("failed", n(r.failed), String::new()),
        row("in flight at end", n(r.in_flight_end), String::new()),
    ]
}

fn availability_rows(summary: &RunSummary) -> Vec<Row> {
    let a = &summary.availability;
    let remark = |f: f64| {
        format!(
            "{} nines, {}/month",
            format::nines(f),
            format::downtime_per_month(f)
        )
    };
    let mut rows = vec![
        row("by request", format::percent(a.request), remark(a.request)),
        row("by minute", format::percent(a.time), remark(a.time)),
        row(
            "longest outage",
            format::seconds(a.longest_outage_s),
            String::new(),
        ),
    ];
    for recovery in &a.recoveries {
        let value = recovery
            .time_to_recover_s
            .map_or_else(|| "not recovered".to_string(), format::seconds);
        let remark = match &recovery.failed {
            Some(reason) => format!(
                "{} at {} FAILED: {reason}",
                recovery.action,
                format::seconds(recovery.start_s)
            ),
            None => format!(
                "{} at {}{}",
                recovery.action,
                format::seconds(recovery.start_s),
                if recovery.impact { "" } else { ", no impact" }
            ),
        };
        rows.push(row(&format!("recovery: {}", recovery.fault), value, remark));
    }
    rows.extend(experiment_rows(summary));
    rows
}

/// The experiment's state when it did not simply complete, and the
/// actions it skipped.
fn experiment_rows(summary: &RunSummary) -> Vec<Row> {
    let e = &summary.experiment;
    let mut rows = Vec::new();
    if let (Some(reason), Some(at_s)) = (&e.reason, e.at_s) {
        rows.push(row(
            &format!("experiment {}", e.state.name()),
            format!("at {}", format::seconds(at_s)),
            reason.clone(),
        ));
    }
    for skipped in &e.skipped {
        rows.push(row(
            &format!("skipped: {}", skipped.fault),
            format!("at {}", format::seconds(skipped.at_s)),
            format!("target `{}` resolved to no node", skipped.target),
        ));
    }
    rows
}

fn data_loss_rows(summary: &RunSummary) -> Vec<Row> {
    let d = &summary.data_loss;
    vec![
        row(
            "writes acknowledged",
            format!("{} writes", format::count(d.writes_acknowledged)),
            String::new(),
        ),
        row(
            "writes lost",
            format!("{} writes", format::count(d.writes_lost)),
            String::new(),
        ),
        row("RPO", format::seconds(d.rpo_s), String::new()),
    ]
}

fn session_rows(s: &crate::metrics::SessionSummary) -> Vec<Row> {
    let count = |n: u64, unit: &str| format!("{} {unit}", format::count(n));
    vec![
        row(
            "sessions started",
            count(s.started, "sessions"),
            format!("{} concurrent users", format::count(s.users)),
        ),
        row(
            "non-sticky requests",
            count(s.non_sticky_requests, "req"),
            "routed by the strategy: no usable cookie".to_string(),
        ),
        row(
            "re-routed",
            count(s.rerouted, "req"),
            "cookie named an unhealthy target".to_string(),
        ),
        row(
            "lost session state",
            count(s.lost_state, "sessions"),
            format!(
                "{} after a target failed, {} after the cookie expired",
                format::count(s.lost_state_target_failed),
                format::count(s.lost_state_cookie_expired)
            ),
        ),
    ]
}

/// The total, then each component's share in model order, then what
/// nothing priced.
fn cost_rows(summary: &RunSummary) -> Vec<Row> {
    let c = &summary.cost;
    let remark = c.prices_as_of.map_or_else(
        || "730-hour month".to_string(),
        |date| format!("730-hour month, AWS us-east-1 list prices as of {date}"),
    );
    let mut rows = vec![row(
        "total",
        format!("{}/month", format::usd(c.total_usd_per_month)),
        remark,
    )];
    let mut components: Vec<(&str, f64, usize)> = Vec::new();
    for item in &c.items {
        match components.last_mut() {
            Some((name, usd, lines)) if *name == item.component => {
                *usd += item.usd_per_month;
                *lines += 1;
            }
            _ => components.push((&item.component, item.usd_per_month, 1)),
        }
    }
    for (name, usd, lines) in components {
        let plural = if lines == 1 { "" } else { "s" };
        rows.push(row(
            name,
            format!("{}/month", format::usd(usd)),
            format!("{lines} line{plural}"),
        ));
    }
    if !c.unpriced.is_empty() {
        rows.push(row(
            "unpriced",
            c.unpriced.join(", "),
            "no price: counted as $0".to_string(),
        ));
    }
    rows
}

fn latency_rows(summary: &RunSummary) -> Vec<Row> {
    let Some(l) = summary.latency_ms else {
        return vec![row("none", "n/a".into(), "no request succeeded".into())];
    };
    [
        ("p50", l.p50),
        ("p90", l.p90),
        ("p99", l.p99),
        ("p99.9", l.p999),
        ("max", l.max),
    ]
    .into_iter()
    .map(|(label, value)| row(label, format::ms(value), String::new()))
    .collect()
}

fn error_rows(summary: &RunSummary) -> Vec<Row> {
    summary
        .errors_by_cause
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|(cause, &n)| row(cause, format!("{} req", format::count(n)), String::new()))
        .collect()
}

fn study_rows(s: &StudySummary) -> Vec<Row> {
    super::study::lines(s)
        .into_iter()
        .map(|l| {
            let remark = match l.range {
                Some((lo, hi)) => format!("{}  min {lo}, max {hi}", l.ci),
                None => l.ci,
            };
            row(l.label, l.mean, remark)
        })
        .collect()
}

/// Renders a comparison: per scenario the ranking and the two tables, then
/// the differences (and control deltas), then where the reports went.
pub fn render_comparison(c: &crate::metrics::Comparison, colour: bool, footer: &Footer) -> String {
    use super::comparison as table;
    let bold = |text: &str| {
        if colour {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "firedrill compare: {}", c.models.join(" vs "));
    let _ = writeln!(out, "{}", table::method_sentence(c));
    for scenario in &c.scenarios {
        let _ = writeln!(out, "\n{}", bold(&format!("== {scenario}")));
        let _ = writeln!(out, "ranking: {}\n", table::ranking_line(c, scenario));
        out.push_str(&table::availability_table(c, scenario).aligned());
        out.push('\n');
        out.push_str(&table::latency_table(c, scenario).aligned());
    }
    if let Some(t) = table::differences_table(c) {
        out.push('\n');
        out.push_str(&t.aligned());
    }
    if let Some(t) = table::cost_table(c) {
        out.push('\n');
        out.push_str(&t.aligned());
    }
    if let Some(t) = table::control_table(c) {
        out.push('\n');
        out.push_str(&t.aligned());
    }
    out.push('\n');
    if let Some(cell) = c.cells.first() {
        let _ = writeln!(out, "reproduce one: {}", table::reproduce_cell(cell, c));
    }
    for path in &footer.report_files {
        let _ = writeln!(out, "wrote: {}", path.display());
    }
    let _ = writeln!(
        out,
        "simulated {} runs in {:.2} s of wall time",
        c.cells
            .iter()
            .map(|cell| u64::from(cell.study.runs))
            .sum::<u64>(),
        footer.wall_s
    );
    out
}
