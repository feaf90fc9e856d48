//! The fluid (long-horizon) fidelity: only infrastructure state changes are
//! events; traffic is a rate, and each interval of constant state gets its
//! served fraction, error causes and latency distribution from the state.
//!
//! A run here means what a request-level run means, key for key, with
//! these differences (each module lists its own approximations):
//! - request counts are expected counts (rate × time × fraction), rounded;
//!   nothing is in flight at the end;
//! - health checks, status checks, DNS caches and failovers enter as drawn
//!   or computed delays (`infra.rs`), never as periodic events, so the cost
//!   of a run grows with the number of failures, not with the horizon or
//!   the request rate (`engine.events` counts state changes);
//! - served fractions come from the state (`flow.rs`), queueing from M/M/c
//!   approximations (`queueing.rs`), latency percentiles from a weighted
//!   histogram of per-state path latencies (`latency.rs`), minutes and
//!   outages from interval boundaries (`ledger.rs`).
//!
//! Supported: tiers (with or without Auto Scaling), load balancers,
//! databases (standby, replicas, failover, restarts, volume loss), caches,
//! object storage and external dependencies; random failures of instances,
//! database nodes, cache nodes, volumes and zones (bursts, failure budget);
//! the scripted actions listed in [`unsupported`]. Anything else is refused
//! with a clear error (and `--fidelity auto` runs it at request level).

mod auto_scaling;
mod context;
mod database;
mod faults;
mod flow;
mod health;
mod infra;
mod latency;
mod ledger;
pub mod queueing;
mod routing;
pub mod trace;

use crate::bind::Plan;
use crate::config::{
    BindError, FaultAction, ModelConfig, Profile, ScenarioConfig, SourcePos, TargetKind,
};
use crate::engine::Engine;
use crate::fault::hazard::HazardEvent;
use crate::metrics::trace::TraceEvent;
use crate::metrics::{
    AvailabilitySummary, DataLossSummary, EngineStats, ErrorCause, RequestCounts, RunDetail,
    RunSummary,
};
use crate::model::id::ServerId;
use crate::model::node::Cause;
use crate::model::workload::Workload;
use crate::model::world::DEFAULT_AVAILABILITY_TARGET;
use crate::rng::stream;
use crate::time::{SimDuration, SimTime};

/// Every event of a fluid run: faults, and the transitions they imply.
#[derive(Clone, Copy, Debug)]
pub enum FluidEvent {
    /// A step of the random failure processes (`fault::hazard`).
    Hazard(HazardEvent),
    FaultStart {
        fault: u32,
    },
    FaultEnd {
        fault: u32,
    },
    LbAdmit {
        server: ServerId,
        generation: u32,
    },
    /// A status check of a tier's Auto Scaling group.
    AsgCheck {
        tier: u16,
    },
    /// A launch finished (`generation` of its slot).
    InstanceLaunched {
        server: ServerId,
        generation: u32,
    },
    /// A health check of a target is due (`health.rs`).
    HealthCheck {
        lb: u16,
        target: u16,
    },
    /// A blackholed health check timed out.
    HealthCheckResult {
        lb: u16,
        target: u16,
    },
    LbNodeDns {
        lb: u16,
        node: u16,
        generation: u32,
    },
    /// A load-balancer node back from a dark zone rejoins DNS.
    LbNodeDnsBack {
        lb: u16,
        node: u16,
        generation: u32,
    },
    DbFailoverStart {
        db: u16,
        epoch: u32,
    },
    DbFailoverDone {
        db: u16,
        epoch: u32,
    },
    DbDnsSettled {
        db: u16,
        epoch: u32,
    },
    CacheBack {
        cache: u16,
        node: u16,
        generation: u32,
    },
    CacheWarm {
        cache: u16,
        node: u16,
        generation: u32,
    },
    VolumeRestored {
        volume: u32,
        generation: u32,
    },
    /// The workload's rate changes (profile steps; hourly for diurnal).
    RateChange,
}

/// Why the fluid mode cannot run this scenario, if it cannot.
///
/// Supported scripted actions: `instance_crash`, `zone_outage`,
/// `database_primary_failure`, `failover_failure`, `cache_node_loss`,
/// `volume_loss`, `traffic_spike`, `class_surge`, `dependency_outage`.
/// The RDS API actions (`database_reboot`, `database_cluster_failover`,
/// `replica_promotion`) are request level only.
/// Not supported: gray failures and network faults, data faults (I/O
/// stalls, corruption, backups, replication, split brain...),
/// `dns_stale`, `dependency_slow`, control-plane, capacity and spot faults,
/// the instance lifecycle actions (terminate, stop, reboot, host failure),
/// stop conditions, and random failures of load-balancer nodes.
pub fn unsupported(scenario: &ScenarioConfig) -> Option<BindError> {
    if scenario.client.retry_budget.is_some() {
        return Some(BindError {
            pos: None,
            message: "the fluid fidelity cannot run this scenario: a client `retry_budget` depends on which requests fail when, which is simulated at request level only (use --fidelity request)".into(),
        });
    }
    if scenario.goodput.is_some() {
        return Some(BindError {
            pos: None,
            message: "the fluid fidelity cannot run this scenario: `goodput:` needs offered load, attempts and goodput per second, which are simulated at request level only (use --fidelity request)".into(),
        });
    }
    if let Some(stop) = scenario.stop_conditions.first() {
        return Some(refuse(
            &stop.pos,
            "stop conditions need the per-second request stream",
        ));
    }
    for f in &scenario.faults {
        // A failover that fails for a drawn share of databases is left to
        // request level.
        let drawn =
            matches!(f.action, FaultAction::FailoverFailure { probability } if probability < 1.0);
        let ok = !drawn
            && matches!(
                f.action,
                FaultAction::InstanceCrash { .. }
                    | FaultAction::ZoneOutage { .. }
                    | FaultAction::DatabasePrimaryFailure
                    | FaultAction::FailoverFailure { .. }
                    | FaultAction::CacheNodeLoss
                    | FaultAction::VolumeLoss
                    | FaultAction::TrafficSpike { .. }
                    | FaultAction::ClassSurge { .. }
                    | FaultAction::DependencyOutage { .. }
            );
        if !ok {
            return Some(refuse(
                &f.pos,
                &format!(
                    "fault action `{}` is simulated at request level only",
                    f.action.name()
                ),
            ));
        }
    }
    for r in &scenario.random_failures {
        if r.target.kind == Some(TargetKind::LoadBalancer) {
            return Some(refuse(
                &r.target.pos,
                "random failures of load-balancer nodes are simulated at request level only",
            ));
        }
    }
    None
}

/// Why the fluid fidelity cannot run `model`, if it cannot; `--fidelity
/// auto` runs such a model at request level:
/// - Auto Scaling scaling policies need the per-second load the fluid
///   layer does not keep (it holds every group at its desired capacity);
/// - sticky sessions bind users to targets one request at a time (who is
///   pinned where, what a failure re-routes, which sessions lose state),
///   which a rate cannot express;
/// - an overload curve slows service with the backlog, which needs queues;
/// - admission control (queue timeouts, disciplines, rate limits, priority
///   shedding) acts on individual queued requests and their callers.
pub fn unsupported_model(model: &ModelConfig) -> Option<BindError> {
    use crate::config::ComponentKind;
    let refuse = |name: &str, kind: &str, what: &str| {
        BindError {
        pos: None,
        message: format!(
            "the fluid fidelity cannot run this model: {kind} `{name}` has {what}, which are simulated at request level only (use --fidelity request)"
        ),
    }
    };
    model.components.iter().find_map(|c| match &c.kind {
        ComponentKind::Tier(t)
            if t.auto_scaling
                .as_ref()
                .is_some_and(|a| !a.policies.is_empty()) =>
        {
            Some(refuse(&c.name, "tier", "scaling policies"))
        }
        ComponentKind::LoadBalancer(lb) if lb.stickiness.is_some() => {
            Some(refuse(&c.name, "load balancer", "sticky sessions"))
        }
        ComponentKind::Tier(t) if t.overload.is_some() => {
            Some(refuse(&c.name, "tier", "an overload curve"))
        }
        ComponentKind::Database(d) if d.overload.is_some() => {
            Some(refuse(&c.name, "database", "an overload curve"))
        }
        ComponentKind::Tier(t) if t.admission.is_some() => {
            Some(refuse(&c.name, "tier", "admission control (`admission:`)"))
        }
        ComponentKind::Cache(k) if k.keys.is_some() => Some(refuse(
            &c.name,
            "cache",
            "keys (`keys:`: fills, coalescing and leases)",
        )),
        ComponentKind::Database(d) if d.admission.is_some() => Some(refuse(
            &c.name,
            "database",
            "admission control (`admission:`)",
        )),
        _ => None,
    })
    .or_else(|| {
        // Per-hop timeouts and retries multiply attempts and leave zombies
        // in queues: request level only (`model/hop_policy.rs`).
        model.request_classes.iter().find(|c| !c.hops.is_empty()).map(|c| BindError {
            pos: None,
            message: format!(
                "the fluid fidelity cannot run this model: request class `{}` has per-hop timeouts or retries (or a circuit breaker), which are simulated at request level only (use --fidelity request)",
                c.name
            ),
        })
    })
}

fn refuse(pos: &SourcePos, what: &str) -> BindError {
    BindError {
        pos: Some(pos.clone()),
        message: format!(
            "the fluid fidelity cannot run this scenario: {what} (use --fidelity request)"
        ),
    }
}

/// Simulates `model` under `scenario` with `seed` at fluid fidelity: a
/// scenario or model this fidelity cannot run is refused first, then the
/// pair is bound (the request level's checks and messages) and the plan
/// runs.
pub fn run_fluid(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
) -> Result<RunSummary, BindError> {
    if let Some(e) = unsupported(scenario).or_else(|| unsupported_model(model)) {
        return Err(e);
    }
    let plan = crate::bind::bind(model, scenario, seed)?;
    Ok(run_plan(plan, model, scenario, false).0)
}

/// As [`run_fluid`], with the run's infrastructure trace (`trace.rs`): the
/// request level's vocabulary and labels, for the transitions the fluid
/// mode simulates.
pub fn run_fluid_traced(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
) -> Result<(RunSummary, Vec<TraceEvent>), BindError> {
    if let Some(e) = unsupported(scenario).or_else(|| unsupported_model(model)) {
        return Err(e);
    }
    let plan = crate::bind::bind(model, scenario, seed)?;
    Ok(run_plan(plan, model, scenario, true))
}

/// Simulates `model` under `scenario` at fluid fidelity, from the plan
/// `bind` made of them (its seed is the run's).
fn run_plan(
    plan: Plan,
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    traced: bool,
) -> (RunSummary, Vec<TraceEvent>) {
    // The plan's topology and the fault targets it resolved at time 0:
    // both fidelities pick the same targets. Its request-level world is
    // not used here.
    let seed = plan.seed;
    let workload = Workload::new(&scenario.workload, &[1.0], stream(seed, "workload"));
    let mut engine: Engine<FluidEvent> = Engine::new();
    let mut infra = infra::Infra::new(&plan.layout, model, seed);
    if traced {
        infra.trace = Some(Box::new(trace::Tracer::new(&plan.layout)));
    }
    let mut hazards = faults::Hazards::new(
        plan.faults.planned.clone(),
        &scenario.random_failures,
        scenario.failure_budget_zones_down,
        seed,
        &mut infra,
        &mut engine,
    );
    // Targets resolve against the topology at time 0, so resolving them at
    // the start is all the resolving a fluid run does (`fault/resolution.rs`).
    let mut scripted = faults::Scripted::new(&plan.timeline, &plan.faults.start, &mut engine);
    let ctx = context::Ctx::new(&plan.layout, model, scenario);
    let paths = latency::Paths::new(model, &ctx, &mut stream(seed, "fluid/latency"));
    schedule_rate_changes(&scenario.workload.profile, scenario.horizon, &mut engine);

    let horizon = SimTime(scenario.horizon.as_nanos());
    let warmup_s = scenario.warmup.as_secs_f64();
    let target = scenario
        .slo
        .availability
        .unwrap_or(DEFAULT_AVAILABILITY_TARGET);
    let experiment = plan.experiment.clone();
    let mut ledger = ledger::Ledger::new(
        target,
        warmup_s,
        scenario.horizon.as_secs_f64().ceil() as u64,
    );
    let mut book = latency::LatencyBook::default();
    let mut rate = scenario.workload.rate_per_s
        * rate_factor(&workload, &scenario.workload.profile, SimTime::ZERO);
    let mut eval = flow::evaluate(&ctx, &infra, rate);
    let mut peak_pending = engine.pending();
    let mut t = SimTime::ZERO;
    loop {
        if infra.dirty {
            eval = flow::evaluate(&ctx, &infra, rate);
            infra.dirty = false;
        }
        set_write_rates(&ctx, &mut infra, &eval);
        let next = engine.peek_time().map_or(horizon, |x| x.min(horizon));
        fold(&ctx, &eval, &mut ledger, &mut book, t, next, warmup_s);
        if next >= horizon {
            break;
        }
        t = next;
        while let Some(event) = engine.pop_until(next) {
            handle(
                event,
                &plan,
                &workload,
                scenario,
                &mut infra,
                &mut hazards,
                &mut scripted,
                &mut engine,
                &mut rate,
            );
        }
        peak_pending = peak_pending.max(engine.pending());
    }
    ledger.finish();
    let mut summary = summarize(
        model,
        scenario,
        seed,
        &ctx,
        &infra,
        &ledger,
        &book,
        &paths,
        &scripted,
        &hazards,
        &engine,
        peak_pending,
    );
    summary.experiment = experiment;
    let events = infra.trace.take().map_or_else(Vec::new, |t| t.events);
    (summary, events)
}

/// Rate steps of the profile: each step of a `step` profile; every hour
/// for a diurnal one (its hourly mean is taken as the midpoint's rate).
fn schedule_rate_changes(profile: &Profile, horizon: SimDuration, e: &mut Engine<FluidEvent>) {
    match profile {
        Profile::Constant => {}
        Profile::Step { steps } => {
            for (at, _) in steps {
                e.schedule_at(SimTime(at.as_nanos()), FluidEvent::RateChange);
            }
        }
        Profile::Diurnal { .. } => {
            let hour = SimDuration::from_secs(3_600);
            let mut at = hour;
            while at < horizon {
                e.schedule_at(SimTime(at.as_nanos()), FluidEvent::RateChange);
                at = at + hour;
            }
        }
    }
}

fn rate_factor(workload: &Workload, profile: &Profile, t: SimTime) -> f64 {
    match profile {
        Profile::Diurnal { .. } => workload.factor_at(t + SimDuration::from_secs(1_800)),
        _ => workload.factor_at(t),
    }
}

#[allow(clippy::too_many_arguments)]
fn handle(
    event: FluidEvent,
    plan: &Plan,
    workload: &Workload,
    scenario: &ScenarioConfig,
    infra: &mut infra::Infra,
    hazards: &mut faults::Hazards,
    scripted: &mut faults::Scripted,
    e: &mut Engine<FluidEvent>,
    rate: &mut f64,
) {
    use FluidEvent as F;
    match event {
        F::Hazard(h) => hazards.handle(infra, e, h),
        F::FaultStart { fault } => scripted.start(plan, scenario, infra, e, fault as usize),
        F::FaultEnd { fault } => scripted.end(scenario, infra, e, fault as usize),
        F::LbAdmit { server, generation } => infra.on_lb_admit(server, generation),
        F::AsgCheck { tier } => infra.on_asg_check(e, tier as usize),
        F::InstanceLaunched { server, generation } => {
            infra.on_instance_launched(e, server, generation)
        }
        F::HealthCheck { lb, target } => infra.on_health_check(e, lb as usize, target as usize),
        F::HealthCheckResult { lb, target } => {
            infra.on_health_check_result(e, lb as usize, target as usize)
        }
        F::LbNodeDnsBack {
            lb,
            node,
            generation,
        } => infra.on_lb_node_dns_back(e, lb as usize, node as usize, generation),
        F::LbNodeDns {
            lb,
            node,
            generation,
        } => infra.on_lb_node_dns(e, lb as usize, node as usize, generation),
        F::DbFailoverStart { db, epoch } => infra.on_failover_start(e, db as usize, epoch),
        F::DbFailoverDone { db, epoch } => infra.on_failover_done(e, db as usize, epoch),
        F::DbDnsSettled { db, epoch } => infra.on_db_dns_settled(db as usize, epoch),
        F::CacheBack {
            cache,
            node,
            generation,
        } => {
            if infra.caches[cache as usize].nodes[node as usize].generation == generation {
                infra.on_cache_back(e, cache as usize, node as usize, Cause::Crash);
            }
        }
        F::CacheWarm {
            cache,
            node,
            generation,
        } => infra.on_cache_warm(cache as usize, node as usize, generation),
        F::VolumeRestored { volume, generation } => {
            infra.on_volume_restored(e, volume as usize, generation)
        }
        F::RateChange => {
            *rate = scenario.workload.rate_per_s
                * rate_factor(workload, &scenario.workload.profile, e.now());
            infra.dirty = true;
        }
    }
}

/// Successful writes per second reach each database's loss accounting.
fn set_write_rates(ctx: &context::Ctx, infra: &mut infra::Infra, eval: &flow::Evaluation) {
    for db in &mut infra.dbs {
        db.write_rate_per_s = 0.0;
    }
    for (k, class) in ctx.classes.iter().enumerate() {
        if let Some(d) = class.writes_to {
            let o = &eval.classes[k];
            infra.dbs[d].write_rate_per_s += o.rate_per_s * (1.0 - o.request_fail(ctx.attempts));
        }
    }
}

/// Folds the span [from, to) of one state into the books.
fn fold(
    ctx: &context::Ctx,
    eval: &flow::Evaluation,
    ledger: &mut ledger::Ledger,
    book: &mut latency::LatencyBook,
    from: SimTime,
    to: SimTime,
    warmup_s: f64,
) {
    let a = from.as_secs_f64().max(warmup_s);
    let b = to.as_secs_f64();
    if b <= a {
        return;
    }
    let dt = b - a;
    let (mut offered, mut served) = (0.0, 0.0);
    for (k, o) in eval.classes.iter().enumerate() {
        let requests = o.rate_per_s * dt;
        let fail = o.request_fail(ctx.attempts);
        offered += requests;
        served += requests * (1.0 - fail);
        if fail > 0.0 && o.attempt_fail > 0.0 {
            for (c, w) in o.causes.iter().enumerate() {
                ledger.causes[c] += requests * fail * w / o.attempt_fail;
            }
        }
        if ctx.classes[k].writes_to.is_some() {
            ledger.writes_acknowledged += requests * (1.0 - fail);
        }
        book.add(ctx, k, o, dt);
    }
    ledger.offered += offered;
    ledger.served += served;
    ledger.admitted += eval.admitted_per_s * dt;
    ledger.waited += eval.admitted_per_s * dt * eval.wait_probability;
    let rate = offered / dt;
    let fraction = if offered > 0.0 { served / offered } else { 1.0 };
    ledger.span(a, b, rate, fraction);
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
    ctx: &context::Ctx,
    infra: &infra::Infra,
    ledger: &ledger::Ledger,
    book: &latency::LatencyBook,
    paths: &latency::Paths,
    scripted: &faults::Scripted,
    hazards: &faults::Hazards,
    engine: &Engine<FluidEvent>,
    peak_pending: usize,
) -> RunSummary {
    let errors: Vec<u64> = ledger.causes.iter().map(|c| c.round() as u64).collect();
    let failed: u64 = errors.iter().sum();
    let succeeded = ledger.served.round() as u64;
    let requests = RequestCounts {
        total: succeeded + failed,
        succeeded,
        failed,
        degraded: None,
        in_flight_end: 0,
    };
    let horizon_s = scenario.horizon.as_secs_f64();
    let availability = AvailabilitySummary {
        request: if ledger.offered > 0.0 {
            ledger.served / ledger.offered
        } else {
            1.0
        },
        time: if ledger.minutes_total > 0 {
            ledger.minutes_good / ledger.minutes_total as f64
        } else {
            1.0
        },
        longest_outage_s: ledger.longest_outage_s(),
        recoveries: ledger.recoveries(&scripted.watches, horizon_s),
    };
    let writes_acknowledged = ledger.writes_acknowledged.round() as u64;
    let data_loss = DataLossSummary {
        writes_acknowledged,
        writes_lost: (infra.dbs.iter().map(|d| d.writes_lost).sum::<f64>().round() as u64)
            .min(writes_acknowledged),
        rpo_s: infra.dbs.iter().map(|d| d.rpo_s).fold(0.0, f64::max),
    };
    let saturated_wait_s = ctx.timeout_s.unwrap_or(queueing::SATURATED_WAIT_S);
    let (histogram, latency_mean_ms) = book.histogram(paths, saturated_wait_s, ctx.timeout_s);
    let latency_ms = crate::metrics::latency_of(&histogram);
    let errors_by_cause = ErrorCause::ALL
        .iter()
        .filter(|c| c.listed(errors[**c as usize]))
        .map(|c| (c.name().to_string(), errors[*c as usize]))
        .collect();
    let slo = crate::metrics::slo_verdicts(
        &scenario.slo,
        &availability,
        latency_ms.as_ref(),
        &data_loss,
    );
    RunSummary {
        cost: Default::default(),
        timeline: Default::default(),
        sessions: None,
        load: None,
        amplification: None,
        experiment: Default::default(),
        firedrill_version: env!("CARGO_PKG_VERSION").to_string(),
        model: model.name.clone(),
        scenario: scenario.name.clone(),
        seed,
        fidelity: "fluid",
        horizon_s,
        requests,
        availability,
        data_loss,
        latency_ms,
        errors_by_cause,
        slo,
        engine: EngineStats {
            events: engine.events_processed(),
            peak_pending_events: peak_pending as u64,
        },
        detail: RunDetail {
            overrides: Vec::new(),
            timeline: ledger.timeline.clone(),
            latency_histogram: Some(histogram),
            latency_mean_ms,
            queue_wait_probability: if ledger.admitted > 0.0 {
                ledger.waited / ledger.admitted
            } else {
                0.0
            },
            peak_live_requests: 0,
            admission: None,
            writes_conflicting: 0,
            infrastructure: Default::default(),
            random_failures: hazards.stats,
            stopped: None,
            failed_action: None,
        },
    }
}
