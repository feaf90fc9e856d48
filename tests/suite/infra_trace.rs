//! One infrastructure, two traffic models: for the same seed, the request
//! level and the fluid mode produce the same infrastructure trace
//! (failures, repairs, zone events, node transitions, failovers, volume
//! losses and restores, Auto Scaling replacements, load-balancer views and
//! DNS), on every bundled model × scenario the fluid mode runs.
//!
//! Records are compared on time (to the nanosecond), event, component,
//! zone, cause and the node they name (the detail's first word): the
//! details' wording may say more at request level (lags, targets).
//!
//! Not yet shared: Auto Scaling. The request level runs one status check
//! per group every 60 s (with grace periods, zone rebalancing and paced
//! fills); the fluid mode still replaces each failed instance on its own
//! drawn delay (`fluid/auto_scaling.rs`). For a model with an Auto Scaling
//! group the traces are compared up to the group's first action (every
//! failure, health flip and failover before it), and the test counts how
//! many runs that leaves partial so the gap stays visible.

use std::sync::{Arc, Mutex};

use firedrill::config::{ModelConfig, ScenarioConfig};
use firedrill::fluid::{run_fluid_traced, unsupported, unsupported_model};
use firedrill::metrics::trace::{TraceEvent, TraceSink};
use firedrill::run::Simulation;
use firedrill::spec::{load_model, load_scenario};

use crate::common::yaml_files;

/// The events both fidelities simulate: everything about the
/// infrastructure, nothing about requests.
const INFRASTRUCTURE: &[&str] = &[
    "fault_start",
    "fault_end",
    "random_failure",
    "random_repair",
    "burst_failure",
    "burst_repair",
    "zone_dark",
    "zone_restored",
    "node_down",
    "node_up",
    "target_unhealthy",
    "target_healthy",
    "lb_dns_removed",
    "lb_dns_added",
    "failover_started",
    "failover_detected",
    "failover_no_candidate",
    "failover_aborted",
    "failover_failed",
    "failover_promoted",
    "volume_lost",
    "volume_restored",
    "asg_launch",
    "asg_in_service",
    "asg_terminate",
];

#[derive(Debug, PartialEq)]
struct Record {
    at_ns: u64,
    event: &'static str,
    component: String,
    zone: Option<String>,
    cause: String,
    subject: String,
}

fn project(events: &[TraceEvent]) -> Vec<Record> {
    events
        .iter()
        .filter(|e| INFRASTRUCTURE.contains(&e.event))
        .map(|e| Record {
            at_ns: e.at.as_nanos(),
            event: e.event,
            component: e.component.clone(),
            zone: e.zone.clone(),
            cause: e.cause.clone(),
            subject: e.detail.split(' ').next().unwrap_or("").to_string(),
        })
        .collect()
}

struct Shared(Arc<Mutex<Vec<TraceEvent>>>);

impl TraceSink for Shared {
    fn record(&mut self, event: TraceEvent) {
        self.0.lock().unwrap().push(event);
    }
}

/// The request level's trace, if the scenario fits the model.
fn request_trace(m: &ModelConfig, s: &ScenarioConfig, seed: u64) -> Option<Vec<TraceEvent>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut sim = Simulation::new(m, s, seed).ok()?;
    sim.start_replay(Box::new(Shared(events.clone())));
    let _ = sim.finish();
    let out = std::mem::take(&mut *events.lock().unwrap());
    Some(out)
}

/// The first record where the traces part, with the records around it.
fn first_difference(r: &[Record], f: &[Record]) -> Option<String> {
    let k = r
        .iter()
        .zip(f)
        .position(|(a, b)| a != b)
        .or_else(|| (r.len() != f.len()).then_some(r.len().min(f.len())))?;
    let from = k.saturating_sub(2);
    Some(format!(
        "record {k} of {} (request) / {} (fluid)\n  request: {:#?}\n  fluid:   {:#?}",
        r.len(),
        f.len(),
        &r[from..(k + 3).min(r.len())],
        &f[from..(k + 3).min(f.len())],
    ))
}

#[test]
fn both_fidelities_produce_the_same_infrastructure_trace() {
    let mut scenarios = yaml_files("scenarios");
    scenarios.extend(yaml_files("scenarios/incidents"));
    let (mut compared, mut records, mut partial, mut failures) = (0, 0, 0, Vec::new());
    for model in yaml_files("models") {
        let m = load_model(&model).unwrap();
        if unsupported_model(&m).is_some() {
            continue;
        }
        for scenario in &scenarios {
            let mut s = load_scenario(scenario).unwrap();
            if unsupported(&s).is_some() {
                continue;
            }
            // Traffic draws from none of the infrastructure's streams: a
            // light rate keeps the request level fast.
            s.workload.rate_per_s = s.workload.rate_per_s.min(0.5);
            s.horizon = s
                .horizon
                .min(firedrill::time::SimDuration::from_secs(30 * 86_400));
            for seed in 1..=2 {
                let Some(request) = request_trace(&m, &s, seed) else {
                    continue; // the scenario names what the model lacks
                };
                let request = project(&request);
                let (_, fluid) = run_fluid_traced(&m, &s, seed).unwrap();
                let mut fluid = project(&fluid);
                let mut request = request;
                if let Some(k) = request.iter().position(|r| r.event.starts_with("asg_")) {
                    // Up to the group's first action (see the module docs).
                    let at = request[k].at_ns;
                    request.retain(|r| r.at_ns < at);
                    fluid.retain(|r| r.at_ns < at);
                    partial += 1;
                }
                compared += 1;
                records += request.len();
                if let Some(d) = first_difference(&request, &fluid) {
                    failures.push(format!(
                        "{} × {}, seed {seed}: {d}",
                        model.file_name().unwrap().to_string_lossy(),
                        scenario.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    assert!(compared >= 50, "only {compared} runs compared");
    // Auto Scaling is the one part not shared yet: three-tier-web's runs.
    assert!(
        partial <= 10,
        "{partial} runs compared only up to Auto Scaling"
    );
    assert!(records >= 200, "only {records} infrastructure records");
    assert!(
        failures.is_empty(),
        "{} of {compared} runs differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
