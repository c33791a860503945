//! The TaurusDB scenario library: every scenarios/taurusdb-*.yaml keeps its `expect` promises
//! when rehearsed (what `upgrade-sim rehearse FILE` does).

use upgrade_sim::{Scenario, Sim, SimOptions};

#[test]
fn every_taurusdb_library_scenario_keeps_its_promises() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("taurusdb-") && n.ends_with(".yaml"))
    });
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let scenario = Scenario::from_file(&file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            scenario.expect.is_some(),
            "{} has no expect block",
            file.display()
        );
        let sim = Sim::new(
            scenario,
            SimOptions {
                wall: crate::support::pinned_wall(),
                ..SimOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e:#}"));
        let outcome = upgrade_sim::rehearsal::rehearse(&sim).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            outcome.failures.is_empty(),
            "{}: {:#?}",
            file.display(),
            outcome.failures
        );
    }
}
