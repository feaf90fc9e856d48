//! What a fluid run needs to know about the model and scenario, computed
//! once: each class's path (components, operations, mean holding times,
//! which load balancer routes to each tier step), each tier's service
//! variability and balancing, the client's attempts, timeout and mean
//! backoffs.
//!
//! Approximations: a tier step's holding time is its own mean service plus
//! the means of every later step on the path (the request level keeps an
//! instance's slot while downstream calls run); a tier's service
//! variability is the share-weighted squared coefficient of variation of
//! its classes' service times; decorrelated jitter's mean backoff is taken
//! as that of U(base, 3·v) with v the exponential backoff.

use crate::config::{ComponentKind, ModelConfig, Op, ScenarioConfig, Strategy};
use crate::metrics::ErrorCause;
use crate::model::id::TierId;
use crate::model::layout::Layout;
use crate::model::world::ComponentRef;

/// A queueing station on a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StationRef {
    Tier(usize),
    DbPrimary(usize),
    DbReplicas(usize),
}

pub struct StepInfo {
    pub component: ComponentRef,
    /// The component's index in the model.
    pub index: usize,
    pub op: Op,
    /// Mean time the step holds its station (tiers: own service plus the
    /// downstream steps' means).
    pub hold_s: f64,
    /// Whether an LB routed the attempt to this tier step.
    pub via_lb: Option<usize>,
}

pub struct ClassInfo {
    pub steps: Vec<StepInfo>,
    pub share: f64,
    pub has_miss: bool,
    pub writes_to: Option<usize>,
}

pub struct TierInfo {
    pub concurrency: u32,
    pub queue_limit: Option<u32>,
    /// Share-weighted squared CV of the classes' service times here.
    pub service_cv2: f64,
    /// Behind a round-robin or least-outstanding balancer: arrivals to an
    /// instance are far more regular than Poisson (ca² ≈ 1/n).
    pub balanced: bool,
}

pub struct LbInfo {
    pub strategy: Strategy,
    pub cross_zone: bool,
    pub connect_timeout_s: f64,
}

pub struct Ctx {
    pub classes: Vec<ClassInfo>,
    pub tiers: Vec<TierInfo>,
    /// Per database: squared CV of its read and write times (mean).
    pub db_cv2: Vec<f64>,
    pub lbs: Vec<LbInfo>,
    pub timeout_s: Option<f64>,
    pub attempts: u32,
    /// Mean backoff before retry k (index k − 1).
    pub backoff_mean_s: Vec<f64>,
}

impl Ctx {
    pub fn new(layout: &Layout, model: &ModelConfig, scenario: &ScenarioConfig) -> Ctx {
        let tier_configs: Vec<&crate::config::TierConfig> = model
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                ComponentKind::Tier(t) => Some(t),
                _ => None,
            })
            .collect();
        let mut shares: Vec<f64> = model.request_classes.iter().map(|c| c.share).collect();
        if let Some(mix) = &scenario.workload.mix {
            shares = vec![0.0; shares.len()];
            for (name, share, _) in mix {
                if let Some(i) = model.request_classes.iter().position(|c| &c.name == name) {
                    shares[i] = *share;
                }
            }
        }
        let total: f64 = shares.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let classes: Vec<ClassInfo> = layout
            .classes
            .iter()
            .enumerate()
            .map(|(k, class)| {
                let mut steps: Vec<StepInfo> = Vec::new();
                let mut pending_lb = None;
                for s in &class.steps {
                    let component = layout.components[s.component];
                    let own_s = step_mean_s(model, k, s.component, s.op);
                    let via_lb = match component {
                        ComponentRef::Tier(_) => pending_lb.take(),
                        _ => None,
                    };
                    if let ComponentRef::Lb(lb) = component {
                        pending_lb = Some(lb.index());
                    }
                    steps.push(StepInfo {
                        component,
                        index: s.component,
                        op: s.op,
                        hold_s: own_s,
                        via_lb,
                    });
                }
                // A tier holds its slot through its downstream calls.
                let mut downstream = 0.0;
                for step in steps.iter_mut().rev() {
                    let own = step.hold_s;
                    if let ComponentRef::Tier(_) = step.component {
                        step.hold_s = own + downstream;
                    }
                    downstream += own;
                }
                let writes_to = steps.iter().find_map(|s| match (s.component, s.op) {
                    (ComponentRef::Db(d), Op::Write) => Some(d.index()),
                    _ => None,
                });
                ClassInfo {
                    has_miss: steps.iter().any(|s| s.op == Op::ReadOnMiss),
                    steps,
                    share: shares[k] / total,
                    writes_to,
                }
            })
            .collect();
        let lb_strategies: Vec<Strategy> = model
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                ComponentKind::LoadBalancer(lb) => Some(lb.strategy),
                _ => None,
            })
            .collect();
        let tiers = tier_configs
            .iter()
            .enumerate()
            .map(|(t, config)| {
                let (mut cv2, mut weight, mut balanced) = (0.0, 0.0, false);
                for (k, class) in classes.iter().enumerate() {
                    for step in &class.steps {
                        if step.component != ComponentRef::Tier(TierId(t as u16)) {
                            continue;
                        }
                        cv2 += class.share * config.service_time_by_class[k].cv2();
                        weight += class.share;
                        balanced |= step.via_lb.is_some_and(|lb| {
                            matches!(
                                lb_strategies[lb],
                                Strategy::RoundRobin | Strategy::LeastOutstanding
                            )
                        });
                    }
                }
                TierInfo {
                    concurrency: config.concurrency,
                    queue_limit: config.queue_limit,
                    service_cv2: if weight > 0.0 { cv2 / weight } else { 1.0 },
                    balanced,
                }
            })
            .collect();
        let db_cv2 = model
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                ComponentKind::Database(d) => Some((d.read_time.cv2() + d.write_time.cv2()) / 2.0),
                _ => None,
            })
            .collect();
        let lbs = model
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                ComponentKind::LoadBalancer(lb) => Some(LbInfo {
                    strategy: lb.strategy,
                    cross_zone: lb.cross_zone,
                    connect_timeout_s: lb.connect_timeout.as_secs_f64(),
                }),
                _ => None,
            })
            .collect();
        let r = &scenario.client.retries;
        let backoff_mean_s = (1..r.max_attempts.max(1))
            .map(|k| crate::model::client::mean_backoff_s(r, k))
            .collect();
        Ctx {
            classes,
            tiers,
            db_cv2,
            lbs,
            timeout_s: scenario.client.timeout.map(|t| t.as_secs_f64()),
            attempts: r.max_attempts.max(1),
            backoff_mean_s,
        }
    }

    /// How long a blackholed attempt hangs, and the cause it ends with.
    pub(super) fn hang(&self, connect_timeout_s: f64, cause: ErrorCause) -> (f64, ErrorCause) {
        match self.timeout_s {
            Some(t) if t < connect_timeout_s => (t, ErrorCause::Timeout),
            _ => (connect_timeout_s, cause),
        }
    }
}

/// Mean service time of one step (seconds).
fn step_mean_s(model: &ModelConfig, class: usize, component: usize, op: Op) -> f64 {
    match &model.components[component].kind {
        ComponentKind::Tier(t) => t.service_time_by_class[class].mean_s(),
        ComponentKind::Database(d) => match op {
            Op::Write => d.write_time.mean_s(),
            _ => d.read_time.mean_s(),
        },
        ComponentKind::Cache(c) => c.service_time.mean_s(),
        ComponentKind::ObjectStore(o) => o.service_time.mean_s(),
        ComponentKind::External(x) => x.service_time.mean_s(),
        ComponentKind::LoadBalancer(_) => 0.0,
    }
}
