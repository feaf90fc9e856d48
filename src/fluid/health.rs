//! Load-balancer health checks in the fluid mode: the request level's
//! checks (`model/load_balancer_events.rs`), at the same times with the
//! same results, run only while they can change something.
//!
//! Assumptions (the request level's, `model/load_balancer.rs`):
//! - Each target is checked every `interval` from a phase drawn at the
//!   start from the load balancer's stream (`lb/<name>`, target by target),
//!   so its checks fall at phase + k × interval.
//! - A check passes if the target's node is up; it fails at once if the
//!   node refuses, and at `timeout` if it blackholes. Thresholds and new
//!   targets follow `TargetHealth::apply`, the rule both fidelities share.
//! - A check of a target that is up and healthy with no streak, or down
//!   and unhealthy with no streak, changes nothing: such a target is not
//!   checked until its node changes state, when checking resumes at its
//!   next check time. The checks a fluid run skips are exactly the ones
//!   that cannot flip anything, so it sees the request level's flips.
//! - A target counts for traffic (`in_lb`) while it is registered and
//!   healthy in its tier's load balancer's view.

use super::infra::Infra;
use super::FluidEvent;
use crate::config::{DownMode, HealthCheckConfig};
use crate::dist::Dist;
use crate::engine::Engine;
use crate::model::id::{LbId, ServerId};
use crate::model::layout::Layout;
use crate::model::load_balancer::TargetHealth;
use crate::model::trace_records::target_health_event;
use crate::rng::stream;
use crate::time::{SimDuration, SimTime};

pub struct Target {
    pub server: ServerId,
    /// The first check's time: later ones follow every interval.
    phase: SimTime,
    pub health: TargetHealth,
    pub registered: bool,
    /// A check event is pending.
    checking: bool,
    /// Blackholed checks whose results are still to come.
    pending: u32,
}

impl Target {
    /// The load balancer reports it unhealthy (as `LoadBalancer::
    /// reports_unhealthy`: registered, past its initial state).
    pub fn reports_unhealthy(&self) -> bool {
        self.registered && self.health.reports_unhealthy()
    }
}

pub struct LbHealth {
    pub config: HealthCheckConfig,
    pub targets: Vec<Target>,
}

impl LbHealth {
    /// Every load balancer's checks (`None` for one that does not check),
    /// phases drawn as the request level draws them (`model/build.rs`).
    pub fn plan(
        layout: &Layout,
        seed: u64,
        registered: impl Fn(ServerId) -> bool,
    ) -> Vec<Option<LbHealth>> {
        layout
            .lbs
            .iter()
            .map(|lb| {
                let hc = lb.health_check.clone()?;
                let mut rng = stream(seed, &format!("lb/{}", lb.name));
                let targets = lb
                    .targets
                    .iter()
                    .map(|&server| {
                        let phase = Dist::Uniform {
                            min_s: 0.0,
                            max_s: hc.interval.as_secs_f64(),
                        }
                        .sample(&mut rng);
                        Target {
                            server,
                            phase: SimTime(phase.as_nanos()),
                            health: TargetHealth {
                                healthy: true,
                                streak: 0,
                                changed_at: None,
                                fresh: false,
                            },
                            registered: registered(server),
                            checking: false,
                            pending: 0,
                        }
                    })
                    .collect();
                Some(LbHealth {
                    config: hc,
                    targets,
                })
            })
            .collect()
    }
}

/// The first check time at or after `now` of a target checked every
/// `interval` from `phase`.
pub(super) fn next_check(phase: SimTime, interval: SimDuration, now: SimTime) -> SimTime {
    if now <= phase {
        return phase;
    }
    let every = interval.as_nanos().max(1);
    let k = (now.as_nanos() - phase.as_nanos()).div_ceil(every);
    SimTime(phase.as_nanos() + k * every)
}

impl Infra {
    /// Server `s` changed state: its targets' checks resume.
    pub(super) fn health_wake(&mut self, e: &mut Engine<FluidEvent>, s: ServerId) {
        let now = e.now();
        for lb in 0..self.health.len() {
            let Some(h) = &mut self.health[lb] else {
                continue;
            };
            let interval = h.config.interval;
            for (t, target) in h.targets.iter_mut().enumerate() {
                if target.server != s || target.checking || !target.registered {
                    continue;
                }
                target.checking = true;
                let at = next_check(target.phase, interval, now);
                e.schedule_at(
                    at,
                    FluidEvent::HealthCheck {
                        lb: lb as u16,
                        target: t as u16,
                    },
                );
            }
        }
    }

    /// A due check of target `t` of load balancer `lb`.
    pub fn on_health_check(&mut self, e: &mut Engine<FluidEvent>, lb: usize, t: usize) {
        let Some(h) = &mut self.health[lb] else {
            return;
        };
        let target = &mut h.targets[t];
        let (interval, timeout) = (h.config.interval, h.config.timeout);
        let node = self.servers[target.server].node;
        if !target.registered {
            target.checking = false;
            return;
        }
        if node.is_up() {
            self.apply_health(e, lb, t, true);
        } else if node.mode() == DownMode::Refuse {
            self.apply_health(e, lb, t, false);
        } else {
            target.pending += 1;
            e.schedule_after(
                timeout,
                FluidEvent::HealthCheckResult {
                    lb: lb as u16,
                    target: t as u16,
                },
            );
        }
        let Some(h) = &mut self.health[lb] else {
            return;
        };
        let target = &mut h.targets[t];
        let steady = target.health.streak == 0
            && target.pending == 0
            && !target.health.fresh
            && target.health.healthy == self.servers[target.server].node.is_up();
        if steady {
            target.checking = false;
        } else {
            e.schedule_after(
                interval,
                FluidEvent::HealthCheck {
                    lb: lb as u16,
                    target: t as u16,
                },
            );
        }
    }

    /// A blackholed check timed out.
    pub fn on_health_check_result(&mut self, e: &mut Engine<FluidEvent>, lb: usize, t: usize) {
        if let Some(h) = &mut self.health[lb] {
            h.targets[t].pending -= 1;
            self.apply_health(e, lb, t, false);
        }
    }

    fn apply_health(&mut self, e: &mut Engine<FluidEvent>, lb: usize, t: usize, ok: bool) {
        let now = e.now();
        let Some(h) = &mut self.health[lb] else {
            return;
        };
        let target = &mut h.targets[t];
        if !target.registered || !target.health.apply(&h.config, ok, now) {
            return;
        }
        let s = target.server;
        let healthy = target.health.healthy;
        let threshold = if ok {
            h.config.healthy_threshold
        } else {
            h.config.unhealthy_threshold
        };
        if self.tiers_lb_of(s) == Some(lb) {
            self.servers[s].in_lb = healthy;
            self.dirty = true;
        }
        if let Some(t) = self.servers[s].tier {
            self.asg_wake(e, t);
        }
        let id = LbId(lb as u16);
        self.record(|l| {
            target_health_event(now, l.server_label(s), &l.lbs[id].name, ok, threshold)
        });
    }

    /// The load balancer whose view decides whether an instance gets
    /// traffic (its tier's first).
    fn tiers_lb_of(&self, s: ServerId) -> Option<usize> {
        self.servers[s].tier.and_then(|t| self.tiers[t].lb)
    }

    /// An Auto Scaling group registers (`true`, a new target: one passing
    /// check brings it in) or deregisters instance `s`.
    pub(super) fn health_register(&mut self, e: &mut Engine<FluidEvent>, s: ServerId, on: bool) {
        for h in self.health.iter_mut().flatten() {
            for target in h.targets.iter_mut().filter(|x| x.server == s) {
                target.registered = on;
                if on {
                    target.health = TargetHealth {
                        healthy: false,
                        streak: 0,
                        changed_at: None,
                        fresh: true,
                    };
                }
            }
        }
        if on {
            self.health_wake(e, s);
        }
    }
}
