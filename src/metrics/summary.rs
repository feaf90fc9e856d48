//! The run summary: everything writers may read about a finished run.
//! Writers (JSON, Markdown, terminal) are pure functions of this struct.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub firedrill_version: String,
    pub model: String,
    pub scenario: String,
    pub seed: u64,
    /// How the run was simulated: `request` or `fluid`.
    pub fidelity: &'static str,
    /// Simulated span, warm-up included.
    pub horizon_s: f64,
    pub requests: RequestCounts,
    pub availability: AvailabilitySummary,
    pub data_loss: DataLossSummary,
    /// `None` when no request succeeded.
    pub latency_ms: Option<LatencySummary>,
    /// Final outcome of each failed request, by cause; every cause is listed
    /// but the admission-control ones, which appear once they happen
    /// (`ErrorCause::listed`).
    pub errors_by_cause: BTreeMap<String, u64>,
    /// SLO name (`availability`, `latency_p99`, `writes_lost`) to verdict.
    pub slo: BTreeMap<String, SloVerdict>,
    /// What the design costs per month (the same for every seed).
    pub cost: super::CostSummary,
    /// How the experiment ended: completed, stopped or failed.
    pub experiment: super::ExperimentSummary,
    /// The scenario's wall-clock start and named phases (incident replays);
    /// written to report.json under `timeline` only when present.
    pub timeline: ScenarioTimeline,
    /// Sticky sessions: written to report.json under `sessions` only when
    /// a load balancer of the model is sticky.
    pub sessions: Option<SessionSummary>,
    /// Offered load, attempts and goodput per second and the recovery
    /// verdict: written to report.json under `load` only when the
    /// scenario has a `goodput:` block.
    pub load: Option<super::LoadSummary>,
    /// Attempts per client request at each component: written to
    /// report.json under `amplification` only when the model has per-hop
    /// call policies.
    pub amplification: Option<super::AmplificationSummary>,
    /// Not part of report.json: facts about the simulation itself.
    pub engine: EngineStats,
    /// Not part of report.json: figures for validation against closed forms.
    pub detail: RunDetail,
}

/// What sticky load balancers did to users' sessions after the warm-up
/// (`model/sticky.rs` defines each count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionSummary {
    /// Concurrent users (the workload's `clients`).
    pub users: u64,
    pub started: u64,
    /// Requests routed by the strategy for want of a usable cookie (the
    /// ALB's `NonStickyRequestCount`).
    pub non_sticky_requests: u64,
    /// Requests whose valid cookie named an unhealthy or deregistered
    /// target: the session moved to another.
    pub rerouted: u64,
    /// Sessions that lost their state (`session_state: local`), in total
    /// and by cause.
    pub lost_state: u64,
    pub lost_state_target_failed: u64,
    pub lost_state_cookie_expired: u64,
}

/// Where a run sits on the wall clock, when its scenario says so.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScenarioTimeline {
    pub start: Option<crate::time::Timestamp>,
    pub phases: Vec<PhaseMark>,
}

impl ScenarioTimeline {
    pub fn is_empty(&self) -> bool {
        self.start.is_none() && self.phases.is_empty()
    }
}

/// A named phase: seconds from the start of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseMark {
    pub name: String,
    pub at_s: f64,
    pub at: crate::time::SimDuration,
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
    /// The first scripted action that failed (which fails the experiment).
    pub failed_action: Option<super::FailedAction>,
    /// Latency of successful requests in microseconds (fixed size; studies
    /// merge the runs' histograms for percentiles over every request).
    pub latency_histogram: Option<hdrhistogram::Histogram<u64>>,
    /// Finished requests over time in at most 2,048 buckets (the HTML
    /// report's availability chart); not part of report.json.
    pub timeline: super::timeline::Timeline,
    /// What-if overrides (`firedrill replay --set`) the model ran with.
    pub overrides: Vec<String>,
    /// What admission control did; `None` when no server has it.
    pub admission: Option<AdmissionStats>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Answered by a breaker's `degraded` fallback (`model/breaker.rs`);
    /// `None` for a model without one, whose report keeps its bytes.
    pub degraded: Option<u64>,
    pub in_flight_end: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilitySummary {
    /// succeeded / (succeeded + failed): the client's view after retries
    /// (a degraded answer counts as answered on both sides).
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
    /// When the fault was scheduled to end (whole seconds); `None` for a
    /// fault without a duration (a crash, say). Not part of report.json.
    pub end_s: Option<f64>,
    /// Whether any second after the fault started fell below the SLO.
    pub impact: bool,
    /// Why the action failed (the cloud refused it), if it did.
    pub failed: Option<String>,
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

    /// True when every expectation held: the SLOs passed and the
    /// experiment did not fail (a failed experiment exits 1).
    pub fn expectations_hold(&self) -> bool {
        self.all_slos_pass() && !self.experiment.failed()
    }
}

/// The SLO verdicts of a run's figures (shared by both fidelities).
pub fn slo_verdicts(
    slo_config: &crate::config::SloConfig,
    availability: &AvailabilitySummary,
    latency_ms: Option<&LatencySummary>,
    data_loss: &DataLossSummary,
) -> BTreeMap<String, SloVerdict> {
    let mut slo = BTreeMap::new();
    if let Some(target) = slo_config.availability {
        slo.insert(
            "availability".to_string(),
            SloVerdict {
                target,
                actual: Some(availability.request),
                pass: availability.request >= target,
            },
        );
    }
    if let Some(target) = slo_config.latency_p99 {
        let target_ms = target.as_millis_f64();
        let actual = latency_ms.map(|l| l.p99);
        slo.insert(
            "latency_p99".to_string(),
            SloVerdict {
                target: target_ms,
                actual,
                pass: actual.is_some_and(|a| a <= target_ms),
            },
        );
    }
    if let Some(target) = slo_config.writes_lost {
        slo.insert(
            "writes_lost".to_string(),
            SloVerdict {
                target: target as f64,
                actual: Some(data_loss.writes_lost as f64),
                pass: data_loss.writes_lost <= target,
            },
        );
    }
    slo
}

/// What admission control (`model/admission.rs`) did, summed over the
/// servers that have it, over the whole run (warm-up included). Counts attempts, not final outcomes: a dropped
/// attempt may be retried and succeed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdmissionStats {
    /// Dropped at the head after waiting longer than `queue_timeout`.
    pub dropped_expired: u64,
    /// Dropped at the head because their caller had given up.
    pub dropped_abandoned: u64,
    /// Rejected by a rate limit.
    pub throttled: u64,
    /// Low-priority arrivals shed above `shed_low_priority_above`.
    pub shed_low_priority: u64,
    /// Queued requests evicted by a higher-priority arrival.
    pub evicted: u64,
}

impl AdmissionStats {
    pub fn add(&mut self, other: &AdmissionStats) {
        self.dropped_expired += other.dropped_expired;
        self.dropped_abandoned += other.dropped_abandoned;
        self.throttled += other.throttled;
        self.shed_low_priority += other.shed_low_priority;
        self.evicted += other.evicted;
    }
}
