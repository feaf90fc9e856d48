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
//! The runs must exercise every part: the test also checks that each kind
//! of transition (failures and repairs, zones, failovers, health flips,
//! DNS, volumes, Auto Scaling launches and terminations) appears in them.

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
    "asg_rebalance",
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
    // Volumes and cache nodes lost by script and at random, which the
    // bundled scenarios do only over longer horizons.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("volumes-and-caches.yaml");
    std::fs::write(
        &extra,
        "name: volumes-and-caches
horizon: 6h
workload: { rate: 5/s }
faults:
  - { id: disk, action: volume_loss, target: { database: db }, at: 20m }
  - { id: cache, action: cache_node_loss, target: { cache: cache }, at: 30m }
random_failures:
  - { target: { kind: volume }, mtbf: 2h }
  - { target: { kind: cache }, mtbf: 3h }
",
    )
    .unwrap();
    scenarios.push(extra);
    let (mut compared, mut records, mut failures) = (0, 0, Vec::new());
    let mut seen: Vec<&'static str> = Vec::new();
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
                let fluid = project(&fluid);
                compared += 1;
                records += request.len();
                for r in &request {
                    if !seen.contains(&r.event) {
                        seen.push(r.event);
                    }
                }
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
    // Every kind arises in these runs but the rarer failover outcomes.
    let rare = [
        "failover_no_candidate",
        "failover_aborted",
        "failover_failed",
    ];
    for kind in INFRASTRUCTURE.iter().filter(|k| !rare.contains(k)) {
        assert!(seen.contains(kind), "no run compared a `{kind}`: {seen:?}");
    }
    assert!(records >= 200, "only {records} infrastructure records");
    assert!(
        failures.is_empty(),
        "{} of {compared} runs differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
