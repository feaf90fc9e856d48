//! The database's handlers: primary loss, failover, repair, and the loss
//! accounting that goes with them (the model's assumptions are listed in
//! `database.rs`).

use super::database::{FailoverState, Role};
use super::event::{DbId, Event, ServerId};
use super::failure::NodeRef;
use super::id::Arena;
use super::node::Cause;
use crate::config::DownMode;
use crate::time::{SimDuration, SimTime};

impl super::World {
    fn db_server_up(&self, db: DbId, node: u16) -> bool {
        let s = self.dbs[db].nodes[node as usize].server;
        self.servers[s].node.is_up()
    }

    pub(super) fn db_node_down(&mut self, db: DbId, node: u16) {
        let now = self.now();
        let d = &mut self.dbs[db];
        if d.primary != node {
            return; // a standby or replica: the primary carries on
        }
        d.primary_down_at = now;
        if d.actions.rebooting == Some(node) {
            return; // an ordered reboot in place: RDS does not fail over
        }
        if d.has_failover_target() && d.failover_state == FailoverState::Idle {
            // Keep the write history a promotion may ask for: the replicas
            // held what was acknowledged up to their lag before now.
            d.log.pin(SimTime(
                now.as_nanos().saturating_sub(d.log.retain().as_nanos()),
            ));
            d.epoch = d.epoch.wrapping_add(1);
            d.failover_state = FailoverState::Detecting;
            let drawn = d.failover.detection.sample(&mut d.rng);
            let detection = d.faults.start_failover(drawn);
            let epoch = d.epoch;
            self.engine
                .schedule_after(detection, Event::FailoverDetected { db, epoch });
            self.trace_db(db, node, "failover_started", |label| {
                format!(
                    "primary {label} lost; detection takes {:.3} s",
                    detection.as_secs_f64()
                )
            });
        }
    }

    pub(super) fn db_node_up(&mut self, db: DbId, node: u16) {
        let d = &mut self.dbs[db];
        if d.primary != node {
            return;
        }
        if d.failover_state == FailoverState::Detecting && !d.actions.forced {
            // Back before anyone noticed: no failover.
            d.epoch = d.epoch.wrapping_add(1);
            d.failover_state = FailoverState::Idle;
            d.log.unpin();
            self.trace_db(db, node, "failover_aborted", |label| {
                format!("the primary {label} came back before detection")
            });
        }
        let d = &mut self.dbs[db];
        // The primary resumes on whatever its volume holds: if that was
        // restored from a backup, the writes after the restore point are
        // gone now.
        if let Some((kept, upto)) = d.pending_loss.take() {
            d.log.lose(kept, upto);
        }
    }

    /// The primary's volume is gone: unless failover promotes a copy, the
    /// writes since the restore point are lost.
    pub(super) fn db_volume_lost(&mut self, db: DbId, node: u16, corrupted_at: Option<SimTime>) {
        let now = self.now();
        let d = &mut self.dbs[db];
        if d.primary == node && d.pending_loss.is_none() {
            let kept = d.log.restore_point_before(corrupted_at);
            d.pending_loss = Some((kept, d.log.now_point(now)));
        }
    }

    pub(super) fn on_failover_detected(&mut self, db: DbId, epoch: u32) {
        let primary = self.dbs[db].primary;
        if self.dbs[db].epoch != epoch {
            return;
        }
        let forced = self.dbs[db].actions.forced;
        if !forced && self.db_server_up(db, primary) && !self.db_primary_isolated(db) {
            self.dbs[db].failover_state = FailoverState::Idle;
            self.dbs[db].log.unpin();
            self.trace_db(db, primary, "failover_aborted", |label| {
                format!("the primary {label} answers again at detection")
            });
            return;
        }
        // A node in an isolated zone cannot be promoted (model/gray.rs).
        let servers_up: Arena<ServerId, bool> = self
            .servers
            .iter()
            .map(|s| s.node.is_up() && !self.gray.is_isolated(s.zone))
            .collect();
        let d = &mut self.dbs[db];
        let forced = d.pick_forced(|s| servers_up[s]);
        match forced.or_else(|| d.pick_candidate(|s| servers_up[s])) {
            None => {
                d.failover_state = FailoverState::Idle;
                d.log.unpin();
                self.trace_db(db, primary, "failover_no_candidate", |label| {
                    format!("primary {label} lost and no standby or replica is up to promote")
                });
                self.end_forced_failover(db);
            }
            Some((candidate, lag)) => {
                d.failover_state = FailoverState::Promoting { candidate, lag };
                let drawn = d.failover.promotion.sample(&mut d.rng);
                let promotion = d.faults.promotion(drawn);
                self.engine
                    .schedule_after(promotion, Event::FailoverDone { db, epoch });
                self.trace_db(db, candidate, "failover_detected", |label| {
                    format!(
                        "promoting {label} (lag {:.3} s); promotion takes {:.3} s",
                        lag.as_secs_f64(),
                        promotion.as_secs_f64()
                    )
                });
            }
        }
    }

    pub(super) fn on_failover_done(&mut self, db: DbId, epoch: u32) {
        if self.dbs[db].epoch != epoch {
            return;
        }
        let FailoverState::Promoting { candidate, lag } = self.dbs[db].failover_state else {
            return;
        };
        let candidate_up = self.db_server_up(db, candidate);
        let d = &mut self.dbs[db];
        d.failover_state = FailoverState::Idle;
        d.log.unpin();
        d.epoch = d.epoch.wrapping_add(1);
        if !candidate_up || d.failover_fails() {
            self.trace_db(db, candidate, "failover_failed", |label| {
                format!("promotion of {label} did not complete; waits for the old primary")
            });
            self.end_forced_failover(db);
            return; // waits for the old primary to come back
        }
        self.promote(db, candidate, lag);
        self.trace_db(db, candidate, "failover_promoted", |label| {
            format!("{label} is the primary")
        });
        let flipped = self.dbs[db].endpoint == candidate;
        let (event, what) = if flipped {
            ("dns_endpoint_changed", "names")
        } else {
            (
                "dns_endpoint_frozen",
                "still names the old primary instead of",
            )
        };
        let ttl = self.dbs[db].endpoint_ttl.as_secs_f64();
        self.trace_db(db, candidate, event, |label| {
            format!("the endpoint record {what} {label} (TTL {ttl} s)")
        });
        self.end_forced_failover(db);
    }

    /// Traces a failover event about `node` (its zone is the event's zone).
    fn trace_db(
        &mut self,
        db: DbId,
        node: u16,
        event: &'static str,
        detail: impl FnOnce(&str) -> String,
    ) {
        self.trace_db_node(db, node, event, "failover", detail);
    }

    /// Traces a database event about `node` with `cause` (its zone is the
    /// event's zone).
    pub(super) fn trace_db_node(
        &mut self,
        db: DbId,
        node: u16,
        event: &'static str,
        cause: &'static str,
        detail: impl FnOnce(&str) -> String,
    ) {
        self.trace(|w| {
            let d = &w.dbs[db];
            let s = d.nodes[node as usize].server;
            let zone = w.servers[s].zone;
            let label = w.server_label(s).2;
            crate::metrics::trace::TraceEvent::new(w.now(), event, d.name.clone())
                .zone(w.zone_name(zone))
                .cause(cause)
                .detail(detail(&label))
        });
    }

    /// Makes `candidate` the primary. The promoted copy has every write
    /// acknowledged up to `lag` before the primary died (all of them for a
    /// synchronous standby), or up to where its replication stopped.
    pub(super) fn promote(&mut self, db: DbId, candidate: u16, lag: SimDuration) {
        let kept = self.promoted_keeps(db, candidate, lag);
        // With DNS changes frozen (control-plane outage) the endpoint keeps
        // naming the old primary until the control plane is back.
        let flip_endpoint = self.dns_changes_propagate();
        let d = &mut self.dbs[db];
        let upto = d.log.latest_since(d.primary_down_at);
        d.log.lose(kept, upto);
        d.nodes[candidate as usize].replication_stopped = None;
        d.pending_loss = None;
        let old = d.primary as usize;
        let new = candidate as usize;
        d.nodes[old].role = d.nodes[new].role;
        d.nodes[old].lag = d.nodes[new].lag.take();
        d.nodes[new].role = Role::Primary;
        d.primary = candidate;
        if flip_endpoint {
            d.endpoint = candidate;
        }
    }

    /// Fails the database's current primary; it restarts in place after
    /// `repair` (if given), or stays down until the fault's end.
    pub fn db_primary_failure(&mut self, db: DbId, mode: DownMode, repair: Option<SimDuration>) {
        let primary = self.dbs[db].primary;
        let server = self.dbs[db].nodes[primary as usize].server;
        self.set_down(NodeRef::Server(server), Cause::Crash, mode);
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

    pub(super) fn on_db_node_repaired(&mut self, db: DbId, node: u16, incarnation: u32) {
        let server = self.dbs[db].nodes[node as usize].server;
        if self.servers[server].node.incarnation == incarnation {
            self.clear_down(NodeRef::Server(server), Cause::Crash);
        }
    }
}
