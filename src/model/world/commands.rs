//! The fault layer's entry into the components: each command splits the
//! world (`dispatch.rs`), calls the component's method and applies its
//! effects, so `fault/` never sets a component's fields itself.

use super::World;
use crate::config::DownMode;
use crate::config::ZoneIndex;
use crate::dist::Dist;
use crate::model::control_plane::Blocked;
use crate::model::data_faults::DbFaults;
use crate::model::event::{CacheId, DbId, Event, ExternalId, ServerId, VolumeId};
use crate::model::failure::NodeRef;
use crate::model::node::Cause;
use crate::model::volume::VolumeOwner;
use crate::time::SimDuration;

/// Databases: failures, API actions and data faults.
impl World {
    /// Fails the database's current primary; it restarts in place after
    /// `repair` (if given), or stays down until the fault's end.
    pub fn db_primary_failure(&mut self, db: DbId, mode: DownMode, repair: Option<SimDuration>) {
        let primary = self.dbs[db].primary;
        let server = self.with_db(db, |d, cx| d.fail_primary(mode, cx));
        if let Some(after) = repair {
            let incarnation = self.servers[server].node.incarnation;
            self.engine.schedule_after(
                after,
                Event::DbNodeRepaired {
                    db,
                    node: primary,
                    incarnation,
                },
            );
        }
    }

    /// `RebootDBInstance`, with or without a forced failover.
    pub fn db_reboot(&mut self, db: DbId, force_failover: bool) -> Result<(), String> {
        self.with_db(db, |d, cx| d.reboot(db, force_failover, cx))
    }

    /// `FailoverDBCluster`.
    pub fn db_cluster_failover(&mut self, db: DbId) -> Result<(), String> {
        self.with_db(db, |d, cx| d.cluster_failover(db, cx))
    }

    /// `PromoteReadReplica` on replica `node`.
    pub fn db_replica_promotion(&mut self, db: DbId, node: u16) -> Result<(), String> {
        self.with_db(db, |d, cx| d.replica_promotion(db, node, cx))
    }

    /// The data faults acting on database `db`, to start or end one.
    pub fn db_faults(&mut self, db: DbId) -> &mut DbFaults {
        &mut self.dbs[db].faults
    }

    /// A `failover_failure` fault starts (`true`) or ends on `db`.
    pub fn db_failover_failure(&mut self, db: DbId, on: bool) {
        self.dbs[db].failover_failure(on);
    }

    /// Marks the database's newest completed snapshot corrupt.
    pub fn backup_corrupt(&mut self, db: DbId) {
        self.dbs[db].backup_corrupt();
    }

    /// Stops (`true`) or resumes replication to a non-primary node.
    pub fn replication_stop(&mut self, db: DbId, node: u16, on: bool) {
        let now = self.now();
        self.dbs[db].replication_stop(node, on, now);
    }

    /// Starts a split brain on `db`; false if there was nobody to promote.
    pub fn split_brain_start(&mut self, db: DbId) -> bool {
        self.with_db(db, |d, cx| d.split_brain_start(cx))
    }

    /// The split ends: the old primary's divergent writes are discarded.
    pub fn split_brain_end(&mut self, db: DbId) {
        let now = self.now();
        self.dbs[db].split_brain_end(now);
    }

    /// A split brain still open at the horizon is resolved as at its end:
    /// the old primary's writes are discarded.
    pub(crate) fn close_split_brains(&mut self) {
        for db in self.dbs.ids() {
            self.split_brain_end(db);
        }
    }

    /// Deletes the primary's data: it fails; a standby or replica takes
    /// over if the model has one, else it restores from backups after
    /// `repair` and loses everything since the restore point.
    pub fn data_wipe(&mut self, db: DbId, repair: SimDuration) {
        if self.with_db(db, |d, cx| d.wipe(cx)) {
            self.db_primary_failure(db, DownMode::Refuse, Some(repair));
        }
    }

    /// How long restoring the primary from backups takes by default: its
    /// volume's restore time, else the database's restart time.
    pub fn default_restore_time(&mut self, db: DbId) -> SimDuration {
        let dist = self.dbs[db].restore_time(&self.volumes);
        dist.sample(&mut self.infra_rng)
    }
}

/// Volumes and caches: data faults.
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

    /// Every node of the cache loses its data now and warms from cold.
    pub fn cache_flush(&mut self, cache: CacheId, warmup: Option<SimDuration>) {
        let now = self.now();
        self.caches[cache].flush(now, warmup);
    }

    /// Loses a cache node; it is replaced, cold, after `replace` (default:
    /// the cache's replacement time).
    pub fn cache_node_lost(&mut self, cache: CacheId, node: u16, replace: Option<SimDuration>) {
        let r = NodeRef::CacheNode { cache, node };
        self.set_down(r, Cause::Crash, DownMode::Refuse);
        let incarnation = self.caches[cache].nodes[node as usize].node.incarnation;
        let after = replace.unwrap_or_else(|| self.caches[cache].replace_after());
        self.engine.schedule_after(
            after,
            Event::CacheNodeReplaced {
                cache,
                node,
                incarnation,
            },
        );
    }
}

/// The control plane, capacity and external dependencies.
impl World {
    pub fn control_plane_outage(&mut self, blocked: Blocked) {
        self.trace_control_plane("control_plane_outage", blocked);
        self.control_plane.outage(blocked);
    }

    /// Ends one outage; what it alone was holding back happens now.
    pub fn control_plane_restored(&mut self, blocked: Blocked) {
        self.trace_control_plane("control_plane_restored", blocked);
        for (v, incarnation) in self.control_plane.end_attach_block(blocked.attach) {
            self.on_volume_restored(v, incarnation);
        }
        if let Some(deferred) = self.control_plane.end_dns_block(blocked.dns) {
            for (lb, node, in_dns) in deferred {
                self.on_lb_dns_update(lb, node, in_dns);
            }
            for db in &mut self.dbs {
                db.endpoint = db.primary;
            }
        }
        if self.control_plane.end_launch_block(blocked.launch) {
            self.asg_pass_all();
        }
    }

    fn trace_control_plane(&mut self, event: &'static str, blocked: Blocked) {
        self.trace(|w| {
            let mut what = Vec::new();
            for (on, name) in [
                (blocked.launch, "launches"),
                (blocked.attach, "volume attaches"),
                (blocked.dns, "DNS changes"),
            ] {
                if on {
                    what.push(name);
                }
            }
            crate::metrics::trace::TraceEvent::new(w.now(), event, "control_plane")
                .cause("control_plane")
                .detail(what.join(", "))
        });
    }

    /// Limits launches in `zones` to `instances` more; returns the previous
    /// limits so the end can restore them.
    pub fn capacity_limit(&mut self, zones: &[ZoneIndex], instances: u32) -> Vec<Option<u32>> {
        self.control_plane.capacity_limit(zones, instances)
    }

    /// A capacity limit ends; the Auto Scaling groups act at once.
    pub fn capacity_restored(&mut self, zones: &[ZoneIndex], before: &[Option<u32>]) {
        self.control_plane.capacity_restored(zones, before);
        self.asg_pass_all();
    }

    /// Starts (`Some`) or ends (`None`) an outage of external `e`.
    pub fn set_external_outage(&mut self, e: ExternalId, fault: u16, mode: Option<DownMode>) {
        self.externals[e].set_outage(fault, mode);
    }

    /// Starts (`Some`) or ends (`None`) a slowdown of external `e`.
    pub fn set_external_slowdown(&mut self, e: ExternalId, fault: u16, latency: Option<Dist>) {
        self.externals[e].set_slowdown(fault, latency);
    }
}
