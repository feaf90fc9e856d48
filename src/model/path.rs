//! Requests moving along their class's call path: the types and constants
//! of a step. The path itself (arrival, each step, completion, failure,
//! timeouts and retries) is the dispatcher's traffic side,
//! `world/path.rs`.

use crate::time::SimDuration;

/// How long a caller inside the region waits on a blackholed node before
/// giving up on the connection (a common client connect-timeout default;
/// an assumption, not a published figure).
pub const INTERNAL_CONNECT_TIMEOUT: SimDuration = SimDuration::from_secs(10);

/// Whether an attempt can go on at once or must wait for an event.
pub(crate) enum Flow {
    Continue,
    Wait,
}
