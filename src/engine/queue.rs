//! The two queues behind [`super::Engine`]: a binary heap for arbitrary
//! times and a FIFO lane for events a fixed delay after "now".

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::time::{SimDuration, SimTime};

/// An event with its due time and the sequence number that breaks ties.
pub struct Scheduled<E> {
    pub time: SimTime,
    pub sequence: u64,
    pub event: E,
}

impl<E> Scheduled<E> {
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.sequence)
    }
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Scheduled<E> {}
impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Scheduled<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

pub struct TimerHeap<E> {
    heap: BinaryHeap<Scheduled<E>>,
}

impl<E> Default for TimerHeap<E> {
    fn default() -> Self {
        TimerHeap {
            heap: BinaryHeap::new(),
        }
    }
}

impl<E> TimerHeap<E> {
    #[inline]
    pub fn push(&mut self, s: Scheduled<E>) {
        self.heap.push(s);
    }
    #[inline]
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        self.heap.pop()
    }
    pub fn peek_key(&self) -> Option<(SimTime, u64)> {
        self.heap.peek().map(Scheduled::key)
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

pub struct Lane<E> {
    delay: SimDuration,
    queue: VecDeque<Scheduled<E>>,
}

impl<E> Lane<E> {
    pub fn new(delay: SimDuration) -> Self {
        Lane {
            delay,
            queue: VecDeque::new(),
        }
    }
    /// `now` never decreases between calls, so the queue stays sorted.
    pub fn push(&mut self, now: SimTime, sequence: u64, event: E) {
        self.queue.push_back(Scheduled {
            time: now + self.delay,
            sequence,
            event,
        });
    }
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        self.queue.pop_front()
    }
    pub fn peek_key(&self) -> Option<(SimTime, u64)> {
        self.queue.front().map(Scheduled::key)
    }
    pub fn len(&self) -> usize {
        self.queue.len()
    }
    pub fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use rand::RngExt;

    #[test]
    fn heap_pops_in_key_order() {
        let mut rng = stream(5, "heap-test");
        let mut heap = TimerHeap::default();
        let mut keys = Vec::new();
        for sequence in 0..2_000u64 {
            let time = SimTime(rng.random_range(0..500));
            keys.push((time, sequence));
            heap.push(Scheduled {
                time,
                sequence,
                event: sequence,
            });
            // Interleave pops with pushes, as a run does.
            if sequence % 3 == 0 {
                let popped = heap.pop().unwrap();
                let min = *keys.iter().min().unwrap();
                assert_eq!((popped.time, popped.sequence), min);
                keys.retain(|k| *k != min);
            }
        }
        keys.sort();
        let rest: Vec<_> = std::iter::from_fn(|| heap.pop())
            .map(|s| (s.time, s.sequence))
            .collect();
        assert_eq!(rest, keys);
    }
}
