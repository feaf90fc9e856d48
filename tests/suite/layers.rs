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
    ("input", &[]),
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
    // bind: model + scenario + seed -> the plan every run starts from.
    ("bind", &["config", "fault", "metrics", "model", "rng"]),
    ("cost", &["catalog", "config", "metrics"]),
    (
        "fluid",
        &[
            "bind", "config", "dist", "engine", "fault", "metrics", "model", "rng", "time",
        ],
    ),
    (
        "run",
        &[
            "bind", "config", "cost", "fault", "fluid", "metrics", "model", "time",
        ],
    ),
    ("catalog", &["config", "dist", "time"]),
    ("topology", &["config"]),
    (
        "spec",
        &["catalog", "config", "dist", "input", "time", "topology"],
    ),
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
            "bind", "check", "compare", "config", "input", "metrics", "report", "run", "spec",
            "study", "time", "topology",
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

/// Modules whose files still use each other in a cycle: the remaining debt
/// of issue 18. A module leaves this list when its files form a DAG (the
/// test then says so); a module not listed fails the test as soon as it
/// grows a cycle. Clean today: `cost`, `engine`, `report`, `study`,
/// `topology`. The usual cause is a root file (`mod.rs`) that defines items
/// its children use and also calls those children.
const CYCLES_ALLOWED: &[&str] = &[
    // `impl World` is spread over one file per component kind, and each
    // component file calls back into the world.
    "model",
    // compare, mod, recorder, study, summary: files use summary types
    // defined in the root (`RunSummary`, `ExperimentLog`, ...), which in
    // turn names theirs.
    "metrics",
    // attributes → hazard → target → attributes (fault errors, zones,
    // attribute filters), and schedule, lifecycle, resolution, data,
    // database_actions calling each other.
    "fault",
    // faults, flow, infra, latency, ledger, mod, routing: step files use
    // the solver state in the root, which calls them.
    "fluid",
    // Two cycles: components ↔ database, and faults ↔ faults_gray ↔
    // scenario.
    "spec",
    // The others: a child uses an item of its root file, which uses it:
    // config (scenario: `SourcePos`), run (explain: `RunError`,
    // `Simulation`), catalog (aws, generic: preset types), compare
    // (control: `paired`), check (baseline: `CheckResult`), cli (every
    // subcommand file: `Outcome`, `print_stdout`).
    "config", "run", "catalog", "compare", "check", "cli",
];

/// The module-private names (`super::name`, `crate::module::name`,
/// `self::name` in the root file) a file's code uses, outside its unit
/// tests and comments, braces of `use` lists included.
fn file_uses(code: &str, module: &str, is_root: bool) -> BTreeSet<String> {
    let code: String = code
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let crate_prefix = format!("crate::{module}::");
    let mut prefixes = vec![crate_prefix.as_str()];
    if is_root {
        prefixes.push("self::");
    } else {
        prefixes.push("super::");
    }
    let mut out = BTreeSet::new();
    for prefix in prefixes {
        for (i, _) in code.match_indices(prefix) {
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            if let Some(list) = rest.strip_prefix('{') {
                // `use super::{a, b::c, d}`: the first name of each item.
                for item in split_top_level(list) {
                    out.insert(ident(item.trim()));
                }
            } else {
                out.insert(ident(rest));
            }
        }
    }
    out.remove("");
    out
}

/// The items of a `{...}` list up to its closing brace, split at top-level commas.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&list[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items
}

fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Each file of a module directory → the files of the same module it uses.
/// A name that is not a sibling file is an item of the root (`mod.rs`).
fn file_graph(dir: &Path, module: &str) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            files.insert(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    let mut graph = std::collections::BTreeMap::new();
    for file in &files {
        if file == "tests" {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(format!("{file}.rs"))).unwrap();
        let is_root = file == "mod";
        let mut edges = BTreeSet::new();
        for name in file_uses(&text, module, is_root) {
            let target = if files.contains(&name) {
                name
            } else {
                "mod".to_string()
            };
            if target != *file {
                edges.insert(target);
            }
        }
        if is_root {
            // The root names its children directly (`json::render(..)`).
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for child in files.iter().filter(|f| *f != "mod" && *f != "tests") {
                let direct = format!("{child}::");
                let used = code.match_indices(&direct).any(|(i, _)| {
                    !code[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                });
                if used || code.contains(&format!("use {child};")) {
                    edges.insert(child.clone());
                }
            }
        }
        graph.insert(file.clone(), edges);
    }
    graph
}

/// Every cycle's files: one list per strongly connected component of more
/// than one file, found by reachability (a module has a few dozen files).
fn cycles(graph: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(f) = stack.pop() {
            for next in graph.get(&f).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: std::collections::BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|f| (f, reach(f))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for file in graph.keys() {
        if placed.contains(file) || !reachable[file].contains(file) {
            continue;
        }
        let component: Vec<String> = graph
            .keys()
            .filter(|other| reachable[file].contains(*other) && reachable[*other].contains(file))
            .cloned()
            .collect();
        placed.extend(component.iter().cloned());
        out.push(component);
    }
    out
}

#[test]
fn files_inside_a_module_use_each_other_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut clean_but_listed = Vec::new();
    for (module, _) in ALLOWED {
        let dir = src.join(module);
        if !dir.is_dir() {
            continue;
        }
        let cycles = cycles(&file_graph(&dir, module));
        let allowed = CYCLES_ALLOWED.contains(module);
        if !cycles.is_empty() && !allowed {
            found.push(format!("{module}: {cycles:?}"));
        }
        if cycles.is_empty() && allowed {
            clean_but_listed.push(*module);
        }
    }
    assert!(found.is_empty(), "file cycles inside modules: {found:#?}");
    assert!(
        clean_but_listed.is_empty(),
        "no cycles left in {clean_but_listed:?}: remove them from CYCLES_ALLOWED"
    );
}

#[test]
fn the_cycle_finder_sees_direct_and_transitive_cycles() {
    let a = "use super::b::thing;\nuse super::{format, c::X};";
    assert_eq!(
        file_uses(a, "m", false).into_iter().collect::<Vec<_>>(),
        ["b", "c", "format"]
    );
    let mut graph = std::collections::BTreeMap::new();
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>();
    graph.insert("a".to_string(), set(&["b"]));
    graph.insert("b".to_string(), set(&["c"]));
    graph.insert("c".to_string(), set(&["a"]));
    graph.insert("d".to_string(), set(&["a"]));
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
    graph.insert("c".to_string(), set(&[]));
    assert!(cycles(&graph).is_empty());
}
