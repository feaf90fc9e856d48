//! SVG charts for the HTML report, drawn with plotters: pure functions from
//! a document's [`Chart`] data to SVG text ([`svg`]).
//!
//! * [`availability`]: availability per time bucket, 0–100 %, fault windows
//!   shaded, the SLO target dashed, time in minutes, hours or days.
//! * [`load`]: offered load, attempts and goodput per second, fault
//!   windows shaded, the recovery marked.
//! * [`latency_cdf`]: the latency CDF of each design on a log-scaled axis.
//! * [`errors`]: failed requests by cause, horizontal bars per design.
//! * [`comparison_bars`]: availability per design per scenario with 95 %
//!   interval whiskers.
//!
//! Output is deterministic (plotters' SVG backend writes no ids, times or
//! random numbers), and no chart panics on empty data: a chart with nothing
//! to show draws its frame and says so. Text is measured with DejaVu Sans,
//! embedded in the binary and registered once as `sans-serif`: plotters
//! needs a font to lay out even SVG text and the machines we run on may
//! have none. The browser draws the text with its own sans-serif.

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Once;

use hdrhistogram::Histogram;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::document::{Chart, FaultWindow};
use super::format;
use crate::metrics::{Estimate, LoadSeries, Timeline};

const WIDTH: u32 = 880;
const HEIGHT: u32 = 380;
/// The legend gets its own strip right of the plot, so it never hides data.
const LEGEND_PX: u32 = 230;
const FONT: &str = "sans-serif";
const LABEL_PX: u32 = 14;
const CAPTION_PX: u32 = 17;

/// Tableau 10: distinct, colour-blind friendly enough, printable.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(214, 39, 40),
];
const FAULT_COLOR: RGBColor = RGBColor(214, 39, 40);
const RECOVERY_COLOR: RGBColor = RGBColor(44, 160, 44);

type Drawn = Result<(), Box<dyn Error>>;
/// A design's index (for its colour), name and CDF points.
type Curve<'a> = (usize, &'a str, Vec<(f64, f64)>);

/// The colour of the `i`-th design in every chart.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Draws a chart of a report document.
pub fn svg(chart: &Chart) -> String {
    match chart {
        Chart::Availability {
            title,
            series,
            faults,
            horizon_s,
            target,
        } => availability(title, series, faults, *horizon_s, *target),
        Chart::Load {
            title,
            series,
            faults,
            horizon_s,
            recovered_at_s,
        } => load(title, series, faults, *horizon_s, *recovered_at_s),
        Chart::LatencyCdf { title, series } => latency_cdf(title, series),
        Chart::Errors { title, series } => errors(title, series),
        Chart::AvailabilityBars {
            title,
            scenarios,
            models,
            values,
        } => comparison_bars(title, scenarios, models, values),
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are DejaVu Sans as shipped by the `dejavu` crate; a
        // failure here would be a broken build, and the charts then fall
        // back to a message instead of panicking.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Draws with `draw` into a fresh SVG; on any plotting error returns a
/// small SVG that says what failed, so a report is always written.
fn render(draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn) -> String {
    register_font();
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Box::<dyn Error>::from)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Box::<dyn Error>::from))
    };
    match result {
        Ok(()) => svg,
        Err(error) => format!(
            "<svg width=\"{WIDTH}\" height=\"40\"><text x=\"10\" y=\"25\">chart failed: {}</text></svg>",
            format::escape(&error.to_string())
        ),
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// How a legend entry is marked: a line or a filled box in its style.
enum Mark {
    Line(ShapeStyle),
    Box(ShapeStyle),
}

/// The plot area and the legend strip right of it.
fn split<'a>(root: &Area<'a>) -> (Area<'a>, Area<'a>) {
    root.split_horizontally(WIDTH - LEGEND_PX)
}

/// Draws the legend entries top down in the strip; long names are cut
/// with an ellipsis so they stay inside it.
fn legend(area: &Area, entries: &[(String, Mark)]) -> Drawn {
    let max_chars = 27;
    for (i, (name, mark)) in entries.iter().enumerate() {
        let y = 48 + 24 * i as i32;
        match mark {
            Mark::Line(style) => area.draw(&PathElement::new(vec![(6, y), (28, y)], *style))?,
            Mark::Box(style) => area.draw(&Rectangle::new([(6, y - 7), (28, y + 7)], *style))?,
        }
        let text: String = if name.chars().count() > max_chars {
            name.chars().take(max_chars - 1).chain(['…']).collect()
        } else {
            name.clone()
        };
        area.draw(&Text::new(
            text,
            (34, y),
            TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn label_font() -> TextStyle<'static> {
    (FONT, LABEL_PX).into_font().into()
}

/// A frame and a centred message, for charts with nothing to plot.
fn empty(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    title: &str,
    message: &str,
) -> Drawn {
    let area = root.titled(title, (FONT, CAPTION_PX))?;
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(10, 10), (w as i32 - 10, h as i32 - 10)],
        RGBColor(200, 200, 200).stroke_width(1),
    ))?;
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        label_font().pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// The unit of a time axis spanning `horizon_s`: minutes up to 3 h, hours
/// up to 3 days, days beyond.
fn time_unit(horizon_s: f64) -> (f64, &'static str) {
    if horizon_s <= 3.0 * 3_600.0 {
        (60.0, "min")
    } else if horizon_s <= 3.0 * 86_400.0 {
        (3_600.0, "h")
    } else {
        (86_400.0, "d")
    }
}

/// Enough decimals to tell tick labels `step` apart.
fn decimals_for(span: f64) -> usize {
    match span {
        s if s < 0.1 => 3,
        s if s < 1.0 => 2,
        s if s < 10.0 => 1,
        _ => 0,
    }
}

/// Availability per time bucket (0–100 %) of each named timeline, with the
/// fault windows shaded and the availability `target` (a fraction) dashed.
/// Buckets in which no request finished are gaps in the line.
pub fn availability(
    title: &str,
    series: &[(&str, &Timeline)],
    faults: &[FaultWindow],
    horizon_s: f64,
    target: Option<f64>,
) -> String {
    render(|root| {
        let has_data = series
            .iter()
            .any(|(_, t)| (0..t.len()).any(|i| t.availability(i).is_some()));
        if !has_data || !horizon_s.is_finite() || horizon_s <= 0.0 {
            return empty(root, title, "No request finished: nothing to plot.");
        }
        let (unit_s, unit) = time_unit(horizon_s);
        let x_max = horizon_s / unit_s;
        let (plot, key) = split(root);
        let mut entries: Vec<(String, Mark)> = Vec::new();
        let mut chart = time_axes(
            &plot,
            title,
            (x_max, unit),
            100.0,
            "requests succeeded (%)",
            &|v| format!("{v:.0}"),
        )?;

        fault_windows(
            &mut chart,
            &plot,
            faults,
            unit_s,
            x_max,
            100.0,
            &mut entries,
        )?;

        if let Some(target) = target.filter(|t| t.is_finite()) {
            let y = (target * 100.0).clamp(0.0, 100.0);
            let dashed = BLACK.mix(0.6).stroke_width(1);
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, y), (x_max, y)],
                6,
                4,
                dashed,
            ))?;
            entries.push((
                format!("SLO {}", format::percent(target)),
                Mark::Line(dashed),
            ));
        }

        for (index, (name, timeline)) in series.iter().enumerate() {
            let style = color(index).stroke_width(2);
            let width = timeline.bucket_s as f64 / unit_s;
            for segment in step_segments(timeline, width) {
                chart.draw_series(LineSeries::new(segment, style))?;
            }
            entries.push((name.to_string(), Mark::Line(style)));
        }
        legend(&key, &entries)?;
        Ok(())
    })
}

type Plot<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A chart over simulated time: `x` is the axis length in `unit`s, `y_max`
/// the top of a linear axis from 0.
fn time_axes<'a, 'b>(
    plot: &'a Area<'b>,
    title: &str,
    (x_max, unit): (f64, &str),
    y_max: f64,
    y_desc: &str,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<Plot<'a, 'b>, Box<dyn Error>> {
    let mut chart = ChartBuilder::on(plot)
        .caption(title, (FONT, CAPTION_PX))
        .margin(12)
        .margin_right(36)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc(format!("simulated time ({unit})"))
        .y_desc(y_desc)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(y_label)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    Ok(chart)
}

/// Shades each fault window from 0 to `y_max`, marks its start and names
/// it just inside its band (below the top, where lines usually run).
fn fault_windows(
    chart: &mut Plot,
    plot: &Area,
    faults: &[FaultWindow],
    unit_s: f64,
    x_max: f64,
    y_max: f64,
    entries: &mut Vec<(String, Mark)>,
) -> Drawn {
    let band = FAULT_COLOR.mix(0.15).filled();
    if !faults.is_empty() {
        entries.push(("scripted fault window".into(), Mark::Box(band)));
    }
    for fault in faults {
        let start = (fault.start_s / unit_s).min(x_max);
        if let Some(end) = fault.end_s.filter(|&end| end > fault.start_s) {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(start, 0.0), ((end / unit_s).min(x_max), y_max)],
                band,
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(start, 0.0), (start, y_max)],
            FAULT_COLOR.stroke_width(1),
        )))?;
        let at = chart.backend_coord(&(start, y_max));
        plot.draw(&Text::new(
            fault.label.clone(),
            (at.0 + 4, at.1 + 18),
            TextStyle::from((FONT, 12).into_font())
                .color(&FAULT_COLOR)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// Offered load, attempts and goodput per second (one point per bucket),
/// fault windows shaded, the recovery marked by a green vertical line.
/// The time axis is in seconds up to 15 minutes, then as [`time_unit`].
pub fn load(
    title: &str,
    series: &LoadSeries,
    faults: &[FaultWindow],
    horizon_s: f64,
    recovered_at_s: Option<f64>,
) -> String {
    render(|root| {
        let [offered, attempts, goodput] = series.totals();
        if offered + attempts + goodput == 0 || !horizon_s.is_finite() || horizon_s <= 0.0 {
            return empty(root, title, "No measured request: nothing to plot.");
        }
        let (unit_s, unit) = if horizon_s <= 900.0 {
            (1.0, "s")
        } else {
            time_unit(horizon_s)
        };
        let x_max = horizon_s / unit_s;
        let columns: [(&str, Vec<f64>); 3] = [
            ("offered load", series.offered_per_s().collect()),
            ("attempts", series.attempts_per_s().collect()),
            ("goodput", series.goodput_per_s().collect()),
        ];
        let peak = columns
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0f64, f64::max);
        let y_max = (peak * 1.1).max(1.0);
        let (plot, key) = split(root);
        let mut entries: Vec<(String, Mark)> = Vec::new();
        let mut chart = time_axes(
            &plot,
            title,
            (x_max, unit),
            y_max,
            "requests per second",
            &|v| format::quantity(*v),
        )?;
        fault_windows(
            &mut chart,
            &plot,
            faults,
            unit_s,
            x_max,
            y_max,
            &mut entries,
        )?;
        let width = series.bucket_s as f64 / unit_s;
        for (index, (name, values)) in columns.iter().enumerate() {
            let style = color(index).stroke_width(if index == 2 { 3 } else { 2 });
            let points = values
                .iter()
                .enumerate()
                .map(|(i, &v)| ((i as f64 + 0.5) * width, v));
            chart.draw_series(LineSeries::new(points, style))?;
            entries.push((name.to_string(), Mark::Line(style)));
        }
        if let Some(at) = recovered_at_s {
            let x = (at / unit_s).min(x_max);
            let style = RECOVERY_COLOR.stroke_width(2);
            chart.draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, y_max)],
                6,
                4,
                style,
            ))?;
            entries.push(("goodput recovered".into(), Mark::Line(style)));
        }
        legend(&key, &entries)?;
        Ok(())
    })
}

/// The timeline as a step line (each bucket flat across its width), split
/// at buckets where nothing finished.
fn step_segments(timeline: &Timeline, width: f64) -> Vec<Vec<(f64, f64)>> {
    let mut segments = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for i in 0..timeline.len() {
        match timeline.availability(i) {
            Some(a) => {
                let y = a * 100.0;
                current.push((i as f64 * width, y));
                current.push(((i + 1) as f64 * width, y));
            }
            None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

/// Latency in milliseconds for an axis label: `0.05`, `2`, `1,500`.
fn ms_label(v: f64) -> String {
    if v >= 1_000.0 {
        format::count(v.round() as u64)
    } else if v >= 1.0 {
        format!("{v:.0}")
    } else {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').to_string()
    }
}

/// The CDF of each named latency histogram (values in microseconds) on a
/// log-scaled millisecond axis. Empty histograms are left out.
pub fn latency_cdf(title: &str, series: &[(&str, &Histogram<u64>)]) -> String {
    render(|root| {
        let curves: Vec<Curve> = series
            .iter()
            .enumerate()
            .filter(|(_, (_, h))| !h.is_empty())
            .map(|(i, (name, h))| (i, *name, cdf_points(h)))
            .collect();
        if curves.is_empty() {
            return empty(root, title, "No request succeeded: no latency to plot.");
        }
        let (mut lo, mut hi) = curves
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|p| p.0))
            .fold((f64::INFINITY, 0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
        lo = (lo / 1.5).max(0.001);
        hi = (hi * 1.5).max(lo * 10.0);
        let (plot, key) = split(root);
        let mut entries: Vec<(String, Mark)> = Vec::new();
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, (FONT, CAPTION_PX))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..100f64)?;
        chart
            .configure_mesh()
            .x_desc("latency of successful requests (ms, log scale)")
            .y_desc("requests at or below (%)")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&|v| ms_label(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        for (index, name, points) in curves {
            let style = color(index).stroke_width(2);
            chart.draw_series(LineSeries::new(points, style))?;
            entries.push((name.to_string(), Mark::Line(style)));
        }
        legend(&key, &entries)?;
        Ok(())
    })
}

/// (ms, % at or below) on log-spaced steps 4 % apart: a few hundred points
/// at most, whatever the number of requests.
fn cdf_points(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for step in h.iter_log(1, 1.04) {
        let q = step.quantile_iterated_to();
        if q <= 0.0 {
            continue;
        }
        let x = step.value_iterated_to().max(1) as f64 / 1_000.0;
        if points.last().is_some_and(|p| p.1 >= q * 100.0) {
            continue;
        }
        points.push((x, q * 100.0));
    }
    let max_ms = h.max().max(1) as f64 / 1_000.0;
    if points.last().is_none_or(|p| p.1 < 100.0) {
        points.push((max_ms, 100.0));
    }
    // A single distinct value still draws a visible step.
    if points.len() == 1 {
        points.insert(0, (points[0].0, 0.0));
    }
    points
}

/// Failed requests by cause as horizontal bars, one bar per named series
/// in each cause's group; causes with no failure anywhere are left out,
/// the most frequent first.
pub fn errors(title: &str, series: &[(&str, &BTreeMap<String, u64>)]) -> String {
    render(|root| {
        let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
        for (_, causes) in series {
            for (cause, &n) in causes.iter() {
                *totals.entry(cause.as_str()).or_insert(0) += n;
            }
        }
        let mut causes: Vec<(&str, u64)> = totals.into_iter().filter(|(_, n)| *n > 0).collect();
        // Most failures first; names break ties, so the order is stable.
        causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if causes.is_empty() {
            return empty(root, title, "No request failed.");
        }
        let per_group = series.len() + 1;
        let rows = causes.len() * per_group;
        let max = series
            .iter()
            .flat_map(|(_, c)| c.values().copied())
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let longest = causes
            .iter()
            .map(|c| c.0.chars().count())
            .max()
            .unwrap_or(0);
        let label_px = (longest as u32 * 8 + 16).clamp(60, 260);
        let (plot, key) = split(root);
        let mut entries: Vec<(String, Mark)> = Vec::new();
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, (FONT, CAPTION_PX))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(44)
            .y_label_area_size(label_px)
            .build_cartesian_2d(0f64..max * 1.12, 0f64..rows as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_desc("failed requests")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&|v| format::count(v.round().max(0.0) as u64))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        // Row 0 is at the bottom; the first cause goes at the top.
        let row_top = |cause: usize, design: usize| (rows - cause * per_group - design) as f64;
        for (index, (name, by_cause)) in series.iter().enumerate() {
            let fill = color(index).filled();
            let bars: Vec<_> = causes
                .iter()
                .enumerate()
                .map(|(c, (cause, _))| {
                    let n = by_cause.get(*cause).copied().unwrap_or(0) as f64;
                    let top = row_top(c, index) - 0.1;
                    Rectangle::new([(0.0, top), (n, top - 0.8)], fill)
                })
                .collect();
            chart.draw_series(bars)?;
            entries.push((name.to_string(), Mark::Box(fill)));
        }
        for (c, (cause, _)) in causes.iter().enumerate() {
            let middle = row_top(c, 0) - (per_group - 1) as f64 / 2.0;
            let at = chart.backend_coord(&(0.0, middle));
            root.draw(&Text::new(
                cause.to_string(),
                (at.0 - 8, at.1),
                label_font().pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        legend(&key, &entries)?;
        Ok(())
    })
}

/// Availability (a fraction) per design per scenario as grouped bars with
/// 95 % interval whiskers. `values[s][m]` is model `m` under scenario `s`.
/// The axis is zoomed to the data (bars near 100 % would otherwise hide
/// their whiskers) and says so; whiskers are clipped to 0–100 %, and an
/// interval that is not known (one run) draws no whisker.
pub fn comparison_bars(
    title: &str,
    scenarios: &[&str],
    models: &[&str],
    values: &[Vec<Estimate>],
) -> String {
    render(|root| {
        let finite: Vec<f64> = values
            .iter()
            .flatten()
            .flat_map(|e| [e.mean, e.ci95.0])
            .filter(|v| v.is_finite())
            .map(|v| (v * 100.0).clamp(0.0, 100.0))
            .collect();
        if finite.is_empty() || scenarios.is_empty() || models.is_empty() {
            return empty(root, title, "No availability to compare.");
        }
        let low = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let span = (100.0 - low).max(0.01);
        let floor = (low - span * 0.3).max(0.0);
        let decimals = decimals_for(100.0 - floor);
        let per_group = models.len() + 1;
        let columns = scenarios.len() * per_group;
        let (plot, key) = split(root);
        let mut entries: Vec<(String, Mark)> = Vec::new();
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, (FONT, CAPTION_PX))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..columns as f64 - 1.0, floor..100.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(if floor > 0.0 {
                "requests succeeded (%, axis zoomed)"
            } else {
                "requests succeeded (%)"
            })
            .label_style(label_font())
            .axis_desc_style(label_font())
            .y_label_formatter(&|v| format!("{v:.decimals$}"))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let left = |s: usize, m: usize| (s * per_group + m) as f64 + 0.1;
        for (m, model) in models.iter().enumerate() {
            let fill = color(m).filled();
            let bars: Vec<_> = (0..scenarios.len())
                .filter_map(|s| values.get(s)?.get(m))
                .enumerate()
                .filter(|(_, e)| e.mean.is_finite())
                .map(|(s, e)| {
                    let top = (e.mean * 100.0).clamp(floor, 100.0);
                    Rectangle::new([(left(s, m), floor), (left(s, m) + 0.8, top)], fill)
                })
                .collect();
            chart.draw_series(bars)?;
            entries.push((model.to_string(), Mark::Box(fill)));
            let whisker = BLACK.stroke_width(2);
            for (s, e) in (0..scenarios.len()).filter_map(|s| Some((s, values.get(s)?.get(m)?))) {
                let (lo, hi) = e.ci95;
                if !(lo.is_finite() && hi.is_finite()) {
                    continue;
                }
                let (lo, hi) = (
                    (lo * 100.0).clamp(floor, 100.0),
                    (hi * 100.0).clamp(floor, 100.0),
                );
                let x = left(s, m) + 0.4;
                chart.draw_series([
                    PathElement::new(vec![(x, lo), (x, hi)], whisker),
                    PathElement::new(vec![(x - 0.15, lo), (x + 0.15, lo)], whisker),
                    PathElement::new(vec![(x - 0.15, hi), (x + 0.15, hi)], whisker),
                ])?;
            }
        }
        for (s, scenario) in scenarios.iter().enumerate() {
            let middle = (s * per_group) as f64 + (per_group - 1) as f64 / 2.0;
            let at = chart.backend_coord(&(middle, floor));
            root.draw(&Text::new(
                scenario.to_string(),
                (at.0, at.1 + 8),
                label_font().pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        legend(&key, &entries)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline() -> Timeline {
        let mut t = Timeline::new();
        for s in (0..7_200).step_by(7) {
            let failed = u64::from((1_800..3_600).contains(&s));
            t.add(s, 10, failed);
        }
        t.cover(7_200);
        t
    }

    fn histogram(values: &[u64]) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, 86_400_000_000, 3).unwrap();
        for &v in values {
            h.record(v).unwrap();
        }
        h
    }

    fn plotted(svg: &str) -> bool {
        svg.starts_with("<svg") && (svg.contains("<polyline") || svg.contains("<rect"))
    }

    #[test]
    fn charts_draw_their_data() {
        let t = timeline();
        let faults = [
            FaultWindow {
                label: "power".into(),
                start_s: 1_800.0,
                end_s: Some(3_600.0),
            },
            FaultWindow {
                label: "crash".into(),
                start_s: 4_000.0,
                end_s: None,
            },
        ];
        let svg = availability("a", &[("one", &t)], &faults, 7_200.0, Some(0.999));
        assert!(svg.contains("<polyline") && svg.contains("power"), "{svg}");
        assert!(svg.contains("simulated time (min)"));
        let h = histogram(&[900, 1_000, 25_000, 300_000]);
        let svg = latency_cdf("l", &[("one", &h), ("two", &h)]);
        assert!(svg.matches("<polyline").count() >= 2, "{svg}");
        let mut causes = BTreeMap::new();
        causes.insert("timeout".to_string(), 12);
        causes.insert("no_healthy_target".to_string(), 3);
        causes.insert("overload".to_string(), 0);
        let svg = errors("e", &[("one", &causes)]);
        assert!(svg.contains("timeout") && !svg.contains("overload"));
        let e = Estimate {
            mean: 0.9991,
            ci95: (0.9985, 0.9997),
            n: 10,
        };
        let svg = comparison_bars("c", &["az"], &["one", "two"], &[vec![e, e]]);
        assert!(plotted(&svg) && svg.contains("az"));
    }

    #[test]
    fn empty_data_draws_a_message_instead_of_panicking() {
        let t = Timeline::new();
        let svg = availability("a", &[("one", &t)], &[], 0.0, None);
        assert!(plotted(&svg) && svg.contains("nothing to plot"));
        let svg = availability("a", &[], &[], 3_600.0, Some(f64::NAN));
        assert!(plotted(&svg));
        let h = histogram(&[]);
        assert!(latency_cdf("l", &[("one", &h)]).contains("No request succeeded"));
        assert!(latency_cdf("l", &[]).contains("No request succeeded"));
        assert!(errors("e", &[("one", &BTreeMap::new())]).contains("No request failed"));
        // One run: the interval is NaN, the bar is drawn without whiskers.
        let one = Estimate {
            mean: 1.0,
            ci95: (f64::NAN, f64::NAN),
            n: 1,
        };
        assert!(plotted(&comparison_bars("c", &["s"], &["m"], &[vec![one]])));
        let nan = Estimate {
            mean: f64::NAN,
            ci95: (f64::NAN, f64::NAN),
            n: 0,
        };
        assert!(comparison_bars("c", &["s"], &["m"], &[vec![nan]]).contains("No availability"));
        assert!(comparison_bars("c", &[], &[], &[]).contains("No availability"));
        // A single latency value and a single request.
        assert!(plotted(&latency_cdf("l", &[("one", &histogram(&[5]))])));
    }

    #[test]
    fn charts_are_deterministic_and_escape_names() {
        let t = timeline();
        let name = "<script>&\"x\"";
        let one = availability("a", &[(name, &t)], &[], 7_200.0, None);
        let two = availability("a", &[(name, &t)], &[], 7_200.0, None);
        assert_eq!(one, two);
        assert!(!one.contains("<script>"));
        assert!(one.contains("&lt;script&gt;"));
    }

    #[test]
    fn time_axis_unit_follows_the_horizon() {
        assert_eq!(time_unit(7_200.0).1, "min");
        assert_eq!(time_unit(86_400.0).1, "h");
        assert_eq!(time_unit(30.0 * 86_400.0).1, "d");
    }
}
