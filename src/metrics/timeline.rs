//! Requests over time in a bounded number of buckets, for the availability
//! chart of the HTML report.
//!
//! Memory is bounded for any horizon: buckets start [`START_BUCKET_S`] wide
//! (one per minute) and there are never more than [`MAX_BUCKETS`]. When a
//! completion falls past the last bucket the timeline can hold, neighbouring
//! pairs of buckets are merged and the width doubles, so a 2 h run keeps
//! 120 one-minute buckets and a 365-day run 1,027 buckets of 8 h 32 min.
//! The recorder adds one closed second at a time (never per request), so the
//! request hot path does not see the timeline at all.
//!
//! Because [`Timeline::cover`] widens the buckets to fit the horizon at the
//! end of a run, the final width depends on the horizon only: every run of a
//! scenario ends with the same width, and a study adds its runs' timelines
//! bucket by bucket (integer counts, exact in any order).

/// Width of the first buckets: one minute.
pub const START_BUCKET_S: u64 = 60;
/// Most buckets a timeline holds (2 × 2,048 counters: 32 KiB).
pub const MAX_BUCKETS: usize = 2_048;

/// Finished requests per time bucket, by outcome. Bucket `i` covers the
/// simulated seconds `i * bucket_s .. (i + 1) * bucket_s`, from time 0 (the
/// warm-up's buckets stay empty: its requests are not measured).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub bucket_s: u64,
    pub ok: Vec<u64>,
    pub failed: Vec<u64>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::new()
    }
}

impl Timeline {
    pub fn new() -> Timeline {
        Timeline {
            bucket_s: START_BUCKET_S,
            ok: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// Adds the requests that finished in the second starting at `second`.
    /// Never inlined: it runs once per simulated second, and keeping it out
    /// of the recorder's request path leaves that path's code as it was.
    #[inline(never)]
    pub fn add(&mut self, second: u64, ok: u64, failed: u64) {
        let index = self.fit(second);
        self.ok[index] += ok;
        self.failed[index] += failed;
    }

    /// Widens the buckets until the second `end_s` (exclusive) fits, and
    /// extends the timeline to cover `0..end_s` with empty buckets.
    pub fn cover(&mut self, end_s: u64) {
        if end_s > 0 {
            self.fit(end_s - 1);
        }
    }

    /// The bucket index of `second`, after widening and extending as needed.
    fn fit(&mut self, second: u64) -> usize {
        while second / self.bucket_s >= MAX_BUCKETS as u64 {
            self.double();
        }
        let index = (second / self.bucket_s) as usize;
        if index >= self.ok.len() {
            self.ok.resize(index + 1, 0);
            self.failed.resize(index + 1, 0);
        }
        index
    }

    /// Merges neighbouring pairs of buckets: the width doubles.
    fn double(&mut self) {
        let pairs = |v: &[u64]| -> Vec<u64> { v.chunks(2).map(|p| p.iter().sum()).collect() };
        self.ok = pairs(&self.ok);
        self.failed = pairs(&self.failed);
        self.bucket_s *= 2;
    }

    /// Adds `other` bucket by bucket, first widening whichever timeline has
    /// the narrower buckets (widths are both `START_BUCKET_S` × 2^k).
    pub fn merge(&mut self, other: &Timeline) {
        let mut other = other.clone();
        while other.bucket_s < self.bucket_s {
            other.double();
        }
        while self.bucket_s < other.bucket_s {
            self.double();
        }
        if other.ok.len() > self.ok.len() {
            self.ok.resize(other.ok.len(), 0);
            self.failed.resize(other.ok.len(), 0);
        }
        for (i, (&ok, &failed)) in other.ok.iter().zip(&other.failed).enumerate() {
            self.ok[i] += ok;
            self.failed[i] += failed;
        }
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.ok.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ok.is_empty()
    }

    /// Fraction of bucket `i`'s finished requests that succeeded; `None`
    /// when none finished in it.
    pub fn availability(&self, i: usize) -> Option<f64> {
        let (ok, failed) = (self.ok[i], self.failed[i]);
        (ok + failed > 0).then(|| ok as f64 / (ok + failed) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_hours_keep_one_minute_buckets() {
        let mut t = Timeline::new();
        t.add(0, 5, 1);
        t.add(59, 1, 0);
        t.add(60, 2, 0);
        t.cover(7_200);
        assert_eq!(t.bucket_s, 60);
        assert_eq!(t.len(), 120);
        assert_eq!((t.ok[0], t.failed[0], t.ok[1]), (6, 1, 2));
        assert_eq!(t.availability(0), Some(6.0 / 7.0));
        assert_eq!(t.availability(2), None);
    }

    #[test]
    fn a_year_stays_bounded_and_loses_no_request() {
        let mut t = Timeline::new();
        let year_s = 365 * 86_400;
        let mut total = 0;
        for second in (0..year_s).step_by(997) {
            t.add(second, 3, 1);
            total += 4;
            assert!(t.len() <= MAX_BUCKETS);
        }
        t.cover(year_s);
        // 60 × 2^9 = 30,720 s: 31,536,000 / 30,720 = 1,026.6 → 1,027 buckets
        // (60 × 2^8 would need 2,054).
        assert_eq!(t.bucket_s, 30_720);
        assert_eq!(t.len(), 1_027);
        let counted: u64 = t.ok.iter().chain(&t.failed).sum();
        assert_eq!(counted, total);
    }

    #[test]
    fn merging_widens_the_finer_timeline_first() {
        let mut a = Timeline::new();
        a.add(30, 1, 0);
        let mut b = Timeline::new();
        b.add(100, 0, 1);
        b.cover(200_000);
        a.merge(&b);
        assert_eq!(a.bucket_s, b.bucket_s);
        assert_eq!(a.len(), b.len());
        assert_eq!((a.ok[0], a.failed[0]), (1, 1));
        // Merging an empty timeline changes nothing.
        let before = a.clone();
        a.merge(&Timeline::new());
        assert_eq!(a, before);
    }
}
