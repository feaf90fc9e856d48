//! Offered load, attempts and goodput per second, and whether goodput came
//! back after the scripted faults: the `goodput:` block of a scenario.
//! Kept only when the scenario asks (the request path pays one branch on
//! an empty `Option` otherwise).
//!
//! Definitions (measured requests only, i.e. arriving after the warm-up):
//! - *offered*: client requests arriving in the second; *attempts*: client
//!   attempts started in it (first tries and retries); *goodput*: requests
//!   that succeeded in it (counted when the client gets the answer).
//! - The *trigger* spans the scripted faults: from the first one's start to
//!   the latest planned end of those started so far (a fault without a
//!   duration ends where it starts; a stop condition's cut counts as its
//!   end). A fault starting after goodput came back starts the judgement
//!   over.
//! - The *pre-trigger level* is the mean goodput per second over the
//!   `baseline` seconds before the trigger (fewer when the run is younger;
//!   none when no second was measured before it).
//! - Goodput *recovered* at the start of the first `hold` consecutive
//!   seconds, all after the trigger ended, whose mean goodput reaches
//!   `threshold` × the pre-trigger level. Averaging over `hold` seconds
//!   keeps Poisson noise from deciding: at 100 req/s a 10 s mean has a
//!   standard deviation of 3 % of the level.
//! - Memory is bounded: the series lives in at most [`MAX_BUCKETS`] buckets
//!   that start one second wide and double as the run grows (as the
//!   availability timeline does), and the judgement keeps two windows of at
//!   most an hour of counters.

use std::collections::VecDeque;

use crate::config::GoodputWatch;
use crate::time::SimTime;

/// Most buckets a series holds (3 × 2,048 counters: 48 KiB).
pub const MAX_BUCKETS: usize = 2_048;

/// Column indices of a bucket.
const OFFERED: usize = 0;
const ATTEMPTS: usize = 1;
const GOODPUT: usize = 2;

/// Counts per time bucket: bucket `i` covers the simulated seconds
/// `i * bucket_s .. (i + 1) * bucket_s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSeries {
    pub bucket_s: u64,
    /// `[offered, attempts, goodput]` per bucket.
    pub buckets: Vec<[u64; 3]>,
}

impl Default for LoadSeries {
    fn default() -> Self {
        LoadSeries {
            bucket_s: 1,
            buckets: Vec::new(),
        }
    }
}

impl LoadSeries {
    fn add(&mut self, second: u64, counts: [u64; 3]) {
        let index = self.fit(second);
        for (total, n) in self.buckets[index].iter_mut().zip(counts) {
            *total += n;
        }
    }

    /// Widens and extends the buckets so that seconds `0..end_s` fit.
    fn cover(&mut self, end_s: u64) {
        if end_s > 0 {
            self.fit(end_s - 1);
        }
    }

    fn fit(&mut self, second: u64) -> usize {
        while second / self.bucket_s >= MAX_BUCKETS as u64 {
            self.double();
        }
        let index = (second / self.bucket_s) as usize;
        if index >= self.buckets.len() {
            self.buckets.resize(index + 1, [0; 3]);
        }
        index
    }

    fn double(&mut self) {
        self.buckets = self
            .buckets
            .chunks(2)
            .map(|pair| {
                let mut sum = [0; 3];
                for b in pair {
                    for (s, n) in sum.iter_mut().zip(b) {
                        *s += n;
                    }
                }
                sum
            })
            .collect();
        self.bucket_s *= 2;
    }

    /// Adds `other` bucket by bucket (a study's runs), widening the finer
    /// series first; widths are both powers of two.
    pub fn merge(&mut self, other: &LoadSeries) {
        let mut other = other.clone();
        while other.bucket_s < self.bucket_s {
            other.double();
        }
        while self.bucket_s < other.bucket_s {
            self.double();
        }
        if other.buckets.len() > self.buckets.len() {
            self.buckets.resize(other.buckets.len(), [0; 3]);
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
        }
    }

    /// Per-second rates of one column, bucket by bucket.
    pub fn rates(&self, column: usize) -> impl Iterator<Item = f64> + '_ {
        let width = self.bucket_s as f64;
        self.buckets.iter().map(move |b| b[column] as f64 / width)
    }

    pub fn offered_per_s(&self) -> impl Iterator<Item = f64> + '_ {
        self.rates(OFFERED)
    }

    pub fn attempts_per_s(&self) -> impl Iterator<Item = f64> + '_ {
        self.rates(ATTEMPTS)
    }

    pub fn goodput_per_s(&self) -> impl Iterator<Item = f64> + '_ {
        self.rates(GOODPUT)
    }

    /// Column totals over the series.
    pub fn totals(&self) -> [u64; 3] {
        self.buckets.iter().fold([0; 3], |mut t, b| {
            for (s, n) in t.iter_mut().zip(b) {
                *s += n;
            }
            t
        })
    }

    /// Per-second rates of every column over seconds `from_s..to_s`
    /// (bucket-aligned: the buckets that start in the span).
    pub fn mean_rates(&self, from_s: f64, to_s: f64) -> Option<[f64; 3]> {
        let first = (from_s / self.bucket_s as f64).ceil() as usize;
        let last = ((to_s / self.bucket_s as f64).floor() as usize).min(self.buckets.len());
        (first < last).then(|| {
            let mut sum = [0u64; 3];
            for b in &self.buckets[first..last] {
                for (s, n) in sum.iter_mut().zip(b) {
                    *s += n;
                }
            }
            let span = ((last - first) as u64 * self.bucket_s) as f64;
            sum.map(|n| n as f64 / span)
        })
    }
}

/// The last `len` per-second values and their sum.
#[derive(Clone, Debug)]
struct Window {
    len: usize,
    values: VecDeque<u64>,
    sum: u64,
}

impl Window {
    fn new(len: u64) -> Window {
        Window {
            len: len as usize,
            values: VecDeque::with_capacity(len as usize),
            sum: 0,
        }
    }

    fn push(&mut self, v: u64) {
        if self.values.len() == self.len {
            self.sum -= self.values.pop_front().unwrap_or(0);
        }
        self.values.push_back(v);
        self.sum += v;
    }

    fn is_full(&self) -> bool {
        self.values.len() == self.len
    }

    fn mean(&self) -> Option<f64> {
        (!self.values.is_empty()).then(|| self.sum as f64 / self.values.len() as f64)
    }

    fn clear(&mut self) {
        self.values.clear();
        self.sum = 0;
    }
}

/// The scripted faults' span, in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trigger {
    pub start_s: u64,
    pub end_s: u64,
}

/// Folds the request stream into a [`LoadSeries`] and the recovery
/// judgement, one closed second at a time.
#[derive(Clone, Debug)]
pub struct LoadWatch {
    config: GoodputWatch,
    /// The open second and its counts.
    second: u64,
    counts: [u64; 3],
    series: LoadSeries,
    /// Goodput of the last `baseline` seconds before the trigger.
    before: Window,
    /// Goodput of the last `hold` seconds after the trigger ended.
    after: Window,
    trigger: Option<Trigger>,
    baseline_per_s: Option<f64>,
    recovered_at_s: Option<u64>,
    /// Goodput of the run's last `hold` seconds.
    last: Window,
}

impl LoadWatch {
    pub fn new(config: GoodputWatch, start: SimTime) -> LoadWatch {
        LoadWatch {
            config,
            second: start.whole_seconds(),
            counts: [0; 3],
            series: LoadSeries::default(),
            before: Window::new(config.baseline.as_nanos() / crate::time::NANOS_PER_SECOND),
            after: Window::new(config.hold.as_nanos() / crate::time::NANOS_PER_SECOND),
            trigger: None,
            baseline_per_s: None,
            recovered_at_s: None,
            last: Window::new(config.hold.as_nanos() / crate::time::NANOS_PER_SECOND),
        }
    }

    pub fn offered(&mut self, now: SimTime) {
        self.count(now, OFFERED);
    }

    pub fn attempt(&mut self, now: SimTime) {
        self.count(now, ATTEMPTS);
    }

    pub fn goodput(&mut self, now: SimTime) {
        self.count(now, GOODPUT);
    }

    fn count(&mut self, now: SimTime, column: usize) {
        self.advance_to(now.whole_seconds());
        self.counts[column] += 1;
    }

    /// Closes every second before `s`.
    fn advance_to(&mut self, s: u64) {
        if s <= self.second {
            return;
        }
        let counts = std::mem::take(&mut self.counts);
        self.close(self.second, counts);
        // Empty seconds: once the windows hold nothing but zeros, more
        // of them change nothing, so a long idle stretch costs at most
        // one window's length.
        let window = self.before.len.max(self.after.len) as u64 + 1;
        let mut next = self.second + 1;
        if s - next > window {
            for k in 0..window {
                self.close(next + k, [0; 3]);
            }
            next = s;
        }
        while next < s {
            self.close(next, [0; 3]);
            next += 1;
        }
        self.second = s;
    }

    fn close(&mut self, s: u64, counts: [u64; 3]) {
        if counts != [0; 3] {
            self.series.add(s, counts);
        }
        let goodput = counts[GOODPUT];
        self.last.push(goodput);
        let Some(trigger) = self.trigger else {
            self.before.push(goodput);
            return;
        };
        if s < trigger.end_s || self.recovered_at_s.is_some() {
            return;
        }
        self.after.push(goodput);
        let level = self.baseline_per_s.unwrap_or(0.0);
        if self.after.is_full() && self.after.mean().unwrap_or(0.0) >= self.config.threshold * level
        {
            self.recovered_at_s = Some(s + 1 - self.after.len as u64);
        }
    }

    /// The scripted faults now span `start..end` (whole seconds): called
    /// when one starts or is cut short. A change of span starts the
    /// judgement over.
    pub fn trigger(&mut self, now: SimTime, start_s: u64, end_s: u64) {
        self.advance_to(now.whole_seconds());
        let span = Trigger { start_s, end_s };
        if self.trigger == Some(span) {
            return;
        }
        if self.trigger.is_none() {
            self.baseline_per_s = self.before.mean();
        }
        self.trigger = Some(span);
        self.recovered_at_s = None;
        self.after.clear();
    }

    /// Closes the books at `end_s` (exclusive) and returns the summary.
    pub fn finish(&mut self, end_s: u64) -> LoadSummary {
        self.advance_to(end_s);
        self.series.cover(end_s);
        let to_secs = |d: crate::time::SimDuration| d.as_secs_f64();
        LoadSummary {
            series: self.series.clone(),
            baseline_s: to_secs(self.config.baseline),
            threshold: self.config.threshold,
            hold_s: to_secs(self.config.hold),
            trigger: self.trigger,
            baseline_goodput_per_s: self.baseline_per_s,
            recovered_at_s: self.recovered_at_s.map(|s| s as f64),
            final_goodput_per_s: self.last.mean(),
        }
    }
}

/// What a run's goodput watch found.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSummary {
    pub series: LoadSeries,
    pub baseline_s: f64,
    pub threshold: f64,
    pub hold_s: f64,
    /// `None` when the run had no scripted fault.
    pub trigger: Option<Trigger>,
    /// Mean goodput per second before the trigger.
    pub baseline_goodput_per_s: Option<f64>,
    /// The start of the first `hold` seconds back at the level.
    pub recovered_at_s: Option<f64>,
    /// Mean goodput per second over the run's last `hold` seconds.
    pub final_goodput_per_s: Option<f64>,
}

/// Whether goodput came back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecoveryVerdict {
    /// No scripted fault: nothing to recover from.
    NoTrigger,
    /// Recovered this many seconds after the trigger ended.
    Recovered { after_s: f64 },
    /// Still below the level at the horizon.
    NotRecovered,
}

impl LoadSummary {
    /// Attempts per offered request over the run (1 without retries).
    pub fn amplification(&self) -> Option<f64> {
        let [offered, attempts, _] = self.series.totals();
        (offered > 0).then(|| attempts as f64 / offered as f64)
    }

    pub fn verdict(&self) -> RecoveryVerdict {
        match (self.trigger, self.recovered_at_s) {
            (None, _) => RecoveryVerdict::NoTrigger,
            (Some(t), Some(at)) => RecoveryVerdict::Recovered {
                after_s: at - t.end_s as f64,
            },
            (Some(_), None) => RecoveryVerdict::NotRecovered,
        }
    }

    /// Final goodput as a fraction of the pre-trigger level.
    pub fn final_fraction(&self) -> Option<f64> {
        match (self.final_goodput_per_s, self.baseline_goodput_per_s) {
            (Some(f), Some(b)) if b > 0.0 => Some(f / b),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{SimDuration, NANOS_PER_SECOND};

    const S: u64 = NANOS_PER_SECOND;

    fn watch() -> LoadWatch {
        LoadWatch::new(
            GoodputWatch {
                baseline: SimDuration::from_secs(10),
                threshold: 0.9,
                hold: SimDuration::from_secs(5),
            },
            SimTime(0),
        )
    }

    /// `n` successes (each one offered and attempted once) in second `s`.
    fn serve(w: &mut LoadWatch, s: u64, n: u64) {
        for k in 0..n {
            let at = SimTime(s * S + k);
            w.offered(at);
            w.attempt(at);
            w.goodput(at);
        }
    }

    #[test]
    fn goodput_that_comes_back_is_recovered_at_the_start_of_the_hold() {
        let mut w = watch();
        for s in 0..20 {
            serve(&mut w, s, 10);
        }
        // Trigger 20..30: nothing succeeds, retries double the attempts.
        w.trigger(SimTime(20 * S), 20, 30);
        for s in 20..33 {
            for k in 0..10 {
                let at = SimTime(s * S + k);
                w.offered(at);
                w.attempt(at);
                w.attempt(at);
            }
        }
        // From 33 on, 9 per second: exactly the 90 % threshold.
        for s in 33..60 {
            serve(&mut w, s, 9);
        }
        let summary = w.finish(60);
        assert_eq!(summary.baseline_goodput_per_s, Some(10.0));
        assert_eq!(summary.recovered_at_s, Some(33.0));
        assert_eq!(
            summary.verdict(),
            RecoveryVerdict::Recovered { after_s: 3.0 }
        );
        // Offered 200 + 130 + 27 × 9 = 573; attempts 200 + 130 × 2 + 243 = 703.
        assert_eq!(summary.series.totals(), [573, 703, 200 + 27 * 9]);
        assert_eq!(summary.amplification(), Some(703.0 / 573.0));
        assert_eq!(summary.series.bucket_s, 1);
        assert_eq!(summary.series.buckets.len(), 60);
    }

    #[test]
    fn goodput_below_the_threshold_is_not_recovered_and_says_how_low() {
        let mut w = watch();
        for s in 0..10 {
            serve(&mut w, s, 10);
        }
        w.trigger(SimTime(10 * S), 10, 10);
        for s in 10..100 {
            serve(&mut w, s, 8);
        }
        let summary = w.finish(100);
        assert_eq!(summary.verdict(), RecoveryVerdict::NotRecovered);
        assert_eq!(summary.final_fraction(), Some(0.8));
    }

    #[test]
    fn a_later_fault_starts_the_judgement_over_and_idle_stretches_are_cheap() {
        let mut w = watch();
        for s in 0..10 {
            serve(&mut w, s, 10);
        }
        w.trigger(SimTime(10 * S), 10, 12);
        for s in 12..20 {
            serve(&mut w, s, 10);
        }
        // Recovered at 12; a second fault at 20..25 resets it.
        w.trigger(SimTime(20 * S), 10, 25);
        // A year of silence, then traffic again.
        let late = 365 * 86_400;
        for s in late..late + 5 {
            serve(&mut w, s, 10);
        }
        let summary = w.finish(late + 5);
        assert_eq!(summary.recovered_at_s, Some(late as f64));
        assert!(summary.series.buckets.len() <= MAX_BUCKETS);
        assert_eq!(summary.series.totals()[GOODPUT], 100 + 80 + 50);
    }

    #[test]
    fn without_a_trigger_there_is_nothing_to_recover_from() {
        let mut w = watch();
        serve(&mut w, 0, 3);
        let summary = w.finish(2);
        assert_eq!(summary.verdict(), RecoveryVerdict::NoTrigger);
        assert_eq!(summary.series.buckets, vec![[3, 3, 3], [0, 0, 0]]);
    }

    #[test]
    fn merging_adds_bucket_by_bucket_after_widening() {
        let mut a = LoadSeries::default();
        a.add(1, [1, 2, 3]);
        let mut b = LoadSeries::default();
        b.add(5_000, [1, 1, 1]);
        a.merge(&b);
        assert_eq!(a.bucket_s, 4);
        assert_eq!(a.buckets[0], [1, 2, 3]);
        assert_eq!(a.buckets[1_250], [1, 1, 1]);
    }
}
