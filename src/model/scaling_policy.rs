//! Dynamic scaling of an Auto Scaling group: target tracking, simple and
//! step scaling policies on CloudWatch-style metric alarms. The group
//! itself (placement, launches, terminations) is `auto_scaling.rs`; this
//! file only decides the desired capacity (the dispatcher samples the
//! group and applies it, `world/scaling.rs`).
//!
//! Assumptions (EC2 Auto Scaling User Guide, "Target tracking scaling
//! policies", "Step and simple scaling policies", "Scaling cooldowns";
//! CloudWatch User Guide, "Using Amazon CloudWatch alarms"):
//! - Metrics are sampled every second from the group's in-service
//!   instances and folded into one datapoint per alarm period (periods
//!   aligned to the start of the run). `utilization` is busy request slots
//!   over concurrency in percent, averaged over instances: for a
//!   thread-per-request server the stand-in for CPU utilization (a slot
//!   waiting on a downstream call counts as busy). `request_count_per_target`
//!   is the requests that started service in the period divided by the
//!   in-service instances at its end (ALBRequestCountPerTarget, Sum); a
//!   request shed by a full queue is not counted.
//! - An alarm is in ALARM while its last `evaluation_periods` datapoints all
//!   breach the threshold. For Auto Scaling actions an alarm invokes its
//!   policy at the end of every period it stays in ALARM, not only on the
//!   state change (CloudWatch "Alarm actions").
//! - Target tracking creates two alarms as AWS does: scale out after 3
//!   consecutive one-minute datapoints above the target, scale in after 15
//!   below 90 % of it. The new capacity is ⌈in-service × metric / target⌉
//!   (the proportional rule), with in-service averaged over the datapoint's
//!   period (the capacity that produced the value); a scale-out never
//!   lowers the desired capacity, so instances still launching are not
//!   asked for twice. Scale in waits `instance_warmup` after the last
//!   scaling action.
//! - Simple scaling applies its adjustment and then ignores its alarm for
//!   `cooldown` (300 s default), counted from the action (AWS counts from
//!   the end of the scaling activity: launches take `launch_time` +
//!   `warmup` longer here).
//! - Step scaling picks the step whose bounds (relative to the threshold)
//!   contain the breach; within `instance_warmup` of its last action it
//!   applies only what a larger step adds beyond the capacity already
//!   asked for, so a breach that persists while instances warm up does
//!   not stack launches.
//! - Percent adjustments round toward zero and move at least
//!   `min_magnitude` instances; the result is clamped to [min, max].

use super::auto_scaling::SlotState;
use super::event::ServerId;
use super::id::Arena;
use super::server::Server;
use super::tier::Tier;
use crate::config::{
    Adjustment, AlarmConfig, ScalingMetric, ScalingPolicyConfig, Statistic, StepConfig,
};
use crate::time::{SimDuration, SimTime};

/// How often the metrics are sampled.
pub const SAMPLE_INTERVAL: SimDuration = SimDuration::from_secs(1);
/// Target tracking's alarms: one-minute datapoints, 3 above the target to
/// scale out, 15 below 90 % of it to scale in.
const TRACKING_PERIOD: SimDuration = SimDuration::from_secs(60);
const TRACKING_OUT_PERIODS: u32 = 3;
const TRACKING_IN_PERIODS: u32 = 15;
const TRACKING_IN_FRACTION: f64 = 0.9;

/// One period's samples, folded as they come.
#[derive(Clone, Debug, Default)]
struct Datapoint {
    start: SimTime,
    samples: u32,
    sum: f64,
    max: f64,
    min: f64,
    /// In-service instances summed over the samples.
    in_service_sum: u64,
    /// The group's `admitted` total when the period began.
    admitted_at_start: u64,
}

impl Datapoint {
    fn add(&mut self, v: f64, in_service: u32) {
        self.in_service_sum += u64::from(in_service);
        if self.samples == 0 {
            self.max = v;
            self.min = v;
        } else {
            self.max = self.max.max(v);
            self.min = self.min.min(v);
        }
        self.sum += v;
        self.samples += 1;
    }

    fn value(&self, metric: ScalingMetric, statistic: Statistic, admitted: u64, n: u32) -> f64 {
        match metric {
            ScalingMetric::RequestCountPerTarget => {
                admitted.saturating_sub(self.admitted_at_start) as f64 / f64::from(n.max(1))
            }
            ScalingMetric::Utilization => match statistic {
                Statistic::Average => self.sum / f64::from(self.samples.max(1)),
                Statistic::Maximum => self.max,
                Statistic::Minimum => self.min,
            },
        }
    }
}

/// A policy's alarm state: the open datapoint and the breaching streaks.
#[derive(Clone, Debug)]
struct PolicyState {
    config: ScalingPolicyConfig,
    open: Datapoint,
    /// Consecutive breaching datapoints (target tracking: above target).
    streak: u32,
    /// Target tracking only: consecutive datapoints below 90 % of target.
    low_streak: u32,
    /// Simple scaling: the alarm is ignored until then.
    cooldown_until: SimTime,
    /// Step scaling and target tracking: when the last action came and
    /// the change it asked for.
    last_action: Option<(SimTime, i64)>,
}

/// The scaling policies of one group.
#[derive(Clone, Debug)]
pub struct Scaling {
    policies: Vec<PolicyState>,
}

impl Scaling {
    pub fn new(policies: &[ScalingPolicyConfig]) -> Option<Scaling> {
        (!policies.is_empty()).then(|| Scaling {
            policies: policies
                .iter()
                .map(|p| PolicyState {
                    config: p.clone(),
                    open: Datapoint::default(),
                    streak: 0,
                    low_streak: 0,
                    cooldown_until: SimTime::ZERO,
                    last_action: None,
                })
                .collect(),
        })
    }
}

fn period_of(config: &ScalingPolicyConfig) -> SimDuration {
    match config {
        ScalingPolicyConfig::TargetTracking { .. } => TRACKING_PERIOD,
        ScalingPolicyConfig::Simple { alarm, .. } | ScalingPolicyConfig::Step { alarm, .. } => {
            alarm.period
        }
    }
}

fn metric_of(config: &ScalingPolicyConfig) -> (ScalingMetric, Statistic) {
    match config {
        ScalingPolicyConfig::TargetTracking { metric, .. } => (*metric, Statistic::Average),
        ScalingPolicyConfig::Simple { alarm, .. } | ScalingPolicyConfig::Step { alarm, .. } => {
            (alarm.metric, alarm.statistic)
        }
    }
}

/// The desired capacity after `adjustment` on `current`.
fn adjusted(current: u32, adjustment: Adjustment) -> i64 {
    let current = i64::from(current);
    match adjustment {
        Adjustment::Change(n) => current + i64::from(n),
        Adjustment::Exact(n) => i64::from(n),
        Adjustment::Percent {
            percent,
            min_magnitude,
        } => {
            let raw = (current as f64 * percent / 100.0).trunc() as i64;
            let floor = i64::from(min_magnitude);
            let change = if percent > 0.0 {
                raw.max(floor)
            } else {
                raw.min(-floor)
            };
            current + change
        }
    }
}

/// The step whose [lower, upper) bounds contain `breach`.
fn step_for(steps: &[StepConfig], breach: f64) -> Option<Adjustment> {
    steps
        .iter()
        .find(|s| s.lower.is_none_or(|l| breach >= l) && s.upper.is_none_or(|u| breach < u))
        .map(|s| s.adjustment)
}

fn breached(alarm: &AlarmConfig, value: f64) -> bool {
    alarm.comparison.breached(value, alarm.threshold)
}

/// Utilization (percent) of the group's in-service instances now, their
/// count, and the requests they have admitted in total.
pub(crate) fn group_metrics(t: &Tier, servers: &Arena<ServerId, Server>) -> (f64, u32, u64) {
    let Some(asg) = &t.asg else {
        return (0.0, 0, 0);
    };
    let mut busy = 0.0;
    let mut n = 0u32;
    let mut admitted = 0u64;
    for (k, &s) in t.slots.iter().enumerate() {
        let server = &servers[s];
        admitted += server.admitted;
        if asg.slots[k].state != SlotState::InService {
            continue;
        }
        n += 1;
        let c = server.concurrency.max(1);
        busy += f64::from(server.busy.min(c)) / f64::from(c);
    }
    let utilization = if n == 0 {
        0.0
    } else {
        100.0 * busy / f64::from(n)
    };
    (utilization, n, admitted)
}

impl Scaling {
    /// How many policies the group has.
    pub(crate) fn policies(&self) -> usize {
        self.policies.len()
    }

    /// One metric sample (`group_metrics`) for policy `p`: if its
    /// datapoint's period ended, closes it and returns the desired capacity
    /// its alarm asks for, given the group's `desired` and `launching`
    /// counts now.
    pub(crate) fn sample(
        &mut self,
        p: usize,
        now: SimTime,
        (utilization, in_service, admitted): (f64, u32, u64),
        desired: u32,
        launching: u32,
    ) -> Option<u32> {
        let state = &mut self.policies[p];
        state.open.add(utilization, in_service);
        let period = period_of(&state.config);
        if now.since(state.open.start) < period {
            return None;
        }
        let (metric, statistic) = metric_of(&state.config);
        let value = state.open.value(metric, statistic, admitted, in_service);
        let mean_in_service =
            state.open.in_service_sum as f64 / f64::from(state.open.samples.max(1));
        state.open = Datapoint {
            start: now,
            admitted_at_start: admitted,
            ..Datapoint::default()
        };
        let wanted = state.on_datapoint(now, value, mean_in_service, desired, launching)?;
        Some(wanted.clamp(0, i64::from(u32::MAX)) as u32)
    }
}

impl PolicyState {
    /// The policy's datapoint closed with `value`: update its alarm and
    /// return the desired capacity it asks for. `in_service` is the mean
    /// number of in-service instances over the datapoint's period: the
    /// capacity that produced the value.
    fn on_datapoint(
        &mut self,
        now: SimTime,
        value: f64,
        in_service: f64,
        desired: u32,
        launching: u32,
    ) -> Option<i64> {
        let state = self;
        match &state.config {
            ScalingPolicyConfig::TargetTracking {
                target,
                instance_warmup,
                disable_scale_in,
                ..
            } => {
                state.streak = if value > *target { state.streak + 1 } else { 0 };
                state.low_streak = if value < TRACKING_IN_FRACTION * target {
                    state.low_streak + 1
                } else {
                    0
                };
                let proportional = (in_service * value / target).ceil() as i64;
                if state.streak >= TRACKING_OUT_PERIODS && proportional > i64::from(desired) {
                    state.last_action = Some((now, proportional - i64::from(desired)));
                    Some(proportional)
                } else if state.low_streak >= TRACKING_IN_PERIODS
                    && !disable_scale_in
                    && launching == 0
                    && state
                        .last_action
                        .is_none_or(|(at, _)| now.since(at) >= *instance_warmup)
                    && proportional.max(1) < i64::from(desired)
                {
                    state.last_action = Some((now, proportional - i64::from(desired)));
                    Some(proportional.max(1))
                } else {
                    None
                }
            }
            ScalingPolicyConfig::Simple {
                alarm,
                adjustment,
                cooldown,
            } => {
                state.streak = if breached(alarm, value) {
                    state.streak + 1
                } else {
                    0
                };
                if state.streak >= alarm.evaluation_periods && now >= state.cooldown_until {
                    state.cooldown_until = now + *cooldown;
                    Some(adjusted(desired, *adjustment))
                } else {
                    None
                }
            }
            ScalingPolicyConfig::Step {
                alarm,
                steps,
                instance_warmup,
            } => {
                state.streak = if breached(alarm, value) {
                    state.streak + 1
                } else {
                    0
                };
                if state.streak < alarm.evaluation_periods {
                    None
                } else if let Some(adjustment) = step_for(steps, value - alarm.threshold) {
                    let change = adjusted(desired, adjustment) - i64::from(desired);
                    let warming = state
                        .last_action
                        .filter(|&(at, last)| {
                            now.since(at) < *instance_warmup && last.signum() == change.signum()
                        })
                        .map_or(0, |(_, last)| last);
                    let extra = if change > 0 {
                        (change - warming).max(0)
                    } else {
                        change
                    };
                    if extra == 0 {
                        None
                    } else {
                        state.last_action = Some((now, change));
                        Some(i64::from(desired) + extra)
                    }
                } else {
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_adjustments_round_toward_zero_with_a_minimum_magnitude() {
        let pct = |percent, min_magnitude| Adjustment::Percent {
            percent,
            min_magnitude,
        };
        // 10 × 25 % = 2.5 → 2 instances.
        assert_eq!(adjusted(10, pct(25.0, 1)), 12);
        // 3 × 10 % = 0.3 → 0, raised to the minimum magnitude 1.
        assert_eq!(adjusted(3, pct(10.0, 1)), 4);
        // 10 × −50 % = −5.
        assert_eq!(adjusted(10, pct(-50.0, 1)), 5);
        assert_eq!(adjusted(4, Adjustment::Exact(9)), 9);
        assert_eq!(adjusted(4, Adjustment::Change(-2)), 2);
    }

    #[test]
    fn the_step_containing_the_breach_applies() {
        let steps = vec![
            StepConfig {
                lower: Some(0.0),
                upper: Some(15.0),
                adjustment: Adjustment::Change(1),
            },
            StepConfig {
                lower: Some(15.0),
                upper: None,
                adjustment: Adjustment::Change(3),
            },
        ];
        assert_eq!(step_for(&steps, 0.0), Some(Adjustment::Change(1)));
        assert_eq!(step_for(&steps, 14.9), Some(Adjustment::Change(1)));
        assert_eq!(step_for(&steps, 15.0), Some(Adjustment::Change(3)));
        assert_eq!(step_for(&steps, -1.0), None);
    }
}
