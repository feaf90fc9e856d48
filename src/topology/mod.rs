//! A model as a graph: one node per component, an edge from each caller to
//! what it calls (within a request path, the latest tier or load balancer
//! calls the next step; a cache does not call the database behind it) and
//! from each load balancer to its target tier. Validation uses it to reject call cycles (a request that
//! could call itself forever); `firedrill graph` prints it as DOT.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::config::{ComponentKind, ModelConfig};

pub struct Topology {
    /// Node weights are component names; node i is component i.
    pub graph: DiGraph<String, ()>,
    kinds: Vec<&'static str>,
}

impl Topology {
    pub fn from_model(model: &ModelConfig) -> Topology {
        let mut graph = DiGraph::new();
        for component in &model.components {
            graph.add_node(component.name.clone());
        }
        let mut add = |from: usize, to: usize| {
            let (a, b) = (NodeIndex::new(from), NodeIndex::new(to));
            if graph.find_edge(a, b).is_none() {
                graph.add_edge(a, b, ());
            }
        };
        for (index, component) in model.components.iter().enumerate() {
            if let ComponentKind::LoadBalancer(lb) = &component.kind {
                add(index, lb.target);
            }
        }
        for class in &model.request_classes {
            // The client makes the first call; after that, whoever last
            // received the request and can call onwards makes the next.
            let mut caller: Option<usize> = None;
            for step in &class.steps {
                if let Some(from) = caller {
                    add(from, step.component);
                }
                if matches!(
                    model.components[step.component].kind,
                    ComponentKind::Tier(_) | ComponentKind::LoadBalancer(_)
                ) {
                    caller = Some(step.component);
                }
            }
        }
        let kinds = model.components.iter().map(|c| c.kind.name()).collect();
        Topology { graph, kinds }
    }

    /// A cycle of component names (first name repeated at the end), if the
    /// call graph has one. Deterministic: the first strongly connected
    /// component with a cycle, walked from its lowest-index node.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        let mut components = tarjan_scc(&self.graph);
        components.iter_mut().for_each(|c| c.sort_unstable());
        components.sort_unstable();
        for scc in components {
            let start = scc[0];
            let self_loop = self.graph.find_edge(start, start).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            return Some(self.walk_cycle(start, &scc));
        }
        None
    }

    /// Follows edges inside one strongly connected component until a node
    /// repeats, then returns the loop.
    fn walk_cycle(&self, start: NodeIndex, scc: &[NodeIndex]) -> Vec<String> {
        let mut path = vec![start];
        let mut current = start;
        loop {
            let mut next: Vec<NodeIndex> = self
                .graph
                .neighbors(current)
                .filter(|n| scc.contains(n))
                .collect();
            next.sort_unstable();
            let Some(&n) = next.first() else { break };
            if let Some(at) = path.iter().position(|p| *p == n) {
                let mut names: Vec<String> =
                    path[at..].iter().map(|i| self.graph[*i].clone()).collect();
                names.push(self.graph[n].clone());
                return names;
            }
            path.push(n);
            current = n;
        }
        path.iter().map(|i| self.graph[*i].clone()).collect()
    }

    /// Graphviz DOT: components labelled with their kind, edges as calls.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph model {\n  rankdir=LR;\n");
        for index in self.graph.node_indices() {
            out += &format!(
                "  n{} [label=\"{}\\n({})\"];\n",
                index.index(),
                escape(&self.graph[index]),
                self.kinds[index.index()]
            );
        }
        let mut edges: Vec<(usize, usize)> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (a.index(), b.index()))
            .collect();
        edges.sort_unstable();
        for (a, b) in edges {
            out += &format!("  n{a} -> n{b};\n");
        }
        out + "}\n"
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_balancer_edges_and_dot_output() {
        let text = "name: m\nzones: [a]\ncomponents:\n  lb: { kind: load_balancer, targets: web }\n  web: { kind: tier, concurrency: 1, service_time: 1ms }\nrequests:\n  r: { share: 1, path: [lb, web] }\n";
        let model = crate::spec::load_model_str(text, "m.yaml").expect("valid model");
        let topology = Topology::from_model(&model);
        assert_eq!(topology.graph.edge_count(), 1);
        assert!(topology.find_cycle().is_none());
        let dot = topology.to_dot();
        assert!(
            dot.contains("n0 -> n1;") && dot.contains("(load_balancer)"),
            "{dot}"
        );
    }
}
