//! Defaults for a component written without a preset. They are deliberately
//! plain (constants, round numbers) and documented in docs/file-format.md;
//! fields with no sensible generic value (a tier's service time, a
//! database's read and write times) are required instead.

use crate::config::{HealthCheckConfig, IncrementalSnapshot, InstanceConfig, Strategy};
use crate::dist::Dist;
use crate::time::SimDuration;

use super::{AutoScalingPreset, LoadBalancerPreset, NetworkPreset};

pub const TIER_PER_ZONE: u32 = 1;
/// A server's accept backlog: Linux's `net.core.somaxconn` default since
/// kernel 5.4. Beyond it a request is refused (shed), so an overloaded tier
/// never queues without bound.
pub const TIER_QUEUE_LIMIT: u32 = 4096;
/// An `admission.rate_limit` bucket given without figures: API Gateway's
/// default account-level throttle, 10,000 requests per second with a
/// bucket of 5,000 (AWS docs "Throttle requests to your REST APIs for
/// better throughput in API Gateway"); `model/admission.rs`.
pub const RATE_LIMIT_PER_S: f64 = 10_000.0;
pub const RATE_LIMIT_BURST: u32 = 5_000;
/// Assumption: a 100 GB volume when the file gives no `size_gb` (only the
/// storage price depends on it).
pub const VOLUME_SIZE_GB: u32 = 100;
pub const CACHE_NODES_PER_ZONE: u32 = 1;
/// Assumption: a modest hit ratio; real ones depend on the working set.
pub const CACHE_HIT_RATIO: f64 = 0.8;
pub const CACHE_WARMUP: SimDuration = SimDuration::from_secs(300);
pub const CACHE_REPLACE_TIME: SimDuration = SimDuration::from_secs(300);
/// Assumption: a restarted database node needs ~10 min (reboot + crash recovery).
pub const DATABASE_RESTART_TIME: SimDuration = SimDuration::from_secs(600);
/// Assumption: an ordered reboot takes 2 min (RDS User Guide, "Rebooting a
/// DB instance": a momentary outage; no figure published).
pub const DATABASE_REBOOT_TIME: SimDuration = SimDuration::from_secs(120);
/// Assumption: promoting a read replica takes 5 min (RDS User Guide,
/// "Promoting a read replica": several minutes or longer).
pub const DATABASE_REPLICA_PROMOTION_TIME: SimDuration = SimDuration::from_secs(300);
/// Assumption: RDS-like endpoint TTL.
pub const DATABASE_ENDPOINT_TTL: SimDuration = SimDuration::from_secs(5);
pub const DATABASE_DETECTION: SimDuration = SimDuration::from_secs(30);
pub const DATABASE_PROMOTION: SimDuration = SimDuration::from_secs(60);
pub const DATABASE_REPLICA_LAG: SimDuration = SimDuration::from_millis(100);
/// Incremental snapshots (`model::snapshot_time`). AWS publishes neither
/// a copy rate nor a fixed cost and says the time cannot be predicted
/// (re:Post, "Why does my incremental EBS snapshot take as long as a full
/// one?"). Assumptions: 1 min to start and seal, changed data copied at
/// 100 MiB/s (a full 100 GiB copy in ~17 min), 16 KiB changed per write
/// (one InnoDB page).
pub const INCREMENTAL_SNAPSHOT: IncrementalSnapshot = IncrementalSnapshot {
    overhead: SimDuration::from_secs(60),
    mib_per_s: 100.0,
    kib_per_write: 16.0,
};
/// Assumption: restoring and re-attaching a volume takes ~30 min.
pub const VOLUME_RESTORE_TIME: SimDuration = SimDuration::from_secs(1_800);
/// EBS gp2/gp3 upper figure (AWS EC2 User Guide, "Amazon EBS volume types").
pub const VOLUME_ANNUAL_FAILURE_RATE: f64 = 0.002;
/// ALB target-group attributes `stickiness.lb_cookie.duration_seconds` and
/// `stickiness.app_cookie.duration_seconds`: 1 day by default, from 1 s to
/// 7 days (ELB API Reference, "TargetGroupAttribute"; ALB user guide,
/// "Sticky sessions for your Application Load Balancer").
pub const STICKINESS_DURATION: SimDuration = SimDuration::from_secs(86_400);
pub const STICKINESS_DURATION_MIN: SimDuration = SimDuration::from_secs(1);
pub const STICKINESS_DURATION_MAX: SimDuration = SimDuration::from_secs(604_800);

/// A load balancer without a preset: ALB-like health checks (the most common
/// defaults, see `aws.rs`), round robin, cross-zone on.
pub fn load_balancer() -> LoadBalancerPreset {
    LoadBalancerPreset {
        strategy: Strategy::RoundRobin,
        cross_zone: true,
        health_check: Some(HealthCheckConfig {
            interval: SimDuration::from_secs(30),
            timeout: SimDuration::from_secs(5),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
        }),
        connect_timeout: SimDuration::from_secs(10),
        dns_ttl: SimDuration::from_secs(60),
    }
}

/// A network without a preset: the `aws/network` figures.
pub fn network() -> NetworkPreset {
    super::aws::network()
}

pub fn constant(d: SimDuration) -> Dist {
    Dist::Constant(d)
}

/// An Auto Scaling group without a preset gets the `aws/asg` timings, as a
/// load balancer without one gets the ALB's.
pub fn auto_scaling() -> AutoScalingPreset {
    super::aws::auto_scaling_group()
}

/// An EC2 instance's lifecycle settings when the model gives none:
/// - root volume `DeleteOnTermination` true (EC2 User Guide, "Preserve
///   data when an instance is terminated": the root volume's attribute
///   defaults to true);
/// - simplified automatic recovery on (EC2 User Guide, "Configure
///   simplified automatic recovery": enabled by default on supported
///   instance types since March 2022);
/// - no Elastic IP (a public IPv4 address changes on stop/start: EC2 User
///   Guide, "Automatic instance recovery" and "Stop and start");
/// - boot lognormal median 30 s, p99 120 s (cloud-figures.md: launch to
///   SSH ~25–30 s typical, 1–2 min tail; the same figure as `aws/asg`);
/// - stopping lognormal median 40 s, p99 180 s (assumption: EC2 documents
///   no figure; an orderly OS shutdown takes tens of seconds, "stuck in
///   stopping" cases minutes);
/// - DNS record TTL 300 s (the Route 53 console's default for a new
///   record) and 10 min for someone to point it at a new address
///   (assumption: an operator alerted by the outage; a boot script that
///   updates the record would be seconds).
pub fn instance() -> InstanceConfig {
    InstanceConfig {
        delete_on_termination: true,
        auto_recovery: true,
        elastic_ip: false,
        boot_time: Dist::lognormal_from_median_p99(
            SimDuration::from_secs(30),
            SimDuration::from_secs(120),
        ),
        stop_time: Dist::lognormal_from_median_p99(
            SimDuration::from_secs(40),
            SimDuration::from_secs(180),
        ),
        dns_ttl: SimDuration::from_secs(300),
        dns_update_time: SimDuration::from_secs(600),
    }
}

// Circuit breakers (`model/breaker.rs`): Resilience4j CircuitBreaker
// defaults (resilience4j.readme.io).
/// `failureRateThreshold`: 50 %.
pub const BREAKER_FAILURE_RATE: f64 = 0.5;
/// `slidingWindowSize`: 100, as seconds of a time-based window.
pub const BREAKER_WINDOW_S: u32 = 100;
/// `minimumNumberOfCalls`: 100.
pub const BREAKER_MINIMUM_CALLS: u32 = 100;
/// `waitDurationInOpenState`: 60 s.
pub const BREAKER_OPEN_FOR: SimDuration = SimDuration::from_secs(60);
/// `permittedNumberOfCallsInHalfOpenState`: 10.
pub const BREAKER_HALF_OPEN_CALLS: u32 = 10;
/// The longest window accepted (one hour of one-second buckets).
pub const BREAKER_MAX_WINDOW_S: u32 = 3_600;

// Keyed caches (`model/keyed_cache.rs`).
/// Largest key space accepted (`keys.count`).
pub const CACHE_MAX_KEYS: u32 = 10_000_000;
/// Default Zipf exponent (Breslau et al. 1999: α ≈ 0.64–0.83 on web traces).
pub const CACHE_ZIPF: f64 = 0.8;
/// Default lease interval (Facebook memcache: one token per key per 10 s).
pub const CACHE_LEASE: SimDuration = SimDuration::from_secs(10);
