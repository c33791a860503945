//! The scenario library: every file in scenarios/ (but the default) tells a story and promises
//! an outcome in its `expect` block; each is rehearsed on virtual time and must keep it, and
//! rehearsing it twice with its seed gives the same journal.

use std::path::{Path, PathBuf};

use upgrade_sim::kernel::JournalQuery;
use upgrade_sim::rehearsal::rehearse;
use upgrade_sim::{Scenario, Sim, SimOptions};

use crate::support::pinned_wall;

fn library() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("default.yaml"))
        .collect();
    files.sort();
    files
}

fn sim_for(path: &Path) -> Sim {
    let scenario = Scenario::from_file(path).unwrap_or_else(|e| panic!("{e}"));
    Sim::new(
        scenario,
        SimOptions {
            speed: 0.0,
            seed: None,
            wall: pinned_wall(),
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
}

#[test]
fn every_library_scenario_keeps_its_promised_outcome() {
    let files = library();
    let mut per_vendor = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sim = sim_for(path);
        let scenario = Scenario::of(&sim);
        assert!(
            !scenario.description.trim().is_empty(),
            "{name}: a library scenario says what story it tells"
        );
        assert!(
            scenario.expect.is_some(),
            "{name}: a library scenario promises an outcome (expect)"
        );
        match rehearse(&sim) {
            Ok(outcome) => {
                failures.extend(outcome.failures.into_iter().map(|f| format!("{name}: {f}")))
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        let vendor = name.split('-').next().unwrap_or_default().to_string();
        *per_vendor.entry(vendor).or_default() += 1;
    }
    assert!(
        failures.is_empty(),
        "unmet outcomes:\n{}",
        failures.join("\n")
    );
    for vendor in ["obshell", "ota", "taurusdb", "unity"] {
        assert!(
            per_vendor.get(vendor).copied().unwrap_or_default() >= 3,
            "the library needs at least three {vendor} scenarios; it has {per_vendor:?}"
        );
    }
}

#[test]
fn rehearsing_a_library_scenario_twice_gives_the_same_journal() {
    for path in library() {
        let journal = || {
            let sim = sim_for(&path);
            rehearse(&sim).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let entries = sim.lock().core.journal.query(&JournalQuery::default());
            serde_json::to_string(&entries).unwrap_or_default()
        };
        assert_eq!(journal(), journal(), "{}", path.display());
    }
}

/// The journal of every library scenario, as committed under fixtures/journals/: refactors
/// must leave them byte-identical. `UPDATE_JOURNALS=1 cargo test` rewrites them (review the
/// diff: a changed journal is a changed behaviour).
#[test]
fn every_library_scenario_gives_its_recorded_journal() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/journals");
    let update = std::env::var_os("UPDATE_JOURNALS").is_some();
    let mut differ = Vec::new();
    for path in library() {
        let sim = sim_for(&path);
        rehearse(&sim).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let entries = sim.lock().core.journal.query(&JournalQuery::default());
        let mut text = String::new();
        for e in &entries {
            text.push_str(&serde_json::to_string(e).unwrap_or_default());
            text.push('\n');
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let golden = dir.join(format!("{}.jsonl", stem.unwrap_or_default()));
        if update {
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&golden, &text).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        let recorded = std::fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_JOURNALS=1 records it)", golden.display()));
        if recorded != text {
            let line = recorded
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .map_or_else(|| "length".to_string(), |n| format!("line {}", n + 1));
            differ.push(format!("{} differs at {line}", golden.display()));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
