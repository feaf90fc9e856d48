//! `deployment`: a new version rolled over a tier's instances, as a fault
//! a strategy contains or not.
//!
//! Assumptions (defaults and sources in `spec/faults_deploy.rs`):
//! - The targets are the tier instances the fault's target selects, in the
//!   model's order; they are split into batches by the strategy:
//!   `rolling`: batches of `ceil(n × batch)` (at least 1); `canary`:
//!   `ceil(n × canary)` (at least 1), a `bake`, then the rest at once
//!   (CodeDeploy's canary configurations); `blue_green`: all at once.
//!   CodeDeployDefault.OneAtATime is `batch` of one instance, HalfAtATime
//!   is `batch: 50%`, AllAtOnce is `batch: 100%` ("Working with deployment
//!   configurations in CodeDeploy").
//! - Rolling and canary batches restart in place (CodeDeploy's in-place
//!   deployment, which deregisters an instance from its load balancer
//!   before the update, "Integrating CodeDeploy with Elastic Load
//!   Balancing"): each instance of a batch is deregistered from every load
//!   balancer in front of it (no new work; requests in service finish: the
//!   drain) and registered again after a `restart` draw (default: the
//!   tier's `boot_time`, the catalog's instance launch figure) running the
//!   new version; it takes traffic after its first passing health check.
//!   The instance stays up meanwhile, so an Auto Scaling group does not
//!   replace it. An instance with no load balancer in front (called
//!   directly) goes down (refusing) for the restart instead: its requests
//!   in service are lost. The next batch starts `wait` after the last
//!   instance of a batch is back (after `max(wait, bake)` for a canary).
//! - `blue_green` is modelled as a switch of every instance's behaviour at
//!   once, after one `restart` draw (the new fleet's launch time), with no
//!   downtime: the old fleet serves until the switch (simplification: no
//!   second set of instances exists; capacity is the tier's). Rollback
//!   switches back at once (CodeDeploy keeps the original fleet after a
//!   blue/green deployment until its termination wait, 1 h by default).
//! - The new version answers `error_rate` of its requests with an error
//!   after serving them, multiplies service times by `slowdown` and adds a
//!   `latency` draw (the gray-failure effects of `model/gray.rs`, `limp`
//!   and `latency`); health checks still pass.
//! - Rollback (CodeDeploy "Redeploy and roll back a deployment", automatic
//!   rollback when an alarm threshold is met): when its alarm (or, with
//!   `stop_conditions: true`, a scenario stop condition) trips while the
//!   deployment runs, no further batch starts and every instance running
//!   or starting the new version restarts again (another `restart` draw)
//!   into the old one. A stop condition without `rollback` only halts the
//!   remaining batches.
//! - The fault is active from its start until its last batch's `wait` is
//!   over, or its rollback is complete; actions `after:` it start then.
//! - Draws (batch selection, restart times) come from the fault's own
//!   stream `fault/<id>`.

use super::schedule::chosen;
use crate::config::DownMode;
use crate::config::{DeployStrategy, DeploymentConfig, FaultConfig, Rollback, TargetKind};
use crate::model::event::{DeployStep, ServerId};
use crate::model::failure::NodeRef;
use crate::model::gray::ServerEffect;
use crate::model::node::Cause;
use crate::model::trace::TraceEvent;
use crate::model::world::World;
use crate::model::Event;
use crate::rng::SimRng;
use crate::time::SimDuration;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Version {
    Old,
    /// Restarting into the new version.
    ToNew,
    New,
    /// Restarting back into the old version.
    ToOld,
}

/// One running (or finished) deployment.
#[derive(Clone, Debug)]
pub struct Deployment {
    fault: u16,
    config: DeploymentConfig,
    id: String,
    tier: String,
    servers: Vec<ServerId>,
    version: Vec<Version>,
    /// The version's impairment token per server while it runs it.
    tokens: Vec<Option<u32>>,
    /// Index ranges into `servers`.
    batches: Vec<(usize, usize)>,
    next_batch: usize,
    /// Instances of the current batch (or rollback) not yet back.
    restarting: usize,
    halted: bool,
    rolling_back: bool,
    finished: bool,
}

/// What a step asks the schedule to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    Running,
    /// The deployment is complete or rolled back: the fault ends.
    Finished,
}

/// The deployments of a run, by fault index.
#[derive(Default)]
pub struct Deployments {
    list: Vec<Option<Deployment>>,
}

impl Deployments {
    pub fn start(
        &mut self,
        world: &mut World,
        fault: usize,
        config: &FaultConfig,
        deployment: &DeploymentConfig,
        rng: &mut SimRng,
    ) -> Outcome {
        let servers: Vec<ServerId> = chosen(world, config, TargetKind::Instance, rng)
            .into_iter()
            .filter_map(|c| match c.node {
                NodeRef::Server(s) => Some(s),
                _ => None,
            })
            .collect();
        let n = servers.len();
        let share = |f: f64| ((n as f64 * f).ceil() as usize).clamp(1, n.max(1));
        let mut batches = Vec::new();
        match deployment.strategy {
            DeployStrategy::Rolling { batch } => {
                let size = share(batch);
                let mut i = 0;
                while i < n {
                    batches.push((i, (i + size).min(n)));
                    i += size;
                }
            }
            DeployStrategy::Canary { fraction, .. } => {
                let first = share(fraction).min(n);
                if first > 0 {
                    batches.push((0, first));
                }
                if first < n {
                    batches.push((first, n));
                }
            }
            DeployStrategy::BlueGreen => {
                if n > 0 {
                    batches.push((0, n));
                }
            }
        }
        if self.list.len() <= fault {
            self.list.resize(fault + 1, None);
        }
        let tier = config
            .target
            .component
            .clone()
            .unwrap_or_else(|| "scenario".into());
        let mut d = Deployment {
            fault: fault as u16,
            config: deployment.clone(),
            id: config.id.clone(),
            tier,
            version: vec![Version::Old; n],
            tokens: vec![None; n],
            servers,
            batches,
            next_batch: 0,
            restarting: 0,
            halted: false,
            rolling_back: false,
            finished: false,
        };
        if let Some(Rollback::Alarm(c)) = &d.config.rollback {
            world.recorder.arm_alarm(d.fault, c);
        }
        let outcome = d.batch(world, rng);
        self.list[fault] = Some(d);
        outcome
    }

    pub fn step(
        &mut self,
        world: &mut World,
        fault: usize,
        step: DeployStep,
        rng: &mut SimRng,
    ) -> Outcome {
        let Some(Some(d)) = self.list.get_mut(fault) else {
            return Outcome::Running;
        };
        match step {
            DeployStep::Batch => d.batch(world, rng),
            DeployStep::Back(s) => d.back(world, s),
            DeployStep::Switch => d.switch(world),
            DeployStep::Done => d.done(world),
        }
    }

    /// The alarm (or a stop condition, with `rollback`) tripped.
    pub fn rollback(&mut self, world: &mut World, fault: usize, rng: &mut SimRng) -> Outcome {
        match self.list.get_mut(fault) {
            Some(Some(d)) => d.rollback(world, rng),
            _ => Outcome::Running,
        }
    }

    /// A stop condition ended the fault: roll back if the deployment says
    /// so, otherwise only halt the remaining batches.
    pub fn stopped(&mut self, world: &mut World, fault: usize, rng: &mut SimRng) {
        let Some(Some(d)) = self.list.get_mut(fault) else {
            return;
        };
        if matches!(d.config.rollback, Some(Rollback::StopConditions)) {
            d.rollback(world, rng);
        } else {
            d.halted = true;
            world.recorder.disarm_alarm(d.fault);
        }
    }
}

impl Deployment {
    fn restart_time(&self, world: &World, s: ServerId, rng: &mut SimRng) -> SimDuration {
        match self.config.restart.or_else(|| world.boot_time(s)) {
            Some(d) => d.sample(rng),
            None => SimDuration::ZERO,
        }
    }

    fn schedule(&self, world: &mut World, after: SimDuration, step: DeployStep) {
        world.engine.schedule_after(
            after,
            Event::Deploy {
                fault: self.fault,
                step,
            },
        );
    }

    fn trace(&self, world: &mut World, event: &'static str, detail: String) {
        let (tier, id) = (self.tier.clone(), self.id.clone());
        world.trace(|w| {
            TraceEvent::new(w.now(), event, tier)
                .cause(id)
                .detail(detail)
        });
    }

    fn labels(&self, world: &World, range: (usize, usize)) -> String {
        let names: Vec<String> = self.servers[range.0..range.1]
            .iter()
            .map(|&s| world.node_label(NodeRef::Server(s)).2)
            .collect();
        names.join(", ")
    }

    fn batch(&mut self, world: &mut World, rng: &mut SimRng) -> Outcome {
        if self.halted || self.rolling_back || self.finished {
            return Outcome::Running;
        }
        let Some(&(from, to)) = self.batches.get(self.next_batch) else {
            return self.done(world);
        };
        self.next_batch += 1;
        let detail = format!(
            "batch {}/{}: {} instance(s) to the new version: {}",
            self.next_batch,
            self.batches.len(),
            to - from,
            self.labels(world, (from, to))
        );
        self.trace(world, "deployment_batch", detail);
        if self.config.strategy == DeployStrategy::BlueGreen {
            // The new fleet launches while the old one serves.
            let launch = match self.servers.first() {
                Some(&s) => self.restart_time(world, s, rng),
                None => SimDuration::ZERO,
            };
            for v in &mut self.version[from..to] {
                *v = Version::ToNew;
            }
            self.schedule(world, launch, DeployStep::Switch);
            return Outcome::Running;
        }
        for i in from..to {
            let s = self.servers[i];
            self.version[i] = Version::ToNew;
            self.restarting += 1;
            let took = self.restart_time(world, s, rng);
            out_of_service(world, s);
            self.schedule(world, took, DeployStep::Back(s));
        }
        Outcome::Running
    }

    /// Starts the new version's behaviour on instance `i`.
    fn run_new(&mut self, world: &mut World, i: usize) {
        let c = &self.config;
        let s = self.servers[i];
        if c.error_rate <= 0.0 && c.slowdown == 1.0 && c.latency.is_none() {
            return; // an identical version changes nothing
        }
        let token = world.gray.token();
        if c.error_rate > 0.0 || c.slowdown != 1.0 {
            let effect = ServerEffect::Limp {
                factor: c.slowdown,
                fraction: c.error_rate,
            };
            world.impair_servers(token, &[s], effect);
        }
        if let Some(latency) = c.latency {
            world.impair_servers(token, &[s], ServerEffect::Latency(latency));
        }
        self.tokens[i] = Some(token);
    }

    fn run_old(&mut self, world: &mut World, i: usize) {
        if let Some(token) = self.tokens[i].take() {
            world.unimpair_servers(token);
        }
    }

    fn back(&mut self, world: &mut World, s: ServerId) -> Outcome {
        let Some(i) = self.servers.iter().position(|&x| x == s) else {
            return Outcome::Running;
        };
        match self.version[i] {
            Version::ToNew => {
                self.run_new(world, i);
                self.version[i] = Version::New;
            }
            Version::ToOld => self.version[i] = Version::Old,
            Version::Old | Version::New => return Outcome::Running,
        }
        in_service(world, s);
        self.restarting -= 1;
        if self.restarting > 0 {
            return Outcome::Running;
        }
        if self.rolling_back {
            self.trace(
                world,
                "rollback",
                "rollback complete: every instance runs the old version".into(),
            );
            self.finished = true;
            return Outcome::Finished;
        }
        if !self.halted {
            self.after_batch(world);
        }
        Outcome::Running
    }

    /// Schedules what follows a batch that is all back.
    fn after_batch(&mut self, world: &mut World) {
        let last = self.next_batch >= self.batches.len();
        let grace = match self.config.strategy {
            DeployStrategy::Canary { bake, .. } if self.next_batch == 1 => {
                bake.max(self.config.wait)
            }
            _ => self.config.wait,
        };
        let step = if last {
            DeployStep::Done
        } else {
            DeployStep::Batch
        };
        self.schedule(world, grace, step);
    }

    fn switch(&mut self, world: &mut World) -> Outcome {
        if self.rolling_back || self.halted || self.finished {
            return Outcome::Running;
        }
        for i in 0..self.servers.len() {
            if self.version[i] == Version::ToNew {
                self.run_new(world, i);
                self.version[i] = Version::New;
            }
        }
        let detail = format!(
            "traffic switched to the new fleet ({} instance(s))",
            self.servers.len()
        );
        self.trace(world, "deployment_batch", detail);
        self.after_batch(world);
        Outcome::Running
    }

    fn done(&mut self, world: &mut World) -> Outcome {
        if self.rolling_back || self.halted || self.finished {
            return Outcome::Running;
        }
        self.finished = true;
        world.recorder.disarm_alarm(self.fault);
        let detail = format!(
            "deployment complete: {} instance(s) run the new version",
            self.servers.len()
        );
        self.trace(world, "deployment_done", detail);
        Outcome::Finished
    }

    fn rollback(&mut self, world: &mut World, rng: &mut SimRng) -> Outcome {
        if self.rolling_back || self.finished {
            return Outcome::Running;
        }
        self.rolling_back = true;
        world.recorder.disarm_alarm(self.fault);
        let updated = self
            .version
            .iter()
            .filter(|v| matches!(v, Version::New | Version::ToNew))
            .count();
        let detail = format!(
            "rollback after batch {}/{}: {updated} instance(s) back to the old version",
            self.next_batch,
            self.batches.len()
        );
        self.trace(world, "rollback", detail);
        let blue_green = self.config.strategy == DeployStrategy::BlueGreen;
        for i in 0..self.servers.len() {
            match self.version[i] {
                Version::New if blue_green => {
                    self.run_old(world, i);
                    self.version[i] = Version::Old;
                }
                Version::ToNew if blue_green => self.version[i] = Version::Old,
                Version::New => {
                    let s = self.servers[i];
                    self.run_old(world, i);
                    self.version[i] = Version::ToOld;
                    self.restarting += 1;
                    let took = self.restart_time(world, s, rng);
                    out_of_service(world, s);
                    self.schedule(world, took, DeployStep::Back(s));
                }
                // Its restart is under way; it comes back old.
                Version::ToNew => self.version[i] = Version::ToOld,
                Version::Old | Version::ToOld => {}
            }
        }
        if self.restarting == 0 {
            self.finished = true;
            return Outcome::Finished;
        }
        Outcome::Running
    }
}

/// A deployment targets the instances of one tier.
pub fn check(world: &World, config: &FaultConfig) -> Result<(), crate::config::BindError> {
    use crate::model::world::ComponentRef;
    let c = super::target::component(world, &config.target)?;
    let tier = c.is_some_and(|c| matches!(world.components[c], ComponentRef::Tier(_)));
    if !tier
        || config
            .target
            .kind
            .is_some_and(|k| k != TargetKind::Instance)
    {
        return Err(crate::config::BindError {
            pos: Some(config.target.pos.clone()),
            message: "a deployment needs `target: { tier: NAME }` naming a tier of the model"
                .into(),
        });
    }
    Ok(())
}

/// The load-balancer target slots that hold server `s`.
fn slots(world: &World, s: ServerId) -> Vec<(crate::model::event::LbId, usize)> {
    let mut out = Vec::new();
    for lb in world.lbs.ids() {
        if let Some(k) = world.lbs[lb].targets.iter().position(|&t| t == s) {
            out.push((lb, k));
        }
    }
    out
}

/// Takes `s` out of service for its restart: deregistered (drained) where
/// a load balancer fronts it, down (refusing) otherwise.
fn out_of_service(world: &mut World, s: ServerId) {
    let slots = slots(world, s);
    if slots.is_empty() {
        world.set_down(NodeRef::Server(s), Cause::Reboot, DownMode::Refuse);
    }
    for (lb, k) in slots {
        world.lbs[lb].deregister(k);
    }
}

/// Puts `s` back in service after its restart.
fn in_service(world: &mut World, s: ServerId) {
    let slots = slots(world, s);
    if slots.is_empty() {
        world.clear_down(NodeRef::Server(s), Cause::Reboot);
    }
    for (lb, k) in slots {
        world.lbs[lb].register(k);
    }
}
