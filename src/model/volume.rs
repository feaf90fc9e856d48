//! Block volumes (EBS-style) attached to a database node or an instance.
//!
//! Assumptions (cloud-figures.md, behaviour.md):
//! - A volume is replicated inside its zone only: a zone outage makes it
//!   unavailable (its node is down with the zone) but loses nothing.
//! - A volume *loss* (annual failure rate, or a scripted fault) destroys its
//!   data. The node it serves is down until a new volume is restored from
//!   the latest *completed* snapshot, which takes `restore_time`; writes
//!   acknowledged since that snapshot began are lost unless another copy
//!   (a synchronous standby, a replica, shipped logs) has them.
//! - Snapshots start every `snapshot_every` from the start of the run (the
//!   first one `snapshot_every` in; the run starts from a consistent copy)
//!   and capture the data as of their start; one that is running when the
//!   volume is lost never completes.
//! - A restored volume serves at full speed at once (lazy loading is a
//!   later, gray-failure refinement).
//! - Data faults (`data_faults.rs`): an I/O stall holds every request
//!   served by the owning node until it ends; degraded throughput stretches
//!   service there by 1/fraction; silent corruption is found by the first
//!   read and restores from the newest snapshot taken before it.

use super::event::{DbId, ServerId};
use crate::config::VolumeConfig;
use crate::time::SimTime;

/// What a volume is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolumeOwner {
    Instance(ServerId),
    DbNode { db: DbId, node: u16 },
}

pub struct Volume {
    pub name: String,
    pub owner: VolumeOwner,
    pub config: VolumeConfig,
    /// Bumped on each loss so that a snapshot or restore from before the
    /// loss is recognised as stale.
    pub incarnation: u32,
    pub lost: bool,
    /// When its blocks were silently corrupted (`volume_corruption`), until
    /// a read finds it and the volume is restored.
    pub corrupted_at: Option<SimTime>,
}
