//! `report.md`: one run for people, short enough for a pull-request comment.
//! Same numbers as `report.json`, in units people read (percentages, nines,
//! downtime per month, thousands separators), plus the reproduction command.
//! No wall-clock values, so the file is as reproducible as the JSON.

use std::fmt::Write as _;

use super::format;
use super::Reproduce;
use crate::metrics::{RunSummary, StudySummary};

/// Renders `report.md`, ending with a newline.
pub fn render(summary: &RunSummary, reproduce: &Reproduce) -> String {
    render_with(summary, reproduce, None)
}

/// Renders `report.md` for a study: the "Study" section, then run 0 in the
/// single-run layout. The headline verdict is the study's (means).
pub fn render_study(study: &StudySummary, reproduce: &Reproduce) -> String {
    render_with(&study.first, reproduce, Some(study))
}

fn render_with(
    summary: &RunSummary,
    reproduce: &Reproduce,
    study: Option<&StudySummary>,
) -> String {
    let mut out = String::new();
    let pass = study.map_or_else(|| summary.all_slos_pass(), StudySummary::all_slos_pass);
    header(&mut out, summary, reproduce, pass);
    overrides(&mut out, summary);
    if let Some(study) = study {
        out.push_str(&super::study::markdown(study));
        out.push_str(&super::study::control_markdown(study));
    }
    slos(&mut out, summary);
    requests(&mut out, summary);
    availability(&mut out, summary);
    recoveries(&mut out, summary);
    data_loss(&mut out, summary);
    latency(&mut out, summary);
    cost(&mut out, summary);
    errors(&mut out, summary);
    out
}

/// The replay's `--set` overrides, when it had any.
fn overrides(out: &mut String, summary: &RunSummary) {
    if summary.detail.overrides.is_empty() {
        return;
    }
    out.push_str("## What-if overrides\n\n");
    for o in &summary.detail.overrides {
        out.push_str(&format!("- `{}`\n", cell(o)));
    }
    out.push('\n');
}

/// A table cell: pipes would end the cell early, and newlines the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn header(out: &mut String, summary: &RunSummary, reproduce: &Reproduce, pass: bool) {
    let verdict = if pass {
        "✅ all SLOs met"
    } else {
        "❌ SLO violated"
    };
    let _ = writeln!(
        out,
        "# firedrill: {} × {}\n",
        cell(&summary.model),
        cell(&summary.scenario)
    );
    let _ = writeln!(out, "**{verdict}**\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| model | `{}` |", cell(&summary.model));
    let _ = writeln!(out, "| scenario | `{}` |", cell(&summary.scenario));
    let _ = writeln!(out, "| seed | {} |", summary.seed);
    let _ = writeln!(
        out,
        "| simulated time | {} ({}) |",
        format::seconds(summary.horizon_s),
        format::duration(summary.horizon_s)
    );
    let _ = writeln!(
        out,
        "| firedrill | {} |\n",
        cell(&summary.firedrill_version)
    );
    let _ = writeln!(out, "Reproduce:\n\n```sh\n{reproduce}\n```\n");
}

fn slos(out: &mut String, summary: &RunSummary) {
    let _ = writeln!(out, "## SLOs\n");
    if summary.slo.is_empty() {
        let _ = writeln!(out, "The scenario sets no SLO.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| SLO | target | actual | verdict |\n|---|---:|---:|:---:|"
    );
    for (name, verdict) in &summary.slo {
        let actual = verdict
            .actual
            .map_or_else(|| "n/a".to_string(), |value| format::slo_value(name, value));
        let mark = if verdict.pass { "✅ pass" } else { "❌ fail" };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(name),
            format::slo_value(name, verdict.target),
            actual,
            mark
        );
    }
    out.push('\n');
}

fn requests(out: &mut String, summary: &RunSummary) {
    let r = &summary.requests;
    let _ = writeln!(out, "## Requests\n");
    let _ = writeln!(out, "| total | succeeded | failed | in flight at end |");
    let _ = writeln!(out, "|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n",
        format::count(r.total),
        format::count(r.succeeded),
        format::count(r.failed),
        format::count(r.in_flight_end)
    );
}

fn availability(out: &mut String, summary: &RunSummary) {
    let a = &summary.availability;
    let _ = writeln!(out, "## Availability\n");
    let _ = writeln!(
        out,
        "| measure | value | nines | downtime/month equivalent |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| requests succeeded | {} | {} | {} |",
        format::percent(a.request),
        format::nines(a.request),
        format::downtime_per_month(a.request)
    );
    let _ = writeln!(
        out,
        "| minutes meeting the SLO | {} | {} | {} |",
        format::percent(a.time),
        format::nines(a.time),
        format::downtime_per_month(a.time)
    );
    let _ = writeln!(
        out,
        "\nLongest outage: {}.\n",
        format::seconds(a.longest_outage_s)
    );
}

fn recoveries(out: &mut String, summary: &RunSummary) {
    let list = &summary.availability.recoveries;
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Recoveries\n");
    let _ = writeln!(
        out,
        "| fault | action | start | impact | recovered at | time to recover |"
    );
    let _ = writeln!(out, "|---|---|---:|:---:|---:|---:|");
    for recovery in list {
        let never = || "not recovered".to_string();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&recovery.fault),
            cell(&recovery.action),
            format::seconds(recovery.start_s),
            if recovery.impact { "yes" } else { "no" },
            recovery.recovered_at_s.map_or_else(never, format::seconds),
            recovery
                .time_to_recover_s
                .map_or_else(never, format::seconds),
        );
    }
    out.push('\n');
}

fn data_loss(out: &mut String, summary: &RunSummary) {
    let d = &summary.data_loss;
    let _ = writeln!(out, "## Data loss\n");
    let _ = writeln!(out, "| writes acknowledged | writes lost | RPO |");
    let _ = writeln!(out, "|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n",
        format::count(d.writes_acknowledged),
        format::count(d.writes_lost),
        format::seconds(d.rpo_s)
    );
}

fn latency(out: &mut String, summary: &RunSummary) {
    let _ = writeln!(out, "## Latency of successful requests\n");
    let Some(l) = summary.latency_ms else {
        let _ = writeln!(
            out,
            "No request succeeded, so there is no latency to report.\n"
        );
        return;
    };
    let _ = writeln!(out, "| p50 | p90 | p99 | p99.9 | max |");
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n",
        format::ms(l.p50),
        format::ms(l.p90),
        format::ms(l.p99),
        format::ms(l.p999),
        format::ms(l.max)
    );
}

fn cost(out: &mut String, summary: &RunSummary) {
    let c = &summary.cost;
    let _ = writeln!(out, "## Cost per month\n");
    let prices = c.prices_as_of.map_or_else(String::new, |date| {
        format!("; AWS us-east-1 on-demand list prices as of {date}")
    });
    let _ = writeln!(
        out,
        "**{}/month** (730-hour month{prices}).\n",
        format::usd(c.total_usd_per_month)
    );
    if !c.items.is_empty() {
        let _ = writeln!(
            out,
            "| component | item | quantity | unit | unit price | per month |"
        );
        let _ = writeln!(out, "|---|---|---:|---|---:|---:|");
        for i in &c.items {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&i.component),
                cell(&i.item),
                format::quantity(i.quantity),
                cell(&i.unit),
                format::unit_usd(i.unit_price_usd),
                format::usd(i.usd_per_month)
            );
        }
        out.push('\n');
    }
    if !c.unpriced.is_empty() {
        let names: Vec<String> = c
            .unpriced
            .iter()
            .map(|n| format!("`{}`", cell(n)))
            .collect();
        let _ = writeln!(
            out,
            "Unpriced (no catalog price and no `cost_per_month`; counted as $0): {}.\n",
            names.join(", ")
        );
    }
}

fn errors(out: &mut String, summary: &RunSummary) {
    let _ = writeln!(out, "## Errors by cause\n");
    let nonzero: Vec<_> = summary
        .errors_by_cause
        .iter()
        .filter(|(_, &n)| n > 0)
        .collect();
    if nonzero.is_empty() {
        let _ = writeln!(out, "No request failed.");
        return;
    }
    let _ = writeln!(out, "| cause | failed requests |\n|---|---:|");
    for (cause, n) in nonzero {
        let _ = writeln!(out, "| {} | {} |", cell(cause), format::count(*n));
    }
}
