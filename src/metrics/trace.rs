//! The event trace of a replay: what happened to the infrastructure, in
//! order, and the folds a replay draws its timeline from.
//!
//! Tracing is off unless a replay asks for it: the world holds an
//! `Option<Box<dyn TraceSink>>` and emits only at infrastructure
//! transitions (never per request), so an untraced run pays one predictable
//! branch per transition and, for the retry-storm watch, one per arrival or
//! retry.
//!
//! Vocabulary (`event`):
//! - `fault_start` / `fault_end`: a scripted action starts or ends (its
//!   revert); `cause` is the fault's id, `detail` its action and targets.
//! - `random_failure` / `random_repair`: a random failure process fails or
//!   repairs its node or zone; `burst_failure` / `burst_repair`: a
//!   correlated neighbour.
//! - `zone_dark` / `zone_restored`.
//! - `node_down` / `node_up`: an instance, database node, cache node or
//!   load-balancer node; `cause` is the down cause set or cleared (`crash`,
//!   `zone`, `host`, `volume`, `region`, `not_running`, `burst`, `stopped`).
//! - `target_unhealthy` / `target_healthy`: a load balancer's view of one
//!   target flipped (after its thresholds, not per probe); `component` is the
//!   target's tier, `cause` the load balancer.
//! - `lb_dns_removed` / `lb_dns_added`: a load-balancer node left or joined
//!   the LB's DNS answer.
//! - `failover_started` (primary lost, detection running),
//!   `failover_detected` (promotion of a candidate starts),
//!   `failover_no_candidate`, `failover_aborted` (the primary came back
//!   before detection), `failover_failed`, `failover_promoted`, and
//!   `dns_endpoint_changed` (the database endpoint record names the new
//!   primary; `dns_endpoint_frozen` when a control-plane outage holds it).
//! - `volume_lost` / `volume_restored`, `snapshot_completed`.
//! - `cache_node_lost` (then `node_up` with cause `crash` when replaced, cold).
//! - `asg_launch`, `asg_in_service`, `asg_terminate`.
//! - `control_plane_outage` / `control_plane_restored`.
//! - `stop_condition_tripped`.
//! - `retry_storm_start` / `retry_storm_end`: see [`RetryStormWatch`].

use crate::time::{SimTime, NANOS_PER_SECOND};

/// One infrastructure transition.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    pub at: SimTime,
    pub event: &'static str,
    pub component: String,
    pub zone: Option<String>,
    pub cause: String,
    pub detail: String,
}

impl TraceEvent {
    pub fn new(at: SimTime, event: &'static str, component: impl Into<String>) -> Self {
        TraceEvent {
            at,
            event,
            component: component.into(),
            zone: None,
            cause: String::new(),
            detail: String::new(),
        }
    }

    pub fn zone(mut self, zone: Option<&str>) -> Self {
        self.zone = zone.map(str::to_string);
        self
    }

    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = cause.into();
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// Where a traced world sends its events (a replay's trace writer).
pub trait TraceSink: std::any::Any + Send {
    fn record(&mut self, event: TraceEvent);
}

/// Collects events in memory: for tests and short runs only (unbounded).
#[derive(Default)]
pub struct VecSink(pub Vec<TraceEvent>);

impl TraceSink for VecSink {
    fn record(&mut self, event: TraceEvent) {
        self.0.push(event);
    }
}

/// A retry storm: in a whole simulated second with at least
/// [`STORM_MIN_RETRIES`] retries, retries reach [`STORM_START_RATIO`] of the
/// new requests offered in that second; it ends after a second in which
/// they fall below [`STORM_END_RATIO`] (hysteresis, so a storm at the
/// threshold does not flap).
pub const STORM_START_RATIO: f64 = 0.5;
pub const STORM_END_RATIO: f64 = 0.25;
pub const STORM_MIN_RETRIES: u64 = 10;

/// Counts arrivals and retries per simulated second; the world calls it
/// only while tracing.
#[derive(Clone, Debug, Default)]
pub struct RetryStormWatch {
    second: u64,
    offered: u64,
    retries: u64,
    pub in_storm: bool,
}

/// A storm started or ended at the start of a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StormChange {
    Started {
        second: u64,
        retries: u64,
        offered: u64,
    },
    Ended {
        second: u64,
        retries: u64,
        offered: u64,
    },
}

impl RetryStormWatch {
    /// Counts an arrival (`retry` false) or a retry at `now`; returns a
    /// change when the second that just closed crossed a threshold.
    pub fn note(&mut self, now: SimTime, retry: bool) -> Option<StormChange> {
        let s = now.0 / NANOS_PER_SECOND;
        let change = if s != self.second {
            let change = self.close();
            self.second = s;
            self.offered = 0;
            self.retries = 0;
            change
        } else {
            None
        };
        if retry {
            self.retries += 1;
        } else {
            self.offered += 1;
        }
        change
    }

    fn close(&mut self) -> Option<StormChange> {
        let (retries, offered, second) = (self.retries, self.offered, self.second);
        let ratio = retries as f64 / offered.max(1) as f64;
        if !self.in_storm && retries >= STORM_MIN_RETRIES && ratio >= STORM_START_RATIO {
            self.in_storm = true;
            return Some(StormChange::Started {
                second,
                retries,
                offered,
            });
        }
        if self.in_storm && ratio < STORM_END_RATIO {
            self.in_storm = false;
            return Some(StormChange::Ended {
                second,
                retries,
                offered,
            });
        }
        None
    }
}

/// Minutes a replay keeps before it coarsens its per-minute series.
pub const MINUTE_SERIES_CAP: usize = 100_000;

/// One point of the per-minute series (post-warm-up completions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinutePoint {
    /// Start of the bucket, in seconds.
    pub start_s: u64,
    pub ok: u64,
    pub failed: u64,
    /// 99th percentile latency of the successes, in milliseconds (after
    /// coarsening: the worst of the merged minutes).
    pub p99_ms: Option<f64>,
}

impl MinutePoint {
    pub fn availability(&self) -> Option<f64> {
        let total = self.ok + self.failed;
        (total > 0).then(|| self.ok as f64 / total as f64)
    }
}

/// Availability and p99 per minute, bounded: past [`MINUTE_SERIES_CAP`]
/// points, neighbours merge pairwise and each point covers twice as long.
#[derive(Clone, Debug, Default)]
pub struct MinuteSeries {
    pub points: Vec<MinutePoint>,
    /// Minutes each point covers.
    pub bucket_minutes: u64,
    pending: Option<MinutePoint>,
}

impl MinuteSeries {
    pub fn new() -> Self {
        MinuteSeries {
            points: Vec::new(),
            bucket_minutes: 1,
            pending: None,
        }
    }

    /// Adds the minute starting at `start_s`.
    pub fn push(&mut self, start_s: u64, ok: u64, failed: u64, p99_ms: Option<f64>) {
        let point = MinutePoint {
            start_s,
            ok,
            failed,
            p99_ms,
        };
        let width_s = self.bucket_minutes * 60;
        let merged = match self.pending.take() {
            Some(p) if start_s < p.start_s + width_s => merge(p, point),
            Some(p) => {
                self.points.push(p);
                point
            }
            None => point,
        };
        self.pending = Some(merged);
        if self.points.len() >= MINUTE_SERIES_CAP {
            self.coarsen();
        }
    }

    fn coarsen(&mut self) {
        self.bucket_minutes *= 2;
        let width_s = self.bucket_minutes * 60;
        let mut out: Vec<MinutePoint> = Vec::with_capacity(self.points.len() / 2 + 1);
        for p in self.points.drain(..) {
            match out.last_mut() {
                Some(last) if p.start_s < last.start_s + width_s => *last = merge(*last, p),
                _ => out.push(p),
            }
        }
        self.points = out;
    }

    /// Every point, the one still filling included.
    pub fn all(&self) -> Vec<MinutePoint> {
        let mut v = self.points.clone();
        v.extend(self.pending);
        v
    }
}

fn merge(a: MinutePoint, b: MinutePoint) -> MinutePoint {
    MinutePoint {
        start_s: a.start_s,
        ok: a.ok + b.ok,
        failed: a.failed + b.failed,
        p99_ms: match (a.p99_ms, b.p99_ms) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NANOS_PER_SECOND;

    #[test]
    fn a_storm_starts_and_ends_with_hysteresis() {
        let mut w = RetryStormWatch::default();
        for _ in 0..100 {
            assert_eq!(w.note(SimTime(0), false), None);
        }
        for _ in 0..60 {
            w.note(SimTime(0), true);
        }
        // The second closes when the next one starts.
        let change = w.note(SimTime(S), false);
        assert!(matches!(
            change,
            Some(StormChange::Started { second: 0, .. })
        ));
        for _ in 0..30 {
            w.note(SimTime(S), true); // 30 / 1 offered: still a storm
        }
        assert_eq!(w.note(SimTime(2 * S), false), None);
        for _ in 0..99 {
            w.note(SimTime(2 * S), false);
        }
        assert!(matches!(
            w.note(SimTime(3 * S), false),
            Some(StormChange::Ended { second: 2, .. })
        ));
    }

    #[test]
    fn minute_series_coarsens_past_its_cap() {
        let mut m = MinuteSeries::new();
        for i in 0..(MINUTE_SERIES_CAP as u64 + 10) {
            m.push(i * 60, 1, 0, Some(i as f64));
        }
        assert_eq!(m.bucket_minutes, 2);
        let all = m.all();
        assert!(all.len() <= MINUTE_SERIES_CAP / 2 + 10);
        assert_eq!(all[0].ok, 2);
        assert_eq!(all[0].p99_ms, Some(1.0));
    }
}
