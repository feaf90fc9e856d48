//! # firedrill
//!
//! A deterministic discrete-event simulator and chaos testbed for cloud
//! infrastructure designs.
//!
//! * A **model** (`models/*.yaml`) is one candidate architecture: zones,
//!   tiers of instances, load balancers, databases with standbys and
//!   replicas, caches, volumes with snapshots, object storage, and the
//!   request classes that flow through them.
//! * A **scenario** (`scenarios/*.yaml`) is a workload, client behaviour
//!   (timeouts, retries), scripted faults, random failure processes, a
//!   horizon and SLOs.
//! * A **run** is one model × one scenario × one seed. The same three give a
//!   byte-identical report on any machine.
//!
//! Layers point one way:
//! `engine` ← `model`/`fault` ← `metrics` ← `run` ← `report` ← `cli`,
//! with `spec` (files), `config` (resolved data), `topology` and `catalog`
//! beside them; `cost` prices a model from the catalog for `run`.

pub mod bind;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod compare;
pub mod config;
pub mod cost;
pub mod dist;
pub mod engine;
pub mod fault;
pub mod fluid;
pub mod input;
pub mod metrics;
pub mod model;
pub mod report;
pub mod rng;
pub mod run;
pub mod spec;
pub mod study;
pub mod time;
pub mod topology;
pub mod ziggurat;
