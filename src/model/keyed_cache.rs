//! A keyed cache: an explicit key space whose hit ratio emerges from fills,
//! so a cold or flushed cache warms up from its own misses and a cache loss
//! floods the database with the misses of every key at once (a stampede).
//!
//! Assumptions:
//! - `count` keys ranked by popularity; a read draws rank r (0-based) with
//!   weight 1 / (r + 1)^s, a Zipf law. Web request streams follow Zipf with
//!   α ≈ 0.64–0.83 (Breslau, Cao, Fan, Phillips, Shenker, "Web Caching and
//!   Zipf-like Distributions", INFOCOM 1999): the default `zipf` is 0.8.
//!   Draws use rejection-inversion (Hörmann and Derflinger, "Rejection-
//!   inversion to generate variates from monotone discrete distributions",
//!   1996) from the cache's own stream `cache/<name>/keys`, so the
//!   `hit_ratio` model's streams are untouched.
//! - A key lives on node `key mod nodes` (a client-side hash); a down node
//!   misses every read (the look-aside client treats it as a miss) and a
//!   node that comes back, or a `cache_flush`, is empty: warm-up is not a
//!   parameter but the refill by misses (`warmup` is ignored).
//! - A miss is filled when the reader's `read_on_miss` database read
//!   returns (look-aside: read the database, then set the key); a node
//!   holds `capacity / nodes` keys and evicts its least popular key (an
//!   ideal LFU: the steady-state hit ratio is the popularity mass of the
//!   top `capacity` keys, a closed form; an LRU cache would hit less).
//!   A key expires `ttl` after its fill (default: never).
//! - `coalescing: true` is single flight: one fill per key in flight; other
//!   misses for that key wait for it and then read the filled value (they
//!   skip the database). If the filler fails, the first waiter takes over
//!   the fill at once.
//! - `lease: 10s` adds memcache leases ("Scaling Memcache at Facebook",
//!   Nishtala et al., NSDI 2013, §3.2.1: a lease token per key at most once
//!   every 10 s; other readers wait and retry): it implies coalescing, and a
//!   failed filler's token passes to the next waiter only `lease` after the
//!   previous token was issued, so a failing database sees at most one fill
//!   per key per `lease`. Serving stale values to waiters is not modelled
//!   (firedrill's caches hold no versions).
//! - Memory is bounded: `count` ≤ 10^7, each node's map ≤ its capacity, and
//!   waiters ≤ requests in flight.

use std::collections::BTreeMap;

use rand::RngExt;

use crate::config::KeySpace;
use crate::model::event::{AttemptId, RequestId};
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

/// Zipf(s) over ranks 1..=n by rejection-inversion.
#[derive(Clone, Debug)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_x1: f64,
    h_n: f64,
    s_div: f64,
}

fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.ln_1p() / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.exp_m1() / x
    } else {
        1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x))
    }
}

impl Zipf {
    pub fn new(n: u32, s: f64) -> Zipf {
        let mut z = Zipf {
            n: f64::from(n.max(1)),
            s,
            h_x1: 0.0,
            h_n: 0.0,
            s_div: 0.0,
        };
        z.h_x1 = z.h_integral(1.5) - 1.0;
        z.h_n = z.h_integral(z.n + 0.5);
        z.s_div = 2.0 - z.h_integral_inverse(z.h_integral(2.5) - z.h(2.0));
        z
    }

    fn h(&self, x: f64) -> f64 {
        (-self.s * x.ln()).exp()
    }

    fn h_integral(&self, x: f64) -> f64 {
        let log_x = x.ln();
        helper2((1.0 - self.s) * log_x) * log_x
    }

    fn h_integral_inverse(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.s)).max(-1.0);
        (helper1(t) * x).exp()
    }

    /// A rank, 0 = the most popular.
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        loop {
            let u: f64 = rng.random();
            let u = self.h_n + u * (self.h_x1 - self.h_n);
            let x = self.h_integral_inverse(u);
            let k = (x + 0.5).floor().clamp(1.0, self.n);
            if k - x <= self.s_div || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u32 - 1;
            }
        }
    }
}

/// Σ_{i=1..n} i^−s: exact up to 10^4 terms, then Euler–Maclaurin.
pub fn harmonic(n: u32, s: f64) -> f64 {
    let m = n.min(10_000);
    let head: f64 = (1..=m).map(|i| f64::from(i).powf(-s)).sum();
    if n == m {
        return head;
    }
    let (a, b) = (f64::from(m), f64::from(n));
    let integral = if (s - 1.0).abs() < 1e-12 {
        (b / a).ln()
    } else {
        (b.powf(1.0 - s) - a.powf(1.0 - s)) / (1.0 - s)
    };
    let f = |x: f64| x.powf(-s);
    let df = |x: f64| -s * x.powf(-s - 1.0);
    head + integral + (f(b) - f(a)) / 2.0 + (df(b) - df(a)) / 12.0
}

/// The popularity mass of the `k` most popular of `n` Zipf(s) keys: the
/// hit ratio of a warm cache that holds them.
pub fn top_mass(n: u32, s: f64, k: u32) -> f64 {
    if k >= n {
        return 1.0;
    }
    harmonic(k, s) / harmonic(n, s)
}

/// Who an attempt is, to tell a parked attempt from a later one in its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ident {
    pub request: RequestId,
    pub generation: u32,
    pub number: u32,
}

/// A fill in flight (coalescing): its token's issue time and the misses
/// waiting for it.
#[derive(Debug)]
pub struct Flight {
    pub issued: SimTime,
    pub waiters: Vec<(AttemptId, Ident)>,
}

/// The outcome of a keyed lookup on an up node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyedLookup {
    Hit,
    /// A miss this reader fills.
    Fill,
    /// A miss whose fill is in flight: wait for it.
    Wait,
}

pub struct KeyedCache {
    pub space: KeySpace,
    zipf: Zipf,
    rng: SimRng,
    per_node: usize,
    /// Per node: key → when it was filled.
    stores: Vec<BTreeMap<u32, SimTime>>,
    pub flights: BTreeMap<u32, Flight>,
    /// With a lease: the earliest time a key's next token may be issued
    /// (kept until a fill of the key succeeds).
    lease_after: BTreeMap<u32, SimTime>,
    /// Fills completed (keys set), for tests and reports.
    pub fills: u64,
}

impl KeyedCache {
    pub fn new(space: KeySpace, nodes: usize, rng: SimRng) -> KeyedCache {
        let nodes = nodes.max(1);
        KeyedCache {
            zipf: Zipf::new(space.count, space.zipf),
            per_node: (space.capacity as usize).div_ceil(nodes),
            stores: (0..nodes).map(|_| BTreeMap::new()).collect(),
            space,
            rng,
            flights: BTreeMap::new(),
            lease_after: BTreeMap::new(),
            fills: 0,
        }
    }

    pub fn coalescing(&self) -> bool {
        self.space.coalescing || self.space.lease.is_some()
    }

    /// Draws the key of one read and the node that holds it.
    pub fn draw(&mut self) -> (u32, usize) {
        let key = self.zipf.sample(&mut self.rng);
        (key, key as usize % self.stores.len())
    }

    pub fn lookup(&mut self, key: u32, node: usize, now: SimTime) -> KeyedLookup {
        let store = &mut self.stores[node];
        if let Some(&filled) = store.get(&key) {
            match self.space.ttl {
                Some(ttl) if now.since(filled) >= ttl => {
                    store.remove(&key);
                }
                _ => return KeyedLookup::Hit,
            }
        }
        if self.coalescing() && self.flights.contains_key(&key) {
            KeyedLookup::Wait
        } else {
            KeyedLookup::Fill
        }
    }

    /// Issues `key`'s fill token: how long the filler waits for it (zero
    /// without a lease, else until `lease` after the previous token).
    pub fn issue_token(&mut self, key: u32, now: SimTime) -> SimDuration {
        let Some(lease) = self.space.lease else {
            return SimDuration::ZERO;
        };
        let at = match self.lease_after.get(&key) {
            Some(&t) if t > now => t,
            _ => now,
        };
        self.lease_after.insert(key, at + lease);
        at.since(now)
    }

    /// Sets `key` on `node`, evicting the node's least popular key when full.
    pub fn fill(&mut self, key: u32, node: usize, now: SimTime) {
        let store = &mut self.stores[node];
        self.lease_after.remove(&key);
        store.insert(key, now);
        if store.len() > self.per_node {
            store.pop_last();
        }
        self.fills += 1;
    }

    /// Node `node` lost its memory.
    pub fn clear(&mut self, node: usize) {
        self.stores[node].clear();
    }

    pub fn clear_all(&mut self) {
        self.stores.iter_mut().for_each(BTreeMap::clear);
    }

    /// Keys held over all nodes.
    pub fn held(&self) -> usize {
        self.stores.iter().map(BTreeMap::len).sum()
    }

    /// The warm cache's hit ratio (closed form).
    pub fn steady_hit_ratio(&self) -> f64 {
        top_mass(self.space.count, self.space.zipf, self.space.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_draws_match_their_weights() {
        // n = 100, s = 0.8: P(rank 0) = 1 / H(100, 0.8).
        let z = Zipf::new(100, 0.8);
        let mut rng = crate::rng::stream(1, "t");
        let n = 200_000;
        let zeros = (0..n).filter(|_| z.sample(&mut rng) == 0).count() as f64;
        let p = 1.0 / harmonic(100, 0.8);
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!((zeros / n as f64 - p).abs() < 5.0 * sd, "{zeros} {p}");
    }

    #[test]
    fn harmonic_tail_is_accurate() {
        let exact: f64 = (1..=50_000u32).map(|i| f64::from(i).powf(-0.7)).sum();
        assert!((harmonic(50_000, 0.7) - exact).abs() < 1e-6 * exact);
    }
}
