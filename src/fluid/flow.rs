//! Traffic as a rate: what fraction of each request class an
//! infrastructure state serves, why the rest fails, and where it queues.
//!
//! Assumptions and approximations:
//! - An attempt walks its class's path; each step fails it with a
//!   probability read off the state, independently of the other steps:
//!   a client reaching a dark load-balancer node (weight 1 while listed in
//!   DNS, ½ while cached answers expire); a load balancer routing to a dead
//!   target it has not yet taken out (round robin, random, power of two
//!   and consistent hash: the dead targets' share of its candidates; least
//!   outstanding: a blackholed target only as fast as its hanging requests
//!   drain, (L + 1) per connect timeout, a refusing one as if always idle);
//!   a tier called directly with dead instances; a database without a
//!   primary (failover in progress, or none possible), or stale endpoint
//!   answers for one TTL after a failover (½ of callers on average); a
//!   dependency outage; a station's queue overflowing.
//! - A failed attempt takes 0 s when refused and min(connect timeout,
//!   client timeout) when blackholed (cause `timeout` when the client gives
//!   up first). Retries are independent: a request fails with f^attempts,
//!   with the cause of its last attempt; a total outage (f = 1) fails them
//!   all. Retries add their load (attempt rate = rate × Σ f^k).
//! - Loads, queueing and failures are solved together by three rounds of
//!   fixed-point iteration (retries raise load, load raises shedding).
//! - A tier instance holds its slot for its own service and the mean of
//!   its downstream calls (as the request level does); every station is
//!   M/M/c (`queueing.rs`) at its share of the load.

use super::context::{ClassInfo, Ctx, StationRef};
use super::infra::{Failover, Infra};
use super::queueing::{self, Station};
use super::routing::{direct_dead_share, lb_dark_share, lb_dead_share};
use crate::config::{DownMode, Op, ReadFrom};
use crate::metrics::ErrorCause;
use crate::model::path::INTERNAL_CONNECT_TIMEOUT;
use crate::model::world::ComponentRef;

/// Fixed-point rounds for load ↔ failure (retries) ↔ shedding.
const ROUNDS: usize = 3;

/// One class in one state.
#[derive(Clone, Debug, Default)]
pub struct ClassOutcome {
    /// Offered requests per second.
    pub rate_per_s: f64,
    /// Probability one attempt fails.
    pub attempt_fail: f64,
    /// Attempt failure probability by cause (sums to `attempt_fail`).
    pub causes: [f64; ErrorCause::ALL.len()],
    /// Mean duration of a failing attempt.
    pub fail_s: f64,
    /// Probability a cache lookup misses.
    pub miss: f64,
    /// The stations on the path, in order, and whether each is only
    /// visited on a cache miss.
    pub stations: Vec<(Station, bool)>,
    /// Per step: expected time the attempt hangs on blackholed nodes in
    /// the steps after it (server side: connect timeouts, not the
    /// client's), which a tier instance spends holding its slot.
    pub hang_after_s: Vec<f64>,
    /// Per tier: share of this class's attempts routed to dead instances
    /// (they do not load the live ones).
    pub tier_dead: Vec<f64>,
}

impl ClassOutcome {
    /// Probability a request fails after all its attempts.
    pub fn request_fail(&self, attempts: u32) -> f64 {
        self.attempt_fail.powi(attempts as i32)
    }
}

pub struct Evaluation {
    pub classes: Vec<ClassOutcome>,
    /// Fraction of admissions to tier instances that queued.
    pub wait_probability: f64,
    /// Admissions to tier instances per second.
    pub admitted_per_s: f64,
}

/// Evaluates the state at total arrival rate `rate_per_s`.
pub fn evaluate(ctx: &Ctx, infra: &Infra, rate_per_s: f64) -> Evaluation {
    let n = ctx.classes.len();
    let mut outcomes: Vec<ClassOutcome> = vec![ClassOutcome::default(); n];
    let mut stations: Vec<Station> = Vec::new();
    let mut refs: Vec<StationRef> = Vec::new();
    let mut tier_rate = vec![0.0; ctx.tiers.len()];
    let mut tier_hold = vec![0.0; ctx.tiers.len()];
    for _ in 0..ROUNDS {
        // Loads from the previous round's failure probabilities.
        tier_rate.iter_mut().for_each(|x| *x = 0.0);
        tier_hold.iter_mut().for_each(|x| *x = 0.0);
        let mut db_primary = vec![(0.0, 0.0); infra.dbs.len()];
        let mut db_replicas = vec![(0.0, 0.0); infra.dbs.len()];
        for (k, class) in ctx.classes.iter().enumerate() {
            let rate = rate_per_s * class.share * infra.class_factor[k] * infra.load_factor;
            let f = outcomes[k].attempt_fail;
            let multiplier: f64 = (0..ctx.attempts).map(|a| f.powi(a as i32)).sum();
            let attempts = rate * multiplier;
            let miss = cache_miss(infra, class);
            for (i, s) in class.steps.iter().enumerate() {
                match s.component {
                    ComponentRef::Tier(t) => {
                        let hang = outcomes[k].hang_after_s.get(i).copied().unwrap_or(0.0);
                        tier_rate[t.index()] += attempts;
                        tier_hold[t.index()] += attempts * (s.hold_s + hang);
                    }
                    ComponentRef::Db(d) => {
                        let d = d.index();
                        let a = if s.op == Op::ReadOnMiss {
                            attempts * miss
                        } else {
                            attempts
                        };
                        let slot = if s.op != Op::Write
                            && infra.dbs[d].config.read_from == ReadFrom::Replicas
                            && live_replicas(infra, d) > 0
                        {
                            &mut db_replicas[d]
                        } else {
                            &mut db_primary[d]
                        };
                        slot.0 += a;
                        slot.1 += a * s.hold_s;
                    }
                    _ => {}
                }
            }
            outcomes[k].rate_per_s = rate;
            outcomes[k].miss = miss;
        }
        stations.clear();
        refs.clear();
        for t in 0..ctx.tiers.len() {
            let alive = routed_alive(infra, t).max(1) as f64;
            let hold = if tier_rate[t] > 0.0 {
                tier_hold[t] / tier_rate[t]
            } else {
                0.0
            };
            let info = &ctx.tiers[t];
            // Attempts routed to dead instances do not load the live ones.
            let dead = outcomes
                .iter()
                .filter_map(|o| o.tier_dead.get(t).copied())
                .fold(0.0, f64::max);
            let erlang_k = if info.balanced { alive } else { 1.0 };
            stations.push(queueing::station_gg(
                info.concurrency,
                hold,
                tier_rate[t] * (1.0 - dead) / alive,
                info.queue_limit,
                (1.0 + info.service_cv2) / 2.0,
                erlang_k,
            ));
            refs.push(StationRef::Tier(t));
        }
        for d in 0..infra.dbs.len() {
            let c = infra.dbs[d].config.concurrency;
            let q = infra.dbs[d].config.queue_limit;
            let variability = (1.0 + ctx.db_cv2.get(d).copied().unwrap_or(1.0)) / 2.0;
            let mean = |(r, h): (f64, f64)| if r > 0.0 { h / r } else { 0.0 };
            let (r, _) = db_primary[d];
            let hold = mean(db_primary[d]);
            stations.push(queueing::station_gg(c, hold, r, q, variability, 1.0));
            refs.push(StationRef::DbPrimary(d));
            let (r, _) = db_replicas[d];
            let hold = mean(db_replicas[d]);
            let live = live_replicas(infra, d).max(1) as f64;
            stations.push(queueing::station_gg(c, hold, r / live, q, variability, 1.0));
            refs.push(StationRef::DbReplicas(d));
        }
        for (k, class) in ctx.classes.iter().enumerate() {
            let rate = outcomes[k].rate_per_s;
            outcomes[k] = attempt(ctx, infra, class, &stations, &refs, &tier_rate);
            outcomes[k].rate_per_s = rate;
        }
    }
    let (mut admitted, mut waited) = (0.0, 0.0);
    for (t, rate) in tier_rate.iter().enumerate() {
        admitted += rate;
        waited += rate * stations[t].wait_probability;
    }
    Evaluation {
        classes: outcomes,
        wait_probability: if admitted > 0.0 {
            waited / admitted
        } else {
            0.0
        },
        admitted_per_s: admitted,
    }
}

fn live_replicas(infra: &Infra, d: usize) -> usize {
    let db = &infra.dbs[d];
    (0..db.servers.len())
        .filter(|&n| {
            db.roles[n] == crate::model::database::Role::Replica
                && infra.servers[db.servers[n]].is_up()
        })
        .count()
}

/// Instances of tier `t` that receive traffic and are up.
fn routed_alive(infra: &Infra, t: usize) -> usize {
    infra.tiers[t]
        .slots
        .iter()
        .filter(|&&s| infra.servers[s].is_up())
        .count()
}

fn cache_miss(infra: &Infra, class: &ClassInfo) -> f64 {
    class
        .steps
        .iter()
        .find_map(|s| match s.component {
            ComponentRef::Cache(c) => {
                let cache = &infra.caches[c.index()];
                let hit: f64 = cache
                    .nodes
                    .iter()
                    .map(|n| match (n.node.is_up(), n.cold) {
                        (true, false) => cache.hit_ratio,
                        (true, true) => cache.hit_ratio / 2.0,
                        (false, _) => 0.0,
                    })
                    .sum::<f64>()
                    / cache.nodes.len().max(1) as f64;
                Some(1.0 - hit)
            }
            _ => None,
        })
        .unwrap_or(1.0)
}

/// Accumulates an attempt's failure points along its path.
struct Walk {
    survive: f64,
    causes: [f64; ErrorCause::ALL.len()],
    fail_time: f64,
    /// Expected server-side hang of the current step.
    hang: f64,
}

impl Walk {
    fn fail(&mut self, p: f64, cause: ErrorCause, duration_s: f64) {
        let p = p.clamp(0.0, 1.0);
        if p <= 0.0 {
            return;
        }
        let w = self.survive * p;
        self.causes[cause as usize] += w;
        self.fail_time += w * duration_s;
        self.survive *= 1.0 - p;
    }

    /// A failure against a node that is down in `mode`.
    fn reach_down(
        &mut self,
        ctx: &Ctx,
        p: f64,
        mode: DownMode,
        connect_s: f64,
        cause: Option<ErrorCause>,
    ) {
        let cause = cause.unwrap_or(ErrorCause::reaching_down_node(mode));
        match mode {
            DownMode::Refuse => self.fail(p, cause, 0.0),
            DownMode::Blackhole => {
                self.hang += self.survive * p.clamp(0.0, 1.0) * connect_s;
                let cause = if cause == ErrorCause::ConnectionRefused {
                    ErrorCause::ConnectTimeout
                } else {
                    cause
                };
                let (d, cause) = ctx.hang(connect_s, cause);
                self.fail(p, cause, d);
            }
        }
    }
}

fn attempt(
    ctx: &Ctx,
    infra: &Infra,
    class: &ClassInfo,
    stations: &[Station],
    refs: &[StationRef],
    tier_rate: &[f64],
) -> ClassOutcome {
    let internal_s = INTERNAL_CONNECT_TIMEOUT.as_secs_f64();
    let mut w = Walk {
        survive: 1.0,
        causes: [0.0; ErrorCause::ALL.len()],
        fail_time: 0.0,
        hang: 0.0,
    };
    let mut hang_at: Vec<f64> = Vec::with_capacity(class.steps.len());
    let mut tier_dead = vec![0.0; ctx.tiers.len()];
    let miss = cache_miss(infra, class);
    let mut on_path: Vec<(Station, bool)> = Vec::new();
    let station_of = |r: StationRef| -> Station {
        refs.iter()
            .position(|&x| x == r)
            .map_or(Station::IDLE, |i| stations[i])
    };
    for s in &class.steps {
        match s.component {
            ComponentRef::Lb(lb) => {
                let dark = lb_dark_share(infra, lb.index());
                w.reach_down(ctx, dark, DownMode::Blackhole, internal_s, None);
            }
            ComponentRef::Tier(t) => {
                let t = t.index();
                let station = station_of(StationRef::Tier(t));
                let (dead_refuse, dead_blackhole, connect_s) = match s.via_lb {
                    Some(lb) => {
                        let (r, b) =
                            lb_dead_share(ctx, infra, lb, t, tier_rate[t], station, s.hold_s);
                        (r, b, ctx.lbs[lb].connect_timeout_s)
                    }
                    None => {
                        let (r, b) = direct_dead_share(infra, t);
                        (r, b, internal_s)
                    }
                };
                tier_dead[t] = dead_refuse + dead_blackhole;
                w.reach_down(ctx, dead_refuse, DownMode::Refuse, connect_s, None);
                w.reach_down(ctx, dead_blackhole, DownMode::Blackhole, connect_s, None);
                shed(ctx, &mut w, &station);
                on_path.push((station, false));
            }
            ComponentRef::Db(d) => {
                let d = d.index();
                let gate = if s.op == Op::ReadOnMiss { miss } else { 1.0 };
                let to_replicas = s.op != Op::Write
                    && infra.dbs[d].config.read_from == ReadFrom::Replicas
                    && live_replicas(infra, d) > 0;
                if !to_replicas {
                    db_failures(ctx, infra, d, gate, &mut w);
                }
                let station = station_of(if to_replicas {
                    StationRef::DbReplicas(d)
                } else {
                    StationRef::DbPrimary(d)
                });
                let before = w.survive;
                shed(ctx, &mut w, &station);
                // Only the gated share meets the database's queue.
                w.survive = before - (before - w.survive) * gate;
                on_path.push((station, s.op == Op::ReadOnMiss));
            }
            ComponentRef::External(x) => {
                if let Some(mode) = infra.externals_down[x.index()] {
                    w.reach_down(ctx, 1.0, mode, internal_s, Some(ErrorCause::DependencyDown));
                }
            }
            ComponentRef::Cache(_) | ComponentRef::ObjectStore(_) => {}
        }
        hang_at.push(std::mem::take(&mut w.hang));
    }
    let mut hang_after_s = vec![0.0; hang_at.len()];
    let mut later = 0.0;
    for i in (0..hang_at.len()).rev() {
        hang_after_s[i] = later;
        later += hang_at[i];
    }
    // Admitted attempts that queue past the client's timeout fail with
    // `timeout` (the tail of the summed waits, bounded by the sum of the
    // stations' tails).
    if let Some(timeout_s) = ctx.timeout_s {
        let late: f64 = on_path
            .iter()
            .map(|(st, on_miss)| {
                let gate = if *on_miss { miss } else { 1.0 };
                let tail = if st.wait_rate_per_s > 0.0 {
                    st.wait_probability * libm::exp(-st.wait_rate_per_s * timeout_s)
                } else {
                    0.0
                };
                gate * tail
            })
            .sum();
        w.fail(late.min(1.0), ErrorCause::Timeout, timeout_s);
    }
    let f = 1.0 - w.survive;
    ClassOutcome {
        rate_per_s: 0.0,
        attempt_fail: f,
        causes: w.causes,
        fail_s: if f > 0.0 { w.fail_time / f } else { 0.0 },
        miss,
        stations: on_path,
        hang_after_s,
        tier_dead,
    }
}

fn shed(ctx: &Ctx, w: &mut Walk, station: &Station) {
    if station.shed_fraction <= 0.0 {
        return;
    }
    if station.shed_by_timeout {
        let d = ctx
            .timeout_s
            .unwrap_or(INTERNAL_CONNECT_TIMEOUT.as_secs_f64());
        w.fail(station.shed_fraction, ErrorCause::Timeout, d);
    } else {
        w.fail(station.shed_fraction, ErrorCause::Overload, 0.0);
    }
}

/// Database failures of a step to the primary (through the endpoint).
fn db_failures(ctx: &Ctx, infra: &Infra, d: usize, gate: f64, w: &mut Walk) {
    let internal_s = INTERNAL_CONNECT_TIMEOUT.as_secs_f64();
    let db = &infra.dbs[d];
    let primary = &infra.servers[db.servers[db.primary]];
    if db.endpoint_stale {
        // Half of the callers still hold the old answer on average.
        let old = &infra.servers[db.servers[db.previous_primary]];
        if old.is_up() {
            w.fail(0.5 * gate, ErrorCause::StaleDns, 0.0);
        } else {
            w.reach_down(
                ctx,
                0.5 * gate,
                old.mode(),
                internal_s,
                Some(ErrorCause::StaleDns),
            );
        }
    }
    if !primary.is_up() {
        let cause = if db.failover != Failover::Idle {
            ErrorCause::FailoverInProgress
        } else {
            ErrorCause::DependencyDown
        };
        // `Walk::fail` conditions on survival: the stale half (if any)
        // already failed, so the rest of the gated share fails here.
        w.reach_down(ctx, gate, primary.mode(), internal_s, Some(cause));
    }
}
