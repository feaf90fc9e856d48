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

use super::database::Database;
use super::event::{DbId, Event, ServerId, VolumeId};
use super::id::Arena;
use super::world::Cx;
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

impl Volume {
    /// Starts a snapshot of a database's primary volume and schedules the
    /// next one.
    pub(crate) fn on_snapshot_start(
        &mut self,
        v: VolumeId,
        dbs: &mut Arena<DbId, Database>,
        cx: &mut Cx,
    ) {
        let Some(every) = self.config.snapshot_every else {
            return;
        };
        cx.schedule_after(every, Event::SnapshotStart { volume: v });
        let VolumeOwner::DbNode { db, node } = self.owner else {
            return;
        };
        let d = &mut dbs[db];
        if d.faults.snapshots_failing > 0 {
            return; // `snapshot_failure`: it starts and silently never ends
        }
        let server = d.nodes[node as usize].server;
        // Only the primary's copy holds the latest data; a snapshot of a
        // lost or unavailable volume cannot start.
        if self.lost || d.primary != node || !cx.server_up(server) {
            return;
        }
        let incarnation = self.incarnation;
        let (time, size_gb) = (self.config.snapshot_duration, self.config.size_gb);
        let log = &mut d.log;
        let start = log.now_point(cx.now);
        log.snapshot_in_progress = Some(start);
        // Incremental: the writes since the last completed snapshot.
        let changed = start.acked.saturating_sub(log.snapshots.newest().acked);
        let took = time.sample(changed as f64, size_gb, cx.infra_rng);
        cx.schedule_after(
            took,
            Event::SnapshotDone {
                volume: v,
                incarnation,
            },
        );
    }

    /// A snapshot finished: it counts if it was uploaded and the volume
    /// was not lost meanwhile.
    pub(crate) fn on_snapshot_done(
        &self,
        v: VolumeId,
        incarnation: u32,
        dbs: &mut Arena<DbId, Database>,
        cx: &mut Cx,
    ) {
        let VolumeOwner::DbNode { db, .. } = self.owner else {
            return;
        };
        let d = &mut dbs[db];
        let uploaded = d.faults.uploads_failing == 0;
        let started = d.log.snapshot_in_progress.take();
        if self.incarnation == incarnation && !self.lost && uploaded {
            if let Some(p) = started {
                d.log.snapshots.completed(p);
                cx.trace_volume(v, "snapshot_completed");
            }
        }
    }
}
