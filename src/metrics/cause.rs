//! Why a request failed: the vocabulary of `errors_by_cause`.

use crate::config::DownMode;

/// Why a request (or an attempt) failed. The order here is the order of
/// `errors_by_cause` in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorCause {
    /// The client gave up waiting.
    Timeout,
    /// The node it reached refused the connection (its process is dead).
    ConnectionRefused,
    /// The node it reached did not answer within the connect timeout (a
    /// load balancer answers 504).
    ConnectTimeout,
    /// The node died while the request was queued or in service there.
    InFlightLost,
    /// The node's queue was full: the request was shed.
    Overload,
    /// The database had no primary: failover under way.
    FailoverInProgress,
    /// A cached DNS answer sent it to a node that is no longer the primary.
    StaleDns,
    /// A client reached an instance by a public address it no longer has
    /// (stopped and started without an Elastic IP) because its cached DNS
    /// answer still names the old one.
    StaleAddress,
    /// A component had no node able to serve and no failover under way.
    DependencyDown,
    /// The node served the request and answered with an error (a 5xx from
    /// a limping node whose health checks pass: a gray failure).
    ServerError,
    /// It waited in a queue longer than the server's `queue_timeout` and
    /// was dropped when it reached the head (`model/admission.rs`).
    QueueTimeout,
    /// A rate limit's token bucket was empty: rejected at once (an HTTP
    /// 429 from Envoy's local rate limit or API Gateway throttling).
    Throttled,
    /// An open circuit breaker refused the call without making it
    /// (`model/breaker.rs`, fallback `fail_fast`).
    CircuitOpen,
}

impl ErrorCause {
    pub const ALL: [ErrorCause; 13] = [
        ErrorCause::Timeout,
        ErrorCause::ConnectionRefused,
        ErrorCause::ConnectTimeout,
        ErrorCause::InFlightLost,
        ErrorCause::Overload,
        ErrorCause::FailoverInProgress,
        ErrorCause::StaleDns,
        ErrorCause::StaleAddress,
        ErrorCause::DependencyDown,
        ErrorCause::ServerError,
        ErrorCause::QueueTimeout,
        ErrorCause::Throttled,
        ErrorCause::CircuitOpen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorCause::Timeout => "timeout",
            ErrorCause::ConnectionRefused => "connection_refused",
            ErrorCause::ConnectTimeout => "connect_timeout",
            ErrorCause::InFlightLost => "in_flight_lost",
            ErrorCause::Overload => "overload",
            ErrorCause::FailoverInProgress => "failover_in_progress",
            ErrorCause::StaleDns => "stale_dns",
            ErrorCause::StaleAddress => "stale_address",
            ErrorCause::DependencyDown => "dependency_down",
            ErrorCause::ServerError => "server_error",
            ErrorCause::QueueTimeout => "queue_timeout",
            ErrorCause::Throttled => "throttled",
            ErrorCause::CircuitOpen => "circuit_open",
        }
    }

    /// Whether reports list the cause when no request failed of it. The
    /// admission-control causes (`model/admission.rs`) and `circuit_open`
    /// (`model/breaker.rs`) appear only once they happen, so the reports of
    /// models without them keep their bytes.
    pub fn listed(self, count: u64) -> bool {
        count > 0
            || !matches!(
                self,
                ErrorCause::QueueTimeout | ErrorCause::Throttled | ErrorCause::CircuitOpen
            )
    }

    /// The failure a caller sees when it reaches a node that is down.
    pub fn reaching_down_node(mode: DownMode) -> ErrorCause {
        match mode {
            DownMode::Refuse => ErrorCause::ConnectionRefused,
            DownMode::Blackhole => ErrorCause::ConnectTimeout,
        }
    }
}
