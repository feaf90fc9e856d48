//! Latency of successful requests in the fluid mode, as a weighted
//! histogram.
//!
//! Assumptions and approximations:
//! - A class's path latency without queueing (service times, network hops,
//!   a synchronous standby's round trip on writes) is represented by a
//!   fixed set of `SAMPLES` draws made once per run from the path's own
//!   distributions (stream `fluid/latency`), separately for cache hits and
//!   misses. Hop round trips are same-zone or cross-zone in proportion to
//!   the zones (a target in any zone equally likely).
//! - Each state adds, per station on the path, an Erlang C wait (0 with
//!   probability 1 − Pw, exponential otherwise) drawn by inverse transform
//!   from uniforms fixed per sample, so the same state always gives the
//!   same distribution. A request that succeeds on attempt k also waited
//!   k − 1 failed attempts (their mean duration) and k − 1 mean backoffs.
//! - States are grouped by their quantised parameters (Pw to 10⁻⁴, wait
//!   rate to 1 %, extra delay to 100 µs); each group's expected successes
//!   are spread over its samples in whole counts, then recorded once at the
//!   end of the run: the histogram's cost does not grow with the horizon.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use rand::RngExt;

use super::context::Ctx;
use super::flow::ClassOutcome;
use super::queueing::{self, Station};
use crate::config::{ModelConfig, Op};
use crate::dist::Dist;
use crate::model::world::ComponentRef;
use crate::rng::SimRng;

/// Draws per class and cache outcome.
pub const SAMPLES: usize = 1024;
/// The request level's histogram bounds (`metrics/recorder.rs`).
const LATENCY_MAX_US: u64 = 86_400_000_000;

struct Variant {
    base_s: Vec<f64>,
    /// SAMPLES × stations uniforms, row-major.
    uniforms: Vec<f64>,
    stations: usize,
}

/// The no-queueing latency draws of every class (hit and miss variants).
pub struct Paths {
    classes: Vec<Vec<Variant>>,
}

impl Paths {
    pub fn new(model: &ModelConfig, ctx: &Ctx, rng: &mut SimRng) -> Paths {
        let zones = model.zones.len().max(1) as f64;
        let net = &model.network;
        let classes = ctx
            .classes
            .iter()
            .enumerate()
            .map(|(k, class)| {
                let stations = class
                    .steps
                    .iter()
                    .filter(|s| matches!(s.component, ComponentRef::Tier(_) | ComponentRef::Db(_)))
                    .count();
                let variants = if class.has_miss { 2 } else { 1 };
                (0..variants)
                    .map(|v| {
                        let miss = v == 1 || !class.has_miss;
                        let mut base_s = vec![0.0; SAMPLES];
                        let mut first = true;
                        for s in &class.steps {
                            if s.op == Op::ReadOnMiss && !miss {
                                continue;
                            }
                            let (service, zoned) = step_dist(model, k, s.index, s.op);
                            if zoned {
                                let hops = if first {
                                    [net.client_rtt, net.client_rtt]
                                } else {
                                    [net.same_zone_rtt, net.cross_zone_rtt]
                                };
                                let (pick, us) = (latin(rng), latin(rng));
                                for (i, x) in base_s.iter_mut().enumerate() {
                                    let cross = pick[i] < (zones - 1.0) / zones;
                                    *x += hops[usize::from(cross)].quantile_s(us[i]);
                                }
                            }
                            first = false;
                            if let Some(d) = service {
                                for (x, u) in base_s.iter_mut().zip(latin(rng)) {
                                    *x += d.quantile_s(u);
                                }
                            }
                            if s.op == Op::Write && standby(model, s.index) {
                                for (x, u) in base_s.iter_mut().zip(latin(rng)) {
                                    *x += net.cross_zone_rtt.quantile_s(u);
                                }
                            }
                        }
                        // Per station a column of stratified uniforms, laid
                        // out sample by sample.
                        let columns: Vec<Vec<f64>> = (0..stations).map(|_| latin(rng)).collect();
                        let mut uniforms = Vec::with_capacity(SAMPLES * stations);
                        for i in 0..SAMPLES {
                            uniforms.extend(columns.iter().map(|c| c[i]));
                        }
                        Variant {
                            base_s,
                            uniforms,
                            stations,
                        }
                    })
                    .collect()
            })
            .collect();
        Paths { classes }
    }
}

/// Latin hypercube column: one uniform in each of `SAMPLES` equal strata,
/// in random order, so every marginal (its tail included) is covered
/// evenly and columns stay independent.
fn latin(rng: &mut SimRng) -> Vec<f64> {
    let mut u: Vec<f64> = (0..SAMPLES)
        .map(|i| (i as f64 + rng.random::<f64>()) / SAMPLES as f64)
        .collect();
    for i in (1..SAMPLES).rev() {
        let j = rng.random_range(0..=i);
        u.swap(i, j);
    }
    u
}

fn standby(model: &ModelConfig, component: usize) -> bool {
    matches!(&model.components[component].kind, crate::config::ComponentKind::Database(d) if d.standby_zone.is_some())
}

/// A step's service distribution and whether it is a zoned hop.
fn step_dist(model: &ModelConfig, class: usize, component: usize, op: Op) -> (Option<Dist>, bool) {
    use crate::config::ComponentKind as K;
    match &model.components[component].kind {
        K::Tier(t) => (Some(t.service_time_by_class[class]), true),
        K::Database(d) => (
            Some(if op == Op::Write {
                d.write_time
            } else {
                d.read_time
            }),
            true,
        ),
        K::Cache(c) => (Some(c.service_time), true),
        K::ObjectStore(o) => (Some(o.service_time), false),
        K::External(x) => (Some(x.service_time), false),
        K::LoadBalancer(_) => (None, true),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    class: u16,
    variant: u8,
    extra_100us: u64,
    /// Per station: (Pw × 10⁴, round(100 · ln rate)); rate ≤ 0 is i32::MIN.
    stations: Vec<(u32, i32)>,
}

fn quantise(s: &Station) -> (u32, i32) {
    let pw = (s.wait_probability.clamp(0.0, 1.0) * 1e4).round() as u32;
    if pw == 0 {
        return (0, 0);
    }
    let rate = if s.wait_rate_per_s > 0.0 {
        (libm::log(s.wait_rate_per_s) * 100.0).round() as i32
    } else {
        i32::MIN
    };
    (pw, rate)
}

fn unquantise(q: (u32, i32)) -> Station {
    Station {
        wait_probability: f64::from(q.0) / 1e4,
        wait_rate_per_s: if q.1 == i32::MIN {
            0.0
        } else {
            libm::exp(f64::from(q.1) / 100.0)
        },
        shed_fraction: 0.0,
        shed_by_timeout: false,
    }
}

/// Expected successes per latency group, in a fixed order.
#[derive(Default)]
pub struct LatencyBook {
    weights: BTreeMap<Key, f64>,
}

impl LatencyBook {
    /// Adds the successes of class `k` over `seconds` in one state.
    pub fn add(&mut self, ctx: &Ctx, k: usize, outcome: &ClassOutcome, seconds: f64) {
        let class = &ctx.classes[k];
        let requests = outcome.rate_per_s * seconds;
        if requests <= 0.0 {
            return;
        }
        let f = outcome.attempt_fail;
        let variants: &[(u8, f64)] = if class.has_miss {
            &[(0, 1.0 - outcome.miss), (1, outcome.miss)]
        } else {
            &[(0, 1.0)]
        };
        let mut extra_s = 0.0;
        let mut reach = 1.0; // f^(attempt − 1)
        for attempt in 0..ctx.attempts as usize {
            if attempt > 0 {
                extra_s +=
                    outcome.fail_s + ctx.backoff_mean_s.get(attempt - 1).copied().unwrap_or(0.0);
                reach *= f;
            }
            let succeed = requests * reach * (1.0 - f);
            if succeed <= 0.0 {
                break;
            }
            for &(variant, p) in variants {
                if p <= 0.0 {
                    continue;
                }
                let stations = outcome
                    .stations
                    .iter()
                    .map(|(s, on_miss)| {
                        if *on_miss && variant == 0 {
                            (0, 0)
                        } else {
                            quantise(s)
                        }
                    })
                    .collect();
                let key = Key {
                    class: k as u16,
                    variant,
                    extra_100us: (extra_s * 1e4).round() as u64,
                    stations,
                };
                *self.weights.entry(key).or_insert(0.0) += succeed * p;
            }
        }
    }

    /// The histogram (µs) and the exact mean (ms) of the recorded groups.
    /// Attempts slower than `timeout_s` timed out (the flow counted them
    /// as failures), so each group's successes are spread over its samples
    /// within the timeout.
    pub fn histogram(
        &self,
        paths: &Paths,
        saturated_wait_s: f64,
        timeout_s: Option<f64>,
    ) -> (Histogram<u64>, Option<f64>) {
        let mut h = Histogram::new_with_bounds(1, LATENCY_MAX_US, 3)
            .expect("static histogram bounds are valid");
        let (mut sum_s, mut weight) = (0.0, 0.0);
        let mut latency: Vec<f64> = Vec::with_capacity(SAMPLES);
        let mut stations: Vec<Station> = Vec::new();
        for (key, &w) in &self.weights {
            let v = &paths.classes[key.class as usize][key.variant as usize];
            stations.clear();
            stations.extend(key.stations.iter().map(|&q| unquantise(q)));
            let extra = key.extra_100us as f64 / 1e4;
            latency.clear();
            for i in 0..SAMPLES {
                let mut x = v.base_s[i];
                for (j, s) in stations.iter().enumerate().take(v.stations) {
                    let u = v.uniforms[i * v.stations + j];
                    x += queueing::wait_quantile_s(s, u, saturated_wait_s);
                }
                if timeout_s.is_none_or(|t| x <= t) {
                    latency.push(x + extra);
                }
            }
            if latency.is_empty() {
                continue;
            }
            let kept = latency.len() as f64;
            let mean = latency.iter().sum::<f64>() / kept;
            sum_s += mean * w;
            weight += w;
            // Whole counts that add up to round(w), spread evenly.
            let mut done = 0u64;
            for (i, &x) in latency.iter().enumerate() {
                let upto = (w * (i + 1) as f64 / kept).round() as u64;
                let n = upto - done;
                done = upto;
                if n > 0 {
                    let us = ((x * 1e6).round() as u64).max(1);
                    h.saturating_record_n(us, n);
                }
            }
        }
        let mean_ms = (weight > 0.0).then(|| sum_s / weight * 1e3);
        (h, mean_ms)
    }
}
