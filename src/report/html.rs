//! `report.html`: the same tables as `report.md` (both render
//! [`super::sections`]) followed by SVG charts from [`super::charts`].
//!
//! The page is self-contained so it can be mailed, attached to a CI run or
//! opened offline: CSS inline, SVG inline, no script, no font, image or
//! style sheet fetched from anywhere. Every user string (model, scenario
//! and fault names come from user files) is HTML-escaped, in the tables
//! here and in the SVG text by plotters. Output is deterministic: the same
//! summary gives the same bytes.

use std::fmt::Write as _;

use super::charts::{self, FaultWindow};
use super::compare::cells_of;
use super::sections::{self, Align, Block, Section};
use super::{format, Reproduce};
use crate::metrics::{Comparison, Estimate, RunSummary, StudySummary, Timeline};

/// One chart of the page: a heading, a sentence on how to read it, the SVG.
struct Figure {
    title: String,
    caption: String,
    svg: String,
}

/// `report.html` for one run.
pub fn render_run(summary: &RunSummary, reproduce: &Reproduce) -> String {
    let title = format!("firedrill: {} × {}", summary.model, summary.scenario);
    let figures = design_figures(
        &[Design {
            name: &summary.model,
            timeline: &summary.detail.timeline,
            histogram: summary.detail.latency_histogram.as_ref(),
            errors: &summary.errors_by_cause,
        }],
        summary,
        &format!("run with seed {}", summary.seed),
    );
    page(&title, &sections::run(summary, reproduce, None), &figures)
}

/// `report.html` for a study (`--runs` above 1): the charts pool every run.
pub fn render_study(study: &StudySummary, reproduce: &Reproduce) -> String {
    let first = &study.first;
    let title = format!("firedrill: {} × {}", first.model, first.scenario);
    let figures = design_figures(
        &[Design {
            name: &first.model,
            timeline: &study.timeline,
            histogram: study.latency_pooled_histogram.as_ref(),
            errors: &study.errors_by_cause,
        }],
        first,
        &format!("all {} runs pooled", study.runs),
    );
    page(
        &title,
        &sections::run(first, reproduce, Some(study)),
        &figures,
    )
}

/// `report.html` for `firedrill compare`: the designs side by side per
/// scenario, ranking, paired differences, errors by cause, then a bar
/// chart of availability with intervals and, per scenario, the timelines,
/// latency CDFs and errors of every design in one chart each.
pub fn render_comparison(c: &Comparison) -> String {
    let list = super::compare::sections(c);
    let title = list
        .first()
        .map_or_else(|| "firedrill comparison".to_string(), |s| s.title.clone());
    let scenarios: Vec<&str> = c.scenarios.iter().map(String::as_str).collect();
    let models: Vec<&str> = c.models.iter().map(String::as_str).collect();
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
        svg: charts::comparison_bars(
            "Availability (requests) per design, 95 % intervals",
            &scenarios,
            &models,
            &values,
        ),
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
        figures.extend(design_figures(&designs, &first.study.first, &context));
    }
    page(&title, &list, &figures)
}

/// What the per-design charts need of one design.
struct Design<'a> {
    name: &'a str,
    timeline: &'a Timeline,
    histogram: Option<&'a hdrhistogram::Histogram<u64>>,
    errors: &'a std::collections::BTreeMap<String, u64>,
}

/// The availability, latency and errors charts of one or more designs
/// under one scenario; `run` supplies the horizon, SLO target and fault
/// windows (scripted faults happen at the same times in every run).
fn design_figures(designs: &[Design], run: &RunSummary, context: &str) -> Vec<Figure> {
    let faults: Vec<FaultWindow> = run
        .availability
        .recoveries
        .iter()
        .map(|r| FaultWindow {
            label: r.fault.clone(),
            start_s: r.start_s,
            end_s: r.end_s,
        })
        .collect();
    let target = run.slo.get("availability").map(|v| v.target);
    let bucket_s = designs.first().map_or(60, |d| d.timeline.bucket_s);
    let timelines: Vec<(&str, &Timeline)> = designs.iter().map(|d| (d.name, d.timeline)).collect();
    let histograms: Vec<(&str, &hdrhistogram::Histogram<u64>)> = designs
        .iter()
        .filter_map(|d| Some((d.name, d.histogram?)))
        .collect();
    let errors: Vec<(&str, &std::collections::BTreeMap<String, u64>)> =
        designs.iter().map(|d| (d.name, d.errors)).collect();
    vec![
        Figure {
            title: format!("Availability over time ({context})"),
            caption: format!(
                "Share of finished requests that succeeded in each {} bucket; shaded bands are \
                 scripted fault windows, the dashed line the availability SLO. Gaps are buckets \
                 in which no request finished (such as the warm-up).",
                bucket(bucket_s)
            ),
            svg: charts::availability(
                &format!("Availability per {} ({context})", bucket(bucket_s)),
                &timelines,
                &faults,
                run.horizon_s,
                target,
            ),
        },
        Figure {
            title: format!("Latency CDF ({context})"),
            caption: "Share of successful requests at or below each latency (log scale).".into(),
            svg: charts::latency_cdf(
                &format!("Latency of successful requests ({context})"),
                &histograms,
            ),
        },
        Figure {
            title: format!("Errors by cause ({context})"),
            caption: "Failed requests by the cause of their final failure.".into(),
            svg: charts::errors(&format!("Failed requests by cause ({context})"), &errors),
        },
    ]
}

/// A bucket width in words: `1 min`, `8 h 32 min`.
fn bucket(seconds: u64) -> String {
    if seconds < 3_600 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format::duration(seconds as f64)
    }
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;\
margin:0 auto;max-width:960px;padding:1.5rem;color:#1f2328;line-height:1.45}\
h1{font-size:1.6rem;margin:0 0 .8rem}h2{font-size:1.25rem;margin:2rem 0 .6rem;\
border-bottom:1px solid #d0d7de;padding-bottom:.25rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}\
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}\
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;vertical-align:top}\
th{background:#f6f8fa}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}\
td.c,th.c{text-align:center}\
code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.9em}\
code{background:#f6f8fa;padding:.1em .3em;border-radius:4px}\
pre{background:#f6f8fa;padding:.7rem;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere}\
pre code{padding:0;background:none}\
figure{margin:1rem 0 2rem}figcaption{color:#57606a;font-size:.9rem;margin:.2rem 0 .5rem}\
svg{max-width:100%;height:auto;border:1px solid #eaeef2}\
footer{margin-top:2rem;color:#57606a;font-size:.85rem}";

fn page(title: &str, list: &[Section], figures: &[Figure]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
    for section in list {
        render_section(&mut out, section);
    }
    if !figures.is_empty() {
        out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        for figure in figures {
            let _ = write!(
                out,
                "<figure>\n<h3>{}</h3>\n<figcaption>{}</figcaption>\n{}\n</figure>\n",
                escape(&figure.title),
                escape(&figure.caption),
                inline_svg(&figure.svg, &figure.title)
            );
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "<footer>Written by firedrill {}. Self-contained: this page loads nothing from the network.</footer>\n\
         </body>\n</html>\n",
        escape(env!("CARGO_PKG_VERSION"))
    );
    out
}

/// The chart's SVG ready for inlining: HTML needs no namespace
/// declaration (dropping it keeps the page free of any URL), and an
/// accessible name helps screen readers.
fn inline_svg(svg: &str, title: &str) -> String {
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(title)),
        1,
    )
}

fn render_section(out: &mut String, section: &Section) {
    if section.level <= 1 {
        let _ = writeln!(out, "<header>\n<h1>{}</h1>", inline(&section.title));
    } else {
        let _ = writeln!(out, "<section>\n<h2>{}</h2>", inline(&section.title));
    }
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", inline(text).replace('\n', "<br>\n"));
            }
            Block::Command(command) => {
                let _ = writeln!(out, "<pre><code>{}</code></pre>", escape(command));
            }
            Block::Table(t) => {
                let class = |a: &Align| match a {
                    Align::Left => "",
                    Align::Right => " class=\"r\"",
                    Align::Center => " class=\"c\"",
                };
                out.push_str("<table>\n");
                // A key-value table (Markdown needs a header row; HTML does not).
                if t.header.iter().any(|h| !h.is_empty()) {
                    out.push_str("<thead><tr>");
                    for (h, a) in t.header.iter().zip(&t.align) {
                        let _ = write!(out, "<th{}>{}</th>", class(a), inline(h));
                    }
                    out.push_str("</tr></thead>\n");
                }
                out.push_str("<tbody>\n");
                for row in &t.rows {
                    out.push_str("<tr>");
                    for (c, a) in row.iter().zip(&t.align) {
                        let _ = write!(out, "<td{}>{}</td>", class(a), inline(c));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
    out.push_str(if section.level <= 1 {
        "</header>\n"
    } else {
        "</section>\n"
    });
}

/// Escaped text with the report's two bits of inline Markdown
/// (`**bold**`, `` `code` ``) turned into tags. Markers are matched in
/// pairs; an unpaired one stays as text.
fn inline(text: &str) -> String {
    let escaped = escape(text);
    let bold = pairs(&escaped, "**", "<strong>", "</strong>");
    pairs(&bold, "`", "<code>", "</code>")
}

fn pairs(text: &str, marker: &str, open: &str, close: &str) -> String {
    let parts: Vec<&str> = text.split(marker).collect();
    if parts.len() < 3 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let paired = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if i < paired {
                out.push_str(if i % 2 == 1 { open } else { close });
            } else {
                out.push_str(marker);
            }
        }
        out.push_str(part);
    }
    out
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markdown_and_escaping() {
        assert_eq!(
            inline("**ok** run `a<b>` & c"),
            "<strong>ok</strong> run <code>a&lt;b&gt;</code> &amp; c"
        );
        assert_eq!(inline("a ` b"), "a ` b");
        assert_eq!(inline("`x` and ` y"), "<code>x</code> and ` y");
        assert_eq!(escape("\"'"), "&quot;&#39;");
    }

    #[test]
    fn bucket_widths_read_well() {
        assert_eq!(bucket(60), "1 min");
        assert_eq!(bucket(1_920), "32 min");
        assert_eq!(bucket(30_720), "8 h 32 min");
    }
}
