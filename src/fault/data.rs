//! The data faults' start and end (volumes, backups, databases, caches);
//! what each does to the model is in `model/data_faults.rs`.
//!
//! Per action:
//! - `volume_io_stall`, `volume_degraded`: the selected volumes (a database
//!   target without a zone: the primary's) stall or slow down until the end.
//! - `volume_corruption`: the selected volumes are corrupted now; found by
//!   the next read (the duration is not used).
//! - `snapshot_failure`, `backup_not_uploaded`: the databases' snapshots
//!   fail (those starting while active) or are not uploaded (completing
//!   while active; shipped logs too), until the end.
//! - `backup_corrupt`: the databases' newest completed snapshot is corrupt
//!   (instant).
//! - `replication_stop`: the selected standby and replica nodes stop
//!   applying the primary's writes until the end, then catch up at once.
//! - `slow_failover`, `promote_lagging_replica`: failovers while active are
//!   stretched, or promote the most lagged selected replica.
//! - `split_brain`: promotes now while the old primary keeps taking writes;
//!   at the end its writes are discarded.
//! - `data_wipe`: the primary's data is deleted now; it restores after the
//!   duration (default: its volume's restore time, else its restart time).
//! - `cache_flush`: every node of the targeted caches goes cold now.

use super::schedule::databases;
use super::target;
use crate::config::{FaultAction, FaultConfig, TargetKind};
use crate::model::database::Role;
use crate::model::event::{CacheId, DbId, VolumeId};
use crate::model::failure::NodeRef;
use crate::model::world::{ComponentRef, ServerRole, World};
use crate::rng::SimRng;
use crate::time::SimDuration;

/// What a started data fault changed, so its end can undo exactly that.
#[derive(Clone, Debug, PartialEq)]
pub enum DataApplied {
    Stalled(Vec<VolumeId>),
    Degraded(Vec<VolumeId>, f64),
    SnapshotsFailing(Vec<DbId>),
    UploadsFailing(Vec<DbId>),
    ReplicationStopped(Vec<(DbId, u16)>),
    SlowFailover(Vec<DbId>, (f64, SimDuration)),
    Forced(Vec<(DbId, u16)>),
    Split(Vec<DbId>),
    Nothing,
}

pub fn apply(world: &mut World, config: &FaultConfig, rng: &mut SimRng) -> DataApplied {
    match config.action {
        FaultAction::VolumeIoStall => {
            let vols = volumes(world, config, rng);
            for &v in &vols {
                world.volume_io_stall(v, true);
            }
            DataApplied::Stalled(vols)
        }
        FaultAction::VolumeDegraded { fraction } => {
            let vols = volumes(world, config, rng);
            for &v in &vols {
                world.volume_degraded(v, fraction, true);
            }
            DataApplied::Degraded(vols, fraction)
        }
        FaultAction::VolumeCorruption => {
            for v in volumes(world, config, rng) {
                world.volume_corrupted(v);
            }
            DataApplied::Nothing
        }
        FaultAction::SnapshotFailure => {
            let dbs = databases(world, config, rng);
            for &db in &dbs {
                world.db_faults(db).snapshot_failure(true);
            }
            DataApplied::SnapshotsFailing(dbs)
        }
        FaultAction::BackupNotUploaded => {
            let dbs = databases(world, config, rng);
            for &db in &dbs {
                world.db_faults(db).upload_failure(true);
            }
            DataApplied::UploadsFailing(dbs)
        }
        FaultAction::BackupCorrupt => {
            for db in databases(world, config, rng) {
                world.backup_corrupt(db);
            }
            DataApplied::Nothing
        }
        FaultAction::ReplicationStop => {
            let nodes = db_nodes(world, config, rng, |role| role != Role::Primary);
            for &(db, node) in &nodes {
                world.replication_stop(db, node, true);
            }
            DataApplied::ReplicationStopped(nodes)
        }
        FaultAction::SlowFailover { factor, extra } => {
            let dbs = databases(world, config, rng);
            for &db in &dbs {
                world.db_faults(db).slow_failover((factor, extra), true);
            }
            DataApplied::SlowFailover(dbs, (factor, extra))
        }
        FaultAction::PromoteLaggingReplica => {
            let nodes = db_nodes(world, config, rng, |role| role == Role::Replica);
            for &(db, node) in &nodes {
                world.db_faults(db).force_replica(node, true);
            }
            DataApplied::Forced(nodes)
        }
        FaultAction::SplitBrain => {
            let dbs: Vec<DbId> = databases(world, config, rng)
                .into_iter()
                .filter(|&db| world.split_brain_start(db))
                .collect();
            DataApplied::Split(dbs)
        }
        FaultAction::DataWipe => {
            for db in databases(world, config, rng) {
                let repair = match config.duration {
                    Some(d) => d,
                    None => world.default_restore_time(db),
                };
                world.data_wipe(db, repair);
            }
            DataApplied::Nothing
        }
        FaultAction::CacheFlush { warmup } => {
            for cache in caches(world, config) {
                world.cache_flush(cache, warmup);
            }
            DataApplied::Nothing
        }
        _ => DataApplied::Nothing,
    }
}

pub fn revert(world: &mut World, applied: DataApplied) {
    match applied {
        DataApplied::Stalled(vols) => {
            for v in vols {
                world.volume_io_stall(v, false);
            }
        }
        DataApplied::Degraded(vols, fraction) => {
            for v in vols {
                world.volume_degraded(v, fraction, false);
            }
        }
        DataApplied::SnapshotsFailing(dbs) => {
            for db in dbs {
                world.db_faults(db).snapshot_failure(false);
            }
        }
        DataApplied::UploadsFailing(dbs) => {
            for db in dbs {
                world.db_faults(db).upload_failure(false);
            }
        }
        DataApplied::ReplicationStopped(nodes) => {
            for (db, node) in nodes {
                world.replication_stop(db, node, false);
            }
        }
        DataApplied::SlowFailover(dbs, params) => {
            for db in dbs {
                world.db_faults(db).slow_failover(params, false);
            }
        }
        DataApplied::Forced(nodes) => {
            for (db, node) in nodes {
                world.db_faults(db).force_replica(node, false);
            }
        }
        DataApplied::Split(dbs) => {
            for db in dbs {
                world.split_brain_end(db);
            }
        }
        DataApplied::Nothing => {}
    }
}

/// The selected volumes; a database target without a zone means the
/// current primary's volume (as for `volume_loss`).
fn volumes(world: &World, config: &FaultConfig, rng: &mut SimRng) -> Vec<VolumeId> {
    super::schedule::volumes(world, config, rng)
        .into_iter()
        .filter_map(|c| match c.node {
            NodeRef::Volume(v) => Some(v),
            _ => None,
        })
        .collect()
}

/// The database nodes the target matches whose role passes `keep`, then
/// selected.
pub(super) fn db_nodes(
    world: &World,
    config: &FaultConfig,
    rng: &mut SimRng,
    keep: impl Fn(Role) -> bool,
) -> Vec<(DbId, u16)> {
    let nodes = db_node_candidates(world, config, keep);
    target::select(&nodes, config.target.select, rng)
}

/// The database nodes the target matches whose role passes `keep`, before
/// selection.
pub(crate) fn db_node_candidates(
    world: &World,
    config: &FaultConfig,
    keep: impl Fn(Role) -> bool,
) -> Vec<(DbId, u16)> {
    let all = target::candidates(world, &config.target, TargetKind::Database).unwrap_or_default();
    all.into_iter()
        .filter_map(|c| match c.node {
            NodeRef::Server(s) => match world.server_roles[s] {
                ServerRole::DbNode { db, node } => Some((db, node)),
                ServerRole::Instance { .. } => None,
            },
            _ => None,
        })
        .filter(|&(db, node)| keep(world.dbs[db].nodes[node as usize].role))
        .collect()
}

/// The caches the target names (every cache when it names none); with a
/// tag or filters, the caches with a node that matches them.
pub(crate) fn caches(world: &World, config: &FaultConfig) -> Vec<CacheId> {
    let component = target::component(world, &config.target).ok().flatten();
    let t = &config.target;
    let matching = (t.tag.is_some() || !t.filters.is_empty())
        .then(|| target::candidates(world, t, TargetKind::Cache).unwrap_or_default());
    world
        .caches
        .ids()
        .filter(|&c| component.is_none_or(|i| world.components[i] == ComponentRef::Cache(c)))
        .filter(|&c| {
            matching.as_ref().is_none_or(|m| {
                m.iter()
                    .any(|n| matches!(n.node, NodeRef::CacheNode { cache, .. } if cache == c))
            })
        })
        .collect()
}
