//! The dispatcher's traffic side: load faults (spikes and surges change
//! the arrival rate, see the assumptions in `workload.rs`; callers that
//! ignore DNS TTLs, `dns.rs`) and the data faults a finished service
//! meets (`data_faults.rs`).

use super::{ServerRole, World};
use crate::config::ClassIndex;
use crate::model::event::{AttemptId, ErrorCause, Event, ServerId};
use crate::time::SimDuration;

impl World {
    /// Starts (`Some(factor)`) or ends (`None`) load fault `fault` on one
    /// class or on all, and redraws the next arrival at the new rate.
    pub fn set_load_fault(&mut self, fault: u16, class: Option<ClassIndex>, factor: Option<f64>) {
        let epoch = self.workload.set_load_fault(fault, class, factor);
        let now = self.now();
        if let Some(next) = self.workload.next_arrival(now) {
            if next <= self.horizon {
                self.engine.schedule_at(next, Event::Arrival { epoch });
            }
        }
    }

    /// Starts (`Some`) or ends (`None`) a `dns_stale` rule for `fault`.
    pub fn set_dns_stale(&mut self, fault: u16, rule: Option<(f64, SimDuration)>) {
        self.dns.set_stale(fault, rule);
    }

    /// The index of the request class called `name`.
    pub fn class_index(&self, name: &str) -> Option<ClassIndex> {
        self.classes.iter().position(|c| c.name == name)
    }

    /// Called when a service on `server` finishes: holds it during a stall,
    /// or fails it if it read corrupt data. True if it was taken care of.
    pub(crate) fn io_intercept(
        &mut self,
        a: AttemptId,
        server: ServerId,
        incarnation: u32,
    ) -> bool {
        let io = &mut self.servers[server].io;
        if io.stalls > 0 {
            io.parked.push((a, incarnation));
            return true;
        }
        let Some(v) = io.corrupt else {
            return false;
        };
        if let ServerRole::DbNode { .. } = self.server_roles[server] {
            if !self.is_read_step(a) {
                return false; // writes do not read the bad blocks
            }
        }
        self.servers[server].io.corrupt = None;
        // The slot goes to the next queued request, as after any service.
        self.release_slot(server, incarnation);
        self.fail_attempt(a, ErrorCause::InFlightLost);
        self.volume_lost(v, None);
        true
    }

    fn is_read_step(&self, a: AttemptId) -> bool {
        let att = self.attempts.get(a);
        let steps = &self.classes[att.class].steps;
        steps
            .get(att.step as usize)
            .is_some_and(|s| s.op != crate::config::Op::Write)
    }
}
