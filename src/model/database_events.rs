//! The database's handlers: primary loss, failover, repair, and the loss
//! accounting that goes with them (the model's assumptions are listed in
//! `database.rs`). They are methods of [`Database`] and act on the rest of
//! the world through the context (`world/dispatch.rs`).

use super::database::{Database, FailoverState, Point, Role};
use super::event::{DbId, Event};
use super::node::Cause;
use super::world::Cx;
use crate::config::DownMode;
use crate::time::{SimDuration, SimTime};

impl Database {
    fn server_up(&self, node: u16, cx: &Cx) -> bool {
        cx.server_up(self.nodes[node as usize].server)
    }

    /// Whether the primary sits in a zone cut off from the rest of the
    /// region (`model/gray.rs`): it cannot answer the failover monitor.
    fn primary_isolated(&self, cx: &Cx) -> bool {
        let primary = self.nodes[self.primary as usize].server;
        cx.gray.is_isolated(cx.servers[primary].zone)
    }

    /// Node `node` went down (its server did, or its zone was cut off).
    pub(crate) fn on_node_down(&mut self, db: DbId, node: u16, cx: &mut Cx) {
        let now = cx.now;
        if self.primary != node {
            return; // a standby or replica: the primary carries on
        }
        self.primary_down_at = now;
        if self.actions.rebooting == Some(node) {
            return; // an ordered reboot in place: RDS does not fail over
        }
        if self.has_failover_target() && self.failover_state == FailoverState::Idle {
            // Keep the write history a promotion may ask for: the replicas
            // held what was acknowledged up to their lag before now.
            self.log.pin(SimTime(
                now.as_nanos().saturating_sub(self.log.retain().as_nanos()),
            ));
            self.epoch = self.epoch.wrapping_add(1);
            self.failover_state = FailoverState::Detecting;
            let drawn = self.failover.detection.sample(&mut self.rng);
            let detection = self.faults.start_failover(drawn);
            let epoch = self.epoch;
            cx.schedule_after(detection, Event::FailoverDetected { db, epoch });
            trace_failover(cx, db, node, "failover_started", move |label| {
                format!(
                    "primary {label} lost; detection takes {:.3} s",
                    detection.as_secs_f64()
                )
            });
        }
    }

    /// Node `node` came back (its server did, or its zone was reconnected).
    pub(crate) fn on_node_up(&mut self, db: DbId, node: u16, cx: &mut Cx) {
        if self.primary != node {
            return;
        }
        if self.failover_state == FailoverState::Detecting && !self.actions.forced {
            // Back before anyone noticed: no failover.
            self.epoch = self.epoch.wrapping_add(1);
            self.failover_state = FailoverState::Idle;
            self.log.unpin();
            trace_failover(cx, db, node, "failover_aborted", |label| {
                format!("the primary {label} came back before detection")
            });
        }
        // The primary resumes on whatever its volume holds: if that was
        // restored from a backup, the writes after the restore point are
        // gone now.
        if let Some((kept, upto)) = self.pending_loss.take() {
            self.log.lose(kept, upto);
        }
    }

    /// The volume of node `node` is gone: unless failover promotes a copy,
    /// the writes since the restore point are lost.
    pub(crate) fn on_volume_lost(
        &mut self,
        node: u16,
        corrupted_at: Option<SimTime>,
        now: SimTime,
    ) {
        if self.primary == node && self.pending_loss.is_none() {
            let kept = self.log.restore_point_before(corrupted_at);
            self.pending_loss = Some((kept, self.log.now_point(now)));
        }
    }

    pub(crate) fn on_failover_detected(&mut self, db: DbId, epoch: u32, cx: &mut Cx) {
        let primary = self.primary;
        if self.epoch != epoch {
            return;
        }
        let forced = self.actions.forced;
        if !forced && self.server_up(primary, cx) && !self.primary_isolated(cx) {
            self.failover_state = FailoverState::Idle;
            self.log.unpin();
            trace_failover(cx, db, primary, "failover_aborted", |label| {
                format!("the primary {label} answers again at detection")
            });
            return;
        }
        // A node in an isolated zone cannot be promoted (model/gray.rs).
        let (servers, gray) = (cx.servers, cx.gray);
        let up = |s| servers[s].node.is_up() && !gray.is_isolated(servers[s].zone);
        let forced = self.pick_forced(up);
        match forced.or_else(|| self.pick_candidate(up)) {
            None => {
                self.failover_state = FailoverState::Idle;
                self.log.unpin();
                trace_failover(cx, db, primary, "failover_no_candidate", |label| {
                    format!("primary {label} lost and no standby or replica is up to promote")
                });
                self.end_forced_failover(db, cx);
            }
            Some((candidate, lag)) => {
                self.failover_state = FailoverState::Promoting { candidate, lag };
                let drawn = self.failover.promotion.sample(&mut self.rng);
                let promotion = self.faults.promotion(drawn);
                cx.schedule_after(promotion, Event::FailoverDone { db, epoch });
                trace_failover(cx, db, candidate, "failover_detected", move |label| {
                    format!(
                        "promoting {label} (lag {:.3} s); promotion takes {:.3} s",
                        lag.as_secs_f64(),
                        promotion.as_secs_f64()
                    )
                });
            }
        }
    }

    pub(crate) fn on_failover_done(&mut self, db: DbId, epoch: u32, cx: &mut Cx) {
        if self.epoch != epoch {
            return;
        }
        let FailoverState::Promoting { candidate, lag } = self.failover_state else {
            return;
        };
        let candidate_up = self.server_up(candidate, cx);
        self.failover_state = FailoverState::Idle;
        self.log.unpin();
        self.epoch = self.epoch.wrapping_add(1);
        if !candidate_up || self.failover_fails() {
            trace_failover(cx, db, candidate, "failover_failed", |label| {
                format!("promotion of {label} did not complete; waits for the old primary")
            });
            self.end_forced_failover(db, cx);
            return; // waits for the old primary to come back
        }
        self.promote(candidate, lag, cx.dns_propagates);
        trace_failover(cx, db, candidate, "failover_promoted", |label| {
            format!("{label} is the primary")
        });
        let flipped = self.endpoint == candidate;
        let (event, what) = if flipped {
            ("dns_endpoint_changed", "names")
        } else {
            (
                "dns_endpoint_frozen",
                "still names the old primary instead of",
            )
        };
        let ttl = self.endpoint_ttl.as_secs_f64();
        trace_failover(cx, db, candidate, event, move |label| {
            format!("the endpoint record {what} {label} (TTL {ttl} s)")
        });
        self.end_forced_failover(db, cx);
    }

    /// Makes `candidate` the primary. The promoted copy has every write
    /// acknowledged up to `lag` before the primary died (all of them for a
    /// synchronous standby), or up to where its replication stopped. With
    /// DNS changes frozen (control-plane outage, `flip_endpoint` false) the
    /// endpoint keeps naming the old primary until the control plane is
    /// back.
    pub(crate) fn promote(&mut self, candidate: u16, lag: SimDuration, flip_endpoint: bool) {
        let kept = self.promoted_keeps(candidate, lag);
        let upto = self.log.latest_since(self.primary_down_at);
        self.log.lose(kept, upto);
        self.nodes[candidate as usize].replication_stopped = None;
        self.pending_loss = None;
        let old = self.primary as usize;
        let new = candidate as usize;
        self.nodes[old].role = self.nodes[new].role;
        self.nodes[old].lag = self.nodes[new].lag.take();
        self.nodes[new].role = Role::Primary;
        self.primary = candidate;
        if flip_endpoint {
            self.endpoint = candidate;
        }
    }

    /// The write position a promoted node holds, given its replication
    /// lag at the primary's death and any replication stop.
    pub(crate) fn promoted_keeps(&self, candidate: u16, lag: SimDuration) -> Point {
        let died = self.primary_down_at;
        // Aurora's replicas read the cluster volume every write went to
        // (six copies over three zones): the lag delays reads, never
        // durability, so a promotion keeps every acknowledged write
        // (Aurora User Guide, "Replication with Amazon Aurora").
        if self.deployment == Some(crate::config::Deployment::Aurora) {
            return self.log.latest_since(died);
        }
        self.applied_point(candidate, died, lag)
    }

    /// Fails the current primary (`mode`); returns its server.
    pub(crate) fn fail_primary(&self, mode: DownMode, cx: &mut Cx) -> super::event::ServerId {
        let server = self.nodes[self.primary as usize].server;
        cx.server_down(server, Cause::Crash, mode);
        server
    }

    pub(crate) fn on_node_repaired(&mut self, node: u16, incarnation: u32, cx: &mut Cx) {
        let server = self.nodes[node as usize].server;
        if cx.servers[server].node.incarnation == incarnation {
            cx.server_clear(server, Cause::Crash);
        }
    }

    pub(crate) fn on_log_upload(&mut self, db: DbId, cx: &mut Cx) {
        let Some(every) = self.log_upload_every else {
            return;
        };
        cx.schedule_after(every, Event::LogUpload { db });
        let server = self.nodes[self.primary as usize].server;
        // `backup_not_uploaded`: the logs are written but never arrive.
        if cx.server_up(server) && self.faults.uploads_failing == 0 {
            self.log.log_point = self.log.now_point(cx.now);
        }
    }
}

/// Traces a failover event about `node` (its zone is the event's zone).
fn trace_failover(
    cx: &mut Cx,
    db: DbId,
    node: u16,
    event: &'static str,
    detail: impl FnOnce(&str) -> String + 'static,
) {
    cx.trace_db(db, node, event, "failover", detail);
}
