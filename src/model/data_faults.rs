//! Data faults as the model sees them: volume I/O stalls, degraded
//! throughput and silent corruption; backup failures; replication stops,
//! slow or wrong failovers, split brain, data wipes; cache flushes. The
//! fault layer (`fault/data.rs`) calls the `World` methods here.
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

use super::database::Point;
use super::event::{AttemptId, CacheId, DbId, ErrorCause, Event, ServerId, VolumeId};
use super::id::Arena;
use super::volume::VolumeOwner;
use super::world::World;
use crate::config::DownMode;
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

fn scale(d: SimDuration, factor: f64) -> SimDuration {
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

impl World {
    /// The server a volume serves.
    pub fn volume_server(&self, v: VolumeId) -> ServerId {
        match self.volumes[v].owner {
            VolumeOwner::Instance(s) => s,
            VolumeOwner::DbNode { db, node } => self.dbs[db].nodes[node as usize].server,
        }
    }

    /// Starts (`true`) or ends a stall of the volume's I/O. At the end, the
    /// services that finished during it complete.
    pub fn volume_io_stall(&mut self, v: VolumeId, on: bool) {
        let s = self.volume_server(v);
        let io = &mut self.servers[s].io;
        if on {
            io.stalls += 1;
            return;
        }
        io.stalls = io.stalls.saturating_sub(1);
        if io.stalls > 0 {
            return;
        }
        for (attempt, incarnation) in std::mem::take(&mut io.parked) {
            self.engine.schedule_after(
                SimDuration::ZERO,
                Event::ServiceDone {
                    attempt,
                    server: s,
                    incarnation,
                },
            );
        }
    }

    /// Starts (`Some(fraction)`) or ends a degraded-throughput episode.
    pub fn volume_degraded(&mut self, v: VolumeId, fraction: f64, on: bool) {
        let s = self.volume_server(v);
        let slowdowns = &mut self.servers[s].io.slowdowns;
        let factor = 1.0 / fraction;
        if on {
            slowdowns.push(factor);
        } else if let Some(i) = slowdowns.iter().position(|&f| f == factor) {
            slowdowns.remove(i);
        }
    }

    /// The volume's blocks go bad silently, now.
    pub fn volume_corrupted(&mut self, v: VolumeId) {
        let now = self.now();
        let vol = &mut self.volumes[v];
        if vol.lost || vol.corrupted_at.is_some() {
            return;
        }
        vol.corrupted_at = Some(now);
        let s = self.volume_server(v);
        self.servers[s].io.corrupt = Some(v);
    }

    /// Called when a service on `server` finishes: holds it during a stall,
    /// or fails it if it read corrupt data. True if it was taken care of.
    pub(super) fn io_intercept(
        &mut self,
        a: AttemptId,
        server: ServerId,
        incarnation: u32,
    ) -> bool {
        let io = &mut self.servers[server].io;
        if io.stalls > 0 {
            io.parked.push((a, incarnation));
            return true;
        }
        let Some(v) = io.corrupt else {
            return false;
        };
        if let super::world::ServerRole::DbNode { .. } = self.server_roles[server] {
            if !self.is_read_step(a) {
                return false; // writes do not read the bad blocks
            }
        }
        self.servers[server].io.corrupt = None;
        self.servers[server].release(incarnation);
        self.fail_attempt(a, ErrorCause::InFlightLost);
        self.volume_lost(v, None);
        true
    }

    /// Marks the database's newest completed snapshot corrupt.
    pub fn backup_corrupt(&mut self, db: DbId) {
        self.dbs[db].log.snapshots.mark_newest_corrupt();
    }

    /// Stops (`true`) or resumes replication to a non-primary node.
    pub fn replication_stop(&mut self, db: DbId, node: u16, on: bool) {
        let now = self.now();
        let d = &mut self.dbs[db];
        let n = &mut d.nodes[node as usize];
        if on {
            if n.replication_stopped.is_none() {
                n.replication_stopped = Some(d.log.now_point(now));
            }
        } else {
            n.replication_stopped = None;
        }
    }

    /// Promotes the standby (or least-lagged replica) while the old primary
    /// stays up and keeps taking writes from stale callers. False if there
    /// was nobody to promote.
    pub fn split_brain_start(&mut self, db: DbId) -> bool {
        let now = self.now();
        let servers_up: Arena<ServerId, bool> =
            self.servers.iter().map(|s| s.node.is_up()).collect();
        let d = &mut self.dbs[db];
        if d.faults.split.is_some() || !servers_up[d.nodes[d.primary as usize].server] {
            return false;
        }
        let Some((candidate, lag)) = d.pick_candidate(|s| servers_up[s]) else {
            return false;
        };
        let old = d.primary;
        d.primary_down_at = now;
        self.promote(db, candidate, lag);
        self.dbs[db].faults.split = Some((old, now));
        true
    }

    /// The split ends: the old primary's divergent writes are discarded.
    pub fn split_brain_end(&mut self, db: DbId) {
        let now = self.now();
        let d = &mut self.dbs[db];
        if let Some((_, since)) = d.faults.split.take() {
            d.log.discard_divergent(now.since(since));
        }
    }

    /// Deletes the primary's data: it fails; a standby or replica takes
    /// over if the model has one, else it restores from backups after
    /// `repair` and loses everything since the restore point.
    pub fn data_wipe(&mut self, db: DbId, repair: SimDuration) {
        let now = self.now();
        let d = &mut self.dbs[db];
        let primary = d.nodes[d.primary as usize].server;
        if !self.servers[primary].node.is_up() {
            return;
        }
        if d.pending_loss.is_none() {
            d.pending_loss = Some((d.log.restore_point(), d.log.now_point(now)));
        }
        self.db_primary_failure(db, DownMode::Refuse, Some(repair));
    }

    /// How long restoring the primary from backups takes by default: its
    /// volume's restore time, else the database's restart time.
    pub fn default_restore_time(&mut self, db: DbId) -> SimDuration {
        let d = &self.dbs[db];
        let dist = match d.nodes[d.primary as usize].volume {
            Some(v) => self.volumes[v].config.restore_time,
            None => d.restart_time,
        };
        dist.sample(&mut self.infra_rng)
    }

    /// A split brain still open at the horizon is resolved as at its end:
    /// the old primary's writes are discarded.
    pub(super) fn close_split_brains(&mut self) {
        for db in self.dbs.ids() {
            self.split_brain_end(db);
        }
    }

    /// Every node of the cache loses its data now and warms from cold.
    pub fn cache_flush(&mut self, cache: CacheId, warmup: Option<SimDuration>) {
        let now = self.now();
        for n in &mut self.caches[cache].nodes {
            n.cold_since = Some(now);
            n.warmup = warmup;
        }
    }

    /// Acknowledges a write to the database's lineage, or to the old
    /// primary's diverging one during a split brain.
    pub(super) fn record_write_ack(&mut self, db: DbId, divergent: bool) {
        let now = self.now();
        let d = &mut self.dbs[db];
        if !divergent {
            d.log.record_ack(now);
            return;
        }
        d.log.record_divergent_ack();
        if d.faults.split.is_none() {
            // Acknowledged after the split ended: already overwritten.
            d.log.discard_divergent(SimDuration::ZERO);
        }
    }

    /// The write position a promoted node holds, given its replication
    /// lag at the primary's death and any replication stop.
    pub(super) fn promoted_keeps(&self, db: DbId, candidate: u16, lag: SimDuration) -> Point {
        let d = &self.dbs[db];
        let died = d.primary_down_at;
        // Aurora's replicas read the cluster volume every write went to
        // (six copies over three zones): the lag delays reads, never
        // durability, so a promotion keeps every acknowledged write
        // (Aurora User Guide, "Replication with Amazon Aurora").
        if d.deployment == Some(crate::config::Deployment::Aurora) {
            return d.log.latest_since(died);
        }
        d.applied_point(candidate, died, lag)
    }

    fn is_read_step(&self, a: AttemptId) -> bool {
        let att = self.attempts.get(a);
        let steps = &self.classes[att.class].steps;
        steps
            .get(att.step as usize)
            .is_some_and(|s| s.op != crate::config::Op::Write)
    }
}
