//! The data faults' parameters (volumes, backups, databases, caches):
//! `fraction` (volume_degraded), `factor` / `extra` (slow_failover) and
//! `warmup` (cache_flush). Each action rejects the keys it does not use.

use serde_saphyr::Spanned;

use super::diagnostics::Diagnostic;
use super::raw_scenario::RawFault;
use crate::config::FaultAction;
use crate::time::SimDuration;

/// The data action named `name`, with its parameters; `None` if `name` is
/// not a data action.
pub fn action(file: &str, f: &Spanned<RawFault>) -> Result<Option<FaultAction>, Diagnostic> {
    let raw = &f.value;
    let action = match raw.action.value.as_str() {
        "volume_io_stall" => FaultAction::VolumeIoStall,
        "volume_degraded" => {
            let Some(fraction) = &raw.fraction else {
                return Err(Diagnostic::at_value(
                    file,
                    f,
                    "volume_degraded needs `fraction`: the share of normal throughput left, such as `50%`",
                ));
            };
            if fraction.value.0 <= 0.0 {
                return Err(Diagnostic::at_value(
                    file,
                    fraction,
                    "`fraction` must be > 0 (a stalled volume is volume_io_stall)",
                ));
            }
            FaultAction::VolumeDegraded {
                fraction: fraction.value.0,
            }
        }
        "volume_corruption" => FaultAction::VolumeCorruption,
        "snapshot_failure" => FaultAction::SnapshotFailure,
        "backup_not_uploaded" => FaultAction::BackupNotUploaded,
        "backup_corrupt" => FaultAction::BackupCorrupt,
        "replication_stop" => FaultAction::ReplicationStop,
        "slow_failover" => {
            if raw.factor.is_none() && raw.extra.is_none() {
                return Err(Diagnostic::at_value(
                    file,
                    f,
                    "slow_failover needs `factor` (such as 3), `extra` (such as `5m`) or both",
                ));
            }
            let factor = match &raw.factor {
                Some(k) if !(k.value.is_finite() && k.value >= 1.0) => {
                    return Err(Diagnostic::at_value(
                        file,
                        k,
                        "`factor` must be a number ≥ 1 (failover takes factor × its time)",
                    ))
                }
                Some(k) => k.value,
                None => 1.0,
            };
            FaultAction::SlowFailover {
                factor,
                extra: raw.extra.as_ref().map_or(SimDuration::ZERO, |e| e.value.0),
            }
        }
        "promote_lagging_replica" => FaultAction::PromoteLaggingReplica,
        "split_brain" => FaultAction::SplitBrain,
        "data_wipe" => FaultAction::DataWipe,
        "cache_flush" => FaultAction::CacheFlush {
            warmup: raw.warmup.as_ref().map(|w| w.value.0),
        },
        _ => return Ok(None),
    };
    Ok(Some(action))
}
