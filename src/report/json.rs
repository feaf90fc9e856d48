//! `report.json`: the canonical, machine-readable result of one run.
//!
//! The bytes are a pure function of the [`RunSummary`]: the same run gives
//! the same file on any machine. To get there:
//!
//! * keys come out in a fixed order, because the document is built from
//!   structs whose fields serde writes in declaration order, and the two
//!   maps (`errors_by_cause`, `slo`) are `BTreeMap`s, sorted by name;
//! * every float is rounded to [`FLOAT_DECIMALS`] decimals before it is
//!   printed, so last-bit noise never shows up in a diff, and a value that
//!   is not finite becomes `null` (JSON has no NaN);
//! * wall-clock values and engine statistics are left out: they differ
//!   between two runs of the same seed.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::time::format_absolute;

use crate::metrics::{
    Comparison, ControlDelta, CostSummary, Estimate, Recovery, RunSummary, StudySummary,
};

/// Decimals kept on every float in `report.json`. Six keeps microseconds of
/// time and 99.9999 % style availabilities exact, and nothing finer.
pub const FLOAT_DECIMALS: i32 = 6;

/// The top-level keys of `report.json`, in the order they are written.
/// Tools that read the report may rely on this list; a test holds the
/// writer to it.
pub const TOP_LEVEL_KEYS: [&str; 14] = [
    "firedrill_version",
    "model",
    "scenario",
    "seed",
    "fidelity",
    "horizon_s",
    "requests",
    "availability",
    "data_loss",
    "latency_ms",
    "errors_by_cause",
    "slo",
    "cost",
    "experiment",
];

/// Keys written after [`TOP_LEVEL_KEYS`] only when the run has them, in
/// this order: `sessions` (a model with a sticky load balancer),
/// `amplification` (a model with per-hop call policies), `load` (a
/// scenario with a `goodput:` block) and `timeline` (the scenario's
/// wall-clock start and phases).
pub const OPTIONAL_KEYS: [&str; 4] = ["sessions", "amplification", "load", "timeline"];

/// The keys of `amplification`, in order.
pub const AMPLIFICATION_KEYS: [&str; 4] = ["requests", "components", "bucket_s", "buckets"];

/// The keys of `load`, in order.
pub const LOAD_KEYS: [&str; 14] = [
    "baseline_s",
    "threshold",
    "hold_s",
    "trigger_start_s",
    "trigger_end_s",
    "baseline_goodput_per_s",
    "recovered",
    "recovered_at_s",
    "recovered_after_s",
    "final_goodput_fraction",
    "offered",
    "attempts",
    "amplification",
    "series",
];

/// The keys of `sessions`, in order.
pub const SESSION_KEYS: [&str; 7] = [
    "users",
    "started",
    "non_sticky_requests",
    "rerouted",
    "lost_state",
    "lost_state_target_failed",
    "lost_state_cookie_expired",
];

/// Renders `report.json`: pretty-printed, with a trailing newline.
pub fn render(summary: &RunSummary) -> String {
    let document = Document::from(summary);
    // Serialising plain structs, strings, integers and maps cannot fail.
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|error| unreachable!("report.json serialisation failed: {error}"));
    text.push('\n');
    text
}

/// Rounds `value` to [`FLOAT_DECIMALS`] decimals; `None` if not finite.
pub fn round_float(value: f64) -> Option<f64> {
    if !value.is_finite() {
        return None;
    }
    let scale = 10f64.powi(FLOAT_DECIMALS);
    let rounded = (value * scale).round() / scale;
    // Values too large to scale (|x| > ~1e302) stay as they are.
    if !rounded.is_finite() {
        return Some(value);
    }
    // `-0.0` would print as `-0.0`: a tiny negative rounding to zero is zero.
    Some(if rounded == 0.0 { 0.0 } else { rounded })
}

/// A float as it appears in the report: rounded, or `null`.
#[derive(Clone, Copy, Debug)]
struct Fixed(f64);

impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match round_float(self.0) {
            Some(value) => serializer.serialize_f64(value),
            None => serializer.serialize_none(),
        }
    }
}

// The structs below mirror the file, field by field, in file order.

#[derive(Serialize)]
struct Document<'a> {
    firedrill_version: &'a str,
    model: &'a str,
    scenario: &'a str,
    seed: u64,
    fidelity: &'a str,
    horizon_s: Fixed,
    requests: Requests,
    availability: Availability<'a>,
    data_loss: DataLoss,
    latency_ms: Latency,
    errors_by_cause: &'a BTreeMap<String, u64>,
    slo: BTreeMap<&'a str, Slo>,
    cost: Cost<'a>,
    experiment: Experiment<'a>,
    /// `firedrill replay --set` overrides; absent (not empty) otherwise, so
    /// [`TOP_LEVEL_KEYS`] stays the list of every other run.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    overrides: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions: Option<Sessions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amplification: Option<Amplification<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load: Option<LoadDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<TimelineDoc<'a>>,
}

/// Offered load, attempts and goodput ([`LOAD_KEYS`]): the watch's
/// settings, the trigger (`null` without scripted faults), the verdict
/// (`recovered` is `null` without a trigger), totals, and the series in
/// counts per bucket of `bucket_s` seconds.
#[derive(Serialize)]
struct LoadDoc {
    baseline_s: Fixed,
    threshold: Fixed,
    hold_s: Fixed,
    trigger_start_s: Option<u64>,
    trigger_end_s: Option<u64>,
    baseline_goodput_per_s: Option<Fixed>,
    recovered: Option<bool>,
    recovered_at_s: Option<Fixed>,
    recovered_after_s: Option<Fixed>,
    final_goodput_fraction: Option<Fixed>,
    offered: u64,
    attempts: u64,
    amplification: Option<Fixed>,
    series: LoadSeriesDoc,
}

#[derive(Serialize)]
struct LoadSeriesDoc {
    bucket_s: u64,
    offered: Vec<u64>,
    attempts: Vec<u64>,
    goodput: Vec<u64>,
}

impl From<&crate::metrics::LoadSummary> for LoadDoc {
    fn from(l: &crate::metrics::LoadSummary) -> Self {
        use crate::metrics::RecoveryVerdict;
        let [offered, attempts, _] = l.series.totals();
        let verdict = l.verdict();
        let column = |i: usize| l.series.buckets.iter().map(|b| b[i]).collect();
        LoadDoc {
            baseline_s: Fixed(l.baseline_s),
            threshold: Fixed(l.threshold),
            hold_s: Fixed(l.hold_s),
            trigger_start_s: l.trigger.map(|t| t.start_s),
            trigger_end_s: l.trigger.map(|t| t.end_s),
            baseline_goodput_per_s: l.baseline_goodput_per_s.map(Fixed),
            recovered: match verdict {
                RecoveryVerdict::NoTrigger => None,
                RecoveryVerdict::Recovered { .. } => Some(true),
                RecoveryVerdict::NotRecovered => Some(false),
            },
            recovered_at_s: l.recovered_at_s.map(Fixed),
            recovered_after_s: match verdict {
                RecoveryVerdict::Recovered { after_s } => Some(Fixed(after_s)),
                _ => None,
            },
            final_goodput_fraction: l.final_fraction().map(Fixed),
            offered,
            attempts,
            amplification: l.amplification().map(Fixed),
            series: LoadSeriesDoc {
                bucket_s: l.series.bucket_s,
                offered: column(0),
                attempts: column(1),
                goodput: column(2),
            },
        }
    }
}

/// Sticky sessions ([`SESSION_KEYS`]).
#[derive(Serialize)]
struct Sessions {
    users: u64,
    started: u64,
    non_sticky_requests: u64,
    rerouted: u64,
    lost_state: u64,
    lost_state_target_failed: u64,
    lost_state_cookie_expired: u64,
}

/// Attempts per client request ([`AMPLIFICATION_KEYS`]): each component in
/// path order, then per bucket (`bucket_s` wide, one minute unless the
/// horizon is long) with traffic.
#[derive(Serialize)]
struct Amplification<'a> {
    requests: u64,
    components: Vec<AmplifiedComponent<'a>>,
    bucket_s: u64,
    buckets: Vec<AmplifiedBucket>,
}

#[derive(Serialize)]
struct AmplifiedComponent<'a> {
    component: &'a str,
    attempts: u64,
    per_request: Fixed,
}

#[derive(Serialize)]
struct AmplifiedBucket {
    start_s: u64,
    requests: u64,
    /// Attempts per component, in `components` order.
    attempts: Vec<u64>,
    per_request: Vec<Fixed>,
}

impl<'a> From<&'a crate::metrics::AmplificationSummary> for Amplification<'a> {
    fn from(a: &'a crate::metrics::AmplificationSummary) -> Self {
        use crate::metrics::amplification::per_request;
        Amplification {
            requests: a.requests,
            components: a
                .components
                .iter()
                .map(|c| AmplifiedComponent {
                    component: &c.name,
                    attempts: c.attempts,
                    per_request: Fixed(per_request(c.attempts, a.requests)),
                })
                .collect(),
            bucket_s: a.bucket_s,
            buckets: a
                .buckets
                .iter()
                .map(|b| AmplifiedBucket {
                    start_s: b.start_s,
                    requests: b.requests,
                    attempts: b.attempts.clone(),
                    per_request: b
                        .attempts
                        .iter()
                        .map(|&x| Fixed(per_request(x, b.requests)))
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<&crate::metrics::SessionSummary> for Sessions {
    fn from(s: &crate::metrics::SessionSummary) -> Self {
        Sessions {
            users: s.users,
            started: s.started,
            non_sticky_requests: s.non_sticky_requests,
            rerouted: s.rerouted,
            lost_state: s.lost_state,
            lost_state_target_failed: s.lost_state_target_failed,
            lost_state_cookie_expired: s.lost_state_cookie_expired,
        }
    }
}

/// The scenario's wall-clock start and its phases, each as an offset and
/// as an absolute time in the scenario's UTC offset.
#[derive(Serialize)]
struct TimelineDoc<'a> {
    start: Option<String>,
    end: Option<String>,
    phases: Vec<PhaseDoc<'a>>,
}

#[derive(Serialize)]
struct PhaseDoc<'a> {
    name: &'a str,
    at_s: Fixed,
    time: Option<String>,
}

fn timeline(summary: &RunSummary) -> Option<TimelineDoc<'_>> {
    let t = &summary.timeline;
    if t.is_empty() {
        return None;
    }
    let horizon = crate::time::SimDuration::from_secs_f64(summary.horizon_s);
    Some(TimelineDoc {
        start: t.start.map(|s| s.to_string()),
        end: t.start.map(|s| format_absolute(s, horizon)),
        phases: t
            .phases
            .iter()
            .map(|p| PhaseDoc {
                name: &p.name,
                at_s: Fixed(p.at_s),
                time: t.start.map(|s| format_absolute(s, p.at)),
            })
            .collect(),
    })
}

/// How the experiment ended (AWS FIS experiment states): `completed`,
/// `stopped` (a stop condition tripped) or `failed` (a target resolved to
/// no node under `empty_target_resolution_mode: fail`); `reason` and `at_s`
/// are `null` when it completed. `skipped` lists the actions and random
/// processes skipped under `skip`.
#[derive(Serialize)]
struct Experiment<'a> {
    state: &'static str,
    reason: Option<&'a str>,
    at_s: Option<Fixed>,
    skipped: Vec<SkippedDoc<'a>>,
}

#[derive(Serialize)]
struct SkippedDoc<'a> {
    fault: &'a str,
    target: &'a str,
    at_s: Fixed,
}

impl<'a> From<&'a crate::metrics::ExperimentSummary> for Experiment<'a> {
    fn from(e: &'a crate::metrics::ExperimentSummary) -> Self {
        Experiment {
            state: e.state.name(),
            reason: e.reason.as_deref(),
            at_s: e.at_s.map(Fixed),
            skipped: e
                .skipped
                .iter()
                .map(|s| SkippedDoc {
                    fault: &s.fault,
                    target: &s.target,
                    at_s: Fixed(s.at_s),
                })
                .collect(),
        }
    }
}

/// The design's monthly cost (the same for every seed): total, the priced
/// lines in model order, the parts nothing priced, and the date of the
/// newest list price used.
#[derive(Serialize)]
struct Cost<'a> {
    usd_per_month: Fixed,
    items: Vec<CostLine<'a>>,
    unpriced: &'a [String],
    prices_as_of: Option<&'a str>,
}

#[derive(Serialize)]
struct CostLine<'a> {
    component: &'a str,
    item: &'a str,
    quantity: Fixed,
    unit: &'a str,
    unit_price_usd: Fixed,
    usd_per_month: Fixed,
    /// `null` for a `cost_per_month` set in the model file.
    source: Option<Source<'a>>,
}

#[derive(Serialize)]
struct Source<'a> {
    url: &'a str,
    as_of: &'a str,
}

impl<'a> From<&'a CostSummary> for Cost<'a> {
    fn from(cost: &'a CostSummary) -> Self {
        Cost {
            usd_per_month: Fixed(cost.total_usd_per_month),
            items: cost
                .items
                .iter()
                .map(|i| CostLine {
                    component: &i.component,
                    item: &i.item,
                    quantity: Fixed(i.quantity),
                    unit: &i.unit,
                    unit_price_usd: Fixed(i.unit_price_usd),
                    usd_per_month: Fixed(i.usd_per_month),
                    source: i.source.map(|s| Source {
                        url: s.url,
                        as_of: s.as_of,
                    }),
                })
                .collect(),
            unpriced: &cost.unpriced,
            prices_as_of: cost.prices_as_of,
        }
    }
}

#[derive(Serialize)]
struct Requests {
    total: u64,
    succeeded: u64,
    failed: u64,
    /// Only for a model with a breaker's `degraded` fallback.
    #[serde(skip_serializing_if = "Option::is_none")]
    degraded: Option<u64>,
    in_flight_end: u64,
}

#[derive(Serialize)]
struct Availability<'a> {
    request: Fixed,
    time: Fixed,
    longest_outage_s: Fixed,
    recoveries: Vec<RecoveryEntry<'a>>,
}

#[derive(Serialize)]
struct RecoveryEntry<'a> {
    fault: &'a str,
    action: &'a str,
    start_s: Fixed,
    impact: bool,
    /// Why the action failed (the cloud refused it); absent when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<&'a str>,
    recovered_at_s: Option<Fixed>,
    time_to_recover_s: Option<Fixed>,
}

#[derive(Serialize)]
struct DataLoss {
    writes_acknowledged: u64,
    writes_lost: u64,
    rpo_s: Fixed,
}

/// Every percentile is `null` when no request succeeded, so the keys are
/// always present and readers need no special case.
#[derive(Serialize)]
struct Latency {
    p50: Option<Fixed>,
    p90: Option<Fixed>,
    p99: Option<Fixed>,
    p999: Option<Fixed>,
    max: Option<Fixed>,
}

#[derive(Serialize)]
struct Slo {
    target: Fixed,
    actual: Option<Fixed>,
    pass: bool,
}

impl<'a> From<&'a RunSummary> for Document<'a> {
    fn from(summary: &'a RunSummary) -> Self {
        let latency = summary.latency_ms;
        let pick =
            |f: fn(&crate::metrics::LatencySummary) -> f64| latency.as_ref().map(|l| Fixed(f(l)));
        Document {
            firedrill_version: &summary.firedrill_version,
            model: &summary.model,
            scenario: &summary.scenario,
            seed: summary.seed,
            fidelity: summary.fidelity,
            overrides: &summary.detail.overrides,
            horizon_s: Fixed(summary.horizon_s),
            requests: Requests {
                total: summary.requests.total,
                succeeded: summary.requests.succeeded,
                failed: summary.requests.failed,
                degraded: summary.requests.degraded,
                in_flight_end: summary.requests.in_flight_end,
            },
            availability: Availability {
                request: Fixed(summary.availability.request),
                time: Fixed(summary.availability.time),
                longest_outage_s: Fixed(summary.availability.longest_outage_s),
                recoveries: summary
                    .availability
                    .recoveries
                    .iter()
                    .map(RecoveryEntry::from)
                    .collect(),
            },
            data_loss: DataLoss {
                writes_acknowledged: summary.data_loss.writes_acknowledged,
                writes_lost: summary.data_loss.writes_lost,
                rpo_s: Fixed(summary.data_loss.rpo_s),
            },
            latency_ms: Latency {
                p50: pick(|l| l.p50),
                p90: pick(|l| l.p90),
                p99: pick(|l| l.p99),
                p999: pick(|l| l.p999),
                max: pick(|l| l.max),
            },
            errors_by_cause: &summary.errors_by_cause,
            slo: summary
                .slo
                .iter()
                .map(|(name, verdict)| {
                    let slo = Slo {
                        target: Fixed(verdict.target),
                        actual: verdict.actual.map(Fixed),
                        pass: verdict.pass,
                    };
                    (name.as_str(), slo)
                })
                .collect(),
            cost: Cost::from(&summary.cost),
            sessions: summary.sessions.as_ref().map(Sessions::from),
            amplification: summary.amplification.as_ref().map(Amplification::from),
            load: summary.load.as_ref().map(LoadDoc::from),
            experiment: Experiment::from(&summary.experiment),
            timeline: timeline(summary),
        }
    }
}

impl<'a> From<&'a Recovery> for RecoveryEntry<'a> {
    fn from(recovery: &'a Recovery) -> Self {
        RecoveryEntry {
            fault: &recovery.fault,
            action: &recovery.action,
            start_s: Fixed(recovery.start_s),
            impact: recovery.impact,
            failed: recovery.failed.as_deref(),
            recovered_at_s: recovery.recovered_at_s.map(Fixed),
            time_to_recover_s: recovery.time_to_recover_s.map(Fixed),
        }
    }
}

/// The keys a study adds after the single-run keys, in order.
pub const STUDY_KEYS: [&str; 2] = ["runs", "study"];

/// Renders `report.json` for a study: every single-run key with run 0's
/// values (so readers of one run keep working), then `runs` and `study`.
pub fn render_study(study: &StudySummary) -> String {
    let mut run = Document::from(&study.first);
    // The timeline, when there is one, goes last: after the study's keys.
    let timeline = run.timeline.take();
    let document = StudyDocument {
        run,
        runs: study.runs,
        study: StudyBody::from(study),
        timeline,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|error| unreachable!("report.json serialisation failed: {error}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct StudyDocument<'a> {
    #[serde(flatten)]
    run: Document<'a>,
    runs: u32,
    study: StudyBody<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<TimelineDoc<'a>>,
}

#[derive(Serialize)]
struct StudyBody<'a> {
    seeds: Seeds,
    availability: StudyAvailability,
    longest_outage_s: Interval,
    writes_lost: Interval,
    rpo_s: Interval,
    latency_ms: StudyLatency,
    slo: BTreeMap<&'a str, StudySloEntry>,
    /// Only with `--control`.
    #[serde(skip_serializing_if = "Option::is_none")]
    control: Option<Control>,
}

/// Faulted minus control, run by run (`--control`).
#[derive(Serialize)]
struct Control {
    control_availability_request: Interval,
    availability_request: Interval,
    failed_requests: Interval,
    writes_lost: Interval,
    rpo_s: Interval,
    latency_p99_ms: Option<Interval>,
}

impl From<&ControlDelta> for Control {
    fn from(c: &ControlDelta) -> Self {
        Control {
            control_availability_request: Interval::from(&c.control_availability_request),
            availability_request: Interval::from(&c.availability_request),
            failed_requests: Interval::from(&c.failed_requests),
            writes_lost: Interval::from(&c.writes_lost),
            rpo_s: Interval::from(&c.rpo_s),
            latency_p99_ms: c.latency_p99_ms.as_ref().map(Interval::from),
        }
    }
}

#[derive(Serialize)]
struct Seeds {
    first: u64,
    last: u64,
}

/// A mean over runs and its 95 % interval (`null` ends with one run).
#[derive(Serialize)]
struct Interval {
    mean: Fixed,
    ci95: [Fixed; 2],
}

impl From<&Estimate> for Interval {
    fn from(e: &Estimate) -> Self {
        Interval {
            mean: Fixed(e.mean),
            ci95: [Fixed(e.ci95.0), Fixed(e.ci95.1)],
        }
    }
}

#[derive(Serialize)]
struct StudyAvailability {
    request: Interval,
    /// All requests of all runs pooled, Wilson interval.
    request_pooled: Interval,
    time: Interval,
    request_min: Fixed,
    request_max: Fixed,
    time_min: Fixed,
    time_max: Fixed,
}

/// Means over the runs that had a successful request; `null` if none did.
#[derive(Serialize)]
struct StudyLatency {
    p50: Option<Interval>,
    p99: Option<Interval>,
    p999: Option<Interval>,
    /// Percentiles over every request of every run (merged histograms).
    pooled: Option<Pooled>,
}

#[derive(Serialize)]
struct Pooled {
    p50: Fixed,
    p90: Fixed,
    p99: Fixed,
    p999: Fixed,
    max: Fixed,
}

#[derive(Serialize)]
struct StudySloEntry {
    target: Fixed,
    mean: Option<Fixed>,
    pass: bool,
    runs_passed: u32,
    pass_fraction: Fixed,
}

impl<'a> From<&'a StudySummary> for StudyBody<'a> {
    fn from(s: &'a StudySummary) -> Self {
        StudyBody {
            seeds: Seeds {
                first: s.first_seed,
                last: s.last_seed,
            },
            availability: StudyAvailability {
                request: Interval::from(&s.availability_request),
                request_pooled: Interval::from(&s.availability_request_pooled),
                time: Interval::from(&s.availability_time),
                request_min: Fixed(s.availability_request_min),
                request_max: Fixed(s.availability_request_max),
                time_min: Fixed(s.availability_time_min),
                time_max: Fixed(s.availability_time_max),
            },
            longest_outage_s: Interval::from(&s.longest_outage_s),
            writes_lost: Interval::from(&s.writes_lost),
            rpo_s: Interval::from(&s.rpo_s),
            latency_ms: StudyLatency {
                p50: s.latency_p50_ms.as_ref().map(Interval::from),
                p99: s.latency_p99_ms.as_ref().map(Interval::from),
                p999: s.latency_p999_ms.as_ref().map(Interval::from),
                pooled: s.latency_pooled_ms.map(|l| Pooled {
                    p50: Fixed(l.p50),
                    p90: Fixed(l.p90),
                    p99: Fixed(l.p99),
                    p999: Fixed(l.p999),
                    max: Fixed(l.max),
                }),
            },
            slo: s
                .slo
                .iter()
                .map(|(name, v)| {
                    let entry = StudySloEntry {
                        target: Fixed(v.target),
                        mean: v.mean.map(Fixed),
                        pass: v.pass,
                        runs_passed: v.runs_passed,
                        pass_fraction: Fixed(v.pass_fraction),
                    };
                    (name.as_str(), entry)
                })
                .collect(),
            control: s.control.as_ref().map(Control::from),
        }
    }
}

/// The top-level keys of a comparison's `report.json`, in order.
pub const COMPARISON_KEYS: [&str; 9] = [
    "firedrill_version",
    "runs",
    "base_seed",
    "models",
    "scenarios",
    "results",
    "differences",
    "rankings",
    "cost_of_nines",
];

/// Renders a comparison's `report.json`: one `results` entry per model ×
/// scenario (scenario-major, in command-line order) with the same study
/// keys as a study's report, then the paired differences and rankings.
pub fn render_comparison(c: &Comparison) -> String {
    let document = ComparisonDocument {
        firedrill_version: c.cells.first().map_or(env!("CARGO_PKG_VERSION"), |cell| {
            cell.study.first.firedrill_version.as_str()
        }),
        runs: c.runs,
        base_seed: c.base_seed,
        models: &c.models,
        scenarios: &c.scenarios,
        results: c
            .cells
            .iter()
            .map(|cell| ComparisonResult {
                model: &cell.model,
                scenario: &cell.scenario,
                model_file: &cell.model_path,
                scenario_file: &cell.scenario_path,
                fidelity: cell.study.first.fidelity,
                horizon_s: Fixed(cell.study.first.horizon_s),
                errors_by_cause: &cell.study.errors_by_cause,
                cost: Cost::from(&cell.study.first.cost),
                study: StudyBody::from(&cell.study),
            })
            .collect(),
        differences: c
            .differences
            .iter()
            .map(|d| DifferenceEntry {
                scenario: &d.scenario,
                model: &d.model,
                baseline: &d.baseline,
                metric: d.metric,
                mean: Fixed(d.estimate.mean),
                ci95: [Fixed(d.estimate.ci95.0), Fixed(d.estimate.ci95.1)],
                runs: d.estimate.n,
                significant: d.significant,
            })
            .collect(),
        rankings: c
            .rankings
            .iter()
            .map(|r| RankingEntry {
                scenario: &r.scenario,
                order: r
                    .entries
                    .iter()
                    .map(|e| RankRow {
                        rank: e.rank,
                        model: &e.model,
                        availability_request: Fixed(e.availability_request),
                        meets_slos: e.meets_slos,
                    })
                    .collect(),
            })
            .collect(),
        cost_of_nines: c
            .cost_of_nines
            .iter()
            .map(|k| CostOfNinesEntry {
                scenario: &k.scenario,
                model: &k.model,
                baseline: &k.baseline,
                usd_per_month: Fixed(k.usd_per_month),
                baseline_usd_per_month: Fixed(k.baseline_usd_per_month),
                nines: Fixed(k.nines),
                baseline_nines: Fixed(k.baseline_nines),
                usd_per_extra_nine: k.usd_per_extra_nine.map(Fixed),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|error| unreachable!("report.json serialisation failed: {error}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct ComparisonDocument<'a> {
    firedrill_version: &'a str,
    runs: u32,
    base_seed: u64,
    models: &'a [String],
    scenarios: &'a [String],
    results: Vec<ComparisonResult<'a>>,
    differences: Vec<DifferenceEntry<'a>>,
    rankings: Vec<RankingEntry<'a>>,
    cost_of_nines: Vec<CostOfNinesEntry<'a>>,
}

#[derive(Serialize)]
struct CostOfNinesEntry<'a> {
    scenario: &'a str,
    model: &'a str,
    baseline: &'a str,
    usd_per_month: Fixed,
    baseline_usd_per_month: Fixed,
    nines: Fixed,
    baseline_nines: Fixed,
    /// `null` when the model adds no nine.
    usd_per_extra_nine: Option<Fixed>,
}

#[derive(Serialize)]
struct ComparisonResult<'a> {
    model: &'a str,
    scenario: &'a str,
    model_file: &'a str,
    scenario_file: &'a str,
    /// How the cell was simulated (`request` or `fluid`).
    fidelity: &'a str,
    horizon_s: Fixed,
    /// Summed over every run.
    errors_by_cause: &'a BTreeMap<String, u64>,
    /// The design's monthly cost (the same in every scenario).
    cost: Cost<'a>,
    #[serde(flatten)]
    study: StudyBody<'a>,
}

#[derive(Serialize)]
struct DifferenceEntry<'a> {
    scenario: &'a str,
    model: &'a str,
    baseline: &'a str,
    metric: &'a str,
    mean: Fixed,
    ci95: [Fixed; 2],
    runs: u32,
    significant: bool,
}

#[derive(Serialize)]
struct RankingEntry<'a> {
    scenario: &'a str,
    order: Vec<RankRow<'a>>,
}

#[derive(Serialize)]
struct RankRow<'a> {
    rank: u32,
    model: &'a str,
    availability_request: Fixed,
    meets_slos: bool,
}
