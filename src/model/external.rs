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

impl External {
    /// Starts (`Some`) or ends (`None`) outage `fault`.
    pub fn set_outage(&mut self, fault: u16, mode: Option<DownMode>) {
        self.outages.retain(|(f, _)| *f != fault);
        if let Some(mode) = mode {
            self.outages.push((fault, mode));
        }
    }

    /// Starts (`Some`) or ends (`None`) slowdown `fault`.
    pub fn set_slowdown(&mut self, fault: u16, latency: Option<Dist>) {
        self.slowdowns.retain(|(f, _)| *f != fault);
        if let Some(latency) = latency {
            self.slowdowns.push((fault, latency));
        }
    }
}
