//! Faults: scripted actions at fixed times (or after one another) and random
//! failure processes. Faults are data turned into events; they change the
//! world only through its failure API (`model::failure`).

pub mod attributes;
pub mod capacity;
pub mod data;
pub mod database_actions;
pub mod deploy;
pub mod gray;
pub mod hazard;
pub mod lifecycle;
pub mod preview;
pub mod resolution;
pub mod schedule;
pub mod target;

use crate::config::{BindError, ScenarioConfig};
use crate::model::{Event, World};

/// Every fault of a run: the scripted schedule and the random processes.
pub struct FaultPlan {
    scripted: schedule::Schedule,
    random: hazard::Hazards,
    /// The random processes as planned (targets selected, defaults filled).
    pub planned: hazard::Plan,
    /// What resolving every target at the start found.
    pub start: resolution::StartCheck,
}

impl FaultPlan {
    /// Resolves the scenario's faults against the world's model and
    /// schedules their first events.
    pub fn new(world: &mut World, scenario: &ScenarioConfig, seed: u64) -> Result<Self, BindError> {
        let mut scripted = schedule::Schedule::new(
            world,
            &scenario.faults,
            scenario.empty_target_resolution,
            seed,
        )?;
        let plan = hazard::plan(world, &scenario.random_failures, seed)?;
        let random = hazard::Hazards::new(
            plan.clone(),
            &scenario.random_failures,
            scenario.failure_budget_zones_down,
            seed,
            world,
        );
        // FIS resolves every target before the first action starts.
        let check = resolution::at_start(world, scenario);
        scripted.resolved_at_start(world, &check);
        for &i in &check.skipped_processes {
            let target = resolution::describe(&scenario.random_failures[i].target);
            world.recorder.experiment.skipped(
                resolution::process_label(i),
                target,
                crate::time::SimTime::ZERO,
            );
        }
        Ok(FaultPlan {
            scripted,
            random,
            planned: plan,
            start: check,
        })
    }

    /// The scripted faults active now.
    pub fn active(&self) -> Vec<schedule::ActiveFault> {
        self.scripted.active()
    }

    /// Handles a fault event popped by the world's loop.
    pub fn handle(&mut self, world: &mut World, event: Event) {
        match event {
            Event::FaultStart { fault } => self.scripted.start(world, fault as usize),
            Event::FaultEnd { fault } => self.scripted.end(world, fault as usize),
            Event::Hazard(h) => self.random.handle(world, h),
            Event::StopConditionTripped => self.scripted.stop(world),
            Event::Deploy { fault, step } => self.scripted.deploy_step(world, fault as usize, step),
            Event::DeployAlarm { fault } => self.scripted.deploy_alarm(world, fault as usize),
            _ => {}
        }
    }
}
