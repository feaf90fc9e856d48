//! The dispatcher's side of random failures: the world as the host of the
//! random-failure loop (`fault/hazard.rs`; the trait is `model/hazard_host.rs`), which both fidelities run.

use super::World;
use crate::config::DownMode;
use crate::metrics::RandomFailureStats;
use crate::model::event::Event;
use crate::model::event::HazardEvent;
use crate::model::failure::NodeRef;
use crate::model::hazard_host::{random_node_event, random_zone_event, HazardHost};
use crate::model::node::Cause;
use crate::time::SimDuration;

/// The request level: random failures act on the world's nodes and zones
/// and are traced.
impl HazardHost for World {
    fn schedule(&mut self, after: SimDuration, event: HazardEvent) {
        self.engine.schedule_after(after, Event::Hazard(event));
    }

    fn stats(&mut self) -> &mut RandomFailureStats {
        &mut self.random_stats
    }

    fn zone_is_dark(&self, z: usize) -> bool {
        self.zones[z].dark.is_some()
    }

    fn set_zone_dark(&mut self, z: usize, mode: Option<DownMode>) {
        World::set_zone_dark(self, z, mode);
    }

    fn fail_node(&mut self, node: NodeRef, repair: SimDuration, cause: Cause, mode: DownMode) {
        match node {
            NodeRef::Volume(v) => self.volume_lost(v, Some(repair)),
            NodeRef::CacheNode { cache, node } => self.cache_node_lost(cache, node, Some(repair)),
            node => self.set_down(node, cause, mode),
        }
    }

    fn repair_node(&mut self, node: NodeRef, cause: Cause) {
        self.clear_down(node, cause);
    }

    fn trace_node(
        &mut self,
        event: &'static str,
        i: usize,
        node: NodeRef,
        repair: Option<SimDuration>,
    ) {
        trace_random(self, event, i, node, repair);
    }

    fn trace_zone(&mut self, event: &'static str, i: usize, z: usize, repair: Option<SimDuration>) {
        trace_random_zone(self, event, i, z, repair);
    }
}

/// Traces a random process (or burst member `i`) acting on a node.
fn trace_random(
    world: &mut World,
    event: &'static str,
    i: usize,
    node: NodeRef,
    repair: Option<SimDuration>,
) {
    world.trace(|w| random_node_event(w.now(), event, i, w.node_label(node), repair));
}

fn trace_random_zone(
    world: &mut World,
    event: &'static str,
    i: usize,
    z: usize,
    repair: Option<SimDuration>,
) {
    world.trace(|w| random_zone_event(w.now(), event, i, w.zone_name(z).unwrap_or(""), repair));
}
