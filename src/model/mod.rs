//! Component behaviour: the world of one run and the events that change it.
//!
//! The world holds every component in arenas indexed by small typed ids and
//! the engine that orders their events. Each component kind lives in its own
//! file with its state, parameters and handlers; `world/path.rs` moves
//! requests from one component to the next along their class's call path.
//!
//! Assumptions shared by every component:
//! - A node (instance, database node, cache node, load-balancer node) is up
//!   or down; it is down while any *cause* holds (its own crash, its zone's
//!   outage, its host being down, its volume being lost). A down node either
//!   refuses connections (callers fail at once) or blackholes them (callers
//!   wait for a connect timeout or their own timeout).
//! - A node can also be up but impaired (gray failures: slow, short of
//!   capacity, answering with errors) and links can be slow, lossy or cut;
//!   `gray.rs` holds those faults' state and assumptions.
//! - Events for a node that went down and came back are recognised as stale
//!   by an incarnation counter and dropped (lazy cancellation).
//! - Network hops add one round-trip time, drawn when the request crosses
//!   the hop; the response's return trip is folded into it.

pub mod admission;
pub mod auto_scaling;
pub mod backup;
pub mod breaker;
pub mod cache;
pub mod client;
pub mod control_plane;
pub mod data_faults;
pub mod database;
pub mod database_actions;
mod database_events;
pub mod dns;
pub mod event;
pub mod external;
pub mod failure;
pub mod gray;
pub mod hazard_host;
pub mod hop_policy;
pub mod id;
pub mod in_flight;
pub mod keyed_cache;
pub mod layout;
pub mod lifecycle;
pub mod load_balancer;
mod load_balancer_events;
pub mod network;
pub mod node;
pub mod object_store;
pub mod overload;
pub mod path;
pub mod request;
pub mod retry_budget;
pub mod scaling_policy;
pub mod server;
pub mod snapshot_time;
pub mod sticky;
pub mod tier;
pub mod trace;
pub mod trace_records;
pub mod volume;
pub mod workload;
pub mod world;

pub use event::{ErrorCause, Event};
pub use world::World;
