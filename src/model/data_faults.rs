//! Data faults as the model sees them: volume I/O stalls, degraded
//! throughput and silent corruption; backup failures; replication stops,
//! slow or wrong failovers, split brain, data wipes; cache flushes. The
//! fault layer (`fault/data.rs`) calls the `Database` and `DbFaults` methods
//! here through the world's commands (`world/commands.rs`).
//!
//! Assumptions:
//! - An I/O stall hangs every request served by the owning node: a request
//!   whose service would end during the stall ends when the stall does,
//!   holding its slot meanwhile (callers queue behind it; client timeouts
//!   fire). The process still answers TCP, so load-balancer health checks
//!   keep passing: the node stays in rotation (a gray failure).
//! - Degraded throughput (`fraction` of normal) stretches every service
//!   time on the owning node by 1/fraction (gp3 guarantees 90 % of its
//!   IOPS 99 % of the time; degraded episodes last 1–10 min:
//!   cloud-figures.md).
//! - Silent corruption is found by the first read a database node serves
//!   (any request for an instance): the read fails, and the volume is lost
//!   and restored from the newest snapshot taken before the corruption
//!   (`backup.rs`), losing what came after, as a volume loss does.
//! - `replication_stop` freezes a replica's applied position; promoting it
//!   loses every write since. When the fault ends the replica catches up at
//!   once (its log is still on the primary). The failover's choice of
//!   replica does not see the stop (it goes by the usual lag).
//! - `slow_failover` fixes its stretch when a failover starts: detection ×
//!   factor, then promotion × factor + extra.
//! - `promote_lagging_replica`: failovers while it is active promote the
//!   most lagged live replica among the targeted ones, even where a standby
//!   exists (the wrong node is picked), losing the writes inside its lag.
//! - `split_brain`: the standby (or least-lagged replica) is promoted while
//!   the old primary stays up and keeps serving callers whose cached DNS
//!   answer still names it. Its writes are acknowledged on a diverging
//!   lineage; when the fault ends they are discarded: lost, and counted as
//!   conflicting too.
//! - `data_wipe` (an operator's `rm -rf` of the primary's data directory,
//!   GitLab 2017) is not replicated: a standby or replica survives and
//!   fails over as for a crash; without one the primary restores from
//!   backups (the later of the last usable snapshot and shipped logs),
//!   losing everything since, or everything since the start if no backup
//!   exists.

use super::database::Database;
use super::event::{AttemptId, VolumeId};
use super::id::Arena;
use super::volume::Volume;
use super::world::Cx;
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime};

/// Faults acting on a server's volume.
#[derive(Clone, Debug, Default)]
pub struct IoFaults {
    /// Active stalls; while any, finished services wait in `parked`.
    pub stalls: u32,
    /// Service-time multiplier from active `volume_degraded` faults.
    pub slowdowns: Vec<f64>,
    /// The corrupt volume a read will find (`volume_corruption`).
    pub corrupt: Option<VolumeId>,
    /// Services that finished during a stall: (attempt, incarnation).
    pub parked: Vec<(AttemptId, u32)>,
}

impl IoFaults {
    /// `took` stretched by the active slowdowns.
    pub fn stretch(&self, took: SimDuration) -> SimDuration {
        if self.slowdowns.is_empty() {
            return took;
        }
        let factor: f64 = self.slowdowns.iter().product();
        scale(took, factor)
    }
}

pub(crate) fn scale(d: SimDuration, factor: f64) -> SimDuration {
    let nanos = (d.as_nanos() as f64 * factor).round();
    SimDuration::from_nanos(nanos.min(u64::MAX as f64) as u64)
}

/// Data faults acting on a database.
#[derive(Clone, Debug, Default)]
pub struct DbFaults {
    /// Active `snapshot_failure` faults.
    pub snapshots_failing: u32,
    /// Active `backup_not_uploaded` faults.
    pub uploads_failing: u32,
    /// Active `slow_failover` faults: (factor, extra).
    pub slow: Vec<(f64, SimDuration)>,
    /// The stretch fixed when the failover in progress started.
    pub stretch: Option<(f64, SimDuration)>,
    /// Replica nodes `promote_lagging_replica` forces (one entry per fault).
    pub forced: Vec<u16>,
    /// During a split brain: the old primary still taking writes, and when
    /// the split began.
    pub split: Option<(u16, SimTime)>,
}

impl DbFaults {
    /// Fixes the stretch of a failover that starts now; returns its
    /// detection time.
    pub fn start_failover(&mut self, detection: SimDuration) -> SimDuration {
        self.stretch = (!self.slow.is_empty()).then(|| {
            let factor = self.slow.iter().map(|s| s.0).product();
            let extra = self.slow.iter().fold(SimDuration::ZERO, |a, s| a + s.1);
            (factor, extra)
        });
        match self.stretch {
            Some((factor, _)) => scale(detection, factor),
            None => detection,
        }
    }

    pub fn promotion(&self, promotion: SimDuration) -> SimDuration {
        match self.stretch {
            Some((factor, extra)) => scale(promotion, factor) + extra,
            None => promotion,
        }
    }

    /// Whether `node` (not the primary) still takes writes: the old primary
    /// of a split brain.
    pub fn diverging(&self, node: u16) -> bool {
        self.split.is_some_and(|(old, _)| old == node)
    }
}

impl DbFaults {
    /// A `snapshot_failure` fault starts (`true`) or ends.
    pub fn snapshot_failure(&mut self, on: bool) {
        self.snapshots_failing = count(self.snapshots_failing, on);
    }

    /// A `backup_not_uploaded` fault starts (`true`) or ends.
    pub fn upload_failure(&mut self, on: bool) {
        self.uploads_failing = count(self.uploads_failing, on);
    }

    /// A `slow_failover` fault with `params` (factor, extra) starts or ends.
    pub fn slow_failover(&mut self, params: (f64, SimDuration), on: bool) {
        if on {
            self.slow.push(params);
        } else if let Some(i) = self.slow.iter().position(|&p| p == params) {
            self.slow.remove(i);
        }
    }

    /// A `promote_lagging_replica` fault on replica `node` starts or ends.
    pub fn force_replica(&mut self, node: u16, on: bool) {
        if on {
            self.forced.push(node);
        } else if let Some(i) = self.forced.iter().position(|&n| n == node) {
            self.forced.remove(i);
        }
    }
}

/// One more (`true`) or one fewer active fault.
fn count(active: u32, on: bool) -> u32 {
    if on {
        active + 1
    } else {
        active.saturating_sub(1)
    }
}

impl Database {
    /// A `failover_failure` fault starts (`true`) or ends.
    pub(crate) fn failover_failure(&mut self, on: bool) {
        self.failover_blocked = count(self.failover_blocked, on);
    }

    /// Marks the newest completed snapshot corrupt.
    pub(crate) fn backup_corrupt(&mut self) {
        self.log.snapshots.mark_newest_corrupt();
    }

    /// Stops (`true`) or resumes replication to a non-primary node.
    pub(crate) fn replication_stop(&mut self, node: u16, on: bool, now: SimTime) {
        let n = &mut self.nodes[node as usize];
        if on {
            if n.replication_stopped.is_none() {
                n.replication_stopped = Some(self.log.now_point(now));
            }
        } else {
            n.replication_stopped = None;
        }
    }

    /// Promotes the standby (or least-lagged replica) while the old primary
    /// stays up and keeps taking writes from stale callers. False if there
    /// was nobody to promote.
    pub(crate) fn split_brain_start(&mut self, cx: &Cx) -> bool {
        let now = cx.now;
        let servers = cx.servers;
        let up = |s| servers[s].node.is_up();
        if self.faults.split.is_some() || !up(self.nodes[self.primary as usize].server) {
            return false;
        }
        let Some((candidate, lag)) = self.pick_candidate(up) else {
            return false;
        };
        let old = self.primary;
        self.primary_down_at = now;
        self.promote(candidate, lag, cx.dns_propagates);
        self.faults.split = Some((old, now));
        true
    }

    /// The split ends: the old primary's divergent writes are discarded.
    pub(crate) fn split_brain_end(&mut self, now: SimTime) {
        if let Some((_, since)) = self.faults.split.take() {
            self.log.discard_divergent(now.since(since));
        }
    }

    /// Deletes the primary's data: the writes since the restore point are
    /// lost unless a copy takes over. False (nothing happens) if the
    /// primary is down.
    pub(crate) fn wipe(&mut self, cx: &Cx) -> bool {
        let primary = self.nodes[self.primary as usize].server;
        if !cx.server_up(primary) {
            return false;
        }
        if self.pending_loss.is_none() {
            self.pending_loss = Some((self.log.restore_point(), self.log.now_point(cx.now)));
        }
        true
    }

    /// How long restoring the primary from backups takes by default: its
    /// volume's restore time, else the database's restart time.
    pub(crate) fn restore_time(&self, volumes: &Arena<VolumeId, Volume>) -> Dist {
        match self.nodes[self.primary as usize].volume {
            Some(v) => volumes[v].config.restore_time,
            None => self.restart_time,
        }
    }

    /// Acknowledges a write to the database's lineage, or to the old
    /// primary's diverging one during a split brain.
    #[inline]
    pub(crate) fn record_write_ack(&mut self, now: SimTime, divergent: bool) {
        if !divergent {
            self.log.record_ack(now);
            return;
        }
        self.log.record_divergent_ack();
        if self.faults.split.is_none() {
            // Acknowledged after the split ended: already overwritten.
            self.log.discard_divergent(SimDuration::ZERO);
        }
    }
}
