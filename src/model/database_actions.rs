//! API actions on an RDS-style database, as AWS FIS and the RDS API define
//! them: `RebootDBInstance` (with or without `ForceFailover`),
//! `FailoverDBCluster` and `PromoteReadReplica`. The fault layer
//! (`fault/database_actions.rs`) calls the `World` methods here; a refused
//! call returns the API's error, and the FIS action fails.
//!
//! Assumptions (RDS User Guide and API Reference pages named):
//! - A reboot without failover restarts the primary's engine in place: it
//!   refuses connections for the database's `reboot_time`, then serves
//!   again. It starts no failover, even with a standby ("Rebooting a DB
//!   instance": a momentary outage; Multi-AZ fails over on reboot only
//!   when asked to).
//! - A reboot with `ForceFailover` needs a Multi-AZ DB instance (a
//!   standby): the primary is interrupted, the standby is promoted through
//!   the database's failover (detection + promotion, as for a crash; a
//!   synchronous standby loses no acknowledged write), and the old primary
//!   comes back after its reboot as the new standby. It stays out until the
//!   failover ends (RDS does not hand it writes back meanwhile), so a
//!   reboot shorter than detection does not cancel the failover. On an instance without a standby the API refuses
//!   with `InvalidParameterCombination` ("You can't enable force failover
//!   if the instance isn't configured for Multi-AZ", `RebootDBInstance`):
//!   nothing restarts. On a DB cluster the failover is `FailoverDBCluster`.
//! - Rebooting or promoting an instance that is not available (down,
//!   already rebooting or promoting) is refused: `InvalidDBInstanceState`.
//! - `FailoverDBCluster` (FIS `aws:rds:failover-db-cluster`) applies only
//!   to DB clusters (Aurora, Multi-AZ DB cluster): the writer restarts and
//!   a reader (the standby, or for Aurora the least-lagged replica) is
//!   promoted through the failover; the old writer returns as a reader.
//!   With no live reader the call is refused.
//! - `PromoteReadReplica` is manual: RDS never promotes an RDS read replica
//!   on its own. The replica stops replicating at once (it keeps the writes
//!   acknowledged up to its lag before the call, or before its source's
//!   death if the source is down) and reboots: unavailable
//!   for `replica_promotion_time` ("Promoting a read replica": several
//!   minutes or longer). It then becomes a standalone primary with no
//!   standby and no replicas; the application is assumed to be pointed at
//!   it then (the endpoint record names it; callers follow when their
//!   cached answer expires). Every write acknowledged by the old source
//!   after the replica's position is lost to the application, including
//!   those taken during the promotion. The old source, its standby and its
//!   other replicas are detached: they serve nothing (a caller still
//!   pointed at them is refused as for a stale DNS answer). It does not
//!   apply to Aurora (`PromoteReadReplica` API Reference).

use super::database::{Point, Role};
use super::event::{DbId, Event};
use super::failure::NodeRef;
use super::node::Cause;
use super::world::World;
use crate::config::{Deployment, DownMode};

/// The API actions in progress on one database.
#[derive(Clone, Debug, Default)]
pub struct DbActions {
    /// The node rebooting in place: its loss starts no failover.
    pub rebooting: Option<u16>,
    /// The failover in progress was forced by the API: the old primary's
    /// return does not cancel it.
    pub forced: bool,
    /// The old primary of a forced failover finished rebooting before the
    /// failover did: it returns when the failover ends.
    pub deferred_return: Option<u16>,
    /// A replica being promoted, and the write position it holds.
    pub promoting: Option<(u16, Point)>,
    /// Bumped per action so stale completions are dropped.
    pub token: u32,
}

impl World {
    /// `RebootDBInstance` on the database's primary, with or without a
    /// forced failover. `Err` carries the API's refusal.
    pub fn db_reboot(&mut self, db: DbId, force_failover: bool) -> Result<(), String> {
        self.db_available(db)?;
        let d = &self.dbs[db];
        if force_failover {
            if d.deployment.is_some_and(Deployment::is_cluster) {
                return Err(format!(
                    "InvalidParameterCombination: `{}` is a DB cluster; fail it over with database_cluster_failover (FailoverDBCluster)",
                    d.name
                ));
            }
            if d.standby_server().is_none() {
                return Err(format!(
                    "InvalidParameterCombination: `{}` is not configured for Multi-AZ (no standby), so a reboot cannot force a failover",
                    d.name
                ));
            }
            self.db_forced_failover(db, "reboot_with_failover");
            return Ok(());
        }
        let d = &mut self.dbs[db];
        let primary = d.primary;
        d.actions.rebooting = Some(primary);
        self.db_restart_node(db, primary, "reboot_started");
        Ok(())
    }

    /// `FailoverDBCluster`: the writer restarts and a reader takes over.
    pub fn db_cluster_failover(&mut self, db: DbId) -> Result<(), String> {
        let d = &self.dbs[db];
        if !d.deployment.is_some_and(Deployment::is_cluster) {
            return Err(format!(
                "InvalidDBClusterStateFault: `{}` is not a DB cluster (deployment: {})",
                d.name,
                d.deployment.map_or("none", Deployment::name)
            ));
        }
        self.db_available(db)?;
        let servers = &self.servers;
        let d = &self.dbs[db];
        let reader = d.nodes.iter().any(|n| {
            let up = servers[n.server].node.is_up();
            up && (n.role == Role::Standby
                || (n.role == Role::Replica && d.failover.promote_replicas))
        });
        if !reader {
            return Err(format!(
                "InvalidDBClusterStateFault: `{}` has no available reader to fail over to",
                d.name
            ));
        }
        self.db_forced_failover(db, "cluster_failover");
        Ok(())
    }

    /// `PromoteReadReplica` on replica `node`.
    pub fn db_replica_promotion(&mut self, db: DbId, node: u16) -> Result<(), String> {
        let server = self.dbs[db].nodes[node as usize].server;
        let up = self.servers[server].node.is_up();
        let d = &self.dbs[db];
        // A dead source sent nothing after its death.
        let source_up = self.servers[d.nodes[d.primary as usize].server]
            .node
            .is_up();
        let now = if source_up {
            self.now()
        } else {
            d.primary_down_at
        };
        let d = &mut self.dbs[db];
        if d.deployment == Some(Deployment::Aurora) {
            return Err(format!(
                "InvalidParameterValue: PromoteReadReplica does not apply to Aurora (`{}`)",
                d.name
            ));
        }
        if d.nodes[node as usize].role != Role::Replica || !up || d.actions.promoting.is_some() {
            return Err(format!(
                "InvalidDBInstanceState: the read replica of `{}` is not available",
                d.name
            ));
        }
        // Replication stops now: the replica keeps what it had applied.
        let lag = d.nodes[node as usize]
            .lag
            .as_ref()
            .map_or(crate::time::SimDuration::ZERO, |l| l.sample(&mut d.rng));
        let kept = d.applied_point(node, now, lag);
        d.actions.promoting = Some((node, kept));
        d.actions.token = d.actions.token.wrapping_add(1);
        let token = d.actions.token;
        let took = d.replica_promotion_time.sample(&mut d.rng);
        self.engine
            .schedule_after(took, Event::ReplicaPromoted { db, node, token });
        self.trace_db_action(db, node, "replica_promotion_started", |label| {
            format!(
                "promoting read replica {label} (lag {:.3} s); unavailable for {:.3} s",
                lag.as_secs_f64(),
                took.as_secs_f64()
            )
        });
        self.set_down(NodeRef::Server(server), Cause::Reboot, DownMode::Refuse);
        Ok(())
    }

    /// The primary must be up and not already restarting or promoting.
    fn db_available(&self, db: DbId) -> Result<(), String> {
        let d = &self.dbs[db];
        let server = d.nodes[d.primary as usize].server;
        let busy = d.actions.rebooting.is_some() || d.actions.forced;
        if busy || !self.servers[server].node.is_up() {
            return Err(format!(
                "InvalidDBInstanceState: `{}` is not available (its primary is down or rebooting)",
                d.name
            ));
        }
        Ok(())
    }

    /// The primary is interrupted and the failover promotes a standby (or
    /// reader); the old primary returns after its reboot.
    fn db_forced_failover(&mut self, db: DbId, event: &'static str) {
        let d = &mut self.dbs[db];
        d.actions.forced = true;
        let primary = d.primary;
        self.db_restart_node(db, primary, event);
    }

    /// Takes `node` down for the database's reboot time.
    fn db_restart_node(&mut self, db: DbId, node: u16, event: &'static str) {
        let d = &mut self.dbs[db];
        d.actions.token = d.actions.token.wrapping_add(1);
        let token = d.actions.token;
        let took = d.reboot_time.sample(&mut d.rng);
        let server = d.nodes[node as usize].server;
        self.engine
            .schedule_after(took, Event::DbRebootDone { db, node, token });
        self.trace_db_action(db, node, event, |label| {
            format!("{label} reboots for {:.3} s", took.as_secs_f64())
        });
        self.set_down(NodeRef::Server(server), Cause::Reboot, DownMode::Refuse);
    }

    pub(super) fn on_db_reboot_done(&mut self, db: DbId, node: u16, token: u32) {
        let d = &mut self.dbs[db];
        if d.actions.token != token {
            return;
        }
        if d.actions.rebooting == Some(node) {
            d.actions.rebooting = None;
        }
        if d.actions.forced && d.primary == node {
            d.actions.deferred_return = Some(node);
            return;
        }
        let server = d.nodes[node as usize].server;
        self.trace_db_action(db, node, "reboot_done", |label| format!("{label} is back"));
        self.clear_down(NodeRef::Server(server), Cause::Reboot);
    }

    pub(super) fn on_replica_promoted(&mut self, db: DbId, node: u16, token: u32) {
        let now = self.now();
        let flip_endpoint = self.dns_changes_propagate();
        let d = &mut self.dbs[db];
        if d.actions.token != token {
            return;
        }
        let Some((promoted, kept)) = d.actions.promoting.take() else {
            return;
        };
        debug_assert_eq!(promoted, node);
        // The application now uses the promoted copy: whatever the old
        // source acknowledged after the replica's position is lost to it.
        let upto = d.log.last_ack_point(now);
        d.log.lose(kept, upto);
        for (i, n) in d.nodes.iter_mut().enumerate() {
            if i != node as usize {
                n.role = Role::Detached;
                n.lag = None;
            }
        }
        let n = &mut d.nodes[node as usize];
        n.role = Role::Primary;
        n.lag = None;
        n.replication_stopped = None;
        d.primary = node;
        if flip_endpoint {
            d.endpoint = node;
        }
        // Nothing to fail over to any more; pending losses were the old
        // source's.
        d.epoch = d.epoch.wrapping_add(1);
        d.failover_state = super::database::FailoverState::Idle;
        d.log.unpin();
        d.pending_loss = None;
        d.actions.rebooting = None;
        let server = d.nodes[node as usize].server;
        self.trace_db_action(db, node, "replica_promoted", |label| {
            format!("{label} is a standalone primary; the old source is detached")
        });
        self.clear_down(NodeRef::Server(server), Cause::Reboot);
        self.end_forced_failover(db);
    }

    /// A forced failover ended (promoted, failed, or nobody to promote):
    /// the old primary, if its reboot is over, comes back now.
    pub(super) fn end_forced_failover(&mut self, db: DbId) {
        let d = &mut self.dbs[db];
        d.actions.forced = false;
        if let Some(node) = d.actions.deferred_return.take() {
            let server = d.nodes[node as usize].server;
            self.trace_db_action(db, node, "reboot_done", |label| {
                format!("{label} is back after the failover")
            });
            self.clear_down(NodeRef::Server(server), Cause::Reboot);
        }
    }

    /// Traces an API action on `node` (its zone is the event's zone).
    fn trace_db_action(
        &mut self,
        db: DbId,
        node: u16,
        event: &'static str,
        detail: impl FnOnce(&str) -> String,
    ) {
        self.trace_db_node(db, node, event, "api", detail);
    }
}
