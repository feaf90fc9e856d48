//! Resource filters on node attributes, as AWS FIS filters targets
//! (`filters: [{ path, values }]`, "Targets for AWS FIS", Resource
//! filters): a node passes when, for every filter, its attribute at `path`
//! equals one of the filter's `values` (exact, case-sensitive text). A node
//! without the attribute (an instance with no preset has no
//! `InstanceType`) passes no filter on it.
//!
//! Assumptions:
//! - Paths follow the AWS API's spelling where the model has the attribute
//!   (EC2 `DescribeInstances`: `Placement.AvailabilityZone`, `State.Name`,
//!   `InstanceType`, the root volume's
//!   `BlockDeviceMappings.Ebs.DeleteOnTermination` as `true`/`false`; EBS
//!   `DescribeVolumes`: `VolumeType`,
//!   `AvailabilityZone`; RDS `DescribeDBInstances`: `AvailabilityZone`,
//!   `MultiAZ`); firedrill's own nouns otherwise (`Tier`, `Role`,
//!   `Preset`, `AttachedTo`).
//! - `State.Name` is `running` while the node is up and `stopped` while it
//!   is down (crashed, dark zone, reclaimed): the model has no pending or
//!   stopping states.
//! - Filters are evaluated when the action resolves its targets (at the
//!   experiment's start, and again when the action starts, against the
//!   state then): see `fault/resolution.rs`.
//!
//! Adding an attribute is one row of [`ATTRIBUTES`]: its kind, its path and
//! a getter from a node to its value as text.

use crate::config::BindError;
use crate::config::{TargetConfig, TargetFilter, TargetKind};
use crate::model::database::Role;
use crate::model::failure::NodeRef;
use crate::model::volume::VolumeOwner;
use crate::model::world::{ComponentRef, ServerRole, World};

/// One attribute a filter may name.
pub struct Attribute {
    pub kind: TargetKind,
    pub path: &'static str,
    /// The node's value, or `None` if it has none.
    pub get: fn(&World, NodeRef) -> Option<String>,
}

/// Every attribute a target filter may name, by node kind. Gray faults
/// select instances and database nodes: a path must exist for the kind the
/// target resolves to.
#[rustfmt::skip]
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute { kind: TargetKind::Instance, path: "Placement.AvailabilityZone", get: zone },
    Attribute { kind: TargetKind::Instance, path: "State.Name", get: state },
    Attribute { kind: TargetKind::Instance, path: "InstanceType", get: instance_type },
    Attribute { kind: TargetKind::Instance, path: "Tier", get: component },
    Attribute { kind: TargetKind::Instance, path: "Preset", get: preset },
    Attribute { kind: TargetKind::Instance, path: "BlockDeviceMappings.Ebs.DeleteOnTermination", get: delete_on_termination },
    Attribute { kind: TargetKind::Database, path: "AvailabilityZone", get: zone },
    Attribute { kind: TargetKind::Database, path: "MultiAZ", get: multi_az },
    Attribute { kind: TargetKind::Database, path: "Role", get: role },
    Attribute { kind: TargetKind::Database, path: "State.Name", get: state },
    Attribute { kind: TargetKind::Database, path: "Preset", get: preset },
    Attribute { kind: TargetKind::Cache, path: "AvailabilityZone", get: zone },
    Attribute { kind: TargetKind::Cache, path: "State.Name", get: state },
    Attribute { kind: TargetKind::Cache, path: "Preset", get: preset },
    Attribute { kind: TargetKind::Volume, path: "AvailabilityZone", get: zone },
    Attribute { kind: TargetKind::Volume, path: "VolumeType", get: volume_type },
    Attribute { kind: TargetKind::Volume, path: "AttachedTo", get: attached_to },
    Attribute { kind: TargetKind::LoadBalancer, path: "AvailabilityZone", get: zone },
    Attribute { kind: TargetKind::LoadBalancer, path: "State.Name", get: state },
    Attribute { kind: TargetKind::LoadBalancer, path: "Preset", get: preset },
];

fn attribute(kind: TargetKind, path: &str) -> Option<&'static Attribute> {
    ATTRIBUTES.iter().find(|a| a.kind == kind && a.path == path)
}

/// Whether `node` (of `kind`) passes every filter of `target`.
pub fn passes(world: &World, target: &TargetConfig, kind: TargetKind, node: NodeRef) -> bool {
    target.filters.iter().all(|f| {
        attribute(kind, &f.path)
            .and_then(|a| (a.get)(world, node))
            .is_some_and(|value| f.values.contains(&value))
    })
}

/// Checks that every filter of `target` names an attribute of one of
/// `kinds` (the kinds the action selects), at the filter's position.
pub fn check(target: &TargetConfig, kinds: &[TargetKind]) -> Result<(), BindError> {
    for f in &target.filters {
        if kinds.iter().any(|&k| attribute(k, &f.path).is_some()) {
            continue;
        }
        return Err(unknown(f, kinds));
    }
    Ok(())
}

fn unknown(f: &TargetFilter, kinds: &[TargetKind]) -> BindError {
    let known: Vec<&str> = ATTRIBUTES
        .iter()
        .filter(|a| kinds.contains(&a.kind))
        .map(|a| a.path)
        .collect();
    let kinds: Vec<String> = kinds
        .iter()
        .map(|k| format!("{k:?}").to_lowercase())
        .collect();
    BindError {
        pos: Some(f.pos.clone()),
        message: format!(
            "unknown filter path `{}` for {} targets: expected one of {}",
            f.path,
            kinds.join(" or "),
            known.join(", ")
        ),
    }
}

/// The root volume's `DeleteOnTermination` of an instance, `true` or
/// `false` (the tier's `delete_on_termination`).
fn delete_on_termination(world: &World, node: NodeRef) -> Option<String> {
    let NodeRef::Server(s) = node else {
        return None;
    };
    let ServerRole::Instance { tier, .. } = world.server_roles[s] else {
        return None;
    };
    Some(world.tiers[tier].instance.delete_on_termination.to_string())
}

fn zone(world: &World, node: NodeRef) -> Option<String> {
    Some(
        world.zones[super::hazard::node_zone(world, node)]
            .name
            .clone(),
    )
}

fn state(world: &World, node: NodeRef) -> Option<String> {
    let up = world.node_is_up(node);
    Some(if up { "running" } else { "stopped" }.into())
}

/// The component a node belongs to (a volume: the component it is
/// attached to).
fn owner(world: &World, node: NodeRef) -> Option<usize> {
    let r = match node {
        NodeRef::Server(s) => match world.server_roles[s] {
            ServerRole::Instance { tier, .. } => ComponentRef::Tier(tier),
            ServerRole::DbNode { db, .. } => ComponentRef::Db(db),
        },
        NodeRef::CacheNode { cache, .. } => ComponentRef::Cache(cache),
        NodeRef::LbNode { lb, .. } => ComponentRef::Lb(lb),
        NodeRef::Volume(v) => match world.volumes[v].owner {
            VolumeOwner::Instance(s) => return owner(world, NodeRef::Server(s)),
            VolumeOwner::DbNode { db, .. } => ComponentRef::Db(db),
        },
    };
    world.components.iter().position(|c| *c == r)
}

fn component(world: &World, node: NodeRef) -> Option<String> {
    owner(world, node).map(|i| world.component_names[i].clone())
}

fn attached_to(world: &World, node: NodeRef) -> Option<String> {
    component(world, node)
}

fn preset(world: &World, node: NodeRef) -> Option<String> {
    owner(world, node).and_then(|i| world.component_presets[i].clone())
}

/// `aws/m5.large` → `m5.large`: the EC2 instance type of a catalog preset.
fn instance_type(world: &World, node: NodeRef) -> Option<String> {
    preset(world, node).map(|p| p.rsplit('/').next().unwrap_or(&p).to_string())
}

fn multi_az(world: &World, node: NodeRef) -> Option<String> {
    let NodeRef::Server(s) = node else {
        return None;
    };
    let ServerRole::DbNode { db, .. } = world.server_roles[s] else {
        return None;
    };
    let standby = world.dbs[db].nodes.iter().any(|n| n.role == Role::Standby);
    Some(standby.to_string())
}

fn role(world: &World, node: NodeRef) -> Option<String> {
    let NodeRef::Server(s) = node else {
        return None;
    };
    let ServerRole::DbNode { db, node } = world.server_roles[s] else {
        return None;
    };
    let role = match world.dbs[db].nodes[node as usize].role {
        Role::Primary => "primary",
        Role::Standby => "standby",
        Role::Replica => "replica",
        Role::Detached => "detached",
    };
    Some(role.into())
}

fn volume_type(world: &World, node: NodeRef) -> Option<String> {
    let NodeRef::Volume(v) = node else {
        return None;
    };
    let preset = world.volumes[v].config.volume_type.as_deref()?;
    Some(preset.rsplit('/').next().unwrap_or(preset).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_names_each_path_once() {
        for (i, a) in ATTRIBUTES.iter().enumerate() {
            assert!(
                ATTRIBUTES[i + 1..]
                    .iter()
                    .all(|b| (b.kind, b.path) != (a.kind, a.path)),
                "{:?} {} twice",
                a.kind,
                a.path
            );
        }
    }
}
