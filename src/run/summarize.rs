//! Turns a finished world into its run summary.

use std::collections::BTreeMap;

use crate::config::{ModelConfig, ScenarioConfig};
use crate::metrics::{
    AvailabilitySummary, DataLossSummary, EngineStats, ErrorCause, RequestCounts, RunDetail,
    RunSummary,
};
use crate::model::world::ServerRole;
use crate::model::World;

pub fn summarize(
    world: &World,
    model: &ModelConfig,
    scenario: &ScenarioConfig,
    seed: u64,
) -> RunSummary {
    let r = &world.recorder;
    let degraded_fallback = model.request_classes.iter().any(|c| {
        c.hops.iter().any(|h| {
            h.breaker
                .as_ref()
                .is_some_and(|b| b.fallback == crate::config::Fallback::Degraded)
        })
    });
    let requests = RequestCounts {
        total: r.total,
        succeeded: r.succeeded,
        failed: r.failed,
        degraded: degraded_fallback.then_some(r.degraded),
        in_flight_end: r.total - r.succeeded - r.failed - r.degraded,
    };
    let answered = r.succeeded + r.degraded;
    let finished = answered + r.failed;
    let availability = AvailabilitySummary {
        request: if finished > 0 {
            answered as f64 / finished as f64
        } else if r.total > 0 {
            0.0
        } else {
            1.0
        },
        time: if r.minutes_total > 0 {
            r.minutes_good as f64 / r.minutes_total as f64
        } else {
            1.0
        },
        longest_outage_s: r.longest_outage_s as f64,
        recoveries: r.recoveries(),
    };
    let mut data_loss = DataLossSummary::default();
    for db in &world.dbs {
        data_loss.writes_acknowledged += db.log.acked_total;
        data_loss.writes_lost += db.log.lost_total;
        data_loss.rpo_s = data_loss.rpo_s.max(db.log.rpo_max.as_secs_f64());
    }
    let latency_ms = r.latency();
    let errors_by_cause: BTreeMap<String, u64> = ErrorCause::ALL
        .iter()
        .filter(|c| c.listed(r.errors[**c as usize]))
        .map(|c| (c.name().to_string(), r.errors[*c as usize]))
        .collect();
    let slo = crate::metrics::slo_verdicts(
        &scenario.slo,
        &availability,
        latency_ms.as_ref(),
        &data_loss,
    );
    let (admitted, waited) = world
        .servers
        .iter()
        .zip(&world.server_roles)
        .filter(|(_, role)| matches!(role, ServerRole::Instance { .. }))
        .fold((0u64, 0u64), |(a, w), (s, _)| {
            (a + s.admitted, w + s.admitted_after_wait)
        });
    RunSummary {
        firedrill_version: env!("CARGO_PKG_VERSION").to_string(),
        model: model.name.clone(),
        scenario: scenario.name.clone(),
        seed,
        fidelity: "request",
        horizon_s: scenario.horizon.as_secs_f64(),
        requests,
        availability,
        data_loss,
        latency_ms,
        errors_by_cause,
        slo,
        cost: crate::cost::monthly(model, Some(scenario)),
        experiment: r
            .experiment
            .summary(r.stop_tripped().map(|s| (s.description.as_str(), s.at_s))),
        timeline: scenario_timeline(scenario),
        sessions: world.sessions.as_deref().map(|table| {
            let c = table.counts;
            crate::metrics::SessionSummary {
                users: u64::from(scenario.workload.clients.max(1)),
                started: c.started,
                non_sticky_requests: c.non_sticky_requests,
                rerouted: c.rerouted,
                lost_state: c.lost_state_target_failed + c.lost_state_cookie_expired,
                lost_state_target_failed: c.lost_state_target_failed,
                lost_state_cookie_expired: c.lost_state_cookie_expired,
            }
        }),
        load: r.load_summary().cloned(),
        amplification: world.hops.as_deref().map(|h| h.amplification.summary()),
        engine: EngineStats {
            events: world.engine.events_processed(),
            peak_pending_events: world.peak_pending_events as u64,
        },
        detail: RunDetail {
            latency_histogram: Some(r.latency_histogram().clone()),
            latency_mean_ms: r.latency_mean_ms(),
            queue_wait_probability: if admitted > 0 {
                waited as f64 / admitted as f64
            } else {
                0.0
            },
            peak_live_requests: world.requests.capacity_used() as u64,
            admission: crate::model::admission::summed(world.servers.iter()),
            writes_conflicting: world.dbs.iter().map(|d| d.log.conflicting_total).sum(),
            infrastructure: world.infra_time.summary(world.horizon),
            random_failures: world.random_stats,
            stopped: r.stop_tripped().cloned(),
            failed_action: r.failed_action().cloned(),
            timeline: r.timeline().clone(),
            overrides: Vec::new(),
        },
    }
}

/// The scenario's wall-clock start and named phases, for the reports.
pub fn scenario_timeline(scenario: &ScenarioConfig) -> crate::metrics::ScenarioTimeline {
    crate::metrics::ScenarioTimeline {
        start: scenario.start,
        phases: scenario
            .phases
            .iter()
            .map(|p| crate::metrics::PhaseMark {
                name: p.name.clone(),
                at_s: p.at.as_secs_f64(),
                at: p.at,
            })
            .collect(),
    }
}
