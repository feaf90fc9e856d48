//! Load and DNS fault actions (`traffic_spike`, `class_surge`, `dns_stale`)
//! and the check that an action gets only the parameter keys it uses.

use super::diagnostics::Diagnostic;
use super::raw_scenario::RawFault;
use crate::config::FaultAction;

/// The largest arrival multiplier a spike may ask for: beyond it a run at a
/// bundled rate would exceed the rate cap in `units.rs`.
const MAX_FACTOR: f64 = 1_000.0;

pub fn action(file: &str, f: &RawFault) -> Result<FaultAction, Diagnostic> {
    match f.action.value.as_str() {
        "traffic_spike" => Ok(FaultAction::TrafficSpike {
            factor: factor(file, f)?,
        }),
        "class_surge" => Ok(FaultAction::ClassSurge {
            factor: factor(file, f)?,
        }),
        _ => {
            let Some(fraction) = &f.fraction else {
                return Err(Diagnostic::at_value(
                    file,
                    &f.action,
                    "a dns_stale needs `fraction` (the share of callers that ignore TTLs)",
                ));
            };
            let Some(keep) = &f.keep else {
                return Err(Diagnostic::at_value(
                    file,
                    &f.action,
                    "a dns_stale needs `keep` (how long those callers keep an answer, e.g. 10m)",
                ));
            };
            Ok(FaultAction::DnsStale {
                fraction: fraction.value.0,
                keep: keep.value.0,
            })
        }
    }
}

fn factor(file: &str, f: &RawFault) -> Result<f64, Diagnostic> {
    let Some(factor) = &f.factor else {
        return Err(Diagnostic::at_value(
            file,
            &f.action,
            format!(
                "a {} needs `factor` (the multiplier on arrivals, e.g. 3)",
                f.action.value
            ),
        ));
    };
    if !(factor.value.is_finite() && factor.value >= 0.0 && factor.value <= MAX_FACTOR) {
        return Err(Diagnostic::at_value(
            file,
            factor,
            format!("`factor` must be a number from 0 to {MAX_FACTOR}"),
        ));
    }
    Ok(factor.value)
}
