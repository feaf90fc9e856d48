//! The terminal writer: lays out a digest ([`super::run_digest`],
//! [`super::comparison_digest`]) as the text `firedrill run` and
//! `firedrill compare` print on stdout.
//!
//! Hand-aligned text rather than a table crate: label-value rows share one
//! set of column widths across the whole digest, and the only styling is
//! colour on the verdict words, which sit at the end of their line so
//! escape codes never upset the alignment. The footer may mention wall
//! time: this text is never written to a report file.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use super::document::{Align, Block, Document, KeyValue, Span, Style, Table};
use super::reproduce::Reproduce;
use super::{comparison_digest, run_digest};
use crate::metrics::{Comparison, RunSummary, StudySummary};

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

/// Renders a run's summary; `colour` adds ANSI colour to verdicts.
pub fn render(
    summary: &RunSummary,
    reproduce: &Reproduce,
    colour: bool,
    footer: &Footer,
) -> String {
    write(
        &run_digest::document(summary, None, reproduce),
        colour,
        footer,
    )
}

/// Renders a study: run 0's sections, then the study's means ± 95 %
/// intervals and its SLO verdicts (on the means), which set the result line.
pub fn render_study(
    study: &StudySummary,
    reproduce: &Reproduce,
    colour: bool,
    footer: &Footer,
) -> String {
    write(
        &run_digest::document(&study.first, Some(study), reproduce),
        colour,
        footer,
    )
}

/// Renders a comparison: per scenario the ranking and the two tables, then
/// the differences (and control deltas), then where the reports went.
pub fn render_comparison(c: &Comparison, colour: bool, footer: &Footer) -> String {
    write(&comparison_digest::document(c), colour, footer)
}

/// Lays out a digest: its title, each section (a titled one after a blank
/// line), then the report files written and the wall time taken.
pub fn write(doc: &Document, colour: bool, footer: &Footer) -> String {
    let rows = || {
        doc.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::KeyValues(rows) => Some(rows),
                _ => None,
            })
            .flatten()
    };
    let label_width = rows().map(|r| r.label.chars().count()).max().unwrap_or(0);
    let value_width = rows().map(|r| r.value.chars().count()).max().unwrap_or(0);

    let mut out = String::new();
    let _ = writeln!(out, "{}", doc.title);
    for section in &doc.sections {
        if !section.title.is_empty() {
            let _ = writeln!(out, "\n{}", section.title);
        }
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) | Block::Command(text) => {
                    let _ = writeln!(out, "{text}");
                }
                Block::Lines(lines) => {
                    for line in lines {
                        let _ = writeln!(out, "{}", spans(line, colour));
                    }
                }
                Block::KeyValues(rows) => {
                    for r in rows {
                        let _ = writeln!(out, "{}", key_value(r, label_width, value_width, colour));
                    }
                }
                Block::Table(t) => out.push_str(&aligned(t)),
            }
        }
    }
    for path in &footer.report_files {
        let _ = writeln!(out, "wrote: {}", path.display());
    }
    let _ = writeln!(out, "{} in {:.2} s of wall time", doc.work, footer.wall_s);
    out
}

fn key_value(r: &KeyValue, label_width: usize, value_width: usize, colour: bool) -> String {
    let line = format!(
        "  {:<label_width$}  {:>value_width$}  {}",
        r.label,
        r.value,
        spans(&r.remark, colour)
    );
    line.trim_end().to_string()
}

/// Styled text; with `colour`, verdicts in green or bold red.
fn spans(line: &[Span], colour: bool) -> String {
    let mut out = String::new();
    for span in line {
        let code = match span.style {
            _ if !colour => None,
            Style::Plain => None,
            Style::Strong => Some("1"),
            Style::Pass => Some("32"),
            Style::Fail => Some("1;31"),
        };
        match code {
            Some(code) => {
                let _ = write!(out, "\x1b[{code}m{}\x1b[0m", span.text);
            }
            None => out.push_str(&span.text),
        }
    }
    out
}

/// The table's title, then its header and rows in padded columns.
fn aligned(t: &Table) -> String {
    let columns = t.header.len();
    let mut widths: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
    for row in &t.rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate().take(columns) {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.push(' ');
            // Centred columns are right-aligned: numbers line up better.
            if t.align[i] == Align::Left {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
            text.push(' ');
        }
        text.trim_end().to_string()
    };
    let mut out = String::new();
    if !t.title.is_empty() {
        let _ = writeln!(out, "{}", t.title);
    }
    let _ = writeln!(out, "{}", line(&t.header));
    for row in &t.rows {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}
