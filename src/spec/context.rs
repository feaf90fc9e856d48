//! What validation of a model needs to know while it resolves one component:
//! the file name (for diagnostics) and the names of zones, components and
//! request classes, in file order.

use serde_saphyr::Spanned;

use super::diagnostics::Diagnostic;
use crate::config::{ComponentIndex, ZoneIndex};

pub struct ModelContext<'a> {
    pub file: &'a str,
    pub zones: Vec<String>,
    /// (name, kind as written) of every component.
    pub components: Vec<(String, String)>,
    pub classes: Vec<String>,
}

impl ModelContext<'_> {
    pub fn error<T>(&self, value: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at_value(self.file, value, message)
    }

    pub fn zone(&self, name: &Spanned<String>) -> Result<ZoneIndex, Diagnostic> {
        self.zones
            .iter()
            .position(|z| *z == name.value)
            .ok_or_else(|| {
                self.error(
                    name,
                    format!(
                        "unknown zone `{}`: the model's zones are {}",
                        name.value,
                        list(&self.zones)
                    ),
                )
            })
    }

    /// A non-empty list of distinct zone names, resolved.
    pub fn zone_list(
        &self,
        list: &Spanned<Vec<Spanned<String>>>,
    ) -> Result<Vec<ZoneIndex>, Diagnostic> {
        let names = &list.value;
        if names.is_empty() {
            return Err(self.error(list, "expected at least one zone"));
        }
        let mut zones = Vec::with_capacity(names.len());
        for name in names {
            let zone = self.zone(name)?;
            if zones.contains(&zone) {
                return Err(self.error(name, format!("zone `{}` is listed twice", name.value)));
            }
            zones.push(zone);
        }
        Ok(zones)
    }

    /// A component by name; `kind` restricts it (`Some("tier")`).
    pub fn component(
        &self,
        name: &Spanned<String>,
        kind: Option<&str>,
    ) -> Result<ComponentIndex, Diagnostic> {
        let Some(index) = self.components.iter().position(|(n, _)| *n == name.value) else {
            let names: Vec<String> = self.components.iter().map(|(n, _)| n.clone()).collect();
            return Err(self.error(
                name,
                format!(
                    "unknown component `{}`: the model's components are {}",
                    name.value,
                    list(&names)
                ),
            ));
        };
        match kind {
            Some(kind) if self.components[index].1 != kind => Err(self.error(
                name,
                format!(
                    "`{}` is a {}, expected a {kind}",
                    name.value, self.components[index].1
                ),
            )),
            _ => Ok(index),
        }
    }
}

/// `a`, `b` and `c` style list for messages.
pub fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
