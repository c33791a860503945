//! A graduated plan as the model holds it: the plan, its batches (ranges of its task list) and
//! its tasks (one per agent), with why a task fails. Each moves only by an operation of its
//! state table ([`Plan::step`], [`Plan::step_batch`], [`Plan::step_task`]), which journals the
//! move under the resource's path (`plan/<id>`, `plan/<id>/batch/<n>`,
//! `plan/<id>/batch/<n>/task/<agent>`).

use std::fmt::Write;
use std::sync::Arc;

use serde_json::Value;

use super::model::Names;
use super::state::{BatchOp, BatchState, PlanOp, PlanState, TaskOp, TaskState};
use crate::kernel::{transition, Core, Millis, Resource, StateTable};

/// The vendor's name in the journal.
pub const VENDOR: &str = "ota";

/// Why a task fails (decided when it starts, or by an action while it runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failure {
    /// The error message, a number in the fleet's [`Names`].
    Injected(u32),
    WentOffline,
    OfflineAtStart,
    Timeout,
}

impl Failure {
    pub fn message(&self, names: &Names) -> String {
        match self {
            Self::Injected(m) => names.text(*m).to_string(),
            Self::WentOffline => "upgrade failed: agent went offline during the update".into(),
            Self::OfflineAtStart => "upgrade failed: agent is offline".into(),
            Self::Timeout => "upgrade failed: timeout".into(),
        }
    }
}

/// One agent's update in a plan: 48 bytes (a plan over a million agents holds a million).
#[derive(Debug, Clone)]
pub struct Task {
    pub agent: u32,
    /// Set when the task starts.
    pub lifecycle: Option<u32>,
    pub failure: Option<Failure>,
    pub state: TaskState,
    /// Hung: never reports back (then `end` means nothing).
    hung: bool,
    pub started_at: Millis,
    /// When the component restarts on the new binaries (runtimeStatus "restarting").
    pub restart_at: Millis,
    end: Millis,
}

impl Task {
    /// A task not started yet.
    pub fn pending(agent: u32) -> Self {
        Self {
            agent,
            lifecycle: None,
            failure: None,
            state: TaskState::Pending,
            hung: true,
            started_at: 0,
            restart_at: 0,
            end: 0,
        }
    }

    /// When it reports back; None: hung (or not started).
    pub fn ends_at(&self) -> Option<Millis> {
        (!self.hung).then_some(self.end)
    }

    pub fn set_ends_at(&mut self, at: Option<Millis>) {
        self.hung = at.is_none();
        self.end = at.unwrap_or_default();
    }
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub start: usize,
    pub end: usize,
    pub state: BatchState,
    /// The next task to start.
    pub next: usize,
    pub running: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub hung: bool,
}

impl Batch {
    /// The tasks `start..end`, none started yet.
    pub fn pending(start: usize, end: usize, hung: bool) -> Self {
        Self {
            start,
            end,
            state: BatchState::Pending,
            next: start,
            running: 0,
            succeeded: 0,
            failed: 0,
            cancelled: 0,
            hung,
        }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn pending_tasks(&self) -> usize {
        self.end - self.next
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    pub ordinal: usize,
    pub name: String,
    pub from_version: String,
    pub to_version: String,
    pub from_release: String,
    pub to_release: String,
    /// `to_version` and `to_release` as the fleet's name numbers, what every agent the plan
    /// upgrades comes to hold.
    pub to_names: (u32, u32),
    pub batch_size: u64,
    pub concurrency: u64,
    pub failure_threshold: f64,
    pub observe_ms: Millis,
    pub observe_text: String,
    pub state: PlanState,
    pub current_batch: usize,
    pub created_by: String,
    pub created_at: Millis,
    pub started_at: Option<Millis>,
    pub paused_at: Option<Millis>,
    pub pause_reason: Option<String>,
    pub completed_at: Option<Millis>,
    pub source_plan: Option<String>,
    pub error: Option<String>,
    /// Shared with the large answers being written, as the fleet is.
    pub tasks: Arc<Vec<Task>>,
    pub batches: Vec<Batch>,
    pub succeeded: usize,
    pub failed: usize,
}

impl Plan {
    /// The uuid part of the id (what `sourcePlanUuid` shows).
    pub fn uuid(&self) -> &str {
        self.id.strip_prefix("plan-").unwrap_or(&self.id)
    }

    /// The batch task `t` belongs to.
    pub fn batch_of(&self, t: usize) -> usize {
        self.batches
            .partition_point(|batch| batch.end <= t)
            .min(self.batches.len() - 1)
    }

    /// Moves the plan by `op` and journals the move.
    pub fn step(&mut self, core: &mut Core, op: PlanOp, detail: Value) {
        step(core, self, op, detail);
    }

    /// Moves batch `b` by `op` and journals the move.
    pub fn step_batch(&mut self, core: &mut Core, b: usize, op: BatchOp, detail: Value) {
        let path = format!("plan/{}/batch/{b}", self.id);
        step_at(core, &path, &mut self.batches[b].state, op, detail);
    }

    /// Moves task `t` (of batch `b`, on agent `agent`) by `op` and journals the move.
    pub fn step_task(
        &mut self,
        core: &mut Core,
        (b, t): (usize, usize),
        agent: &str,
        op: TaskOp,
        detail: Value,
    ) {
        // Written once, at its length (a million tasks journal two million of these).
        let mut path = String::with_capacity(self.id.len() + agent.len() + 32);
        let _ = write!(path, "plan/{}/batch/{b}/task/{agent}", self.id);
        let state = &mut Arc::make_mut(&mut self.tasks)[t].state;
        step_at(core, &path, state, op, detail);
    }
}

impl Resource for Plan {
    type State = PlanState;
    const VENDOR: &'static str = VENDOR;
    fn resource(&self) -> String {
        format!("plan/{}", self.id)
    }
    fn state_mut(&mut self) -> &mut PlanState {
        &mut self.state
    }
}

/// Moves a batch's or a task's `state` (they do not know their plan's id) where its table
/// sends `op`, journalling the move under `path`; as [`Core::apply`], which would copy the
/// path once more for each move.
fn step_at<S: StateTable>(core: &mut Core, path: &str, state: &mut S, op: S::Op, detail: Value) {
    let from = *state;
    let Some(to) = from.next(op) else {
        panic!("illegal {op:?} of {VENDOR} {path} in {from}")
    };
    if to != from {
        transition(core, VENDOR, path, state, to, detail);
    }
}

/// Moves `r` where its table sends `op`, journalling the move. The model only asks for moves
/// the table permits, so a refused one is a simulator bug: it panics naming the resource.
fn step<R: Resource>(core: &mut Core, r: &mut R, op: <R::State as StateTable>::Op, detail: Value)
where
    R::State: StateTable,
{
    core.apply(r, op, detail);
}
