//! The state of the world at a pause (`firedrill replay --until`): a
//! readable dump for the room and `state.json` for tools.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::metrics::state::{DnsView, NodeView, WorldState};

pub const STATE_FILE: &str = "state.json";

fn clock(t_s: f64) -> String {
    let total = t_s.round() as u64;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

fn node_text(n: &NodeView) -> String {
    if n.up {
        format!("{} up", n.label)
    } else {
        format!("{} DOWN ({})", n.label, n.causes.join("+"))
    }
}

fn dns_text(d: &DnsView) -> String {
    if d.stale == 0 {
        format!("DNS TTL {} s: every cached answer current", d.ttl_s)
    } else {
        format!(
            "DNS TTL {} s: {} of {} callers hold a stale answer, for up to {:.1} s more",
            d.ttl_s, d.stale, d.callers, d.stale_for_s_max
        )
    }
}

/// The dump printed at a pause.
pub fn render_text(s: &WorldState) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "State of the world at t={} ({:.3} s): {} under {}, seed {}",
        clock(s.at_s),
        s.at_s,
        s.model,
        s.scenario,
        s.seed
    );
    if !s.overrides.is_empty() {
        let _ = writeln!(out, "  overrides: {}", s.overrides.join(", "));
    }
    let zones: Vec<String> = s
        .zones
        .iter()
        .map(|z| match z.dark {
            Some(mode) => format!("{} DARK ({mode})", z.name),
            None => format!("{} up", z.name),
        })
        .collect();
    let _ = writeln!(out, "zones: {}", zones.join(", "));
    let _ = writeln!(out, "active faults:");
    if s.active_faults.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &s.active_faults {
        let ends = f.ends_s.map_or("the end of the run".to_string(), |e| {
            format!("t={}", clock(e))
        });
        let _ = writeln!(
            out,
            "  {} ({}) since t={}, until {}",
            f.id,
            f.action,
            clock(f.started_s),
            ends
        );
    }
    for t in &s.tiers {
        let _ = write!(out, "tier {}", t.name);
        if let Some(a) = &t.asg {
            let _ = write!(
                out,
                " (ASG desired {}, in service {}, launching {})",
                a.desired, a.in_service, a.launching
            );
        }
        out.push('\n');
        for z in &t.zones {
            let up = z.nodes.iter().filter(|n| n.up).count();
            let nodes: Vec<String> = z.nodes.iter().map(node_text).collect();
            let _ = writeln!(
                out,
                "  zone {}: {}/{} up, {} in flight, {} queued: {}",
                z.zone,
                up,
                z.nodes.len(),
                z.in_flight,
                z.queued,
                nodes.join(", ")
            );
        }
    }
    for b in &s.load_balancers {
        let nodes: Vec<String> = b
            .nodes
            .iter()
            .map(|(label, up, in_dns)| {
                format!(
                    "{label} {}{}",
                    if *up { "up" } else { "DOWN" },
                    if *in_dns { ", in DNS" } else { ", out of DNS" }
                )
            })
            .collect();
        let _ = writeln!(out, "load balancer {}: {}", b.name, nodes.join("; "));
        let targets: Vec<String> = b
            .targets
            .iter()
            .map(|t| {
                let since = t
                    .since_s
                    .map_or(String::new(), |x| format!(" since t={}", clock(x)));
                let state = if t.healthy { "healthy" } else { "UNHEALTHY" };
                format!("{} {state}{since}", t.label)
            })
            .collect();
        let _ = writeln!(out, "  targets in its view: {}", targets.join(", "));
        let _ = writeln!(out, "  {}", dns_text(&b.dns));
    }
    for d in &s.databases {
        let _ = writeln!(
            out,
            "database {}: primary {} ({}), endpoint names {}, failover {}{}",
            d.name,
            d.primary,
            if d.primary_up { "up" } else { "DOWN" },
            d.endpoint,
            d.failover,
            d.primary_down_since_s.map_or(String::new(), |x| format!(
                ", primary lost at t={}",
                clock(x)
            ))
        );
        for n in &d.nodes {
            let lag = n
                .lag
                .as_deref()
                .map_or(String::new(), |l| format!(", lag {l}"));
            let _ = writeln!(out, "  {} {}{}", n.role, node_text(&n.node), lag);
        }
        let _ = writeln!(
            out,
            "  {} in flight, {} queued, {} writes lost so far; {}",
            d.in_flight,
            d.queued,
            d.writes_lost,
            dns_text(&d.dns)
        );
    }
    for c in &s.caches {
        let nodes: Vec<String> = c
            .nodes
            .iter()
            .map(|(n, hit)| format!("{} (hit ratio {:.2})", node_text(n), hit))
            .collect();
        let _ = writeln!(out, "cache {}: {}", c.name, nodes.join(", "));
    }
    if !s.volumes_lost.is_empty() {
        let _ = writeln!(
            out,
            "volumes lost, restoring: {}",
            s.volumes_lost.join(", ")
        );
    }
    let _ = writeln!(out, "requests open (client view): {}", s.requests_open);
    out
}

fn r3(v: f64) -> Value {
    json!((v * 1000.0).round() / 1000.0)
}

fn node_json(n: &NodeView) -> Value {
    json!({ "label": n.label, "up": n.up, "causes": n.causes })
}

fn dns_json(d: &DnsView) -> Value {
    json!({
        "ttl_s": r3(d.ttl_s),
        "callers": d.callers,
        "stale": d.stale,
        "stale_for_s_max": r3(d.stale_for_s_max),
    })
}

/// `state.json` (keys sorted, floats to three decimals).
pub fn render_json(s: &WorldState) -> String {
    let value = json!({
        "model": s.model,
        "scenario": s.scenario,
        "seed": s.seed,
        "t_s": r3(s.at_s),
        "overrides": s.overrides,
        "zones": s.zones.iter().map(|z| json!({"name": z.name, "dark": z.dark})).collect::<Vec<_>>(),
        "active_faults": s.active_faults.iter().map(|f| json!({
            "id": f.id, "action": f.action, "started_s": r3(f.started_s),
            "ends_s": f.ends_s.map(r3),
        })).collect::<Vec<_>>(),
        "tiers": s.tiers.iter().map(|t| json!({
            "name": t.name,
            "asg": t.asg.as_ref().map(|a| json!({
                "desired": a.desired, "in_service": a.in_service, "launching": a.launching,
            })),
            "zones": t.zones.iter().map(|z| json!({
                "zone": z.zone,
                "up": z.nodes.iter().filter(|n| n.up).count(),
                "nodes": z.nodes.iter().map(node_json).collect::<Vec<_>>(),
                "in_flight": z.in_flight,
                "queued": z.queued,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "load_balancers": s.load_balancers.iter().map(|b| json!({
            "name": b.name,
            "nodes": b.nodes.iter().map(|(l, up, in_dns)| json!({"label": l, "up": up, "in_dns": in_dns})).collect::<Vec<_>>(),
            "targets": b.targets.iter().map(|t| json!({
                "label": t.label, "healthy": t.healthy, "since_s": t.since_s.map(r3),
            })).collect::<Vec<_>>(),
            "dns": dns_json(&b.dns),
        })).collect::<Vec<_>>(),
        "databases": s.databases.iter().map(|d| json!({
            "name": d.name,
            "primary": d.primary,
            "primary_up": d.primary_up,
            "endpoint": d.endpoint,
            "failover": d.failover,
            "primary_down_since_s": d.primary_down_since_s.map(r3),
            "nodes": d.nodes.iter().map(|n| json!({
                "role": n.role, "node": node_json(&n.node), "lag": n.lag,
            })).collect::<Vec<_>>(),
            "dns": dns_json(&d.dns),
            "in_flight": d.in_flight,
            "queued": d.queued,
            "writes_lost": d.writes_lost,
        })).collect::<Vec<_>>(),
        "caches": s.caches.iter().map(|c| json!({
            "name": c.name,
            "nodes": c.nodes.iter().map(|(n, hit)| json!({"node": node_json(n), "hit_ratio": r3(*hit)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "volumes_lost": s.volumes_lost,
        "requests_open": s.requests_open,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("values serialise");
    text.push('\n');
    text
}
