//! A scenario, resolved: workload, client behaviour, faults, SLOs. A scenario
//! names model components and zones by name (it can run against several
//! models); `run` resolves the names against a model when it builds a run.

use super::SourcePos;
use crate::dist::Dist;
use crate::time::SimDuration;

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
    pub slo: SloConfig,
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
    /// Distinct clients (keys for consistent hashing; DNS caches).
    pub clients: u32,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    InstanceCrash {
        mode: DownMode,
    },
    ZoneOutage {
        mode: DownMode,
    },
    /// The database primary fails; the model's failover takes over.
    DatabasePrimaryFailure,
    /// Failovers started while this fault is active fail.
    FailoverFailure,
    CacheNodeLoss,
    /// The volume and its data are lost; recovery restores from snapshot.
    VolumeLoss,
}

impl FaultAction {
    pub fn name(&self) -> &'static str {
        match self {
            FaultAction::InstanceCrash { .. } => "instance_crash",
            FaultAction::ZoneOutage { .. } => "zone_outage",
            FaultAction::DatabasePrimaryFailure => "database_primary_failure",
            FaultAction::FailoverFailure => "failover_failure",
            FaultAction::CacheNodeLoss => "cache_node_loss",
            FaultAction::VolumeLoss => "volume_loss",
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
    pub select: Selection,
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
