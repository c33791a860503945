//! Rules about the vendor's source that keep its shape: a request takes the world once,
//! through the engine's exchange, so no handler locks the world itself.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_taurusdb_source_locks_the_world_itself() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("simulator/src/vendors/taurusdb");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(files.len() > 5, "{files:?}");
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.contains(".lock()"))
                .map(|(n, l)| format!("{}:{}: {}", f.display(), n + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        found.is_empty(),
        "a taurusdb handler takes the world through Exchange::run, never with .lock():\n{}",
        found.join("\n")
    );
}
