//! An upgrade session's life: its twelve tasks, how it is created, how it enters each task
//! (or stops before one: pauseBeforeReboot, a lock, a wait for the user), fails, completes,
//! and what the client's Resume, Cancel and Acknowledge do. Every move goes through the state
//! tables in `state` ([`SessionOp`], [`TaskOp`]); when it happens is the scheduler's business.

use serde_json::{json, Value};

use super::array::Candidate;
use super::config::{DEFAULT_TASKS, NO_RETURN_TASK, PAUSE_TASK, PRIMARY_REBOOT_TASK};
use super::error::{self, UnityError};
use super::model::{Model, VENDOR};
use super::state::{SessionOp, TaskOp, TaskStatus, UpgradeStatus};
use crate::kernel::{Core, Millis, Resource, StateTable};

#[derive(Debug, Clone)]
pub struct Task {
    pub caption: &'static str,
    pub duration: Millis,
    pub status: TaskStatus,
    pub started_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub candidate: Candidate,
    pub pause_before_reboot: bool,
    pub status: UpgradeStatus,
    pub created_at: Millis,
    pub tasks: Vec<Task>,
    /// The task the session is at (running, stopped before, or failed in).
    pub current: usize,
    /// When the current task's run began.
    pub run_from: Millis,
    /// The offset into the current task of the last checkpoint evaluated.
    pub passed: Option<Millis>,
    pub paused_for_reboot: bool,
    pub ended_at: Option<Millis>,
    pub lock_until: Option<Millis>,
    pub messages: Vec<Value>,
    /// Bumped on every change; a timer set for an older generation is stale.
    pub generation: u64,
}

impl Resource for Session {
    type State = UpgradeStatus;
    const VENDOR: &'static str = VENDOR;
    fn resource(&self) -> String {
        format!("session/{}", self.id)
    }
    fn state_mut(&mut self) -> &mut UpgradeStatus {
        &mut self.status
    }
}

/// One task of a session, as the journal names it.
struct TaskOf<'a> {
    session: &'a str,
    index: usize,
    task: &'a mut Task,
}

impl Resource for TaskOf<'_> {
    type State = TaskStatus;
    const VENDOR: &'static str = VENDOR;
    fn resource(&self) -> String {
        format!("session/{}/task/{}", self.session, self.index)
    }
    fn state_mut(&mut self) -> &mut TaskStatus {
        &mut self.task.status
    }
}

/// A stop before a task: the task's and the session's moves, the journal detail, and until
/// when a lock holds.
type Stop = ((TaskOp, SessionOp), Value, Option<Millis>);

/// Moves `r` by `op` as its state's table says. The callers ask the table first, so a move
/// it does not list is a simulator bug.
fn move_by<R: Resource>(core: &mut Core, r: &mut R, op: <R::State as StateTable>::Op, detail: Value)
where
    R::State: StateTable,
{
    core.apply(r, op, detail);
}
impl Session {
    /// percentComplete: the share of task time done, 100 once completed.
    pub fn percent(&self, now: Millis) -> u64 {
        if self.tasks.iter().all(|t| t.status == TaskStatus::Completed) {
            return 100;
        }
        let total: Millis = self.tasks.iter().map(|t| t.duration).sum();
        let done: Millis = self
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Completed)
            .map(|t| t.duration)
            .sum();
        let current = &self.tasks[self.current];
        let partial = match self.status {
            UpgradeStatus::InProgress if current.status == TaskStatus::InProgress => {
                now.saturating_sub(self.run_from).min(current.duration)
            }
            _ if matches!(current.status, TaskStatus::Failed | TaskStatus::FailedLock) => {
                self.passed.unwrap_or(0)
            }
            _ => 0,
        };
        if total == 0 {
            return 0;
        }
        ((done + partial) * 100 / total).min(99)
    }
}

/// Unity's refusal of a client operation the session's state does not permit.
pub fn not_allowed(s: &Session, op: SessionOp) -> UnityError {
    UnityError::new(
        axum::http::StatusCode::CONFLICT,
        error::ACTION_NOT_ALLOWED,
        format!(
            "The upgrade session {} is {}; {}",
            s.id,
            s.status,
            op.refusal()
        ),
    )
}

impl Model {
    fn set_status(&mut self, core: &mut Core, idx: usize, op: SessionOp, detail: Value) {
        move_by(core, &mut self.sessions[idx], op, detail);
    }

    fn set_task(&mut self, core: &mut Core, idx: usize, index: usize, op: TaskOp) {
        let s = &mut self.sessions[idx];
        let task = &mut s.tasks[index];
        let detail = json!({"caption": task.caption});
        let mut t = TaskOf {
            session: &s.id,
            index,
            task,
        };
        move_by(core, &mut t, op, detail);
    }

    /// Creates a session on the candidate (the operation has checked every precondition).
    pub fn create_session(
        &mut self,
        core: &mut Core,
        candidate: Candidate,
        pause_before_reboot: bool,
    ) -> String {
        let base = format!("Upgrade_{}.{}", candidate.version, candidate.build);
        let mut id = base.clone();
        let mut n = 1;
        while self.sessions.iter().any(|s| s.id == id) {
            n += 1;
            id = format!("{base}_{n}");
        }
        let now = core.now();
        let tasks = DEFAULT_TASKS
            .iter()
            .zip(&self.settings.task_ms)
            .map(|((caption, _), d)| Task {
                caption,
                duration: *d,
                status: TaskStatus::NotStarted,
                started_at: None,
            })
            .collect();
        let s = Session {
            id: id.clone(),
            candidate,
            pause_before_reboot,
            status: UpgradeStatus::NotStarted,
            created_at: now,
            tasks,
            current: 0,
            run_from: now,
            passed: None,
            paused_for_reboot: false,
            ended_at: None,
            lock_until: None,
            messages: Vec::new(),
            generation: 0,
        };
        core.event(
            VENDOR,
            &s.resource(),
            json!({"created": id, "candidate": s.candidate.full_version(), "pauseBeforeReboot": pause_before_reboot}),
        );
        self.sessions.push(s);
        let idx = self.sessions.len() - 1;
        let at = now + self.settings.start_delay_ms;
        self.arm(idx, at);
        id
    }

    /// The session leaves Not_Started: the first task begins (at `at`, the end of the delay).
    pub(super) fn start(&mut self, core: &mut Core, idx: usize, at: Millis) {
        let reason = json!({"reason": "the session starts its tasks"});
        self.set_status(core, idx, SessionOp::Start, reason);
        self.enter_task(core, idx, 0, at);
    }

    /// The lock is over: the task it held starts at `at`.
    pub(super) fn release(&mut self, core: &mut Core, idx: usize, at: Millis) {
        let reason = json!({"reason": "the lock was released"});
        self.set_status(core, idx, SessionOp::Release, reason);
        let task = self.sessions[idx].current;
        self.enter_task(core, idx, task, at);
    }

    /// Starts task `task` at `at`, unless a stop is armed before it; past the last task the
    /// session completes.
    pub(super) fn enter_task(&mut self, core: &mut Core, idx: usize, task: usize, at: Millis) {
        if task >= self.sessions[idx].tasks.len() {
            self.complete(core, idx, at);
            return;
        }
        self.sessions[idx].current = task;
        if self.sessions[idx].tasks[task].status == TaskStatus::NotStarted {
            if let Some((ops, detail, until)) = self.stop_armed_at(idx, task, at) {
                self.stop_before(core, idx, ops, detail);
                match until {
                    Some(t) => {
                        self.sessions[idx].lock_until = Some(t);
                        self.arm(idx, t);
                    }
                    None => self.disarm(idx),
                }
                return;
            }
        }
        self.run_task(core, idx, task, at);
    }

    /// The stop due before task `task` of session `idx`, entered at `at`, taking it: the
    /// moves, the journal detail, and until when a lock holds. pauseBeforeReboot first, then
    /// an armed lock, then an armed wait for the user.
    fn stop_armed_at(&mut self, idx: usize, task: usize, at: Millis) -> Option<Stop> {
        let s = &mut self.sessions[idx];
        if task == PAUSE_TASK && s.pause_before_reboot && !s.paused_for_reboot {
            s.paused_for_reboot = true;
            let reason = "pauseBeforeReboot: stopped before the first SP reboot";
            return Some((
                (TaskOp::Pause, SessionOp::PauseBeforeReboot),
                json!({"reason": reason}),
                None,
            ));
        }
        if let Some(hold) = self.faults.take_lock(task) {
            let reason = "the system holds a lock past the point of no return";
            let detail = json!({"reason": reason, "for_ms": hold});
            return Some(((TaskOp::Lock, SessionOp::Lock), detail, Some(at + hold)));
        }
        if self.faults.take_wait(task) {
            let reason = "waiting for the user to acknowledge before continuing";
            return Some((
                (TaskOp::WaitForUser, SessionOp::WaitForUser),
                json!({"reason": reason}),
                None,
            ));
        }
        None
    }

    /// The session stops before its current task: the task, then the session, move.
    fn stop_before(
        &mut self,
        core: &mut Core,
        idx: usize,
        ops: (TaskOp, SessionOp),
        detail: Value,
    ) {
        let task = self.sessions[idx].current;
        self.set_task(core, idx, task, ops.0);
        self.set_status(core, idx, ops.1, detail);
    }

    /// Task `task` runs from `at` (from its start, after a stop or a failure too).
    fn run_task(&mut self, core: &mut Core, idx: usize, task: usize, at: Millis) {
        self.set_task(core, idx, task, TaskOp::Run);
        let sp = match task {
            NO_RETURN_TASK => Some("spb"),
            PRIMARY_REBOOT_TASK => Some("spa"),
            _ => None,
        };
        if let Some(sp) = sp {
            let session = self.sessions[idx].id.clone();
            self.raise_sp_reboot_alert(core, &session, sp, at);
        }
        let s = &mut self.sessions[idx];
        s.tasks[task].started_at = Some(at);
        s.run_from = at;
        s.passed = None;
        self.arm_next_checkpoint(idx);
    }

    /// Task `task` is done at `at`; the next one is entered.
    pub(super) fn finish_task(&mut self, core: &mut Core, idx: usize, task: usize, at: Millis) {
        self.set_task(core, idx, task, TaskOp::Complete);
        self.enter_task(core, idx, task + 1, at);
    }

    fn complete(&mut self, core: &mut Core, idx: usize, at: Millis) {
        let s = &mut self.sessions[idx];
        s.ended_at = Some(at);
        s.current = s.tasks.len() - 1;
        let c = s.candidate.clone();
        let detail = json!({"softwareVersion": c.version});
        self.set_status(core, idx, SessionOp::Complete, detail);
        let from = std::mem::replace(&mut self.array.version, c.version.clone());
        self.array.build = c.build;
        self.array.release_ms = c.release_ms;
        if self.candidate.as_ref().is_some_and(|x| x.id == c.id) {
            self.candidate = None;
        }
        core.event(
            VENDOR,
            "array",
            json!({"softwareVersion": {"from": from, "to": c.version}}),
        );
        self.disarm(idx);
    }

    /// The current task fails `at_offset` into its run; past the point of no return the
    /// session is locked in Failed_Lock.
    pub(super) fn fail(&mut self, core: &mut Core, idx: usize, at_offset: Millis, reason: String) {
        let s = &mut self.sessions[idx];
        let task = s.current;
        s.passed = Some(at_offset);
        let locked = task >= NO_RETURN_TASK;
        let caption = s.tasks[task].caption;
        let text = format!("The upgrade task \"{caption}\" failed: {reason}");
        s.messages.push(json!({
            "errorCode": error::UPGRADE_TASK_FAILED.to_string(),
            "messages": [{"en-US": format!("{text} (Error Code:{:#x})", error::UPGRADE_TASK_FAILED)}],
            "severity": 3,
            "httpStatus": 500,
        }));
        let ops = if locked {
            (TaskOp::FailLock, SessionOp::FailLock)
        } else {
            (TaskOp::Fail, SessionOp::Fail)
        };
        self.stop_before(
            core,
            idx,
            ops,
            json!({"task": task, "caption": caption, "reason": reason, "past_point_of_no_return": locked}),
        );
        let session = self.sessions[idx].id.clone();
        self.raise_session_alert(core, &session, &text, locked);
        self.disarm(idx);
    }

    /// The client's Resume, Cancel or Acknowledge, if the session's state permits it: Resume
    /// and a waiting session's Acknowledge run the current task again from its start; Cancel
    /// removes the candidate.
    pub fn client_op(
        &mut self,
        core: &mut Core,
        idx: usize,
        op: SessionOp,
    ) -> Result<(), UnityError> {
        let s = &self.sessions[idx];
        let Some(to) = s.status.next(op) else {
            return Err(not_allowed(s, op));
        };
        let now = core.now();
        let task = s.current;
        let reason = match (op, to) {
            (SessionOp::Cancel, _) => "cancelled; the candidate was removed",
            (SessionOp::Acknowledge, UpgradeStatus::InProgress) => "the user acknowledged",
            (SessionOp::Acknowledge, _) => "acknowledged",
            _ => "resumed",
        };
        if op == SessionOp::Cancel {
            if s.tasks[task].status.permits(TaskOp::Cancel) {
                self.set_task(core, idx, task, TaskOp::Cancel);
            }
            self.sessions[idx].ended_at = Some(now);
        }
        self.set_status(core, idx, op, json!({"reason": reason}));
        if to == UpgradeStatus::InProgress {
            self.run_task(core, idx, task, now);
        }
        if op == SessionOp::Cancel {
            self.disarm(idx);
            let cand = self.sessions[idx].candidate.id.clone();
            self.remove_candidate(core, &cand);
        }
        Ok(())
    }
}
