//! The report document: what a human-facing report says, as data. The
//! builders ([`super::run`], [`super::run_digest`], [`super::comparison`],
//! [`super::comparison_digest`]) compute every figure and word once from
//! the summaries; the writers ([`super::markdown`], [`super::html`],
//! [`super::terminal`]) only walk a [`Document`] and lay it out, so two
//! outputs of the same document always carry the same numbers.
//!
//! Text in paragraphs, titles and table cells may use two bits of inline
//! Markdown, `**bold**` and `` `code` ``, which the HTML writer translates.
//! Terminal text carries its emphasis in [`Span`]s instead, because the
//! terminal colours verdict words rather than marking them up.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::metrics::{Estimate, LoadSeries, Timeline};

/// A column's alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

/// A table of text cells. `title` is shown above the table by the terminal
/// writer; the Markdown and HTML writers put titles in section headings.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            title: String::new(),
            header: columns.iter().map(|c| c.0.to_string()).collect(),
            align: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// The same table with a title.
    pub fn titled(mut self, title: impl Into<String>) -> Table {
        self.title = title.into();
        self
    }

    /// Adds a column.
    pub fn column(&mut self, name: impl Into<String>, align: Align) {
        self.header.push(name.into());
        self.align.push(align);
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }
}

/// How the terminal shows a span: verdict words in colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    /// Bold.
    Strong,
    /// A met expectation (green).
    Pass,
    /// A missed one (bold red).
    Fail,
}

/// A run of text in one style.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            style: Style::Plain,
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Span {
        Span {
            text: text.into(),
            style,
        }
    }

    /// A verdict word: [`Style::Pass`] or [`Style::Fail`].
    pub fn verdict(pass: bool, text: impl Into<String>) -> Span {
        Span::styled(text, if pass { Style::Pass } else { Style::Fail })
    }
}

/// A line of styled text.
pub type Line = Vec<Span>;

/// A row of a key-value list: a label, a value with its unit, and a remark.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    pub label: String,
    pub value: String,
    pub remark: Line,
}

impl KeyValue {
    pub fn new(label: impl Into<String>, value: impl Into<String>, remark: Line) -> KeyValue {
        KeyValue {
            label: label.into(),
            value: value.into(),
            remark,
        }
    }

    /// A row whose remark is plain text (possibly empty).
    pub fn plain(
        label: impl Into<String>,
        value: impl Into<String>,
        remark: impl Into<String>,
    ) -> KeyValue {
        let remark: String = remark.into();
        let remark = if remark.is_empty() {
            Vec::new()
        } else {
            vec![Span::plain(remark)]
        };
        KeyValue::new(label, value, remark)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A paragraph; may hold line breaks, `**bold**` and `` `code` ``.
    Paragraph(String),
    Table(Table),
    /// A shell command, shown verbatim.
    Command(String),
    /// Label-value rows, aligned across the whole document.
    KeyValues(Vec<KeyValue>),
    /// Lines of styled text, shown as they are.
    Lines(Vec<Line>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// 1 for the page title, 2 for sections.
    pub level: u8,
    /// May be empty: the blocks then follow the previous section's.
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(level: u8, title: impl Into<String>) -> Section {
        Section {
            level,
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    pub fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    pub fn command(&mut self, command: impl Into<String>) {
        self.blocks.push(Block::Command(command.into()));
    }

    pub fn lines(&mut self, lines: Vec<Line>) {
        self.blocks.push(Block::Lines(lines));
    }
}

/// A scripted fault's window on the time axis; `end_s` is `None` for a
/// fault without a duration (drawn as a line at its start).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultWindow {
    pub label: String,
    pub start_s: f64,
    pub end_s: Option<f64>,
}

/// A chart as data: what to draw, borrowed from the summaries. The HTML
/// writer draws it with [`super::charts::svg`].
#[derive(Clone, Debug)]
pub enum Chart<'a> {
    /// Availability per time bucket of each named timeline, with fault
    /// windows and the availability target (a fraction).
    Availability {
        title: String,
        series: Vec<(&'a str, &'a Timeline)>,
        faults: Vec<FaultWindow>,
        horizon_s: f64,
        target: Option<f64>,
    },
    /// Offered load, attempts and goodput per second, with fault windows
    /// and the moment goodput recovered.
    Load {
        title: String,
        series: &'a LoadSeries,
        faults: Vec<FaultWindow>,
        horizon_s: f64,
        recovered_at_s: Option<f64>,
    },
    /// The latency CDF of each named histogram.
    LatencyCdf {
        title: String,
        series: Vec<(&'a str, &'a Histogram<u64>)>,
    },
    /// Failed requests by cause, per named design.
    Errors {
        title: String,
        series: Vec<(&'a str, &'a BTreeMap<String, u64>)>,
    },
    /// Availability per design per scenario with 95 % intervals;
    /// `values[s][m]` is model `m` under scenario `s`.
    AvailabilityBars {
        title: String,
        scenarios: Vec<&'a str>,
        models: Vec<&'a str>,
        values: Vec<Vec<Estimate>>,
    },
}

/// One chart of a page: a heading, a sentence on how to read it, the chart.
#[derive(Clone, Debug)]
pub struct Figure<'a> {
    pub title: String,
    pub caption: String,
    pub chart: Chart<'a>,
}

/// A whole report: its title, sections in order, and charts.
#[derive(Clone, Debug, Default)]
pub struct Document<'a> {
    pub title: String,
    pub sections: Vec<Section>,
    pub figures: Vec<Figure<'a>>,
    /// What was simulated, e.g. `simulated 12.0k requests (40.1k events)`;
    /// the terminal adds how much wall time it took.
    pub work: String,
}
