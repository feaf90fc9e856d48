//! Auto Scaling groups as AWS's sample templates use them (issue 17): the
//! grace period and ELB health checks, groups that span subnets, AZ
//! rebalancing, and scaling policies on alarms. Each test states the
//! arithmetic it checks; the "before" figures in the comments are what the
//! same model gave before these behaviours were modelled.

use firedrill::model::auto_scaling::SlotState;
use firedrill::run::{run, Simulation};
use firedrill::spec::{load_model_str, load_scenario_str};
use firedrill::time::{SimDuration, SimTime};

fn at_s(s: u64) -> SimTime {
    SimTime(SimDuration::from_secs(s).as_nanos())
}

/// Launches the group made over the run: each launch bumps its slot's
/// generation.
fn launches(sim: &Simulation) -> u32 {
    let asg = sim.world.tiers()[firedrill::model::id::TierId(0)]
        .asg
        .as_ref()
        .unwrap();
    asg.slots.iter().map(|s| s.generation).sum()
}

/// In-service instances per zone name.
fn placement(sim: &Simulation) -> Vec<(String, u32)> {
    let w = &sim.world;
    let t = &w.tiers()[firedrill::model::id::TierId(0)];
    let asg = t.asg.as_ref().unwrap();
    w.zones()
        .iter()
        .enumerate()
        .map(|(z, zone)| {
            let n = t
                .slots
                .iter()
                .enumerate()
                .filter(|&(k, &s)| {
                    asg.slots[k].state == SlotState::InService && w.servers()[s].zone == z
                })
                .count() as u32;
            (zone.name.clone(), n)
        })
        .collect()
}

const GRACE_ZERO: &str = r#"
name: asg-grace0
zones: [a]
components:
  lb: { kind: load_balancer, preset: aws/alb, targets: web }
  web:
    kind: tier
    preset: aws/m5.large
    per_zone: 1
    concurrency: 32
    service_time: 20ms
    auto_scaling: { preset: aws/asg, health_check: elb, grace_period: GRACE }
requests:
  page: { share: 1, path: [lb, web] }
"#;

const CRASH: &str = r#"
name: crash-web
horizon: 60m
workload: { rate: 50/s }
client: { timeout: 2s }
faults:
  - { id: crash, action: instance_crash, target: { tier: web, select: count(1) }, at: 10m, duration: 5m }
"#;

#[test]
fn grace_period_zero_does_not_terminate_a_replacement_still_in_its_initial_checks() {
    // Before: with grace 0 every replacement was terminated the instant it
    // entered service (its target was not yet healthy): 34 launches in the
    // hour and 16.7 % availability for this one-instance group. The ALB
    // reports a new target `initial` until its first check, and Auto
    // Scaling acts only on `unhealthy`, so one replacement is enough.
    // Crash at 600 s; the next status check (uniform phase in 60 s) finds
    // it; boot (median 30 s) + 60 s warm-up + one passing check (≤ 30 s
    // interval): ≈ 2 min down of 60, availability ≈ 96.7 %; the crash's
    // 5 minutes end on a terminated instance.
    for grace in ["0s", "300s"] {
        let model = load_model_str(&GRACE_ZERO.replace("GRACE", grace), "m.yaml").unwrap();
        let scenario = load_scenario_str(CRASH, "s.yaml").unwrap();
        for seed in 1..=3 {
            let mut sim = Simulation::new(&model, &scenario, seed).unwrap();
            sim.run_until(at_s(3_600));
            assert_eq!(launches(&sim), 1, "grace {grace}, seed {seed}");
            let summary = sim.finish();
            let a = summary.availability.request;
            assert!(a > 0.95, "grace {grace}, seed {seed}: availability {a}");
        }
    }
}

const ONE_OVER_TWO: &str = r#"
# The WordPress Multi-AZ sample's web tier: a group of one instance across
# two subnets (MinSize 1, MaxSize 1... here max 2).
name: asg-one-over-two
zones: [a, b]
components:
  lb: { kind: load_balancer, preset: aws/alb, targets: web, cross_zone: true }
  web:
    kind: tier
    preset: aws/m5.large
    zones: [a, b]
    concurrency: 32
    service_time: 20ms
    auto_scaling: { preset: aws/asg, health_check: elb, desired: DESIRED, min: 1, max: MAX }
requests:
  page: { share: 1, path: [lb, web] }
"#;

const ZONE_A_DARK: &str = r#"
name: zone-a-dark
horizon: 2h
workload: { rate: 50/s }
client: { timeout: 2s }
faults:
  - { id: power, action: zone_outage, target: { zone: a }, at: 10m, duration: 60m }
"#;

fn one_over_two(desired: u32, max: u32) -> firedrill::config::ModelConfig {
    let text = ONE_OVER_TWO
        .replace("DESIRED", &desired.to_string())
        .replace("MAX", &max.to_string());
    load_model_str(&text, "m.yaml").unwrap()
}

#[test]
fn a_group_across_two_subnets_relaunches_in_the_other_zone() {
    // Before: desired was per_zone × zones and replacements launched only
    // in the instance's own zone, so the instance stayed down for the
    // whole hour of zone a's outage: availability 48.9 % over 2 h. Now the
    // status check (≤ 60 s) finds it, the group launches in zone b (boot
    // ≈ 30 s + 60 s warm-up + ≤ 30 s first ALB check): ≈ 2–4 min down of
    // 120, availability ≥ 96 %.
    let model = one_over_two(1, 1);
    let scenario = load_scenario_str(ZONE_A_DARK, "s.yaml").unwrap();
    for seed in 1..=3 {
        let mut sim = Simulation::new(&model, &scenario, seed).unwrap();
        sim.run_until(at_s(60 * 60));
        assert_eq!(
            placement(&sim),
            vec![("a".into(), 0), ("b".into(), 1)],
            "seed {seed}"
        );
        let a = sim.finish().availability.request;
        assert!(a > 0.96, "seed {seed}: availability {a}");
    }
}

#[test]
fn desired_capacity_spreads_over_zones_and_rebalances_after_a_zone_returns() {
    // Desired 4 over [a, b]: 2 + 2. Zone a goes dark at 10 min for an
    // hour: its two instances are replaced in b (4 in b). When a returns
    // at 70 min, AZ rebalancing launches in a first and then terminates in
    // b, one at a time: (1, 3), then (2, 2), each step a launch (≈ 1.5
    // min) apart, all done well before 2 h.
    let model = one_over_two(4, 8);
    let scenario = load_scenario_str(ZONE_A_DARK, "s.yaml").unwrap();
    let mut sim = Simulation::new(&model, &scenario, 1).unwrap();
    sim.run_until(at_s(60));
    assert_eq!(placement(&sim), vec![("a".into(), 2), ("b".into(), 2)]);
    sim.run_until(at_s(60 * 60));
    assert_eq!(placement(&sim), vec![("a".into(), 0), ("b".into(), 4)]);
    sim.run_until(at_s(110 * 60));
    assert_eq!(placement(&sim), vec![("a".into(), 2), ("b".into(), 2)]);
    let asg = sim.world.tiers()[firedrill::model::id::TierId(0)]
        .asg
        .as_ref()
        .unwrap();
    assert_eq!(asg.desired, 4);
}

#[test]
fn an_uneven_desired_capacity_gives_earlier_zones_the_remainder() {
    let text = ONE_OVER_TWO
        .replace("zones: [a, b]\ncomponents", "zones: [a, b, c]\ncomponents")
        .replace("    zones: [a, b]\n", "    zones: [a, b, c]\n")
        .replace("DESIRED", "4")
        .replace("MAX", "8");
    let model = load_model_str(&text, "m.yaml").unwrap();
    let scenario = load_scenario_str(
        "name: quiet\nhorizon: 1m\nworkload: { rate: 10/s }\n",
        "s.yaml",
    )
    .unwrap();
    let mut sim = Simulation::new(&model, &scenario, 1).unwrap();
    sim.run_until(at_s(30));
    assert_eq!(
        placement(&sim),
        vec![("a".into(), 2), ("b".into(), 1), ("c".into(), 1)]
    );
}

/// Two instances of concurrency 4 and a constant 20 ms: each serves at
/// most 4 / 0.02 = 200 req/s. 200 req/s over two = 50 % utilization.
const SCALING: &str = r#"
name: asg-policies
zones: [a, b]
components:
  lb: { kind: load_balancer, preset: aws/alb, targets: web, cross_zone: true }
  web:
    kind: tier
    zones: [a, b]
    per_zone: 1
    concurrency: 4
    queue_limit: 8
    service_time: 20ms
    auto_scaling:
      preset: aws/asg
      min: 2
      max: 10
      launch_time: 30s
      warmup: 30s
      policies: [POLICY]
requests:
  page: { share: 1, path: [lb, web] }
"#;

/// Traffic ×3 (600 req/s) from 10 min to 40 min, 70 min in all.
const SPIKE: &str = r#"
name: spike
horizon: 70m
workload: { rate: 200/s }
client: { timeout: 2s }
faults:
  - { id: spike, action: traffic_spike, factor: 3, at: 10m, duration: 30m }
"#;

fn scaling_model(policy: &str) -> firedrill::config::ModelConfig {
    load_model_str(&SCALING.replace("POLICY", policy), "m.yaml").unwrap()
}

fn desired(sim: &Simulation) -> u32 {
    sim.world.tiers()[firedrill::model::id::TierId(0)]
        .asg
        .as_ref()
        .unwrap()
        .desired
}

#[test]
fn target_tracking_scales_out_proportionally_and_back_in_after_the_spike() {
    // 600 req/s need 3 instances at 100 %, so 6 at the 50 % target. Two
    // saturated instances read 100 %: after 3 one-minute datapoints the
    // group asks for ⌈2 × 100 / 50⌉ = 4, then at 75 % ⌈4 × 75 / 50⌉ = 6,
    // where utilization is 50 % and it stays. After the spike, 200 req/s
    // over 6 is 16.7 %: after 15 datapoints below 45 % it asks for
    // ⌈6 × 16.7 / 50⌉ = 2. Before: no policies, 2 instances throughout and
    // about a third of the spike's requests shed.
    let model = scaling_model("{ type: target_tracking, metric: utilization, target: 50 }");
    let scenario = load_scenario_str(SPIKE, "s.yaml").unwrap();
    let mut sim = Simulation::new(&model, &scenario, 1).unwrap();
    sim.run_until(at_s(9 * 60));
    assert_eq!(desired(&sim), 2);
    sim.run_until(at_s(39 * 60));
    assert_eq!(desired(&sim), 6);
    assert_eq!(
        placement(&sim).iter().map(|(_, n)| n).sum::<u32>(),
        6,
        "all six in service"
    );
    sim.run_until(at_s(70 * 60));
    assert_eq!(desired(&sim), 2);
    let with_policy = sim.finish().availability.request;

    let fixed =
        load_model_str(&SCALING.replace("      policies: [POLICY]\n", ""), "m.yaml").unwrap();
    let without = run(&fixed, &scenario, 1).unwrap().availability.request;
    // Without scaling, 400 of the spike's 600 req/s are served for 30 of
    // 70 minutes: availability ≈ 1 − (200 × 1800) / (200 × 4200 + 400 ×
    // 1800) ≈ 77 %.
    assert!(without < 0.85, "without policies: {without}");
    // With it, the group runs short for the 3 one-minute datapoints before
    // the alarm and the ≈ 1–2 min the launches take: about 4.5 min of 200
    // req/s shed, 54,000 of 1,560,000 requests, ≈ 96.5 %.
    assert!(with_policy > 0.95, "with target tracking: {with_policy}");
}

#[test]
fn step_scaling_applies_the_step_the_breach_falls_in_once() {
    // Alarm: average utilization ≥ 70 % for 2 one-minute periods. Two
    // saturated instances read 100 %: breach 30 falls in [15, ∞) → +3 = 5.
    // At 5 instances utilization is 60 %: no further breach. The breach
    // persists for a minute or two while the three launch (warm-up 300 s),
    // and the step is not applied again.
    let model = scaling_model(
        "{ type: step, alarm: { metric: utilization, period: 60s, evaluation_periods: 2, threshold: 70 }, steps: [{ lower: 0, upper: 15, change: 1 }, { lower: 15, change: 3 }] }",
    );
    let scenario = load_scenario_str(SPIKE, "s.yaml").unwrap();
    let mut sim = Simulation::new(&model, &scenario, 1).unwrap();
    sim.run_until(at_s(39 * 60));
    assert_eq!(desired(&sim), 5);
}

#[test]
fn simple_scaling_waits_its_cooldown_between_adjustments() {
    // +1 per action, cooldown 300 s. At 100 % the alarm (≥ 70 %, one
    // period) fires at the first datapoint of the spike (the period 600–660
    // s): 3; five minutes later (960 s) 3 instances read 100 % → 4; at
    // 1,260 s, 75 % → 5; then 60 %, and the alarm clears. So 5 at 39 min,
    // and still 3 just before the cooldown ends.
    let model = scaling_model(
        "{ type: simple, alarm: { metric: utilization, threshold: 70 }, change: 1, cooldown: 300s }",
    );
    let scenario = load_scenario_str(SPIKE, "s.yaml").unwrap();
    let mut sim = Simulation::new(&model, &scenario, 1).unwrap();
    sim.run_until(at_s(659));
    assert_eq!(desired(&sim), 2, "the first datapoint has not closed");
    sim.run_until(at_s(661));
    assert_eq!(desired(&sim), 3, "one action at the first datapoint");
    sim.run_until(at_s(959));
    assert_eq!(desired(&sim), 3, "still cooling down");
    sim.run_until(at_s(39 * 60));
    assert_eq!(desired(&sim), 5);
}

#[test]
fn policies_are_refused_under_fluid_and_auto_stays_at_request_level() {
    use firedrill::run::{run_with, Fidelity};
    let model = scaling_model("{ type: target_tracking, metric: utilization, target: 50 }");
    let mut scenario = load_scenario_str(SPIKE, "s.yaml").unwrap();
    let err = run_with(&model, &scenario, 1, Fidelity::Fluid).unwrap_err();
    assert!(err.message.contains("scaling policies"), "{err}");
    scenario.horizon = SimDuration::from_secs(8 * 86_400);
    assert_eq!(
        Fidelity::Auto.resolve_for(&model, &scenario),
        Fidelity::Request
    );
}

#[test]
fn bad_group_sizes_and_policies_name_line_and_column() {
    let cases: [(&str, &str, &str); 6] = [
        ("desired: DESIRED, min: 1", "desired: 3, min: 4", "min ≤ desired ≤ max"),
        ("policies: [POLICY]", "policies: [{ type: magic }]", "unknown policy type"),
        (
            "policies: [POLICY]",
            "policies: [{ type: target_tracking, metric: utilization, target: 150 }]",
            "0 to 100",
        ),
        (
            "policies: [POLICY]",
            "policies: [{ type: simple, alarm: { metric: utilization, threshold: 70 } }]",
            "exactly one adjustment",
        ),
        (
            "policies: [POLICY]",
            "policies: [{ type: target_tracking, metric: utilization, target: 50, cooldown: 60s }]",
            "does not use `cooldown`",
        ),
        (
            "policies: [POLICY]",
            "policies: [{ type: step, alarm: { metric: utilization, threshold: 70 }, steps: [{ lower: 0, change: 1 }, { lower: 10, change: 2 }] }]",
            "steps overlap",
        ),
    ];
    for (from, to, expected) in cases {
        let base = if from.starts_with("desired") {
            ONE_OVER_TWO.replace("MAX", "8")
        } else {
            SCALING.to_string()
        };
        let text = base.replace(from, to);
        let err = load_model_str(&text, "m.yaml").unwrap_err().to_string();
        assert!(err.contains(expected), "{to}: {err}");
        assert!(err.starts_with("m.yaml:"), "{err}");
    }
    // per_zone and desired together.
    let text = ONE_OVER_TWO
        .replace(
            "    concurrency: 32\n",
            "    concurrency: 32\n    per_zone: 1\n",
        )
        .replace("DESIRED", "2")
        .replace("MAX", "4");
    let err = load_model_str(&text, "m.yaml").unwrap_err().to_string();
    assert!(err.contains("not both"), "{err}");
}
