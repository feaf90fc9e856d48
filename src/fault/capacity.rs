//! Capacity and control-plane actions: what they change at their start
//! and undo at their end (the behaviour is in `model/control_plane.rs` and
//! `model/auto_scaling.rs`).
//!
//! - `control_plane_outage`: launches, volume attachment and DNS changes
//!   (as chosen) wait until the end; running capacity keeps serving.
//! - `capacity_limit`: the target zone (or every zone) allows at most
//!   `instances` more launches until the end.
//! - `spot_interruption`: each selected instance gets a 2-minute notice and
//!   is then reclaimed; nothing is undone at the end.

use super::target::{self, Candidate};
use crate::config::{FaultAction, FaultConfig, ZoneIndex};
use crate::model::control_plane::Blocked;
use crate::model::failure::NodeRef;
use crate::model::World;

/// What a started action changed, so its end can undo exactly that.
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    ControlPlane(Blocked),
    Capacity {
        zones: Vec<ZoneIndex>,
        before: Vec<Option<u32>>,
    },
    Nothing,
}

/// `instances` are the target's instances, already selected (used by
/// spot interruptions only).
pub fn apply(world: &mut World, config: &FaultConfig, instances: Vec<Candidate>) -> Applied {
    match config.action {
        FaultAction::ControlPlaneOutage {
            launch,
            attach,
            dns,
        } => {
            let blocked = Blocked {
                launch,
                attach,
                dns,
            };
            world.control_plane_outage(blocked);
            Applied::ControlPlane(blocked)
        }
        FaultAction::CapacityLimit { instances } => {
            let zones: Vec<ZoneIndex> = match target::zone(world, &config.target) {
                Ok(Some(z)) => vec![z],
                _ => (0..world.zones.len()).collect(),
            };
            let before = world.capacity_limit(&zones, instances);
            Applied::Capacity { zones, before }
        }
        FaultAction::SpotInterruption { rebalance } => {
            for c in instances {
                if let NodeRef::Server(s) = c.node {
                    world.spot_notice(s, rebalance);
                }
            }
            Applied::Nothing
        }
        _ => Applied::Nothing,
    }
}

pub fn revert(world: &mut World, applied: Applied) {
    match applied {
        Applied::ControlPlane(blocked) => world.control_plane_restored(blocked),
        Applied::Capacity { zones, before } => world.capacity_restored(&zones, &before),
        Applied::Nothing => {}
    }
}
