//! A relational database (RDS-style): a primary, an optional synchronous
//! standby, asynchronous read replicas, failover, backups.
//!
//! Assumptions (behaviour.md, cloud-figures.md):
//! - Each node is a `Server` with its own concurrency and queue. Writes go
//!   to the primary; with a standby up, a commit also waits one cross-zone
//!   round trip (synchronous replication), so no acknowledged write is lost
//!   when the standby is promoted.
//! - Replicas apply the primary's writes after a lag drawn from their lag
//!   distribution; promoting one loses every write acknowledged after its
//!   applied point (the primary's loss minus the lag): those inside the lag,
//!   and any an isolated primary went on acknowledging until the promotion.
//!   The RPO spans them, up to the last acknowledged write. While a
//!   failover is pending the write history is pinned from the loss on, so
//!   the answer does not depend on how old the run is (bounded: one point
//!   per distinct acknowledgement time, at most 2^20).
//! - Aurora (`deployment: aurora`): replicas read the shared cluster volume
//!   every commit reached, so their lag delays reads only and a promotion
//!   loses no acknowledged write (Aurora User Guide, "Replication with
//!   Amazon Aurora"). Simplification: an Aurora primary in an isolated
//!   zone still acknowledges its own zone's writes (real Aurora needs a
//!   storage quorum across zones); they are kept at promotion.
//! - When the primary goes down: after `detection`, the standby (or, if
//!   allowed, the least-lagged live replica) is promoted over `promotion`;
//!   with `failure_probability` (or while a `failover_failure` fault is
//!   active) the attempt fails and the database waits for the old primary
//!   to come back. The endpoint's DNS record then names the new primary;
//!   each caller keeps its cached answer until its TTL expires, so writes
//!   fail from the death until failover + (up to) one TTL.
//! - A failed-over old primary rejoins, when repaired, in the role of the
//!   node that replaced it.
//! - Losing the primary's volume with nobody to fail over to restores from
//!   the later of the last completed snapshot and the last shipped logs
//!   (point-in-time recovery); writes acknowledged after it are lost.
//! - Writes count as acknowledged when the client receives the success.
//! - Restore points are the last three completed, uploaded snapshots
//!   (`backup.rs`) and the last shipped logs; the data faults that bend
//!   them (failed, unuploaded or corrupt backups, replication stops, split
//!   brain, data wipes) are described in `data_faults.rs`.
//! - The API actions (reboot with or without forced failover, cluster
//!   failover, read-replica promotion) are described in
//!   `database_actions.rs`.

use std::collections::VecDeque;

use rand::RngExt;

use super::backup::Snapshots;
use super::data_faults::DbFaults;
use super::event::{ServerId, VolumeId};
use crate::config::{FailoverConfig, ReadFrom};
use crate::dist::Dist;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    Standby,
    Replica,
    /// No longer part of the database: the old source (and its standby and
    /// other replicas) after a read replica was promoted out of it. It
    /// serves nothing and is never promoted.
    Detached,
}

pub struct DbNode {
    pub server: ServerId,
    pub role: Role,
    /// Replication lag (replicas; kept by a node that takes a replica's role).
    pub lag: Option<Dist>,
    pub volume: Option<VolumeId>,
    /// Where its replication stopped (`replication_stop`), if it did.
    pub replication_stopped: Option<Point>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverState {
    Idle,
    Detecting,
    Promoting { candidate: u16, lag: SimDuration },
}

/// A point in the write history: how many acknowledged writes the data held
/// at `time` (its position in the data's lineage).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Point {
    pub time: SimTime,
    pub acked: u64,
}

/// Acknowledged writes over time, with just enough history to answer "how
/// many writes had been acknowledged at time t" inside the replica-lag
/// window. Memory is bounded by the write rate times that window.
///
/// Positions count writes in the data's *lineage*: when writes are lost the
/// data rolls back to the restore point and later writes build on it, so a
/// write is never lost twice (a second restore from the same snapshot loses
/// only what came after the first).
pub struct WriteLog {
    /// Every write acknowledged to a client, lost or not (for reports).
    pub acked_total: u64,
    /// The current data's position in its lineage.
    position: u64,
    recent: VecDeque<Point>,
    retain: SimDuration,
    /// While a failover is pending: points from this time on are kept
    /// whatever their age, so a promotion can still ask what its replica
    /// held when the primary was lost (an isolated primary keeps
    /// acknowledging writes through detection and promotion).
    pin: Option<SimTime>,
    /// When the latest write was acknowledged.
    last_ack: SimTime,
    /// The newest point dropped from `recent`.
    floor: Point,
    /// Completed snapshots in object storage (the newest few).
    pub snapshots: Snapshots,
    pub snapshot_in_progress: Option<Point>,
    pub log_point: Point,
    pub lost_total: u64,
    pub rpo_max: SimDuration,
    /// Acknowledged writes taken by an old primary during a split brain,
    /// on a lineage that will be discarded (not in `position`).
    pub divergent: u64,
    /// Divergent writes discarded so far (also counted in `lost_total`).
    pub conflicting_total: u64,
}

/// Points a pinned history may hold (one per distinct acknowledgement
/// time): about 17 minutes of writes at 1,000 distinct times a second.
const MAX_PINNED_POINTS: usize = 1 << 20;

impl WriteLog {
    pub fn new(retain: SimDuration) -> Self {
        WriteLog {
            acked_total: 0,
            position: 0,
            recent: VecDeque::new(),
            retain,
            pin: None,
            last_ack: SimTime::ZERO,
            floor: Point::default(),
            snapshots: Snapshots::default(),
            snapshot_in_progress: None,
            log_point: Point::default(),
            lost_total: 0,
            rpo_max: SimDuration::ZERO,
            divergent: 0,
            conflicting_total: 0,
        }
    }

    pub fn now_point(&self, now: SimTime) -> Point {
        Point {
            time: now,
            acked: self.position,
        }
    }

    pub fn record_ack(&mut self, now: SimTime) {
        self.acked_total += 1;
        self.position += 1;
        self.last_ack = now;
        if self.retain.is_zero() {
            return;
        }
        match self.recent.back_mut() {
            Some(last) if last.time == now => last.acked = self.position,
            _ => self.recent.push_back(self.now_point(now)),
        }
        while let Some(front) = self.recent.front() {
            if now.since(front.time) <= self.retain {
                break;
            }
            // A pinned history still has a bound: one point per distinct
            // acknowledgement time, at most MAX_PINNED_POINTS of them.
            if self.pin.is_some_and(|pin| front.time >= pin)
                && self.recent.len() <= MAX_PINNED_POINTS
            {
                break;
            }
            self.floor = *front;
            self.recent.pop_front();
        }
    }

    /// Keeps every point from `from` on until [`WriteLog::unpin`]: a
    /// failover started, and its promotion will ask for a point that old.
    pub fn pin(&mut self, from: SimTime) {
        if !self.retain.is_zero() && self.pin.is_none() {
            self.pin = Some(from);
        }
    }

    /// The newest data a failover that began at `since` throws away: every
    /// write acknowledged so far, the latest at its own time (an isolated
    /// primary keeps acknowledging writes after the monitor lost it).
    pub fn latest_since(&self, since: SimTime) -> Point {
        Point {
            time: since.max(self.last_ack),
            acked: self.position,
        }
    }

    /// How far back the history always reaches.
    pub fn retain(&self) -> SimDuration {
        self.retain
    }

    /// The failover ended: history goes back to its `retain` window.
    pub fn unpin(&mut self) {
        self.pin = None;
    }

    /// Writes acknowledged by time `t` (at most `retain` ago, or since the
    /// pin; older times answer with the newest point dropped, which
    /// undercounts a loss rather than inventing one: the writes before it
    /// were never at risk of being counted).
    pub fn acked_at(&self, t: SimTime) -> u64 {
        let idx = self.recent.partition_point(|p| p.time <= t);
        if idx == 0 {
            self.floor.acked
        } else {
            self.recent[idx - 1].acked
        }
    }

    /// The current position, timed at the last acknowledged write (or
    /// `now` when no history is kept): the end of a span of lost writes.
    pub fn last_ack_point(&self, now: SimTime) -> Point {
        Point {
            time: self.recent.back().map_or(now, |p| p.time),
            acked: self.position,
        }
    }

    /// The restore point of a backup restore: the later of the last
    /// usable snapshot and the last shipped logs.
    pub fn restore_point(&self) -> Point {
        self.restore_point_before(None)
    }

    /// The restore point when the volume's blocks went bad at
    /// `corrupted_at`: snapshots taken since hold the bad blocks.
    pub fn restore_point_before(&self, corrupted_at: Option<SimTime>) -> Point {
        let snapshot = self.snapshots.restorable(corrupted_at);
        if self.log_point.time > snapshot.time {
            self.log_point
        } else {
            snapshot
        }
    }

    /// A write acknowledged by an old primary during a split brain.
    pub fn record_divergent_ack(&mut self) {
        self.acked_total += 1;
        self.divergent += 1;
    }

    /// The split brain ended after `span`: the old primary's divergent
    /// writes are discarded.
    pub fn discard_divergent(&mut self, span: SimDuration) {
        if self.divergent == 0 {
            return;
        }
        self.lost_total += self.divergent;
        self.conflicting_total += self.divergent;
        self.divergent = 0;
        self.rpo_max = self.rpo_max.max(span);
    }

    /// Records that the writes after `kept` and up to `upto` are lost: the
    /// data rolls back to `kept`, and every later point (a snapshot or log
    /// position newer than the restore) falls back with it.
    pub fn lose(&mut self, kept: Point, upto: Point) {
        let lost = upto.acked.saturating_sub(kept.acked);
        if lost == 0 {
            return;
        }
        self.lost_total += lost;
        self.rpo_max = self.rpo_max.max(upto.time.since(kept.time));
        self.position = self.position.min(kept.acked);
        let clamp = |p: &mut Point| {
            if p.acked > kept.acked {
                *p = kept;
            }
        };
        self.snapshots.clamp(kept);
        clamp(&mut self.log_point);
        if let Some(p) = &mut self.snapshot_in_progress {
            clamp(p);
        }
        clamp(&mut self.floor);
        self.recent.retain(|p| p.acked <= kept.acked);
    }
}

pub struct Database {
    pub name: String,
    pub nodes: Vec<DbNode>,
    /// The node holding the primary role (it may be down).
    pub primary: u16,
    /// The node the endpoint's DNS record names, and when it last changed.
    pub endpoint: u16,
    pub endpoint_ttl: SimDuration,
    pub failover: FailoverConfig,
    pub failover_state: FailoverState,
    /// Bumped per failover so stale failover events are dropped.
    pub epoch: u32,
    /// When the current primary went down (for replica-lag loss).
    pub primary_down_at: SimTime,
    /// Active `failover_failure` faults.
    pub failover_blocked: u32,
    pub read_from: ReadFrom,
    pub read_time: Dist,
    pub write_time: Dist,
    pub restart_time: Dist,
    pub reboot_time: Dist,
    pub replica_promotion_time: Dist,
    pub deployment: Option<crate::config::Deployment>,
    /// Reboots, forced failovers and replica promotions in progress
    /// (`database_actions.rs`).
    pub actions: super::database_actions::DbActions,
    pub log: WriteLog,
    pub log_upload_every: Option<SimDuration>,
    /// The primary's volume was lost: the writes between the restore point
    /// (`.0`) and the loss (`.1`) are lost unless a copy is promoted.
    pub pending_loss: Option<(Point, Point)>,
    /// The instance this database runs on, if it shares one.
    pub host: Option<ServerId>,
    /// State of the data faults acting on it (`data_faults.rs`).
    pub faults: DbFaults,
    pub rng: SimRng,
}

/// The failover rule, for both fidelities: the first live standby (no
/// lag: replication to it is synchronous); else, when replicas may be
/// promoted, the live replica with the smallest `lag(i)` (drawn at request
/// level, its mean in the fluid mode), the earlier node on a tie.
pub fn failover_candidate<L: PartialOrd + Copy>(
    nodes: usize,
    role: impl Fn(usize) -> Role,
    up: impl Fn(usize) -> bool,
    promote_replicas: bool,
    no_lag: L,
    mut lag: impl FnMut(usize) -> L,
) -> Option<(usize, L)> {
    if let Some(i) = (0..nodes).find(|&i| role(i) == Role::Standby && up(i)) {
        return Some((i, no_lag));
    }
    if !promote_replicas {
        return None;
    }
    let mut best: Option<(usize, L)> = None;
    for i in 0..nodes {
        if role(i) != Role::Replica || !up(i) {
            continue;
        }
        let l = lag(i);
        if best.is_none_or(|(_, b)| l < b) {
            best = Some((i, l));
        }
    }
    best
}

impl Database {
    /// What replica (or standby) `node` holds when replication to it is cut
    /// at `at`: the writes acknowledged up to `lag` before (all of them for
    /// a synchronous copy), or up to where its replication stopped, if
    /// earlier. Promotion and `PromoteReadReplica` both keep this.
    pub fn applied_point(&self, node: u16, at: SimTime, lag: SimDuration) -> Point {
        let time = SimTime(at.as_nanos().saturating_sub(lag.as_nanos()));
        let applied = Point {
            time,
            acked: if lag.is_zero() {
                self.log.now_point(at).acked
            } else {
                self.log.acked_at(time)
            },
        };
        match self.nodes[node as usize].replication_stopped {
            Some(stopped) if stopped.acked < applied.acked => stopped,
            _ => applied,
        }
    }

    pub fn has_failover_target(&self) -> bool {
        self.nodes.iter().any(|n| {
            n.role == Role::Standby || (n.role == Role::Replica && self.failover.promote_replicas)
        })
    }

    /// The node to promote and the replication lag it has (zero for a
    /// synchronous standby), if any node can take over now.
    pub fn pick_candidate(&mut self, up: impl Fn(ServerId) -> bool) -> Option<(u16, SimDuration)> {
        let (nodes, rng) = (&self.nodes, &mut self.rng);
        failover_candidate(
            nodes.len(),
            |i| nodes[i].role,
            |i| up(nodes[i].server),
            self.failover.promote_replicas,
            SimDuration::ZERO,
            |i| {
                nodes[i]
                    .lag
                    .as_ref()
                    .map_or(SimDuration::ZERO, |d| d.sample(rng))
            },
        )
        .map(|(i, lag)| (i as u16, lag))
    }

    /// The lag drawn now for node `i` if it is a live replica.
    fn live_replica_lag(
        &mut self,
        i: usize,
        up: &impl Fn(ServerId) -> bool,
    ) -> Option<SimDuration> {
        let node = &self.nodes[i];
        if node.role != Role::Replica || !up(node.server) {
            return None;
        }
        Some(
            node.lag
                .as_ref()
                .map_or(SimDuration::ZERO, |d| d.sample(&mut self.rng)),
        )
    }

    /// The most lagged live replica among those `promote_lagging_replica`
    /// forces, with its lag, if any such fault is active.
    pub fn pick_forced(&mut self, up: impl Fn(ServerId) -> bool) -> Option<(u16, SimDuration)> {
        let mut worst: Option<(u16, SimDuration)> = None;
        for k in 0..self.faults.forced.len() {
            let i = self.faults.forced[k] as usize;
            let Some(lag) = self.live_replica_lag(i, &up) else {
                continue;
            };
            if worst.is_none_or(|(_, l)| lag > l) {
                worst = Some((i as u16, lag));
            }
        }
        worst
    }

    /// Whether this failover attempt fails (drawn once per attempt).
    pub fn failover_fails(&mut self) -> bool {
        if self.failover_blocked > 0 {
            return true;
        }
        let p = self.failover.failure_probability;
        p > 0.0 && self.rng.random::<f64>() < p
    }

    /// The node a read goes to: a random live replica when reads go to
    /// replicas, else (or if none is up) the node the caller's DNS names.
    pub fn read_node(&mut self, endpoint_answer: u16, up: impl Fn(ServerId) -> bool) -> u16 {
        if self.read_from == ReadFrom::Replicas {
            let live = self
                .nodes
                .iter()
                .filter(|n| n.role == Role::Replica && up(n.server))
                .count();
            if live > 0 {
                let k = self.rng.random_range(0..live);
                let mut seen = 0;
                for (i, n) in self.nodes.iter().enumerate() {
                    if n.role == Role::Replica && up(n.server) {
                        if seen == k {
                            return i as u16;
                        }
                        seen += 1;
                    }
                }
            }
        }
        endpoint_answer
    }

    pub fn standby_server(&self) -> Option<ServerId> {
        self.nodes
            .iter()
            .find(|n| n.role == Role::Standby)
            .map(|n| n.server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_log_answers_acked_counts_inside_the_window() {
        let mut log = WriteLog::new(SimDuration::from_secs(10));
        for s in 0..30u64 {
            log.record_ack(SimTime(s * 1_000_000_000));
        }
        assert_eq!(log.acked_total, 30);
        assert_eq!(log.acked_at(SimTime(25 * 1_000_000_000)), 26);
        assert_eq!(log.acked_at(SimTime(25 * 1_000_000_000 + 1)), 26);
        // Older than the window: the oldest kept answer, never more.
        assert!(log.acked_at(SimTime(1_000_000_000)) <= 20);
    }

    #[test]
    fn losing_writes_accumulates_count_and_worst_window() {
        let mut log = WriteLog::new(SimDuration::ZERO);
        let kept = Point {
            time: SimTime(0),
            acked: 10,
        };
        let upto = Point {
            time: SimTime(5_000_000_000),
            acked: 25,
        };
        log.lose(kept, upto);
        assert_eq!(log.lost_total, 15);
        assert_eq!(log.rpo_max, SimDuration::from_secs(5));
    }

    /// Regression (found by `tests/suite/fuzz_models.rs`): a second restore from
    /// the same snapshot counted the first restore's lost writes again.
    #[test]
    fn a_write_is_never_lost_twice() {
        // Snapshot at 10 writes; lose 10..25; 5 new writes; lose again from
        // the same snapshot: only the 5 new ones are lost the second time.
        let mut log = WriteLog::new(SimDuration::ZERO);
        let at = |s: u64| SimTime(s * 1_000_000_000);
        for _ in 0..10 {
            log.record_ack(at(1));
        }
        log.snapshots.completed(log.now_point(at(1)));
        for _ in 0..15 {
            log.record_ack(at(2));
        }
        log.lose(log.restore_point(), log.now_point(at(3)));
        for _ in 0..5 {
            log.record_ack(at(4));
        }
        log.lose(log.restore_point(), log.now_point(at(5)));
        assert_eq!(log.acked_total, 30);
        assert_eq!(log.lost_total, 20);
    }
}
