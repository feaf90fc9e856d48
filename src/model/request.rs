//! Client requests and their attempts, in slabs that reuse slots so memory
//! is bounded by the requests in flight, not by how many ever ran.
//!
//! A *request* is what the client sees: it succeeds or fails once, after its
//! retries. An *attempt* is one try moving along the call path. When the
//! client times out, the attempt keeps consuming servers as a "zombie" (the
//! servers do not know the client left) while the client retries: that is
//! how retries amplify load in real overloads.

use super::event::{DbId, LbId, RequestId, ServerId};
use crate::config::{ClassIndex, ZoneIndex};
use crate::time::{SimDuration, SimTime};

/// Tier slots one attempt may hold at once (validated paths are shorter).
pub const MAX_HELD: usize = crate::config::MAX_TIERS_IN_PATH;

#[derive(Clone, Debug)]
pub struct Request {
    pub class: ClassIndex,
    pub client: u32,
    pub arrived: SimTime,
    /// Bumped when the slot is reused, so late events for an older request
    /// in the same slot are recognised.
    pub generation: u32,
    /// Attempts started so far; the live one is number `attempts`.
    pub attempts: u32,
    /// Arrived after the warm-up: counted in the results.
    pub measured: bool,
    /// The previous backoff (decorrelated jitter grows from it).
    pub last_backoff: SimDuration,
    /// Still waiting for an outcome.
    pub open: bool,
    /// An attempt is running that the client still waits for (false while
    /// it backs off before a retry).
    pub awaiting: bool,
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub request: RequestId,
    pub generation: u32,
    pub number: u32,
    /// Copied from the request: a zombie attempt outlives its request slot.
    pub class: ClassIndex,
    pub client: u32,
    /// Where the current step goes (a server, a node index) once chosen.
    pub dest: u32,
    /// The load balancer that routed it to the current tier, if any.
    pub via_lb: Option<LbId>,
    /// Index of the next step to run in the class's path.
    pub step: u8,
    /// Zone of the component that makes the next call (`None` = the client).
    pub zone: Option<ZoneIndex>,
    /// Instance chosen by a load balancer for the next `Serve` step.
    pub chosen: Option<ServerId>,
    /// Tier slots held while downstream calls run: (server, incarnation).
    pub held: [(ServerId, u32); MAX_HELD],
    pub held_len: u8,
    /// The last cache lookup missed.
    pub cache_missed: bool,
    /// The database this attempt wrote to (acknowledged on success).
    pub wrote: Option<DbId>,
    /// The write went to an old primary during a split brain.
    pub wrote_divergent: bool,
    /// Load balancers that routed it, with the target chosen: each counts
    /// it as outstanding until the attempt ends.
    pub routed: [(LbId, u16); MAX_ROUTED],
    pub routed_len: u8,
}

/// Load balancers one attempt may pass through.
pub const MAX_ROUTED: usize = 4;

/// A vector of slots with a free list.
pub struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Stores `item`, reusing a free slot when there is one; `reuse` may
    /// carry state over from the slot's previous occupant.
    pub fn insert_with(&mut self, item: T, reuse: impl FnOnce(&T, &mut T)) -> u32 {
        match self.free.pop() {
            Some(id) => {
                let mut item = item;
                reuse(&self.items[id as usize], &mut item);
                self.items[id as usize] = item;
                id
            }
            None => {
                self.items.push(item);
                (self.items.len() - 1) as u32
            }
        }
    }

    pub fn remove(&mut self, id: u32) {
        self.free.push(id);
    }

    pub fn get(&self, id: u32) -> &T {
        &self.items[id as usize]
    }

    pub fn get_mut(&mut self, id: u32) -> &mut T {
        &mut self.items[id as usize]
    }

    /// Slots ever allocated (the high-water mark of live items).
    pub fn capacity_used(&self) -> usize {
        self.items.len()
    }

    pub fn live(&self) -> usize {
        self.items.len() - self.free.len()
    }
}

impl Request {
    pub fn new(class: ClassIndex, client: u32, arrived: SimTime, measured: bool) -> Self {
        Request {
            class,
            client,
            arrived,
            generation: 0,
            attempts: 0,
            measured,
            last_backoff: SimDuration::ZERO,
            open: true,
            awaiting: false,
        }
    }
}

impl Attempt {
    pub fn new(request: RequestId, req: &Request) -> Self {
        Attempt {
            request,
            generation: req.generation,
            number: req.attempts,
            class: req.class,
            client: req.client,
            dest: 0,
            via_lb: None,
            step: 0,
            zone: None,
            chosen: None,
            held: [(ServerId(0), 0); MAX_HELD],
            held_len: 0,
            cache_missed: false,
            wrote: None,
            wrote_divergent: false,
            routed: [(LbId(0), 0); MAX_ROUTED],
            routed_len: 0,
        }
    }

    pub fn hold(&mut self, server: ServerId, incarnation: u32) {
        // Validation bounds the tiers in a path; saturating here keeps a
        // malformed path from corrupting memory, at the cost of a slot that
        // is never released.
        if (self.held_len as usize) < MAX_HELD {
            self.held[self.held_len as usize] = (server, incarnation);
            self.held_len += 1;
        }
    }

    pub fn routed_by(&mut self, lb: LbId, target: u16) {
        if (self.routed_len as usize) < MAX_ROUTED {
            self.routed[self.routed_len as usize] = (lb, target);
            self.routed_len += 1;
        }
    }

    pub fn held(&self) -> &[(ServerId, u32)] {
        &self.held[..self.held_len as usize]
    }

    /// The tier instance making the next call, if any.
    pub fn caller(&self) -> Option<ServerId> {
        self.held().last().map(|(server, _)| *server)
    }
}

/// Keeps generations increasing across slot reuse.
pub fn next_generation(previous: &Request, fresh: &mut Request) {
    fresh.generation = previous.generation.wrapping_add(1);
}

pub type Requests = Slab<Request>;
pub type Attempts = Slab<Attempt>;
