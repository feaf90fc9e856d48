//! The dispatcher: the one place that routes each event to the component
//! that owns its handler, and applies what the handler asks of the others.
//!
//! The pattern every component family follows:
//! - **A handler is a method on its component** (`impl Database { fn
//!   on_failover_detected(&mut self, db, epoch, cx: &mut Cx) }`), in the
//!   component's own file, not `impl World`. It changes its own state only.
//! - **It gets a context, [`Cx`], borrowed from the world's other fields**:
//!   the time now, the engine to schedule its own events, read access to
//!   the servers and gray failures it looks at, a draw stream for things
//!   that belong to no single component, and whether the control plane
//!   propagates DNS changes. Its own random stream is its own field. The
//!   borrow is a split of `World`'s fields (`World::db_cx`): nothing is
//!   cloned per event.
//! - **What it does to other components is an [`Effect`]** pushed into the
//!   context ("node X goes down with cause C", "trace this database
//!   event"); the dispatcher applies them after the handler returns, in the
//!   order they were pushed. Applying one may run further handlers (a
//!   server that goes down tells its database), each with its own context.
//!   A handler pushes an effect only as its last act on the state an effect
//!   can change, so applying it afterwards is what calling it in place did:
//!   same trace, same event order, byte-identical reports.
//! - **Trace records are effects too**: their labels are computed by the
//!   dispatcher from the world's names, and they must stay in order with
//!   the node transitions' own records. They are built only while tracing.
//! - The fault layer reaches components through `commands.rs`, the same
//!   way: a split borrow, a component method, the effects applied here.
//! - The per-request path (`path.rs`, `traffic.rs`) is the dispatcher's
//!   traffic side and keeps direct access for speed.

use super::{ServerRole, World, Zone};
use crate::config::DownMode;
use crate::engine::Engine;
use crate::metrics::trace::TraceEvent;
use crate::model::cache::Cache;
use crate::model::database::Database;
use crate::model::event::{CacheId, DbId, Event, LbId, ServerId, VolumeId};
use crate::model::failure::NodeRef;
use crate::model::gray::Impairments;
use crate::model::id::Arena;
use crate::model::load_balancer::LoadBalancer;
use crate::model::node::Cause;
use crate::model::server::Server;
use crate::model::volume::Volume;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};

/// Builds a trace record's detail from the node's label.
pub type Detail = Box<dyn FnOnce(&str) -> String>;

/// What a handler asks of components other than its own.
pub enum Effect {
    /// `cause` now holds on `node` (it goes down, as `mode`, if it was up).
    Down {
        node: NodeRef,
        cause: Cause,
        mode: DownMode,
    },
    /// `cause` no longer holds on `node` (it comes up if nothing else holds).
    Up { node: NodeRef, cause: Cause },
    /// A database event about node `node` of `db`, for the replay trace.
    TraceDb {
        db: DbId,
        node: u16,
        event: &'static str,
        cause: &'static str,
        detail: Detail,
    },
    /// A flip of a target's health in a load balancer's view, for the
    /// replay trace.
    TraceTargetHealth { lb: LbId, target: u16, ok: bool },
    /// A record for the replay trace, built by the handler.
    Trace(Box<TraceEvent>),
    /// A volume event for the replay trace.
    TraceVolume {
        volume: VolumeId,
        event: &'static str,
    },
}

/// A handler's view of the rest of the world (see the module docs).
pub struct Cx<'w> {
    pub now: SimTime,
    pub engine: &'w mut Engine<Event>,
    pub servers: &'w Arena<ServerId, Server>,
    pub server_roles: &'w Arena<ServerId, ServerRole>,
    pub zones: &'w [Zone],
    pub gray: &'w Impairments,
    /// Draws for things that belong to no single component.
    pub infra_rng: &'w mut SimRng,
    /// Whether DNS changes propagate (no control-plane outage freezes them).
    pub dns_propagates: bool,
    tracing: bool,
    effects: Vec<Effect>,
}

impl Cx<'_> {
    pub fn schedule_after(&mut self, after: SimDuration, event: Event) {
        self.engine.schedule_after(after, event);
    }

    pub fn server_up(&self, s: ServerId) -> bool {
        self.servers[s].node.is_up()
    }

    /// Whether the run is traced: build trace records only then.
    pub fn tracing(&self) -> bool {
        self.tracing
    }

    /// Records `event` in the replay trace (build it only when
    /// [`Cx::tracing`]).
    pub fn trace(&mut self, event: TraceEvent) {
        self.push(Effect::Trace(Box::new(event)));
    }

    pub fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// `cause` holds on server `s` from now.
    pub fn server_down(&mut self, s: ServerId, cause: Cause, mode: DownMode) {
        self.push(Effect::Down {
            node: NodeRef::Server(s),
            cause,
            mode,
        });
    }

    /// `cause` no longer holds on server `s`.
    pub fn server_clear(&mut self, s: ServerId, cause: Cause) {
        self.push(Effect::Up {
            node: NodeRef::Server(s),
            cause,
        });
    }

    /// Traces a database event about `node`, if tracing; `detail` gets the
    /// node's label.
    pub fn trace_db(
        &mut self,
        db: DbId,
        node: u16,
        event: &'static str,
        cause: &'static str,
        detail: impl FnOnce(&str) -> String + 'static,
    ) {
        if self.tracing {
            self.push(Effect::TraceDb {
                db,
                node,
                event,
                cause,
                detail: Box::new(detail),
            });
        }
    }

    /// Traces a volume event, if tracing.
    pub fn trace_volume(&mut self, volume: VolumeId, event: &'static str) {
        if self.tracing {
            self.push(Effect::TraceVolume { volume, event });
        }
    }
}

/// Splits `World` into the named component arenas and a [`Cx`] over the
/// fields handlers read; `$arena` names the fields handed out mutably.
macro_rules! split {
    ($world:expr, $($arena:ident),+) => {{
        let World {
            engine,
            servers,
            server_roles,
            zones,
            gray,
            infra_rng,
            control_plane,
            tracer,
            $($arena,)+
            ..
        } = $world;
        let cx = Cx {
            now: engine.now(),
            engine,
            servers,
            server_roles,
            zones,
            gray,
            infra_rng,
            dns_propagates: control_plane.dns_changes_propagate(),
            tracing: tracer.is_some(),
            effects: Vec::new(),
        };
        (($($arena,)+), cx)
    }};
}

impl World {
    /// Database `db` and a context over the rest of the world.
    pub(crate) fn db_cx(&mut self, db: DbId) -> (&mut Database, Cx<'_>) {
        let ((dbs,), cx) = split!(self, dbs);
        (&mut dbs[db], cx)
    }

    /// Runs `f` on database `db` with a context, then applies its effects.
    pub(crate) fn with_db<R>(
        &mut self,
        db: DbId,
        f: impl FnOnce(&mut Database, &mut Cx) -> R,
    ) -> R {
        let (d, mut cx) = self.db_cx(db);
        let r = f(d, &mut cx);
        let effects = cx.effects;
        self.apply(effects);
        r
    }

    /// Runs `f` on cache `cache` with a context, then applies its effects.
    pub(crate) fn with_cache<R>(
        &mut self,
        cache: CacheId,
        f: impl FnOnce(&mut Cache, &mut Cx) -> R,
    ) -> R {
        let ((caches,), mut cx) = split!(self, caches);
        let r = f(&mut caches[cache], &mut cx);
        let effects = cx.effects;
        self.apply(effects);
        r
    }

    /// Runs `f` on load balancer `lb` with a context, then applies its
    /// effects.
    pub(crate) fn with_lb<R>(
        &mut self,
        lb: LbId,
        f: impl FnOnce(&mut LoadBalancer, &mut Cx) -> R,
    ) -> R {
        let ((lbs,), mut cx) = split!(self, lbs);
        let r = f(&mut lbs[lb], &mut cx);
        let effects = cx.effects;
        self.apply(effects);
        r
    }

    /// A load-balancer node's DNS change, after the Route 53 window.
    pub(crate) fn lb_dns_change(&mut self, lb: LbId, node: u16, in_dns: bool) {
        self.with_lb(lb, |b, cx| b.schedule_dns(lb, node, in_dns, cx));
    }

    /// A load-balancer node's scheduled DNS change is due (or released by
    /// the control plane's return).
    pub(crate) fn on_lb_dns_update(&mut self, lb: LbId, node: u16, in_dns: bool) {
        if self.control_plane.defer_lb_dns(lb, node, in_dns) {
            return;
        }
        self.with_lb(lb, |b, cx| b.on_dns_update(node, in_dns, cx));
    }

    /// Runs `f` on volume `v` and the databases (a volume's snapshots are
    /// its database's backups), then applies its effects.
    pub(crate) fn with_volume<R>(
        &mut self,
        v: VolumeId,
        f: impl FnOnce(&mut Volume, &mut Arena<DbId, Database>, &mut Cx) -> R,
    ) -> R {
        let ((volumes, dbs), mut cx) = split!(self, volumes, dbs);
        let r = f(&mut volumes[v], dbs, &mut cx);
        let effects = cx.effects;
        self.apply(effects);
        r
    }

    /// Applies handlers' effects in the order they were pushed.
    pub(crate) fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Down { node, cause, mode } => self.set_down(node, cause, mode),
                Effect::Up { node, cause } => self.clear_down(node, cause),
                Effect::TraceDb {
                    db,
                    node,
                    event,
                    cause,
                    detail,
                } => self.trace_db_node(db, node, event, cause, detail),
                Effect::TraceVolume { volume, event } => self.trace_volume(volume, event),
                Effect::TraceTargetHealth { lb, target, ok } => {
                    self.trace_target_health(lb, target, ok)
                }
                Effect::Trace(event) => self.trace(|_| *event),
            }
        }
    }

    /// Runs every event due by `until` (capped at the horizon), handing
    /// fault events to `on_fault` (the fault layer).
    pub fn run_until(&mut self, until: SimTime, mut on_fault: impl FnMut(&mut World, Event)) {
        let until = until.min(self.horizon);
        while let Some(event) = self.engine.pop_until(until) {
            match event {
                Event::FaultStart { .. }
                | Event::FaultEnd { .. }
                | Event::Hazard(_)
                | Event::Deploy { .. }
                | Event::DeployAlarm { .. } => on_fault(self, event),
                other => {
                    self.handle(other);
                    // A stop condition trips while a completion is folded;
                    // the fault layer ends the scripted faults at once.
                    if self.recorder.take_stop_trip() {
                        self.trace(|w| {
                            crate::metrics::trace::TraceEvent::new(
                                w.now(),
                                "stop_condition_tripped",
                                "scenario",
                            )
                            .cause("stop_condition")
                            .detail("every active scripted fault ends now")
                        });
                        on_fault(self, Event::StopConditionTripped);
                    }
                    if let Some(fault) = self.recorder.take_alarm_trip() {
                        on_fault(self, Event::DeployAlarm { fault });
                    }
                }
            }
            // Sampling the queue length every 1,024 events is enough to
            // show whether memory stays flat. Counted by the engine, so a
            // run stepped in slices (progress, pauses) samples the same
            // events as one run straight through.
            if self.engine.events_processed().is_multiple_of(1024) {
                self.peak_pending_events = self.peak_pending_events.max(self.engine.pending());
            }
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { epoch } => {
                if epoch == self.workload.epoch {
                    self.on_arrival();
                }
            }
            Event::Hop { attempt } => self.on_hop(attempt),
            Event::ServiceDone {
                attempt,
                server,
                incarnation,
            } => self.on_service_done(attempt, server, incarnation),
            Event::CallDone { attempt } => self.on_call_done(attempt),
            Event::ConnectTimeout { attempt, cause } => self.fail_attempt(attempt, cause),
            Event::ClientTimeout {
                request,
                generation,
                attempt,
            } => self.on_client_timeout(request, generation, attempt),
            Event::Retry {
                request,
                generation,
            } => self.on_retry(request, generation),
            Event::HopTimeout {
                attempt,
                step,
                serial,
            } => self.on_hop_timeout(attempt, step, serial),
            Event::HopRetry { attempt, serial } => self.on_hop_retry(attempt, serial),
            Event::HealthCheck { lb, target } => {
                self.with_lb(lb, |b, cx| b.on_health_check(lb, target, cx))
            }
            Event::HealthCheckResult { lb, target, ok } => {
                self.with_lb(lb, |b, cx| b.apply_health(lb, target, ok, cx))
            }
            Event::LbDnsUpdate { lb, node, in_dns } => self.on_lb_dns_update(lb, node, in_dns),
            Event::FailoverDetected { db, epoch } => {
                self.with_db(db, |d, cx| d.on_failover_detected(db, epoch, cx))
            }
            Event::FailoverDone { db, epoch } => {
                self.with_db(db, |d, cx| d.on_failover_done(db, epoch, cx))
            }
            Event::DbNodeRepaired {
                db,
                node,
                incarnation,
            } => self.with_db(db, |d, cx| d.on_node_repaired(node, incarnation, cx)),
            Event::DbRebootDone { db, node, token } => {
                self.with_db(db, |d, cx| d.on_reboot_done(db, node, token, cx))
            }
            Event::ReplicaPromoted { db, node, token } => {
                self.with_db(db, |d, cx| d.on_replica_promoted(db, node, token, cx))
            }
            Event::LogUpload { db } => self.with_db(db, |d, cx| d.on_log_upload(db, cx)),
            Event::SnapshotStart { volume } => {
                self.with_volume(volume, |v, dbs, cx| v.on_snapshot_start(volume, dbs, cx))
            }
            Event::SnapshotDone {
                volume,
                incarnation,
            } => self.with_volume(volume, |v, dbs, cx| {
                v.on_snapshot_done(volume, incarnation, dbs, cx)
            }),
            Event::VolumeRestored {
                volume,
                incarnation,
            } => self.on_volume_restored(volume, incarnation),
            Event::CacheNodeReplaced {
                cache,
                node,
                incarnation,
            } => self.with_cache(cache, |c, cx| {
                c.on_node_replaced(cache, node, incarnation, cx)
            }),
            Event::AsgCheck { tier } => self.on_asg_check(tier),
            Event::ScalingSample { tier } => self.on_scaling_sample(tier),
            Event::InstanceLaunched { server, generation } => {
                self.on_instance_launched(server, generation)
            }
            Event::SpotReclaim { server, generation } => self.on_spot_reclaim(server, generation),
            Event::Lifecycle {
                server,
                generation,
                step,
            } => self.on_lifecycle(server, generation, step),
            Event::FaultStart { .. }
            | Event::FaultEnd { .. }
            | Event::Hazard(_)
            | Event::StopConditionTripped
            | Event::Deploy { .. }
            | Event::DeployAlarm { .. } => {}
        }
    }

    /// A server's transition, told to the database it is a node of (or
    /// hosts).
    pub(crate) fn db_node_changed(&mut self, db: DbId, node: u16, up: bool) {
        if up {
            self.with_db(db, |d, cx| d.on_node_up(db, node, cx));
        } else {
            self.with_db(db, |d, cx| d.on_node_down(db, node, cx));
        }
    }

    /// Traces a database event about `node` with `cause` (its zone is the
    /// event's zone).
    pub(crate) fn trace_db_node(
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
            TraceEvent::new(w.now(), event, d.name.clone())
                .zone(w.zone_name(zone))
                .cause(cause)
                .detail(detail(&label))
        });
    }

    /// Traces a flip of `target`'s health in `lb`'s view.
    fn trace_target_health(&mut self, lb: LbId, target: u16, ok: bool) {
        self.trace(|w| {
            let b = &w.lbs[lb];
            let server = b.targets[target as usize];
            let threshold = b.health_check.as_ref().map_or(0, |hc| {
                if ok {
                    hc.healthy_threshold
                } else {
                    hc.unhealthy_threshold
                }
            });
            crate::model::trace_records::target_health_event(
                w.now(),
                w.server_label(server),
                &b.name,
                ok,
                threshold,
            )
        });
    }

    /// Traces a volume event (its owner's component and zone).
    pub(crate) fn trace_volume(&mut self, v: VolumeId, event: &'static str) {
        self.trace(|w| {
            let vol = &w.volumes[v];
            let s = match vol.owner {
                crate::model::volume::VolumeOwner::Instance(s) => s,
                crate::model::volume::VolumeOwner::DbNode { db, node } => {
                    w.dbs[db].nodes[node as usize].server
                }
            };
            crate::model::trace_records::volume_event(w.now(), event, w.server_label(s), &vol.name)
        });
    }
}
