//! The shape issue 10 gave every vendor folder, kept by reading its sources: a handler reaches
//! the world only through its one `Exchange` (no `.lock()` anywhere in a vendor), no
//! process-wide mutable state (a vendor's state lives in its model, in the world), and no file
//! over 800 lines.

use std::path::{Path, PathBuf};

const VENDORS: [&str; 4] = ["obshell", "ota", "taurusdb", "unity"];

/// Every `.rs` file under one vendor's folder, with its text.
fn sources(vendor: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("simulator/src/vendors")
        .join(vendor);
    let (mut dirs, mut out) = (vec![root], Vec::new());
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push((path, text));
            }
        }
    }
    out.sort();
    assert!(out.len() > 5, "the {vendor} sources were not found");
    out
}

/// The lines of every vendor's sources that contain `needle`, as `file:line: text`.
fn lines_with(needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for vendor in VENDORS {
        for (path, text) in sources(vendor) {
            for (n, line) in text.lines().enumerate() {
                if needles.iter().any(|needle| line.contains(needle)) {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn no_vendor_source_takes_the_world_lock_itself() {
    let found = lines_with(&[".lock()"]);
    assert!(
        found.is_empty(),
        "a vendor handler reaches the world through Exchange::run, once per request:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_vendor_source_keeps_process_wide_mutable_state() {
    let found = lines_with(&[
        "static mut",
        "AtomicI64",
        "AtomicU64",
        "AtomicUsize",
        "OnceLock<Mutex",
    ]);
    assert!(
        found.is_empty(),
        "a vendor's state lives in its model, in the world:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_vendor_source_is_over_800_lines() {
    for vendor in VENDORS {
        for (path, text) in sources(vendor) {
            let n = text.lines().count();
            assert!(
                n <= 800,
                "{}: {n} lines; split it by concern",
                path.display()
            );
        }
    }
}
