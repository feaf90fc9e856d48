//! Emitting the replay trace (`metrics::trace` has the vocabulary).
//!
//! The world holds `Option<Box<Tracer>>`: `None` in every run but a replay,
//! so each emission point costs one branch on a field and builds nothing.
//! Events are built by closures that run only when tracing. Handlers on
//! components emit through `Cx` (`dispatch.rs`): their records are effects,
//! labelled here.

use super::{ServerRole, World};
use crate::metrics::trace::{RetryStormWatch, StormChange, TraceEvent, TraceSink};
use crate::model::event::{LbId, ServerId};
use crate::model::failure::NodeRef;
use crate::model::layout::ordinal_label;
use crate::model::node::Cause;
use crate::model::trace::Tracer;
use crate::model::trace_records::node_event;

impl World {
    /// Starts tracing into `sink`.
    pub fn set_trace_sink(&mut self, sink: Box<dyn TraceSink>) {
        self.tracer = Some(Box::new(Tracer {
            sink,
            storm: RetryStormWatch::default(),
        }));
    }

    pub fn is_tracing(&self) -> bool {
        self.tracer.is_some()
    }

    /// Emits the event `make` builds, if tracing.
    #[inline]
    pub fn trace(&mut self, make: impl FnOnce(&World) -> TraceEvent) {
        if self.tracer.is_some() {
            let event = make(self);
            if let Some(t) = &mut self.tracer {
                t.sink.record(event);
            }
        }
    }

    /// Counts an arrival or a retry for the retry-storm watch.
    #[inline]
    pub(crate) fn trace_offered(&mut self, retry: bool) {
        if self.tracer.is_none() {
            return;
        }
        let now = self.now();
        let Some(t) = &mut self.tracer else {
            return;
        };
        let Some(change) = t.storm.note(now, retry) else {
            return;
        };
        let (event, second, retries, offered) = match change {
            StormChange::Started {
                second,
                retries,
                offered,
            } => ("retry_storm_start", second, retries, offered),
            StormChange::Ended {
                second,
                retries,
                offered,
            } => ("retry_storm_end", second, retries, offered),
        };
        // Stamped when detected (the first offer of the next second), so
        // the trace stays in time order.
        t.sink.record(
            TraceEvent::new(now, event, "client")
                .cause("retries")
                .detail(format!(
                    "{retries} retries vs {offered} new requests in second {second}"
                )),
        );
    }

    pub fn zone_name(&self, zone: usize) -> Option<&str> {
        self.zones.get(zone).map(|z| z.name.as_str())
    }

    /// A server's component name, zone name and label (`web-a-1`: the
    /// component, its zone and its position among that component's
    /// servers in the zone; `db-b` for database nodes).
    pub fn server_label(&self, s: ServerId) -> (String, String, String) {
        let zone_of = |o: ServerId| self.servers[o].zone;
        let zone = &self.zones[zone_of(s)].name;
        match self.server_roles[s] {
            ServerRole::Instance { tier, .. } => {
                let t = &self.tiers[tier];
                ordinal_label(&t.name, zone, s, t.slots.iter().copied(), zone_of)
            }
            ServerRole::DbNode { db, .. } => {
                let d = &self.dbs[db];
                ordinal_label(&d.name, zone, s, d.nodes.iter().map(|n| n.server), zone_of)
            }
        }
    }

    /// Component, zone and label of any node.
    pub fn node_label(&self, node: NodeRef) -> (String, String, String) {
        match node {
            NodeRef::Server(s) => self.server_label(s),
            NodeRef::CacheNode { cache, node } => {
                let c = &self.caches[cache];
                let z = c.nodes[node as usize].zone;
                let k = c.nodes[..node as usize]
                    .iter()
                    .filter(|n| n.zone == z)
                    .count();
                let zone = self.zones[z].name.clone();
                let label = format!("{}-{}-{}", c.name, zone, k + 1);
                (c.name.clone(), zone, label)
            }
            NodeRef::LbNode { lb, node } => self.lb_node_label(lb, node),
            NodeRef::Volume(v) => {
                let vol = &self.volumes[v];
                (vol.name.clone(), String::new(), vol.name.clone())
            }
        }
    }

    fn lb_node_label(&self, lb: LbId, node: u16) -> (String, String, String) {
        let b = &self.lbs[lb];
        let zone = self.zones[b.nodes[node as usize].zone].name.clone();
        (b.name.clone(), zone.clone(), format!("{}-{}", b.name, zone))
    }

    /// `node_down` / `node_up` for `node`, with the cause set or cleared.
    pub(crate) fn trace_node(&mut self, node: NodeRef, up: bool, cause: Cause) {
        self.trace(|w| {
            let cold = matches!(node, NodeRef::CacheNode { .. });
            node_event(
                w.now(),
                w.node_label(node),
                up,
                cause,
                w.node_mode(node),
                cold,
            )
        });
    }

    fn node_mode(&self, node: NodeRef) -> crate::config::DownMode {
        match node {
            NodeRef::Server(s) => self.servers[s].node.mode(),
            NodeRef::CacheNode { cache, node } => {
                self.caches[cache].nodes[node as usize].node.mode()
            }
            NodeRef::LbNode { lb, node } => self.lbs[lb].nodes[node as usize].node.mode(),
            NodeRef::Volume(_) => crate::config::DownMode::Refuse,
        }
    }
}
