//! Simulation throughput: simulated client requests per second of wall time.
//!
//! ```sh
//! cargo bench --bench throughput
//! ```
//!
//! Each benchmark loads its model and scenario once, outside the timed
//! closure, and runs one deterministic simulation per iteration. Runs are
//! deterministic, so the number of simulated requests (the divan
//! `ItemsCount`) is measured once up front and is the same on every
//! iteration; divan then prints it as `item/s`, i.e. simulated requests per
//! second.
//!
//! * `bench_reference_10m`: `models/bench-reference.yaml` ×
//!   `scenarios/bench-reference.yaml` (the SimPy reference model) with the
//!   horizon cut to 10 minutes so iterations stay short. The scripted zone
//!   outage is moved with it, to the same place SimPy's `ref_model.py` puts
//!   it for that horizon (at 0.5 × horizon for 0.1 × horizon: 5 min for
//!   1 min). About 432k requests per iteration.
//! * `wordpress_az_power_interruption`: `models/wordpress-multi-az.yaml` ×
//!   `scenarios/az-power-interruption.yaml` as written (2 h, zone `a` dark
//!   from 30 to 60 min, client timeouts and retries). About 1.4M requests
//!   per iteration.
//!
//! * `fluid_random_failures_1y`: `models/three-tier-web.yaml` ×
//!   `scenarios/random-failures-1y.yaml` at fluid fidelity: one simulated
//!   year per iteration; divan's `item/s` here counts runs per second.
//!
//! `bash bench/compare.sh` is the side-by-side comparison with SimPy
//! (whole-process timings and peak memory); see the README's "Speed" section.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::counter::ItemsCount;
use divan::Bencher;
use firedrill::config::{FaultStart, ModelConfig, ScenarioConfig};
use firedrill::spec::{load_model, load_scenario};
use firedrill::time::SimDuration;

/// One benchmarked run: loaded inputs and what one iteration simulates.
struct Case {
    name: &'static str,
    model: ModelConfig,
    scenario: ScenarioConfig,
    seed: u64,
    requests: u64,
    events: u64,
}

static CASES: OnceLock<Vec<Case>> = OnceLock::new();

fn main() {
    // Load the files and run each case once up front (outside any timing):
    // runs are deterministic, so this gives the per-iteration counts.
    let cases = CASES.get_or_init(|| vec![bench_reference_case(), wordpress_case()]);
    for case in cases {
        eprintln!(
            "{}: {} simulated requests, {} engine events per iteration ({:.2} events/request)",
            case.name,
            case.requests,
            case.events,
            case.events as f64 / case.requests.max(1) as f64,
        );
    }
    divan::main();
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(model: &str, scenario: &str) -> (ModelConfig, ScenarioConfig) {
    let model_path = repo_path(model);
    let scenario_path = repo_path(scenario);
    let model = load_model(&model_path).unwrap_or_else(|e| panic!("{}: {e}", model_path.display()));
    let scenario = load_scenario(&scenario_path)
        .unwrap_or_else(|e| panic!("{}: {e}", scenario_path.display()));
    (model, scenario)
}

fn case(name: &'static str, model: ModelConfig, scenario: ScenarioConfig, seed: u64) -> Case {
    let summary =
        firedrill::run::run(&model, &scenario, seed).unwrap_or_else(|e| panic!("{name}: {e}"));
    Case {
        name,
        model,
        scenario,
        seed,
        requests: summary.requests.total,
        events: summary.engine.events,
    }
}

/// The SimPy reference model at a 10-minute horizon, zone outage at 5 min
/// for 1 min (the proportions `ref_model.py` uses for any horizon).
fn bench_reference_case() -> Case {
    let (model, mut scenario) = load(
        "models/bench-reference.yaml",
        "scenarios/bench-reference.yaml",
    );
    let horizon = SimDuration::from_secs(600);
    scenario.horizon = horizon;
    for fault in &mut scenario.faults {
        fault.start = FaultStart::At(SimDuration(horizon.0 / 2));
        fault.duration = Some(SimDuration(horizon.0 / 10));
    }
    case("bench_reference_10m", model, scenario, 1)
}

/// The bundled multi-AZ WordPress design under a 30-minute zone power
/// interruption, as written (2 h horizon, the scenario's seed 7).
fn wordpress_case() -> Case {
    let (model, scenario) = load(
        "models/wordpress-multi-az.yaml",
        "scenarios/az-power-interruption.yaml",
    );
    let seed = scenario.seed.unwrap_or(1);
    case("wordpress_az_power_interruption", model, scenario, seed)
}

fn bench_case(bencher: Bencher, name: &str) {
    let case = CASES
        .get()
        .and_then(|cases| cases.iter().find(|c| c.name == name))
        .expect("cases are loaded in main");
    bencher.counter(ItemsCount::new(case.requests)).bench(|| {
        let summary = firedrill::run::run(
            divan::black_box(&case.model),
            divan::black_box(&case.scenario),
            divan::black_box(case.seed),
        )
        .expect("run failed");
        divan::black_box(summary)
    });
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn bench_reference_10m(bencher: Bencher) {
    bench_case(bencher, "bench_reference_10m");
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn wordpress_az_power_interruption(bencher: Bencher) {
    bench_case(bencher, "wordpress_az_power_interruption");
}

static FLUID: OnceLock<(ModelConfig, ScenarioConfig)> = OnceLock::new();

#[divan::bench(sample_count = 20, sample_size = 10)]
fn fluid_random_failures_1y(bencher: Bencher) {
    let (model, scenario) = FLUID.get_or_init(|| {
        load(
            "models/three-tier-web.yaml",
            "scenarios/random-failures-1y.yaml",
        )
    });
    bencher.counter(ItemsCount::new(1u32)).bench(|| {
        let summary = firedrill::fluid::run_fluid(
            divan::black_box(model),
            divan::black_box(scenario),
            divan::black_box(1),
        )
        .expect("fluid run failed");
        divan::black_box(summary)
    });
}
