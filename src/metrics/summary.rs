//! The run summary: everything writers may read about a finished run.
//! Writers (JSON, Markdown, terminal) are pure functions of this struct.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub firedrill_version: String,
    pub model: String,
    pub scenario: String,
    pub seed: u64,
    /// Simulated span, warm-up included.
    pub horizon_s: f64,
    pub requests: RequestCounts,
    pub availability: AvailabilitySummary,
    pub data_loss: DataLossSummary,
    /// `None` when no request succeeded.
    pub latency_ms: Option<LatencySummary>,
    /// Final outcome of each failed request, by cause; every cause is listed.
    pub errors_by_cause: BTreeMap<String, u64>,
    /// SLO name (`availability`, `latency_p99`, `writes_lost`) to verdict.
    pub slo: BTreeMap<String, SloVerdict>,
    /// What the design costs per month (the same for every seed).
    pub cost: super::CostSummary,
    /// Not part of report.json: facts about the simulation itself.
    pub engine: EngineStats,
    /// Not part of report.json: figures for validation against closed forms.
    pub detail: RunDetail,
}

/// Figures that tests check against queueing theory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunDetail {
    /// Exact mean latency of successful requests.
    pub latency_mean_ms: Option<f64>,
    /// Fraction of requests admitted to a tier instance that had to queue.
    pub queue_wait_probability: f64,
    /// Most requests alive at once (memory bound check).
    pub peak_live_requests: u64,
    /// Writes an old primary acknowledged during a split brain and that
    /// were discarded (also counted in `writes_lost`).
    pub writes_conflicting: u64,
    /// Node up-time per kind and per tier (bounded memory, folded on
    /// transitions): availability when no request is simulated.
    pub infrastructure: super::InfraTimeSummary,
    /// What the random failure processes did.
    pub random_failures: super::RandomFailureStats,
    /// The stop condition that ended the scripted faults, if one tripped.
    pub stopped: Option<super::StopRecord>,
    /// Latency of successful requests in microseconds (fixed size; studies
    /// merge the runs' histograms for percentiles over every request).
    pub latency_histogram: Option<hdrhistogram::Histogram<u64>>,
    /// What-if overrides (`firedrill replay --set`) the model ran with.
    pub overrides: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub in_flight_end: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilitySummary {
    /// succeeded / (succeeded + failed): the client's view after retries.
    pub request: f64,
    /// Fraction of whole minutes whose requests met the availability SLO.
    pub time: f64,
    pub longest_outage_s: f64,
    pub recoveries: Vec<Recovery>,
}

/// How service fared after one scripted fault began.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    pub fault: String,
    pub action: String,
    pub start_s: f64,
    /// Whether any second after the fault started fell below the SLO.
    pub impact: bool,
    /// When service was back (and stayed back for a minute); `None` if it
    /// never recovered before the horizon.
    pub recovered_at_s: Option<f64>,
    pub time_to_recover_s: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DataLossSummary {
    pub writes_acknowledged: u64,
    pub writes_lost: u64,
    /// Longest span of acknowledged writes lost in one event, in seconds.
    pub rpo_s: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SloVerdict {
    pub target: f64,
    /// `None` when there was nothing to measure (no successful request).
    pub actual: Option<f64>,
    pub pass: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub events: u64,
    /// Largest number of events pending at once.
    pub peak_pending_events: u64,
}

impl RunSummary {
    /// True when every SLO passed (no SLOs = pass).
    pub fn all_slos_pass(&self) -> bool {
        self.slo.values().all(|v| v.pass)
    }
}
