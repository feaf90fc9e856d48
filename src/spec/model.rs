//! Raw model → [`ModelConfig`]: zones, network, components (see
//! `components`), request paths and the rules that span components.

use serde_saphyr::Spanned;

use super::components::{self, checked_kind};
use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::raw::{RawModel, RawNetwork, RawRequest};
use crate::catalog::{self, generic, Preset};
use crate::config::*;
use crate::topology::Topology;

pub fn validate(file: &str, raw: RawModel) -> Result<ModelConfig, Diagnostic> {
    let mut ctx = ModelContext {
        file,
        zones: Vec::new(),
        components: Vec::new(),
        classes: Vec::new(),
    };
    if raw.zones.value.is_empty() {
        return Err(ctx.error(&raw.zones, "a model needs at least one zone"));
    }
    // A load balancer's DNS answer is a 64-bit set of its zonal nodes.
    if raw.zones.value.len() > 64 {
        return Err(ctx.error(&raw.zones, "a model may have at most 64 zones"));
    }
    for zone in &raw.zones.value {
        if ctx.zones.contains(&zone.value) {
            return Err(ctx.error(zone, format!("zone `{}` is listed twice", zone.value)));
        }
        ctx.zones.push(zone.value.clone());
    }
    if raw.components.value.0.is_empty() {
        return Err(ctx.error(&raw.components, "a model needs at least one component"));
    }
    for (name, component) in &raw.components.value.0 {
        let kind = checked_kind(file, name, component)?;
        ctx.components.push((name.value.clone(), kind));
    }
    if raw.requests.value.0.is_empty() {
        return Err(ctx.error(&raw.requests, "a model needs at least one request class"));
    }
    ctx.classes = raw
        .requests
        .value
        .0
        .iter()
        .map(|(n, _)| n.value.clone())
        .collect();

    let mut resolved = Vec::with_capacity(ctx.components.len());
    for ((name, component), (_, kind)) in raw.components.value.0.iter().zip(&ctx.components) {
        resolved.push(components::resolve(&ctx, name, kind, component)?);
    }
    fill_load_balancer_zones(&mut resolved);
    check_hosts(&ctx, &raw, &mut resolved)?;

    let request_classes = requests(&ctx, &raw.requests.value.0, &resolved)?;
    let model = ModelConfig {
        name: raw.name,
        zones: ctx.zones.clone(),
        network: network(&ctx, raw.network.as_ref())?,
        components: resolved,
        request_classes,
    };
    if let Some(cycle) = Topology::from_model(&model).find_cycle() {
        // Point at the last request path that uses one of the cycle's edges:
        // in files written top to bottom it is the one that closed the loop.
        let closes = |steps: &[Step]| {
            steps.windows(2).any(|w| {
                cycle.windows(2).any(|e| {
                    model.components[w[0].component].name == e[0]
                        && model.components[w[1].component].name == e[1]
                })
            })
        };
        let at = model
            .request_classes
            .iter()
            .zip(&raw.requests.value.0)
            .rev()
            .find(|(class, _)| closes(&class.steps))
            .map_or(raw.requests.referenced, |(_, (_, r))| r.path.referenced);
        return Err(ctx.error(
            &Spanned::new((), at, at),
            format!(
                "the call graph has a cycle: {} (a request could call itself forever)",
                cycle.join(" → ")
            ),
        ));
    }
    Ok(model)
}

fn network(ctx: &ModelContext, raw: Option<&RawNetwork>) -> Result<NetworkConfig, Diagnostic> {
    let mut base = generic::network();
    if let Some(name) = raw.and_then(|n| n.preset.as_ref()) {
        match catalog::lookup(&name.value) {
            Some(Preset::Network(p)) => base = p,
            _ => {
                return Err(ctx.error(
                    name,
                    format!(
                        "`{}` is not a network preset: expected `aws/network`",
                        name.value
                    ),
                ))
            }
        }
    }
    let pick = |field: Option<&super::dist_spec::DistSpec>, default| field.map_or(default, |d| d.0);
    Ok(NetworkConfig {
        same_zone_rtt: pick(
            raw.and_then(|n| n.same_zone_rtt.as_ref()),
            base.same_zone_rtt,
        ),
        cross_zone_rtt: pick(
            raw.and_then(|n| n.cross_zone_rtt.as_ref()),
            base.cross_zone_rtt,
        ),
        client_rtt: pick(raw.and_then(|n| n.client_rtt.as_ref()), base.client_rtt),
    })
}

/// A load balancer without `zones:` has a node wherever its target tier has instances.
fn fill_load_balancer_zones(components: &mut [ComponentConfig]) {
    let tier_zones: Vec<Option<Vec<ZoneIndex>>> = components
        .iter()
        .map(|c| match &c.kind {
            ComponentKind::Tier(t) => Some(t.zones.clone()),
            _ => None,
        })
        .collect();
    for c in components.iter_mut() {
        if let ComponentKind::LoadBalancer(lb) = &mut c.kind {
            if lb.zones.is_empty() {
                lb.zones = tier_zones[lb.target].clone().unwrap_or_default();
            }
        }
    }
}

/// `host:` names a tier with exactly one instance, in the primary's zone.
fn check_hosts(
    ctx: &ModelContext,
    raw: &RawModel,
    components: &mut [ComponentConfig],
) -> Result<(), Diagnostic> {
    for (index, (_, raw_component)) in raw.components.value.0.iter().enumerate() {
        let Some(host_name) = &raw_component.host else {
            continue;
        };
        let host = ctx.component(host_name, Some("tier"))?;
        let ComponentKind::Tier(tier) = &components[host].kind else {
            continue;
        };
        if tier.auto_scaling.is_some() {
            return Err(ctx.error(
                host_name,
                format!(
                    "host tier `{}` has an Auto Scaling group: a replacement instance would not have the database",
                    host_name.value
                ),
            ));
        }
        let instances = tier.initial_instances();
        if instances != 1 {
            return Err(ctx.error(
                host_name,
                format!(
                    "host tier `{}` has {instances} instances; a database host needs exactly one",
                    host_name.value
                ),
            ));
        }
        let host_zone = tier.zones[0];
        if let ComponentKind::Database(db) = &mut components[index].kind {
            if db.primary_zone != host_zone {
                return Err(ctx.error(
                    host_name,
                    format!(
                        "host tier `{}` runs in zone `{}` but the database's primary is in `{}`",
                        host_name.value, ctx.zones[host_zone], ctx.zones[db.primary_zone]
                    ),
                ));
            }
            db.host = Some(host);
        }
    }
    Ok(())
}

fn requests(
    ctx: &ModelContext,
    raw: &[(Spanned<String>, RawRequest)],
    components: &[ComponentConfig],
) -> Result<Vec<RequestClassConfig>, Diagnostic> {
    let mut classes = Vec::with_capacity(raw.len());
    for (name, request) in raw {
        let share = request.share.value;
        if !(share.is_finite() && share > 0.0) {
            return Err(ctx.error(
                &request.share,
                format!("share must be a number > 0, got {share}"),
            ));
        }
        let (steps, hops) = super::path::steps(ctx, &request.path, components)?;
        classes.push(RequestClassConfig {
            name: name.value.clone(),
            share,
            steps,
            priority: super::admission::priority(ctx, &request.priority)?,
            hops,
        });
    }
    let total: f64 = classes.iter().map(|c| c.share).sum();
    for class in &mut classes {
        class.share /= total;
    }
    Ok(classes)
}
