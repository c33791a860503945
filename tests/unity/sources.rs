//! The vendor's sources keep the shape of issue 10: a handler reaches the world only through
//! its one exchange (no `.lock()` anywhere in the vendor), no process-wide mutable state, and
//! no file over 800 lines.

use std::path::{Path, PathBuf};

fn vendor_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("simulator/src/vendors/unity")
}

/// Every `.rs` file under the vendor's folder, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![vendor_dir()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
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
    assert!(out.len() > 5, "the unity sources were not found");
    out
}

#[test]
fn no_unity_source_takes_the_world_lock_itself() {
    for (path, text) in sources() {
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.contains(".lock()"),
                "{}:{}: `{}`: a Unity handler reaches the world through its Exchange, once",
                path.display(),
                i + 1,
                line.trim()
            );
        }
    }
}

#[test]
fn no_unity_source_keeps_process_wide_mutable_state() {
    for (path, text) in sources() {
        for needle in [
            "static mut",
            "AtomicI64",
            "AtomicU64",
            "AtomicUsize",
            "OnceLock<Mutex",
        ] {
            assert!(
                !text.contains(needle),
                "{}: `{needle}`: the vendor's state lives in its Model, in the world",
                path.display()
            );
        }
    }
}

#[test]
fn no_unity_source_is_over_800_lines() {
    for (path, text) in sources() {
        let n = text.lines().count();
        assert!(
            n <= 800,
            "{}: {n} lines; split it by concern",
            path.display()
        );
    }
}
