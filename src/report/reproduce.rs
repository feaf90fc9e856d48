//! The command line that reproduces a run, printed by every human-facing
//! report so a failure can be replayed exactly.

use super::format;

/// The command line that reproduces a run, printed by every human-facing
/// writer so a failure can be replayed exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reproduce {
    pub model_path: String,
    pub scenario_path: String,
    pub seed: u64,
    /// `--fidelity` when the user chose one (`request` / `fluid`); `None`
    /// for the default `auto`, which resolves the same way every time.
    pub fidelity: Option<&'static str>,
}

impl std::fmt::Display for Reproduce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "firedrill run {} --scenario {} --seed {}",
            format::shell_quote(&self.model_path),
            format::shell_quote(&self.scenario_path),
            self.seed
        )?;
        match self.fidelity {
            Some(fidelity) => write!(f, " --fidelity {fidelity}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduce_command_quotes_odd_paths() {
        let reproduce = Reproduce {
            model_path: "models/my model.yaml".into(),
            scenario_path: "scenarios/az.yaml".into(),
            seed: 7,
            fidelity: None,
        };
        assert_eq!(
            reproduce.to_string(),
            "firedrill run 'models/my model.yaml' --scenario scenarios/az.yaml --seed 7"
        );
        let fluid = Reproduce {
            fidelity: Some("fluid"),
            ..reproduce
        };
        assert!(fluid.to_string().ends_with("--seed 7 --fidelity fluid"));
    }
}
