//! Network latency between zones.
//!
//! Assumptions:
//! - One round-trip time per hop, drawn from the same-zone or cross-zone
//!   distribution; the request's outbound and the response's return trips
//!   are folded into one delay before the callee starts.
//! - Links have no capacity limit and lose nothing unless a fault says so:
//!   link latency, packet loss and zone isolation are in `gray.rs`.

use crate::config::{NetworkConfig, ZoneIndex};
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::SimDuration;

pub struct Network {
    same_zone_rtt: Dist,
    cross_zone_rtt: Dist,
    client_rtt: Dist,
    rng: SimRng,
}

impl Network {
    pub fn new(config: &NetworkConfig, rng: SimRng) -> Self {
        Network {
            same_zone_rtt: config.same_zone_rtt,
            cross_zone_rtt: config.cross_zone_rtt,
            client_rtt: config.client_rtt,
            rng,
        }
    }

    /// Round trip from `from` (`None` = the client) to a node in `to`.
    pub fn rtt(&mut self, from: Option<ZoneIndex>, to: ZoneIndex) -> SimDuration {
        let dist = match from {
            None => &self.client_rtt,
            Some(z) if z == to => &self.same_zone_rtt,
            Some(_) => &self.cross_zone_rtt,
        };
        if dist.is_zero() {
            SimDuration::ZERO
        } else {
            dist.sample(&mut self.rng)
        }
    }

    /// Round trip between two zones (synchronous replication).
    pub fn zone_rtt(&mut self, a: ZoneIndex, b: ZoneIndex) -> SimDuration {
        self.rtt(Some(a), b)
    }
}
