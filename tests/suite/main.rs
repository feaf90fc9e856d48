//! firedrill's integration tests: one binary with a module per theme (as
//! ripgrep and NeXosim do), so the test build links once. Run one theme
//! with `cargo test --release --test suite THEME::` (e.g. `fluid::`).

mod common;

mod auto_scaling;
mod behaviour;
mod bind;
mod breaker;
mod check;
mod cli;
mod compare;
mod data_loss;
mod deployments;
mod examples;
mod explain;
mod fault_targets;
mod faults_capacity;
mod faults_data;
mod faults_dependency;
mod faults_gray;
mod faults_load;
mod fluid;
mod fuzz_models;
mod hops;
mod html;
mod incidents;
mod infra_trace;
mod layers;
mod lifecycle;
mod metastable;
mod overload;
mod queueing;
mod rds_actions;
mod replay;
mod report;
mod retry_budget;
mod shard;
mod shedding;
mod stampede;
mod statistics;
mod stickiness;
mod stop_conditions;
mod study;
mod validation;
