//! Regional object storage (S3-style).
//!
//! Assumptions:
//! - Regional: it spans every zone and no single zone's outage affects it
//!   (S3 Standard stores data in at least three zones: cloud-figures.md).
//! - No queueing: each call takes a service time drawn from its
//!   distribution (first-byte latency), whatever the load.

use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::SimDuration;

pub struct ObjectStore {
    pub name: String,
    pub service_time: Dist,
    pub rng: SimRng,
}

impl ObjectStore {
    pub fn call_time(&mut self) -> SimDuration {
        self.service_time.sample(&mut self.rng)
    }
}
