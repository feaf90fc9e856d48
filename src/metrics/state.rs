//! The state of the world at one instant, as plain data: what a game-day
//! facilitator shows the room after `firedrill replay --until`. Built by
//! `run::replay` from a paused world; rendered by `report::state`.

#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorldState {
    pub model: String,
    pub scenario: String,
    pub seed: u64,
    pub at_s: f64,
    pub zones: Vec<ZoneState>,
    pub tiers: Vec<TierState>,
    pub load_balancers: Vec<LbState>,
    pub databases: Vec<DbState>,
    pub caches: Vec<CacheState>,
    /// Volumes lost now (restoring from a snapshot).
    pub volumes_lost: Vec<String>,
    pub active_faults: Vec<ActiveFaultState>,
    /// Requests started and not finished (client view).
    pub requests_open: u64,
    /// `--set` overrides applied to this run.
    pub overrides: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ZoneState {
    pub name: String,
    /// `None`: up; else how its nodes look (`blackhole` / `refuse`).
    pub dark: Option<&'static str>,
}

/// One node: its label, whether it is up, and the down causes holding.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub label: String,
    pub up: bool,
    pub causes: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TierZone {
    pub zone: String,
    pub nodes: Vec<NodeView>,
    /// Requests being served (or waiting downstream) on this zone's nodes.
    pub in_flight: u32,
    /// Requests queued on this zone's nodes.
    pub queued: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AsgState {
    pub desired: u32,
    pub in_service: u32,
    pub launching: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TierState {
    pub name: String,
    pub zones: Vec<TierZone>,
    pub asg: Option<AsgState>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TargetView {
    pub label: String,
    pub healthy: bool,
    /// When its health last flipped, in seconds.
    pub since_s: Option<f64>,
}

/// DNS caches of a record: how many callers hold an answer that is no
/// longer what the record says, and how long the stalest one has left.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsView {
    pub ttl_s: f64,
    pub callers: u32,
    /// Callers whose cached answer is still valid and differs from the
    /// record now.
    pub stale: u32,
    /// The longest time a stale answer is still kept, in seconds.
    pub stale_for_s_max: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LbState {
    pub name: String,
    /// Node label, up, and in the DNS answer.
    pub nodes: Vec<(String, bool, bool)>,
    pub targets: Vec<TargetView>,
    pub dns: DnsView,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DbNodeView {
    pub node: NodeView,
    pub role: &'static str,
    /// Replication lag of a replica (its distribution), if it has one.
    pub lag: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DbState {
    pub name: String,
    pub primary: String,
    pub primary_up: bool,
    /// The node the endpoint record names.
    pub endpoint: String,
    /// `idle`, `detecting` or `promoting <node>`.
    pub failover: String,
    /// When the primary went down, if it is down or a failover is running.
    pub primary_down_since_s: Option<f64>,
    pub nodes: Vec<DbNodeView>,
    pub dns: DnsView,
    pub in_flight: u32,
    pub queued: u32,
    pub writes_lost: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CacheState {
    pub name: String,
    /// Node, and its hit ratio now (0 while down, rising while cold).
    pub nodes: Vec<(NodeView, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ActiveFaultState {
    pub id: String,
    pub action: String,
    pub started_s: f64,
    pub ends_s: Option<f64>,
}
