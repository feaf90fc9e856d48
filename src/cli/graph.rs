//! `firedrill graph MODEL`: the model's call graph as Graphviz DOT.

use super::args::GraphArgs;
use super::Outcome;
use crate::spec;
use crate::topology::Topology;

pub fn execute(args: &GraphArgs) -> Outcome {
    match spec::load_model(&args.model) {
        Ok(model) => {
            super::print_stdout(&Topology::from_model(&model).to_dot());
            Outcome::Pass
        }
        Err(diagnostic) => {
            eprintln!("{diagnostic}");
            Outcome::BadInput
        }
    }
}
