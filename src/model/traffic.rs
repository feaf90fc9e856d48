//! Load faults: spikes and surges change the arrival rate (see the
//! assumptions in `workload.rs`).

use super::event::Event;
use super::world::World;
use crate::config::ClassIndex;

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

    /// The index of the request class called `name`.
    pub fn class_index(&self, name: &str) -> Option<ClassIndex> {
        self.classes.iter().position(|c| c.name == name)
    }
}
