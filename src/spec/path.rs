//! Request paths: `[lb, web, cache, db.read_on_miss]` → steps, with the
//! rules that make a path meaningful (ops fit kinds, a load balancer is
//! followed by its target, `read_on_miss` follows a cache, no repeats).

use serde_saphyr::Spanned;

use super::context::ModelContext;
use super::diagnostics::Diagnostic;
use crate::config::{ComponentConfig, ComponentKind, Op, Step, MAX_TIERS_IN_PATH};

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

pub fn steps(
    ctx: &ModelContext,
    path: &Spanned<Vec<Spanned<String>>>,
    components: &[ComponentConfig],
) -> Result<Vec<Step>, Diagnostic> {
    if path.value.is_empty() {
        return Err(ctx.error(path, "a request path needs at least one step"));
    }
    let mut steps: Vec<Step> = Vec::with_capacity(path.value.len());
    for text in &path.value {
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
                path.value.last().unwrap_or(&Spanned {
                    value: String::new(),
                    referenced: path.referenced,
                    defined: path.defined,
                }),
                format!("a load balancer step must be followed by its target tier `{target}`"),
            ));
        }
    }
    Ok(steps)
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
