//! Running plans on virtual time: [`Model::pump`] moves a running plan as far as it can go now
//! (starts tasks up to the concurrency limit, closes finished batches, opens the observation
//! window, moves to the next batch, completes the plan); a task's outcome is drawn when it
//! starts, from its own random stream, and its end is a timer; so is the end of an
//! observation window and an agent's return from an outage.

use std::sync::Arc;

use rand::Rng;
use serde_json::json;

use super::model::{Claim, Model};
use super::plan::Failure;
use super::state::{BatchOp, BatchState, PlanOp, PlanState, TaskOp, TaskState};
use crate::kernel::{Core, Millis};

/// What a timer of this vendor ends.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    TaskEnd { plan: u32, task: u32 },
    ObserveEnd { plan: u32, batch: u32 },
    AgentBack { agent: u32 },
}

impl Model {
    /// Moves a running plan forward as far as it can go now.
    pub(super) fn pump(&mut self, core: &mut Core, plan: usize) {
        loop {
            let p = &self.plans[plan];
            if p.state != PlanState::Running {
                return;
            }
            let b = p.current_batch;
            let last = b + 1 == p.batches.len();
            match p.batches[b].state {
                state @ (BatchState::Pending | BatchState::Paused) => {
                    let op = if state == BatchState::Pending {
                        BatchOp::Start
                    } else {
                        BatchOp::Resume
                    };
                    let p = &mut self.plans[plan];
                    let detail = json!({"agents": p.batches[b].len()});
                    p.step_batch(core, b, op, detail);
                }
                BatchState::Running => {
                    let concurrency = p.concurrency as usize;
                    let batch = &p.batches[b];
                    if batch.running < concurrency && batch.next < batch.end {
                        let t = batch.next;
                        self.plans[plan].batches[b].next += 1;
                        self.start_task(core, plan, b, t);
                        continue;
                    }
                    if batch.running > 0 || batch.next < batch.end {
                        return;
                    }
                    let observe = p.observe_ms;
                    let p = &mut self.plans[plan];
                    let detail =
                        json!({"succeeded": p.batches[b].succeeded, "failed": p.batches[b].failed});
                    if !last && observe > 0 {
                        p.step_batch(core, b, BatchOp::Observe, detail);
                        let (plan, batch) = (plan as u32, b as u32);
                        self.timers
                            .schedule(core.now() + observe, Timer::ObserveEnd { plan, batch });
                        return;
                    }
                    p.step_batch(core, b, BatchOp::Complete, detail);
                }
                BatchState::Observing | BatchState::Cancelled => return,
                BatchState::Completed => {
                    let p = &mut self.plans[plan];
                    if last {
                        let detail = json!({"succeeded": p.succeeded, "failed": p.failed});
                        p.step(core, PlanOp::Complete, detail);
                        p.completed_at = Some(core.now());
                        return;
                    }
                    p.current_batch += 1;
                }
            }
        }
    }

    /// The chance that a task of batch `b` of `plan` fails (the highest matching rate).
    fn failure_rate(&self, plan: usize, b: usize) -> f64 {
        let ordinal = self.plans[plan].ordinal;
        self.settings()
            .failure_rates
            .iter()
            .filter(|r| r.batch.is_none_or(|x| x == b) && r.plan.is_none_or(|x| x == ordinal))
            .map(|r| r.rate)
            .fold(0.0, f64::max)
    }

    fn start_task(&mut self, core: &mut Core, plan: usize, b: usize, t: usize) {
        let rate = self.failure_rate(plan, b);
        let s = self.settings();
        let (min, max, timeout) = (s.duration_min, s.duration_max, s.task_timeout);
        // The field, not settings(): it is read while the plans and agents are changed.
        let default_error = self.settings.as_ref().map_or("", |s| s.error.as_str());
        let now = core.now();
        let p = &mut self.plans[plan];
        let hung = p.batches[b].hung;
        let task = &mut Arc::make_mut(&mut p.tasks)[t];
        let agent = &mut Arc::make_mut(&mut self.agents)[task.agent as usize];
        // Everything random about this task comes from its own stream: (plan, agent).
        let mut rng = core.rng(&format!("ota/{}/{}", p.id, agent.id));
        task.lifecycle = Some(rng.random());
        let mut duration: Millis = rng.random_range(min..=max);
        let roll: f64 = rng.random();
        let mut failure = None;
        if !agent.online {
            failure = Some(Failure::OfflineAtStart);
            duration = 0;
        } else if let Some(f) = agent.faults.as_mut().filter(|f| f.forced_failures > 0) {
            f.forced_failures -= 1;
            let error = f.forced_error.as_deref().unwrap_or(default_error);
            failure = Some(Failure::Injected(
                Arc::make_mut(&mut self.names).intern(error),
            ));
        } else if roll < rate {
            let error = Arc::make_mut(&mut self.names).intern(default_error);
            failure = Some(Failure::Injected(error));
        }
        if failure.is_none() || matches!(failure, Some(Failure::Injected(_))) {
            if let Some((after, _)) = agent.faults.as_ref().and_then(|f| f.offline) {
                if after < duration {
                    duration = after;
                    failure = Some(Failure::WentOffline);
                }
            }
        }
        let mut ends_at = Some(now + duration);
        if hung && failure != Some(Failure::OfflineAtStart) {
            ends_at = None;
            failure = None;
        }
        if let Some(limit) = timeout {
            if ends_at.is_none_or(|e| e > now + limit) {
                ends_at = Some(now + limit);
                failure = Some(Failure::Timeout);
            }
        }
        task.started_at = now;
        task.restart_at = now + duration * 4 / 5;
        task.set_ends_at(ends_at);
        task.failure = failure;
        let detail = json!({"durationMs": ends_at.map(|e| e - now)});
        p.step_task(core, (b, t), &agent.id, TaskOp::Start, detail);
        p.batches[b].running += 1;
        match ends_at {
            Some(e) if e == now => self.finish_task(core, plan, t),
            Some(e) => {
                let (plan, task) = (plan as u32, t as u32);
                self.timers.schedule(e, Timer::TaskEnd { plan, task });
            }
            None => {}
        }
    }

    /// Ends a running task with its decided outcome; pauses the plan if the failure
    /// threshold is now exceeded. The caller pumps the plan afterwards.
    pub(super) fn finish_task(&mut self, core: &mut Core, plan: usize, t: usize) {
        let p = &mut self.plans[plan];
        if p.tasks[t].state != TaskState::Running {
            return;
        }
        let b = p.batch_of(t);
        let agent_n = p.tasks[t].agent;
        let agent = &mut Arc::make_mut(&mut self.agents)[agent_n as usize];
        agent.claim = Claim::NONE;
        p.batches[b].running -= 1;
        let Some(failure) = p.tasks[t].failure else {
            (agent.version, agent.release) = p.to_names;
            let detail = json!({"version": p.to_version, "release": p.to_release});
            p.step_task(core, (b, t), &agent.id, TaskOp::Succeed, detail);
            p.batches[b].succeeded += 1;
            p.succeeded += 1;
            return;
        };
        let message = failure.message(&self.names);
        if failure == Failure::WentOffline {
            agent.online = false;
            let planned = agent.faults.as_mut().and_then(|f| f.offline.take());
            let back = planned.and_then(|(_, back)| back);
            if let Some(back) = back {
                self.timers
                    .schedule(core.now() + back, Timer::AgentBack { agent: agent_n });
            }
        }
        let detail = json!({"agent": &*agent.id, "error": message});
        p.step_task(core, (b, t), &agent.id, TaskOp::Fail, detail);
        p.batches[b].failed += 1;
        p.failed += 1;
        let finished = (p.succeeded + p.failed) as f64;
        let ratio = p.failed as f64 / finished;
        // Above the threshold the error explains the count (also for failures of tasks that
        // finish after the pause); below it, it is the latest failure.
        let over = ratio > p.failure_threshold;
        p.error = Some(if over {
            format!(
                "{} of {} finished upgrades failed ({:.1}%), above the failure threshold of {}%; last: {}: {message}",
                p.failed,
                p.succeeded + p.failed,
                ratio * 100.0,
                p.failure_threshold * 100.0,
                agent.id
            )
        } else {
            format!("{}: {message}", agent.id)
        });
        if p.state == PlanState::Running && over {
            self.pause_now(core, plan, "Failure threshold exceeded".into());
        }
    }

    pub fn next_due(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    pub fn fire_due(&mut self, core: &mut Core) {
        while let Some((_, timer)) = self.timers.pop_due(core.now()) {
            match timer {
                Timer::TaskEnd { plan, task } => {
                    let (plan, task) = (plan as usize, task as usize);
                    if self.plans[plan].tasks[task].state == TaskState::Running {
                        self.finish_task(core, plan, task);
                        self.pump(core, plan);
                    }
                }
                Timer::ObserveEnd { plan, batch } => {
                    let (plan, b) = (plan as usize, batch as usize);
                    let p = &mut self.plans[plan];
                    if p.batches[b].state == BatchState::Observing {
                        let detail = json!({"observedMs": p.observe_ms});
                        p.step_batch(core, b, BatchOp::Complete, detail);
                        self.pump(core, plan);
                    }
                }
                Timer::AgentBack { agent } => {
                    self.agent_online(core, agent as usize);
                }
            }
        }
    }
}
