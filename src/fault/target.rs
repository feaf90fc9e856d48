//! Target selection: which nodes an action or random process applies to,
//! in the manner of AWS Fault Injection Service (filters by component, zone,
//! kind, tag and node attributes (`fault/attributes.rs`), then ALL /
//! COUNT(n) / PERCENT(n)).

use rand::RngExt;

use crate::config::{BindError, Selection, TargetConfig, TargetKind};
use crate::model::failure::NodeRef;
use crate::model::volume::VolumeOwner;
use crate::model::world::{ComponentRef, ServerRole, World};
use crate::rng::SimRng;

/// A candidate target with a stable, human-readable label.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub node: NodeRef,
    pub label: String,
}

/// The component index a target names, checked against the model.
pub fn component(world: &World, target: &TargetConfig) -> Result<Option<usize>, BindError> {
    let Some(name) = &target.component else {
        return Ok(None);
    };
    match world.component_names.iter().position(|n| n == name) {
        Some(i) => Ok(Some(i)),
        None => Err(BindError {
            pos: Some(target.pos.clone()),
            message: format!(
                "target names component `{name}`, which the model does not have (it has: {})",
                world.component_names.join(", ")
            ),
        }),
    }
}

/// The zone index a target names, checked against the model.
pub fn zone(world: &World, target: &TargetConfig) -> Result<Option<usize>, BindError> {
    let Some(name) = &target.zone else {
        return Ok(None);
    };
    match world.zones.iter().position(|z| &z.name == name) {
        Some(i) => Ok(Some(i)),
        None => Err(BindError {
            pos: Some(target.pos.clone()),
            message: format!(
                "target names zone `{name}`, which the model does not have (it has: {})",
                world
                    .zones
                    .iter()
                    .map(|z| z.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// Whether component `r` passes the target's tag filter (no tag: all do).
pub fn has_tag(world: &World, target: &TargetConfig, r: ComponentRef) -> bool {
    target.tag.as_ref().is_none_or(|tag| {
        world
            .components
            .iter()
            .position(|c| *c == r)
            .is_some_and(|i| world.component_tags[i].contains(tag))
    })
}

/// Every node of `kind` that the target's component and zone filters match,
/// in a fixed order.
pub fn candidates(
    world: &World,
    target: &TargetConfig,
    kind: TargetKind,
) -> Result<Vec<Candidate>, BindError> {
    let component = component(world, target)?.map(|i| world.components[i]);
    let tagged = |r: ComponentRef| has_tag(world, target, r);
    let zone = zone(world, target)?;
    let in_zone = |z: usize| zone.is_none_or(|want| want == z);
    let zone_name = |z: usize| world.zones[z].name.as_str();
    let mut out = Vec::new();
    match kind {
        TargetKind::Instance => {
            for (t, tier) in world.tiers.iter_enumerated() {
                if component.is_some_and(|c| c != ComponentRef::Tier(t))
                    || !tagged(ComponentRef::Tier(t))
                {
                    continue;
                }
                for (k, &s) in tier.servers.iter().enumerate() {
                    let z = world.servers[s].zone;
                    if in_zone(z) {
                        out.push(Candidate {
                            node: NodeRef::Server(s),
                            label: format!("{}/{}#{}", tier.name, zone_name(z), k + 1),
                        });
                    }
                }
            }
        }
        TargetKind::Database => {
            for (d, db) in world.dbs.iter_enumerated() {
                if component.is_some_and(|c| c != ComponentRef::Db(d))
                    || !tagged(ComponentRef::Db(d))
                {
                    continue;
                }
                for (n, node) in db.nodes.iter().enumerate() {
                    let z = world.servers[node.server].zone;
                    if in_zone(z) {
                        out.push(Candidate {
                            node: NodeRef::Server(node.server),
                            label: format!("{}/node-{}", db.name, n + 1),
                        });
                    }
                }
            }
        }
        TargetKind::Cache => {
            for (c, cache) in world.caches.iter_enumerated() {
                if component.is_some_and(|x| x != ComponentRef::Cache(c))
                    || !tagged(ComponentRef::Cache(c))
                {
                    continue;
                }
                for (n, node) in cache.nodes.iter().enumerate() {
                    if in_zone(node.zone) {
                        out.push(Candidate {
                            node: NodeRef::CacheNode {
                                cache: c,
                                node: n as u16,
                            },
                            label: format!("{}/node-{}", cache.name, n + 1),
                        });
                    }
                }
            }
        }
        TargetKind::LoadBalancer => {
            for (l, lb) in world.lbs.iter_enumerated() {
                if component.is_some_and(|x| x != ComponentRef::Lb(l))
                    || !tagged(ComponentRef::Lb(l))
                {
                    continue;
                }
                for (n, node) in lb.nodes.iter().enumerate() {
                    if in_zone(node.zone) {
                        out.push(Candidate {
                            node: NodeRef::LbNode {
                                lb: l,
                                node: n as u16,
                            },
                            label: format!("{}/{}", lb.name, zone_name(node.zone)),
                        });
                    }
                }
            }
        }
        // Zones are not nodes: random zone events resolve them themselves.
        TargetKind::Zone => {}
        TargetKind::Volume => {
            for (v, vol) in world.volumes.iter_enumerated() {
                let (owner_component, server) = match vol.owner {
                    VolumeOwner::Instance(s) => match world.server_roles[s] {
                        ServerRole::Instance { tier, .. } => (ComponentRef::Tier(tier), s),
                        ServerRole::DbNode { db, .. } => (ComponentRef::Db(db), s),
                    },
                    VolumeOwner::DbNode { db, node } => (
                        ComponentRef::Db(db),
                        world.dbs[db].nodes[node as usize].server,
                    ),
                };
                if component.is_some_and(|c| c != owner_component) || !tagged(owner_component) {
                    continue;
                }
                if in_zone(world.servers[server].zone) {
                    out.push(Candidate {
                        node: NodeRef::Volume(v),
                        label: vol.name.clone(),
                    });
                }
            }
        }
    }
    if !target.filters.is_empty() {
        out.retain(|c| super::attributes::passes(world, target, kind, c.node));
    }
    Ok(out)
}

/// Applies ALL / COUNT(n) / PERCENT(p) to `candidates`, drawing with `rng`;
/// the chosen keep their original order.
pub fn select<T: Clone>(candidates: &[T], selection: Selection, rng: &mut SimRng) -> Vec<T> {
    let n = candidates.len();
    let want = match selection {
        Selection::All => n,
        Selection::Count(k) => (k as usize).min(n),
        Selection::Percent(p) => {
            let k = (p / 100.0 * n as f64).round() as usize;
            if p > 0.0 && n > 0 {
                k.clamp(1, n)
            } else {
                0
            }
        }
    };
    if want == n {
        return candidates.to_vec();
    }
    // Partial Fisher-Yates over indices, then restore file order.
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..want {
        let j = rng.random_range(i..n);
        idx.swap(i, j);
    }
    let mut chosen = idx[..want].to_vec();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| candidates[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn selection_modes_pick_the_right_counts() {
        let items: Vec<u32> = (0..10).collect();
        let mut rng = stream(1, "select");
        assert_eq!(select(&items, Selection::All, &mut rng).len(), 10);
        let two = select(&items, Selection::Count(2), &mut rng);
        assert_eq!(two.len(), 2);
        assert!(two[0] < two[1]);
        assert_eq!(select(&items, Selection::Percent(25.0), &mut rng).len(), 3);
        assert_eq!(select(&items, Selection::Percent(1.0), &mut rng).len(), 1);
        assert_eq!(select(&items, Selection::Count(50), &mut rng).len(), 10);
    }
}
