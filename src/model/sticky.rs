//! Sticky sessions (session affinity) on load balancers, and the users'
//! sessions they bind.
//!
//! Assumptions (ELB user guide, "Sticky sessions for your Application Load
//! Balancer"; ELB API Reference, "TargetGroupAttribute"):
//! - Each of the workload's `clients` is one user's browser at a time, with
//!   one cookie per sticky load balancer. A user's session lasts
//!   `sessions.length` (drawn from the `workload/sessions` stream when it
//!   starts) or, by default, the whole run; then a new user takes the
//!   client's place, with no cookie and no state. Requests are spread over
//!   the clients uniformly, so each user sends rate / `clients` requests per
//!   second and fewer users means coarser, less even binding.
//! - A request without a valid cookie is routed by the strategy, and the
//!   load balancer sets a cookie naming the target it chose. A request with
//!   one goes to that target without consulting the strategy.
//! - The load balancer resets the cookie's expiry on every request ("resets
//!   the expiry of the cookies it generates after every request"; default
//!   duration 1 day, 1 s to 7 days): a session stays bound while its
//!   requests come less than `duration` apart; a request after a longer
//!   pause is routed afresh and binds again.
//! - A cookie naming a target that is deregistered or marked unhealthy by
//!   the health checks gets a new target from the strategy and "the load
//!   balancer treats the session as now being stuck to the new healthy
//!   target ... even if the failed target comes back". Until the checks mark
//!   a dead target out its sessions keep reaching it and fail (so does a
//!   load balancer without health checks, until the cookies expire). A node
//!   that fails open (no healthy target) honours every cookie. Any node
//!   honours a cookie naming a healthy target, in its zone or not (the
//!   cookie names a target of the group, whatever `cross_zone` says).
//! - Simplification: a cookie names a target slot, so an Auto Scaling
//!   replacement launched into the slot of a terminated instance counts as
//!   the same target once registered (the ALB would pick a new target by
//!   the strategy); the session's state is lost either way.
//! - `lb_cookie` (AWSALB) and `app_cookie` (AWSALBAPP) behave the same here:
//!   the application is assumed to set its own cookie on the first response,
//!   and both expiries are reset on every response.
//! - Session state: behind a tier with `session_state: local` (the default:
//!   state in the instance's memory, the reason stickiness is turned on) a
//!   session loses its state when a request of it is served by another
//!   instance (re-routed after a failure, or bound afresh after its cookie
//!   expired) or by its instance after a restart. With `cache` (a shared
//!   store such as ElastiCache) nothing is lost. A loss is found at the
//!   session's next request routed to a live instance and counted once; it
//!   counts as `target_failed` when the cookie was still valid or the old
//!   instance has restarted since, else as `cookie_expired`.
//! - Counts cover requests routed after the warm-up. `non_sticky_requests`
//!   is the ALB CloudWatch metric `NonStickyRequestCount`: requests routed by
//!   the strategy because no usable cookie came with them.
//! - Memory: 24 bytes per client and sticky load balancer plus 8 per client,
//!   fixed when the run starts (`clients` is at most 10,000,000).

use super::event::{LbId, ServerId};
use super::id::Arena;
use super::load_balancer::LoadBalancer;
use super::server::Server;
use crate::config::{ComponentKind, ModelConfig, ScenarioConfig, SessionState};
use crate::dist::Dist;
use crate::rng::{stream, SimRng};
use crate::time::{SimDuration, SimTime};

const NO_TARGET: u16 = u16::MAX;
const NO_HOME: ServerId = ServerId(u32::MAX);

/// One session's cookie at one load balancer, and where its state lives.
#[derive(Clone, Copy, Debug)]
struct Binding {
    /// The target the cookie names (`NO_TARGET`: no cookie yet).
    target: u16,
    expires: SimTime,
    /// The instance holding the session's state (`NO_HOME`: none yet), and
    /// its incarnation then: a restart loses in-memory state.
    home: ServerId,
    home_incarnation: u32,
}

impl Binding {
    const EMPTY: Binding = Binding {
        target: NO_TARGET,
        expires: SimTime::ZERO,
        home: NO_HOME,
        home_incarnation: 0,
    };
}

/// What the sticky load balancers did after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionCounts {
    /// Sessions that started (a user's first request through a sticky
    /// load balancer).
    pub started: u64,
    /// Requests routed by the strategy for want of a usable cookie.
    pub non_sticky_requests: u64,
    /// Requests whose valid cookie named an unhealthy or deregistered
    /// target, so the session moved to a new one.
    pub rerouted: u64,
    pub lost_state_target_failed: u64,
    pub lost_state_cookie_expired: u64,
}

/// Every client's session and cookies; `None` in the world when no load
/// balancer is sticky, so nothing here costs anything then.
pub struct SessionTable {
    /// Per load balancer: its column in `bindings`, if it is sticky.
    column: Arena<LbId, Option<u16>>,
    /// Per column: the target tier keeps session state in memory.
    local_state: Vec<bool>,
    columns: usize,
    /// Per client: when its current session ends (`ZERO`: none yet).
    ends: Vec<SimTime>,
    /// Per client, then per column.
    bindings: Vec<Binding>,
    length: Option<Dist>,
    rng: SimRng,
    warmup_end: SimTime,
    pub counts: SessionCounts,
}

impl SessionTable {
    /// The table for a model whose load balancers are sticky, else `None`.
    pub fn new(model: &ModelConfig, scenario: &ScenarioConfig, seed: u64) -> Option<Box<Self>> {
        let mut column = Arena::new();
        let mut local_state = Vec::new();
        for c in &model.components {
            let ComponentKind::LoadBalancer(lb) = &c.kind else {
                continue;
            };
            if lb.stickiness.is_none() {
                column.push(None);
                continue;
            }
            column.push(Some(local_state.len() as u16));
            let local = match &model.components[lb.target].kind {
                ComponentKind::Tier(t) => t.session_state == SessionState::Local,
                _ => false,
            };
            local_state.push(local);
        }
        if local_state.is_empty() {
            return None;
        }
        let clients = scenario.workload.clients.max(1) as usize;
        let columns = local_state.len();
        Some(Box::new(SessionTable {
            column,
            local_state,
            columns,
            ends: vec![SimTime::ZERO; clients],
            bindings: vec![Binding::EMPTY; clients * columns],
            length: scenario.workload.session_length,
            rng: stream(seed, "workload/sessions"),
            warmup_end: SimTime(scenario.warmup.as_nanos()),
            counts: SessionCounts::default(),
        }))
    }

    /// Starts a new session for `client` if its last one ended; returns the
    /// index of its binding in `column`.
    fn session(&mut self, client: u32, column: u16, now: SimTime, measured: bool) -> usize {
        let c = (client as usize).min(self.ends.len() - 1);
        if now >= self.ends[c] {
            let length = match &self.length {
                Some(d) => d.sample(&mut self.rng),
                None => SimDuration::MAX,
            };
            // Never an empty session: it would restart on its own request.
            self.ends[c] = (now + length).max(SimTime(now.0 + 1));
            let row = c * self.columns;
            self.bindings[row..row + self.columns].fill(Binding::EMPTY);
            if measured {
                self.counts.started += 1;
            }
        }
        c * self.columns + column as usize
    }
}

impl SessionTable {
    /// Chooses a target at sticky load balancer `lb` (`balancer`) for a
    /// request of `client` arriving at `node`: the cookie's, else the
    /// strategy's. Counts the request as outstanding there, like
    /// `LoadBalancer::choose`. `servers` tells whether the chosen instance
    /// is up and which incarnation holds the session's state.
    pub(crate) fn choose(
        &mut self,
        now: SimTime,
        lb: LbId,
        balancer: &mut LoadBalancer,
        node: usize,
        client: u32,
        servers: &Arena<ServerId, Server>,
    ) -> (ServerId, u16) {
        let table = self;
        let Some(config) = balancer.stickiness else {
            return balancer.choose(node, client);
        };
        let Some(column) = table.column.get(lb).copied().flatten() else {
            return balancer.choose(node, client);
        };
        let measured = now >= table.warmup_end;
        let slot = table.session(client, column, now, measured);
        let cookie = table.bindings[slot];
        let valid = cookie.target != NO_TARGET && now < cookie.expires;
        let (server, t) = if valid && balancer.honours(cookie.target, node) {
            (balancer.route_to(cookie.target), cookie.target)
        } else {
            if measured {
                table.counts.non_sticky_requests += 1;
                if valid {
                    table.counts.rerouted += 1;
                }
            }
            balancer.choose(node, client)
        };
        let binding = &mut table.bindings[slot];
        binding.target = t;
        binding.expires = now + config.duration;
        let s = &servers[server];
        if table.local_state[column as usize] && s.node.is_up() {
            // A request to a dead instance fails and builds no state: the
            // loss, if any, shows at the next request that lands.
            let incarnation = s.node.incarnation;
            let home = binding.home;
            if home != NO_HOME && (home != server || binding.home_incarnation != incarnation) {
                let restarted = servers[home].node.incarnation != binding.home_incarnation;
                if measured {
                    if valid || restarted {
                        table.counts.lost_state_target_failed += 1;
                    } else {
                        table.counts.lost_state_cookie_expired += 1;
                    }
                }
            }
            binding.home = server;
            binding.home_incarnation = incarnation;
        }
        (server, t)
    }
}
