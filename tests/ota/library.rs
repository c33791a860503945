//! The OTA stories in scenarios/ota-*.yaml rehearse to the outcome they promise.

use upgrade_sim::{Scenario, Sim, SimOptions};

fn rehearse(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let scenario = Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(scenario.expect.is_some(), "{file} promises nothing");
    let sim = Sim::new(scenario, SimOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    upgrade_sim::rehearsal::rehearse(&sim)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .failures
}

#[test]
fn every_ota_story_in_the_scenario_library_reaches_its_promised_outcome() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("ota-") && n.ends_with(".yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for f in files {
        let failures = rehearse(&f);
        assert!(failures.is_empty(), "{f}: {failures:#?}");
    }
}
