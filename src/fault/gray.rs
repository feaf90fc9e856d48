//! Scripted gray failures and network faults: what each action changes when
//! it starts and how its end undoes it. The behaviour lives in
//! `model/gray.rs`; this file picks targets and calls the world's API.

use super::target;
use crate::config::BindError;
use crate::config::{FaultConfig, GrayFault, TargetConfig, TargetKind};
use crate::model::event::ServerId;
use crate::model::failure::NodeRef;
use crate::model::gray::{LinkEffect, ServerEffect};
use crate::model::world::{ComponentRef, World};
use crate::rng::SimRng;

/// What a started gray action changed.
#[derive(Clone, Debug, PartialEq)]
pub enum GrayApplied {
    Servers(u32),
    Links(u32),
    Isolation(usize),
    Block(u32),
    Region,
    Nothing,
}

/// Checks a gray action's names against the model when the run is built.
pub fn check(world: &World, config: &FaultConfig, gray: &GrayFault) -> Result<(), BindError> {
    match gray {
        GrayFault::Latency { .. }
        | GrayFault::Slowdown { .. }
        | GrayFault::CapacityLoss { .. }
        | GrayFault::Limp { .. } => {
            if let Some(c) = target::component(world, &config.target)? {
                if !matches!(
                    world.components[c],
                    ComponentRef::Tier(_) | ComponentRef::Db(_)
                ) {
                    return Err(BindError {
                        pos: Some(config.target.pos.clone()),
                        message: format!(
                            "{} applies to tier instances and database nodes; `{}` is neither",
                            gray.name(),
                            world.component_names[c]
                        ),
                    });
                }
            }
        }
        GrayFault::PathBlock { from, to, .. } => {
            component_named(world, config, from)?;
            component_named(world, config, to)?;
        }
        _ => {}
    }
    Ok(())
}

fn component_named(world: &World, config: &FaultConfig, name: &str) -> Result<usize, BindError> {
    world
        .component_names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| BindError {
            pos: Some(config.pos.clone()),
            message: format!(
                "path_block names component `{name}`, which the model does not have (it has: {})",
                world.component_names.join(", ")
            ),
        })
}

/// The servers (tier instances and database nodes) a per-node gray fault
/// targets, after selection.
fn servers(world: &World, t: &TargetConfig, rng: &mut SimRng) -> Vec<ServerId> {
    let all = server_candidates(world, t);
    target::select(&all, t.select, rng)
        .into_iter()
        .filter_map(|c| match c.node {
            NodeRef::Server(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// The servers a per-node gray fault's target matches, before selection.
pub(crate) fn server_candidates(world: &World, t: &TargetConfig) -> Vec<target::Candidate> {
    let mut all = Vec::new();
    for kind in server_kinds(t) {
        all.extend(target::candidates(world, t, kind).unwrap_or_default());
    }
    all
}

/// The node kinds a per-node gray fault's target selects.
pub(crate) fn server_kinds(t: &TargetConfig) -> Vec<TargetKind> {
    [TargetKind::Instance, TargetKind::Database]
        .into_iter()
        .filter(|&kind| t.kind.is_none_or(|k| k == kind))
        .collect()
}

pub fn apply(
    world: &mut World,
    config: &FaultConfig,
    gray: &GrayFault,
    rng: &mut SimRng,
) -> GrayApplied {
    let zone = target::zone(world, &config.target).ok().flatten();
    let token = world.gray.token();
    let effect = match gray {
        GrayFault::Latency { latency } => Some(ServerEffect::Latency(*latency)),
        GrayFault::Slowdown { factor } => Some(ServerEffect::Slowdown(*factor)),
        GrayFault::CapacityLoss { fraction } => Some(ServerEffect::CapacityLoss(*fraction)),
        GrayFault::Limp { factor, fraction } => Some(ServerEffect::Limp {
            factor: *factor,
            fraction: *fraction,
        }),
        _ => None,
    };
    if let Some(effect) = effect {
        let chosen = servers(world, &config.target, rng);
        world.impair_servers(token, &chosen, effect);
        return GrayApplied::Servers(token);
    }
    match gray {
        GrayFault::LinkLatency { latency } => {
            world.impair_links(token, zone, LinkEffect::Latency(*latency));
            GrayApplied::Links(token)
        }
        GrayFault::PacketLoss { probability } => {
            world.impair_links(token, zone, LinkEffect::Loss(*probability));
            GrayApplied::Links(token)
        }
        GrayFault::ZoneIsolation => match zone {
            Some(z) => {
                world.isolate_zone(z, true);
                GrayApplied::Isolation(z)
            }
            None => GrayApplied::Nothing,
        },
        GrayFault::PathBlock { from, to, mode } => {
            match (
                component_named(world, config, from),
                component_named(world, config, to),
            ) {
                (Ok(f), Ok(t)) => {
                    world.block_path(token, f, t, *mode);
                    GrayApplied::Block(token)
                }
                _ => GrayApplied::Nothing,
            }
        }
        GrayFault::RegionOutage => {
            world.set_region_down(true);
            GrayApplied::Region
        }
        _ => GrayApplied::Nothing,
    }
}

pub fn revert(world: &mut World, applied: GrayApplied) {
    match applied {
        GrayApplied::Servers(token) => world.unimpair_servers(token),
        GrayApplied::Links(token) => world.unimpair_links(token),
        GrayApplied::Isolation(z) => world.isolate_zone(z, false),
        GrayApplied::Block(token) => world.unblock_path(token),
        GrayApplied::Region => world.set_region_down(false),
        GrayApplied::Nothing => {}
    }
}
