//! Builders for hand-made models and scenarios, so behaviour tests do not
//! depend on the file format.
#![allow(dead_code)]

use std::path::PathBuf;

use firedrill::config::*;
use firedrill::dist::Dist;
use firedrill::time::SimDuration;

pub fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}
pub fn secs(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}
pub fn zero() -> Dist {
    Dist::Constant(SimDuration::ZERO)
}

pub fn network(cross_zone_ms: u64) -> NetworkConfig {
    NetworkConfig {
        same_zone_rtt: zero(),
        cross_zone_rtt: Dist::Constant(ms(cross_zone_ms)),
        client_rtt: zero(),
    }
}

pub fn tier(zones: Vec<usize>, per_zone: u32, concurrency: u32, service: Dist) -> ComponentKind {
    ComponentKind::Tier(TierConfig {
        zones,
        per_zone,
        concurrency,
        queue_limit: None,
        overload: None,
        admission: None,
        service_time_by_class: vec![service; 4],
        volume: None,
        auto_scaling: None,
        session_state: SessionState::Local,
        instance: firedrill::catalog::generic::instance(),
    })
}

pub fn alb(target: usize, zones: Vec<usize>) -> ComponentKind {
    ComponentKind::LoadBalancer(LoadBalancerConfig {
        target,
        strategy: Strategy::RoundRobin,
        cross_zone: true,
        zones,
        health_check: Some(HealthCheckConfig {
            interval: secs(30),
            timeout: secs(5),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
        }),
        connect_timeout: secs(10),
        dns_ttl: secs(60),
        stickiness: None,
    })
}

pub fn database(
    primary: usize,
    standby: Option<usize>,
    replicas: Vec<ReplicaConfig>,
) -> DatabaseConfig {
    DatabaseConfig {
        primary_zone: primary,
        standby_zone: standby,
        replicas,
        host: None,
        concurrency: 64,
        queue_limit: None,
        overload: None,
        admission: None,
        read_time: Dist::Constant(ms(2)),
        write_time: Dist::Constant(ms(5)),
        read_from: ReadFrom::Primary,
        failover: FailoverConfig {
            detection: Dist::Constant(secs(15)),
            promotion: Dist::Constant(secs(60)),
            failure_probability: 0.0,
            promote_replicas: false,
        },
        endpoint_ttl: secs(5),
        restart_time: Dist::Constant(secs(600)),
        reboot_time: Dist::Constant(secs(120)),
        replica_promotion_time: Dist::Constant(secs(300)),
        deployment: None,
        volume: None,
        log_upload_every: None,
    }
}

pub fn component(name: &str, kind: ComponentKind) -> ComponentConfig {
    ComponentConfig {
        name: name.into(),
        preset: None,
        tags: Vec::new(),
        cost_per_month: None,
        kind,
    }
}

pub fn class(name: &str, share: f64, steps: &[(usize, Op)]) -> RequestClassConfig {
    RequestClassConfig {
        name: name.into(),
        share,
        steps: steps
            .iter()
            .map(|&(component, op)| Step { component, op })
            .collect(),
        priority: Priority::Normal,
        hops: Vec::new(),
    }
}

pub fn model(
    zones: &[&str],
    components: Vec<ComponentConfig>,
    classes: Vec<RequestClassConfig>,
) -> ModelConfig {
    ModelConfig {
        name: "test-model".into(),
        zones: zones.iter().map(|z| z.to_string()).collect(),
        network: network(0),
        components,
        request_classes: classes,
    }
}

pub fn scenario(horizon: SimDuration, rate_per_s: f64) -> ScenarioConfig {
    ScenarioConfig {
        name: "test-scenario".into(),
        horizon,
        warmup: SimDuration::ZERO,
        seed: None,
        workload: WorkloadConfig {
            rate_per_s,
            profile: Profile::Constant,
            mix: None,
            clients: 1000,
            session_length: None,
        },
        client: ClientConfig {
            timeout: None,
            retries: RetryConfig {
                max_attempts: 1,
                backoff: Backoff::Exponential,
                base: ms(100),
                cap: secs(20),
                jitter: Jitter::Full,
            },
            retry_budget: None,
        },
        faults: Vec::new(),
        random_failures: Vec::new(),
        failure_budget_zones_down: Some(1),
        stop_conditions: Vec::new(),
        empty_target_resolution: Default::default(),
        slo: SloConfig::default(),
        start: None,
        phases: Vec::new(),
        goodput: None,
    }
}

pub fn target(component: Option<&str>, zone: Option<&str>) -> TargetConfig {
    TargetConfig {
        component: component.map(str::to_string),
        zone: zone.map(str::to_string),
        kind: None,
        class: None,
        tag: None,
        filters: Vec::new(),
        select: Selection::All,
        pos: SourcePos::default(),
    }
}

pub fn fault(
    id: &str,
    action: FaultAction,
    target: TargetConfig,
    at: SimDuration,
    duration: Option<SimDuration>,
) -> FaultConfig {
    FaultConfig {
        id: id.into(),
        action,
        target,
        start: FaultStart::At(at),
        duration,
        pos: SourcePos::default(),
    }
}

/// Compares `actual` with `tests/golden/<name>`, or rewrites the file when
/// FIREDRILL_UPDATE_GOLDEN is set (never in CI, so CI cannot bless itself).
pub fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let update =
        std::env::var_os("FIREDRILL_UPDATE_GOLDEN").is_some() && std::env::var_os("CI").is_none();
    if update {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run with FIREDRILL_UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs; if intended, rerun with FIREDRILL_UPDATE_GOLDEN=1 and review the diff\n--- actual ---\n{actual}",
        path.display()
    );
}

/// One tier `web` of one instance (64 slots, 1 ms service) that the only
/// request class calls directly, with no load balancer in front.
pub fn one_web_instance() -> ModelConfig {
    model(
        &["a"],
        vec![component(
            "web",
            tier(vec![0], 1, 64, Dist::Constant(ms(1))),
        )],
        vec![class("r", 1.0, &[(0, Op::Serve)])],
    )
}

/// Random failures of tier `web`: time to failure `ttf`, exponential
/// repair with mean 30 s, refusing while down.
pub fn web_fails(ttf: Dist) -> RandomFailureConfig {
    RandomFailureConfig {
        target: target(Some("web"), None),
        time_to_failure: Some(ttf),
        time_to_repair: Some(Dist::exponential(secs(30))),
        mode: DownMode::Refuse,
        burst: None,
    }
}

/// Runs the firedrill binary from the repository root with colour off.
pub fn firedrill(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("firedrill")
        .expect("the firedrill binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("firedrill starts")
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `.yaml` files in `dir` (relative to the repository root), sorted.
pub fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}
