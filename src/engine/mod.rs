//! The discrete-event core. It knows nothing about clouds: it orders events
//! of any type `E` in simulated time and hands them out one at a time.
//!
//! * One total order: events pop by (time, sequence number); same-time events
//!   pop in the order they were scheduled, on every run and every machine.
//! * Two kinds of queue share that order. The binary heap takes events at
//!   any time. A *lane* takes events scheduled a fixed delay after "now"
//!   (client timeouts are the big case): since "now" never goes backwards,
//!   a lane's deadlines arrive already sorted and a FIFO holds them at O(1)
//!   per event instead of O(log n).
//! * Cancellation is lazy: the owner of an event checks, when it pops,
//!   whether it is still current (an incarnation or attempt counter) and
//!   drops it if not. The engine never searches its queues.

mod queue;

pub use queue::Scheduled;
use queue::{Lane, TimerHeap};

use crate::time::{SimDuration, SimTime};

/// Identifies a fixed-delay lane created with [`Engine::add_lane`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaneId(usize);

pub struct Engine<E> {
    now: SimTime,
    next_sequence: u64,
    heap: TimerHeap<E>,
    lanes: Vec<Lane<E>>,
    events_processed: u64,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Engine<E> {
    pub fn new() -> Self {
        Engine {
            now: SimTime::ZERO,
            next_sequence: 0,
            heap: TimerHeap::default(),
            lanes: Vec::new(),
            events_processed: 0,
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Events waiting in every queue (for memory-bound checks).
    /// Drops every pending event: the run ends at the next pop (a run
    /// abandoned for a reason its owner reports).
    pub fn clear(&mut self) {
        self.heap.clear();
        for lane in &mut self.lanes {
            lane.clear();
        }
    }

    pub fn pending(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(Lane::len).sum::<usize>()
    }

    fn sequence(&mut self) -> u64 {
        let s = self.next_sequence;
        self.next_sequence += 1;
        s
    }

    /// Schedules `event` at `time`; a time in the past is clamped to now so
    /// that time never runs backwards.
    pub fn schedule_at(&mut self, time: SimTime, event: E) {
        let time = time.max(self.now);
        let sequence = self.sequence();
        self.heap.push(Scheduled {
            time,
            sequence,
            event,
        });
    }

    pub fn schedule_after(&mut self, delay: SimDuration, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// Creates a lane whose every event fires `delay` after it is scheduled.
    pub fn add_lane(&mut self, delay: SimDuration) -> LaneId {
        self.lanes.push(Lane::new(delay));
        LaneId(self.lanes.len() - 1)
    }

    /// Schedules `event` at now + the lane's delay.
    pub fn schedule_in_lane(&mut self, lane: LaneId, event: E) {
        let sequence = self.sequence();
        let now = self.now;
        self.lanes[lane.0].push(now, sequence, event);
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let mut best = self.heap.peek_key();
        for lane in &self.lanes {
            if let Some(key) = lane.peek_key() {
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        }
        best.map(|(time, _)| time)
    }

    /// Pops the next event at or before `until`, advancing the clock to it.
    /// Returns `None` (and leaves the clock at `until`) when none is due.
    pub fn pop_until(&mut self, until: SimTime) -> Option<E> {
        // Most runs have no lane: skip the search for the earliest queue.
        let source = if self.lanes.is_empty() {
            None
        } else {
            self.earliest_lane()
        };
        let due = match source {
            None => self.heap.peek_key(),
            Some(i) => self.lanes[i].peek_key(),
        };
        match due {
            Some((time, _)) if time <= until => {
                let scheduled = match source {
                    None => self.heap.pop(),
                    Some(i) => self.lanes[i].pop(),
                }
                .expect("peeked queue is non-empty");
                self.now = scheduled.time;
                self.events_processed += 1;
                Some(scheduled.event)
            }
            _ => {
                self.now = self.now.max(until);
                None
            }
        }
    }

    /// The lane whose next event comes before the heap's, if any.
    fn earliest_lane(&self) -> Option<usize> {
        let mut best = self.heap.peek_key();
        let mut source = None;
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(key) = lane.peek_key() {
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                    source = Some(i);
                }
            }
        }
        source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_by_scheduling_order() {
        let mut engine = Engine::new();
        engine.schedule_at(SimTime(20), "c");
        engine.schedule_at(SimTime(10), "a");
        engine.schedule_at(SimTime(10), "b");
        let lane = engine.add_lane(SimDuration(10));
        engine.schedule_in_lane(lane, "d"); // due at 10, scheduled after a and b
        let mut order = vec![];
        while let Some(e) = engine.pop_until(SimTime::MAX) {
            order.push((engine.now().0, e));
        }
        assert_eq!(order, vec![(10, "a"), (10, "b"), (10, "d"), (20, "c")]);
    }

    #[test]
    fn stops_at_the_horizon_and_never_goes_back() {
        let mut engine = Engine::new();
        engine.schedule_at(SimTime(50), 1);
        assert_eq!(engine.pop_until(SimTime(40)), None);
        assert_eq!(engine.now(), SimTime(40));
        engine.schedule_at(SimTime(5), 2); // in the past: clamped to now
        assert_eq!(engine.pop_until(SimTime::MAX), Some(2));
        assert_eq!(engine.now(), SimTime(40));
        assert_eq!(engine.pop_until(SimTime::MAX), Some(1));
        assert_eq!(engine.events_processed(), 2);
    }

    #[test]
    fn lanes_interleave_with_the_heap() {
        let mut engine = Engine::new();
        let lane = engine.add_lane(SimDuration(100));
        engine.schedule_in_lane(lane, 1); // due 100
        engine.schedule_at(SimTime(60), 2);
        assert_eq!(engine.pop_until(SimTime::MAX), Some(2));
        engine.schedule_in_lane(lane, 3); // due 160
        engine.schedule_at(SimTime(150), 4);
        let rest: Vec<_> = std::iter::from_fn(|| engine.pop_until(SimTime::MAX)).collect();
        assert_eq!(rest, vec![1, 4, 3]);
    }
}
