//! Report writers: the JSON contract (keys, order, float formatting,
//! determinism), the Markdown tables, the terminal summary and exit codes.
//! Pure functions of a hand-built summary: no engine needed.
//!
//! Golden files live in `tests/golden/`; after an intended change, rewrite
//! them with `FIREDRILL_UPDATE_GOLDEN=1 cargo test --release --test suite report::`
//! and review the diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common;

use common::check_golden;
use firedrill::cli::Outcome;
use firedrill::metrics::{
    AvailabilitySummary, CostItem, CostSummary, DataLossSummary, EngineStats, LatencySummary,
    PriceSource, Recovery, RequestCounts, RunSummary, SloVerdict,
};
use firedrill::report::{json, markdown, terminal, Reproduce};

fn sample() -> RunSummary {
    let mut errors_by_cause = BTreeMap::new();
    errors_by_cause.insert("no_healthy_target".to_string(), 1_200);
    errors_by_cause.insert("timeout".to_string(), 37);
    errors_by_cause.insert("stale_dns".to_string(), 0);
    let mut slo = BTreeMap::new();
    slo.insert(
        "availability".to_string(),
        SloVerdict {
            target: 0.999,
            actual: Some(0.999_142_857_142_857_1),
            pass: true,
        },
    );
    slo.insert(
        "latency_p99".to_string(),
        SloVerdict {
            target: 250.0,
            actual: Some(312.5),
            pass: false,
        },
    );
    slo.insert(
        "writes_lost".to_string(),
        SloVerdict {
            target: 0.0,
            actual: Some(0.0),
            pass: true,
        },
    );
    RunSummary {
        firedrill_version: "0.1.0".into(),
        model: "wordpress-multi-az".into(),
        scenario: "az-power-interruption".into(),
        seed: 42,
        fidelity: "request",
        horizon_s: 7_200.0,
        requests: RequestCounts {
            total: 1_441_237,
            succeeded: 1_440_000,
            failed: 1_237,
            degraded: None,
            in_flight_end: 0,
        },
        availability: AvailabilitySummary {
            request: 0.999_142_857_142_857_1,
            time: 0.991_666_666_666_666_7,
            longest_outage_s: 42.123_456_789,
            recoveries: vec![
                Recovery {
                    fault: "power".into(),
                    action: "zone_outage".into(),
                    start_s: 1_800.0,
                    end_s: Some(3_600.0),
                    impact: true,
                    failed: None,
                    recovered_at_s: Some(1_842.5),
                    time_to_recover_s: Some(42.5),
                },
                Recovery {
                    fault: "crash".into(),
                    action: "instance_crash".into(),
                    start_s: 3_600.000_000_1,
                    end_s: None,
                    impact: false,
                    failed: None,
                    recovered_at_s: None,
                    time_to_recover_s: None,
                },
            ],
        },
        data_loss: DataLossSummary {
            writes_acknowledged: 144_000,
            writes_lost: 0,
            rpo_s: 0.0,
        },
        latency_ms: Some(LatencySummary {
            p50: 21.5,
            p90: 48.25,
            p99: 312.5,
            p999: 1_100.0,
            max: 1_999.999_999_9,
        }),
        errors_by_cause,
        slo,
        cost: sample_cost(),
        experiment: Default::default(),
        timeline: Default::default(),
        sessions: None,
        load: None,
        amplification: None,
        engine: EngineStats {
            events: 12_345_678,
            peak_pending_events: 999,
        },
        detail: firedrill::metrics::RunDetail::default(),
    }
}

/// Two lines: one catalog price, one set in the model file; one part unpriced.
fn sample_cost() -> CostSummary {
    let items = vec![
        CostItem {
            component: "web".into(),
            item: "aws/m5.large instances ×4".into(),
            quantity: 2_920.0,
            unit: "instance-hour".into(),
            unit_price_usd: 0.096,
            usd_per_month: 280.32,
            source: Some(PriceSource {
                url: "https://aws.amazon.com/ec2/pricing/on-demand/",
                as_of: "2024-01",
            }),
        },
        CostItem {
            component: "db".into(),
            item: "cost_per_month (model file)".into(),
            quantity: 1.0,
            unit: "month".into(),
            unit_price_usd: 1_200.5,
            usd_per_month: 1_200.5,
            source: None,
        },
    ];
    CostSummary {
        total_usd_per_month: 1_480.82,
        items,
        unpriced: vec!["payments".into()],
        prices_as_of: Some("2024-01"),
    }
}

fn reproduce() -> Reproduce {
    Reproduce {
        model_path: "models/wordpress-multi-az.yaml".into(),
        scenario_path: "scenarios/az-power-interruption.yaml".into(),
        seed: 42,
        fidelity: None,
    }
}

/// Keys of the object at `pointer`, in the order they appear in the text.
/// serde_json's `Map` sorts keys, so order is read back from the text: the
/// pretty printer puts each key at a known indentation.
fn keys_in_order(text: &str, indent: usize) -> Vec<String> {
    let prefix = format!("{}\"", " ".repeat(indent));
    text.lines()
        .filter(|line| line.starts_with(&prefix) && !line[indent + 1..].starts_with(' '))
        .filter_map(|line| line[indent + 1..].split('"').next().map(str::to_string))
        .collect()
}

fn object_keys(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn json_top_level_keys_are_exactly_these_in_this_order() {
    let text = json::render(&sample());
    let expected = [
        "firedrill_version",
        "model",
        "scenario",
        "seed",
        "fidelity",
        "horizon_s",
        "requests",
        "availability",
        "data_loss",
        "latency_ms",
        "errors_by_cause",
        "slo",
        "cost",
        "experiment",
    ];
    assert_eq!(keys_in_order(&text, 2), expected);
    assert_eq!(json::TOP_LEVEL_KEYS, expected);
}

#[test]
fn json_nested_keys_are_exactly_these() {
    let value: serde_json::Value = serde_json::from_str(&json::render(&sample())).unwrap();
    // serde_json sorts keys when parsing, so these lists are alphabetical;
    // the golden file below holds the written order.
    assert_eq!(
        object_keys(&value["requests"]),
        ["failed", "in_flight_end", "succeeded", "total"]
    );
    assert_eq!(
        object_keys(&value["availability"]),
        ["longest_outage_s", "recoveries", "request", "time"]
    );
    assert_eq!(
        object_keys(&value["availability"]["recoveries"][0]),
        [
            "action",
            "fault",
            "impact",
            "recovered_at_s",
            "start_s",
            "time_to_recover_s"
        ]
    );
    assert_eq!(
        object_keys(&value["data_loss"]),
        ["rpo_s", "writes_acknowledged", "writes_lost"]
    );
    assert_eq!(
        object_keys(&value["latency_ms"]),
        ["max", "p50", "p90", "p99", "p999"]
    );
    assert_eq!(
        object_keys(&value["slo"]["latency_p99"]),
        ["actual", "pass", "target"]
    );
    assert_eq!(
        object_keys(&value["cost"]),
        ["items", "prices_as_of", "unpriced", "usd_per_month"]
    );
    assert_eq!(
        object_keys(&value["cost"]["items"][0]),
        [
            "component",
            "item",
            "quantity",
            "source",
            "unit",
            "unit_price_usd",
            "usd_per_month"
        ]
    );
    assert_eq!(
        object_keys(&value["cost"]["items"][0]["source"]),
        ["as_of", "url"]
    );
    assert!(value["cost"]["items"][1]["source"].is_null());
    assert_eq!(value["cost"]["unpriced"][0], "payments");
    // A completed experiment: the keys are always there, `null` when empty.
    assert_eq!(
        object_keys(&value["experiment"]),
        ["at_s", "reason", "skipped", "state"]
    );
    assert_eq!(value["experiment"]["state"], "completed");
    assert!(value["experiment"]["reason"].is_null());
    // Every cause is listed, zero or not; engine statistics never are.
    assert_eq!(value["errors_by_cause"]["stale_dns"], 0);
    assert!(!json::render(&sample()).contains("events"));
}

#[test]
fn json_bytes_are_deterministic() {
    let summary = sample();
    let first = json::render(&summary);
    assert_eq!(first, json::render(&summary.clone()));
    // Engine statistics differ run to run in spirit; they must not leak in.
    let mut other_engine = summary.clone();
    other_engine.engine.events += 1;
    assert_eq!(first, json::render(&other_engine));
    assert!(first.ends_with("}\n") && !first.ends_with("\n\n"));
}

#[test]
fn json_floats_are_rounded_and_never_nan() {
    let mut summary = sample();
    summary.horizon_s = 0.1 + 0.2; // 0.30000000000000004
    summary.availability.request = f64::NAN;
    summary.availability.time = -1e-9; // rounds to zero, not -0.0
    summary.availability.longest_outage_s = f64::INFINITY;
    summary.data_loss.rpo_s = 1.234_567_89;
    let text = json::render(&summary);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(text.contains("\"horizon_s\": 0.3,"), "{text}");
    assert!(value["availability"]["request"].is_null());
    assert!(value["availability"]["longest_outage_s"].is_null());
    assert!(text.contains("\"time\": 0.0,"), "{text}");
    assert!(text.contains("\"rpo_s\": 1.234568"), "{text}");
    assert!(!text.contains("NaN") && !text.contains("inf") && !text.contains("-0.0"));
    assert_eq!(json::round_float(2.5e-7), Some(0.0));
    assert_eq!(json::round_float(f64::NEG_INFINITY), None);
}

#[test]
fn json_latency_is_null_without_successes() {
    let mut summary = sample();
    summary.latency_ms = None;
    let value: serde_json::Value = serde_json::from_str(&json::render(&summary)).unwrap();
    for key in ["p50", "p90", "p99", "p999", "max"] {
        assert!(value["latency_ms"][key].is_null(), "{key}");
    }
}

#[test]
fn markdown_has_every_table() {
    let text = markdown::render(&sample(), &reproduce());
    for needle in [
        "# firedrill: wordpress-multi-az × az-power-interruption",
        "| seed | 42 |",
        "firedrill run models/wordpress-multi-az.yaml --scenario scenarios/az-power-interruption.yaml --seed 42",
        "| SLO | target | actual | verdict |",
        "| latency_p99 | 250.000 ms | 312.500 ms | ❌ fail |",
        "| availability | 99.9000 % | 99.9143 % | ✅ pass |",
        "| total | succeeded | failed | in flight at end |",
        "| 1,441,237 | 1,440,000 | 1,237 | 0 |",
        "| measure | value | nines | downtime/month equivalent |",
        "| fault | action | start | impact | recovered at | time to recover |",
        "| crash | instance_crash | 3600.000 s | no | not recovered | not recovered |",
        "| writes acknowledged | writes lost | RPO |",
        "| p50 | p90 | p99 | p99.9 | max |",
        "| no_healthy_target | 1,200 |",
        "## Cost per month",
        "**$1,480.82/month** (730-hour month; AWS us-east-1 on-demand list prices as of 2024-01).",
        "| component | item | quantity | unit | unit price | per month |",
        "| web | aws/m5.large instances ×4 | 2,920 | instance-hour | $0.096 | $280.32 |",
        "| db | cost_per_month (model file) | 1 | month | $1,200.50 | $1,200.50 |",
        "Unpriced (no catalog price and no `cost_per_month`; counted as $0): `payments`.",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Errors by cause lists only causes that happened.
    assert!(!text.contains("stale_dns"));
    assert!(text.ends_with('\n'));
}

#[test]
fn terminal_summary_has_seed_units_verdicts_and_command() {
    let footer = terminal::Footer {
        wall_s: 0.25,
        report_files: vec![PathBuf::from("out/report.json")],
    };
    let plain = terminal::render(&sample(), &reproduce(), false, &footer);
    for needle in [
        "seed",
        "42",
        "7200.000 s",
        "1,441,237 req",
        "99.9143 %",
        "312.500 ms",
        "FAIL",
        "PASS",
        "1 of 3 SLOs violated",
        "reproduce: firedrill run models/wordpress-multi-az.yaml --scenario scenarios/az-power-interruption.yaml --seed 42",
        "wrote: out/report.json",
        "12.3M events",
        "$1,480.82/month",
        "AWS us-east-1 list prices as of 2024-01",
        "$280.32/month",
        "no price: counted as $0",
    ] {
        assert!(plain.contains(needle), "missing {needle:?} in\n{plain}");
    }
    assert!(!plain.contains('\x1b'), "no colour when not asked");
    let coloured = terminal::render(&sample(), &reproduce(), true, &footer);
    assert!(coloured.contains("\x1b[1;31mFAIL"));
}

#[test]
fn exit_codes_follow_slo_verdicts() {
    let mut summary = sample();
    assert_eq!(Outcome::of_run(&summary), Outcome::SloViolated);
    assert_eq!(Outcome::of_run(&summary).exit_code(), 1);
    summary.slo.get_mut("latency_p99").unwrap().pass = true;
    assert_eq!(Outcome::of_run(&summary).exit_code(), 0);
    summary.slo.clear();
    assert_eq!(Outcome::of_run(&summary).exit_code(), 0, "no SLO = pass");
    assert_eq!(Outcome::BadInput.exit_code(), 2);
}

#[test]
fn golden_report_json() {
    check_golden("sample-report.json", &json::render(&sample()));
}

#[test]
fn golden_report_md() {
    check_golden(
        "sample-report.md",
        &markdown::render(&sample(), &reproduce()),
    );
}

#[test]
fn html_of_a_summary_without_timeline_or_histogram_still_has_every_chart() {
    // The sample has no timeline and no latency histogram (a default
    // RunDetail), like a run in which no request finished.
    let mut summary = sample();
    summary.latency_ms = None;
    let page = firedrill::report::html::render_run(&summary, &reproduce());
    assert_eq!(page.matches("<svg").count(), 3);
    assert!(page.contains("nothing to plot"));
    assert!(page.contains("No request succeeded"));
    assert!(page.contains("<h2>Recoveries</h2>"));
}
