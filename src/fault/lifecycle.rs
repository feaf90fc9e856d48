//! The instance lifecycle actions as scripted faults (behaviour and
//! assumptions in `model/lifecycle.rs`). What "start" and "end" mean:
//! - `instance_terminate`: the selected instances are terminated; at the
//!   end (with a `duration`), each one outside an Auto Scaling group is
//!   replaced by a new instance (an operator's launch). A group replaces
//!   its own at its next status check whatever the duration.
//! - `instance_stop`: the selected running instances stop; at the end
//!   (FIS `startInstancesAfterDuration`) they start (once stopped) and
//!   boot. Without a duration they stay stopped.
//! - `instance_reboot`: the selected running instances reboot (one boot
//!   time); no duration.
//! - `instance_host_failure`: the selected instances' hosts fail;
//!   automatic recovery may move them before the end; at the end the
//!   host is back.

use super::schedule::chosen;
use crate::config::{FaultAction, FaultConfig, TargetKind};
use crate::model::event::ServerId;
use crate::model::failure::NodeRef;
use crate::model::world::World;
use crate::rng::SimRng;

/// The instances an action changed (so its end undoes exactly that).
#[derive(Clone, Debug, PartialEq)]
pub struct Applied(pub Vec<ServerId>);

pub fn apply(world: &mut World, config: &FaultConfig, rng: &mut SimRng) -> Applied {
    let mut changed = Vec::new();
    for c in chosen(world, config, TargetKind::Instance, rng) {
        let NodeRef::Server(s) = c.node else {
            continue;
        };
        let done = match config.action {
            FaultAction::InstanceTerminate => world.instance_terminate(s),
            FaultAction::InstanceStop => world.instance_stop(s),
            FaultAction::InstanceReboot => world.instance_reboot(s),
            FaultAction::InstanceHostFailure => world.instance_host_failure(s),
            _ => false,
        };
        if done {
            changed.push(s);
        }
    }
    Applied(changed)
}

pub fn revert(world: &mut World, config: &FaultConfig, applied: Applied) {
    for s in applied.0 {
        match config.action {
            // Without a duration the end only comes from a stop condition;
            // a termination is then final, as in EC2.
            FaultAction::InstanceTerminate if config.duration.is_some() => {
                world.instance_replaced(s)
            }
            FaultAction::InstanceStop => world.instance_start(s),
            FaultAction::InstanceHostFailure => world.instance_host_repaired(s),
            _ => {}
        }
    }
}
