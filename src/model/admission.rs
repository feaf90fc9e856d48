//! Admission control and load shedding at a server (a tier instance or a
//! database node): what it drops when work reaches the head of its queue,
//! in which order it takes queued work, what it throttles and whom it sheds
//! first. A policy applied where a request crosses into a server's queue,
//! kept out of the server itself: a server without an `admission:` block
//! never reaches this file (one cold `Option` check where a request is
//! offered and where a queued one is taken).
//!
//! Assumptions:
//! - `queue_timeout`: a request that waited in the queue longer than this
//!   is dropped when it reaches the head instead of being served, failing
//!   with `queue_timeout` (its caller may retry). Dropping happens at the
//!   head only: expired work deeper in the queue keeps its place until it
//!   gets there (Facebook, "Fail at Scale", ACM Queue 13(8), 2015:
//!   "controlled delay" drops work that sat too long instead of serving
//!   it). No default: without it nothing expires (today's behaviour).
//! - `drop_abandoned: true`: a request whose caller already gave up (the
//!   client's attempt timed out, or it retried) is dropped at the head,
//!   silently: its caller already counted the failure. Without it (the
//!   default, today's behaviour) such zombies are served and their answer
//!   is thrown away, which is what lets a backlog outlive the overload.
//! - `discipline`: `fifo` (default, today's behaviour), `lifo`, or
//!   `adaptive_lifo`: oldest first while at most `lifo_above` requests wait
//!   and newest first beyond, so under a standing queue the newest arrivals,
//!   whose callers still wait, are served first (Facebook "Fail at Scale";
//!   the same paper's adaptive LIFO). `lifo_above` defaults to the server's
//!   `concurrency` ("a queue is starting to form"; the paper gives no
//!   figure: an assumption).
//! - `rate_limit`: a token bucket per request class and per server (as
//!   Envoy's local rate limit filter keeps one per Envoy instance, so a
//!   tier of n instances accepts up to n × rate): `rate` tokens a second up
//!   to `burst`, full at the start; an arrival that finds it empty is
//!   rejected at once with `throttled` (HTTP 429) before it takes a slot or
//!   a place in the queue. Defaults 10,000/s and burst 5,000: API
//!   Gateway's default account-level throttle (AWS docs "Throttle requests
//!   to your REST APIs for better throughput in API Gateway"), filled in by
//!   the spec from `catalog::generic`.
//! - Priority classes: a request class is `high`, `normal` (default) or
//!   `low`. With `shed_low_priority_above: f`, a low-priority arrival that
//!   finds at least ⌈f × queue_limit⌉ requests waiting is shed
//!   (`overload`), and an arrival that finds the queue full evicts the
//!   newest queued request of a lower priority (which fails with
//!   `overload`) instead of being shed itself. Without the field every
//!   class is treated alike. Needs a bounded queue.
//! - A server that goes down fails its whole queue at once, as without
//!   admission control; the bookkeeping here is cleared with it.

use std::collections::VecDeque;

use super::event::AttemptId;
use super::server::Server;
use crate::config::{AdmissionConfig, Discipline, Priority, TokenBucketConfig};
pub use crate::metrics::AdmissionStats;
use crate::time::SimTime;

/// One server's admission state. Its `entered` deque moves in lockstep
/// with the server's queue: every push and pop of one is a push and pop of
/// the other, done only here and in `Server::drain`.
#[derive(Clone, Debug)]
pub struct AdmissionControl {
    pub config: AdmissionConfig,
    /// Each request class's priority (index = `ClassIndex`).
    priorities: Vec<Priority>,
    /// When each queued request entered the queue, and its priority.
    entered: VecDeque<(SimTime, Priority)>,
    buckets: Vec<Option<TokenBucket>>,
    /// Queued requests that must wait before a low-priority arrival is
    /// shed (⌈f × queue_limit⌉), if priorities apply.
    shed_low_at: Option<usize>,
    pub stats: AdmissionStats,
}

#[derive(Clone, Copy, Debug)]
struct TokenBucket {
    rate_per_s: f64,
    burst: f64,
    tokens: f64,
    last: SimTime,
}

impl TokenBucket {
    fn new(c: TokenBucketConfig) -> Self {
        TokenBucket {
            rate_per_s: c.rate_per_s,
            burst: f64::from(c.burst),
            tokens: f64::from(c.burst),
            last: SimTime::ZERO,
        }
    }

    /// Refills for the time since the last arrival, then takes a token if
    /// there is one.
    fn take(&mut self, now: SimTime) -> bool {
        let elapsed_s = now.since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed_s * self.rate_per_s).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What happened to a request offered to a server under admission control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    /// A slot was free: service starts now.
    Start,
    /// It waits in the queue.
    Queued,
    /// It waits in the queue, and the queued request given here was
    /// evicted to make room (it fails with `overload`).
    Evicted(AttemptId),
    /// The rate limit rejected it (`throttled`).
    Throttled,
    /// The queue was full, or too full for its priority (`overload`).
    Shed,
}

/// Why a request taken from the head of the queue is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drop {
    Expired,
    Abandoned,
}

impl AdmissionControl {
    pub fn new(
        config: AdmissionConfig,
        priorities: Vec<Priority>,
        queue_limit: Option<u32>,
    ) -> Self {
        let buckets = config
            .rate_limit
            .iter()
            .map(|b| b.map(TokenBucket::new))
            .collect();
        let shed_low_at = match (config.shed_low_priority_above, queue_limit) {
            (Some(f), Some(limit)) => Some((f * f64::from(limit)).ceil() as usize),
            _ => None,
        };
        AdmissionControl {
            config,
            priorities,
            entered: VecDeque::new(),
            buckets,
            shed_low_at,
            stats: AdmissionStats::default(),
        }
    }

    /// The verdict on a request of `class` taken from the head at `now`
    /// after entering the queue at `entered`; `live` says whether its
    /// caller still waits.
    pub fn verdict(&mut self, entered: SimTime, now: SimTime, live: bool) -> Option<Drop> {
        if let Some(limit) = self.config.queue_timeout {
            if now.since(entered) > limit {
                self.stats.dropped_expired += 1;
                return Some(Drop::Expired);
            }
        }
        if self.config.drop_abandoned && !live {
            self.stats.dropped_abandoned += 1;
            return Some(Drop::Abandoned);
        }
        None
    }
}

/// Offers request `a` of `class` to `server` at `now`. The server must
/// have admission control.
pub fn offer(server: &mut Server, a: AttemptId, class: usize, now: SimTime) -> Offer {
    let Some(c) = server.control.as_deref_mut() else {
        unreachable!("offer() is only called on a server with admission control")
    };
    if let Some(bucket) = c.buckets.get_mut(class).and_then(Option::as_mut) {
        if !bucket.take(now) {
            c.stats.throttled += 1;
            return Offer::Throttled;
        }
    }
    if server.busy < server.concurrency {
        server.busy += 1;
        server.admitted += 1;
        return Offer::Start;
    }
    let priority = c.priorities.get(class).copied().unwrap_or_default();
    let waiting = server.queue.len();
    if let Some(at) = c.shed_low_at {
        if priority == Priority::Low && waiting >= at {
            c.stats.shed_low_priority += 1;
            return Offer::Shed;
        }
    }
    if server
        .queue_limit
        .is_none_or(|limit| (waiting as u32) < limit)
    {
        server.queue.push_back(a);
        c.entered.push_back((now, priority));
        return Offer::Queued;
    }
    if c.shed_low_at.is_none() {
        return Offer::Shed;
    }
    // Full: evict the newest queued request of a lower priority.
    let Some(i) = c.entered.iter().rposition(|&(_, p)| p < priority) else {
        return Offer::Shed;
    };
    c.entered.remove(i);
    let victim = server.queue.remove(i).unwrap_or(a);
    server.queue.push_back(a);
    c.entered.push_back((now, priority));
    c.stats.evicted += 1;
    Offer::Evicted(victim)
}

/// Takes the next queued request by the server's discipline, with the time
/// it entered the queue, if a slot is free; the slot is taken.
pub fn take(server: &mut Server) -> Option<(AttemptId, SimTime)> {
    if server.busy >= server.concurrency {
        return None;
    }
    let c = server.control.as_deref_mut()?;
    let newest_first = match c.config.discipline {
        Discipline::Fifo => false,
        Discipline::Lifo => true,
        Discipline::AdaptiveLifo { lifo_above } => server.queue.len() > lifo_above as usize,
    };
    let (a, (entered, _)) = if newest_first {
        (server.queue.pop_back()?, c.entered.pop_back()?)
    } else {
        (server.queue.pop_front()?, c.entered.pop_front()?)
    };
    server.busy += 1;
    server.admitted += 1;
    server.admitted_after_wait += 1;
    Some((a, entered))
}

/// Gives back the slot `take` took for a request that is dropped instead.
pub fn untake(server: &mut Server) {
    server.busy -= 1;
    server.admitted -= 1;
    server.admitted_after_wait -= 1;
}

/// The stats of every server with admission control, summed; `None` if
/// none has it.
pub fn summed<'a>(servers: impl Iterator<Item = &'a Server>) -> Option<AdmissionStats> {
    servers
        .filter_map(|s| s.control.as_deref())
        .fold(None, |sum, c| {
            let mut sum: AdmissionStats = sum.unwrap_or_default();
            sum.add(&c.stats);
            Some(sum)
        })
}

/// Forgets the queue (the server went down and failed it).
pub fn clear(c: &mut AdmissionControl) {
    c.entered.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    fn config() -> AdmissionConfig {
        AdmissionConfig {
            queue_timeout: None,
            drop_abandoned: false,
            discipline: Discipline::Fifo,
            rate_limit: vec![None, None],
            shed_low_priority_above: None,
        }
    }

    fn server(config: AdmissionConfig, concurrency: u32, limit: u32) -> Server {
        let mut s = Server::new(0, concurrency, Some(limit));
        let priorities = vec![Priority::Low, Priority::High];
        s.control = Some(Box::new(AdmissionControl::new(
            config,
            priorities,
            Some(limit),
        )));
        s
    }

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    #[test]
    fn disciplines_take_oldest_newest_or_switch_past_a_threshold() {
        for (discipline, expected) in [
            (Discipline::Fifo, [1, 2, 3, 4]),
            (Discipline::Lifo, [4, 3, 2, 1]),
            // 4 waiting > 2: newest (4), then 3 waiting > 2: newest (3),
            // then 2 waiting: oldest first (1, 2).
            (Discipline::AdaptiveLifo { lifo_above: 2 }, [4, 3, 1, 2]),
        ] {
            let mut s = server(
                AdmissionConfig {
                    discipline,
                    ..config()
                },
                1,
                10,
            );
            assert_eq!(offer(&mut s, 0, 0, at(0)), Offer::Start);
            for a in 1..=4 {
                assert_eq!(offer(&mut s, a, 0, at(a as u64)), Offer::Queued);
            }
            let mut order = Vec::new();
            for _ in 0..4 {
                s.busy -= 1;
                let (a, entered) = take(&mut s).unwrap();
                assert_eq!(entered, at(a as u64));
                order.push(a);
            }
            assert_eq!(order, expected, "{discipline:?}");
        }
    }

    #[test]
    fn a_token_bucket_admits_its_burst_then_its_rate() {
        let mut c = config();
        c.rate_limit[0] = Some(TokenBucketConfig {
            rate_per_s: 10.0,
            burst: 2,
        });
        let mut s = server(c, 100, 10);
        // Full bucket of 2 at t = 0: two pass, the third is throttled.
        assert_eq!(offer(&mut s, 1, 0, at(0)), Offer::Start);
        assert_eq!(offer(&mut s, 2, 0, at(0)), Offer::Start);
        assert_eq!(offer(&mut s, 3, 0, at(0)), Offer::Throttled);
        // 10/s: one token back after 100 ms, not before.
        assert_eq!(offer(&mut s, 4, 0, at(99)), Offer::Throttled);
        assert_eq!(offer(&mut s, 5, 0, at(100)), Offer::Start);
        // The other class is not limited.
        assert_eq!(offer(&mut s, 6, 1, at(100)), Offer::Start);
        assert_eq!(s.control.unwrap().stats.throttled, 2);
    }

    #[test]
    fn low_priority_is_shed_first_and_evicted_by_a_high_arrival() {
        let c = AdmissionConfig {
            shed_low_priority_above: Some(0.5),
            ..config()
        };
        // Class 0 is low, class 1 high; one slot, a queue of 4: low
        // arrivals are shed once ⌈0.5 × 4⌉ = 2 wait.
        let mut s = server(c, 1, 4);
        assert_eq!(offer(&mut s, 0, 1, at(0)), Offer::Start);
        assert_eq!(offer(&mut s, 1, 0, at(0)), Offer::Queued);
        assert_eq!(offer(&mut s, 2, 0, at(0)), Offer::Queued);
        assert_eq!(offer(&mut s, 3, 0, at(0)), Offer::Shed);
        assert_eq!(offer(&mut s, 4, 1, at(0)), Offer::Queued);
        assert_eq!(offer(&mut s, 5, 1, at(0)), Offer::Queued);
        // Full (1, 2, 4, 5): a high arrival evicts the newest low one, 2.
        assert_eq!(offer(&mut s, 6, 1, at(0)), Offer::Evicted(2));
        assert_eq!(Vec::from(s.queue.clone()), vec![1, 4, 5, 6]);
        // Then 1; then nothing lower is left: shed.
        assert_eq!(offer(&mut s, 7, 1, at(0)), Offer::Evicted(1));
        assert_eq!(offer(&mut s, 8, 1, at(0)), Offer::Shed);
        let stats = s.control.unwrap().stats;
        assert_eq!((stats.shed_low_priority, stats.evicted), (1, 2));
    }

    #[test]
    fn expired_and_abandoned_work_is_dropped_at_the_head() {
        let mut c = AdmissionControl::new(
            AdmissionConfig {
                queue_timeout: Some(SimDuration::from_millis(100)),
                drop_abandoned: true,
                ..config()
            },
            vec![Priority::Normal],
            None,
        );
        // Waited exactly the timeout: served; one nanosecond more: dropped.
        assert_eq!(c.verdict(at(0), at(100), true), None);
        let late = at(100) + SimDuration::from_nanos(1);
        assert_eq!(c.verdict(at(0), late, true), Some(Drop::Expired));
        assert_eq!(c.verdict(at(50), at(100), false), Some(Drop::Abandoned));
        assert_eq!((c.stats.dropped_expired, c.stats.dropped_abandoned), (1, 1));
    }
}
