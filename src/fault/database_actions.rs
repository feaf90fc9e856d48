//! The RDS API actions' start (FIS `aws:rds:reboot-db-instances`,
//! `aws:rds:failover-db-cluster`, and `PromoteReadReplica`); what each does
//! to the model is in `model/database_actions.rs`.
//!
//! Per action:
//! - `database_reboot` (`force_failover: false` by default, as FIS's
//!   `forceFailover`): the selected databases' primaries reboot (in place,
//!   or through a failover). A database whose reboot the API refuses fails
//!   the action.
//! - `database_cluster_failover`: the selected DB clusters fail over. Only
//!   clusters are targets: a target naming a database that is not one is
//!   an error in the scenario; a kind or tag target skips the others.
//! - `replica_promotion`: the first selected read replica of each targeted
//!   database is promoted to a standalone primary. A target naming a
//!   database without read replicas, or an Aurora cluster, is an error.
//!
//! The three are instantaneous API calls: their effect takes the
//! database's own times, not the fault's `duration` (which, if given, only
//! says when `after` chains continue). A failed action fails the
//! experiment (`schedule.rs`).

use super::data::db_nodes;
use super::schedule::databases;
use super::target;
use crate::config::BindError;
use crate::config::{Deployment, FaultAction, FaultConfig};
use crate::model::database::Role;
use crate::model::event::DbId;
use crate::model::world::{ComponentRef, World};
use crate::rng::SimRng;

/// What a started API action did: the databases it acted on, or why the
/// API refused it.
pub enum Outcome {
    Done(Vec<DbId>),
    Refused(String),
}

pub fn is_api_action(action: &FaultAction) -> bool {
    matches!(
        action,
        FaultAction::DatabaseReboot { .. }
            | FaultAction::DatabaseClusterFailover
            | FaultAction::ReplicaPromotion
    )
}

/// Checks what the model files already tell: the named component must be
/// a database, a cluster for a cluster failover, and have read replicas
/// (and not be Aurora) for a promotion.
pub fn check(world: &World, config: &FaultConfig) -> Result<(), BindError> {
    let Some(c) = target::component(world, &config.target)? else {
        return Ok(());
    };
    let error = |message: String| BindError {
        pos: Some(config.target.pos.clone()),
        message,
    };
    let name = &world.component_names[c];
    let ComponentRef::Db(db) = world.components[c] else {
        return Err(error(format!(
            "{} targets a database, and `{name}` is not one",
            config.action.name()
        )));
    };
    let d = &world.dbs[db];
    let deployment = d
        .deployment
        .map_or("none (a generic database)", Deployment::name);
    match config.action {
        FaultAction::DatabaseClusterFailover if !d.deployment.is_some_and(Deployment::is_cluster) => {
            Err(error(format!(
                "database_cluster_failover (FIS aws:rds:failover-db-cluster) targets only DB clusters, and `{name}` is not one (deployment: {deployment}); set `deployment: aurora` or `multi_az_cluster` on it, or use database_reboot with force_failover"
            )))
        }
        FaultAction::ReplicaPromotion if d.deployment == Some(Deployment::Aurora) => Err(error(
            format!("replica_promotion (PromoteReadReplica) does not apply to Aurora, and `{name}` is an Aurora cluster: use database_cluster_failover"),
        )),
        FaultAction::ReplicaPromotion if !d.nodes.iter().any(|n| n.role == Role::Replica) => {
            Err(error(format!(
                "replica_promotion needs a read replica, and database `{name}` has none (add `replicas:` to it)"
            )))
        }
        _ => Ok(()),
    }
}

pub fn apply(world: &mut World, config: &FaultConfig, rng: &mut SimRng) -> Outcome {
    let mut done = Vec::new();
    let mut refused = Vec::new();
    match config.action {
        FaultAction::DatabaseReboot { force_failover } => {
            for db in databases(world, config, rng) {
                match world.db_reboot(db, force_failover) {
                    Ok(()) => done.push(db),
                    Err(e) => refused.push(e),
                }
            }
        }
        FaultAction::DatabaseClusterFailover => {
            let clusters: Vec<DbId> = databases(world, config, rng)
                .into_iter()
                .filter(|&db| world.dbs[db].deployment.is_some_and(Deployment::is_cluster))
                .collect();
            for db in clusters {
                match world.db_cluster_failover(db) {
                    Ok(()) => done.push(db),
                    Err(e) => refused.push(e),
                }
            }
        }
        FaultAction::ReplicaPromotion => {
            let nodes = db_nodes(world, config, rng, |role| role == Role::Replica);
            for (db, node) in nodes {
                if done.contains(&db) {
                    continue; // one promotion per database
                }
                match world.db_replica_promotion(db, node) {
                    Ok(()) => done.push(db),
                    Err(e) => refused.push(e),
                }
            }
        }
        _ => {}
    }
    if refused.is_empty() {
        Outcome::Done(done)
    } else {
        Outcome::Refused(refused.join("; "))
    }
}
