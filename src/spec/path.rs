//! Request paths: `[lb, web, cache, db.read_on_miss]` → steps, with the
//! rules that make a path meaningful (ops fit kinds, a load balancer is
//! followed by its target, `read_on_miss` follows a cache, no repeats),
//! and the call steps' own policies (`{ to, timeout, retries, breaker }`,
//! `model/hop_policy.rs`, `model/breaker.rs`).

use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use super::raw::{RawCall, RawPathStep};
use crate::config::{ComponentConfig, ComponentKind, HopPolicyConfig, Op, Step, MAX_TIERS_IN_PATH};

/// A hop's `retries:` block without `max_attempts` makes 3 attempts: the
/// AWS SDK standard retry mode's default ("Retry behavior", AWS SDKs and
/// Tools Reference Guide).
pub const HOP_DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The ops a component kind accepts, as written, default first.
fn ops_of(kind: &ComponentKind) -> &'static [(&'static str, Op)] {
    match kind {
        ComponentKind::LoadBalancer(_) => &[("route", Op::Route)],
        ComponentKind::Tier(_) => &[("serve", Op::Serve)],
        ComponentKind::Cache(_) => &[("get", Op::Get)],
        ComponentKind::Database(_) => &[
            ("read", Op::Read),
            ("write", Op::Write),
            ("read_on_miss", Op::ReadOnMiss),
        ],
        ComponentKind::ObjectStore(_) => &[("get", Op::ObjectGet), ("put", Op::ObjectPut)],
        ComponentKind::External(_) => &[("call", Op::Call)],
    }
}

/// The path's steps and the policies of the call steps that carry one.
pub fn steps(
    ctx: &ModelContext,
    path: &Spanned<Vec<Spanned<RawPathStep>>>,
    components: &[ComponentConfig],
) -> Result<(Vec<Step>, Vec<HopPolicyConfig>), Diagnostic> {
    if path.value.is_empty() {
        return Err(ctx.error(path, "a request path needs at least one step"));
    }
    let mut steps: Vec<Step> = Vec::with_capacity(path.value.len());
    let mut hops = Vec::new();
    let mut names: Vec<Spanned<String>> = Vec::with_capacity(path.value.len());
    for raw in &path.value {
        let text = match &raw.value {
            RawPathStep::Name(name) => Spanned {
                value: name.clone(),
                referenced: raw.referenced,
                defined: raw.defined,
            },
            RawPathStep::Call(call) => call.to.clone(),
        };
        let text = &text;
        names.push(text.clone());
        let (component_name, op_name) = match text.value.split_once('.') {
            Some((c, o)) => (c, Some(o)),
            None => (text.value.as_str(), None),
        };
        let name = Spanned {
            value: component_name.to_owned(),
            referenced: text.referenced,
            defined: text.defined,
        };
        let component = ctx.component(&name, None)?;
        let kind = &components[component].kind;
        let ops = ops_of(kind);
        let op = match op_name {
            None => ops[0].1,
            Some(o) => match ops.iter().find(|(n, _)| *n == o) {
                Some((_, op)) => *op,
                None => {
                    let names: Vec<&str> = ops.iter().map(|(n, _)| *n).collect();
                    return Err(ctx.error(
                        text,
                        format!(
                            "`{o}` is not an operation of {} `{component_name}`: expected {}",
                            kind.name(),
                            names.join(", ")
                        ),
                    ));
                }
            },
        };
        if steps.iter().any(|s| s.component == component) {
            return Err(ctx.error(
                text,
                format!("`{component_name}` appears twice in this path"),
            ));
        }
        if op == Op::ReadOnMiss && !steps.iter().any(|s| s.op == Op::Get) {
            return Err(ctx.error(
                text,
                "`read_on_miss` must come after a cache step in the same path",
            ));
        }
        if let Some(previous) = steps.last() {
            check_after_load_balancer(ctx, text, previous, component, components)?;
        }
        if let RawPathStep::Call(call) = &raw.value {
            if let Some(policy) = hop_policy(ctx, call, steps.len(), &steps, components)? {
                hops.push(policy);
            }
        }
        steps.push(Step { component, op });
        let tiers = steps.iter().filter(|s| s.op == Op::Serve).count();
        if tiers > MAX_TIERS_IN_PATH {
            return Err(ctx.error(
                text,
                format!(
                    "this path passes {tiers} tiers; at most {MAX_TIERS_IN_PATH} are supported"
                ),
            ));
        }
    }
    if let Some(last) = steps.last() {
        if let ComponentKind::LoadBalancer(lb) = &components[last.component].kind {
            let target = &components[lb.target].name;
            return Err(ctx.error(
                names.last().unwrap_or(&Spanned {
                    value: String::new(),
                    referenced: path.referenced,
                    defined: path.defined,
                }),
                format!("a load balancer step must be followed by its target tier `{target}`"),
            ));
        }
    }
    Ok((steps, hops))
}

/// The policy of call step `index` (`steps` are the ones before it), or
/// `None` for `{ to }` alone.
fn hop_policy(
    ctx: &ModelContext,
    call: &RawCall,
    index: usize,
    steps: &[Step],
    components: &[ComponentConfig],
) -> Result<Option<HopPolicyConfig>, Diagnostic> {
    if call.timeout.is_none() && call.retries.is_none() && call.breaker.is_none() {
        return Ok(None);
    }
    if index == 0 {
        return Err(ctx.error(
            &call.to,
            "the first step is the client's call: its timeout and retries are the scenario's `client:` block (`timeout`, `retries`), not a step policy; a breaker goes on a later call step",
        ));
    }
    if let Some(previous) = steps.last() {
        if matches!(
            components[previous.component].kind,
            ComponentKind::LoadBalancer(_)
        ) {
            return Err(ctx.error(
                &call.to,
                format!(
                    "`{}` is reached through load balancer `{}`: the call crosses both, so put its timeout and retries on the `{}` step",
                    call.to.value,
                    components[previous.component].name,
                    components[previous.component].name
                ),
            ));
        }
    }
    let timeout = match &call.timeout {
        None => None,
        Some(t) if t.value.0.is_zero() => {
            return Err(ctx.error(
                t,
                "a step's timeout must be > 0 (leave `timeout` out to wait forever)",
            ))
        }
        Some(t) => Some(t.value.0),
    };
    let retries = match &call.retries {
        None => super::scenario::retries(ctx.file, None, 1)?,
        Some(r) => super::scenario::retries(ctx.file, Some(&r.value), HOP_DEFAULT_MAX_ATTEMPTS)?,
    };
    let breaker = match &call.breaker {
        None => None,
        Some(b) => Some(super::breaker::breaker(ctx, b)?),
    };
    Ok(Some(HopPolicyConfig {
        step: index,
        timeout,
        retries,
        breaker,
    }))
}

fn check_after_load_balancer(
    ctx: &ModelContext,
    text: &Spanned<String>,
    previous: &Step,
    component: usize,
    components: &[ComponentConfig],
) -> Result<(), Diagnostic> {
    if let ComponentKind::LoadBalancer(lb) = &components[previous.component].kind {
        if lb.target != component {
            return Err(ctx.error(
                text,
                format!(
                    "load balancer `{}` must be followed by its target tier `{}`",
                    components[previous.component].name, components[lb.target].name
                ),
            ));
        }
    }
    Ok(())
}
