//! An external dependency: a third-party service in the call path
//! (payments, identity, a partner API).
//!
//! Assumptions:
//! - Outside the region's zones: no zone outage reaches it, no network hop
//!   is drawn for it (its service time includes the round trip).
//! - No queueing on our side: each call takes its service time, plus any
//!   latency a `dependency_slow` fault adds.
//! - While a `dependency_outage` is active it refuses calls (callers fail
//!   at once) or blackholes them (callers wait for their connect timeout).

use super::event::ExternalId;
use super::world::World;
use crate::config::DownMode;
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::SimDuration;

pub struct External {
    pub name: String,
    pub service_time: Dist,
    pub rng: SimRng,
    /// Active outages: (fault, mode).
    pub outages: Vec<(u16, DownMode)>,
    /// Active slowdowns: (fault, added latency).
    pub slowdowns: Vec<(u16, Dist)>,
}

impl External {
    /// How a call fails now, if the service is down.
    pub fn down(&self) -> Option<DownMode> {
        self.outages.last().map(|(_, mode)| *mode)
    }

    pub fn call_time(&mut self) -> SimDuration {
        let base = self.service_time.sample(&mut self.rng);
        self.slowdowns
            .iter()
            .fold(base, |t, (_, extra)| t + extra.sample(&mut self.rng))
    }
}

impl World {
    /// Starts (`Some`) or ends (`None`) an outage of external `e`.
    pub fn set_external_outage(&mut self, e: ExternalId, fault: u16, mode: Option<DownMode>) {
        let x = &mut self.externals[e];
        x.outages.retain(|(f, _)| *f != fault);
        if let Some(mode) = mode {
            x.outages.push((fault, mode));
        }
    }

    /// Starts (`Some`) or ends (`None`) a slowdown of external `e`.
    pub fn set_external_slowdown(&mut self, e: ExternalId, fault: u16, latency: Option<Dist>) {
        let x = &mut self.externals[e];
        x.slowdowns.retain(|(f, _)| *f != fault);
        if let Some(latency) = latency {
            x.slowdowns.push((fault, latency));
        }
    }
}
