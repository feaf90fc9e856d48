//! Model and scenario files: every shipped example loads, and bad input
//! gives a diagnostic at the right line and column with a helpful message.

use std::path::Path;

use firedrill::config::{ComponentKind, FaultStart, Op, Selection};
use firedrill::spec::{self, Diagnostic, FileKind};

fn files_in(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .expect("directory exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_model_and_scenario_validates() {
    let models = files_in("models");
    let mut scenarios = files_in("scenarios");
    let incidents = files_in("scenarios/incidents");
    assert!(incidents.len() >= 4, "the incident library");
    scenarios.extend(incidents);
    assert!(models.len() >= 4 && scenarios.len() >= 5);
    for path in &models {
        spec::load_model(path).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(spec::validate_file(path), Ok(FileKind::Model));
    }
    for path in &scenarios {
        spec::load_scenario(path).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(spec::validate_file(path), Ok(FileKind::Scenario));
    }
}

#[test]
fn multi_az_model_resolves_presets_and_paths() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/wordpress-multi-az.yaml");
    let model = spec::load_model(&path).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(model.zones, ["a", "b"]);
    let db = model
        .components
        .iter()
        .find(|c| c.name == "db")
        .expect("db");
    let ComponentKind::Database(db) = &db.kind else {
        panic!("db kind")
    };
    assert_eq!(db.standby_zone, Some(1));
    // aws/rds-multi-az: detection U(10, 20) s + promotion U(50, 100) s.
    assert!((db.failover.detection.mean_s() + db.failover.promotion.mean_s() - 90.0).abs() < 1e-9);
    let page_view = &model.request_classes[0];
    assert!((page_view.share - 0.85).abs() < 1e-12);
    assert_eq!(page_view.steps[3].op, Op::ReadOnMiss);
    let ComponentKind::Tier(web) = &model.components[1].kind else {
        panic!("web kind")
    };
    // Class 1 (comment) overrides the service time; the others keep the default.
    assert_eq!(web.service_time_by_class.len(), 3);
    assert_ne!(web.service_time_by_class[0], web.service_time_by_class[1]);
    assert_eq!(web.service_time_by_class[0], web.service_time_by_class[2]);
}

#[test]
fn scenario_faults_resolve_after_chains_and_ids() {
    let text = "name: s\nhorizon: 1h\nworkload: { rate: 12000/min }\nfaults:\n  - { action: instance_crash, target: { tier: web, select: COUNT(2) }, after: power, delay: 10s }\n  - { id: power, action: zone_outage, target: { zone: a }, at: 30m, duration: 30m }\n";
    let s = spec::load_scenario_str(text, "s.yaml").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(s.workload.rate_per_s, 200.0);
    assert_eq!(s.faults[0].id, "instance_crash-1");
    assert!(matches!(
        s.faults[0].start,
        FaultStart::After { fault: 1, .. }
    ));
    assert_eq!(s.faults[0].target.select, Selection::Count(2));
    assert_eq!(
        (s.faults[0].target.pos.line, s.faults[0].target.pos.column),
        (5, 39)
    );
}

/// Loads `text` as a model (or scenario) and returns the diagnostic.
fn model_error(text: &str) -> Diagnostic {
    match spec::load_model_str(text, "m.yaml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(d) => d,
    }
}

fn scenario_error(text: &str) -> Diagnostic {
    match spec::load_scenario_str(text, "s.yaml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(d) => d,
    }
}

fn assert_at(d: &Diagnostic, line: u32, column: u32, words: &str) {
    assert_eq!((d.line, d.column), (line, column), "{d}");
    assert!(d.message.contains(words), "{d} lacks {words:?}");
}

const MODEL_HEAD: &str = "name: m\nzones: [a, b]\ncomponents:\n";

#[test]
fn unknown_field_is_reported_at_the_key() {
    let text = format!("{MODEL_HEAD}  web: {{ kind: tier, concurrency: 2, service_time: 5ms, colour: red }}\nrequests:\n  r: {{ share: 1, path: [web] }}\n");
    assert_at(&model_error(&text), 4, 57, "unknown field `colour`");
}

#[test]
fn bad_duration_names_the_expected_units() {
    let text = format!("{MODEL_HEAD}  web: {{ kind: tier, concurrency: 2, service_time: 20 parsecs }}\nrequests:\n  r: {{ share: 1, path: [web] }}\n");
    assert_at(&model_error(&text), 4, 52, "expected a duration");
}

#[test]
fn bad_rate_and_probability_are_rejected() {
    let d = scenario_error("name: s\nhorizon: 1h\nworkload: { rate: 3/fortnight }\n");
    assert_at(&d, 3, 19, "unknown rate unit");
    let text = format!("{MODEL_HEAD}  web: {{ kind: tier, concurrency: 2, service_time: 5ms }}\n  cache: {{ kind: cache, service_time: 1ms, hit_ratio: 1.5 }}\nrequests:\n  r: {{ share: 1, path: [web, cache] }}\n");
    assert_at(&model_error(&text), 5, 55, "outside [0, 1]");
}

#[test]
fn missing_component_reference_points_at_the_name() {
    let text = format!("{MODEL_HEAD}  web: {{ kind: tier, concurrency: 2, service_time: 5ms }}\nrequests:\n  r: {{ share: 1, path: [web, db] }}\n");
    assert_at(&model_error(&text), 6, 30, "unknown component `db`");
}

#[test]
fn call_path_cycle_names_its_components() {
    let text = format!("{MODEL_HEAD}  a1: {{ kind: tier, concurrency: 2, service_time: 5ms }}\n  b1: {{ kind: tier, concurrency: 2, service_time: 5ms }}\nrequests:\n  r: {{ share: 1, path: [a1, b1] }}\n  s: {{ share: 1, path: [b1, a1] }}\n");
    let d = model_error(&text);
    assert_at(&d, 8, 24, "a1 → b1 → a1");
}

#[test]
fn wrong_op_for_the_kind_lists_the_right_ones() {
    let text = format!("{MODEL_HEAD}  web: {{ kind: tier, concurrency: 2, service_time: 5ms }}\nrequests:\n  r: {{ share: 1, path: [web.write] }}\n");
    assert_at(&model_error(&text), 6, 25, "expected serve");
}

#[test]
fn load_balancer_must_be_followed_by_its_target() {
    let text = format!("{MODEL_HEAD}  lb: {{ kind: load_balancer, targets: web }}\n  web: {{ kind: tier, concurrency: 2, service_time: 5ms }}\n  s3: {{ kind: object_store, service_time: 5ms }}\nrequests:\n  r: {{ share: 1, path: [lb, s3] }}\n");
    assert_at(
        &model_error(&text),
        8,
        29,
        "followed by its target tier `web`",
    );
}

#[test]
fn empty_and_non_yaml_files_are_diagnostics() {
    assert_at(&model_error(""), 1, 1, "empty");
    let d = model_error("{{{");
    assert_eq!(d.line, 1, "{d}");
    assert!(spec::validate_str("just: words\n", "x.yaml").is_err());
    assert!(spec::validate_str("- a\n- b\n", "x.yaml").is_err());
}

#[test]
fn json_errors_have_positions_too() {
    let d = spec::load_scenario_str(
        "{\n  \"name\": \"s\",\n  \"horizon\": \"1h\",,\n}",
        "s.json",
    )
    .expect_err("bad JSON");
    assert_at(&d, 3, 19, "invalid JSON");
    let d = spec::load_scenario_str(
        "{\n  \"name\": \"s\",\n  \"horizon\": \"1 fortnight\",\n  \"workload\": {\"rate\": 5}\n}",
        "s.json",
    )
    .expect_err("bad duration");
    assert_eq!(d.line, 3, "{d}");
}

#[test]
fn random_byte_strings_never_panic() {
    // A tiny seeded generator keeps this test deterministic without a dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"{}[]:,- \n\"'abz019.%/msh#&*!|>";
    for _ in 0..3_000 {
        let len = (next() % 60) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
            .collect();
        let _ = spec::validate_str(&text, "fuzz.yaml");
        let _ = spec::load_model_str(&text, "fuzz.json");
        let _ = spec::load_scenario_str(&text, "fuzz.yaml");
    }
}

#[test]
fn sizes_that_would_exhaust_memory_or_time_are_refused() {
    let model = |tier: &str| {
        format!(
            "name: m\nzones: [a]\ncomponents:\n  web: {{ kind: tier, {tier}, service_time: 5ms }}\nrequests:\n  r: {{ share: 1, path: [web] }}\n"
        )
    };
    let err =
        spec::load_model_str(&model("per_zone: 4000000000, concurrency: 1"), "m.yaml").unwrap_err();
    assert!(err.message.contains("between 1 and"), "{err}");
    let err = spec::load_model_str(&model("zones: [], concurrency: 1"), "m.yaml").unwrap_err();
    assert!(err.message.contains("at least one zone"), "{err}");
    let err = spec::load_scenario_str(
        "name: s\nhorizon: 1m\nworkload: { rate: 1e12/s }\n",
        "s.yaml",
    )
    .unwrap_err();
    assert_eq!((err.line, err.column), (3, 19));
    assert!(err.message.contains("from 0 to"), "{err}");
}

/// Issue 17: `validate` accepted a database hosted on a tier with an Auto
/// Scaling group and `run` then refused it. Every refusal that `World`
/// building can make from a model alone is listed here: `validate` must
/// refuse each one (with file:line:column), so it never passes a file that
/// `run` refuses. (Refusals that need a scenario, such as a workload mix
/// naming an unknown class, are `run`'s alone.)
#[test]
fn validate_refuses_every_model_that_run_refuses_for_the_file_alone() {
    let base = |web: &str, db: &str, path: &str| {
        format!(
            "name: m\nzones: [a, b]\ncomponents:\n  web: {{ kind: tier, zones: [a], concurrency: 2, service_time: 5ms{web} }}\n  db: {{ kind: database, primary: a, concurrency: 2, read_time: 1ms, write_time: 1ms{db} }}\nrequests:\n  r: {{ share: 1, path: [{path}] }}\n"
        )
    };
    let mut nine_tiers = String::from("name: m\nzones: [a]\ncomponents:\n");
    for i in 0..9 {
        nine_tiers.push_str(&format!(
            "  t{i}: {{ kind: tier, concurrency: 2, service_time: 1ms }}\n"
        ));
    }
    let names: Vec<String> = (0..9).map(|i| format!("t{i}")).collect();
    nine_tiers.push_str(&format!(
        "requests:\n  r: {{ share: 1, path: [{}] }}\n",
        names.join(", ")
    ));
    let cases = [
        (
            base(", auto_scaling: aws/asg", ", host: web", "web, db.read"),
            "Auto Scaling group",
        ),
        (
            base(", per_zone: 2", ", host: web", "web, db.read"),
            "exactly one",
        ),
        (nine_tiers, "at most 8"),
    ];
    for (text, words) in cases {
        let d = spec::validate_str(&text, "m.yaml").unwrap_err();
        assert!(d.message.contains(words), "{words}: {d}");
        assert!(d.line > 0 && d.column > 0, "{d}");
        // `run` gets the same model through the same loader, so it refuses
        // it with the same diagnostic before building anything.
        let loaded = spec::load_model_str(&text, "m.yaml").unwrap_err();
        assert_eq!(loaded.to_string(), d.to_string());
    }
}
