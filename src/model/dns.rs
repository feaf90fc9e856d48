//! DNS as callers see it: each caller (a client, or an instance calling a
//! database endpoint) caches the answer it got for the record's TTL.
//!
//! Assumptions (behaviour.md, "DNS and client caching"):
//! - A caller resolves lazily: on its first call after its cached answer
//!   expired. A record that changes is therefore seen by each caller within
//!   one TTL, and by all of them only after the slowest cache expires.
//! - Some clients ignore TTLs (the JVM's DNS cache is the classic case).
//!   While a `dns_stale` fault is active, a fixed share of callers, chosen
//!   by a hash of the caller and the fault, keeps each answer it caches for
//!   the fault's `keep` time instead of the TTL — also after the fault
//!   ends, for answers cached during it.

use super::database::Database;
use super::event::{DbId, LbId};
use super::load_balancer::LoadBalancer;
use crate::time::{SimDuration, SimTime};

/// An active "callers ignore TTLs" rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaleRule {
    pub fault: u16,
    pub fraction: f64,
    pub keep: SimDuration,
    pub salt: u64,
}

/// SplitMix64 finaliser: spreads caller ids evenly over [0, 2^64).
pub(super) fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The DNS answers every caller holds: the client population's cached
/// load-balancer answers and every caller's cached database endpoint, and
/// the active "callers ignore TTLs" rules.
#[derive(Default)]
pub struct CallerDns {
    /// Per (client, load balancer): cached node set and its expiry.
    pub lb_cache: Vec<(u64, SimTime)>,
    /// Per (caller, database): cached endpoint node and its expiry; callers
    /// are servers first, then clients.
    pub db_cache: Vec<(u16, SimTime)>,
    /// Active "callers ignore TTLs" rules.
    stale: Vec<StaleRule>,
    servers: usize,
    lbs: usize,
    dbs: usize,
    seed: u64,
}

impl CallerDns {
    /// Empty caches (every answer expired) for `clients` clients and
    /// `servers` servers calling `lbs` load balancers and `dbs` databases.
    pub fn new(clients: usize, servers: usize, lbs: usize, dbs: usize, seed: u64) -> Self {
        CallerDns {
            lb_cache: vec![(0, SimTime::ZERO); clients * lbs],
            db_cache: vec![(0, SimTime::ZERO); (servers + clients) * dbs],
            stale: Vec::new(),
            servers,
            lbs,
            dbs,
            seed,
        }
    }

    /// How long caller `slot` keeps an answer to a record with `ttl`.
    pub(crate) fn cache_time(&self, slot: usize, ttl: SimDuration) -> SimDuration {
        self.stale
            .iter()
            .filter(|rule| {
                let u = mix64(slot as u64 ^ rule.salt) as f64 / 18_446_744_073_709_551_616.0;
                u < rule.fraction
            })
            .map(|rule| rule.keep)
            .fold(ttl, SimDuration::max)
    }

    /// The caller slot of a client (servers come first).
    pub(crate) fn client_slot(&self, client: u32) -> usize {
        self.servers + client as usize
    }

    /// The node set a client's cached DNS answer gives for load balancer
    /// `lb` (`b`); refreshed when the cached answer has expired.
    pub(crate) fn resolve_lb(
        &mut self,
        now: SimTime,
        client: u32,
        lb: LbId,
        b: &LoadBalancer,
    ) -> u64 {
        let idx = client as usize * self.lbs + lb.index();
        if now >= self.lb_cache[idx].1 {
            let keep = self.cache_time(self.client_slot(client), b.dns_ttl);
            self.lb_cache[idx] = (b.dns_answer(), now + keep);
        }
        self.lb_cache[idx].0
    }

    /// The node a caller's cached DNS answer names for the endpoint of
    /// database `db` (`d`); refreshed when the cached answer has expired.
    pub(crate) fn resolve_db_endpoint(
        &mut self,
        now: SimTime,
        caller_slot: usize,
        db: DbId,
        d: &Database,
    ) -> u16 {
        let idx = caller_slot * self.dbs + db.index();
        if now >= self.db_cache[idx].1 {
            let keep = self.cache_time(caller_slot, d.endpoint_ttl);
            self.db_cache[idx] = (d.endpoint, now + keep);
        }
        self.db_cache[idx].0
    }

    /// Starts (`Some`) or ends (`None`) a `dns_stale` rule for `fault`.
    pub(crate) fn set_stale(&mut self, fault: u16, rule: Option<(f64, SimDuration)>) {
        self.stale.retain(|r| r.fault != fault);
        if let Some((fraction, keep)) = rule {
            self.stale.push(StaleRule {
                fault,
                fraction,
                keep,
                salt: mix64(self.seed ^ (u64::from(fault) << 32)),
            });
        }
    }
}
