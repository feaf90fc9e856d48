//! A game-day replay: one run with its trace switched on, the per-minute
//! series kept, and the world readable while paused (`--until`).

use super::Simulation;
use crate::metrics::state::{
    ActiveFaultState, AsgState, CacheState, DbNodeView, DbState, DnsView, LbState, NodeView,
    TargetView, TierState, TierZone, WorldState, ZoneState,
};
use crate::metrics::trace::{MinuteSeries, TraceSink};
use crate::metrics::RunSummary;
use crate::model::database::{FailoverState, Role};
use crate::model::failure::NodeRef;
use crate::model::id::{CacheId, DbId, LbId, TierId};
use crate::model::node::{Cause, NodeState};
use crate::model::World;
use crate::time::SimTime;

const CAUSES: [Cause; 8] = [
    Cause::Region,
    Cause::Zone,
    Cause::Crash,
    Cause::Burst,
    Cause::Host,
    Cause::Volume,
    Cause::NotRunning,
    Cause::Reboot,
];

impl Simulation<'_> {
    /// Sends every infrastructure transition to `sink` and keeps the
    /// per-minute availability and p99 series.
    pub fn start_replay(&mut self, sink: Box<dyn TraceSink>) {
        self.world.set_trace_sink(sink);
        self.world.recorder.keep_minute_series();
    }

    pub fn now(&self) -> SimTime {
        self.world.now()
    }

    /// The timeline's rows: (component, zone, nodes up now) for every
    /// component with nodes, in model order, zones in model order.
    pub fn timeline_rows(&self) -> Vec<(String, String, u32)> {
        let w = &self.world;
        let mut rows: Vec<(String, String, u32)> = Vec::new();
        let mut add = |component: String, zone: String, up: bool| match rows
            .iter_mut()
            .find(|r| r.0 == component && r.1 == zone)
        {
            Some(r) => r.2 += u32::from(up),
            None => rows.push((component, zone, u32::from(up))),
        };
        for (l, lb) in w.lbs.iter_enumerated() {
            for n in 0..lb.nodes.len() {
                let (c, z, _) = w.node_label(NodeRef::LbNode {
                    lb: l,
                    node: n as u16,
                });
                add(c, z, lb.nodes[n].node.is_up());
            }
        }
        for s in w.servers.ids() {
            let (c, z, _) = w.server_label(s);
            add(c, z, w.servers[s].node.is_up());
        }
        for (ci, cache) in w.caches.iter_enumerated() {
            for n in 0..cache.nodes.len() {
                let (c, z, _) = w.node_label(NodeRef::CacheNode {
                    cache: ci,
                    node: n as u16,
                });
                add(c, z, cache.nodes[n].node.is_up());
            }
        }
        // Keep model order: the order components first appear in the names.
        let order = |name: &str| w.component_names.iter().position(|n| n == name);
        rows.sort_by_key(|r| (order(&r.0), w.zones.iter().position(|z| z.name == r.1)));
        rows
    }

    /// Simulates to the horizon; the summary, the per-minute series and
    /// the trace sink back (to be closed by the caller).
    pub fn finish_replay(mut self) -> (RunSummary, MinuteSeries, Option<Box<dyn TraceSink>>) {
        let horizon = self.world.horizon;
        self.run_until(horizon);
        self.world.finish();
        let summary =
            super::summarize::summarize(&self.world, self.model, self.scenario, self.seed);
        let series = self
            .world
            .recorder
            .minute_series()
            .cloned()
            .unwrap_or_default();
        let sink = self.world.tracer.take().map(|t| t.sink);
        (summary, series, sink)
    }

    /// Stops here (`--until`): the series so far and the trace sink back.
    pub fn pause_replay(&mut self) -> (MinuteSeries, Option<Box<dyn TraceSink>>) {
        let series = self
            .world
            .recorder
            .minute_series()
            .cloned()
            .unwrap_or_default();
        let sink = self.world.tracer.take().map(|t| t.sink);
        (series, sink)
    }

    /// What is up, down and failing over now.
    pub fn state(&self, overrides: &[String]) -> WorldState {
        let w = &self.world;
        let now = w.now();
        WorldState {
            model: self.model.name.clone(),
            scenario: self.scenario.name.clone(),
            seed: self.seed,
            at_s: now.as_secs_f64(),
            zones: w
                .zones
                .iter()
                .map(|z| ZoneState {
                    name: z.name.clone(),
                    dark: z.dark.map(|m| match m {
                        crate::config::DownMode::Blackhole => "blackhole",
                        crate::config::DownMode::Refuse => "refuse",
                    }),
                })
                .collect(),
            tiers: w.tiers.ids().map(|t| tier_state(w, t)).collect(),
            load_balancers: w.lbs.ids().map(|l| lb_state(w, l)).collect(),
            databases: w.dbs.ids().map(|d| db_state(w, d)).collect(),
            caches: w.caches.ids().map(|c| cache_state(w, c)).collect(),
            volumes_lost: w
                .volumes
                .iter()
                .filter(|v| v.lost)
                .map(|v| v.name.clone())
                .collect(),
            active_faults: self
                .faults
                .active()
                .into_iter()
                .map(|f| ActiveFaultState {
                    id: f.id,
                    action: f.action.to_string(),
                    started_s: f.started_at.as_secs_f64(),
                    ends_s: f.ends_at.map(SimTime::as_secs_f64),
                })
                .collect(),
            requests_open: w.requests.live() as u64,
            overrides: overrides.to_vec(),
        }
    }
}

fn node_view(label: String, node: &NodeState) -> NodeView {
    NodeView {
        label,
        up: node.is_up(),
        causes: CAUSES
            .iter()
            .filter(|&&c| node.has(c))
            .map(|c| c.name())
            .collect(),
    }
}

fn tier_state(w: &World, t: TierId) -> TierState {
    let tier = &w.tiers[t];
    let mut zones: Vec<TierZone> = Vec::new();
    for &s in &tier.slots {
        let server = &w.servers[s];
        let zone = w.zones[server.zone].name.clone();
        let i = match zones.iter().position(|z| z.zone == zone) {
            Some(i) => i,
            None => {
                zones.push(TierZone {
                    zone,
                    nodes: Vec::new(),
                    in_flight: 0,
                    queued: 0,
                });
                zones.len() - 1
            }
        };
        let z = &mut zones[i];
        z.nodes.push(node_view(w.server_label(s).2, &server.node));
        z.in_flight += server.busy;
        z.queued += server.queue.len() as u32;
    }
    let asg = tier.asg.as_ref().map(|a| AsgState {
        desired: a.desired,
        in_service: tier.servers.len() as u32,
        launching: a.launching,
    });
    TierState {
        name: tier.name.clone(),
        zones,
        asg,
    }
}

fn lb_state(w: &World, l: LbId) -> LbState {
    let b = &w.lbs[l];
    let now = w.now();
    let answer = b.dns_answer();
    let nodes = b
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            let label = w.node_label(NodeRef::LbNode {
                lb: l,
                node: n as u16,
            });
            (label.2, node.node.is_up(), answer & (1 << n) != 0)
        })
        .collect();
    let targets = b
        .targets
        .iter()
        .enumerate()
        .filter(|&(t, _)| b.registered[t])
        .map(|(t, &s)| TargetView {
            label: w.server_label(s).2,
            healthy: b.health[t].healthy,
            since_s: b.health[t].changed_at.map(SimTime::as_secs_f64),
        })
        .collect();
    let callers = w.dns.lb_cache.len() / w.lbs.len().max(1);
    let mut dns = DnsView {
        ttl_s: b.dns_ttl.as_secs_f64(),
        callers: callers as u32,
        stale: 0,
        stale_for_s_max: 0.0,
    };
    for c in 0..callers {
        let (mask, expiry) = w.dns.lb_cache[c * w.lbs.len() + l.index()];
        if expiry > now && mask != answer {
            dns.stale += 1;
            dns.stale_for_s_max = dns.stale_for_s_max.max(expiry.since(now).as_secs_f64());
        }
    }
    LbState {
        name: b.name.clone(),
        nodes,
        targets,
        dns,
    }
}

fn db_state(w: &World, d: DbId) -> DbState {
    let db = &w.dbs[d];
    let now = w.now();
    let label = |n: u16| w.server_label(db.nodes[n as usize].server).2;
    let primary_server = db.nodes[db.primary as usize].server;
    let primary_up = w.servers[primary_server].node.is_up();
    let failover = match db.failover_state {
        FailoverState::Idle => "idle".to_string(),
        FailoverState::Detecting => "detecting".to_string(),
        FailoverState::Promoting { candidate, .. } => format!("promoting {}", label(candidate)),
    };
    let down = !primary_up || db.failover_state != FailoverState::Idle;
    let nodes = db
        .nodes
        .iter()
        .map(|n| DbNodeView {
            node: node_view(w.server_label(n.server).2, &w.servers[n.server].node),
            role: match n.role {
                Role::Primary => "primary",
                Role::Standby => "standby",
                Role::Replica => "replica",
                Role::Detached => "detached",
            },
            lag: n.lag.as_ref().map(|l| format!("{l:?}")),
        })
        .collect();
    let callers = w.dns.db_cache.len() / w.dbs.len().max(1);
    let mut dns = DnsView {
        ttl_s: db.endpoint_ttl.as_secs_f64(),
        callers: callers as u32,
        stale: 0,
        stale_for_s_max: 0.0,
    };
    for c in 0..callers {
        let (node, expiry) = w.dns.db_cache[c * w.dbs.len() + d.index()];
        if expiry > now && node != db.endpoint {
            dns.stale += 1;
            dns.stale_for_s_max = dns.stale_for_s_max.max(expiry.since(now).as_secs_f64());
        }
    }
    let (mut in_flight, mut queued) = (0, 0);
    for n in &db.nodes {
        in_flight += w.servers[n.server].busy;
        queued += w.servers[n.server].queue.len() as u32;
    }
    DbState {
        name: db.name.clone(),
        primary: label(db.primary),
        primary_up,
        endpoint: label(db.endpoint),
        failover,
        primary_down_since_s: down.then(|| db.primary_down_at.as_secs_f64()),
        nodes,
        dns,
        in_flight,
        queued,
        writes_lost: db.log.lost_total,
    }
}

fn cache_state(w: &World, c: CacheId) -> CacheState {
    let cache = &w.caches[c];
    let now = w.now();
    CacheState {
        name: cache.name.clone(),
        nodes: cache
            .nodes
            .iter()
            .enumerate()
            .map(|(n, node)| {
                let label = w
                    .node_label(NodeRef::CacheNode {
                        cache: c,
                        node: n as u16,
                    })
                    .2;
                (node_view(label, &node.node), cache.hit_ratio_of(n, now))
            })
            .collect(),
    }
}
