//! A bound on requests in flight, so no valid file can exhaust memory.
//!
//! Assumptions and limits:
//! - Every request in flight (queued at a server, in service, waiting on a
//!   hop, a timeout or a retry) holds a slot in the request and attempt
//!   tables plus its pending events: a few hundred bytes. A queue with a
//!   huge `queue_limit` (or `none`) under overload grows these tables at
//!   the arrival rate (before this bound, `queue_limit: 4294967295` grew
//!   ~130 MB/s to 6.8 GB in 50 s).
//! - [`MAX_IN_FLIGHT`] (4,194,304 requests: 0.8 GiB peak when a single
//!   overloaded instance with `queue_limit: 4294967295` reaches it) is
//!   far above any design that serves its load: a million requests per
//!   second with a one-second latency keeps a million in flight.
//! - Past it, the run stops at once and reports the time and the counts
//!   as bad input (exit 2): its figures would describe a queue that grows
//!   without end, which the model should bound (`queue_limit`, a timeout)
//!   or size (capacity, rate) instead.
//! - Requests and attempts are both bounded: an attempt stays queued at
//!   a server after its client timed out and moved on.
//! - The check costs a comparison per arrival and per attempt: a slot
//!   number passes the bound only when its table grows past it (the stop
//!   is `World::overflow_in_flight`, in `world/path.rs`).

use crate::time::SimTime;

/// The most requests a run keeps in flight.
pub const MAX_IN_FLIGHT: u32 = 1 << 22;
const _: () = assert!(
    MAX_IN_FLIGHT == 4_194_304,
    "the message spells the bound out"
);

/// Where and when a run passed [`MAX_IN_FLIGHT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow {
    pub at: SimTime,
    pub queued: usize,
}

impl Overflow {
    pub fn message(&self) -> String {
        format!(
            "error: more than 4,194,304 requests in flight at t = {:.1} s ({} queued at servers): \
             the model's queues grow without bound under this load; bound them (queue_limit, a client \
             timeout) or add capacity, then run again",
            self.at.as_secs_f64(),
            self.queued
        )
    }
}
