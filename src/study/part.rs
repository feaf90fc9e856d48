//! Study part files: one shard of a study, written by
//! `firedrill study ... --shard i/n --out part-i.json` and read back by
//! `firedrill merge`.
//!
//! A part holds what the runs of its slice produced (each run's figures,
//! the added latency histogram, errors by cause) and the full text of the
//! model and scenario it ran, so that merge can (1) refuse parts of
//! different inputs and (2) re-simulate run 0 for the single-run sections of
//! the report instead of shipping a full run summary around. Floats are
//! written in shortest round-trip form and read back with serde_json's
//! `float_roundtrip`, so merging reproduces the single-machine study bit for
//! bit; a non-finite float is written as `null` and read back as NaN (the
//! only non-finite figure a run has: availability with no requests).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::StudyPart;
use crate::metrics::recorder::LATENCY_MAX_US;
use crate::metrics::timeline::Timeline;
use crate::metrics::RunFigures;

/// Identifies the format; bump on any incompatible change.
pub const FORMAT: &str = "firedrill-study-part/1";

/// A part file, field by field in file order.
#[derive(Serialize, Deserialize)]
pub struct PartFile {
    pub format: String,
    pub firedrill_version: String,
    pub model_file: String,
    pub model_text: String,
    pub scenario_file: String,
    pub scenario_text: String,
    pub fidelity: String,
    pub base_seed: u64,
    pub runs: u32,
    /// `[i, n]`: this is shard i (1-based) of n.
    pub shard: [u32; 2],
    pub start: u32,
    pub end: u32,
    pub figures: Vec<FigureRow>,
    /// `[value, count]` pairs of the added latency histogram (µs), in
    /// value order.
    pub latency_histogram_us: Option<Vec<[u64; 2]>>,
    pub errors_by_cause: BTreeMap<String, u64>,
    /// The runs' request timelines added together (for the charts).
    pub timeline: TimelineRow,
}

/// [`Timeline`] as written.
#[derive(Serialize, Deserialize)]
pub struct TimelineRow {
    pub bucket_s: u64,
    pub ok: Vec<u64>,
    pub failed: Vec<u64>,
}

/// [`RunFigures`] as written: `None` stands for NaN.
#[derive(Serialize, Deserialize)]
pub struct FigureRow {
    pub succeeded: u64,
    pub finished: u64,
    pub availability_request: Option<f64>,
    pub availability_time: Option<f64>,
    pub longest_outage_s: Option<f64>,
    pub writes_lost: Option<f64>,
    pub rpo_s: Option<f64>,
    pub latency: Option<[f64; 3]>,
    pub slo_pass: BTreeMap<String, bool>,
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

impl From<&RunFigures> for FigureRow {
    fn from(f: &RunFigures) -> Self {
        FigureRow {
            succeeded: f.succeeded,
            finished: f.finished,
            availability_request: finite(f.availability_request),
            availability_time: finite(f.availability_time),
            longest_outage_s: finite(f.longest_outage_s),
            writes_lost: finite(f.writes_lost),
            rpo_s: finite(f.rpo_s),
            latency: f.latency,
            slo_pass: f.slo_pass.clone(),
        }
    }
}

impl From<FigureRow> for RunFigures {
    fn from(r: FigureRow) -> Self {
        let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
        RunFigures {
            succeeded: r.succeeded,
            finished: r.finished,
            availability_request: nan(r.availability_request),
            availability_time: nan(r.availability_time),
            longest_outage_s: nan(r.longest_outage_s),
            writes_lost: nan(r.writes_lost),
            rpo_s: nan(r.rpo_s),
            latency: r.latency,
            slo_pass: r.slo_pass,
        }
    }
}

/// The inputs a part was computed from, carried verbatim.
pub struct Inputs {
    pub model_file: String,
    pub model_text: String,
    pub scenario_file: String,
    pub scenario_text: String,
    pub fidelity: String,
}

/// The part file of `part` (shard `index` of `count`, 1-based).
pub fn to_file(part: &StudyPart, inputs: Inputs, shard: [u32; 2]) -> PartFile {
    PartFile {
        format: FORMAT.into(),
        firedrill_version: env!("CARGO_PKG_VERSION").into(),
        model_file: inputs.model_file,
        model_text: inputs.model_text,
        scenario_file: inputs.scenario_file,
        scenario_text: inputs.scenario_text,
        fidelity: inputs.fidelity,
        base_seed: part.base_seed,
        runs: part.runs,
        shard,
        start: part.start,
        end: part.end,
        figures: part.figures.iter().map(FigureRow::from).collect(),
        latency_histogram_us: part.histogram.as_ref().map(|h| {
            h.iter_recorded()
                .map(|v| [v.value_iterated_to(), v.count_at_value()])
                .collect()
        }),
        errors_by_cause: part.errors_by_cause.clone(),
        timeline: TimelineRow {
            bucket_s: part.timeline.bucket_s,
            ok: part.timeline.ok.clone(),
            failed: part.timeline.failed.clone(),
        },
    }
}

/// The part back from its file; `first` is left empty (merge re-simulates
/// run 0). Errors describe what is wrong with the file.
pub fn from_file(file: PartFile) -> Result<(StudyPart, Inputs), String> {
    if file.format != FORMAT {
        return Err(format!(
            "not a study part of this format: expected `{FORMAT}`, found `{}`",
            file.format
        ));
    }
    if file.end < file.start || (file.end - file.start) as usize != file.figures.len() {
        return Err(format!(
            "runs {}..{} do not match its {} figure rows",
            file.start,
            file.end,
            file.figures.len()
        ));
    }
    let histogram = match file.latency_histogram_us {
        None => None,
        Some(pairs) => {
            let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, LATENCY_MAX_US, 3)
                .map_err(|e| format!("histogram: {e}"))?;
            for [value, count] in pairs {
                h.record_n(value, count)
                    .map_err(|_| format!("latency {value} µs is outside the histogram's range"))?;
            }
            Some(h)
        }
    };
    if file.timeline.ok.len() != file.timeline.failed.len() {
        return Err("the timeline's `ok` and `failed` differ in length".into());
    }
    let part = StudyPart {
        timeline: Timeline {
            bucket_s: file.timeline.bucket_s,
            ok: file.timeline.ok,
            failed: file.timeline.failed,
        },
        base_seed: file.base_seed,
        runs: file.runs,
        start: file.start,
        end: file.end,
        first: None,
        figures: file.figures.into_iter().map(RunFigures::from).collect(),
        histogram,
        errors_by_cause: file.errors_by_cause,
    };
    let inputs = Inputs {
        model_file: file.model_file,
        model_text: file.model_text,
        scenario_file: file.scenario_file,
        scenario_text: file.scenario_text,
        fidelity: file.fidelity,
    };
    Ok((part, inputs))
}
