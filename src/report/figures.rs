//! The charts of a report document, as data: availability over time,
//! latency CDF and errors by cause for one or more designs under one
//! scenario. [`super::charts`] draws them for `report.html`.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use super::document::{Chart, FaultWindow, Figure};
use super::format;
use crate::metrics::{RunSummary, Timeline};

/// What the per-design charts need of one design.
pub struct Design<'a> {
    pub name: &'a str,
    pub timeline: &'a Timeline,
    pub histogram: Option<&'a Histogram<u64>>,
    pub errors: &'a BTreeMap<String, u64>,
}

/// The availability, latency and errors charts of one or more designs
/// under one scenario; `run` supplies the horizon, SLO target and fault
/// windows (scripted faults happen at the same times in every run).
pub fn designs<'a>(designs: &[Design<'a>], run: &RunSummary, context: &str) -> Vec<Figure<'a>> {
    let faults = fault_windows(run);
    let target = run.slo.get("availability").map(|v| v.target);
    let bucket_s = designs.first().map_or(60, |d| d.timeline.bucket_s);
    vec![
        Figure {
            title: format!("Availability over time ({context})"),
            caption: format!(
                "Share of finished requests that succeeded in each {} bucket; shaded bands are \
                 scripted fault windows, the dashed line the availability SLO. Gaps are buckets \
                 in which no request finished (such as the warm-up).",
                bucket(bucket_s)
            ),
            chart: Chart::Availability {
                title: format!("Availability per {} ({context})", bucket(bucket_s)),
                series: designs.iter().map(|d| (d.name, d.timeline)).collect(),
                faults,
                horizon_s: run.horizon_s,
                target,
            },
        },
        Figure {
            title: format!("Latency CDF ({context})"),
            caption: "Share of successful requests at or below each latency (log scale).".into(),
            chart: Chart::LatencyCdf {
                title: format!("Latency of successful requests ({context})"),
                series: designs
                    .iter()
                    .filter_map(|d| Some((d.name, d.histogram?)))
                    .collect(),
            },
        },
        Figure {
            title: format!("Errors by cause ({context})"),
            caption: "Failed requests by the cause of their final failure.".into(),
            chart: Chart::Errors {
                title: format!("Failed requests by cause ({context})"),
                series: designs.iter().map(|d| (d.name, d.errors)).collect(),
            },
        },
    ]
}

/// The run's scripted faults as windows on a time axis.
pub fn fault_windows(run: &RunSummary) -> Vec<FaultWindow> {
    run.availability
        .recoveries
        .iter()
        .map(|r| FaultWindow {
            label: r.fault.clone(),
            start_s: r.start_s,
            end_s: r.end_s,
        })
        .collect()
}

/// A bucket width in words: `1 min`, `8 h 32 min`.
fn bucket(seconds: u64) -> String {
    if seconds < 3_600 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format::duration(seconds as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_widths_read_well() {
        assert_eq!(bucket(60), "1 min");
        assert_eq!(bucket(1_920), "32 min");
        assert_eq!(bucket(30_720), "8 h 32 min");
    }
}
