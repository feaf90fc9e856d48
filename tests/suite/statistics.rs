//! Long-horizon statistics of random failure processes, measured on the
//! infrastructure time (node up-time folded on transitions) with no
//! workload, against closed forms. Each test states its arithmetic and
//! tolerance; `cargo test --release --test suite statistics:: -- --nocapture`
//! prints what was measured.

use crate::common;

use common::*;
use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::metrics::{NodeKind, RunSummary};
use firedrill::run::run;
use firedrill::time::SimDuration;

const HOUR_S: u64 = 3_600;

fn hours(h: u64) -> SimDuration {
    SimDuration::from_secs(h * HOUR_S)
}

/// One tier `web` of `per_zone` instances in each of `zones` zones.
fn tier_model(zones: usize, per_zone: u32, volume: Option<VolumeConfig>) -> ModelConfig {
    let names: Vec<String> = (0..zones).map(|z| format!("z{z}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut web = tier((0..zones).collect(), per_zone, 1, Dist::Constant(ms(1)));
    if let ComponentKind::Tier(t) = &mut web {
        t.volume = volume;
    }
    model(
        &names,
        vec![component("web", web)],
        vec![class("r", 1.0, &[(0, Op::Serve)])],
    )
}

fn process(kind: TargetKind, ttf: Option<Dist>, ttr: Option<Dist>) -> RandomFailureConfig {
    let mut target = target(None, None);
    target.kind = Some(kind);
    RandomFailureConfig {
        target,
        time_to_failure: ttf,
        time_to_repair: ttr,
        mode: if kind == TargetKind::Zone {
            DownMode::Blackhole
        } else {
            DownMode::Refuse
        },
        burst: None,
    }
}

/// Runs `seeds` seeds with no workload.
fn sweep(m: &ModelConfig, s: &ScenarioConfig, seeds: u64) -> Vec<RunSummary> {
    (1..=seeds).map(|seed| run(m, s, seed).unwrap()).collect()
}

/// Pools a per-run fraction over runs of equal horizon.
fn pooled(runs: &[RunSummary], f: impl Fn(&RunSummary) -> f64) -> f64 {
    runs.iter().map(f).sum::<f64>() / runs.len() as f64
}

#[test]
fn single_instance_time_availability_is_mtbf_over_mtbf_plus_mttr() {
    // A = 1000 / 1001 = 0.999000999. SimTime holds 584 years, so 10^7 h
    // is 10 seeds × 10^6 h. About 10^4 failures: the down fraction's sd is
    // ≈ 1e-3 · sqrt(2 / 10^4) = 1.4e-5, so 1e-4 is 7 sd.
    let m = tier_model(1, 1, None);
    let mut s = scenario(hours(1_000_000), 0.0);
    s.random_failures.push(process(
        TargetKind::Instance,
        Some(Dist::exponential(hours(1_000))),
        Some(Dist::exponential(hours(1))),
    ));
    let runs = sweep(&m, &s, 10);
    let a = pooled(&runs, |r| {
        r.detail.infrastructure.tier("web").unwrap().at_least(1)
    });
    let expected = 1_000.0 / 1_001.0;
    eprintln!("single instance over 1e7 h: time availability {a:.6} (expected {expected:.6})");
    assert!((a - expected).abs() < 1e-4, "{a}");
    let kind = pooled(&runs, |r| {
        r.detail.infrastructure.kind(NodeKind::Instance).up_fraction
    });
    assert!(
        (kind - a).abs() < 1e-12,
        "one instance: kind and tier agree"
    );
}

#[test]
fn three_instances_at_99_percent_have_two_up_with_the_binomial_probability() {
    // p = 99 / (99 + 1) = 0.99; P(≥ 2 of 3 up) = p³ + 3p²(1-p)
    // = 0.970299 + 0.029403 = 0.999702. 10^7 h, ≈ 3·10^5 failures.
    let m = tier_model(3, 1, None);
    let mut s = scenario(hours(1_000_000), 0.0);
    s.random_failures.push(process(
        TargetKind::Instance,
        Some(Dist::exponential(hours(99))),
        Some(Dist::exponential(hours(1))),
    ));
    let runs = sweep(&m, &s, 10);
    let two = pooled(&runs, |r| {
        r.detail.infrastructure.tier("web").unwrap().at_least(2)
    });
    let each = pooled(&runs, |r| {
        r.detail.infrastructure.kind(NodeKind::Instance).up_fraction
    });
    eprintln!("3 instances at 99 %: P(>= 2 up) {two:.6} (expected 0.999702), per node {each:.5}");
    assert!((two - 0.999702).abs() < 1e-4, "{two}");
    assert!((each - 0.99).abs() < 5e-4, "{each}");
}

#[test]
fn hundred_volumes_at_0_2_percent_afr_lose_one_in_18_percent_of_years() {
    // P(at least one of 100 lost in a year) = 1 - 0.998^100 = 0.18143.
    // 4,000 seeds: sd = sqrt(0.181 · 0.819 / 4000) = 0.61 pp; ± 2 pp.
    let volume = VolumeConfig {
        volume_type: None,
        size_gb: 100,
        snapshot_every: None,
        snapshot_duration: SnapshotTime::Fixed(Dist::Constant(secs(60))),
        restore_time: Dist::Constant(hours(1)),
        annual_failure_rate: 0.002,
    };
    let m = tier_model(1, 100, Some(volume));
    let mut s = scenario(hours(365 * 24), 0.0);
    s.random_failures
        .push(process(TargetKind::Volume, None, None));
    let seeds = 4_000u64;
    let lost = (1..=seeds)
        .filter(|&seed| run(&m, &s, seed).unwrap().detail.random_failures.failures > 0)
        .count();
    let fraction = lost as f64 / seeds as f64;
    let expected = 1.0 - 0.998f64.powi(100);
    eprintln!("100 volumes, AFR 0.2 %, 1 year: {fraction:.4} of {seeds} runs lost one (expected {expected:.4})");
    assert!((fraction - expected).abs() < 0.02, "{fraction}");
}

/// Mean failure count and mean repair time over seeds, checked by z-tests.
fn check_counts_and_repairs(name: &str, ttf: Dist, ttr: Dist, repair_cv: f64) {
    // One instance, T = 10^5 h: a renewal process with mean cycle
    // MTBF + MTTR = 101 h fails E[N] ≈ T / 101 = 990.1 times (the renewal
    // correction (CV² - 1) / 2 is under 1). The sd of the seed mean comes
    // from the sample; |z| < 4.
    let m = tier_model(1, 1, None);
    let mut s = scenario(hours(100_000), 0.0);
    s.random_failures
        .push(process(TargetKind::Instance, Some(ttf), Some(ttr)));
    let runs = sweep(&m, &s, 100);
    let counts: Vec<f64> = runs
        .iter()
        .map(|r| r.detail.random_failures.failures as f64)
        .collect();
    let n = counts.len() as f64;
    let mean = counts.iter().sum::<f64>() / n;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let expected = 100_000.0 / 101.0;
    let z = (mean - expected) / (var / n).sqrt();
    // Mean repair: sd of the mean = 3600 s · CV / sqrt(total repairs).
    let total: f64 = counts.iter().sum();
    let repair_sum: f64 = runs
        .iter()
        .map(|r| r.detail.random_failures.repair_s_sum)
        .sum();
    let repair_mean = repair_sum / total;
    let repair_z = (repair_mean - 3_600.0) / (3_600.0 * repair_cv / total.sqrt());
    eprintln!(
        "{name}: failures per run {mean:.1} (expected {expected:.1}, z {z:.2}), \
         mean repair {repair_mean:.0} s (expected 3600, z {repair_z:.2})"
    );
    assert!(z.abs() < 4.0, "{name}: failure count z = {z}");
    assert!(repair_z.abs() < 4.0, "{name}: repair z = {repair_z}");
}

#[test]
fn failure_counts_and_repair_times_match_their_parameters() {
    check_counts_and_repairs(
        "exponential MTBF 100 h, MTTR 1 h",
        Dist::exponential(hours(100)),
        Dist::exponential(hours(1)),
        1.0,
    );
    // Lognormal repairs with sigma 1: CV = sqrt(e^1 - 1) = 1.311.
    check_counts_and_repairs(
        "Weibull k = 0.7 MTBF 100 h, lognormal MTTR 1 h",
        Dist::weibull_from_mean(0.7, hours(100)),
        Dist::lognormal_from_mean(hours(1), 1.0),
        (std::f64::consts::E - 1.0).sqrt(),
    );
    check_counts_and_repairs(
        "lognormal sigma 1 MTBF 100 h, exponential MTTR 1 h",
        Dist::lognormal_from_mean(hours(100), 1.0),
        Dist::exponential(hours(1)),
        1.0,
    );
}

#[test]
fn bursts_take_neighbours_down_at_the_configured_fraction() {
    // 4 instances in one zone, MTBF 1000 h, MTTR 1 h, bursts p = 0.37 with
    // k = 2 neighbours within 120 s (Ford et al. 2010).
    // - Fraction of failures that burst: 0.37; ≈ 16,000 failures give an
    //   sd of 0.0038: ± 0.015.
    // - Each node is also hit by its neighbours' bursts: by symmetry at
    //   λ·p·k, so its down rate is λ(1 + 0.74) and its down fraction
    //   ≈ 1.74e-3 (overlaps make it slightly less): ± 5 %.
    // - Two or more down: independent failures give ≈ 6·(1e-3)² = 6e-6;
    //   a burst keeps ≥ 2 of its 3 nodes down for the second-longest of
    //   three 1 h repairs, 1/3 + 1/2 = 0.83 h, at a rate 4·0.37e-3/h:
    //   ≈ 1.2e-3 (± 30 %: delays and overlaps).
    let m = tier_model(1, 4, None);
    let mut s = scenario(hours(1_000_000), 0.0);
    let mut p = process(
        TargetKind::Instance,
        Some(Dist::exponential(hours(1_000))),
        Some(Dist::exponential(hours(1))),
    );
    p.burst = Some(BurstConfig {
        probability: 0.37,
        neighbours: 2,
        within: secs(120),
    });
    s.random_failures.push(p);
    let runs = sweep(&m, &s, 4);
    let failures: u64 = runs.iter().map(|r| r.detail.random_failures.failures).sum();
    let bursts: u64 = runs.iter().map(|r| r.detail.random_failures.bursts).sum();
    let neighbours: u64 = runs
        .iter()
        .map(|r| r.detail.random_failures.burst_neighbours)
        .sum();
    let fraction = bursts as f64 / failures as f64;
    let down = 1.0
        - pooled(&runs, |r| {
            r.detail.infrastructure.kind(NodeKind::Instance).up_fraction
        });
    let two_down = 1.0
        - pooled(&runs, |r| {
            r.detail.infrastructure.tier("web").unwrap().at_least(3)
        });
    eprintln!(
        "bursts: {fraction:.4} of {failures} failures (expected 0.37), {neighbours} neighbours; \
         node down {down:.6} (expected ≈ 0.001737); >= 2 down {two_down:.6} (≈ 1.2e-3)"
    );
    assert!((fraction - 0.37).abs() < 0.015, "{fraction}");
    assert_eq!(neighbours, 2 * bursts);
    assert!((down - 0.001737).abs() < 0.05 * 0.001737, "{down}");
    assert!((0.8e-3..1.6e-3).contains(&two_down), "{two_down}");
}

#[test]
fn the_failure_budget_keeps_random_zone_events_to_one_zone_at_a_time() {
    // 3 zones with one instance each; every zone fails every 1000 h on
    // average for a lognormal 10 h (sigma 1). Without a budget two zones
    // overlap about 3 · (10/1010)² of the time ≈ 3e-4; with the default
    // budget (1) never: the tier never has fewer than 2 of 3 up, and the
    // events that would overlap (≈ 2 % of them) are skipped.
    let m = tier_model(3, 1, None);
    let mut s = scenario(hours(1_000_000), 0.0);
    s.random_failures.push(process(
        TargetKind::Zone,
        Some(Dist::exponential(hours(1_000))),
        Some(Dist::lognormal_from_mean(hours(10), 1.0)),
    ));
    let limited = run(&m, &s, 7).unwrap();
    s.failure_budget_zones_down = None;
    let free = run(&m, &s, 7).unwrap();
    let web = |r: &RunSummary| r.detail.infrastructure.tier("web").unwrap().clone();
    let (l, f) = (limited.detail.random_failures, free.detail.random_failures);
    eprintln!(
        "zone budget 1: {} events, {} skipped, max {} down, P(< 2 up) {:.2e}; \
         no budget: max {} down, P(< 2 up) {:.2e}",
        l.zone_events,
        l.zone_events_skipped,
        l.zones_down_max,
        1.0 - web(&limited).at_least(2),
        f.zones_down_max,
        1.0 - web(&free).at_least(2),
    );
    assert_eq!(l.zones_down_max, 1);
    assert_eq!(web(&limited).fraction_with_up[0], 0.0);
    assert_eq!(web(&limited).fraction_with_up[1], 0.0);
    let skipped = l.zone_events_skipped as f64 / (l.zone_events + l.zone_events_skipped) as f64;
    assert!((0.01..0.04).contains(&skipped), "{skipped}");
    assert!(f.zones_down_max >= 2);
    assert!(1.0 - web(&free).at_least(2) > 1e-4);
    // Zone time ≈ 3 · 10 / 1010 of zone-hours down: instances follow.
    let down = 1.0
        - free
            .detail
            .infrastructure
            .kind(NodeKind::Instance)
            .up_fraction;
    assert!((down - 10.0 / 1010.0).abs() < 0.1 * 10.0 / 1010.0, "{down}");
}
