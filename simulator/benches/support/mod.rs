//! What more than one bench binary needs (a folder, so cargo does not take it for a bench).

use upgrade_sim::{Scenario, Sim, SimOptions};

/// The default scenario with the agent offering v1 auth beside v2 (its default, 4.2.6's, is
/// v2 only): the OBShell benches seal their headers the v1 way.
pub fn obshell_v1_sim() -> Sim {
    let text = upgrade_sim::scenario::DEFAULT_SCENARIO.replace(
        "\n  version_profile: legacy\n",
        "\n  version_profile: legacy\n  auth: [v1, v2]\n",
    );
    assert!(
        text.contains("auth: [v1, v2]"),
        "the default scenario changed"
    );
    let scenario = Scenario::parse(&text, "bench").expect("bench scenario");
    Sim::new(scenario, SimOptions::default()).expect("sim")
}
