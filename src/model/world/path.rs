//! The dispatcher's traffic side, per request: arrival, each step (route,
//! serve, cache, database, object storage), completion, failure, timeouts
//! and retries, and the bound on requests in flight (`in_flight.rs`). The
//! step's types and constants are `model/path.rs`.
//!
//! A step runs in two halves: *dispatch* chooses where it goes and draws the
//! network hop; *arrive* acts at the destination once the hop has elapsed
//! (at once when the hop is zero, saving an event).

use super::{ComponentRef, ServerRole, World};
use crate::config::{DownMode, Op};
use crate::model::event::{AttemptId, DbId, ErrorCause, Event, RequestId, ServerId};
use crate::model::path::{Flow, INTERNAL_CONNECT_TIMEOUT};
use crate::model::request::{next_generation, Attempt, Request};
use crate::model::server::Admission;
use crate::time::SimDuration;

impl World {
    pub(crate) fn on_arrival(&mut self) {
        let now = self.now();
        if let Some(next) = self.workload.next_arrival(now) {
            if next <= self.horizon {
                let epoch = self.workload.epoch;
                self.engine.schedule_at(next, Event::Arrival { epoch });
            }
        }
        self.trace_offered(false);
        let (class, client) = self.workload.draw_request();
        if let Some(budget) = &mut self.client.budget {
            budget.on_request(now);
        }
        let measured = self.recorder.is_measured(now);
        if measured {
            self.recorder.arrival(now);
        }
        let request = self
            .requests
            .insert_with(Request::new(class, client, now, measured), next_generation);
        if request >= crate::model::in_flight::MAX_IN_FLIGHT {
            return self.overflow_in_flight();
        }
        self.start_attempt(request);
    }

    fn start_attempt(&mut self, request: RequestId) {
        let req = self.requests.get_mut(request);
        req.attempts += 1;
        req.awaiting = true;
        let measured = req.measured;
        let attempt = Attempt::new(request, req);
        if measured {
            self.recorder.attempt(self.engine.now());
        }
        let (generation, number) = (attempt.generation, attempt.number);
        let a = self.attempts.insert_with(attempt, |_, _| {});
        if a >= crate::model::in_flight::MAX_IN_FLIGHT {
            // Attempts outlive their requests in a queue after a client
            // timeout, so they are bounded too.
            return self.overflow_in_flight();
        }
        if let Some(lane) = self.timeout_lane {
            self.engine.schedule_in_lane(
                lane,
                Event::ClientTimeout {
                    request,
                    generation,
                    attempt: number,
                },
            );
        }
        self.advance(a);
    }

    /// Runs steps until the attempt has to wait for an event.
    pub(super) fn advance(&mut self, a: AttemptId) {
        while let Flow::Continue = self.dispatch(a) {}
    }

    fn current_step(&self, a: AttemptId) -> Option<(ComponentRef, Op)> {
        let att = self.attempts.get(a);
        let steps = &self.classes[att.class].steps;
        steps
            .get(att.step as usize)
            .map(|s| (self.components[s.component], s.op))
    }

    fn next_step(&mut self, a: AttemptId) {
        self.attempts.get_mut(a).step += 1;
    }

    fn dispatch(&mut self, a: AttemptId) -> Flow {
        // Cold flag: only models with keyed caches (`world/keyed.rs`).
        if self.keyed.is_some() {
            self.keyed_step(a);
        }
        // Cold flag: only models with per-hop policies (`world/hops.rs`).
        if self.hops.is_some() {
            if let Some(flow) = self.hop_step_starts(a) {
                return flow;
            }
        }
        let Some((component, op)) = self.current_step(a) else {
            self.complete_attempt(a);
            return Flow::Wait;
        };
        let from = self.attempts.get(a).zone;
        let (dest, to_zone) = match (component, op) {
            (ComponentRef::Lb(lb), _) => {
                let client = self.attempts.get(a).client;
                let now = self.now();
                let answer = self.dns.resolve_lb(now, client, lb, &self.lbs[lb]);
                let b = &mut self.lbs[lb];
                let node = b.pick_node(answer);
                (node as u32, Some(b.nodes[node].zone))
            }
            (ComponentRef::Tier(t), _) => {
                let chosen = self.attempts.get_mut(a).chosen.take();
                let server = chosen.unwrap_or_else(|| self.tiers[t].pick_direct(from));
                (server.0, Some(self.servers[server].zone))
            }
            (ComponentRef::Cache(c), _) => {
                let node = if self.caches[c].keys.is_some() {
                    self.keyed_draw(a, c)
                } else {
                    let now = self.now();
                    let lookup = self.caches[c].lookup(now);
                    self.attempts.get_mut(a).cache_missed = !lookup.hit;
                    lookup.node
                };
                let zone = self.caches[c].nodes[node].zone;
                (node as u32, Some(zone))
            }
            (ComponentRef::Db(db), op) => {
                if op == Op::ReadOnMiss && !self.attempts.get(a).cache_missed {
                    self.next_step(a);
                    return Flow::Continue;
                }
                let node = self.db_target_node(a, db, op);
                let server = self.dbs[db].nodes[node as usize].server;
                (u32::from(node), Some(self.servers[server].zone))
            }
            (ComponentRef::ObjectStore(_), _) | (ComponentRef::External(_), _) => (0, None),
        };
        self.attempts.get_mut(a).dest = dest;
        if let Some(flow) = self.gray_blocks(a, component, op, from, to_zone) {
            return flow;
        }
        let hop = match (from, to_zone) {
            (Some(f), Some(t)) if f != t => self.network.rtt(from, t) + self.gray.link_extra(f, t),
            (_, Some(zone)) => self.network.rtt(from, zone),
            (_, None) => SimDuration::ZERO,
        };
        if hop.is_zero() {
            self.arrive(a)
        } else {
            self.engine.schedule_after(hop, Event::Hop { attempt: a });
            Flow::Wait
        }
    }

    pub(crate) fn on_hop(&mut self, a: AttemptId) {
        if let Flow::Continue = self.arrive(a) {
            self.advance(a);
        }
    }

    fn arrive(&mut self, a: AttemptId) -> Flow {
        let Some((component, op)) = self.current_step(a) else {
            return Flow::Continue;
        };
        let dest = self.attempts.get(a).dest;
        match component {
            ComponentRef::Lb(lb) => {
                let node = dest as usize;
                let b = &self.lbs[lb];
                if !b.nodes[node].node.is_up() {
                    let mode = b.nodes[node].node.mode();
                    return self.fail_reaching(a, mode, INTERNAL_CONNECT_TIMEOUT, None);
                }
                let zone = b.nodes[node].zone;
                let client = self.attempts.get(a).client;
                let (target, t) = if self.lbs[lb].stickiness.is_none() {
                    self.lbs[lb].choose(node, client)
                } else if let Some(table) = self.sessions.as_deref_mut() {
                    let now = self.engine.now();
                    table.choose(now, lb, &mut self.lbs[lb], node, client, &self.servers)
                } else {
                    self.lbs[lb].choose(node, client)
                };
                let att = self.attempts.get_mut(a);
                att.routed_by(lb, t);
                att.chosen = Some(target);
                att.via_lb = Some(lb);
                att.zone = Some(zone);
                att.step += 1;
                Flow::Continue
            }
            ComponentRef::Tier(_) => {
                let server = ServerId(dest);
                let s = &self.servers[server];
                if !s.node.is_up() {
                    let mode = s.node.mode();
                    let timeout = match self.attempts.get(a).via_lb {
                        Some(lb) => self.lbs[lb].connect_timeout,
                        None => INTERNAL_CONNECT_TIMEOUT,
                    };
                    return self.fail_reaching(a, mode, timeout, None);
                }
                // Cold flag: only once a public address moved (lifecycle.rs).
                if self.lifecycle.addresses_moved {
                    let att = self.attempts.get(a);
                    if att.zone.is_none() && self.stale_address(att.client, server) {
                        self.fail_attempt(a, ErrorCause::StaleAddress);
                        return Flow::Wait;
                    }
                }
                self.offer(a, server)
            }
            ComponentRef::Cache(c) => {
                let node = &self.caches[c].nodes[dest as usize];
                if !node.node.is_up() {
                    // A dead cache node reads as a miss (look-aside client).
                    let att = self.attempts.get_mut(a);
                    att.cache_missed = true;
                    att.step += 1;
                    return Flow::Continue;
                }
                if self.caches[c].keys.is_some() {
                    return self.keyed_arrive(a, c, dest as usize);
                }
                let took = self.caches[c].call_time();
                self.engine
                    .schedule_after(took, Event::CallDone { attempt: a });
                Flow::Wait
            }
            ComponentRef::Db(db) => self.arrive_db(a, db, dest as u16, op),
            ComponentRef::External(x) => {
                if let Some(mode) = self.externals[x].down() {
                    return self.fail_reaching(
                        a,
                        mode,
                        INTERNAL_CONNECT_TIMEOUT,
                        Some(ErrorCause::DependencyDown),
                    );
                }
                let took = self.externals[x].call_time();
                self.engine
                    .schedule_after(took, Event::CallDone { attempt: a });
                Flow::Wait
            }
            ComponentRef::ObjectStore(o) => {
                let took = self.object_stores[o].call_time();
                self.engine
                    .schedule_after(took, Event::CallDone { attempt: a });
                Flow::Wait
            }
        }
    }

    /// The database node a step goes to, through the caller's DNS cache.
    fn db_target_node(&mut self, a: AttemptId, db: DbId, op: Op) -> u16 {
        let att = self.attempts.get(a);
        let caller_slot = match att.caller() {
            Some(server) => server.index(),
            None => self.servers.len() + att.client as usize,
        };
        let now = self.now();
        let answer = self
            .dns
            .resolve_db_endpoint(now, caller_slot, db, &self.dbs[db]);
        if op == Op::Write {
            return answer;
        }
        let servers = &self.servers;
        self.dbs[db].read_node(answer, |s| servers[s].node.is_up())
    }

    fn arrive_db(&mut self, a: AttemptId, db: DbId, node: u16, op: Op) -> Flow {
        let d = &self.dbs[db];
        let server = d.nodes[node as usize].server;
        let state = self.servers[server].node;
        let is_primary = d.primary == node;
        if !state.is_up() {
            let cause = if !is_primary {
                ErrorCause::StaleDns
            } else if d.failover_state != crate::model::database::FailoverState::Idle {
                ErrorCause::FailoverInProgress
            } else {
                ErrorCause::DependencyDown
            };
            return self.fail_reaching(a, state.mode(), INTERNAL_CONNECT_TIMEOUT, Some(cause));
        }
        let role = d.nodes[node as usize].role;
        // The old primary of a split brain still takes everything.
        let serves = d.faults.diverging(node)
            || match op {
                Op::Write => is_primary,
                _ => is_primary || role == crate::model::database::Role::Replica,
            };
        if !serves {
            // Reached a node that lost the primary role (stale DNS answer):
            // it rejects the statement at once.
            self.fail_attempt(a, ErrorCause::StaleDns);
            return Flow::Wait;
        }
        self.offer(a, server)
    }

    fn offer(&mut self, a: AttemptId, server: ServerId) -> Flow {
        if self.servers[server].control.is_some() {
            return self.offer_controlled(a, server); // world/admission.rs
        }
        match self.servers[server].offer(a) {
            Admission::Start => self.start_service(a, server),
            Admission::Queued => {}
            Admission::Full => self.fail_attempt(a, ErrorCause::Overload),
        }
        Flow::Wait
    }

    pub(crate) fn start_service(&mut self, a: AttemptId, server: ServerId) {
        let class = self.attempts.get(a).class;
        let took = match self.server_roles[server] {
            ServerRole::Instance { tier, .. } => {
                let t = &mut self.tiers[tier];
                t.service_time_by_class[class].sample(&mut t.rng)
            }
            ServerRole::DbNode { db, .. } => {
                let write = matches!(self.current_step(a), Some((_, Op::Write)));
                let d = &mut self.dbs[db];
                if write {
                    let t = d.write_time.sample(&mut d.rng);
                    // Synchronous replication: the commit waits for the
                    // standby's acknowledgement, one cross-zone round trip.
                    // A standby cut off by a zone isolation counts as lost.
                    let here = self.servers[server].zone;
                    match d.standby_server() {
                        Some(standby)
                            if self.servers[standby].node.is_up()
                                && !self.gray.cut(here, self.servers[standby].zone) =>
                        {
                            let there = self.servers[standby].zone;
                            t + self.network.zone_rtt(here, there)
                                + self.gray.link_extra(here, there)
                        }
                        _ => t,
                    }
                } else {
                    d.read_time.sample(&mut d.rng)
                }
            }
        };
        let s = &self.servers[server];
        let took = match &s.overload {
            None => took,
            Some(curve) => {
                super::super::overload::stretch(curve, took, s.queue.len(), s.concurrency)
            }
        };
        let took = self.servers[server].io.stretch(took);
        let took = self.gray.impaired_service(server, took);
        let incarnation = self.servers[server].node.incarnation;
        self.engine.schedule_after(
            took,
            Event::ServiceDone {
                attempt: a,
                server,
                incarnation,
            },
        );
    }

    pub(crate) fn on_service_done(&mut self, a: AttemptId, server: ServerId, incarnation: u32) {
        if self.servers[server].node.incarnation != incarnation {
            // The server died while serving; its slot is already forfeit.
            self.fail_attempt(a, ErrorCause::InFlightLost);
            return;
        }
        if self.io_intercept(a, server, incarnation) {
            return; // stalled or corrupt volume (`data_faults.rs`)
        }
        if self.gray.limp_fails(server) {
            // A gray failure: served, then answered with an error.
            self.release_slot(server, incarnation);
            self.fail_attempt(a, ErrorCause::ServerError);
            return;
        }
        match self.server_roles[server] {
            ServerRole::Instance { .. } => {
                // The instance keeps its slot while its downstream calls run.
                let zone = self.servers[server].zone;
                let att = self.attempts.get_mut(a);
                att.hold(server, incarnation);
                att.zone = Some(zone);
                att.via_lb = None;
            }
            ServerRole::DbNode { db, node } => {
                if matches!(self.current_step(a), Some((_, Op::Write))) {
                    // Only a split brain's old primary commits as a
                    // non-primary: on a lineage to be discarded.
                    let divergent = self.dbs[db].primary != node;
                    let att = self.attempts.get_mut(a);
                    att.wrote = Some(db);
                    att.wrote_divergent = divergent;
                }
                self.release_slot(server, incarnation);
            }
        }
        self.next_step(a);
        self.advance(a);
    }

    pub(crate) fn on_call_done(&mut self, a: AttemptId) {
        self.next_step(a);
        self.advance(a);
    }

    /// Frees a server slot and starts the next queued request on it.
    pub(super) fn release_slot(&mut self, server: ServerId, incarnation: u32) {
        if self.servers[server].control.is_some() {
            return self.release_controlled(server, incarnation); // world/admission.rs
        }
        if let Some(next) = self.servers[server].release(incarnation) {
            self.start_service(next, server);
        }
    }

    /// A caller reached a node that is down: refused at once, or (for a
    /// blackholed node) after `connect_timeout`.
    pub(crate) fn fail_reaching(
        &mut self,
        a: AttemptId,
        mode: DownMode,
        connect_timeout: SimDuration,
        cause: Option<ErrorCause>,
    ) -> Flow {
        let cause = cause.unwrap_or(ErrorCause::reaching_down_node(mode));
        match mode {
            DownMode::Refuse => self.fail_attempt(a, cause),
            DownMode::Blackhole => self.engine.schedule_after(
                connect_timeout,
                Event::ConnectTimeout {
                    attempt: a,
                    cause: if cause == ErrorCause::ConnectionRefused {
                        ErrorCause::ConnectTimeout
                    } else {
                        cause
                    },
                },
            ),
        }
        Flow::Wait
    }

    pub(super) fn is_live(&self, att: &Attempt) -> bool {
        let req = self.requests.get(att.request);
        req.open && req.awaiting && req.generation == att.generation && req.attempts == att.number
    }

    /// The attempt reached the end of its path.
    fn complete_attempt(&mut self, a: AttemptId) {
        let held_ok = {
            let att = self.attempts.get(a);
            att.held()
                .iter()
                .all(|&(s, inc)| self.servers[s].node.incarnation == inc)
        };
        if !held_ok {
            // An instance upstream died while this call ran: the response
            // has nowhere to go.
            self.fail_attempt(a, ErrorCause::InFlightLost);
            return;
        }
        self.release_held(a);
        let att = self.attempts.get(a);
        let live = self.is_live(att);
        let (request, wrote, divergent) = (att.request, att.wrote, att.wrote_divergent);
        // Cold flag: a breaker's degraded answer (`world/breaker.rs`).
        let degraded = self.hops.is_some() && self.hop_degraded(a);
        if self.keyed.is_some() {
            self.keyed_attempt_ends(a);
        }
        self.attempts.remove(a);
        if !live {
            return; // a zombie: the client stopped waiting for it
        }
        let now = self.now();
        let req = self.requests.get(request);
        let (measured, arrived) = (req.measured, req.arrived);
        if let Some(budget) = &mut self.client.budget {
            budget.on_success(req.client, req.attempts > 1);
        }
        if measured {
            if let Some(db) = wrote {
                self.dbs[db].record_write_ack(now, divergent);
            }
            if degraded {
                self.recorder.degraded(now);
            } else {
                self.recorder.success(now, now.since(arrived));
            }
        }
        self.close_request(request);
    }

    /// Frees the tier slots an ending attempt holds and its places in the
    /// load balancers' outstanding counts.
    fn release_held(&mut self, a: AttemptId) {
        let att = self.attempts.get_mut(a);
        let (held, n) = (att.held, att.held_len as usize);
        let (routed, r) = (att.routed, att.routed_len as usize);
        att.held_len = 0;
        att.routed_len = 0;
        for &(lb, target) in &routed[..r] {
            self.lbs[lb].ended(target);
        }
        for &(server, incarnation) in &held[..n] {
            self.release_slot(server, incarnation);
        }
    }

    /// The attempt failed with `cause`: free what it holds and let the
    /// client decide (retry or give up), unless the client already left.
    pub(crate) fn fail_attempt(&mut self, a: AttemptId, cause: ErrorCause) {
        // Cold flag: a call's own policy may retry it (`world/hops.rs`).
        if self.hops.is_some() && self.hop_failed(a) {
            return;
        }
        self.release_held(a);
        let att = self.attempts.get(a);
        let live = self.is_live(att);
        let request = att.request;
        if self.keyed.is_some() {
            self.keyed_attempt_ends(a);
        }
        self.attempts.remove(a);
        if live {
            self.attempt_failed(request, cause);
        }
    }

    fn attempt_failed(&mut self, request: RequestId, cause: ErrorCause) {
        let req = self.requests.get_mut(request);
        req.awaiting = false;
        let (attempts, previous, generation) = (req.attempts, req.last_backoff, req.generation);
        let client = req.client;
        let now = self.now();
        let timed_out = cause == ErrorCause::Timeout;
        if let Some(wait) = self
            .client
            .retry_after(attempts, previous, now, client, timed_out)
        {
            self.requests.get_mut(request).last_backoff = wait;
            self.engine.schedule_after(
                wait,
                Event::Retry {
                    request,
                    generation,
                },
            );
        } else {
            if self.requests.get(request).measured {
                self.recorder.failure(now, cause);
            }
            self.close_request(request);
        }
    }

    fn close_request(&mut self, request: RequestId) {
        self.requests.get_mut(request).open = false;
        self.requests.remove(request);
    }

    pub(crate) fn on_client_timeout(&mut self, request: RequestId, generation: u32, attempt: u32) {
        let req = self.requests.get(request);
        if req.open && req.awaiting && req.generation == generation && req.attempts == attempt {
            self.attempt_failed(request, ErrorCause::Timeout);
        }
    }

    pub(crate) fn on_retry(&mut self, request: RequestId, generation: u32) {
        let req = self.requests.get(request);
        if req.open && req.generation == generation {
            self.trace_offered(true);
            self.start_attempt(request);
        }
    }
}

/// The bound on requests in flight (`in_flight.rs`).
impl World {
    /// Stops the run: too many requests are in flight.
    #[cold]
    pub(crate) fn overflow_in_flight(&mut self) {
        let queued = self.servers.iter().map(|s| s.queue.len()).sum();
        self.in_flight_overflow = Some(crate::model::in_flight::Overflow {
            at: self.now(),
            queued,
        });
        self.engine.clear();
    }
}
