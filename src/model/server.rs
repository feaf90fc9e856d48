//! A queueing server: a tier instance or a database node.
//!
//! Assumptions:
//! - `concurrency` requests are served at once (threads, connections,
//!   vCPUs); the rest wait in one FIFO queue of at most `queue_limit`
//!   (unbounded when `None`); a request that finds the queue full is shed at
//!   once (`overload`).
//! - A request keeps its slot while it waits on downstream calls (thread per
//!   request), so a slow dependency exhausts its callers' concurrency: the
//!   cascade real services show.
//! - When the server goes down, everything queued fails at once and every
//!   slot is forfeit; requests in service learn it when their service ends.
//! - `concurrency` can shrink while requests are in service (a
//!   `capacity_loss` fault): they finish, and the queue moves again only
//!   when fewer slots are busy than the new concurrency.
//! - With an `admission:` block, `admission.rs` decides instead what is
//!   throttled, shed, dropped at the head and in which order the queue is
//!   served (the world checks `control` where it offers and takes work).

use std::collections::VecDeque;

use super::event::AttemptId;
use super::node::NodeState;
use crate::config::ZoneIndex;

#[derive(Clone, Debug)]
pub struct Server {
    pub zone: ZoneIndex,
    pub node: NodeState,
    pub concurrency: u32,
    pub queue_limit: Option<u32>,
    /// Slots taken (served or waiting on downstream).
    pub busy: u32,
    pub queue: VecDeque<AttemptId>,
    /// Requests admitted, and how many of them had to queue (for checks
    /// against Erlang C).
    pub admitted: u64,
    pub admitted_after_wait: u64,
    /// Faults on the node's volume (stall, slowdown, corruption).
    pub io: super::data_faults::IoFaults,
    /// Service slows down under a backlog (`overload.rs`).
    pub overload: Option<crate::config::OverloadConfig>,
    /// Admission control (`admission.rs`); `None` = FIFO, serve everything.
    pub control: Option<Box<super::admission::AdmissionControl>>,
}

/// What happened to a request offered to a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A slot was free: service starts now.
    Start,
    /// It waits in the queue.
    Queued,
    /// The queue is full: shed.
    Full,
}

impl Server {
    pub fn new(zone: ZoneIndex, concurrency: u32, queue_limit: Option<u32>) -> Self {
        Server {
            zone,
            node: NodeState::default(),
            concurrency,
            queue_limit,
            busy: 0,
            queue: VecDeque::new(),
            admitted: 0,
            admitted_after_wait: 0,
            io: Default::default(),
            overload: None,
            control: None,
        }
    }

    /// The same server, its service slowed under a backlog by `curve`.
    pub fn with_overload(mut self, curve: Option<crate::config::OverloadConfig>) -> Self {
        self.overload = curve;
        self
    }

    /// The same server under admission control (`admission.rs`), if the
    /// model gives it any.
    pub fn with_admission(
        mut self,
        config: Option<&crate::config::AdmissionConfig>,
        classes: &[crate::config::RequestClassConfig],
    ) -> Self {
        self.control = config.map(|c| {
            let priorities = classes.iter().map(|k| k.priority).collect();
            Box::new(super::admission::AdmissionControl::new(
                c.clone(),
                priorities,
                self.queue_limit,
            ))
        });
        self
    }

    pub fn offer(&mut self, attempt: AttemptId) -> Admission {
        if self.busy < self.concurrency {
            self.busy += 1;
            self.admitted += 1;
            Admission::Start
        } else if self
            .queue_limit
            .is_none_or(|limit| (self.queue.len() as u32) < limit)
        {
            self.queue.push_back(attempt);
            Admission::Queued
        } else {
            Admission::Full
        }
    }

    /// Frees a slot held by a request of incarnation `incarnation`; returns
    /// the queued request that takes it, if any. A slot from an earlier
    /// incarnation was already forfeit when the server went down.
    pub fn release(&mut self, incarnation: u32) -> Option<AttemptId> {
        if incarnation != self.node.incarnation || self.busy == 0 {
            return None;
        }
        self.busy -= 1;
        self.admit_queued()
    }

    /// Starts the next queued request if a slot is free (after a release,
    /// or when a capacity loss gives slots back).
    pub fn admit_queued(&mut self) -> Option<AttemptId> {
        if self.busy >= self.concurrency {
            return None; // capacity was taken away: the queue waits
        }
        let next = self.queue.pop_front()?;
        self.busy += 1;
        self.admitted += 1;
        self.admitted_after_wait += 1;
        Some(next)
    }

    /// Called when the server goes down: forfeits every slot and returns the
    /// queued requests, which fail.
    pub fn drain(&mut self) -> Vec<AttemptId> {
        self.busy = 0;
        if let Some(c) = self.control.as_deref_mut() {
            super::admission::clear(c);
        }
        self.queue.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_past_concurrency_and_sheds_past_the_limit() {
        let mut s = Server::new(0, 1, Some(1));
        assert_eq!(s.offer(1), Admission::Start);
        assert_eq!(s.offer(2), Admission::Queued);
        assert_eq!(s.offer(3), Admission::Full);
        assert_eq!(s.release(0), Some(2));
        assert_eq!(s.release(0), None);
        assert_eq!(s.busy, 0);
        assert_eq!((s.admitted, s.admitted_after_wait), (2, 1));
    }

    #[test]
    fn stale_slots_are_not_released_twice() {
        let mut s = Server::new(0, 2, None);
        s.offer(1);
        s.node.incarnation += 1;
        s.drain();
        assert_eq!(s.release(0), None);
        assert_eq!(s.busy, 0);
    }
}
