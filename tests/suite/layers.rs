//! Layers point one way (STYLE.md habit 14): each module may use only the
//! modules listed for it here. A new edge is a design decision: add it here
//! on purpose, or move the code.

use std::collections::BTreeSet;
use std::path::Path;

/// Module → the crate modules it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("time", &[]),
    ("rng", &[]),
    ("ziggurat", &[]),
    ("dist", &["rng", "time", "ziggurat"]),
    ("engine", &["time"]),
    ("config", &["dist", "time"]),
    ("metrics", &["config", "time"]),
    (
        "model",
        &["config", "dist", "engine", "metrics", "rng", "time"],
    ),
    // metrics: the random-failure counts the shared hazard loop keeps.
    (
        "fault",
        &["config", "dist", "metrics", "model", "rng", "time"],
    ),
    ("cost", &["catalog", "config", "metrics"]),
    (
        "fluid",
        &[
            "config", "dist", "engine", "fault", "metrics", "model", "rng", "time",
        ],
    ),
    (
        "run",
        &[
            "config", "cost", "fault", "fluid", "metrics", "model", "time",
        ],
    ),
    ("catalog", &["config", "dist", "time"]),
    ("topology", &["config"]),
    ("spec", &["catalog", "config", "dist", "time", "topology"]),
    ("study", &["config", "metrics", "run", "time"]),
    ("compare", &["config", "cost", "metrics", "run", "study"]),
    (
        "check",
        &[
            "compare", "config", "metrics", "report", "run", "spec", "study",
        ],
    ),
    ("report", &["metrics", "time"]),
    (
        "cli",
        &[
            "check", "compare", "config", "metrics", "report", "run", "spec", "study", "time",
            "topology",
        ],
    ),
];

/// The crate modules a source file (or every file under a directory) names,
/// outside its unit tests (tests may reach anywhere).
fn uses(path: &Path, out: &mut BTreeSet<String>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            uses(&entry.unwrap().path(), out);
        }
        return;
    }
    // A `tests.rs` beside a module is its unit tests (`#[cfg(test)] mod tests;`).
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    for (i, _) in code.match_indices("crate::") {
        let name: String = code[i + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (module, allowed) in ALLOWED {
        let mut used = BTreeSet::new();
        let dir = src.join(module);
        let path = if dir.is_dir() {
            dir
        } else {
            src.join(format!("{module}.rs"))
        };
        uses(&path, &mut used);
        for u in used {
            if u != *module && !allowed.contains(&u.as_str()) {
                violations.push(format!("{module} uses {u}"));
            }
        }
    }
    assert!(violations.is_empty(), "layer violations: {violations:#?}");
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines().filter(|l| l.starts_with("pub mod ")) {
        let name = line.trim_start_matches("pub mod ").trim_end_matches(';');
        assert!(
            ALLOWED.iter().any(|(m, _)| *m == name),
            "module `{name}` is missing from the layer table"
        );
    }
}
