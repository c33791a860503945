//! The simulator's layers (docs/architecture.md): each module imports only from the layers
//! below it, a vendor never names another vendor, and only the registry names them all. This
//! test reads every `crate::` path in simulator/src and fails on one that points upwards.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use its own layer and every layer before it.
const LAYERS: &[&[&str]] = &[
    &["kernel"],
    &["faults"],
    &["engine"],
    &["vendors"],
    &["registry"],
    &["scenario", "openapi"],
    &["admin"],
    &["http", "server"],
    &["rehearsal", "timeline"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::a::b` in the code of `text` (comments left out), as (a, b); a brace group
/// (`crate::{a, b::c}`) gives one pair per item.
fn crate_paths(text: &str) -> BTreeSet<(String, String)> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let items: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => split_group(group),
            None => vec![rest],
        };
        for item in items {
            let mut parts = item.trim().split("::").map(|p| {
                p.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            });
            let first = parts.next().unwrap_or_default();
            let second = parts.next().unwrap_or_default();
            if !first.is_empty() && first != "self" {
                out.insert((first, second));
            }
        }
    }
    out
}

/// The top-level items of a brace group, up to its closing brace.
fn split_group(group: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0usize, 0, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// The top-level module a file belongs to, and for a vendor file the vendor's name.
fn home(src: &Path, file: &Path) -> (String, Option<String>) {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts = rel.iter().map(|p| p.to_string_lossy().into_owned());
    let first = parts.next().unwrap_or_default();
    let module = first.trim_end_matches(".rs").to_string();
    let vendor = (module == "vendors")
        .then(|| parts.next())
        .flatten()
        .map(|v| v.trim_end_matches(".rs").to_string());
    (module, vendor)
}

fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let (module, vendor) = home(src, file);
        let Some(own) = layer_of(&module) else {
            continue; // lib.rs and main.rs stand on top of everything
        };
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let name = file.strip_prefix(src).unwrap_or(file).display().to_string();
        for (target, sub) in crate_paths(&text) {
            // `crate::Sim` and the like are re-exports of the engine; lib.rs keeps them so.
            let target_layer = layer_of(&target).or_else(|| match target.as_str() {
                "Sim" | "SimOptions" => layer_of("engine"),
                "WallClock" => layer_of("kernel"),
                "Scenario" | "ScenarioError" => layer_of("scenario"),
                "router" | "serve" => layer_of("http"),
                _ => None,
            });
            match target_layer {
                Some(t) if t > own => found.push(format!(
                    "{name}: uses crate::{target} (layer {t}) from layer {own} ({module})"
                )),
                None => found.push(format!("{name}: uses crate::{target}, which has no layer")),
                _ => {}
            }
            if let (Some(v), "vendors") = (&vendor, target.as_str()) {
                if !sub.is_empty() && &sub != v && v != "mod" {
                    found.push(format!(
                        "{name}: the {v} vendor names another vendor ({sub})"
                    ));
                }
            }
        }
        if vendor.as_deref() == Some("mod.rs") && text.contains("crate::") {
            found.push(format!(
                "{name}: the vendors' index only declares the vendor folders"
            ));
        }
    }
    found
}

fn simulator_src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("simulator/src")
}

#[test]
fn no_module_of_the_simulator_imports_a_layer_above_its_own() {
    let found = violations(&simulator_src());
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

#[test]
fn only_the_registry_names_every_vendor() {
    let mut files = Vec::new();
    sources(&simulator_src(), &mut files);
    let naming_all: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            ["obshell::", "ota::", "taurusdb::", "unity::"]
                .iter()
                .all(|v| text.contains(&format!("vendors::{v}")) || text.contains(&format!(" {v}")))
                && !f.ends_with("vendors/mod.rs")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(
        naming_all.len(),
        1,
        "exactly one file (the registry) names every vendor: {naming_all:?}"
    );
    assert!(naming_all[0].ends_with("registry.rs"), "{naming_all:?}");
}

#[test]
fn the_layering_check_catches_an_upward_import() {
    let dir = std::env::temp_dir().join(format!("layering-{}", std::process::id()));
    let engine = dir.join("engine");
    let vendor = dir.join("vendors/ota");
    std::fs::create_dir_all(&engine).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&vendor).unwrap_or_else(|e| panic!("{e}"));
    let write = |p: PathBuf, t: &str| std::fs::write(p, t).unwrap_or_else(|e| panic!("{e}"));
    write(
        engine.join("mod.rs"),
        "use crate::vendors::obshell::Model;\n",
    );
    write(
        vendor.join("mod.rs"),
        "use crate::vendors::unity::Thing;\n// crate::admin in a comment\n",
    );
    let found = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        found
            .iter()
            .any(|f| f.contains("engine/mod.rs: uses crate::vendors")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("the ota vendor names another vendor (unity)")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|f| f.contains("admin")),
        "comments do not count: {found:?}"
    );
}
