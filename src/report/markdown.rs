//! The Markdown writer: `report.md`, one run (or study, or comparison) for
//! people, short enough for a pull-request comment. Same numbers as
//! `report.json`, in units people read (percentages, nines, downtime per
//! month, thousands separators), plus the reproduction command. No
//! wall-clock values, so the file is as reproducible as the JSON. It walks
//! the same [`Document`] as `report.html`, without the charts.

use std::fmt::Write as _;

use super::comparison;
use super::document::{Align, Block, Document, Line};
use super::reproduce::Reproduce;
use super::run;
use crate::metrics::{Comparison, RunSummary, StudySummary};

/// Renders `report.md`, ending with a newline.
pub fn render(summary: &RunSummary, reproduce: &Reproduce) -> String {
    write(&run::document(summary, reproduce))
}

/// Renders `report.md` for a study: the "Study" section, then run 0 in the
/// single-run layout. The headline verdict is the study's (means).
pub fn render_study(study: &StudySummary, reproduce: &Reproduce) -> String {
    write(&run::study_document(study, reproduce))
}

/// Renders `report.md` for a comparison: the same tables as
/// `report.html`'s (side by side, ranking, differences, errors by cause).
pub fn render_comparison(c: &Comparison) -> String {
    write(&comparison::document(c))
}

/// A document as Markdown, ending with exactly one newline.
pub fn write(doc: &Document) -> String {
    let mut out = String::new();
    for section in &doc.sections {
        if !section.title.is_empty() {
            let _ = writeln!(
                out,
                "{} {}\n",
                "#".repeat(usize::from(section.level)),
                cell(&section.title)
            );
        }
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "{text}\n");
                }
                Block::Command(command) => {
                    let _ = writeln!(out, "```sh\n{command}\n```\n");
                }
                Block::KeyValues(rows) => {
                    for r in rows {
                        let item = format!("- {}: {} {}", r.label, r.value, text(&r.remark));
                        let _ = writeln!(out, "{}", item.trim_end());
                    }
                    out.push('\n');
                }
                Block::Lines(lines) => {
                    for line in lines {
                        let _ = writeln!(out, "{}  ", text(line));
                    }
                    out.push('\n');
                }
                Block::Table(t) => {
                    out.push('|');
                    for h in &t.header {
                        if h.is_empty() {
                            out.push_str(" |");
                        } else {
                            let _ = write!(out, " {} |", cell(h));
                        }
                    }
                    out.push_str("\n|");
                    for a in &t.align {
                        out.push_str(match a {
                            Align::Left => "---|",
                            Align::Right => "---:|",
                            Align::Center => ":---:|",
                        });
                    }
                    out.push('\n');
                    for row in &t.rows {
                        out.push('|');
                        for c in row {
                            let _ = write!(out, " {} |", cell(c));
                        }
                        out.push('\n');
                    }
                    out.push('\n');
                }
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A line's text without its styles.
fn text(line: &Line) -> String {
    line.iter().map(|span| span.text.as_str()).collect()
}

/// A table cell: pipes would end the cell early, and newlines the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
