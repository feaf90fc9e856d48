//! `report.md`: one run (or study, or comparison) for people, short enough
//! for a pull-request comment. Same numbers as `report.json`, in units people
//! read (percentages, nines, downtime per month, thousands separators), plus
//! the reproduction command. No wall-clock values, so the file is as
//! reproducible as the JSON. The tables come from [`super::sections`], which
//! `report.html` renders too.

use std::fmt::Write as _;

use super::sections::{self, Align, Block, Section};
use super::Reproduce;
use crate::metrics::{Comparison, RunSummary, StudySummary};

/// Renders `report.md`, ending with a newline.
pub fn render(summary: &RunSummary, reproduce: &Reproduce) -> String {
    render_sections(&sections::run(summary, reproduce, None))
}

/// Renders `report.md` for a study: the "Study" section, then run 0 in the
/// single-run layout. The headline verdict is the study's (means).
pub fn render_study(study: &StudySummary, reproduce: &Reproduce) -> String {
    render_sections(&sections::run(&study.first, reproduce, Some(study)))
}

/// Renders `report.md` for a comparison: the same tables as
/// `report.html`'s (side by side, ranking, differences, errors by cause).
pub fn render_comparison(comparison: &Comparison) -> String {
    render_sections(&super::compare::sections(comparison))
}

/// Sections as Markdown, ending with exactly one newline.
pub fn render_sections(list: &[Section]) -> String {
    let mut out = String::new();
    for section in list {
        let _ = writeln!(
            out,
            "{} {}\n",
            "#".repeat(usize::from(section.level)),
            cell(&section.title)
        );
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "{text}\n");
                }
                Block::Command(command) => {
                    let _ = writeln!(out, "```sh\n{command}\n```\n");
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

/// The replay's `--set` overrides, when it had any.
/// A table cell: pipes would end the cell early, and newlines the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
