//! The closed set of events that drive a run, and the causes of failure a
//! request can end with.

pub use crate::metrics::ErrorCause;

/// Typed indices into the world's arenas.
pub type RequestId = u32;
pub type AttemptId = u32;
pub use super::id::{CacheId, DbId, ExternalId, LbId, ObjectStoreId, ServerId, TierId, VolumeId};

/// Kept small (16 bytes) because millions sit in the event queue.
/// A random failure process's next step. Both fidelities carry it in
/// their events and hand it to the one loop, `fault::hazard::Hazards`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HazardEvent {
    /// Process `i` fails its node (or zone).
    Failure(u32),
    /// Process `i`'s repair ends.
    Repair(u32),
    /// A burst takes neighbour slot `m` (the processes' burst table) down,
    /// or brings it back.
    BurstFailure(u32),
    BurstRepair(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// The next client request arrives (dropped if the workload's rate
    /// changed since it was drawn: `epoch` is stale).
    Arrival {
        epoch: u32,
    },
    /// An attempt reaches its next step after a network hop.
    Hop {
        attempt: AttemptId,
    },
    /// A server finished serving an attempt (dropped if the server's
    /// incarnation changed meanwhile).
    ServiceDone {
        attempt: AttemptId,
        server: ServerId,
        incarnation: u32,
    },
    /// A cache lookup or object-storage call finished.
    CallDone {
        attempt: AttemptId,
    },
    /// An attempt fails after waiting on a blackholed node.
    ConnectTimeout {
        attempt: AttemptId,
        cause: ErrorCause,
    },
    /// The client's per-attempt timeout (scheduled in the timeout lane).
    ClientTimeout {
        request: RequestId,
        generation: u32,
        attempt: u32,
    },
    /// The client retries after its backoff.
    Retry {
        request: RequestId,
        generation: u32,
    },
    /// A call step's per-try timeout (`hop_policy.rs`); stale unless
    /// `serial` is still the step's armed timer.
    HopTimeout {
        attempt: AttemptId,
        step: u8,
        serial: u32,
    },
    /// A call step is tried again after its backoff.
    HopRetry {
        attempt: AttemptId,
        serial: u32,
    },
    /// A load balancer checks one target.
    HealthCheck {
        lb: LbId,
        target: u16,
    },
    /// The answer (or timeout) of a health check.
    HealthCheckResult {
        lb: LbId,
        target: u16,
        ok: bool,
    },
    /// A load-balancer node enters or leaves the LB's DNS answer.
    LbDnsUpdate {
        lb: LbId,
        node: u16,
        in_dns: bool,
    },
    /// Database failover steps, tagged with the failover epoch.
    FailoverDetected {
        db: DbId,
        epoch: u32,
    },
    FailoverDone {
        db: DbId,
        epoch: u32,
    },
    /// A database node finished restarting or restoring.
    DbNodeRepaired {
        db: DbId,
        node: u16,
        incarnation: u32,
    },
    /// A database node finished an ordered reboot (`database_actions.rs`).
    DbRebootDone {
        db: DbId,
        node: u16,
        token: u32,
    },
    /// A read replica finished its promotion to a standalone primary.
    ReplicaPromoted {
        db: DbId,
        node: u16,
        token: u32,
    },
    /// Transaction logs shipped to object storage.
    LogUpload {
        db: DbId,
    },
    /// A volume snapshot starts or completes.
    SnapshotStart {
        volume: VolumeId,
    },
    SnapshotDone {
        volume: VolumeId,
        incarnation: u32,
    },
    /// A lost volume finished restoring from its snapshot.
    VolumeRestored {
        volume: VolumeId,
        incarnation: u32,
    },
    /// A lost cache node was replaced (it comes back cold).
    CacheNodeReplaced {
        cache: CacheId,
        node: u16,
        incarnation: u32,
    },
    /// An Auto Scaling group's periodic EC2 status check.
    AsgCheck {
        tier: TierId,
    },
    /// A group's scaling policies sample their metrics.
    ScalingSample {
        tier: TierId,
    },
    /// An instance launched by an Auto Scaling group finished booting and
    /// warming up (dropped if the slot's launch generation changed).
    InstanceLaunched {
        server: ServerId,
        generation: u32,
    },
    /// A spot instance is reclaimed at the end of its notice.
    SpotReclaim {
        server: ServerId,
        generation: u32,
    },
    /// A step of an instance's lifecycle (`lifecycle.rs`): dropped if the
    /// instance's lifecycle generation changed meanwhile.
    Lifecycle {
        server: ServerId,
        generation: u32,
        step: super::lifecycle::LifecycleStep,
    },
    /// A scripted fault starts or ends.
    FaultStart {
        fault: u16,
    },
    FaultEnd {
        fault: u16,
    },
    /// A step of the random failure processes (`fault::hazard`).
    Hazard(HazardEvent),
    /// A stop condition tripped: every scripted fault ends now.
    StopConditionTripped,
    /// A step of a `deployment` fault (`fault/deploy.rs`).
    Deploy {
        fault: u16,
        step: DeployStep,
    },
    /// A deployment's rollback alarm tripped.
    DeployAlarm {
        fault: u16,
    },
}

/// What a deployment does at one of its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployStep {
    /// The next batch starts.
    Batch,
    /// An instance restarted by the deployment is back.
    Back(ServerId),
    /// Blue/green: the new fleet has launched; traffic switches.
    Switch,
    /// The last batch's health-check grace is over.
    Done,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_stay_small() {
        // 16 bytes before the typed ids (issue 18) and after: the ids keep
        // the width of the integers they replaced.
        assert_eq!(std::mem::size_of::<Event>(), 16);
    }
}
