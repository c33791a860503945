//! The runner: sends each case's requests to a target with the vendor's auth, checks every
//! answer against the step's expectations, captures variables, polls, and checks that every
//! value a tracked field takes follows its model. On a simulator target (one that answers
//! `GET /_sim/health`) each case starts from its scenario, and waiting steps the virtual clock
//! instead of sleeping; cases that need the simulator are skipped elsewhere, saying so.

mod checks;
mod request;
mod rest;
mod sim;
mod target;
mod track;
mod vars;

use crate::auth::Session;
use crate::matchers::cut;
use crate::report::{CaseResult, Coverage, Outcome, RunResult, StepResult};
use crate::script::{Action, Case, SimAction, Step};
use indexmap::IndexMap;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use checks::mask;
pub use target::{missing_credentials, Target};
pub use track::Tracker;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only cases whose id (`file: name`) contains this text, or matches it as a regex.
    pub filter: Option<String>,
    /// Cases at once (always 1 on a simulator target: each case owns the simulator's world).
    pub jobs: usize,
    pub fail_fast: bool,
    /// Rewrite snapshot files with what came back.
    pub update_snapshots: bool,
    /// Print a progress line on stderr while running.
    pub progress: bool,
    /// Time to let pass before re-reading resources left in a final state (default: 30
    /// minutes of virtual time on the simulator, 2 s elsewhere; 0 re-reads at once).
    pub settle_ms: Option<u64>,
    /// Do not re-read resources left in a final state.
    pub no_recheck: bool,
}

/// Whether `case` passes `filter`.
pub fn selected(case: &Case, filter: Option<&str>) -> bool {
    let Some(f) = filter else { return true };
    let id = case.id();
    if id.contains(f) {
        return true;
    }
    regex::Regex::new(f).is_ok_and(|re| re.is_match(&id))
}

/// Runs `cases` against `target`.
pub async fn run(cases: &[Case], target: Arc<Target>, opts: &Options) -> RunResult {
    let started = Instant::now();
    let chosen: Vec<Case> = cases
        .iter()
        .filter(|c| selected(c, opts.filter.as_deref()))
        .cloned()
        .collect();
    let total = chosen.len();
    let jobs = if target.simulator {
        1
    } else {
        opts.jobs.max(1)
    };
    let coverage = Arc::new(Mutex::new(Coverage::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sem = Arc::new(tokio::sync::Semaphore::new(jobs));
    let progress = opts.progress && std::io::stderr().is_terminal();
    let mut handles = Vec::new();
    for case in chosen {
        let (target, coverage, stop, done, sem) = (
            target.clone(),
            coverage.clone(),
            stop.clone(),
            done.clone(),
            sem.clone(),
        );
        let opts = opts.clone();
        handles.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return skipped(
                    &case,
                    "not run: --fail-fast stopped the run after a failure",
                );
            }
            if progress {
                let n = done.load(std::sync::atomic::Ordering::SeqCst);
                eprint!("\r\x1b[K[{}/{total}] {}", n + 1, cut(&case.id(), 100));
                let _ = std::io::stderr().flush();
            }
            let (result, cov) = run_case(&case, &target, &opts).await;
            if let Ok(mut c) = coverage.lock() {
                c.merge(&cov);
            }
            if result.failed() && opts.fail_fast {
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            result
        }));
    }
    let mut results = Vec::new();
    for h in handles {
        match h.await {
            Ok(r) => results.push(r),
            Err(e) => results.push(CaseResult {
                id: "(runner)".into(),
                suite: "runner".into(),
                name: "(runner)".into(),
                file: String::new(),
                outcome: Outcome::Failed {
                    message: format!("a case task stopped: {e}"),
                },
                steps: vec![],
                millis: 0,
            }),
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    // Leave the simulator on the scenario it ran before, so that the next run starts there.
    if let Some(home) = &target.home_scenario {
        let body = home.clone().into_bytes();
        let _ = sim::admin(
            &target.http,
            "PUT",
            "/_sim/scenario",
            "application/yaml",
            body,
        )
        .await;
    }
    let coverage = coverage.lock().map(|c| c.clone()).unwrap_or_default();
    RunResult {
        target: target.http.base.clone(),
        simulator: target.simulator,
        cases: results,
        coverage,
        millis: started.elapsed().as_millis(),
        notes: target.notes.clone(),
    }
}

fn skipped(case: &Case, reason: &str) -> CaseResult {
    CaseResult {
        id: case.id(),
        suite: case.suite(),
        name: case.name.clone(),
        file: case.file.display().to_string(),
        outcome: Outcome::Skipped {
            reason: reason.to_string(),
        },
        steps: vec![],
        millis: 0,
    }
}

/// Known capabilities a case may require.
pub const CAPABILITIES: [&str; 1] = ["simulator"];

/// Runs one case: its result and what it covered.
pub async fn run_case(case: &Case, target: &Target, opts: &Options) -> (CaseResult, Coverage) {
    let started = Instant::now();
    for r in &case.requires {
        if !CAPABILITIES.contains(&r.as_str()) {
            return (
                skipped(
                    case,
                    &format!("needs capability '{r}', which this runner does not know"),
                ),
                Coverage::default(),
            );
        }
        if r == "simulator" && !target.simulator {
            return (
                skipped(
                    case,
                    "needs the simulator (it loads a scenario, injects faults or steps the \
                     clock through /_sim/), and this target does not answer /_sim/health",
                ),
                Coverage::default(),
            );
        }
    }
    let mut ctx = Ctx {
        case,
        target,
        opts,
        vars: IndexMap::new(),
        session: Session::default(),
        tracker: Tracker::default(),
        coverage: Coverage::default(),
    };
    for (k, v) in target.creds.public_vars() {
        ctx.vars.insert(k, v);
    }
    for (k, v) in &case.vars {
        // A variable may use the ones before it (and the target's public values).
        let v = ctx.interp(v).unwrap_or_else(|_| v.clone());
        ctx.vars.insert(k.clone(), v);
    }
    let mut steps = Vec::new();
    let mut outcome = Outcome::Passed;
    if target.simulator {
        let scenario = case
            .scenario
            .clone()
            .or_else(|| target.home_scenario.clone());
        let prep = match scenario {
            Some(s) => ctx.sim(&SimAction::Scenario(s)).await,
            None => ctx.sim(&SimAction::Reset).await,
        };
        if let Err(e) = prep {
            outcome = Outcome::Failed {
                message: format!("before step 1: could not prepare the simulator: {e}"),
            };
        }
    }
    if outcome == Outcome::Passed {
        outcome = ctx.run_steps(&case.steps, 0, &mut steps).await;
    }
    if outcome == Outcome::Passed && !opts.no_recheck {
        let rechecks = ctx.rechecks();
        outcome = ctx.run_steps(&rechecks, case.steps.len(), &mut steps).await;
    }
    let result = CaseResult {
        id: case.id(),
        suite: case.suite(),
        name: case.name.clone(),
        file: case.file.display().to_string(),
        outcome,
        steps,
        millis: started.elapsed().as_millis(),
    };
    (result, ctx.coverage)
}

struct Ctx<'a> {
    case: &'a Case,
    target: &'a Target,
    opts: &'a Options,
    vars: IndexMap<String, Value>,
    session: Session,
    tracker: Tracker,
    coverage: Coverage,
}

impl Ctx<'_> {
    /// Runs `list` (numbered from `first + 1` in messages) until one fails.
    async fn run_steps(
        &mut self,
        list: &[Step],
        first: usize,
        out: &mut Vec<StepResult>,
    ) -> Outcome {
        for (i, step) in list.iter().enumerate() {
            self.tracker.reader = first + i;
            let t0 = Instant::now();
            let mut r = self.step(step).await;
            r.millis = t0.elapsed().as_millis();
            let failed = !r.passed;
            let message = r.failures.first().cloned().unwrap_or_default();
            out.push(r);
            if failed {
                return Outcome::Failed {
                    message: format!("step {} '{}': {message}", first + i + 1, step.name),
                };
            }
        }
        Outcome::Passed
    }

    async fn step(&mut self, step: &Step) -> StepResult {
        let mut r = StepResult {
            name: step.name.clone(),
            passed: true,
            ..StepResult::default()
        };
        match &step.action {
            Action::Sim(a) => {
                r.sent = Some(format!("simulator: {a:?}"));
                if let Err(e) = self.sim(a).await {
                    r.failures.push(e);
                }
            }
            Action::Wait(ms) => {
                r.sent = Some(format!(
                    "wait {} ms ({})",
                    ms,
                    if self.target.simulator {
                        "virtual clock stepped"
                    } else {
                        "real sleep"
                    }
                ));
                if let Err(e) = self.pass_time(*ms).await {
                    r.failures.push(e);
                }
            }
            Action::Request(_) => self.request_step(step, &mut r).await,
        }
        r.passed = r.failures.is_empty();
        r
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
