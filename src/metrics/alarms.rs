//! Deployment rollback alarms: the stop-condition arithmetic
//! (`metrics/stop.rs`) on the same per-second stream, armed while a
//! deployment runs, as CodeDeploy watches CloudWatch alarms during a
//! deployment (CodeDeploy User Guide, "Monitoring deployments with
//! CloudWatch alarms in CodeDeploy").
//!
//! Assumptions:
//! - An alarm is armed when its deployment starts and sees only seconds
//!   closed after that; it needs a whole window before it can trip.
//! - It trips at most once and is disarmed when its deployment finishes or
//!   rolls back.

use super::stop::StopWatch;
use crate::config::StopCondition;
use crate::time::SimDuration;

#[derive(Default)]
pub struct Alarms {
    /// (deployment fault, its alarm), in arming order.
    armed: Vec<(u16, StopWatch)>,
    /// Deployments whose alarm tripped, not yet acted on.
    tripped: Vec<u16>,
}

impl Alarms {
    pub fn arm(&mut self, fault: u16, condition: &StopCondition) {
        self.disarm(fault);
        self.armed
            .push((fault, StopWatch::new(std::slice::from_ref(condition))));
    }

    pub fn disarm(&mut self, fault: u16) {
        self.armed.retain(|(f, _)| *f != fault);
    }

    pub fn success(&mut self, latency: SimDuration) {
        for (_, w) in &mut self.armed {
            w.success(latency);
        }
    }

    pub fn idle(&mut self, seconds: u64) {
        for (_, w) in &mut self.armed {
            w.idle(seconds);
        }
    }

    pub fn close_second(&mut self, second: u64, ok: u64, failed: u64) {
        for (fault, w) in &mut self.armed {
            w.close_second(second, ok, failed);
            if std::mem::take(&mut w.pending) {
                self.tripped.push(*fault);
            }
        }
    }

    pub fn take_trip(&mut self) -> Option<u16> {
        if self.tripped.is_empty() {
            None
        } else {
            Some(self.tripped.remove(0))
        }
    }
}
