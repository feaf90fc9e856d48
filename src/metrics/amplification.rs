//! Amplification: the attempts each component received per client request,
//! over the run and per minute, for models with per-hop call policies
//! (`model/hop_policy.rs`), where retries at several layers multiply.
//!
//! - An attempt is *received* by a component when a caller sends it there
//!   (the path step is dispatched), whether or not the component is up to
//!   answer: a dead database still receives every try (27 per request
//!   behind three layers of three attempts). A `read_on_miss` step skipped
//!   by a cache hit sends nothing.
//! - Client requests are those whose first attempt started; both counts
//!   start with the warm-up's end, by the time they happen.
//! - Per-minute buckets are one minute wide, widened to a whole number of
//!   minutes so a run never keeps more than [`MAX_BUCKETS`] of them:
//!   memory is bounded by components × buckets, never by the horizon.

use crate::time::SimTime;

/// Most buckets a run keeps.
pub const MAX_BUCKETS: u64 = 1_024;

/// The counts, folded as attempts are sent.
pub struct AmplificationCounter {
    warmup_end: SimTime,
    bucket_ns: u64,
    /// Component index → column (components no path uses have none).
    column: Vec<Option<usize>>,
    names: Vec<String>,
    requests: u64,
    received: Vec<u64>,
    bucket_requests: Vec<u64>,
    /// `bucket * names.len() + column`.
    bucket_received: Vec<u64>,
}

impl AmplificationCounter {
    /// `used[c]` names component `c` when some path calls it.
    pub fn new(used: &[Option<String>], warmup_end: SimTime, horizon: SimTime) -> Self {
        let minute_ns = 60 * crate::time::NANOS_PER_SECOND;
        let minutes = horizon.0.div_ceil(minute_ns).max(1);
        let bucket_ns = minute_ns * minutes.div_ceil(MAX_BUCKETS);
        let buckets = horizon.0 / bucket_ns + 1;
        let mut column = Vec::with_capacity(used.len());
        let mut names = Vec::new();
        for name in used {
            column.push(name.as_ref().map(|n| {
                names.push(n.clone());
                names.len() - 1
            }));
        }
        let n = names.len();
        AmplificationCounter {
            warmup_end,
            bucket_ns,
            column,
            received: vec![0; n],
            names,
            requests: 0,
            bucket_requests: vec![0; buckets as usize],
            bucket_received: vec![0; buckets as usize * n],
        }
    }

    fn bucket(&self, now: SimTime) -> Option<usize> {
        let b = (now.0 / self.bucket_ns) as usize;
        (now >= self.warmup_end && b < self.bucket_requests.len()).then_some(b)
    }

    /// A client request's first attempt starts.
    pub fn request(&mut self, now: SimTime) {
        if let Some(b) = self.bucket(now) {
            self.requests += 1;
            self.bucket_requests[b] += 1;
        }
    }

    /// An attempt is sent to `component`.
    pub fn received(&mut self, now: SimTime, component: usize) {
        let (Some(b), Some(Some(c))) = (self.bucket(now), self.column.get(component)) else {
            return;
        };
        self.received[*c] += 1;
        self.bucket_received[b * self.names.len() + c] += 1;
    }

    pub fn summary(&self) -> AmplificationSummary {
        let n = self.names.len();
        AmplificationSummary {
            bucket_s: self.bucket_ns / crate::time::NANOS_PER_SECOND,
            requests: self.requests,
            components: self
                .names
                .iter()
                .zip(&self.received)
                .map(|(name, &attempts)| ComponentAmplification {
                    name: name.clone(),
                    attempts,
                })
                .collect(),
            buckets: self
                .bucket_requests
                .iter()
                .enumerate()
                .filter(|&(b, &r)| {
                    r > 0
                        || self.bucket_received[b * n..(b + 1) * n]
                            .iter()
                            .any(|&x| x > 0)
                })
                .map(|(b, &requests)| AmplificationBucket {
                    start_s: b as u64 * self.bucket_ns / crate::time::NANOS_PER_SECOND,
                    requests,
                    attempts: self.bucket_received[b * n..(b + 1) * n].to_vec(),
                })
                .collect(),
        }
    }
}

/// Attempts per client request, in report.json under `amplification`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AmplificationSummary {
    /// Width of the buckets (60 s unless the horizon is over ~17 h).
    pub bucket_s: u64,
    /// Client requests after the warm-up.
    pub requests: u64,
    /// Components in path order of the model file, with their attempts.
    pub components: Vec<ComponentAmplification>,
    /// Buckets with traffic, in time order.
    pub buckets: Vec<AmplificationBucket>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComponentAmplification {
    pub name: String,
    pub attempts: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AmplificationBucket {
    pub start_s: u64,
    pub requests: u64,
    /// Per component, in [`AmplificationSummary::components`] order.
    pub attempts: Vec<u64>,
}

/// `attempts / requests`, 0 without requests.
pub fn per_request(attempts: u64, requests: u64) -> f64 {
    if requests == 0 {
        0.0
    } else {
        attempts as f64 / requests as f64
    }
}

impl AmplificationSummary {
    /// A component's attempts per client request over the run.
    pub fn per_request(&self, name: &str) -> Option<f64> {
        self.components
            .iter()
            .find(|c| c.name == name)
            .map(|c| per_request(c.attempts, self.requests))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    fn at_s(s: u64) -> SimTime {
        SimTime(SimDuration::from_secs(s).as_nanos())
    }

    #[test]
    fn buckets_are_minutes_widened_to_fit_a_long_horizon() {
        let used = vec![Some("web".to_string()), None, Some("db".to_string())];
        // One hour: 60 one-minute buckets (plus the horizon's own).
        let c = AmplificationCounter::new(&used, SimTime::ZERO, at_s(3_600));
        assert_eq!(
            (c.bucket_ns / 1_000_000_000, c.bucket_requests.len()),
            (60, 61)
        );
        // A year: 525,600 minutes → buckets of ceil(525,600 / 1,024) = 514
        // minutes, 1,023 of them.
        let c = AmplificationCounter::new(&used, SimTime::ZERO, at_s(365 * 86_400));
        assert_eq!(c.bucket_ns / 1_000_000_000, 514 * 60);
        assert!(c.bucket_requests.len() as u64 <= MAX_BUCKETS);
    }

    #[test]
    fn attempts_are_counted_per_request_after_the_warm_up() {
        let used = vec![Some("web".to_string()), None, Some("db".to_string())];
        let mut c = AmplificationCounter::new(&used, at_s(60), at_s(600));
        c.request(at_s(30)); // warm-up: not counted
        c.received(at_s(30), 0);
        c.request(at_s(61));
        c.received(at_s(61), 0);
        for _ in 0..27 {
            c.received(at_s(62), 2);
        }
        c.received(at_s(62), 1); // no path uses it
        let s = c.summary();
        assert_eq!(s.requests, 1);
        assert_eq!(s.per_request("web"), Some(1.0));
        assert_eq!(s.per_request("db"), Some(27.0));
        assert_eq!(s.buckets.len(), 1);
        assert_eq!(
            (s.buckets[0].start_s, s.buckets[0].attempts.clone()),
            (60, vec![1, 27])
        );
    }
}
