//! A run's digest: the short view `firedrill run` prints on the terminal,
//! as label-value rows grouped by theme (run, requests, availability, data
//! loss, sessions, latency, cost, errors, SLOs; then a study's means and
//! verdicts), a result line and the command that reproduces the run.
//! [`super::terminal`] lays it out; every number carries its unit, and
//! verdict words are [`Style::Pass`] or [`Style::Fail`] spans at the end of
//! their line, so colour never upsets the alignment.

use super::document::{Block, Document, KeyValue as Row, Line, Section, Span, Style};
use super::format;
use super::reproduce::Reproduce;
use super::study;
use crate::metrics::{RunSummary, StudySummary};

fn row(label: &str, value: String, remark: String) -> Row {
    Row::plain(label, value, remark)
}

/// The digest of one run, or (with `study`) of a study: run 0's figures,
/// then the study's means ± 95 % intervals and its SLO verdicts (on the
/// means), which set the result line.
pub fn document(
    summary: &RunSummary,
    study: Option<&StudySummary>,
    reproduce: &Reproduce,
) -> Document<'static> {
    let mut groups: Vec<(String, Vec<Row>)> = vec![
        ("run".into(), run_rows(summary)),
        ("requests".into(), request_rows(summary)),
        ("availability".into(), availability_rows(summary)),
        ("data loss".into(), data_loss_rows(summary)),
        (
            "latency (successful requests)".into(),
            latency_rows(summary),
        ),
        ("cost per month".into(), cost_rows(summary)),
    ];
    if let Some(sessions) = &summary.sessions {
        groups.insert(4, ("sticky sessions".into(), session_rows(sessions)));
    }
    if let Some(a) = &summary.amplification {
        let at = groups.len() - 2; // before latency and cost
        groups.insert(
            at,
            (
                "amplification (attempts per client request)".into(),
                super::amplification::rows(a),
            ),
        );
    }
    if let Some(load) = &summary.load {
        groups.push(("load and goodput".into(), super::load::digest_rows(load)));
    }
    let errors = error_rows(summary);
    if !errors.is_empty() {
        groups.push(("errors by cause".into(), errors));
    }
    let slo_rows: Vec<Row> = summary
        .slo
        .iter()
        .map(|(name, verdict)| {
            let actual = verdict
                .actual
                .map_or_else(|| "n/a".to_string(), |value| format::slo_value(name, value));
            let target = format::slo_value(name, verdict.target);
            let word = if verdict.pass { "PASS" } else { "FAIL" };
            let remark = vec![
                Span::plain(format!("target {target}  ")),
                Span::verdict(verdict.pass, word),
            ];
            Row::new(name.clone(), actual, remark)
        })
        .collect();
    if !slo_rows.is_empty() {
        groups.push(("SLOs (actual)".into(), slo_rows));
    }
    if let Some(s) = study {
        groups.extend(study_groups(s));
    }
    let mut sections: Vec<Section> = groups
        .into_iter()
        .map(|(title, rows)| {
            let mut section = Section::new(2, title);
            section.blocks.push(Block::KeyValues(rows));
            section
        })
        .collect();
    let mut closing = Section::new(2, "");
    closing.lines(vec![
        Vec::new(),
        result_line(summary, study),
        vec![Span::plain(format!("reproduce: {reproduce}"))],
    ]);
    sections.push(closing);
    Document {
        title: format!("firedrill: {} × {}", summary.model, summary.scenario),
        sections,
        figures: Vec::new(),
        work: format!(
            "simulated {} requests ({} events)",
            short_count(summary.requests.total),
            short_count(summary.engine.events)
        ),
    }
}

/// The study's figures, SLO verdicts and control deltas.
fn study_groups(s: &StudySummary) -> Vec<(String, Vec<Row>)> {
    let mut groups = vec![(
        format!("study: {} (mean  [95 % CI])", study::seeds_sentence(s)),
        study_rows(s),
    )];
    let rows: Vec<Row> = s
        .slo
        .iter()
        .map(|(name, v)| {
            let mean = v
                .mean
                .map_or_else(|| "n/a".to_string(), |m| format::slo_value(name, m));
            let word = if v.pass { "PASS" } else { "FAIL" };
            let remark = vec![
                Span::plain(format!(
                    "target {}  {} of {} runs met it  ",
                    format::slo_value(name, v.target),
                    v.runs_passed,
                    s.runs,
                )),
                Span::verdict(v.pass, word),
            ];
            Row::new(name.clone(), mean, remark)
        })
        .collect();
    if !rows.is_empty() {
        groups.push(("study SLOs (mean)".into(), rows));
    }
    let control: Vec<Row> = study::control_lines(s)
        .into_iter()
        .map(|(label, value)| row(label, value, String::new()))
        .collect();
    if !control.is_empty() {
        groups.push((
            "faulted − control run (scripted faults removed)".into(),
            control,
        ));
    }
    groups
}

/// `result: all SLOs met`, or how many failed, and a failed experiment.
fn result_line(summary: &RunSummary, study: Option<&StudySummary>) -> Line {
    let (failed, total) = match study {
        Some(s) => (s.slo.values().filter(|v| !v.pass).count(), s.slo.len()),
        None => (
            summary.slo.values().filter(|v| !v.pass).count(),
            summary.slo.len(),
        ),
    };
    let verdict = if failed == 0 {
        Span::verdict(true, "all SLOs met")
    } else {
        Span::verdict(false, format!("{failed} of {total} SLOs violated"))
    };
    if summary.experiment.failed() {
        let reason = summary.experiment.reason.as_deref().unwrap_or("");
        vec![
            Span::plain("result: "),
            Span::styled("experiment failed", Style::Fail),
            Span::plain(format!(" ({reason}); ")),
            verdict,
        ]
    } else {
        vec![Span::plain("result: "), verdict]
    }
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
    study::lines(s)
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
