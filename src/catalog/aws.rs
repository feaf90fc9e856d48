//! AWS presets. Sources (see also docs/file-format.md):
//!
//! * [ELB-HC] Elastic Load Balancing user guides, "Health checks for your
//!   target groups" (ALB, NLB) and "Configure health checks" (CLB).
//! * [RDS-MAZ] RDS User Guide, "Multi-AZ DB instance deployments": failover
//!   typically 60–120 s, endpoint DNS flipped to the standby.
//! * [RDS-MAZC] RDS User Guide, "Failing over a Multi-AZ DB cluster": under 35 s.
//! * [AURORA] Aurora FAQ and AWS re:Post: failover to a replica ≤ 30 s, DNS TTL 5 s;
//!   replica lag 10–20 ms (AWS News Blog, "Additional Failover Control").
//! * [PITR] RDS User Guide, "Point-in-time recovery": logs to S3 every 5 min.
//! * [REBOOT] RDS User Guide, "Rebooting a DB instance": a reboot restarts
//!   the database engine, "a momentary outage"; its time "depends on the
//!   crash recovery process". No figure is published: 1–2 min assumed.
//! * [PROMOTE] RDS User Guide, "Promoting a read replica to be a standalone
//!   DB instance": RDS reboots the replica first; promotion "can take several
//!   minutes or longer". `PromoteReadReplica` does not apply to Aurora.
//! * [EBS] EC2 User Guide, "Amazon EBS volume types": AFR 0.1–0.2 % (gp2/gp3),
//!   0.001 % (io2).
//! * [EC2] EC2 instance type pages: vCPU counts.
//! * [REDIS] ElastiCache docs "AutoFailover": replacement in minutes.
//! * [S3PERF] S3 User Guide, "Performance guidelines": first-byte latency of
//!   small objects ~100–200 ms at the tail.
//! * [ASG] EC2 Auto Scaling User Guide: health-check grace period 300 s
//!   (console default), replacement of unhealthy instances, at most 10 % of
//!   desired capacity replaced at a time; EC2 User Guide "Status checks":
//!   every minute. Launch to SSH ~25–30 s typical with a tail to 1–2 min
//!   (public boot-time benchmarks, daemonology.net 2021).
//! * [AZ] "AWS Regions and Availability Zones": AZs within ~100 km of each
//!   other, linked by low-latency fibre.

use crate::config::{Deployment, HealthCheckConfig, Strategy};
use crate::dist::Dist;
use crate::time::SimDuration;

use super::{
    generic, AutoScalingPreset, CachePreset, DatabasePreset, InstancePreset, LoadBalancerPreset,
    NetworkPreset, ObjectStorePreset, Preset, VolumePreset,
};

pub(super) const NAMES: &[&str] = &[
    "aws/alb",
    "aws/clb",
    "aws/nlb",
    "aws/m5.large",
    "aws/t3.medium",
    "aws/c5.xlarge",
    "aws/rds-single-az",
    "aws/rds-multi-az",
    "aws/rds-multi-az-cluster",
    "aws/aurora",
    "aws/elasticache-redis",
    "aws/gp2",
    "aws/gp3",
    "aws/io2",
    "aws/s3",
    "aws/network",
    "aws/asg",
];

const fn secs(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}

fn ms(n: u64) -> Dist {
    Dist::Constant(SimDuration::from_millis(n))
}

fn uniform_s(min_s: f64, max_s: f64) -> Dist {
    Dist::Uniform { min_s, max_s }
}

pub(super) fn lookup(name: &str) -> Option<Preset> {
    let preset = match name {
        "aws/alb" => Preset::LoadBalancer(load_balancer(5, 5, Strategy::RoundRobin)),
        // [ELB-HC] CLB: healthy threshold 10.
        "aws/clb" => Preset::LoadBalancer(load_balancer(5, 10, Strategy::RoundRobin)),
        // [ELB-HC] NLB: timeout 10 s for TCP checks, healthy threshold 5.
        // NLB cross-zone load balancing is off by default (ELB user guide).
        "aws/nlb" => Preset::LoadBalancer(LoadBalancerPreset {
            cross_zone: false,
            ..load_balancer(10, 5, Strategy::RoundRobin)
        }),
        // [EC2] vCPUs.
        "aws/m5.large" => Preset::Instance(InstancePreset { vcpus: 2 }),
        "aws/t3.medium" => Preset::Instance(InstancePreset { vcpus: 2 }),
        "aws/c5.xlarge" => Preset::Instance(InstancePreset { vcpus: 4 }),
        "aws/rds-single-az" => Preset::Database(rds_single_az()),
        "aws/rds-multi-az" => Preset::Database(rds_multi_az()),
        // [RDS-MAZC] typically under 35 s: detection 5–10 s + promotion 10–25 s.
        "aws/rds-multi-az-cluster" => Preset::Database(DatabasePreset {
            deployment: Deployment::MultiAzCluster,
            detection: uniform_s(5.0, 10.0),
            promotion: uniform_s(10.0, 25.0),
            ..rds_multi_az()
        }),
        // [AURORA] ≤ 30 s to a replica: detection 5–10 s + promotion 10–20 s;
        // storage is shared, so failover promotes a replica.
        "aws/aurora" => Preset::Database(DatabasePreset {
            multi_az: false,
            deployment: Deployment::Aurora,
            detection: uniform_s(5.0, 10.0),
            promotion: uniform_s(10.0, 20.0),
            promote_replicas: true,
            replica_lag: uniform_s(0.010, 0.020),
            ..rds_multi_az()
        }),
        "aws/elasticache-redis" => Preset::Cache(CachePreset {
            // Assumption: sub-millisecond in-memory GET.
            service_time: Dist::Constant(SimDuration::from_micros(500)),
            // Assumption: a cold node warms in ~10 min at typical traffic.
            warmup: secs(600),
            // [REDIS] "replaced in minutes": 5 min assumed.
            replace_time: Dist::Constant(secs(300)),
        }),
        // [EBS] AFR upper bound 0.2 % per volume-year.
        "aws/gp2" | "aws/gp3" => Preset::Volume(volume(0.002)),
        // [EBS] io2: 0.001 %.
        "aws/io2" => Preset::Volume(volume(0.000_01)),
        // [S3PERF] median 30 ms is an assumption; p99 200 ms from the guide's
        // 100–200 ms first-byte figure.
        "aws/s3" => Preset::ObjectStore(ObjectStorePreset {
            service_time: Dist::lognormal_from_median_p99(
                SimDuration::from_millis(30),
                SimDuration::from_millis(200),
            ),
        }),
        "aws/network" => Preset::Network(network()),
        "aws/asg" => Preset::AutoScaling(auto_scaling_group()),
        _ => return None,
    };
    Some(preset)
}

/// [ELB-HC] interval 30 s and unhealthy threshold 2 for ALB, NLB and CLB.
fn load_balancer(timeout_s: u64, healthy_threshold: u32, strategy: Strategy) -> LoadBalancerPreset {
    LoadBalancerPreset {
        strategy,
        // ALB and CLB (console) balance across zones by default.
        cross_zone: true,
        health_check: Some(HealthCheckConfig {
            interval: secs(30),
            timeout: secs(timeout_s),
            healthy_threshold,
            unhealthy_threshold: 2,
        }),
        // ALB "connection timeout" to targets is 10 s (ELB ALB user guide,
        // "HTTP 504: Gateway timeout").
        connect_timeout: secs(10),
        // ELB DNS records have a 60 s TTL (ELB user guide).
        dns_ttl: secs(60),
    }
}

/// [RDS-MAZ] 60–120 s split as detection U(10, 20) s + promotion U(50, 100) s
/// (the split is an assumption; the total is documented).
fn rds_multi_az() -> DatabasePreset {
    DatabasePreset {
        multi_az: true,
        // Assumption: 64 concurrent queries on a mid-size instance.
        concurrency: 64,
        // Assumption: indexed point read 2 ms, committed write 5 ms.
        read_time: ms(2),
        write_time: ms(5),
        detection: uniform_s(10.0, 20.0),
        promotion: uniform_s(50.0, 100.0),
        failure_probability: 0.0,
        promote_replicas: false,
        // [AURORA]/[RDS-MAZ] endpoint TTL 5 s.
        endpoint_ttl: secs(5),
        // Assumption: reboot plus crash recovery ~10 min.
        restart_time: Dist::Constant(secs(600)),
        // [REBOOT] an ordered reboot: 1–2 min (assumption).
        reboot_time: uniform_s(60.0, 120.0),
        // [PROMOTE] "several minutes or longer": 3–10 min (assumption).
        replica_promotion_time: uniform_s(180.0, 600.0),
        deployment: Deployment::MultiAzInstance,
        // [PITR] 5 min.
        log_upload_every: Some(secs(300)),
        // Assumption: async replica lag ~100 ms.
        replica_lag: Dist::exponential(SimDuration::from_millis(100)),
    }
}

/// Single-AZ RDS: no standby; a failed primary restarts in place.
fn rds_single_az() -> DatabasePreset {
    DatabasePreset {
        multi_az: false,
        deployment: Deployment::Instance,
        ..rds_multi_az()
    }
}

/// Snapshots are incremental (`model::snapshot_time`, generic rates);
/// assumption: restore ~30 min (lazy loading makes the restored volume
/// slow for longer; not modelled).
fn volume(annual_failure_rate: f64) -> VolumePreset {
    VolumePreset {
        annual_failure_rate,
        snapshot: generic::INCREMENTAL_SNAPSHOT,
        restore_time: Dist::Constant(secs(1_800)),
    }
}

/// [AZ] cross-zone round trip 1 ms (within the "single-digit ms" AWS
/// describes; assumption), same zone 0.2 ms (assumption), client RTT 0
/// (the internet leg is not modelled unless set).
pub(super) fn network() -> NetworkPreset {
    NetworkPreset {
        same_zone_rtt: Dist::Constant(SimDuration::from_micros(200)),
        cross_zone_rtt: ms(1),
        client_rtt: Dist::Constant(SimDuration::ZERO),
    }
}

/// [ASG] grace period 300 s; boot lognormal with median 30 s and p99 120 s
/// (the benchmarks' typical 25–30 s and 1–2 min tail). Assumption: 60 s of
/// application warm-up after boot.
pub(super) fn auto_scaling_group() -> AutoScalingPreset {
    AutoScalingPreset {
        grace_period: secs(300),
        launch_time: Dist::lognormal_from_median_p99(secs(30), secs(120)),
        warmup: secs(60),
    }
}
