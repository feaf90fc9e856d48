//! Reading files: YAML by default, JSON for `.json`. JSON is checked by
//! serde_json first (strict JSON syntax, its own line and column), then read
//! by serde-saphyr like YAML (JSON is YAML 1.2), so positions of values found
//! wrong after parsing are available for both formats.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::diagnostics::Diagnostic;

/// The file's name as diagnostics print it.
pub fn display_name(path: &Path) -> String {
    path.display().to_string()
}

pub fn read(path: &Path) -> Result<String, Diagnostic> {
    crate::input::read_text(path)
        .map_err(|e| Diagnostic::new(&display_name(path), 1, 1, format!("cannot read file: {e}")))
}

pub fn is_json(file_name: &str) -> bool {
    file_name.to_ascii_lowercase().ends_with(".json")
}

/// Parses `text` into `T`, reporting any problem at its position.
pub fn parse<T: DeserializeOwned>(text: &str, file_name: &str) -> Result<T, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::new(
            file_name,
            1,
            1,
            "the file is empty: expected a model (with `components:`) or a scenario (with `horizon:` and `workload:`)",
        ));
    }
    if is_json(file_name) {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Diagnostic::from_json(file_name, &e))?;
    }
    serde_saphyr::from_str::<T>(text).map_err(|e| Diagnostic::from_yaml(file_name, &e))
}

/// Which top-level keys the document has, without validating anything else.
pub fn top_level_keys(text: &str, file_name: &str) -> Result<Vec<String>, Diagnostic> {
    let map: Vec<(String, serde::de::IgnoredAny)> = parse::<KeysOnly>(text, file_name)?.0;
    Ok(map.into_iter().map(|(k, _)| k).collect())
}

/// A mapping read for its keys only.
struct KeysOnly(Vec<(String, serde::de::IgnoredAny)>);

impl<'de> serde::Deserialize<'de> for KeysOnly {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> serde::de::Visitor<'de> for KeysVisitor {
            type Value = KeysOnly;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of keys")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<KeysOnly, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    keys.push((key, map.next_value()?));
                }
                Ok(KeysOnly(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}
