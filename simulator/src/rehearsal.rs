//! Rehearsal: run a scenario's story on virtual time and check the outcome it promises.
//! This is what `upgrade-sim rehearse FILE` and the scenario library's test both do.

use crate::kernel::JournalQuery;

use crate::engine::EngineError;
use crate::scenario::{check_outcome, RunSpec};
use crate::Sim;

/// What a rehearsal ended with.
#[derive(Debug)]
pub struct Rehearsal {
    /// Virtual milliseconds when the run stopped.
    pub ended_at_ms: u64,
    /// Unmet promises of the scenario's `expect` block (empty: it held).
    pub failures: Vec<String>,
    /// Whether the scenario promised anything at all.
    pub had_expectations: bool,
}

/// Runs `sim`'s scenario as its `expect.run` says (until idle by default) and checks `expect`.
pub fn rehearse(sim: &Sim) -> Result<Rehearsal, EngineError> {
    let scenario = crate::Scenario::of(sim);
    let run = scenario.expect.as_ref().map(|e| e.run).unwrap_or_default();
    match run {
        RunSpec::UntilIdle => sim.run_until_idle()?,
        RunSpec::For(ms) => sim.advance(ms)?,
    };
    let w = sim.lock();
    let state = w.snapshot();
    let journal = w.core.journal.query(&JournalQuery::default());
    let failures = match &scenario.expect {
        Some(expect) => check_outcome(expect, &state, &journal),
        None => Vec::new(),
    };
    Ok(Rehearsal {
        ended_at_ms: w.core.now(),
        failures,
        had_expectations: scenario.expect.is_some(),
    })
}
