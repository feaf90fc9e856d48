//! A tier: identical instances placed in zones.
//!
//! Assumptions:
//! - Instances are `Server`s (see `server.rs`); service time depends on the
//!   request class only.
//! - A tier reached without a load balancer in front (`[web, app]`) is
//!   called by static client-side discovery: a random instance in the
//!   caller's zone if the tier has one there, else a random instance
//!   anywhere. The caller has no health information, so a dead instance
//!   keeps receiving its share: put a load balancer in front to avoid that.

use rand::RngExt;

use super::event::ServerId;
use crate::config::ZoneIndex;
use crate::dist::Dist;
use crate::rng::SimRng;

pub struct Tier {
    pub name: String,
    /// Instances in service, in slot order.
    pub servers: Vec<ServerId>,
    /// Instances in service in each zone (index = zone).
    pub by_zone: Vec<Vec<ServerId>>,
    /// Every instance slot, contiguous in the world's server arena; equal
    /// to `servers` for a tier without an Auto Scaling group.
    pub slots: Vec<ServerId>,
    pub asg: Option<super::auto_scaling::AutoScaling>,
    pub service_time_by_class: Vec<Dist>,
    /// Root volume, recovery, addresses, boot and stop times.
    pub instance: crate::config::InstanceConfig,
    pub rng: SimRng,
}

impl Tier {
    /// Client-side choice of an instance for a caller in `caller_zone`.
    pub fn pick_direct(&mut self, caller_zone: Option<ZoneIndex>) -> ServerId {
        let local = caller_zone
            .and_then(|z| self.by_zone.get(z))
            .filter(|servers| !servers.is_empty());
        let mut pool = local.unwrap_or(&self.servers);
        if pool.is_empty() {
            // Every instance terminated: callers reach an empty slot.
            pool = &self.slots;
        }
        pool[self.rng.random_range(0..pool.len())]
    }
}
