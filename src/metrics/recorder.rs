//! Folds request outcomes into the figures of a run summary as they happen.
//!
//! Memory is fixed: one latency histogram, counters, the current second and
//! minute, one watch per scripted fault and a bounded [`Timeline`] (at most
//! 2,048 buckets, fed once per closed second). Nothing grows with the
//! horizon.
//!
//! Definitions:
//! - Only requests that arrive after the warm-up count.
//! - A second is *bad* when the requests that completed in it succeeded at
//!   less than the availability target; a second in which nothing completed
//!   keeps the state of the one before (requests hanging on a blackholed
//!   node complete nothing, and that is still an outage).
//! - `time` availability is the fraction of minutes whose completions met
//!   the target (an empty minute meets it).
//! - A fault's recovery is the start of the first 60 consecutive good
//!   seconds after its first bad second; a fault with no bad second from
//!   its start to two minutes after its end had no impact.

use hdrhistogram::Histogram;

use super::cause::ErrorCause;
use super::failed_action::FailedAction;
use super::infra::StopRecord;
use super::load_series::{LoadSummary, LoadWatch};
use super::stop::StopWatch;
use super::summary::{LatencySummary, Recovery};
use super::timeline::Timeline;
use super::trace::MinuteSeries;
use crate::config::{GoodputWatch, StopCondition};
use crate::time::{SimDuration, SimTime, NANOS_PER_SECOND};

/// Good seconds in a row that count as recovered (both fidelities).
pub const RECOVERED_AFTER_GOOD_SECONDS: u64 = 60;
/// How long after a fault ends its first impact may still show (both
/// fidelities).
pub const IMPACT_GRACE_SECONDS: u64 = 120;
/// Latency histogram range: 1 µs to one day, 3 significant digits.
pub const LATENCY_MAX_US: u64 = 86_400_000_000;

struct FaultWatch {
    name: String,
    action: String,
    start_s: u64,
    end_s: Option<u64>,
    /// When a stop condition ended the fault early (display only: the
    /// impact grace period still counts from the planned end).
    cut_s: Option<u64>,
    impact: bool,
    good_run: u64,
    good_run_start: u64,
    recovered_at_s: Option<u64>,
    done: bool,
    /// Why the action failed, if it did.
    failed: Option<String>,
}

pub struct Recorder {
    warmup_end: SimTime,
    target: f64,
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Requests answered by a circuit breaker's degraded fallback
    /// (`model/breaker.rs`): answered, so good for availability, but
    /// neither succeeded nor failed, and without a latency sample.
    pub degraded: u64,
    pub errors: [u64; ErrorCause::ALL.len()],
    latency_us: Histogram<u64>,
    latency_sum_ns: u128,
    /// The second being filled and its counts.
    second: u64,
    second_ok: u64,
    second_failed: u64,
    last_second_bad: bool,
    minute_ok: u64,
    minute_failed: u64,
    pub minutes_good: u64,
    pub minutes_total: u64,
    outage_run: u64,
    pub longest_outage_s: u64,
    faults: Vec<FaultWatch>,
    /// The scenario's stop conditions, if it has any.
    stop: Option<StopWatch>,
    /// Armed deployment rollback alarms (none: no cost).
    alarms: Option<Box<super::alarms::Alarms>>,
    /// Finished requests per time bucket, for the availability chart.
    timeline: Timeline,
    /// Availability and p99 per minute, kept only for a replay.
    minutes: Option<Box<MinuteRecorder>>,
    /// The first scripted action that failed.
    failed_action: Option<FailedAction>,
    /// Experiment failures and skipped actions (empty targets).
    pub experiment: super::ExperimentLog,
    /// Offered load, attempts and goodput per second (`goodput:`).
    load: Option<Box<LoadWatch>>,
    /// What the load watch found, once the run is finished.
    load_summary: Option<LoadSummary>,
}

/// The minute being filled and the bounded series of closed minutes.
struct MinuteRecorder {
    latency_us: Histogram<u64>,
    series: MinuteSeries,
}

impl Recorder {
    /// `target` is the availability a second or minute must meet.
    pub fn new(warmup_end: SimTime, target: f64) -> Self {
        Recorder {
            warmup_end,
            target,
            total: 0,
            succeeded: 0,
            failed: 0,
            degraded: 0,
            errors: [0; ErrorCause::ALL.len()],
            latency_us: Histogram::new_with_bounds(1, LATENCY_MAX_US, 3)
                .expect("static histogram bounds are valid"),
            latency_sum_ns: 0,
            second: warmup_end.whole_seconds(),
            second_ok: 0,
            second_failed: 0,
            last_second_bad: false,
            minute_ok: 0,
            minute_failed: 0,
            minutes_good: 0,
            minutes_total: 0,
            outage_run: 0,
            longest_outage_s: 0,
            faults: Vec::new(),
            stop: None,
            alarms: None,
            timeline: Timeline::new(),
            minutes: None,
            failed_action: None,
            experiment: super::ExperimentLog::default(),
            load: None,
            load_summary: None,
        }
    }

    /// Keeps offered load, attempts and goodput per second and judges
    /// recovery (`load_series.rs`).
    pub fn keep_load_series(&mut self, config: GoodputWatch) {
        self.load = Some(Box::new(LoadWatch::new(config, self.warmup_end)));
    }

    /// What the load watch found (after [`Recorder::finish`]), if kept.
    pub fn load_summary(&self) -> Option<&LoadSummary> {
        self.load_summary.as_ref()
    }

    /// A measured request's client started an attempt (a first try or a
    /// retry).
    #[inline]
    pub fn attempt(&mut self, now: SimTime) {
        if let Some(l) = &mut self.load {
            l.attempt(now);
        }
    }

    /// The scripted faults' span changed: the load watch's trigger.
    fn update_trigger(&mut self, now: SimTime) {
        let Some(load) = &mut self.load else {
            return;
        };
        let start = self.faults.iter().map(|f| f.start_s).min();
        let end = self
            .faults
            .iter()
            .map(|f| f.cut_s.or(f.end_s).unwrap_or(f.start_s))
            .max();
        if let (Some(start), Some(end)) = (start, end) {
            load.trigger(now, start, end.max(start));
        }
    }

    /// Keeps availability and p99 per minute (a replay's timeline).
    pub fn keep_minute_series(&mut self) {
        self.minutes = Some(Box::new(MinuteRecorder {
            latency_us: Histogram::new_with_bounds(1, LATENCY_MAX_US, 3)
                .expect("static histogram bounds are valid"),
            series: MinuteSeries::new(),
        }));
    }

    /// The per-minute series, when kept.
    pub fn minute_series(&self) -> Option<&MinuteSeries> {
        self.minutes.as_deref().map(|m| &m.series)
    }

    /// Watches the stream for these stop conditions (none: no cost).
    pub fn set_stop_conditions(&mut self, conditions: &[StopCondition]) {
        self.stop = (!conditions.is_empty()).then(|| StopWatch::new(conditions));
    }

    /// True once, when a stop condition has tripped and the scripted faults
    /// must end.
    pub fn take_stop_trip(&mut self) -> bool {
        self.stop
            .as_mut()
            .is_some_and(|w| std::mem::take(&mut w.pending))
    }

    /// Arms a deployment's rollback alarm from the next whole second.
    pub fn arm_alarm(&mut self, fault: u16, condition: &StopCondition) {
        self.alarms
            .get_or_insert_with(Default::default)
            .arm(fault, condition);
    }

    pub fn disarm_alarm(&mut self, fault: u16) {
        if let Some(a) = &mut self.alarms {
            a.disarm(fault);
        }
    }

    /// A deployment whose alarm tripped, once.
    pub fn take_alarm_trip(&mut self) -> Option<u16> {
        self.alarms.as_mut().and_then(|a| a.take_trip())
    }

    pub fn stop_tripped(&self) -> Option<&StopRecord> {
        self.stop.as_ref().and_then(StopWatch::tripped)
    }

    pub fn is_measured(&self, arrived: SimTime) -> bool {
        arrived >= self.warmup_end
    }

    pub fn arrival(&mut self, now: SimTime) {
        self.total += 1;
        if let Some(l) = &mut self.load {
            l.offered(now);
        }
    }

    pub fn success(&mut self, now: SimTime, latency: SimDuration) {
        self.advance_to(now);
        self.succeeded += 1;
        self.second_ok += 1;
        self.latency_sum_ns += u128::from(latency.as_nanos());
        let us = (latency.as_nanos() / 1_000).max(1);
        self.latency_us.saturating_record(us);
        if let Some(w) = &mut self.stop {
            w.success(latency);
        }
        if let Some(a) = &mut self.alarms {
            a.success(latency);
        }
        if let Some(m) = &mut self.minutes {
            m.latency_us.saturating_record(us);
        }
        if let Some(l) = &mut self.load {
            l.goodput(now);
        }
    }

    /// A request completed with a breaker's degraded answer.
    pub fn degraded(&mut self, now: SimTime) {
        self.advance_to(now);
        self.degraded += 1;
        self.second_ok += 1;
    }

    pub fn failure(&mut self, now: SimTime, cause: ErrorCause) {
        self.advance_to(now);
        self.failed += 1;
        self.second_failed += 1;
        self.errors[cause as usize] += 1;
    }

    /// Starts watching a scripted fault for its recovery.
    pub fn fault_started(&mut self, name: &str, action: &str, at: SimTime, end: Option<SimTime>) {
        self.faults.push(FaultWatch {
            name: name.to_string(),
            action: action.to_string(),
            start_s: at.whole_seconds(),
            end_s: end.map(SimTime::whole_seconds),
            cut_s: None,
            impact: false,
            good_run: 0,
            good_run_start: 0,
            recovered_at_s: None,
            done: false,
            failed: None,
        });
        self.update_trigger(at);
    }

    /// The scripted action `name` failed at `at` (the cloud refused it):
    /// its entry says why, and the first failure is the experiment's.
    pub fn action_failed(&mut self, name: &str, action: &str, at: SimTime, reason: &str) {
        if let Some(f) = self.faults.iter_mut().rev().find(|f| f.name == name) {
            f.failed = Some(reason.to_string());
        }
        self.experiment
            .failed(format!("action `{name}` ({action}) failed: {reason}"), at);
        if self.failed_action.is_none() {
            self.failed_action = Some(FailedAction {
                fault: name.to_string(),
                action: action.to_string(),
                at_s: at.as_secs_f64(),
                reason: reason.to_string(),
            });
        }
    }

    /// The first scripted action that failed, if one did.
    pub fn failed_action(&self) -> Option<&FailedAction> {
        self.failed_action.as_ref()
    }

    /// A stop condition ended the scripted fault `name` at `at`, before its
    /// planned end: its window on the report's chart ends there.
    pub fn fault_cut_short(&mut self, name: &str, at: SimTime) {
        let at_s = at.whole_seconds();
        if let Some(f) = self.faults.iter_mut().rev().find(|f| f.name == name) {
            if f.end_s.is_some_and(|end| end > at_s) {
                f.cut_s = Some(at_s);
            }
        }
        self.update_trigger(at);
    }

    /// Closes every second before the one containing `now`.
    fn advance_to(&mut self, now: SimTime) {
        let s = now.whole_seconds();
        while self.second < s {
            self.close_second();
            self.second += 1;
            // Skip long idle stretches in one step: they change nothing but
            // the outage run and the minute count.
            if self.second_ok == 0 && self.second_failed == 0 && s > self.second + 120 {
                let idle = s - self.second;
                self.skip_idle_seconds(idle);
            }
        }
    }

    fn skip_idle_seconds(&mut self, idle: u64) {
        let first = self.second;
        // Close whole idle minutes without looping second by second.
        let minute_end = (first / 60 + 1) * 60;
        let mut s = first;
        while s < minute_end && s < first + idle {
            self.close_second();
            self.second += 1;
            s += 1;
        }
        let remaining = first + idle - s;
        let whole_minutes = remaining / 60;
        if whole_minutes > 0 {
            if let Some(w) = &mut self.stop {
                w.idle(whole_minutes * 60);
            }
            if let Some(a) = &mut self.alarms {
                a.idle(whole_minutes * 60);
            }
            self.minutes_total += whole_minutes;
            self.minutes_good += whole_minutes;
            if let Some(m) = &mut self.minutes {
                for k in 0..whole_minutes {
                    m.series.push(self.second + k * 60, 0, 0, None);
                }
            }
            if self.last_second_bad {
                self.outage_run += whole_minutes * 60;
                self.longest_outage_s = self.longest_outage_s.max(self.outage_run);
            }
            self.second += whole_minutes * 60;
        }
    }

    fn close_second(&mut self) {
        let (ok, failed) = (self.second_ok, self.second_failed);
        let bad = if ok + failed == 0 {
            self.last_second_bad
        } else {
            (ok as f64) < self.target * (ok + failed) as f64
        };
        self.last_second_bad = bad;
        if bad {
            self.outage_run += 1;
            self.longest_outage_s = self.longest_outage_s.max(self.outage_run);
        } else {
            self.outage_run = 0;
        }
        let s = self.second;
        let completed = ok + failed > 0;
        if completed {
            self.timeline.add(s, ok, failed);
        }
        if let Some(w) = &mut self.stop {
            w.close_second(s, ok, failed);
        }
        if let Some(a) = &mut self.alarms {
            a.close_second(s, ok, failed);
        }
        for f in self.faults.iter_mut().filter(|f| !f.done && f.start_s <= s) {
            if bad {
                f.impact = true;
                f.good_run = 0;
            } else if f.impact && completed {
                if f.good_run == 0 {
                    f.good_run_start = s;
                }
                f.good_run += 1;
                if f.good_run >= RECOVERED_AFTER_GOOD_SECONDS {
                    f.recovered_at_s = Some(f.good_run_start);
                    f.done = true;
                }
            } else if !f.impact && s > f.end_s.unwrap_or(f.start_s) + IMPACT_GRACE_SECONDS {
                f.done = true;
            }
        }
        self.minute_ok += ok;
        self.minute_failed += failed;
        self.second_ok = 0;
        self.second_failed = 0;
        if (s + 1).is_multiple_of(60) {
            self.close_minute(s + 1 - 60);
        }
    }

    fn close_minute(&mut self, start_s: u64) {
        let (ok, failed) = (self.minute_ok, self.minute_failed);
        if let Some(m) = &mut self.minutes {
            let p99 = latency_of(&m.latency_us).map(|l| l.p99);
            m.series.push(start_s, ok, failed, p99);
            m.latency_us.reset();
        }
        self.minutes_total += 1;
        if ok + failed == 0 || (ok as f64) >= self.target * (ok + failed) as f64 {
            self.minutes_good += 1;
        }
        self.minute_ok = 0;
        self.minute_failed = 0;
    }

    /// Closes the books at the horizon.
    pub fn finish(&mut self, horizon: SimTime) {
        let last = horizon.as_nanos().div_ceil(NANOS_PER_SECOND);
        self.advance_to(SimTime(last.saturating_mul(NANOS_PER_SECOND)));
        if self.minute_ok + self.minute_failed > 0 || !self.second.is_multiple_of(60) {
            self.close_minute(self.second / 60 * 60);
        }
        self.timeline.cover(last);
        if let Some(load) = &mut self.load {
            self.load_summary = Some(load.finish(last));
        }
    }

    /// Finished requests over time (complete after [`Recorder::finish`]).
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn recoveries(&self) -> Vec<Recovery> {
        self.faults
            .iter()
            .map(|f| {
                let recovered = if f.impact {
                    f.recovered_at_s
                } else {
                    Some(f.start_s)
                };
                Recovery {
                    fault: f.name.clone(),
                    action: f.action.clone(),
                    start_s: f.start_s as f64,
                    end_s: f.cut_s.or(f.end_s).map(|s| s as f64),
                    impact: f.impact,
                    failed: f.failed.clone(),
                    recovered_at_s: recovered.map(|s| s as f64),
                    time_to_recover_s: recovered.map(|s| s.saturating_sub(f.start_s) as f64),
                }
            })
            .collect()
    }

    pub fn latency(&self) -> Option<LatencySummary> {
        latency_of(&self.latency_us)
    }

    /// The latency histogram of successful requests, in microseconds
    /// (mergeable: studies add runs' histograms together).
    pub fn latency_histogram(&self) -> &Histogram<u64> {
        &self.latency_us
    }

    /// Exact mean latency of successful requests, in milliseconds.
    pub fn latency_mean_ms(&self) -> Option<f64> {
        (self.succeeded > 0).then(|| self.latency_sum_ns as f64 / self.succeeded as f64 / 1e6)
    }
}

/// Percentiles of a latency histogram in microseconds, as milliseconds;
/// `None` when it is empty.
pub fn latency_of(h: &Histogram<u64>) -> Option<LatencySummary> {
    if h.is_empty() {
        return None;
    }
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1_000.0;
    Some(LatencySummary {
        p50: ms(0.50),
        p90: ms(0.90),
        p99: ms(0.99),
        p999: ms(0.999),
        max: h.max() as f64 / 1_000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NANOS_PER_SECOND;

    #[test]
    fn outage_spans_bad_and_idle_seconds_and_recovery_waits_a_minute() {
        let mut r = Recorder::new(SimTime(0), 0.999);
        r.fault_started("f", "zone_outage", SimTime(10 * S), None);
        for s in 0..10 {
            r.success(SimTime(s * S), SimDuration::from_millis(5));
        }
        r.failure(SimTime(10 * S), ErrorCause::Timeout); // bad at 10
                                                         // 11..=14 idle: still out; good from 15.
        for s in 15..100 {
            r.success(SimTime(s * S), SimDuration::from_millis(5));
        }
        r.finish(SimTime(100 * S));
        assert_eq!(r.longest_outage_s, 5);
        let rec = &r.recoveries()[0];
        assert!(rec.impact);
        assert_eq!(rec.recovered_at_s, Some(15.0));
        assert_eq!(rec.time_to_recover_s, Some(5.0));
        assert_eq!(r.minutes_total, 2);
        assert_eq!(r.minutes_good, 1);
    }

    #[test]
    fn long_idle_stretches_are_skipped_not_lost() {
        let mut r = Recorder::new(SimTime(0), 0.9);
        r.success(SimTime(S), SimDuration::from_millis(1));
        r.success(SimTime(100_000 * S), SimDuration::from_millis(1));
        r.finish(SimTime(100_020 * S));
        assert_eq!(r.minutes_total, 100_020u64.div_ceil(60));
        assert_eq!(r.minutes_good, r.minutes_total);
    }
}
