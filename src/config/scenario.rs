//! A scenario, resolved: workload, client behaviour, faults, SLOs. A scenario
//! names model components and zones by name (it can run against several
//! models); `run` resolves the names against a model when it builds a run.

use super::SourcePos;
use crate::dist::Dist;
use crate::time::{SimDuration, Timestamp};

#[derive(Clone, Debug)]
pub struct ScenarioConfig {
    pub name: String,
    pub horizon: SimDuration,
    /// Requests arriving before the end of the warm-up are not measured.
    pub warmup: SimDuration,
    pub seed: Option<u64>,
    pub workload: WorkloadConfig,
    pub client: ClientConfig,
    pub faults: Vec<FaultConfig>,
    pub random_failures: Vec<RandomFailureConfig>,
    /// How many zones random zone events may hold down at once (`None`:
    /// no limit). Scripted faults ignore it.
    pub failure_budget_zones_down: Option<u32>,
    /// Alarms that end every scripted fault when they trip (AWS FIS).
    pub stop_conditions: Vec<StopCondition>,
    /// What a target that resolves to no node does to the experiment
    /// (AWS FIS `experimentOptions.emptyTargetResolutionMode`).
    pub empty_target_resolution: EmptyTargetResolution,
    pub slo: SloConfig,
    /// Where time 0 is on the wall clock (`start:`), for incident replays;
    /// only ever used to print times, never read from the system clock.
    pub start: Option<Timestamp>,
    /// Named phases of the scenario, in time order, inside the horizon.
    pub phases: Vec<Phase>,
    /// `goodput:`: keep offered load, attempts and goodput per second and
    /// judge whether goodput came back after the scripted faults
    /// (`metrics/load_series.rs`); `None`: not kept, no cost.
    pub goodput: Option<GoodputWatch>,
}

/// How a run judges recovery from its scripted faults (`goodput:`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GoodputWatch {
    /// The pre-trigger level is the mean goodput over this window before
    /// the first scripted fault starts.
    pub baseline: SimDuration,
    /// Goodput is back when it reaches this fraction of that level...
    pub threshold: f64,
    /// ...averaged over this many seconds in a row, after the last
    /// scripted fault ended.
    pub hold: SimDuration,
}

impl Default for GoodputWatch {
    fn default() -> Self {
        GoodputWatch {
            baseline: SimDuration::from_secs(60),
            threshold: 0.95,
            hold: SimDuration::from_secs(10),
        }
    }
}

/// AWS FIS `emptyTargetResolutionMode` ("Experiment options for AWS FIS").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EmptyTargetResolution {
    /// The experiment fails: no action starts afterwards and the running
    /// ones end (FIS default).
    #[default]
    Fail,
    /// The action (or random process) with no target is skipped; the rest
    /// of the experiment goes on.
    Skip,
}

impl EmptyTargetResolution {
    pub fn name(self) -> &'static str {
        match self {
            EmptyTargetResolution::Fail => "fail",
            EmptyTargetResolution::Skip => "skip",
        }
    }
}

/// A named moment of a scenario (an incident's detection, mitigation...).
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub name: String,
    /// Offset from the start of the run.
    pub at: SimDuration,
}

/// Scripted faults stop when the measured stream crosses a threshold over
/// the last `window` (like an AWS FIS experiment's CloudWatch alarm).
#[derive(Clone, Debug, PartialEq)]
pub struct StopCondition {
    pub metric: StopMetric,
    pub window: SimDuration,
    pub pos: SourcePos,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StopMetric {
    /// Trips when the fraction of completed requests that succeeded falls
    /// below this.
    AvailabilityBelow(f64),
    /// Trips when the fraction of completed requests that failed exceeds this.
    ErrorRateAbove(f64),
    /// Trips when the 99th percentile latency of successful requests
    /// exceeds this.
    LatencyP99Above(SimDuration),
}

#[derive(Clone, Debug)]
pub struct WorkloadConfig {
    /// Mean arrival rate (the peak for `Diurnal`, the base for `Step`).
    pub rate_per_s: f64,
    pub profile: Profile,
    /// Overrides the model's class shares: (class name, share).
    pub mix: Option<Vec<(String, f64, SourcePos)>>,
    /// Distinct clients (keys for consistent hashing; DNS caches). Each
    /// is one user's browser: its session for sticky load balancers.
    pub clients: u32,
    /// How long a user's session lasts before a new user (no cookie, no
    /// state) takes the client's place; `None` = the whole run.
    pub session_length: Option<Dist>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    Constant,
    /// Sinusoid over 24 h between `trough_factor`·rate and rate, peaking at
    /// `peak_at` after midnight (the run starts at midnight).
    Diurnal {
        trough_factor: f64,
        peak_at: SimDuration,
    },
    /// Piecewise constant: from each `at`, rate × factor.
    Step {
        steps: Vec<(SimDuration, f64)>,
    },
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Per-attempt timeout; `None` waits forever.
    pub timeout: Option<SimDuration>,
    pub retries: RetryConfig,
    /// A cap on retries (`model/retry_budget.rs`); `None`: every failure
    /// may be retried up to `max_attempts`.
    pub retry_budget: Option<RetryBudgetConfig>,
}

/// `retry_budget:` of a client (`model/retry_budget.rs` states the rules).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryBudgetConfig {
    pub kind: RetryBudgetKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RetryBudgetKind {
    /// The AWS SDKs' retry quota: a token bucket per client.
    TokenBucket {
        tokens: u32,
        retry_cost: u32,
        timeout_cost: u32,
        success_refund: u32,
    },
    /// Finagle's `RetryBudget`: retries at most `ratio` × requests plus
    /// `min_per_second` over the last `window`.
    Ratio {
        ratio: f64,
        min_per_second: f64,
        window: SimDuration,
    },
}

impl RetryBudgetConfig {
    /// AWS SDK standard retry mode: 500 tokens, 5 per retry, 10 per retry
    /// after a timeout, 1 back per first-attempt success ("Retry
    /// behavior", AWS SDKs and Tools Reference Guide).
    pub fn aws_sdk() -> RetryBudgetConfig {
        RetryBudgetConfig {
            kind: RetryBudgetKind::TokenBucket {
                tokens: 500,
                retry_cost: 5,
                timeout_cost: 10,
                success_refund: 1,
            },
        }
    }

    /// Finagle `RetryBudget` defaults: 20 % of requests, 10 retries a
    /// second, over 10 s (Finagle user guide, "Retries").
    pub fn finagle() -> RetryBudgetConfig {
        RetryBudgetConfig {
            kind: RetryBudgetKind::Ratio {
                ratio: 0.2,
                min_per_second: 10.0,
                window: SimDuration::from_secs(10),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// Total attempts including the first (1 = no retries).
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub base: SimDuration,
    pub cap: SimDuration,
    pub jitter: Jitter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    Constant,
    Exponential,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
    Equal,
    Decorrelated,
}

/// How a failed node looks to whoever talks to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownMode {
    /// The host answers with a refusal (process died): callers fail at once.
    Refuse,
    /// Nothing answers (power, host or network loss): callers wait for
    /// their own timeouts.
    Blackhole,
}

#[derive(Clone, Debug)]
pub struct FaultConfig {
    /// The name other actions use in `after`; generated when absent.
    pub id: String,
    pub action: FaultAction,
    pub target: TargetConfig,
    pub start: FaultStart,
    /// `None` = lasts to the end of the run.
    pub duration: Option<SimDuration>,
    pub pos: SourcePos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultStart {
    At(SimDuration),
    /// After the action at this index in `faults` ends, plus a delay.
    After {
        fault: usize,
        delay: SimDuration,
    },
}

/// Not `Copy`: gray failures carry distributions and component names.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultAction {
    /// A new version rolled over a tier's instances (`fault/deploy.rs`).
    Deployment(Box<DeploymentConfig>),
    InstanceCrash {
        mode: DownMode,
    },
    ZoneOutage {
        mode: DownMode,
    },
    /// The database primary fails; the model's failover takes over.
    DatabasePrimaryFailure,
    /// `RebootDBInstance` on the primary (FIS `aws:rds:reboot-db-instances`):
    /// in place for the database's `reboot_time`, or with `force_failover`
    /// through a Multi-AZ failover (refused without a standby).
    DatabaseReboot {
        force_failover: bool,
    },
    /// `FailoverDBCluster` (FIS `aws:rds:failover-db-cluster`): DB clusters
    /// only (Aurora, Multi-AZ DB cluster).
    DatabaseClusterFailover,
    /// `PromoteReadReplica`: a read replica becomes a standalone primary
    /// after its `replica_promotion_time`, losing what it had not received.
    ReplicaPromotion,
    /// Failovers started while this fault is active fail. Each targeted
    /// database is affected with `probability` (drawn once at the start,
    /// from the fault's own stream): "a small fraction of Multi-AZ
    /// failovers did not happen" (AWS, April 2011). 1 = always.
    FailoverFailure {
        probability: f64,
    },
    CacheNodeLoss,
    /// The volume and its data are lost; recovery restores from snapshot.
    VolumeLoss,
    /// Every client sends `factor` times as many requests.
    TrafficSpike {
        factor: f64,
    },
    /// Requests of the target's `class` arrive `factor` times as often.
    ClassSurge {
        factor: f64,
    },
    /// A `fraction` of callers ignore DNS TTLs: answers they cache while
    /// the fault is active are kept for `keep` instead.
    DnsStale {
        fraction: f64,
        keep: SimDuration,
    },
    /// An external dependency is down (refusing or blackholing calls).
    DependencyOutage {
        mode: DownMode,
    },
    /// Calls to an external dependency take `latency` longer.
    DependencySlow {
        latency: Dist,
    },
    // Data faults (volumes, backups, databases, caches): behaviour in
    // `fault/data.rs` and `model/data_faults.rs`.
    /// I/O on the volumes hangs: service on their nodes completes only
    /// when the stall ends.
    VolumeIoStall,
    /// Volume throughput falls to `fraction` of normal.
    VolumeDegraded {
        fraction: f64,
    },
    /// Silent corruption, found by the first read; restore from the latest
    /// snapshot taken before it.
    VolumeCorruption,
    /// Snapshots that start while active never complete.
    SnapshotFailure,
    /// Snapshots and shipped logs never reach object storage.
    BackupNotUploaded,
    /// The latest completed snapshot is corrupt (found at restore time).
    BackupCorrupt,
    /// Replication to the targeted replicas stops (applied position frozen).
    ReplicationStop,
    /// Failovers starting while active take `factor` × their drawn time,
    /// plus `extra`.
    SlowFailover {
        factor: f64,
        extra: SimDuration,
    },
    /// Failovers while active promote the most lagged of the targeted
    /// replicas instead of the standby.
    PromoteLaggingReplica,
    /// The standby is promoted while the old primary keeps taking writes.
    SplitBrain,
    /// The primary's data directory is deleted (restore from backups).
    DataWipe,
    /// Every node of the cache loses its data at once; warms over `warmup`
    /// (default: the cache's).
    CacheFlush {
        warmup: Option<SimDuration>,
    },
    // Capacity and control plane (fault/capacity.rs).
    /// Control-plane changes do not happen: launches, volume attachment,
    /// DNS changes, each as chosen.
    ControlPlaneOutage {
        launch: bool,
        attach: bool,
        dns: bool,
    },
    /// At most `instances` more launches in the target zones (or all).
    CapacityLimit {
        instances: u32,
    },
    /// Spot instances get a 2-minute notice, then are reclaimed.
    SpotInterruption {
        rebalance: bool,
    },
    // Instance lifecycle (`model/lifecycle.rs`), after the AWS FIS
    // actions of the same names.
    /// `aws:ec2:terminate-instances`: the instance is gone; its root volume
    /// too when `delete_on_termination`. An Auto Scaling group replaces it;
    /// without one, a replacement serves after the fault's duration, if any.
    InstanceTerminate,
    /// `aws:ec2:stop-instances`: stopping, then stopped (volumes kept);
    /// started again after the fault's duration (`startInstancesAfterDuration`),
    /// booting before it serves, with a new public address unless it has an
    /// Elastic IP.
    InstanceStop,
    /// `aws:ec2:reboot-instances`: down for one boot; volumes and addresses
    /// kept.
    InstanceReboot,
    /// The instance's physical host fails (its system status check fails):
    /// simplified automatic recovery moves it to a new host, if enabled;
    /// otherwise it is down until the fault's end.
    InstanceHostFailure,
    // Gray failures and network faults (see `GrayFault`).
    Gray(GrayFault),
}

/// How a deployment replaces the old version (`fault/deploy.rs`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DeployStrategy {
    /// Batches of `batch` of the instances, `wait` apart.
    Rolling { batch: f64 },
    /// Every instance switches at once after the new fleet's launch time.
    BlueGreen,
    /// `canary` of the instances, a `bake`, then the rest at once.
    Canary { fraction: f64, bake: SimDuration },
}

/// What rolls a deployment back.
#[derive(Clone, Debug, PartialEq)]
pub enum Rollback {
    /// Its own alarm on the request stream (a CloudWatch alarm watched by
    /// CodeDeploy), armed while the deployment runs.
    Alarm(StopCondition),
    /// The scenario's stop conditions.
    StopConditions,
}

/// `action: deployment`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentConfig {
    pub strategy: DeployStrategy,
    /// Health-check grace between batches (after a batch is back).
    pub wait: SimDuration,
    /// Restart time of one instance; `None`: the tier's boot time.
    pub restart: Option<Dist>,
    /// The new version: share of requests answered with an error, service
    /// time multiplier (1: unchanged) and latency added.
    pub error_rate: f64,
    pub slowdown: f64,
    pub latency: Option<Dist>,
    pub rollback: Option<Rollback>,
}

/// Gray failures (the node stays up and passes health checks but serves
/// badly) and network faults; behaviour in `model/gray.rs`.
#[derive(Clone, Debug, PartialEq)]
pub enum GrayFault {
    /// Every request served by the targets takes this much longer.
    Latency { latency: Dist },
    /// Service times on the targets are multiplied by `factor` (> 1).
    Slowdown { factor: f64 },
    /// `fraction` of each target's concurrency is gone (rounded down).
    CapacityLoss { fraction: f64 },
    /// Slower by `factor`, and `fraction` of requests fail after service.
    Limp { factor: f64, fraction: f64 },
    /// Every cross-zone hop to or from the target zone (all, without one)
    /// takes `latency` longer.
    LinkLatency { latency: Dist },
    /// Each such hop is lost with `probability` and retransmitted after a
    /// TCP retransmission timeout.
    PacketLoss { probability: f64 },
    /// Every hop across the zone's boundary blackholes.
    ZoneIsolation,
    /// Calls from component `from` to component `to` blackhole or are
    /// refused (a firewall or security-group change).
    PathBlock {
        from: String,
        to: String,
        mode: DownMode,
    },
    /// Every zone dark and regional services down.
    RegionOutage,
}

impl GrayFault {
    pub fn name(&self) -> &'static str {
        match self {
            GrayFault::Latency { .. } => "latency",
            GrayFault::Slowdown { .. } => "slowdown",
            GrayFault::CapacityLoss { .. } => "capacity_loss",
            GrayFault::Limp { .. } => "limp",
            GrayFault::LinkLatency { .. } => "link_latency",
            GrayFault::PacketLoss { .. } => "packet_loss",
            GrayFault::ZoneIsolation => "zone_isolation",
            GrayFault::PathBlock { .. } => "path_block",
            GrayFault::RegionOutage => "region_outage",
        }
    }
}

impl FaultAction {
    /// Whether the action acts on nodes its target selects (instances,
    /// database nodes or databases, cache nodes or caches, volumes): those
    /// are the targets that can resolve to nothing, and the ones `filters`
    /// apply to. Zone, workload, dependency, link and regional actions name
    /// what they act on, and a name the model lacks is an input error.
    pub fn selects_nodes(&self) -> bool {
        use FaultAction as A;
        match self {
            A::InstanceCrash { .. }
            | A::DatabasePrimaryFailure
            | A::FailoverFailure { .. }
            | A::CacheNodeLoss
            | A::VolumeLoss
            | A::SpotInterruption { .. }
            | A::VolumeIoStall
            | A::VolumeDegraded { .. }
            | A::VolumeCorruption
            | A::SnapshotFailure
            | A::BackupNotUploaded
            | A::BackupCorrupt
            | A::ReplicationStop
            | A::SlowFailover { .. }
            | A::PromoteLaggingReplica
            | A::SplitBrain
            | A::DataWipe
            | A::CacheFlush { .. }
            | A::InstanceTerminate
            | A::InstanceStop
            | A::InstanceReboot
            | A::InstanceHostFailure
            | A::DatabaseReboot { .. }
            | A::DatabaseClusterFailover
            | A::ReplicaPromotion
            | A::Deployment(_) => true,
            A::Gray(g) => matches!(
                g,
                GrayFault::Latency { .. }
                    | GrayFault::Slowdown { .. }
                    | GrayFault::CapacityLoss { .. }
                    | GrayFault::Limp { .. }
            ),
            A::ZoneOutage { .. }
            | A::TrafficSpike { .. }
            | A::ClassSurge { .. }
            | A::DnsStale { .. }
            | A::DependencyOutage { .. }
            | A::DependencySlow { .. }
            | A::ControlPlaneOutage { .. }
            | A::CapacityLimit { .. } => false,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            FaultAction::InstanceCrash { .. } => "instance_crash",
            FaultAction::ZoneOutage { .. } => "zone_outage",
            FaultAction::DatabasePrimaryFailure => "database_primary_failure",
            FaultAction::DatabaseReboot { .. } => "database_reboot",
            FaultAction::DatabaseClusterFailover => "database_cluster_failover",
            FaultAction::ReplicaPromotion => "replica_promotion",
            FaultAction::FailoverFailure { .. } => "failover_failure",
            FaultAction::CacheNodeLoss => "cache_node_loss",
            FaultAction::VolumeLoss => "volume_loss",
            FaultAction::TrafficSpike { .. } => "traffic_spike",
            FaultAction::ClassSurge { .. } => "class_surge",
            FaultAction::DnsStale { .. } => "dns_stale",
            FaultAction::DependencyOutage { .. } => "dependency_outage",
            FaultAction::DependencySlow { .. } => "dependency_slow",
            FaultAction::VolumeIoStall => "volume_io_stall",
            FaultAction::VolumeDegraded { .. } => "volume_degraded",
            FaultAction::VolumeCorruption => "volume_corruption",
            FaultAction::SnapshotFailure => "snapshot_failure",
            FaultAction::BackupNotUploaded => "backup_not_uploaded",
            FaultAction::BackupCorrupt => "backup_corrupt",
            FaultAction::ReplicationStop => "replication_stop",
            FaultAction::SlowFailover { .. } => "slow_failover",
            FaultAction::PromoteLaggingReplica => "promote_lagging_replica",
            FaultAction::SplitBrain => "split_brain",
            FaultAction::DataWipe => "data_wipe",
            FaultAction::CacheFlush { .. } => "cache_flush",
            FaultAction::Gray(gray) => gray.name(),
            FaultAction::Deployment(_) => "deployment",
            FaultAction::ControlPlaneOutage { .. } => "control_plane_outage",
            FaultAction::CapacityLimit { .. } => "capacity_limit",
            FaultAction::SpotInterruption { .. } => "spot_interruption",
            FaultAction::InstanceTerminate => "instance_terminate",
            FaultAction::InstanceStop => "instance_stop",
            FaultAction::InstanceReboot => "instance_reboot",
            FaultAction::InstanceHostFailure => "instance_host_failure",
        }
    }
}

/// Which nodes an action or random process applies to. All filters given
/// must match; `select` then picks among the matches.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetConfig {
    /// A component by name (a tier, database, cache...).
    pub component: Option<String>,
    /// Only nodes in this zone (or, for zone outages, the zone itself).
    pub zone: Option<String>,
    /// Every component of this kind (`instance`, `database`, `cache`, `volume`).
    pub kind: Option<TargetKind>,
    /// A request class (load faults).
    pub class: Option<String>,
    /// Only components carrying this tag.
    pub tag: Option<String>,
    /// Resource filters on node attributes (AWS FIS `filters`): a node
    /// passes when, for every filter, its attribute equals one of `values`.
    pub filters: Vec<TargetFilter>,
    pub select: Selection,
    pub pos: SourcePos,
}

/// One resource filter: the attribute at `path` must equal one of
/// `values`. Paths are checked against the model's kind when a run is
/// built (`fault::target::ATTRIBUTES`).
#[derive(Clone, Debug, PartialEq)]
pub struct TargetFilter {
    pub path: String,
    pub values: Vec<String>,
    /// Where `path` is, for errors.
    pub pos: SourcePos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Instance,
    Database,
    Cache,
    Volume,
    LoadBalancer,
    /// A whole zone (random zone events only).
    Zone,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Selection {
    All,
    Count(u32),
    /// 0–100.
    Percent(f64),
}

#[derive(Clone, Debug)]
pub struct RandomFailureConfig {
    pub target: TargetConfig,
    /// Time to failure of each targeted node, from repair to next failure;
    /// `None` uses the component's own rate (a volume's annual failure rate).
    pub time_to_failure: Option<Dist>,
    /// Time to repair; `None` uses the component's own recovery (volume
    /// restore, database failover or restart).
    pub time_to_repair: Option<Dist>,
    pub mode: DownMode,
    /// Correlated failures: each failure may take neighbours with it.
    pub burst: Option<BurstConfig>,
}

/// With `probability`, a failure also takes down `neighbours` other nodes
/// of the same kind in the same zone (a rack or power-domain event), each
/// within `within` of the first.
#[derive(Clone, Debug, PartialEq)]
pub struct BurstConfig {
    pub probability: f64,
    pub neighbours: u32,
    pub within: SimDuration,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SloConfig {
    /// Fraction of requests that must succeed (0.999 = 99.9 %).
    pub availability: Option<f64>,
    pub latency_p99: Option<SimDuration>,
    pub writes_lost: Option<u64>,
}
