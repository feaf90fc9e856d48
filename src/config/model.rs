//! A candidate architecture, resolved. Indices (`ZoneIndex`, `ComponentIndex`,
//! `ClassIndex`) are positions in the vectors of [`ModelConfig`], in file order.

use crate::dist::Dist;
use crate::time::SimDuration;

pub type ZoneIndex = usize;
pub type ComponentIndex = usize;
pub type ClassIndex = usize;

/// Tiers one request path may pass: a request holds a slot on each until it
/// ends, in a fixed-size array (bounded memory per request).
pub const MAX_TIERS_IN_PATH: usize = 8;

#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub name: String,
    /// Zone names; a zone's index is its position here.
    pub zones: Vec<String>,
    pub network: NetworkConfig,
    pub components: Vec<ComponentConfig>,
    pub request_classes: Vec<RequestClassConfig>,
}

/// Round-trip times added on each hop of a request.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Between two components in the same zone.
    pub same_zone_rtt: Dist,
    /// Between components in different zones.
    pub cross_zone_rtt: Dist,
    /// From the client (outside the region) to the first component.
    pub client_rtt: Dist,
}

#[derive(Clone, Debug)]
pub struct ComponentConfig {
    pub name: String,
    /// The catalog preset the defaults came from, if any (for reports).
    pub preset: Option<String>,
    /// Free labels (`critical`, `team-payments`) that fault targets can
    /// select by, as AWS FIS selects resources by tag.
    pub tags: Vec<String>,
    /// The file's own monthly price for the whole component (USD per
    /// 730-hour month); replaces the catalog's price when set.
    pub cost_per_month: Option<f64>,
    pub kind: ComponentKind,
}

#[derive(Clone, Debug)]
pub enum ComponentKind {
    Tier(TierConfig),
    LoadBalancer(LoadBalancerConfig),
    Database(DatabaseConfig),
    Cache(CacheConfig),
    ObjectStore(ObjectStoreConfig),
    External(ExternalConfig),
}

impl ComponentKind {
    /// The kind's name as written in files (`kind: tier`).
    pub fn name(&self) -> &'static str {
        match self {
            ComponentKind::Tier(_) => "tier",
            ComponentKind::LoadBalancer(_) => "load_balancer",
            ComponentKind::Database(_) => "database",
            ComponentKind::Cache(_) => "cache",
            ComponentKind::ObjectStore(_) => "object_store",
            ComponentKind::External(_) => "external",
        }
    }
}

/// A group of identical instances placed `per_zone` in each of `zones`
/// (with an Auto Scaling group, its desired capacity spread over them).
#[derive(Clone, Debug)]
pub struct TierConfig {
    pub zones: Vec<ZoneIndex>,
    pub per_zone: u32,
    /// Requests one instance serves at once.
    pub concurrency: u32,
    /// Requests one instance holds waiting; `None` = unbounded.
    pub queue_limit: Option<u32>,
    /// Service slows down under a backlog (`model/overload.rs`).
    pub overload: Option<OverloadConfig>,
    /// Queue timeouts, queue discipline, rate limits and priority shedding
    /// (`model/admission.rs`); `None` = one FIFO queue that serves everything.
    pub admission: Option<AdmissionConfig>,
    /// Service time for each request class (index = `ClassIndex`), already
    /// filled with the tier's default where a class has no override.
    pub service_time_by_class: Vec<Dist>,
    /// A block volume attached to each instance.
    pub volume: Option<VolumeConfig>,
    /// An Auto Scaling group replacing failed instances; `None` = fixed.
    pub auto_scaling: Option<AutoScalingConfig>,
    /// Where the instances keep user-session state (matters only behind a
    /// load balancer with sticky sessions; see `model/sticky.rs`).
    pub session_state: SessionState,
    /// Each instance's lifecycle: root volume, recovery, public address,
    /// stop and boot times (behaviour in `model/lifecycle.rs`).
    pub instance: InstanceConfig,
}

/// Where a tier keeps its users' session state (`session_state:`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionState {
    /// In the instance's memory: a session moved to another instance, or
    /// whose instance restarted, loses it.
    #[default]
    Local,
    /// In a shared store (ElastiCache, DynamoDB): any instance can serve
    /// any session, so moving a session loses nothing.
    Cache,
}

impl TierConfig {
    /// Instances running at the start in the `i`-th of the tier's zones:
    /// `per_zone`, or the group's desired capacity spread over its zones.
    pub fn initial_in_zone(&self, i: usize) -> u32 {
        match &self.auto_scaling {
            Some(a) => a.initial_in_zone(i, self.zones.len()),
            None => self.per_zone,
        }
    }

    /// Instances running at the start, over every zone.
    pub fn initial_instances(&self) -> u32 {
        (0..self.zones.len()).map(|i| self.initial_in_zone(i)).sum()
    }
}

/// What an EC2 instance of a tier does when it is stopped, started,
/// rebooted, terminated or loses its host.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceConfig {
    /// The root volume's `DeleteOnTermination` (EC2 default for root
    /// volumes: true). A database hosted on the instance lives on it.
    pub delete_on_termination: bool,
    /// EC2 simplified automatic recovery (on by default for supported
    /// instance types): a failed host is replaced, same volumes and
    /// addresses, after the system status check alarm.
    pub auto_recovery: bool,
    /// An Elastic IP is attached: the public address survives stop/start.
    pub elastic_ip: bool,
    /// From a start (or a recovery, or a reboot) to serving again.
    pub boot_time: Dist,
    /// From a stop request to `stopped`.
    pub stop_time: Dist,
    /// TTL of the DNS record naming the instances' public addresses
    /// (clients that reach the tier directly).
    pub dns_ttl: SimDuration,
    /// From a public address change to the DNS record naming the new one
    /// (the operator's or a script's update).
    pub dns_update_time: SimDuration,
}

/// Which health signal makes the Auto Scaling group replace an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsgHealthCheck {
    /// EC2 status checks only (the default).
    Ec2,
    /// EC2 status checks, and the tier's load balancers' health checks.
    Elb,
}

/// An EC2 Auto Scaling group over the tier's zones (its subnets); behaviour
/// in `model/auto_scaling.rs` and `model/scaling_policy.rs`.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoScalingConfig {
    pub health_check: AsgHealthCheck,
    /// After a launch, health checks are ignored for this long.
    pub grace_period: SimDuration,
    /// From the launch request to a booted instance.
    pub launch_time: Dist,
    /// Application warm-up after boot, before the instance joins.
    pub warmup: SimDuration,
    /// Desired capacity at the start (`DesiredCapacity`).
    pub desired: u32,
    /// The group never scales in below this (`MinSize`).
    pub min_size: u32,
    /// Instances (running or launching) the group may have at once
    /// (`MaxSize`); each zone keeps this many instance slots, so the whole
    /// group fits in any one zone (bounded memory).
    pub max_size: u32,
    /// Dynamic scaling policies, evaluated on CloudWatch-style alarms.
    pub policies: Vec<ScalingPolicyConfig>,
}

impl AutoScalingConfig {
    /// Instances the group starts with in the `i`-th of `zones` zones:
    /// spread evenly, the earlier zones taking the remainder (AWS balances
    /// a group across its Availability Zones).
    pub fn initial_in_zone(&self, i: usize, zones: usize) -> u32 {
        let zones = zones.max(1) as u32;
        self.desired / zones + u32::from((i as u32) < self.desired % zones)
    }
}

/// A metric a scaling policy watches, averaged over the group's in-service
/// instances (CloudWatch's `ASGAverageCPUUtilization` and
/// `ALBRequestCountPerTarget`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingMetric {
    /// Busy request slots over concurrency, in percent (a thread-per-request
    /// server's utilization: the proxy for CPU utilization).
    Utilization,
    /// Requests that started service per in-service instance, per period.
    RequestCountPerTarget,
}

/// How a period's samples fold into one datapoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    Average,
    Maximum,
    Minimum,
}

/// Which side of the threshold is a breach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    GreaterThanOrEqual,
    GreaterThan,
    LessThan,
    LessThanOrEqual,
}

impl Comparison {
    pub fn breached(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqual => value >= threshold,
            Comparison::GreaterThan => value > threshold,
            Comparison::LessThan => value < threshold,
            Comparison::LessThanOrEqual => value <= threshold,
        }
    }
}

/// A CloudWatch metric alarm: in ALARM once `evaluation_periods`
/// consecutive datapoints of `period` breach `threshold`.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmConfig {
    pub metric: ScalingMetric,
    pub statistic: Statistic,
    pub period: SimDuration,
    pub evaluation_periods: u32,
    pub threshold: f64,
    pub comparison: Comparison,
}

/// How a scaling adjustment changes the desired capacity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Adjustment {
    /// `ChangeInCapacity`: add (or remove) this many instances.
    Change(i32),
    /// `ExactCapacity`: set the desired capacity.
    Exact(u32),
    /// `PercentChangeInCapacity`: change by this percent of the current
    /// capacity, at least `min_magnitude` instances.
    Percent { percent: f64, min_magnitude: u32 },
}

/// One step of a step scaling policy: applies while the breach (metric −
/// threshold) is in [lower, upper).
#[derive(Clone, Debug, PartialEq)]
pub struct StepConfig {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: Adjustment,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ScalingPolicyConfig {
    /// Keep `metric` near `target`: scale out on 3 breaching one-minute
    /// datapoints, in on 15 below 90 % of target (the alarms AWS creates).
    TargetTracking {
        metric: ScalingMetric,
        target: f64,
        /// New instances' metrics are ignored and further scale-outs wait
        /// for them this long (`EstimatedInstanceWarmup`).
        instance_warmup: SimDuration,
        disable_scale_in: bool,
    },
    /// Apply `adjustment` when the alarm is in ALARM, then wait `cooldown`.
    Simple {
        alarm: AlarmConfig,
        adjustment: Adjustment,
        cooldown: SimDuration,
    },
    /// Apply the step matching the breach size, counting the capacity
    /// still warming from earlier steps.
    Step {
        alarm: AlarmConfig,
        steps: Vec<StepConfig>,
        instance_warmup: SimDuration,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    RoundRobin,
    LeastOutstanding,
    Random,
    PowerOfTwoChoices,
    ConsistentHash,
}

#[derive(Clone, Debug)]
pub struct LoadBalancerConfig {
    /// The tier it balances over.
    pub target: ComponentIndex,
    pub strategy: Strategy,
    pub cross_zone: bool,
    /// Zones with a load-balancer node (defaults to the target tier's zones).
    pub zones: Vec<ZoneIndex>,
    /// `None` = health checks disabled: dead targets keep receiving traffic.
    pub health_check: Option<HealthCheckConfig>,
    /// How long a node waits for a blackholed target before answering 504.
    pub connect_timeout: SimDuration,
    /// TTL of the load balancer's DNS name (clients' view of its nodes).
    pub dns_ttl: SimDuration,
    /// Sticky sessions (ALB target-group `stickiness.*`); `None` = off.
    pub stickiness: Option<StickinessConfig>,
}

/// The ALB target-group attributes `stickiness.type` and
/// `stickiness.lb_cookie.duration_seconds` (or `app_cookie`'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StickinessConfig {
    pub cookie: StickinessType,
    /// How long a session stays bound after its last request (the ALB
    /// resets the cookie's expiry on every request).
    pub duration: SimDuration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StickinessType {
    /// Duration-based: the load balancer's own `AWSALB` cookie.
    LbCookie,
    /// Application-based: `AWSALBAPP`, following the application's cookie.
    AppCookie,
}

impl StickinessType {
    pub fn name(self) -> &'static str {
        match self {
            StickinessType::LbCookie => "lb_cookie",
            StickinessType::AppCookie => "app_cookie",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheckConfig {
    pub interval: SimDuration,
    pub timeout: SimDuration,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub primary_zone: ZoneIndex,
    /// Synchronous standby (Multi-AZ): commits wait for it.
    pub standby_zone: Option<ZoneIndex>,
    pub replicas: Vec<ReplicaConfig>,
    /// A tier whose (single) instance runs this database: they share fate.
    pub host: Option<ComponentIndex>,
    pub concurrency: u32,
    pub queue_limit: Option<u32>,
    /// Service slows down under a backlog (`model/overload.rs`).
    pub overload: Option<OverloadConfig>,
    /// Admission control at each node (`model/admission.rs`).
    pub admission: Option<AdmissionConfig>,
    pub read_time: Dist,
    pub write_time: Dist,
    /// Where reads go.
    pub read_from: ReadFrom,
    pub failover: FailoverConfig,
    /// TTL of the database endpoint's DNS record.
    pub endpoint_ttl: SimDuration,
    /// Time to bring a crashed node back in place (reboot, crash recovery).
    pub restart_time: Dist,
    /// How long an ordered reboot (`database_reboot` without failover)
    /// keeps the instance down; distinct from a crash's `restart_time`.
    pub reboot_time: Dist,
    /// How long `replica_promotion` (RDS `PromoteReadReplica`) keeps the
    /// replica unavailable while it reboots into a standalone instance.
    pub replica_promotion_time: Dist,
    /// The managed offering (RDS DB instance, Multi-AZ DB cluster, Aurora),
    /// from `deployment:` or the preset; `None` for a generic database.
    pub deployment: Option<Deployment>,
    /// Each node's volume.
    pub volume: Option<VolumeConfig>,
    /// Transaction logs shipped to object storage (point-in-time recovery).
    pub log_upload_every: Option<SimDuration>,
}

/// How an RDS-style database is deployed: decides which API actions apply
/// (`RebootDBInstance` with `ForceFailover` needs a Multi-AZ DB instance,
/// `FailoverDBCluster` a cluster, `PromoteReadReplica` an instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deployment {
    /// A Single-AZ DB instance.
    Instance,
    /// A DB instance with a synchronous standby in another zone.
    MultiAzInstance,
    /// A Multi-AZ DB cluster (a writer and two readable standbys).
    MultiAzCluster,
    /// An Aurora DB cluster (a writer and Aurora replicas on shared storage).
    Aurora,
}

impl Deployment {
    pub const NAMES: &'static [&'static str] = &[
        "instance",
        "multi_az_instance",
        "multi_az_cluster",
        "aurora",
    ];

    pub fn name(self) -> &'static str {
        match self {
            Deployment::Instance => "instance",
            Deployment::MultiAzInstance => "multi_az_instance",
            Deployment::MultiAzCluster => "multi_az_cluster",
            Deployment::Aurora => "aurora",
        }
    }

    pub fn parse(name: &str) -> Option<Deployment> {
        match name {
            "instance" => Some(Deployment::Instance),
            "multi_az_instance" => Some(Deployment::MultiAzInstance),
            "multi_az_cluster" => Some(Deployment::MultiAzCluster),
            "aurora" => Some(Deployment::Aurora),
            _ => None,
        }
    }

    /// A DB cluster: the target of `FailoverDBCluster`.
    pub fn is_cluster(self) -> bool {
        matches!(self, Deployment::MultiAzCluster | Deployment::Aurora)
    }

    /// Whether the offering keeps a standby in another zone.
    pub fn multi_az(self) -> bool {
        matches!(
            self,
            Deployment::MultiAzInstance | Deployment::MultiAzCluster
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    Primary,
    Replicas,
}

#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    pub zone: ZoneIndex,
    /// Asynchronous replication lag behind the primary.
    pub lag: Dist,
}

#[derive(Clone, Debug)]
pub struct FailoverConfig {
    /// From the primary's failure until failover starts.
    pub detection: Dist,
    /// Promoting the standby (or replica) and flipping the endpoint record.
    pub promotion: Dist,
    /// Chance that an attempted failover does not complete.
    pub failure_probability: f64,
    /// Promote the least-lagged replica when there is no standby.
    pub promote_replicas: bool,
}

#[derive(Clone, Debug)]
pub struct VolumeConfig {
    /// Catalog type (`aws/gp3`) for reports.
    pub volume_type: Option<String>,
    /// Provisioned size, for the storage price.
    pub size_gb: u32,
    pub snapshot_every: Option<SimDuration>,
    /// How long a snapshot takes from start to completion.
    pub snapshot_duration: SnapshotTime,
    /// How long a restore from the latest snapshot takes.
    pub restore_time: Dist,
    /// Probability of losing the volume in a year (random failures use it).
    pub annual_failure_rate: f64,
}

/// How long a snapshot takes (the rule is in `model::snapshot_time`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SnapshotTime {
    /// `snapshot_duration`: the same time whatever changed.
    Fixed(Dist),
    Incremental(IncrementalSnapshot),
}

/// An incremental snapshot takes `overhead` plus the data changed since
/// the last completed snapshot (writes × `kib_per_write`, at most the
/// volume) copied at `mib_per_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IncrementalSnapshot {
    pub overhead: SimDuration,
    pub mib_per_s: f64,
    pub kib_per_write: f64,
}

#[derive(Clone, Debug)]
pub struct CacheConfig {
    pub zones: Vec<ZoneIndex>,
    pub nodes_per_zone: u32,
    /// Steady-state hit ratio of a warm node.
    pub hit_ratio: f64,
    /// Time for a restarted (cold) node to warm back to `hit_ratio`.
    pub warmup: SimDuration,
    pub service_time: Dist,
    /// Time to replace a lost node.
    pub replace_time: Dist,
    /// An explicit key space (`keys:`): the hit ratio then emerges from
    /// fills (`model/keyed_cache.rs`); `None` = the `hit_ratio` model.
    pub keys: Option<KeySpace>,
}

/// A keyed cache's key space and fill policy (`model/keyed_cache.rs`).
#[derive(Clone, Debug, PartialEq)]
pub struct KeySpace {
    /// Distinct keys, ranked by popularity (rank 0 the most popular).
    pub count: u32,
    /// Zipf exponent `s`: key of rank r is read with weight 1 / (r + 1)^s.
    pub zipf: f64,
    /// Keys the whole cache holds (split evenly over its nodes).
    pub capacity: u32,
    /// Time a filled key stays valid; `None` = until evicted or lost.
    pub ttl: Option<SimDuration>,
    /// One fill per key in flight; other misses for the key wait for it.
    pub coalescing: bool,
    /// Lease: a key's fill token is handed over at most once per `lease`.
    pub lease: Option<SimDuration>,
}

#[derive(Clone, Debug)]
pub struct ObjectStoreConfig {
    pub service_time: Dist,
}

/// A third-party service in the call path (payments, identity, an API).
#[derive(Clone, Debug)]
pub struct ExternalConfig {
    pub service_time: Dist,
}

#[derive(Clone, Debug)]
pub struct RequestClassConfig {
    pub name: String,
    /// Share of traffic, normalised so all classes sum to 1.
    pub share: f64,
    pub steps: Vec<Step>,
    /// Who is shed first when a queue with `shed_low_priority_above` fills
    /// (`model/admission.rs`).
    pub priority: Priority,
    /// The call steps that carry their own timeout and retries, in path
    /// order (`model/hop_policy.rs`); empty for most models.
    pub hops: Vec<HopPolicyConfig>,
}

/// One call step's policy: `{ to: db.read, timeout: 1s, retries: {..} }`.
#[derive(Clone, Debug, PartialEq)]
pub struct HopPolicyConfig {
    /// The step (index in the class's path) whose call this governs: a
    /// load balancer step's policy covers the call through it to its tier.
    pub step: usize,
    /// Per-try timeout (Envoy's `per_try_timeout`); `None` waits forever.
    pub timeout: Option<SimDuration>,
    /// `max_attempts: 1` when only a timeout is given.
    pub retries: crate::config::RetryConfig,
    /// A circuit breaker on this call (`model/breaker.rs`); `None` for none.
    pub breaker: Option<BreakerConfig>,
}

/// A call step's circuit breaker: `breaker: { failure_rate: 50%, .. }`.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// What trips it.
    pub threshold: BreakerThreshold,
    /// How long it stays open before letting probes through.
    pub open_for: SimDuration,
    /// Probes let through while half-open.
    pub half_open_calls: u32,
    /// What a refused call returns.
    pub fallback: Fallback,
}

/// A breaker's trip rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BreakerThreshold {
    /// At least `minimum_calls` outcomes in the last `window_s` whole
    /// seconds, of which a share ≥ `failure_rate` failed.
    FailureRate {
        failure_rate: f64,
        window_s: u32,
        minimum_calls: u32,
    },
    /// `n` failures in a row.
    ConsecutiveFailures(u32),
}

/// What a call refused by an open breaker returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// It fails at once with cause `circuit_open`.
    FailFast,
    /// It "succeeds" with a degraded answer, counted apart.
    Degraded,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub component: ComponentIndex,
    pub op: Op,
}

/// What a request does at one step of its path (`db.write` in a file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Load balancer: choose an instance of its target tier, which must be
    /// the next step.
    Route,
    /// Tier: queue for and receive service at an instance.
    Serve,
    /// Database read (primary or replicas per `read_from`).
    Read,
    /// Database read only if the previous cache lookup missed.
    ReadOnMiss,
    /// Database write on the primary.
    Write,
    /// Cache lookup.
    Get,
    /// Object storage GET / PUT.
    ObjectGet,
    ObjectPut,
    /// A call to an external service.
    Call,
}

/// How a server's service time grows with its backlog
/// (`model/overload.rs`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OverloadConfig {
    /// Extra service time per waiting request per slot (0.25 = +25 %).
    pub slope: f64,
    /// The most the service time is stretched (≥ 1).
    pub max_factor: f64,
}

/// A server's admission control (`model/admission.rs`): what it drops at
/// the head of its queue, in which order it serves, what it throttles and
/// whom it sheds first.
#[derive(Clone, Debug, PartialEq)]
pub struct AdmissionConfig {
    /// Work that waited longer than this is dropped when it reaches the
    /// head of the queue (`queue_timeout`); `None` = never.
    pub queue_timeout: Option<SimDuration>,
    /// Work whose caller already gave up is dropped at the head.
    pub drop_abandoned: bool,
    pub discipline: Discipline,
    /// A token bucket per request class (index = `ClassIndex`); `None` =
    /// that class is not limited.
    pub rate_limit: Vec<Option<TokenBucketConfig>>,
    /// Above this fraction of `queue_limit` queued, low-priority arrivals
    /// are shed; a full queue lets an arrival evict the newest queued
    /// request of a lower priority. `None` = priorities are ignored.
    pub shed_low_priority_above: Option<f64>,
}

/// The order a server takes queued work in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// Oldest first (today's behaviour).
    Fifo,
    /// Newest first.
    Lifo,
    /// Oldest first while at most `lifo_above` wait, newest first beyond.
    AdaptiveLifo { lifo_above: u32 },
}

/// A token bucket: `rate_per_s` tokens a second, holding at most `burst`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucketConfig {
    pub rate_per_s: f64,
    pub burst: u32,
}

/// A request class's priority for load shedding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

impl Priority {
    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }
}
