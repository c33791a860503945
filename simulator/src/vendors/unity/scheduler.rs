//! When a session moves. Only stops need timers: each session has at most one, at its next
//! checkpoint (a task's end, a health check's verdict halfway through a health-check task, an
//! armed failure point, a lock's release); a timer of an older generation is stale. Progress,
//! `percentComplete`, `elapsedTime` and `estRemainTime` are computed from the clock when read.

use serde_json::json;

use super::config::HEALTH_CHECK_TASKS;
use super::model::{Model, VENDOR};
use super::state::UpgradeStatus;
use crate::kernel::{Core, Millis, Resource};

/// What a timer checks within the current task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Fault(usize),
    Health,
    End,
}

impl Model {
    /// Sets the session's one timer (dropping any older one by generation).
    pub(super) fn arm(&mut self, idx: usize, at: Millis) {
        let s = &mut self.sessions[idx];
        s.generation += 1;
        self.timers.schedule(at, (idx, s.generation));
    }

    pub(super) fn disarm(&mut self, idx: usize) {
        self.sessions[idx].generation += 1;
    }

    /// Fires the timers due now.
    pub(super) fn fire(&mut self, core: &mut Core) {
        while let Some((_, (idx, generation))) = self.timers.pop_due(core.now()) {
            if self
                .sessions
                .get(idx)
                .is_some_and(|s| s.generation == generation)
            {
                self.step(core, idx);
            }
        }
    }

    /// The checkpoints of task `i`, ordered by offset (failures first at equal offsets).
    fn checkpoints(&self, i: usize, duration: Millis) -> Vec<(Millis, Check)> {
        let mut out: Vec<(Millis, Check)> = self
            .faults
            .fails
            .iter()
            .enumerate()
            .filter(|(_, f)| f.task == i && f.remaining > 0)
            .map(|(k, f)| (duration * f.percent as u64 / 100, Check::Fault(k)))
            .collect();
        if HEALTH_CHECK_TASKS.contains(&i) {
            out.push((duration / 2, Check::Health));
        }
        out.push((duration, Check::End));
        out.sort_by_key(|(off, c)| (*off, matches!(c, Check::End)));
        out
    }

    /// The current task's next checkpoint not yet evaluated: (offset, check).
    fn next_checkpoint(&self, idx: usize) -> Option<(Millis, Check)> {
        let s = &self.sessions[idx];
        self.checkpoints(s.current, s.tasks[s.current].duration)
            .into_iter()
            .find(|(off, _)| s.passed.is_none_or(|p| *off > p))
    }

    /// Sets the timer at the current task's next checkpoint.
    pub(super) fn arm_next_checkpoint(&mut self, idx: usize) {
        if let Some((off, _)) = self.next_checkpoint(idx) {
            let at = self.sessions[idx].run_from + off;
            self.arm(idx, at);
        }
    }

    /// A fault armed mid-task moves the running task's next checkpoint earlier.
    pub(super) fn rearm_running(&mut self) {
        for idx in 0..self.sessions.len() {
            if self.sessions[idx].status == UpgradeStatus::InProgress {
                self.arm_next_checkpoint(idx);
            }
        }
    }

    /// Runs a session's due checkpoints up to now.
    fn step(&mut self, core: &mut Core, idx: usize) {
        let now = core.now();
        match self.sessions[idx].status {
            UpgradeStatus::NotStarted => {
                let at = self.sessions[idx].created_at + self.settings.start_delay_ms;
                self.start(core, idx, at.min(now));
            }
            UpgradeStatus::PausedLock => {
                if self.sessions[idx].lock_until.is_some_and(|t| t <= now) {
                    let at = self.sessions[idx].lock_until.take().unwrap_or(now);
                    self.release(core, idx, at);
                }
                return;
            }
            UpgradeStatus::InProgress => {}
            _ => return,
        }
        // Evaluate checkpoints in order until the session stops or the next lies ahead.
        for _ in 0..64 {
            if self.sessions[idx].status != UpgradeStatus::InProgress {
                return;
            }
            let i = self.sessions[idx].current;
            let run_from = self.sessions[idx].run_from;
            let Some((off, check)) = self.next_checkpoint(idx) else {
                return;
            };
            if run_from + off > now {
                self.arm(idx, run_from + off);
                return;
            }
            match check {
                Check::Fault(k) => {
                    self.faults.fails[k].remaining -= 1;
                    let pct = self.faults.fails[k].percent;
                    self.sessions[idx].passed = Some(off);
                    core.fault(
                        VENDOR,
                        &self.sessions[idx].resource(),
                        json!({"fail_task": i, "at_percent": pct}),
                    );
                    let reason = format!("an internal error occurred at {pct}% (scenario fault)");
                    self.fail(core, idx, off, reason);
                }
                Check::Health => {
                    let bad = self.array.unhealthy();
                    if bad.is_empty() {
                        self.sessions[idx].passed = Some(off);
                    } else {
                        let list = bad
                            .iter()
                            .map(|(c, h)| format!("{c} is {h}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        self.fail(
                            core,
                            idx,
                            off,
                            format!("the system is not healthy ({list}); all components must be healthy before an upgrade"),
                        );
                    }
                }
                Check::End => self.finish_task(core, idx, i, run_from + off),
            }
        }
    }
}
