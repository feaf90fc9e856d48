//! Overload latency: a server whose work slows down when more requests
//! wait than it can serve, so that "over capacity" is worse than "at
//! capacity" (contention, garbage collection, memory pressure, thrashing).
//!
//! Assumptions (an explicit, parameterised curve: no cloud provider
//! publishes one; calibrate it from a load test of the real service):
//! - The service time a request draws is stretched when it starts service
//!   by `min(max_factor, 1 + slope × queued / concurrency)`, where `queued`
//!   is the number of requests waiting at that moment: zero while the
//!   server keeps up (any load up to its capacity is unaffected), growing
//!   linearly with the backlog per slot, capped at `max_factor`.
//! - With a deep backlog a server of concurrency c and mean service time S
//!   serves at most c / (S × max_factor) requests per second instead of
//!   c / S: the lost throughput that lets a brief overload outlast its
//!   trigger (metastable failure) when callers retry.
//! - Defaults when `overload:` is given without values: `slope` 0.25 and
//!   `max_factor` 3 (assumptions, not published figures). Without
//!   `overload:` the server is unaffected (today's behaviour).

use crate::config::OverloadConfig;
use crate::time::SimDuration;

/// The stretch for a request starting service with `queued` requests
/// waiting at a server of `concurrency` slots.
pub fn factor(curve: &OverloadConfig, queued: usize, concurrency: u32) -> f64 {
    let per_slot = queued as f64 / f64::from(concurrency.max(1));
    (1.0 + curve.slope * per_slot).min(curve.max_factor)
}

/// `took` stretched by the curve.
pub fn stretch(
    curve: &OverloadConfig,
    took: SimDuration,
    queued: usize,
    concurrency: u32,
) -> SimDuration {
    let f = factor(curve, queued, concurrency);
    if f <= 1.0 {
        return took;
    }
    SimDuration::from_secs_f64(took.as_secs_f64() * f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_is_flat_without_a_backlog_linear_then_capped() {
        let c = OverloadConfig {
            slope: 0.5,
            max_factor: 3.0,
        };
        assert_eq!(factor(&c, 0, 4), 1.0);
        // 4 waiting on 4 slots: 1 per slot, 1 + 0.5 × 1.
        assert_eq!(factor(&c, 4, 4), 1.5);
        // 40 waiting: 1 + 0.5 × 10 = 6, capped at 3.
        assert_eq!(factor(&c, 40, 4), 3.0);
        let ms = SimDuration::from_secs_f64(0.010);
        assert_eq!(stretch(&c, ms, 0, 4), ms);
        assert_eq!(stretch(&c, ms, 4, 4), SimDuration::from_secs_f64(0.015));
    }
}
