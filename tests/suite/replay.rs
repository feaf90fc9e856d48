//! `firedrill replay`: the game-day trace, timeline, pause and what-ifs,
//! end to end through the binary.

use crate::common::firedrill;
use std::path::Path;
use std::process::Output;
use std::sync::OnceLock;

const MULTI_AZ: &str = "models/wordpress-multi-az.yaml";
const AZ_POWER: &str = "scenarios/az-power-interruption.yaml";
const DB_FAILURE: &str = "scenarios/db-primary-failure.yaml";

/// Replays `scenario` on the multi-AZ model into a fresh directory; the
/// directory (kept alive) and the output.
fn replay(scenario: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let mut args = vec!["replay", scenario, "--model", MULTI_AZ, "--out", &out];
    args.extend_from_slice(extra);
    let output = firedrill(&args);
    (dir, output)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The AZ power interruption replayed once, shared by the tests that only
/// read it (each replay is 1.4M simulated requests).
fn az_power() -> (&'static Path, &'static String) {
    static RUN: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    let run = RUN.get_or_init(|| {
        let (dir, output) = replay(AZ_POWER, &[]);
        // The SLO is violated: exit code 1, as `firedrill run`.
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let trace = read(dir.path(), "trace.jsonl");
        (dir, trace)
    });
    (run.0.path(), &run.1)
}

fn events(trace: &str) -> Vec<serde_json::Value> {
    trace
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn same_seed_gives_the_same_trace_and_timeline_bytes() {
    let (dir, trace) = az_power();
    let (again, output) = replay(AZ_POWER, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(&read(again.path(), "trace.jsonl"), trace);
    assert_eq!(
        read(again.path(), "timeline.svg"),
        read(dir, "timeline.svg")
    );
    assert_eq!(read(again.path(), "report.json"), read(dir, "report.json"));
    assert!(read(dir, "report.md").contains("az-power-interruption"));
}

#[test]
fn trace_lines_have_fixed_keys_in_time_order() {
    let (_, trace) = az_power();
    let mut last = 0.0;
    for line in trace.lines() {
        assert!(line.starts_with("{\"t_s\":"), "{line}");
        let keys: Vec<&str> = [
            "\"t_s\":",
            "\"time\":",
            "\"event\":",
            "\"component\":",
            "\"zone\":",
            "\"cause\":",
            "\"detail\":",
        ]
        .into_iter()
        .collect();
        let positions: Vec<usize> = keys.iter().map(|k| line.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = v["t_s"].as_f64().unwrap();
        assert!(t >= last, "out of order: {line}");
        last = t;
        // Three decimals, always.
        let raw = &line["{\"t_s\":".len()..line.find(',').unwrap()];
        assert_eq!(raw.split('.').nth(1).map(str::len), Some(3), "{line}");
    }
}

#[test]
fn zone_outage_trace_tells_the_story_in_order() {
    let (_, trace) = az_power();
    let ev = events(trace);
    let find = |from: usize, pred: &dyn Fn(&serde_json::Value) -> bool| {
        ev.iter()
            .enumerate()
            .skip(from)
            .find(|(_, e)| pred(e))
            .map(|(i, _)| i)
    };
    let is = |e: &serde_json::Value, event: &str, component: &str, zone: &str| {
        e["event"] == event && e["component"] == component && e["zone"] == zone
    };
    // fault start at 30 min
    let start = find(0, &|e| e["event"] == "fault_start" && e["cause"] == "power").unwrap();
    assert_eq!(ev[start]["t_s"].as_f64(), Some(1800.0));
    // the zone's instances go down with it
    let down = find(start, &|e| is(e, "node_down", "web", "a")).unwrap();
    assert_eq!(ev[down]["cause"], "zone");
    // the database fails over to the other zone
    let promoted = find(start, &|e| is(e, "failover_promoted", "db", "b")).unwrap();
    let endpoint = find(promoted, &|e| e["event"] == "dns_endpoint_changed").unwrap();
    assert!(endpoint > promoted);
    // the load balancer marks the dead targets unhealthy after its thresholds
    let unhealthy = find(down, &|e| is(e, "target_unhealthy", "web", "a")).unwrap();
    assert!(ev[unhealthy]["t_s"].as_f64() > ev[down]["t_s"].as_f64());
    // the fault ends at 60 min, the nodes return, the targets turn healthy
    let end = find(unhealthy, &|e| {
        e["event"] == "fault_end" && e["cause"] == "power"
    })
    .unwrap();
    assert_eq!(ev[end]["t_s"].as_f64(), Some(3600.0));
    let up = find(end, &|e| is(e, "node_up", "web", "a")).unwrap();
    let healthy = find(up, &|e| is(e, "target_healthy", "web", "a")).unwrap();
    assert!(ev[healthy]["t_s"].as_f64() > ev[up]["t_s"].as_f64());
    // nothing per request: a 1.4M-request run traces tens of transitions
    assert!(ev.len() < 200, "{} events", ev.len());
}

#[test]
fn timeline_has_a_row_per_component_and_zone_and_the_fault() {
    let (dir, _) = az_power();
    let svg = read(dir, "timeline.svg");
    assert!(svg.starts_with("<svg"));
    for row in ["lb / a", "web / a", "web / b", "db / a", "cache / b"] {
        assert!(svg.contains(&format!(">{row}</text>")), "no row {row}");
    }
    assert!(svg.contains("<title>down</title>"));
    assert!(svg.contains(">power</text>"), "fault mark");
    assert!(svg.contains("availability per minute"));
    assert!(svg.contains("p99 latency per minute"));
}

#[test]
fn until_pauses_and_shows_the_failed_zone_down() {
    let (dir, output) = replay(AZ_POWER, &["--until", "35m"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("t=0:35:00"), "{text}");
    assert!(text.contains("a DARK"), "{text}");
    assert!(text.contains("web-a-1 DOWN (zone)"), "{text}");
    assert!(text.contains("web-b-1 up"), "{text}");
    assert!(text.contains("power (zone_outage) since t=0:30:00, until t=1:00:00"));
    let state: serde_json::Value = serde_json::from_str(&read(dir.path(), "state.json")).unwrap();
    assert_eq!(state["t_s"].as_f64(), Some(2100.0));
    assert_eq!(state["zones"][0]["dark"], "blackhole");
    let web_a = &state["tiers"][0]["zones"][0];
    assert_eq!(web_a["zone"], "a");
    assert_eq!(web_a["up"], 0);
    // The trace stops at the pause, and no run report is written.
    let trace = read(dir.path(), "trace.jsonl");
    let ev = events(&trace);
    assert!(ev.iter().all(|e| e["t_s"].as_f64().unwrap() <= 2100.0));
    assert!(ev.iter().any(|e| e["event"] == "node_down"));
    assert!(!dir.path().join("report.json").exists());
}

fn availability(dir: &Path) -> f64 {
    let report: serde_json::Value = serde_json::from_str(&read(dir, "report.json")).unwrap();
    report["availability"]["request"].as_f64().unwrap()
}

#[test]
fn set_overrides_change_the_outcome_in_the_expected_direction() {
    let (base, output) = replay(DB_FAILURE, &[]);
    assert!(output.status.success(), "{output:?}");
    let (slow, output) = replay(DB_FAILURE, &["--set", "db.failover.promotion=5m"]);
    assert!(output.status.success(), "{output:?}");
    let (alone, output) = replay(DB_FAILURE, &["--set", "db.standby=none"]);
    assert!(output.status.success(), "{output:?}");
    let (a_base, a_slow, a_alone) = (
        availability(base.path()),
        availability(slow.path()),
        availability(alone.path()),
    );
    assert!(a_slow < a_base, "slow promotion {a_slow} vs {a_base}");
    assert!(a_alone < a_base, "no standby {a_alone} vs {a_base}");
    // The override is in the output and in both reports.
    assert!(String::from_utf8_lossy(&output.stdout).contains("overrides: db.standby=none"));
    assert!(read(alone.path(), "report.json").contains("\"db.standby=none\""));
    assert!(read(alone.path(), "report.md").contains("`db.standby=none`"));
    // Without a standby there is no failover to trace.
    let trace = read(alone.path(), "trace.jsonl");
    assert!(!trace.contains("failover_promoted"));
    assert!(read(base.path(), "trace.jsonl").contains("failover_promoted"));
}

#[test]
fn bad_set_keys_are_bad_input_with_the_valid_fields() {
    let (_, output) = replay(DB_FAILURE, &["--set", "db.failover_time=30s"]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("db.failover_time"), "{err}");
    assert!(err.contains("failover.promotion"), "{err}");

    let (_, output) = replay(DB_FAILURE, &["--set", "nope.standby=b"]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("no component `nope`") && err.contains("lb, web"),
        "{err}"
    );

    let (_, output) = replay(DB_FAILURE, &["--set", "db.standby=q"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no zone `q`"));

    let (_, output) = replay(DB_FAILURE, &["--set", "web.per_zone=two"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("whole number"));

    let (_, output) = replay(DB_FAILURE, &["--until", "2h"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("horizon"));
}

#[test]
fn untraced_runs_are_unchanged_by_tracing() {
    // The trace is a side channel: a replay's report.json is the report of
    // `firedrill run` for the same pair and seed.
    let (dir, _) = az_power();
    let run_dir = tempfile::tempdir().unwrap();
    let out = run_dir.path().display().to_string();
    let output = firedrill(&["run", MULTI_AZ, "--scenario", AZ_POWER, "--out", &out]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        read(run_dir.path(), "report.json"),
        read(dir, "report.json")
    );
}

#[test]
fn a_tripped_stop_condition_is_traced_before_the_faults_end() {
    let scenario = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(AZ_POWER))
        .unwrap()
        .replace(
            "\nslo:",
            "\nstop_conditions:\n  - { metric: availability, below: 90%, window: 1m }\nslo:",
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stop.yaml");
    std::fs::write(&path, scenario).unwrap();
    let (out, output) = replay(&path.display().to_string(), &["--until", "40m"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let ev = events(&read(out.path(), "trace.jsonl"));
    let tripped = ev
        .iter()
        .position(|e| e["event"] == "stop_condition_tripped")
        .expect("the alarm trips");
    assert_eq!(ev[tripped + 1]["event"], "fault_end");
    assert_eq!(ev[tripped + 1]["cause"], "power");
    assert!(ev[tripped]["t_s"].as_f64().unwrap() < 1900.0);
}

#[test]
fn incident_traces_carry_wall_clock_times_and_until_takes_a_timestamp() {
    let (dir, output) = replay(
        "scenarios/incidents/aws-power-2012-06.yaml",
        &["--until", "2012-06-14T21:30:00-07:00"],
    );
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // 21:30 is 46 min after the 20:44 start; zone a is dark by then.
    assert!(stdout.contains("t=0:46:00"), "{stdout}");
    assert!(stdout.contains("zones: a DARK"), "{stdout}");
    let trace = read(dir.path(), "trace.jsonl");
    let first = events(&trace)
        .into_iter()
        .find(|e| e["event"] == "fault_start")
        .unwrap();
    assert_eq!(first["time"], "2012-06-14T20:57:00-07:00");

    // Before the start is refused, naming the start.
    let (_dir, output) = replay(
        "scenarios/incidents/aws-power-2012-06.yaml",
        &["--until", "2012-06-14T20:00:00-07:00"],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("before the scenario's start"), "{stderr}");
}
