//! The HTML writer: `report.html`, the same [`Document`] as `report.md`
//! (tables and text) followed by its charts, drawn as SVG by
//! [`super::charts`].
//!
//! The page is self-contained so it can be mailed, attached to a CI run or
//! opened offline: CSS inline, SVG inline, no script, no font, image or
//! style sheet fetched from anywhere. Every user string (model, scenario
//! and fault names come from user files) is HTML-escaped, in the tables
//! here and in the SVG text by plotters. Output is deterministic: the same
//! summary gives the same bytes.

use std::fmt::Write as _;

use super::charts;
use super::comparison;
use super::document::{Align, Block, Document, Section, Span, Style};
use super::format::escape;
use super::reproduce::Reproduce;
use super::run;
use crate::metrics::{Comparison, RunSummary, StudySummary};

/// `report.html` for one run.
pub fn render_run(summary: &RunSummary, reproduce: &Reproduce) -> String {
    write(&run::document(summary, reproduce))
}

/// `report.html` for a study (`--runs` above 1): the charts pool every run.
pub fn render_study(study: &StudySummary, reproduce: &Reproduce) -> String {
    write(&run::study_document(study, reproduce))
}

/// `report.html` for `firedrill compare`: the designs side by side per
/// scenario, ranking, paired differences, errors by cause, then a bar
/// chart of availability with intervals and, per scenario, the timelines,
/// latency CDFs and errors of every design in one chart each.
pub fn render_comparison(c: &Comparison) -> String {
    write(&comparison::document(c))
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

/// A document as a page: its sections, then a "Charts" section.
pub fn write(doc: &Document) -> String {
    let (title, figures) = (&doc.title, &doc.figures);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
    for section in &doc.sections {
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
                inline_svg(&charts::svg(&figure.chart), &figure.title)
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
    let (open, heading) = if section.level <= 1 {
        ("<header>", "h1")
    } else {
        ("<section>", "h2")
    };
    out.push_str(open);
    out.push('\n');
    if !section.title.is_empty() {
        let _ = writeln!(out, "<{heading}>{}</{heading}>", inline(&section.title));
    }
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", inline(text).replace('\n', "<br>\n"));
            }
            Block::Command(command) => {
                let _ = writeln!(out, "<pre><code>{}</code></pre>", escape(command));
            }
            Block::KeyValues(rows) => {
                out.push_str("<table>\n<tbody>\n");
                for r in rows {
                    let _ = writeln!(
                        out,
                        "<tr><td>{}</td><td class=\"r\">{}</td><td>{}</td></tr>",
                        escape(&r.label),
                        escape(&r.value),
                        spans(&r.remark)
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Lines(lines) => {
                let text: Vec<String> = lines.iter().map(|line| spans(line)).collect();
                let _ = writeln!(out, "<p>{}</p>", text.join("<br>\n"));
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

/// Styled text: emphasis and verdicts in bold.
fn spans(line: &[Span]) -> String {
    line.iter()
        .map(|span| match span.style {
            Style::Plain | Style::Pass => escape(&span.text),
            Style::Strong | Style::Fail => format!("<strong>{}</strong>", escape(&span.text)),
        })
        .collect()
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
}
