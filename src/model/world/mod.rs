//! The world of one run: every component in its arena, the engine, the
//! client population's DNS caches and the recorder. Built from a model and a
//! scenario; changed only by events.
//!
//! This module holds the struct (`build.rs` builds its arenas);
//! `dispatch.rs` routes each event to the component that owns its handler
//! and applies the effects handlers return (the pattern is described
//! there), and `commands.rs` is the fault layer's entry into the
//! components. The other files are the dispatcher's side of one family
//! each: the per-request path (`path.rs`, `traffic.rs`), gray failures and
//! network faults (`gray.rs`), instance lifecycles (`lifecycle.rs`),
//! scaling policies (`scaling.rs`), node transitions (`nodes.rs`) and the
//! replay trace (`tracing.rs`).

use super::cache::Cache;
use super::client::Client;
use super::control_plane::ControlPlane;
use super::database::Database;
use super::event::{
    CacheId, DbId, Event, ExternalId, LbId, ObjectStoreId, ServerId, TierId, VolumeId,
};

mod admission;
mod auto_scaling;
mod breaker;
mod build;
mod commands;
mod dispatch;
mod gray;
mod hazard;
mod hops;
mod keyed;
mod lifecycle;
mod nodes;
mod path;
mod scaling;
mod tracing;
mod traffic;
use super::gray::Impairments;
use super::id::Arena;
use super::load_balancer::LoadBalancer;
use super::network::Network;
use super::object_store::ObjectStore;
use super::request::{Attempts, Requests};
use super::server::Server;
use super::tier::Tier;
use super::volume::Volume;
use super::workload::Workload;
use crate::config::{BindError, ModelConfig, ScenarioConfig, Step};
use crate::engine::{Engine, LaneId};
use crate::metrics::{InfraTime, RandomFailureStats, Recorder};
use crate::rng::{stream, SimRng};
use crate::time::SimTime;
pub use dispatch::{Cx, Effect};

/// Availability a second must meet when the scenario sets no target.
pub const DEFAULT_AVAILABILITY_TARGET: f64 = 0.999;

/// What a model component index refers to in the arenas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentRef {
    Tier(TierId),
    Lb(LbId),
    Db(DbId),
    Cache(CacheId),
    ObjectStore(ObjectStoreId),
    External(ExternalId),
}

/// What a server is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerRole {
    Instance { tier: TierId, hosts: Option<DbId> },
    DbNode { db: DbId, node: u16 },
}

pub struct Zone {
    pub name: String,
    /// Set while the zone is out, with how its nodes look to callers.
    pub dark: Option<crate::config::DownMode>,
}

pub struct Class {
    pub name: String,
    pub steps: Vec<Step>,
}

pub struct World {
    pub(crate) engine: Engine<Event>,
    pub(crate) timeout_lane: Option<LaneId>,
    pub(crate) horizon: SimTime,
    pub(crate) seed: u64,
    pub(crate) zones: Vec<Zone>,
    pub(crate) components: Vec<ComponentRef>,
    pub(crate) component_names: Vec<String>,
    /// Each component's tags (index = component index).
    pub(crate) component_tags: Vec<Vec<String>>,
    /// Each component's catalog preset, as written (target filters).
    pub(crate) component_presets: Vec<Option<String>>,
    pub(crate) classes: Vec<Class>,
    pub(crate) servers: Arena<ServerId, Server>,
    pub(crate) server_roles: Arena<ServerId, ServerRole>,
    pub(crate) tiers: Arena<TierId, Tier>,
    pub(crate) lbs: Arena<LbId, LoadBalancer>,
    pub(crate) dbs: Arena<DbId, Database>,
    pub(crate) caches: Arena<CacheId, Cache>,
    pub(crate) object_stores: Arena<ObjectStoreId, ObjectStore>,
    pub(crate) externals: Arena<ExternalId, super::external::External>,
    pub(crate) volumes: Arena<VolumeId, Volume>,
    pub(crate) network: Network,
    /// Active gray failures and network faults.
    pub(crate) gray: Impairments,
    pub(crate) workload: Workload,
    pub(crate) client: Client,
    pub(crate) requests: Requests,
    pub(crate) attempts: Attempts,
    /// Callers' cached DNS answers and the rules that make them stale.
    pub(crate) dns: super::dns::CallerDns,
    /// Users' sessions and cookies for sticky load balancers (`sticky.rs`);
    /// `None` when no load balancer is sticky.
    pub(crate) sessions: Option<Box<super::sticky::SessionTable>>,
    /// Draws for things that belong to no single component (DNS delays).
    pub(crate) infra_rng: SimRng,
    pub(crate) recorder: Recorder,
    /// Node up-time, folded on transitions (see `metrics::infra`).
    pub(crate) infra_time: InfraTime,
    /// Counted by the random failure processes.
    pub(crate) random_stats: RandomFailureStats,
    pub(crate) peak_pending_events: usize,
    /// What the control plane can do now, and the zones' spare capacity.
    pub(crate) control_plane: ControlPlane,
    /// Instances stopped, rebooted, terminated or recovered, and public
    /// addresses that moved (`lifecycle.rs`).
    pub(crate) lifecycle: super::lifecycle::Lifecycle,
    /// The replay trace; `None` (no cost beyond a branch) in every other run.
    pub(crate) tracer: Option<Box<super::trace::Tracer>>,
    /// Set when the run passed the in-flight bound and stopped
    /// (`in_flight.rs`).
    pub(crate) in_flight_overflow: Option<super::in_flight::Overflow>,
    /// Per-hop call policies (`hop_policy.rs`); `None` (one branch where a
    /// step starts and where one fails) for a model without them.
    pub(crate) hops: Option<Box<hops::Hops>>,
    /// Keyed caches' fills in flight (`world/keyed.rs`); `None` (one branch
    /// where a step starts) for a model without keyed caches.
    pub(crate) keyed: Option<Box<keyed::Keyed>>,
}

impl World {
    /// Read-only views of the arenas, for tests and tools outside the
    /// crate (targeting and replay read the fields inside it).
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn servers(&self) -> &Arena<ServerId, Server> {
        &self.servers
    }

    pub fn tiers(&self) -> &Arena<TierId, Tier> {
        &self.tiers
    }

    pub fn lbs(&self) -> &Arena<LbId, LoadBalancer> {
        &self.lbs
    }

    pub fn dbs(&self) -> &Arena<DbId, Database> {
        &self.dbs
    }

    pub fn now(&self) -> SimTime {
        self.engine.now()
    }

    pub fn new(
        model: &ModelConfig,
        scenario: &ScenarioConfig,
        seed: u64,
    ) -> Result<World, BindError> {
        let horizon = SimTime(scenario.horizon.as_nanos());
        let warmup_end = SimTime(scenario.warmup.as_nanos());
        let mut engine = Engine::new();
        let timeout_lane = scenario.client.timeout.map(|t| engine.add_lane(t));
        let target = scenario
            .slo
            .availability
            .unwrap_or(DEFAULT_AVAILABILITY_TARGET);
        let mut world = World {
            engine,
            timeout_lane,
            horizon,
            seed,
            zones: model
                .zones
                .iter()
                .map(|name| Zone {
                    name: name.clone(),
                    dark: None,
                })
                .collect(),
            components: Vec::new(),
            component_names: model.components.iter().map(|c| c.name.clone()).collect(),
            component_tags: model.components.iter().map(|c| c.tags.clone()).collect(),
            component_presets: model.components.iter().map(|c| c.preset.clone()).collect(),
            classes: Vec::new(),
            servers: Arena::new(),
            server_roles: Arena::new(),
            tiers: Arena::new(),
            lbs: Arena::new(),
            dbs: Arena::new(),
            caches: Arena::new(),
            object_stores: Arena::new(),
            externals: Arena::new(),
            volumes: Arena::new(),
            network: Network::new(&model.network, stream(seed, "network")),
            gray: Impairments::new(0, model.zones.len(), stream(seed, "faults/gray")),
            workload: Workload::new(&scenario.workload, &[1.0], stream(seed, "workload")),
            client: Client::new(&scenario.client, stream(seed, "client")),
            requests: Requests::default(),
            attempts: Attempts::default(),
            dns: super::dns::CallerDns::default(),
            sessions: super::sticky::SessionTable::new(model, scenario, seed),
            infra_rng: stream(seed, "infrastructure"),
            recorder: {
                let mut r = Recorder::new(warmup_end, target);
                if let Some(g) = scenario.goodput {
                    r.keep_load_series(g);
                }
                r
            },
            infra_time: InfraTime::default(),
            random_stats: RandomFailureStats::default(),
            peak_pending_events: 0,
            control_plane: ControlPlane::new(model.zones.len()),
            lifecycle: super::lifecycle::Lifecycle::new(stream(seed, "lifecycle")),
            tracer: None,
            in_flight_overflow: None,
            hops: None,
            keyed: None,
        };
        world.build_components(model)?;
        world.gray.size_for(world.servers.len());
        world.infra_time = world.new_infra_time();
        world
            .recorder
            .set_stop_conditions(&scenario.stop_conditions);
        world.build_classes(model, scenario)?;
        let clients = scenario.workload.clients.max(1) as usize;
        world.dns = super::dns::CallerDns::new(
            clients,
            world.servers.len(),
            world.lbs.len(),
            world.dbs.len(),
            seed,
        );
        world.schedule_initial_events();
        Ok(world)
    }

    /// Closes the books at the horizon.
    pub fn finish(&mut self) {
        // Losses still pending at the horizon are real: the data is gone
        // whatever a later restore brings back.
        for db in &mut self.dbs {
            if let Some((kept, upto)) = db.pending_loss.take() {
                db.log.lose(kept, upto);
            }
        }
        self.close_split_brains();
        self.recorder.finish(self.horizon);
    }
}
