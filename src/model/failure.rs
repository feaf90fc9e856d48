//! The nodes faults address, and the load-balancer DNS windows. How nodes
//! go down and come back (the one entry point faults use, and the
//! knock-on effects on whatever depends on the node) is the dispatcher's
//! node side: `world/nodes.rs`, which applies `Effect::Down` / `Effect::Up`.

use super::event::{CacheId, LbId, ServerId, VolumeId};

/// A node that can fail, as faults address it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRef {
    Server(ServerId),
    CacheNode { cache: CacheId, node: u16 },
    LbNode { lb: LbId, node: u16 },
    Volume(VolumeId),
}

/// Route 53-style windows for a load-balancer node to leave and rejoin
/// DNS (cloud-figures.md, "Derived detection windows": 64–94 s unhealthy,
/// 60–90 s back); the fluid fidelity uses the same figures.
pub const LB_NODE_DNS_REMOVAL: (f64, f64) = (64.0, 94.0);
pub(crate) const LB_NODE_DNS_RETURN: (f64, f64) = (60.0, 90.0);
