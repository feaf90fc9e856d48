//! Which simulation a run uses: every request (`request`), traffic as a
//! rate between infrastructure state changes (`fluid`), or the one that
//! suits the scenario (`auto`).

use crate::config::{ModelConfig, ScenarioConfig};

/// `--fidelity`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Fidelity {
    /// Every request through the call graph (exact percentiles, retry
    /// storms, metastable failures).
    Request,
    /// Only infrastructure state changes are events; traffic is a rate.
    Fluid,
    /// Fluid for long or heavy runs the fluid mode supports, else request.
    #[default]
    Auto,
}

/// `auto` picks fluid above this many expected requests per run...
pub const AUTO_FLUID_REQUESTS: f64 = 20_000_000.0;
/// ...or above this horizon (7 days).
pub const AUTO_FLUID_HORIZON_S: f64 = 7.0 * 86_400.0;

impl Fidelity {
    /// The fidelity a run of `scenario` uses (never `Auto`).
    pub fn resolve(self, scenario: &ScenarioConfig) -> Fidelity {
        match self {
            Fidelity::Auto => {
                let horizon_s = scenario.horizon.as_secs_f64();
                let requests = super::work::requests_at_most(scenario);
                let long = requests > AUTO_FLUID_REQUESTS || horizon_s > AUTO_FLUID_HORIZON_S;
                if long && crate::fluid::unsupported(scenario).is_none() {
                    Fidelity::Fluid
                } else {
                    Fidelity::Request
                }
            }
            f => f,
        }
    }

    /// The fidelity a run of `model` under `scenario` uses: as
    /// [`Fidelity::resolve`], but `auto` also stays at request level for a
    /// model the fluid layer cannot run (scaling policies).
    pub fn resolve_for(self, model: &ModelConfig, scenario: &ScenarioConfig) -> Fidelity {
        match self.resolve(scenario) {
            Fidelity::Fluid
                if self == Fidelity::Auto && crate::fluid::unsupported_model(model).is_some() =>
            {
                Fidelity::Request
            }
            f => f,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Fidelity::Request => "request",
            Fidelity::Fluid => "fluid",
            Fidelity::Auto => "auto",
        }
    }
}
