//! Terminal states are terminal: after a case's last step, every resource the case last saw
//! in a resting state (a final one such as SUCCEED, completed or Completed, or one only a
//! client operation ends, such as FAILED or paused) is read again once more time has passed,
//! with the same tracks, so that a resource leaving such a state on its own fails the case
//! naming both reads. The re-reads repeat the GET steps that last saw those resources.

use super::Ctx;
use crate::script::{Action, Expect, Step};
use indexmap::IndexMap;

/// How long to let pass before the re-reads: virtual time on the simulator (long enough for
/// every timer of the built-in scenarios to fire), real time elsewhere.
pub const SETTLE_SIMULATOR_MS: u64 = 30 * 60 * 1000;
pub const SETTLE_ELSEWHERE_MS: u64 = 2000;

impl Ctx<'_> {
    /// The steps that re-read resting resources: one wait, then each GET step (in case
    /// order) that last saw one, without its poll, expectations or captures.
    pub(super) fn rechecks(&self) -> Vec<Step> {
        let settle = self.opts.settle_ms.unwrap_or(if self.target.simulator {
            SETTLE_SIMULATOR_MS
        } else {
            SETTLE_ELSEWHERE_MS
        });
        let mut out = Vec::new();
        for (i, entities) in self.tracker.resting() {
            let Some(step) = self.case.steps.get(i) else {
                continue;
            };
            let Action::Request(req) = &step.action else {
                continue;
            };
            if !req.method.eq_ignore_ascii_case("GET") {
                continue;
            }
            out.push(Step {
                name: format!(
                    "re-read of step {} '{}': still {}",
                    i + 1,
                    step.name,
                    entities.join(", ")
                ),
                action: step.action.clone(),
                expect: Expect::default(),
                capture: IndexMap::new(),
                poll: None,
                track: step.track.clone(),
                does: None,
            });
        }
        if out.is_empty() || settle == 0 {
            return out;
        }
        let wait = Step {
            name: format!(
                "let {} pass with {} resource read{} in a final or resting state",
                super::request::human_ms(settle),
                out.len(),
                if out.len() == 1 { "" } else { "s" }
            ),
            action: Action::Wait(settle),
            expect: Expect::default(),
            capture: IndexMap::new(),
            poll: None,
            track: vec![],
            does: None,
        };
        out.insert(0, wait);
        out
    }
}
