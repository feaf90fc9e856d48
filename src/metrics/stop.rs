//! Stop conditions: alarms over the recorder's per-second stream that end
//! every scripted fault when they trip, as an AWS FIS experiment stops on a
//! CloudWatch alarm.
//!
//! Definitions:
//! - Each condition looks at the last `window` whole seconds of measured
//!   completions (a ring of per-second counts: memory is the window, never
//!   the horizon), and only once a whole window has been seen.
//! - `availability below x`: succeeded / completed < x.
//! - `error_rate above x`: failed / completed > x.
//! - `latency_p99 above d`: more than 1 % of the successful requests in the
//!   window took longer than d (exactly "the window's p99 exceeds d",
//!   without a histogram per second).
//! - A window with no completions never trips.
//! - The first condition to trip wins; evaluation stops there.

use std::collections::VecDeque;

use super::infra::StopRecord;
use crate::config::{StopCondition, StopMetric};
use crate::time::{SimDuration, NANOS_PER_SECOND};

#[derive(Clone, Copy, Debug, Default)]
struct Second {
    ok: u64,
    failed: u64,
    slow: u64,
}

struct Watch {
    condition: StopCondition,
    window_s: usize,
    ring: VecDeque<Second>,
    sum: Second,
}

pub struct StopWatch {
    watches: Vec<Watch>,
    /// Successes of the second being filled that exceeded each latency
    /// threshold (one slot per watch; zero for other metrics).
    slow_now: Vec<u64>,
    tripped: Option<StopRecord>,
    /// Set when a condition trips, until the fault layer has acted.
    pub pending: bool,
}

impl StopWatch {
    pub fn new(conditions: &[StopCondition]) -> StopWatch {
        StopWatch {
            watches: conditions
                .iter()
                .map(|c| Watch {
                    condition: c.clone(),
                    window_s: (c.window.as_nanos() / NANOS_PER_SECOND).max(1) as usize,
                    ring: VecDeque::new(),
                    sum: Second::default(),
                })
                .collect(),
            slow_now: vec![0; conditions.len()],
            tripped: None,
            pending: false,
        }
    }

    pub fn success(&mut self, latency: SimDuration) {
        for (w, slow) in self.watches.iter().zip(&mut self.slow_now) {
            if let StopMetric::LatencyP99Above(d) = w.condition.metric {
                *slow += u64::from(latency > d);
            }
        }
    }

    /// Folds the closed second `second` with its completions.
    pub fn close_second(&mut self, second: u64, ok: u64, failed: u64) {
        if self.tripped.is_some() {
            return;
        }
        for (i, w) in self.watches.iter_mut().enumerate() {
            let s = Second {
                ok,
                failed,
                slow: std::mem::take(&mut self.slow_now[i]),
            };
            w.push(s);
            if self.tripped.is_none() && w.ring.len() == w.window_s && w.crossed() {
                self.tripped = Some(StopRecord {
                    condition: i,
                    description: describe(&w.condition),
                    at_s: (second + 1) as f64,
                });
                self.pending = true;
            }
        }
    }

    /// `seconds` idle seconds passed without completions.
    pub fn idle(&mut self, seconds: u64) {
        for w in &mut self.watches {
            for _ in 0..seconds.min(w.window_s as u64) {
                w.push(Second::default());
            }
        }
    }

    pub fn tripped(&self) -> Option<&StopRecord> {
        self.tripped.as_ref()
    }
}

impl Watch {
    fn push(&mut self, s: Second) {
        if self.ring.len() == self.window_s {
            if let Some(old) = self.ring.pop_front() {
                self.sum.ok -= old.ok;
                self.sum.failed -= old.failed;
                self.sum.slow -= old.slow;
            }
        }
        self.sum.ok += s.ok;
        self.sum.failed += s.failed;
        self.sum.slow += s.slow;
        self.ring.push_back(s);
    }

    fn crossed(&self) -> bool {
        let Second { ok, failed, slow } = self.sum;
        let completed = (ok + failed) as f64;
        match self.condition.metric {
            _ if ok + failed == 0 => false,
            StopMetric::AvailabilityBelow(x) => (ok as f64) < x * completed,
            StopMetric::ErrorRateAbove(x) => failed as f64 > x * completed,
            StopMetric::LatencyP99Above(_) => ok > 0 && slow as f64 > 0.01 * ok as f64,
        }
    }
}

/// `availability below 0.95 over 60s`.
pub fn describe(c: &StopCondition) -> String {
    let window = c.window.as_secs_f64();
    match c.metric {
        StopMetric::AvailabilityBelow(x) => format!("availability below {x} over {window}s"),
        StopMetric::ErrorRateAbove(x) => format!("error_rate above {x} over {window}s"),
        StopMetric::LatencyP99Above(d) => {
            format!("latency_p99 above {}ms over {window}s", d.as_millis_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourcePos;

    fn watch(metric: StopMetric, window_s: u64) -> StopWatch {
        StopWatch::new(&[StopCondition {
            metric,
            window: SimDuration::from_secs(window_s),
            pos: SourcePos::default(),
        }])
    }

    #[test]
    fn availability_trips_only_on_a_full_window_below_the_threshold() {
        let mut w = watch(StopMetric::AvailabilityBelow(0.95), 10);
        // 9 seconds of 100 % then one of 0 %: 90/100 is below 95 %, but the
        // window is not full until the tenth second.
        for s in 0..9 {
            w.close_second(s, 10, 0);
        }
        assert!(w.tripped().is_none());
        w.close_second(9, 9, 1); // 99/100: fine
        assert!(w.tripped().is_none());
        w.close_second(10, 5, 5); // drops second 0: 94/100 < 95 %
        assert_eq!(w.tripped().map(|t| t.at_s), Some(11.0));
        assert!(w.pending);
    }

    #[test]
    fn latency_p99_counts_slow_successes() {
        let mut w = watch(StopMetric::LatencyP99Above(SimDuration::from_secs(2)), 1);
        for _ in 0..99 {
            w.success(SimDuration::from_millis(10));
        }
        w.success(SimDuration::from_secs(3));
        w.close_second(0, 100, 0); // 1 % slow: p99 is not above 2 s
        assert!(w.tripped().is_none());
        w.success(SimDuration::from_secs(3));
        w.success(SimDuration::from_secs(3));
        w.close_second(1, 100, 0); // 2 % slow
        assert!(w.tripped().is_some());
    }
}
