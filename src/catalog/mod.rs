//! Presets for real component types: the defaults a model file gets when it
//! says `preset: aws/alb`. A user's value always wins over a preset; a preset
//! wins over the generic defaults in [`generic`].
//!
//! Each preset is plain data built by a function in `aws.rs`, with the public
//! source of every number in a comment (figures from the AWS documentation
//! pages cited there; numbers without a source are marked as assumptions).

mod aws;
pub mod generic;
pub mod prices;

use crate::config::{HealthCheckConfig, Strategy};
use crate::dist::Dist;
use crate::time::SimDuration;

#[derive(Clone, Debug)]
pub struct LoadBalancerPreset {
    pub strategy: Strategy,
    pub cross_zone: bool,
    pub health_check: Option<HealthCheckConfig>,
    pub connect_timeout: SimDuration,
    pub dns_ttl: SimDuration,
}

#[derive(Clone, Debug)]
pub struct InstancePreset {
    /// Default tier concurrency: one request per vCPU.
    pub vcpus: u32,
}

#[derive(Clone, Debug)]
pub struct DatabasePreset {
    /// Whether the offering keeps a synchronous standby in another zone.
    pub multi_az: bool,
    pub concurrency: u32,
    pub read_time: Dist,
    pub write_time: Dist,
    pub detection: Dist,
    pub promotion: Dist,
    pub failure_probability: f64,
    pub promote_replicas: bool,
    pub endpoint_ttl: SimDuration,
    pub restart_time: Dist,
    /// An ordered reboot (`RebootDBInstance` without failover).
    pub reboot_time: Dist,
    /// `PromoteReadReplica`: the replica reboots into a standalone instance.
    pub replica_promotion_time: Dist,
    /// Instance, Multi-AZ instance, Multi-AZ cluster or Aurora.
    pub deployment: crate::config::Deployment,
    pub log_upload_every: Option<SimDuration>,
    /// Replication lag of read replicas.
    pub replica_lag: Dist,
}

#[derive(Clone, Debug)]
pub struct CachePreset {
    pub service_time: Dist,
    pub warmup: SimDuration,
    pub replace_time: Dist,
}

#[derive(Clone, Debug)]
pub struct VolumePreset {
    pub annual_failure_rate: f64,
    /// Snapshot rates (presets' snapshots are incremental).
    pub snapshot: crate::config::IncrementalSnapshot,
    pub restore_time: Dist,
}

/// An Auto Scaling group's timings; `max_size` depends on the tier, so it
/// is not part of a preset.
#[derive(Clone, Debug)]
pub struct AutoScalingPreset {
    pub grace_period: SimDuration,
    pub launch_time: Dist,
    pub warmup: SimDuration,
}

#[derive(Clone, Debug)]
pub struct ObjectStorePreset {
    pub service_time: Dist,
}

#[derive(Clone, Debug)]
pub struct NetworkPreset {
    pub same_zone_rtt: Dist,
    pub cross_zone_rtt: Dist,
    pub client_rtt: Dist,
}

/// A preset of any kind, looked up by name.
#[derive(Clone, Debug)]
pub enum Preset {
    LoadBalancer(LoadBalancerPreset),
    Instance(InstancePreset),
    Database(DatabasePreset),
    Cache(CachePreset),
    Volume(VolumePreset),
    ObjectStore(ObjectStorePreset),
    Network(NetworkPreset),
    AutoScaling(AutoScalingPreset),
}

impl Preset {
    /// What kind of component the preset is for, as written in files.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Preset::LoadBalancer(_) => "load_balancer",
            Preset::Instance(_) => "tier",
            Preset::Database(_) => "database",
            Preset::Cache(_) => "cache",
            Preset::Volume(_) => "volume",
            Preset::ObjectStore(_) => "object_store",
            Preset::Network(_) => "network",
            Preset::AutoScaling(_) => "auto_scaling",
        }
    }
}

/// The preset with this name (`aws/alb`), if the catalog has one.
pub fn lookup(name: &str) -> Option<Preset> {
    aws::lookup(name)
}

/// Every preset name, sorted, for error messages and documentation.
pub fn names() -> Vec<&'static str> {
    let mut names = aws::NAMES.to_vec();
    names.sort_unstable();
    names
}

/// Preset names of one kind, for "expected one of" messages.
pub fn names_of_kind(kind: &str) -> Vec<&'static str> {
    names()
        .into_iter()
        .filter(|n| lookup(n).is_some_and(|p| p.kind_name() == kind))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_resolves() {
        for name in names() {
            assert!(lookup(name).is_some(), "{name} listed but missing");
        }
        assert!(lookup("aws/nope").is_none());
        assert!(names_of_kind("load_balancer").contains(&"aws/alb"));
    }

    #[test]
    fn rds_multi_az_failover_totals_60_to_120_seconds() {
        let Some(Preset::Database(db)) = lookup("aws/rds-multi-az") else {
            panic!("aws/rds-multi-az missing");
        };
        let low = db.detection.high_quantile_s().min(20.0);
        assert!(db.detection.mean_s() + db.promotion.mean_s() >= 60.0);
        assert!(low + db.promotion.high_quantile_s() <= 120.0);
    }
}
