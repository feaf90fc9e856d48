//! `firedrill explain`: the resolved fault timeline, without running.

use std::process::Output;

use assert_cmd::Command;

const MODEL: &str = "models/three-tier-web.yaml";

const SCENARIO: &str = "\
name: explained
horizon: 2h
seed: 4
workload: { rate: 10/s }
faults:
  - { id: crash, action: instance_crash, target: { tier: web, select: count(2) }, at: 10m, duration: 5m }
  - { id: dark, action: zone_outage, target: { zone: b }, after: crash, delay: 1m, duration: 30m }
  - { id: db, action: database_primary_failure, target: { database: db }, after: dark }
  - { id: late, action: instance_crash, target: { tier: web }, after: db }
random_failures:
  - { target: { tier: web }, mtbf: 1000h, mttr: 1h, burst: { probability: 0.37, neighbours: 2, within: 120s } }
  - { target: { kind: zone }, mtbf: 8760h, distribution: { lognormal: { sigma: 1.0 } }, mttr: { lognormal: { mean: 4h, sigma: 1.0 } } }
failure_budget: { zones_down: 1 }
stop_conditions:
  - { metric: availability, below: 95%, window: 1m }
";

fn explain(scenario: &str, seed: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, scenario).unwrap();
    let mut args = vec![
        "explain".to_string(),
        path.display().to_string(),
        "--model".into(),
        MODEL.into(),
    ];
    args.extend(seed.iter().map(|s| s.to_string()));
    Command::cargo_bin("firedrill")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn explain_resolves_after_chains_targets_and_random_processes() {
    let out = explain(SCENARIO, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = text(&out);
    eprintln!("{t}");
    assert!(t.contains("seed 4"));
    // crash 10m–15m; dark starts 15m + 1m = 16m, ends 46m; db follows dark
    // at 46m and ends on its own restart, so `late` never starts.
    assert!(t.contains("10m  instance_crash             crash            until 15m (5m)"));
    assert!(t.contains("16m  zone_outage                dark             until 46m (30m)"));
    assert!(t.contains("46m  database_primary_failure   db               until its own recovery"));
    assert!(t.contains("never starts  instance_crash             late"));
    assert!(t.contains("targets: zone b"));
    assert!(t.contains("targets: db/node-1 (primary)"));
    // count(2) of the 6 web instances: exactly two labels on the line.
    let crash_targets = t
        .lines()
        .skip_while(|l| !l.contains(" crash "))
        .nth(1)
        .unwrap();
    assert_eq!(crash_targets.matches("web/").count(), 2, "{crash_targets}");
    // 6 instances × 2 h / 1001 h = 0.01 expected failures; 3 zones ×
    // 2 h / (8760 h + 4 h) ≈ 0.00068.
    assert!(t.contains(
        "#1  6 target(s), MTBF 41.67d, MTTR 1h, expected failures over the horizon: 0.01"
    ));
    assert!(t.contains("#2  3 target(s), MTBF 365d, MTTR 4h"));
    assert!(t.contains("targets: zone a, zone b, zone c"));
}

#[test]
fn explain_is_deterministic_and_seeds_change_the_selection() {
    let a = text(&explain(SCENARIO, &["--seed", "11"]));
    let b = text(&explain(SCENARIO, &["--seed", "11"]));
    assert_eq!(a, b);
    let crash_targets = |t: &str| {
        t.lines()
            .skip_while(|l| !l.contains(" crash "))
            .nth(1)
            .unwrap()
            .to_string()
    };
    let picks: std::collections::BTreeSet<String> = (1..=8)
        .map(|s| crash_targets(&text(&explain(SCENARIO, &["--seed", &s.to_string()]))))
        .collect();
    assert!(picks.len() > 1, "eight seeds all picked {picks:?}");
}

#[test]
fn explain_shows_the_targets_a_run_crashes() {
    // Run and explain share the selection code and the stream
    // `fault/<id>`: the instances explained are the ones down in a run
    // just after the crash starts (10 min), for every seed tried.
    use firedrill::run::{explain, Simulation};
    use firedrill::time::SimTime;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, SCENARIO).unwrap();
    let scenario = firedrill::spec::load_scenario(&path).unwrap();
    let model =
        firedrill::spec::load_model(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(MODEL))
            .unwrap();
    for seed in 1..=6 {
        let explained = explain(&model, &scenario, seed).unwrap().scripted[0]
            .targets
            .clone();
        let mut sim = Simulation::new(&model, &scenario, seed).unwrap();
        sim.run_until(SimTime(601 * 1_000_000_000));
        let w = &sim.world;
        let web = w.tiers().iter().find(|t| t.name == "web").unwrap();
        let down: Vec<String> = web
            .servers
            .iter()
            .enumerate()
            .filter(|(_, &s)| !w.servers()[s].node.is_up())
            .map(|(k, &s)| format!("web/{}#{}", w.zones()[w.servers()[s].zone].name, k + 1))
            .collect();
        assert_eq!(explained, down, "seed {seed}");
    }
}

#[test]
fn explain_refuses_a_scenario_that_does_not_fit() {
    let bad = SCENARIO.replace("zone: b }", "zone: q }");
    let out = explain(&bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("zone `q`"));
}

/// Issue 19 (7): a fault whose end falls past the horizon runs to the end
/// of the run; explain used to print "until 36500.02d" on a 30 m horizon.
#[test]
fn an_end_past_the_horizon_is_the_end_of_the_run() {
    let scenario = "\
name: short
horizon: 30m
workload: { rate: 10/s }
faults:
  - { id: long, action: instance_crash, target: { tier: web }, at: 10m, duration: 36500d }
  - { id: short, action: instance_crash, target: { tier: web }, at: 1m, duration: 5m }
";
    let out = explain(scenario, &[]);
    let t = text(&out);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let long = t.lines().find(|l| l.contains("long")).unwrap();
    assert!(
        long.contains("to the end of the run (it would end at 36500.01d, past the horizon)"),
        "{long}"
    );
    let short = t
        .lines()
        .find(|l| l.contains("instance_crash") && l.contains(" short "))
        .unwrap();
    assert!(short.contains("until"), "{short}");
}
