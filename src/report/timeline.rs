//! `timeline.svg`: hand-written, deterministic SVG (fixed decimals, no
//! timestamps). One bar row per component and zone coloured by state,
//! then availability and p99 latency per minute; scripted and random
//! faults shaded across every panel, retry storms marked above the rows.

use std::fmt::Write as _;

use crate::metrics::state_timeline::{RowState, StateTimeline, TIMELINE_COLUMNS};
use crate::metrics::trace::MinutePoint;

pub const TIMELINE_FILE: &str = "timeline.svg";

const LEFT: usize = 170;
const ROW_H: usize = 18;
const TOP: usize = 40;
const PANEL_H: usize = 110;
const GAP: usize = 36;

fn colour(state: RowState) -> &'static str {
    match state {
        RowState::Up => "#43a047",
        RowState::Degraded => "#fbc02d",
        RowState::FailingOver => "#1e88e5",
        RowState::Down => "#e53935",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the chart; `title` names the run, `minutes` is the per-minute
/// series (empty points are minutes with no completions).
pub fn render(title: &str, timeline: &StateTimeline, minutes: &[MinutePoint]) -> String {
    let width = LEFT + TIMELINE_COLUMNS + 30;
    let rows_h = timeline.rows.len() * ROW_H;
    let avail_top = TOP + rows_h + GAP;
    let p99_top = avail_top + PANEL_H + GAP;
    let height = p99_top + PANEL_H + 50;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="10" y="18" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    legend(&mut s);
    shade(
        &mut s,
        &timeline.faults.columns,
        TOP,
        height - 40 - TOP,
        "#e53935",
        "0.10",
    );
    shade(
        &mut s,
        &timeline.storms.columns,
        TOP - 8,
        6,
        "#ff6f00",
        "0.9",
    );
    for (i, row) in timeline.rows.iter().enumerate() {
        let y = TOP + i * ROW_H;
        let label = if row.zone.is_empty() {
            row.component.clone()
        } else {
            format!("{} / {}", row.component, row.zone)
        };
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT - 6,
            y + 13,
            escape(&label)
        );
        let mut start = 0;
        for c in 1..=TIMELINE_COLUMNS {
            if c == TIMELINE_COLUMNS || row.columns[c] != row.columns[start] {
                let _ = writeln!(
                    s,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
                    LEFT + start,
                    y + 2,
                    c - start,
                    ROW_H - 4,
                    colour(row.columns[start]),
                    row.columns[start].name()
                );
                start = c;
            }
        }
    }
    for (t_s, label) in &timeline.marks {
        let x = LEFT as f64 + t_s / end_s(timeline) * TIMELINE_COLUMNS as f64;
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#b71c1c" stroke-dasharray="3,2"/><text x="{:.1}" y="{}" fill="#b71c1c">{}</text>"##,
            TOP - 10,
            height - 40,
            x + 2.0,
            TOP - 12,
            escape(label)
        );
    }
    let (avail, p99) = per_column(timeline, minutes);
    panel(&mut s, avail_top, "availability per minute", &avail, true);
    panel(&mut s, p99_top, "p99 latency per minute (ms)", &p99, false);
    axis(&mut s, timeline, height - 40);
    s.push_str("</svg>\n");
    s
}

fn end_s(timeline: &StateTimeline) -> f64 {
    timeline.end.as_secs_f64().max(1e-9)
}

fn legend(s: &mut String) {
    let mut x = LEFT + 300;
    for state in [
        RowState::Up,
        RowState::Degraded,
        RowState::FailingOver,
        RowState::Down,
    ] {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="8" width="10" height="10" fill="{}"/><text x="{}" y="17">{}</text>"#,
            colour(state),
            x + 14,
            state.name()
        );
        x += 100;
    }
    let _ = writeln!(
        s,
        r##"<rect x="{x}" y="8" width="10" height="10" fill="#e53935" fill-opacity="0.2"/><text x="{}" y="17">fault active</text><rect x="{}" y="8" width="10" height="10" fill="#ff6f00"/><text x="{}" y="17">retry storm</text>"##,
        x + 14,
        x + 100,
        x + 114
    );
}

fn shade(s: &mut String, columns: &[bool], y: usize, h: usize, fill: &str, opacity: &str) {
    let mut c = 0;
    while c < columns.len() {
        if !columns[c] {
            c += 1;
            continue;
        }
        let start = c;
        while c < columns.len() && columns[c] {
            c += 1;
        }
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{y}" width="{}" height="{h}" fill="{fill}" fill-opacity="{opacity}"/>"#,
            LEFT + start,
            c - start
        );
    }
}

/// Per column: the worst availability and the worst p99 of the minutes
/// that fall in it.
fn per_column(
    timeline: &StateTimeline,
    minutes: &[MinutePoint],
) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let mut avail = vec![None; TIMELINE_COLUMNS];
    let mut p99 = vec![None; TIMELINE_COLUMNS];
    let end = end_s(timeline);
    for m in minutes {
        let c = ((m.start_s as f64 / end) * TIMELINE_COLUMNS as f64) as usize;
        let c = c.min(TIMELINE_COLUMNS - 1);
        if let Some(a) = m.availability() {
            avail[c] = Some(avail[c].map_or(a, |v: f64| v.min(a)));
        }
        if let Some(p) = m.p99_ms {
            p99[c] = Some(p99[c].map_or(p, |v: f64| v.max(p)));
        }
    }
    (avail, p99)
}

fn panel(s: &mut String, top: usize, title: &str, values: &[Option<f64>], availability: bool) {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = if availability {
        let min = present.iter().copied().fold(1.0, f64::min);
        // Whole tenths below the worst minute, so 99.9 % and 50 % both read.
        ((min * 10.0).floor() / 10.0, 1.0)
    } else {
        let max = present.iter().copied().fold(0.0, f64::max);
        (0.0, if max > 0.0 { max * 1.1 } else { 1.0 })
    };
    let span = (hi - lo).max(1e-9);
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" font-weight="bold">{}</text><rect x="{LEFT}" y="{top}" width="{TIMELINE_COLUMNS}" height="{PANEL_H}" fill="none" stroke="#9e9e9e"/>"##,
        LEFT,
        top - 6,
        escape(title)
    );
    let fmt = |v: f64| {
        if availability {
            format!("{:.1} %", v * 100.0)
        } else {
            format!("{v:.0}")
        }
    };
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
        LEFT - 6,
        top + 10,
        fmt(hi),
        LEFT - 6,
        top + PANEL_H,
        fmt(lo)
    );
    // A step line: each value holds until the next column that has one.
    let present: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(c, v)| v.map(|v| (c, v)))
        .collect();
    let mut points = String::new();
    for (k, &(c, v)) in present.iter().enumerate() {
        let next = present.get(k + 1).map_or(TIMELINE_COLUMNS, |p| p.0);
        let y = top as f64 + (hi - v) / span * PANEL_H as f64;
        let _ = write!(points, "{},{:.1} {},{:.1} ", LEFT + c, y, LEFT + next, y);
    }
    flush_line(s, &mut points);
}

fn flush_line(s: &mut String, points: &mut String) {
    if !points.is_empty() {
        let _ = writeln!(
            s,
            r##"<polyline fill="none" stroke="#37474f" stroke-width="1.2" points="{}"/>"##,
            points.trim_end()
        );
        points.clear();
    }
}

fn axis(s: &mut String, timeline: &StateTimeline, y: usize) {
    let end = end_s(timeline);
    let steps = [
        60.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0, 604800.0,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|st| end / st <= 12.0)
        .unwrap_or_else(|| (end / 12.0).ceil());
    let mut t = 0.0;
    while t <= end + 1e-9 {
        let x = LEFT as f64 + t / end * TIMELINE_COLUMNS as f64;
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{y}" x2="{x:.1}" y2="{}" stroke="#616161"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            y + 5,
            y + 17,
            label(t)
        );
        t += step;
    }
}

fn label(t_s: f64) -> String {
    let m = (t_s / 60.0).round() as u64;
    if m >= 60 && m.is_multiple_of(60) {
        format!("{}h", m / 60)
    } else if m >= 60 {
        format!("{}h{:02}", m / 60, m % 60)
    } else {
        format!("{m}m")
    }
}
