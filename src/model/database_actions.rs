//! API actions on an RDS-style database, as AWS FIS and the RDS API define
//! them: `RebootDBInstance` (with or without `ForceFailover`),
//! `FailoverDBCluster` and `PromoteReadReplica`. The fault layer
//! (`fault/database_actions.rs`) calls the `Database` methods here through
//! the world's commands (`world/commands.rs`); a refused
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

use super::database::{Database, Point, Role};
use super::event::{DbId, Event};
use super::node::Cause;
use super::world::Cx;
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

impl Database {
    /// `RebootDBInstance` on the database's primary, with or without a
    /// forced failover. `Err` carries the API's refusal.
    pub(crate) fn reboot(
        &mut self,
        db: DbId,
        force_failover: bool,
        cx: &mut Cx,
    ) -> Result<(), String> {
        self.available(cx)?;
        if force_failover {
            if self.deployment.is_some_and(Deployment::is_cluster) {
                return Err(format!(
                    "InvalidParameterCombination: `{}` is a DB cluster; fail it over with database_cluster_failover (FailoverDBCluster)",
                    self.name
                ));
            }
            if self.standby_server().is_none() {
                return Err(format!(
                    "InvalidParameterCombination: `{}` is not configured for Multi-AZ (no standby), so a reboot cannot force a failover",
                    self.name
                ));
            }
            self.forced_failover(db, "reboot_with_failover", cx);
            return Ok(());
        }
        let primary = self.primary;
        self.actions.rebooting = Some(primary);
        self.restart_node(db, primary, "reboot_started", cx);
        Ok(())
    }

    /// `FailoverDBCluster`: the writer restarts and a reader takes over.
    pub(crate) fn cluster_failover(&mut self, db: DbId, cx: &mut Cx) -> Result<(), String> {
        if !self.deployment.is_some_and(Deployment::is_cluster) {
            return Err(format!(
                "InvalidDBClusterStateFault: `{}` is not a DB cluster (deployment: {})",
                self.name,
                self.deployment.map_or("none", Deployment::name)
            ));
        }
        self.available(cx)?;
        let reader = self.nodes.iter().any(|n| {
            let up = cx.server_up(n.server);
            up && (n.role == Role::Standby
                || (n.role == Role::Replica && self.failover.promote_replicas))
        });
        if !reader {
            return Err(format!(
                "InvalidDBClusterStateFault: `{}` has no available reader to fail over to",
                self.name
            ));
        }
        self.forced_failover(db, "cluster_failover", cx);
        Ok(())
    }

    /// `PromoteReadReplica` on replica `node`.
    pub(crate) fn replica_promotion(
        &mut self,
        db: DbId,
        node: u16,
        cx: &mut Cx,
    ) -> Result<(), String> {
        let server = self.nodes[node as usize].server;
        let up = cx.server_up(server);
        // A dead source sent nothing after its death.
        let source_up = cx.server_up(self.nodes[self.primary as usize].server);
        let now = if source_up {
            cx.now
        } else {
            self.primary_down_at
        };
        if self.deployment == Some(Deployment::Aurora) {
            return Err(format!(
                "InvalidParameterValue: PromoteReadReplica does not apply to Aurora (`{}`)",
                self.name
            ));
        }
        if self.nodes[node as usize].role != Role::Replica
            || !up
            || self.actions.promoting.is_some()
        {
            return Err(format!(
                "InvalidDBInstanceState: the read replica of `{}` is not available",
                self.name
            ));
        }
        // Replication stops now: the replica keeps what it had applied.
        let lag = self.nodes[node as usize]
            .lag
            .as_ref()
            .map_or(crate::time::SimDuration::ZERO, |l| l.sample(&mut self.rng));
        let kept = self.applied_point(node, now, lag);
        self.actions.promoting = Some((node, kept));
        self.actions.token = self.actions.token.wrapping_add(1);
        let token = self.actions.token;
        let took = self.replica_promotion_time.sample(&mut self.rng);
        cx.schedule_after(took, Event::ReplicaPromoted { db, node, token });
        trace_action(cx, db, node, "replica_promotion_started", move |label| {
            format!(
                "promoting read replica {label} (lag {:.3} s); unavailable for {:.3} s",
                lag.as_secs_f64(),
                took.as_secs_f64()
            )
        });
        cx.server_down(server, Cause::Reboot, DownMode::Refuse);
        Ok(())
    }

    /// The primary must be up and not already restarting or promoting.
    fn available(&self, cx: &Cx) -> Result<(), String> {
        let server = self.nodes[self.primary as usize].server;
        let busy = self.actions.rebooting.is_some() || self.actions.forced;
        if busy || !cx.server_up(server) {
            return Err(format!(
                "InvalidDBInstanceState: `{}` is not available (its primary is down or rebooting)",
                self.name
            ));
        }
        Ok(())
    }

    /// The primary is interrupted and the failover promotes a standby (or
    /// reader); the old primary returns after its reboot.
    fn forced_failover(&mut self, db: DbId, event: &'static str, cx: &mut Cx) {
        self.actions.forced = true;
        let primary = self.primary;
        self.restart_node(db, primary, event, cx);
    }

    /// Takes `node` down for the database's reboot time.
    fn restart_node(&mut self, db: DbId, node: u16, event: &'static str, cx: &mut Cx) {
        self.actions.token = self.actions.token.wrapping_add(1);
        let token = self.actions.token;
        let took = self.reboot_time.sample(&mut self.rng);
        let server = self.nodes[node as usize].server;
        cx.schedule_after(took, Event::DbRebootDone { db, node, token });
        trace_action(cx, db, node, event, move |label| {
            format!("{label} reboots for {:.3} s", took.as_secs_f64())
        });
        cx.server_down(server, Cause::Reboot, DownMode::Refuse);
    }

    pub(crate) fn on_reboot_done(&mut self, db: DbId, node: u16, token: u32, cx: &mut Cx) {
        if self.actions.token != token {
            return;
        }
        if self.actions.rebooting == Some(node) {
            self.actions.rebooting = None;
        }
        if self.actions.forced && self.primary == node {
            self.actions.deferred_return = Some(node);
            return;
        }
        let server = self.nodes[node as usize].server;
        trace_action(cx, db, node, "reboot_done", |label| {
            format!("{label} is back")
        });
        cx.server_clear(server, Cause::Reboot);
    }

    pub(crate) fn on_replica_promoted(&mut self, db: DbId, node: u16, token: u32, cx: &mut Cx) {
        let now = cx.now;
        let flip_endpoint = cx.dns_propagates;
        if self.actions.token != token {
            return;
        }
        let Some((promoted, kept)) = self.actions.promoting.take() else {
            return;
        };
        debug_assert_eq!(promoted, node);
        // The application now uses the promoted copy: whatever the old
        // source acknowledged after the replica's position is lost to it.
        let upto = self.log.last_ack_point(now);
        self.log.lose(kept, upto);
        for (i, n) in self.nodes.iter_mut().enumerate() {
            if i != node as usize {
                n.role = Role::Detached;
                n.lag = None;
            }
        }
        let n = &mut self.nodes[node as usize];
        n.role = Role::Primary;
        n.lag = None;
        n.replication_stopped = None;
        self.primary = node;
        if flip_endpoint {
            self.endpoint = node;
        }
        // Nothing to fail over to any more; pending losses were the old
        // source's.
        self.epoch = self.epoch.wrapping_add(1);
        self.failover_state = super::database::FailoverState::Idle;
        self.log.unpin();
        self.pending_loss = None;
        self.actions.rebooting = None;
        let server = self.nodes[node as usize].server;
        trace_action(cx, db, node, "replica_promoted", |label| {
            format!("{label} is a standalone primary; the old source is detached")
        });
        cx.server_clear(server, Cause::Reboot);
        self.end_forced_failover(db, cx);
    }

    /// A forced failover ended (promoted, failed, or nobody to promote):
    /// the old primary, if its reboot is over, comes back now.
    pub(crate) fn end_forced_failover(&mut self, db: DbId, cx: &mut Cx) {
        self.actions.forced = false;
        if let Some(node) = self.actions.deferred_return.take() {
            let server = self.nodes[node as usize].server;
            trace_action(cx, db, node, "reboot_done", |label| {
                format!("{label} is back after the failover")
            });
            cx.server_clear(server, Cause::Reboot);
        }
    }
}

/// Traces an API action on `node` (its zone is the event's zone).
fn trace_action(
    cx: &mut Cx,
    db: DbId,
    node: u16,
    event: &'static str,
    detail: impl FnOnce(&str) -> String + 'static,
) {
    cx.trace_db(db, node, event, "api", detail);
}
