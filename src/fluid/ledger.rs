//! The fluid mode's books: expected requests, minutes and outages folded
//! interval by interval (an interval = a span of constant state and rate).
//!
//! Assumptions and approximations:
//! - Request counts are expected values (rate × time × fraction), rounded
//!   to whole requests only in the summary; requests are counted when they
//!   arrive (the request level counts them when they complete).
//! - `time` availability: a minute meets the target when its failures are
//!   at most (1 − target) × its requests. With N expected requests and a
//!   served fraction s (the rate-weighted mean of the intervals that
//!   overlap the minute) the failures are taken as Poisson(N(1 − s)), so a
//!   minute counts as P(failures ≤ ⌊(1 − target)·N⌋) of a good minute: at
//!   high rates that is 0 or 1 as the fraction is below or above the
//!   target; at a few requests a minute it is the chance the minute saw no
//!   failure, as the request level's count would. Minutes are aligned to
//!   whole minutes of simulated time as at the request level, an empty
//!   minute meets the target, and whole minutes inside one interval are
//!   counted in one step.
//! - An outage is a maximal span of intervals whose served fraction is
//!   below the availability target; a scripted fault recovered at the end
//!   of the first bad span after its start that is followed by 60 s of good
//!   service (as `metrics/recorder.rs` defines it).

use super::faults::Watch;
use crate::metrics::recorder;
use crate::metrics::timeline::Timeline;
use crate::metrics::{ErrorCause, Recovery};

/// The request level's definitions (`metrics/recorder.rs`), in seconds.
const RECOVERED_AFTER_GOOD_SECONDS: f64 = recorder::RECOVERED_AFTER_GOOD_SECONDS as f64;
const IMPACT_GRACE_SECONDS: f64 = recorder::IMPACT_GRACE_SECONDS as f64;

pub struct Ledger {
    target: f64,
    pub offered: f64,
    pub served: f64,
    pub causes: [f64; ErrorCause::ALL.len()],
    minute: u64,
    minute_offered: f64,
    minute_served: f64,
    minute_open: bool,
    pub minutes_good: f64,
    pub minutes_total: u64,
    /// Maximal bad spans (start, end) in seconds.
    pub outages: Vec<(f64, f64)>,
    pub writes_acknowledged: f64,
    pub waited: f64,
    pub admitted: f64,
    /// Expected finished requests over time, in the report timeline's
    /// buckets (sized for the whole horizon up front, so a span touches
    /// each bucket once). Counts are rounded cumulatively, so the buckets
    /// add up to the rounded totals.
    pub timeline: Timeline,
    cum_ok: f64,
    cum_failed: f64,
    emitted_ok: u64,
    emitted_failed: u64,
}

impl Ledger {
    pub fn new(target: f64, warmup_s: f64, horizon_s: u64) -> Ledger {
        let mut timeline = Timeline::new();
        timeline.cover(horizon_s);
        Ledger {
            timeline,
            cum_ok: 0.0,
            cum_failed: 0.0,
            emitted_ok: 0,
            emitted_failed: 0,
            target,
            offered: 0.0,
            served: 0.0,
            causes: [0.0; ErrorCause::ALL.len()],
            minute: (warmup_s / 60.0) as u64,
            minute_offered: 0.0,
            minute_served: 0.0,
            minute_open: false,
            minutes_good: 0.0,
            minutes_total: 0,
            outages: Vec::new(),
            writes_acknowledged: 0.0,
            waited: 0.0,
            admitted: 0.0,
        }
    }

    /// Folds the span [from_s, to_s) at `rate` requests per second of which
    /// `fraction` succeed.
    pub fn span(&mut self, from_s: f64, to_s: f64, rate: f64, fraction: f64) {
        if to_s <= from_s {
            return;
        }
        self.timeline_span(from_s, to_s, rate, fraction);
        let bad = rate > 0.0 && fraction < self.target;
        if bad {
            match self.outages.last_mut() {
                Some(last) if last.1 >= from_s => last.1 = to_s,
                _ => self.outages.push((from_s, to_s)),
            }
        }
        let mut t = from_s;
        while t < to_s {
            let m = (t / 60.0) as u64;
            if m > self.minute {
                self.close_minute();
                self.minute = m;
            }
            let minute_end = (m + 1) as f64 * 60.0;
            let at_start = (t - m as f64 * 60.0).abs() < 1e-9 && !self.minute_open;
            if at_start && minute_end <= to_s {
                let whole = ((to_s - t) / 60.0).floor().max(1.0) as u64;
                self.minutes_total += whole;
                let n = rate * 60.0;
                self.minutes_good += whole as f64 * self.good_probability(n, n * fraction);
                t += whole as f64 * 60.0;
                self.minute = m + whole;
                continue;
            }
            let end = minute_end.min(to_s);
            self.minute_offered += rate * (end - t);
            self.minute_served += rate * fraction * (end - t);
            self.minute_open = true;
            t = end;
            if end >= minute_end {
                self.close_minute();
                self.minute = m + 1;
            }
        }
    }

    /// Adds the span's expected successes and failures to the timeline,
    /// one chunk per bucket it touches.
    fn timeline_span(&mut self, from_s: f64, to_s: f64, rate: f64, fraction: f64) {
        if rate <= 0.0 {
            return;
        }
        let width = self.timeline.bucket_s as f64;
        let mut t = from_s;
        while t < to_s {
            let end = (((t / width).floor() + 1.0) * width).min(to_s);
            let n = rate * (end - t);
            self.cum_ok += n * fraction;
            self.cum_failed += n * (1.0 - fraction);
            let ok = (self.cum_ok.round() as u64).saturating_sub(self.emitted_ok);
            let failed = (self.cum_failed.round() as u64).saturating_sub(self.emitted_failed);
            self.emitted_ok += ok;
            self.emitted_failed += failed;
            self.timeline.add(t as u64, ok, failed);
            t = end;
        }
    }

    fn close_minute(&mut self) {
        if !self.minute_open {
            return;
        }
        self.minutes_total += 1;
        let (o, s) = (self.minute_offered, self.minute_served);
        self.minutes_good += self.good_probability(o, s);
        self.minute_offered = 0.0;
        self.minute_served = 0.0;
        self.minute_open = false;
    }

    /// Probability a minute of `offered` expected requests, `served` of
    /// them served, meets the target (Poisson failures).
    fn good_probability(&self, offered: f64, served: f64) -> f64 {
        if offered <= 0.0 {
            return 1.0;
        }
        let allowed = ((1.0 - self.target) * offered + 1e-9).floor();
        let mean = (offered - served).max(0.0);
        poisson_cdf(allowed, mean)
    }

    pub fn finish(&mut self) {
        self.close_minute();
    }

    /// Longest outage in whole seconds.
    pub fn longest_outage_s(&self) -> f64 {
        self.outages
            .iter()
            .map(|(a, b)| (b - a).round())
            .fold(0.0, f64::max)
    }

    pub fn recoveries(&self, watches: &[Watch], horizon_s: f64) -> Vec<Recovery> {
        watches
            .iter()
            .map(|w| {
                let start_s = w.start.as_secs_f64().floor();
                let limit = w.end.map_or(f64::INFINITY, |e| e.as_secs_f64()) + IMPACT_GRACE_SECONDS;
                let first = self
                    .outages
                    .iter()
                    .position(|&(a, b)| b > start_s && a <= limit);
                let recovered = match first {
                    None => Some(start_s),
                    Some(i) => {
                        let mut at = None;
                        for j in i..self.outages.len() {
                            let end = self.outages[j].1;
                            let next = self.outages.get(j + 1).map_or(f64::INFINITY, |o| o.0);
                            if next - end >= RECOVERED_AFTER_GOOD_SECONDS
                                && end + RECOVERED_AFTER_GOOD_SECONDS <= horizon_s
                            {
                                at = Some(end.ceil());
                                break;
                            }
                        }
                        at
                    }
                };
                Recovery {
                    fault: w.id.clone(),
                    action: w.action.to_string(),
                    start_s,
                    end_s: w.end.map(|e| e.as_secs_f64().floor()),
                    impact: first.is_some(),
                    failed: None,
                    recovered_at_s: recovered,
                    time_to_recover_s: recovered.map(|r| (r - start_s).max(0.0)),
                }
            })
            .collect()
    }
}

/// P(K ≤ k) for K ~ Poisson(mean): summed terms for small k, the normal
/// approximation with continuity correction beyond.
fn poisson_cdf(k: f64, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 1.0;
    }
    if k > 500.0 || mean > 500.0 {
        let z = (k + 0.5 - mean) / libm::sqrt(mean);
        return 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    }
    let mut term = libm::exp(-mean);
    let mut sum = term;
    for i in 1..=(k as u32) {
        term *= mean / f64::from(i);
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_cdf_matches_known_values() {
        assert!((poisson_cdf(0.0, 2.0) - (-2.0f64).exp()).abs() < 1e-12);
        // P(K ≤ 2 | 1) = e^−1 (1 + 1 + 1/2).
        assert!((poisson_cdf(2.0, 1.0) - 2.5 * (-1.0f64).exp()).abs() < 1e-12);
        assert!((poisson_cdf(1000.0, 1000.0) - 0.5).abs() < 0.02);
    }

    #[test]
    fn minutes_are_good_or_bad_at_high_rates_and_by_chance_at_low_ones() {
        let mut l = Ledger::new(0.999, 0.0, 3_600);
        l.span(0.0, 120.0, 200.0, 1.0);
        l.span(120.0, 180.0, 200.0, 0.99);
        l.finish();
        assert_eq!(l.minutes_total, 3);
        assert!((l.minutes_good - 2.0).abs() < 1e-9);
        // 12 requests a minute, 1 % failing: good when none failed.
        let mut l = Ledger::new(0.999, 0.0, 3_600);
        l.span(0.0, 60.0, 0.2, 0.99);
        l.finish();
        assert!((l.minutes_good - (-0.12f64).exp()).abs() < 1e-9);
    }

    #[test]
    fn timeline_buckets_add_up_to_the_expected_requests() {
        let mut l = Ledger::new(0.999, 0.0, 3_600);
        l.span(0.0, 1_000.5, 2.0, 1.0);
        l.span(1_000.5, 1_300.0, 2.0, 0.25);
        l.span(1_300.0, 3_600.0, 2.0, 1.0);
        let ok: u64 = l.timeline.ok.iter().sum();
        let failed: u64 = l.timeline.failed.iter().sum();
        assert_eq!(ok + failed, 7_200);
        assert_eq!(failed, 449); // 299.5 s × 2/s × 0.75, rounded
                                 // The bad span shows in the buckets it covers, not elsewhere.
        let bucket = l.timeline.bucket_s;
        let bad: Vec<usize> = (0..l.timeline.len())
            .filter(|&i| l.timeline.failed[i] > 0)
            .collect();
        assert_eq!(bad.first().copied(), Some((1_000 / bucket) as usize));
        assert_eq!(bad.last().copied(), Some((1_299 / bucket) as usize));
    }
}
