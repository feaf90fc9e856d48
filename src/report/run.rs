//! The report document of one run or study: built once, then rendered
//! by [`super::markdown`] (`report.md`) and [`super::html`] (`report.html`),
//! so both always carry the same tables and numbers. The terminal's
//! shorter view is [`super::run_digest`].

use super::document::{Align::*, Document, Figure, Section, Table};
use super::figures::{self, Design};
use super::format;
use super::reproduce::Reproduce;
use super::study;
use crate::metrics::{RunSummary, StudySummary};

/// The document of one run: its sections, then its charts.
pub fn document<'a>(summary: &'a RunSummary, reproduce: &Reproduce) -> Document<'a> {
    let figures = figures::designs(
        &[Design {
            name: &summary.model,
            timeline: &summary.detail.timeline,
            histogram: summary.detail.latency_histogram.as_ref(),
            errors: &summary.errors_by_cause,
        }],
        summary,
        &format!("run with seed {}", summary.seed),
    );
    let figures = with_load(figures, summary);
    Document {
        title: title(summary),
        sections: sections(summary, reproduce, None),
        figures,
        work: String::new(),
    }
}

/// The document of a study (`--runs` above 1): the "Study" section after
/// the header, then run 0 in the run layout; the charts pool every run.
/// The headline verdict is the study's (means).
pub fn study_document<'a>(study: &'a StudySummary, reproduce: &Reproduce) -> Document<'a> {
    let first = &study.first;
    let figures = figures::designs(
        &[Design {
            name: &first.model,
            timeline: &study.timeline,
            histogram: study.latency_pooled_histogram.as_ref(),
            errors: &study.errors_by_cause,
        }],
        first,
        &format!("all {} runs pooled", study.runs),
    );
    let figures = with_load(figures, first);
    Document {
        title: title(first),
        sections: sections(first, reproduce, Some(study)),
        figures,
        work: String::new(),
    }
}

/// The goodput chart (a scenario with `goodput:`) goes first: it is the
/// question such a scenario asks. A study charts its first run.
fn with_load<'a>(figures: Vec<Figure<'a>>, summary: &'a RunSummary) -> Vec<Figure<'a>> {
    let context = format!("run with seed {}", summary.seed);
    super::load::figure(summary, &context)
        .into_iter()
        .chain(figures)
        .collect()
}

fn title(summary: &RunSummary) -> String {
    format!("firedrill: {} × {}", summary.model, summary.scenario)
}

/// The sections of a single run's report, or (with `study`) of a study's:
/// the "Study" section after the header, then run 0 in the run layout.
fn sections(
    summary: &RunSummary,
    reproduce: &Reproduce,
    study: Option<&StudySummary>,
) -> Vec<Section> {
    let pass = study.map_or_else(|| summary.all_slos_pass(), StudySummary::all_slos_pass);
    let mut out = vec![header(summary, reproduce, pass)];
    out.extend(experiment(summary));
    if !summary.detail.overrides.is_empty() {
        let mut s = Section::new(2, "What-if overrides");
        s.paragraph(
            summary
                .detail
                .overrides
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push(s);
    }
    if let Some(study) = study {
        out.push(study::section(study));
        out.extend(study::control_section(study));
    }
    out.push(slos(summary));
    out.push(requests(summary));
    out.push(availability(summary));
    out.extend(recoveries(summary));
    out.extend(super::load::section(summary));
    out.push(data_loss(summary));
    out.extend(sessions(summary));
    out.extend(
        summary
            .amplification
            .as_ref()
            .map(super::amplification::section),
    );
    out.push(latency(summary));
    out.push(cost(summary));
    out.push(errors(summary));
    out
}

/// "Experiment": only when it stopped, failed or skipped an action.
fn experiment(summary: &RunSummary) -> Option<Section> {
    let e = &summary.experiment;
    if e.reason.is_none() && e.skipped.is_empty() {
        return None;
    }
    let mut s = Section::new(2, "Experiment");
    if let (Some(reason), Some(at_s)) = (&e.reason, e.at_s) {
        let mark = if e.failed() { "❌ " } else { "" };
        s.paragraph(format!(
            "{mark}**{}** at {}: {reason}. Scripted faults active then ended; none started afterwards.",
            e.state.name(),
            format::seconds(at_s),
        ));
    }
    if !e.skipped.is_empty() {
        let mut t = Table::new(&[("skipped", Left), ("target", Left), ("at", Right)]);
        for skipped in &e.skipped {
            t.row(vec![
                format!("`{}`", skipped.fault),
                format!("`{}` resolved to no node", skipped.target),
                format::seconds(skipped.at_s),
            ]);
        }
        s.table(t);
    }
    Some(s)
}

fn cost(summary: &RunSummary) -> Section {
    let c = &summary.cost;
    let mut s = Section::new(2, "Cost per month");
    let prices = c.prices_as_of.map_or_else(String::new, |date| {
        format!("; AWS us-east-1 on-demand list prices as of {date}")
    });
    s.paragraph(format!(
        "**{}/month** (730-hour month{prices}).",
        format::usd(c.total_usd_per_month)
    ));
    if !c.items.is_empty() {
        let mut t = Table::new(&[
            ("component", Left),
            ("item", Left),
            ("quantity", Right),
            ("unit", Left),
            ("unit price", Right),
            ("per month", Right),
        ]);
        for i in &c.items {
            t.row(vec![
                i.component.clone(),
                i.item.clone(),
                format::quantity(i.quantity),
                i.unit.clone(),
                format::unit_usd(i.unit_price_usd),
                format::usd(i.usd_per_month),
            ]);
        }
        s.table(t);
    }
    if !c.unpriced.is_empty() {
        let names: Vec<String> = c.unpriced.iter().map(|n| format!("`{n}`")).collect();
        s.paragraph(format!(
            "Unpriced (no catalog price and no `cost_per_month`; counted as $0): {}.",
            names.join(", ")
        ));
    }
    s
}

pub fn verdict(pass: bool) -> &'static str {
    if pass {
        "✅ all SLOs met"
    } else {
        "❌ SLO violated"
    }
}

fn header(summary: &RunSummary, reproduce: &Reproduce, pass: bool) -> Section {
    let mut s = Section::new(1, title(summary));
    s.paragraph(format!("**{}**", verdict(pass)));
    let mut t = Table::new(&[("", Left), ("", Left)]);
    t.row(vec!["model".into(), format!("`{}`", summary.model)]);
    t.row(vec!["scenario".into(), format!("`{}`", summary.scenario)]);
    t.row(vec!["seed".into(), summary.seed.to_string()]);
    t.row(vec!["fidelity".into(), summary.fidelity.to_string()]);
    t.row(vec![
        "simulated time".into(),
        format!(
            "{} ({})",
            format::seconds(summary.horizon_s),
            format::duration(summary.horizon_s)
        ),
    ]);
    if let Some(start) = summary.timeline.start {
        let horizon = crate::time::SimDuration::from_secs_f64(summary.horizon_s);
        t.row(vec!["start".into(), start.to_string()]);
        t.row(vec![
            "end".into(),
            crate::time::format_absolute(start, horizon),
        ]);
    }
    t.row(vec!["firedrill".into(), summary.firedrill_version.clone()]);
    s.table(t);
    let phases = &summary.timeline.phases;
    if !phases.is_empty() {
        let mut p = Table::new(&[("phase", Left), ("at", Right), ("time", Left)]);
        for phase in phases {
            let time = summary.timeline.start.map_or_else(
                || "–".to_string(),
                |start| crate::time::format_absolute(start, phase.at),
            );
            p.row(vec![phase.name.clone(), format::duration(phase.at_s), time]);
        }
        s.table(p);
    }
    s.paragraph("Reproduce:");
    s.command(reproduce.to_string());
    s
}

fn slos(summary: &RunSummary) -> Section {
    let mut s = Section::new(2, "SLOs");
    if summary.slo.is_empty() {
        s.paragraph("The scenario sets no SLO.");
        return s;
    }
    let mut t = Table::new(&[
        ("SLO", Left),
        ("target", Right),
        ("actual", Right),
        ("verdict", Center),
    ]);
    for (name, verdict) in &summary.slo {
        let actual = verdict
            .actual
            .map_or_else(|| "n/a".to_string(), |value| format::slo_value(name, value));
        let mark = if verdict.pass { "✅ pass" } else { "❌ fail" };
        t.row(vec![
            name.clone(),
            format::slo_value(name, verdict.target),
            actual,
            mark.into(),
        ]);
    }
    s.table(t);
    s
}

fn requests(summary: &RunSummary) -> Section {
    let r = &summary.requests;
    let mut s = Section::new(2, "Requests");
    let mut t = Table::new(&[
        ("total", Right),
        ("succeeded", Right),
        ("failed", Right),
        ("in flight at end", Right),
    ]);
    t.row(
        [r.total, r.succeeded, r.failed, r.in_flight_end]
            .map(format::count)
            .to_vec(),
    );
    s.table(t);
    s
}

fn availability(summary: &RunSummary) -> Section {
    let a = &summary.availability;
    let mut s = Section::new(2, "Availability");
    let mut t = Table::new(&[
        ("measure", Left),
        ("value", Right),
        ("nines", Right),
        ("downtime/month equivalent", Right),
    ]);
    for (label, value) in [
        ("requests succeeded", a.request),
        ("minutes meeting the SLO", a.time),
    ] {
        t.row(vec![
            label.into(),
            format::percent(value),
            format::nines(value),
            format::downtime_per_month(value),
        ]);
    }
    s.table(t);
    s.paragraph(format!(
        "Longest outage: {}.",
        format::seconds(a.longest_outage_s)
    ));
    s
}

fn recoveries(summary: &RunSummary) -> Option<Section> {
    let list = &summary.availability.recoveries;
    if list.is_empty() {
        return None;
    }
    let mut s = Section::new(2, "Recoveries");
    let mut t = Table::new(&[
        ("fault", Left),
        ("action", Left),
        ("start", Right),
        ("impact", Center),
        ("recovered at", Right),
        ("time to recover", Right),
    ]);
    for recovery in list {
        let never = || "not recovered".to_string();
        t.row(vec![
            recovery.fault.clone(),
            recovery.action.clone(),
            format::seconds(recovery.start_s),
            if recovery.impact { "yes" } else { "no" }.into(),
            recovery.recovered_at_s.map_or_else(never, format::seconds),
            recovery
                .time_to_recover_s
                .map_or_else(never, format::seconds),
        ]);
    }
    s.table(t);
    Some(s)
}

fn data_loss(summary: &RunSummary) -> Section {
    let d = &summary.data_loss;
    let mut s = Section::new(2, "Data loss");
    let mut t = Table::new(&[
        ("writes acknowledged", Right),
        ("writes lost", Right),
        ("RPO", Right),
    ]);
    t.row(vec![
        format::count(d.writes_acknowledged),
        format::count(d.writes_lost),
        format::seconds(d.rpo_s),
    ]);
    s.table(t);
    s
}

/// Sticky sessions, when a load balancer has them.
fn sessions(summary: &RunSummary) -> Option<Section> {
    let x = summary.sessions.as_ref()?;
    let mut s = Section::new(2, "Sticky sessions");
    let mut t = Table::new(&[
        ("users", Right),
        ("sessions started", Right),
        ("non-sticky requests", Right),
        ("re-routed", Right),
        ("lost state", Right),
        ("after target failure", Right),
        ("after cookie expiry", Right),
    ]);
    t.row(
        [
            x.users,
            x.started,
            x.non_sticky_requests,
            x.rerouted,
            x.lost_state,
            x.lost_state_target_failed,
            x.lost_state_cookie_expired,
        ]
        .map(format::count)
        .to_vec(),
    );
    s.table(t);
    s.paragraph(
        "Non-sticky requests were routed by the strategy for want of a usable cookie; re-routed ones carried a cookie naming an unhealthy or deregistered target. Sessions lose state behind a tier with `session_state: local` when they move to another instance or their instance restarts.",
    );
    Some(s)
}

fn latency(summary: &RunSummary) -> Section {
    let mut s = Section::new(2, "Latency of successful requests");
    let Some(l) = summary.latency_ms else {
        s.paragraph("No request succeeded, so there is no latency to report.");
        return s;
    };
    let mut t = Table::new(&[
        ("p50", Right),
        ("p90", Right),
        ("p99", Right),
        ("p99.9", Right),
        ("max", Right),
    ]);
    t.row(
        [l.p50, l.p90, l.p99, l.p999, l.max]
            .map(format::ms)
            .to_vec(),
    );
    s.table(t);
    s
}

fn errors(summary: &RunSummary) -> Section {
    let mut s = Section::new(2, "Errors by cause");
    match study::errors_table(&summary.errors_by_cause) {
        Some(t) => s.table(t),
        None => s.paragraph("No request failed."),
    }
    s
}
