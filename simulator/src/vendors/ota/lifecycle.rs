//! A plan's life as the operator drives it: create (validated against the fleet), retry (a
//! new plan over the failed agents), pause, resume and cancel. Whether a call is legal in the
//! plan's state is the plan's table's answer ([`PlanState::admit`]), refusals included; the
//! batches and tasks a call touches move by their own tables.

use std::collections::HashSet;
use std::sync::Arc;

use rand::Rng;
use serde_json::json;

use super::body::AgentIds;
use super::error::ApiError;
use super::model::{Claim, Model};
use super::plan::{Batch, Plan, Task, VENDOR};
use super::request::{compare_versions, PlanRequest, Tunables};
use super::state::{BatchOp, PlanOp, PlanState, TaskOp, TaskState};
use crate::kernel::clock::format_duration;
use crate::kernel::{Core, Resource, StateTable};

impl Model {
    /// The fleet indexes of `ids`: every one known, none twice, each on `from_version`, none
    /// in another active plan.
    fn members(&self, req: &PlanRequest) -> Result<Vec<u32>, ApiError> {
        // Seen: a bit per fleet agent, and the unknown ids (few) by name.
        let mut seen = vec![false; self.agents.len()];
        let mut seen_unknown = HashSet::new();
        let mut members = Vec::with_capacity(req.agent_ids.len());
        let mut unknown = Vec::new();
        for id in req.agent_ids.iter() {
            let n = self.agent_index.get(id).copied();
            let again = match n {
                Some(n) => std::mem::replace(&mut seen[n as usize], true),
                None => !seen_unknown.insert(id),
            };
            if again {
                return Err(ApiError::invalid(
                    "agentIds",
                    format!("agentIds lists agent '{id}' more than once"),
                ));
            }
            match n {
                Some(n) => members.push(n),
                None => unknown.push(id),
            }
        }
        if !unknown.is_empty() {
            let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
            let more = if unknown.len() > 5 {
                format!(" and {} more", unknown.len() - 5)
            } else {
                String::new()
            };
            return Err(ApiError::invalid(
                "agentIds",
                format!(
                    "unknown agent{} {}{more} (GET /api/v1/lifecycle/agents lists the fleet)",
                    if unknown.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                ),
            ));
        }
        for &n in &members {
            let a = &self.agents[n as usize];
            let version = self.names.text(a.version);
            if version != req.from_version {
                return Err(ApiError::invalid(
                    "fromVersion",
                    format!(
                        "agent '{}' runs version {version}, not fromVersion {}",
                        a.id, req.from_version
                    ),
                ));
            }
        }
        for &n in &members {
            let a = &self.agents[n as usize];
            if let Some((p, _)) = a.claim.get() {
                let other = &self.plans[p as usize];
                return Err(ApiError::conflict(format!(
                    "agent '{}' is already in active upgrade plan {} ({}); wait for it, or cancel it",
                    a.id, other.id, other.state
                ))
                .with_field("agentIds"));
            }
        }
        Ok(members)
    }

    /// Validates a request against the fleet and creates a running plan; returns its index.
    pub fn create(
        &mut self,
        core: &mut Core,
        req: PlanRequest,
        user: &str,
        source: Option<String>,
    ) -> Result<usize, ApiError> {
        if compare_versions(&req.to_version, &req.from_version) != std::cmp::Ordering::Greater {
            return Err(ApiError::invalid(
                "toVersion",
                format!(
                    "toVersion {} must be higher than fromVersion {}",
                    req.to_version, req.from_version
                ),
            ));
        }
        let members = self.members(&req)?;
        let names = Arc::make_mut(&mut self.names);
        let to_names = (names.intern(&req.to_version), names.intern(&req.to_release));
        let s = self.settings();
        let t = &req.tunables;
        let batch_size = t.batch_size.unwrap_or(s.batch_size);
        let (observe_text, observe_ms) = t
            .observe
            .clone()
            .unwrap_or_else(|| (format_duration(s.observe_ms), s.observe_ms));
        let ordinal = self.plans.len();
        let plan_uuid = uuid::Builder::from_random_bytes(
            core.rng(&format!("ota/plan#{ordinal}"))
                .random::<[u8; 16]>(),
        )
        .into_uuid();
        let id = format!("plan-{plan_uuid}");
        let mut batches = Vec::new();
        let mut start = 0;
        let size = batch_size.min(members.len() as u64) as usize;
        while start < members.len() {
            let end = (start + size).min(members.len());
            let index = batches.len();
            let hung = s
                .hanging_batches
                .iter()
                .any(|h| h.batch == index && h.plan.is_none_or(|p| p == ordinal));
            batches.push(Batch::pending(start, end, hung));
            start = end;
        }
        let now = core.now();
        let first_release = self.agents[members[0] as usize].release;
        let plan = Plan {
            id: id.clone(),
            ordinal,
            name: req.name,
            from_version: req.from_version,
            to_version: req.to_version,
            from_release: self.names.text(first_release).to_string(),
            to_release: req.to_release,
            to_names,
            batch_size,
            concurrency: t.concurrency.unwrap_or(s.concurrency),
            failure_threshold: t.failure_threshold.unwrap_or(s.failure_threshold),
            observe_ms,
            observe_text,
            state: PlanState::Pending,
            current_batch: 0,
            created_by: t.created_by.clone().unwrap_or_else(|| user.to_string()),
            created_at: now,
            started_at: None,
            paused_at: None,
            pause_reason: None,
            completed_at: None,
            source_plan: source,
            error: None,
            tasks: members
                .iter()
                .map(|&agent| Task::pending(agent))
                .collect::<Vec<_>>()
                .into(),
            batches,
            succeeded: 0,
            failed: 0,
        };
        for (t, &agent) in members.iter().enumerate() {
            Arc::make_mut(&mut self.agents)[agent as usize].claim =
                Claim::of(ordinal as u32, t as u32);
        }
        core.event(
            VENDOR,
            &plan.resource(),
            json!({"created": plan.name, "agents": members.len(), "batches": plan.batches.len(),
                   "batchSize": plan.batch_size, "concurrency": plan.concurrency,
                   "failureThreshold": plan.failure_threshold, "observeMs": plan.observe_ms,
                   "sourcePlanUuid": plan.source_plan}),
        );
        self.plans.push(plan);
        self.plan_index.insert(id, ordinal);
        let p = &mut self.plans[ordinal];
        p.step(core, PlanOp::Start, json!({}));
        p.started_at = Some(now);
        self.pump(core, ordinal);
        Ok(ordinal)
    }

    /// A new plan over the failed agents of `plan`, with its settings unless overridden.
    pub fn retry(
        &mut self,
        core: &mut Core,
        plan: usize,
        overrides: Tunables,
        name: Option<String>,
        user: &str,
    ) -> Result<usize, ApiError> {
        let p = &self.plans[plan];
        p.state.admit(&p.id, PlanOp::Retry)?;
        let failed: AgentIds = p
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .map(|t| &*self.agents[t.agent as usize].id)
            .collect();
        if failed.is_empty() {
            return Err(ApiError::conflict(format!(
                "upgrade plan {} has no failed agents to retry",
                p.id
            )));
        }
        let req = PlanRequest {
            name: name.unwrap_or_else(|| format!("{} (retry)", p.name)),
            from_version: p.from_version.clone(),
            to_version: p.to_version.clone(),
            to_release: p.to_release.clone(),
            agent_ids: failed,
            tunables: Tunables {
                batch_size: overrides.batch_size.or(Some(p.batch_size)),
                failure_threshold: overrides.failure_threshold.or(Some(p.failure_threshold)),
                concurrency: overrides.concurrency.or(Some(p.concurrency)),
                created_by: overrides.created_by,
                observe: overrides
                    .observe
                    .or_else(|| Some((p.observe_text.clone(), p.observe_ms))),
            },
        };
        let source = Some(p.uuid().to_string());
        self.create(core, req, user, source)
    }

    /// The operator's pause: no new task starts; running ones finish.
    pub fn pause(
        &mut self,
        core: &mut Core,
        plan: usize,
        reason: Option<String>,
    ) -> Result<(), ApiError> {
        let p = &self.plans[plan];
        p.state.admit(&p.id, PlanOp::Pause)?;
        let reason = reason.unwrap_or_else(|| "Paused by operator".into());
        self.pause_now(core, plan, reason);
        Ok(())
    }

    /// Pauses a running plan and its current batch (the operator, or the failure threshold).
    pub(super) fn pause_now(&mut self, core: &mut Core, plan: usize, reason: String) {
        let now = core.now();
        let p = &mut self.plans[plan];
        p.step(core, PlanOp::Pause, json!({"reason": reason}));
        p.paused_at = Some(now);
        p.pause_reason = Some(reason);
        let b = p.current_batch;
        if p.batches
            .get(b)
            .is_some_and(|x| x.state.permits(BatchOp::Pause))
        {
            p.step_batch(core, b, BatchOp::Pause, json!({}));
        }
    }

    pub fn resume(&mut self, core: &mut Core, plan: usize) -> Result<(), ApiError> {
        let p = &mut self.plans[plan];
        p.state.admit(&p.id, PlanOp::Resume)?;
        p.step(core, PlanOp::Resume, json!({}));
        p.paused_at = None;
        p.pause_reason = None;
        let b = p.current_batch;
        if p.batches
            .get(b)
            .is_some_and(|x| x.state.permits(BatchOp::Resume))
        {
            p.step_batch(core, b, BatchOp::Resume, json!({}));
        }
        self.pump(core, plan);
        Ok(())
    }

    /// Ends the plan: unstarted tasks never run, hung ones are abandoned, running ones finish.
    pub fn cancel(&mut self, core: &mut Core, plan: usize) -> Result<(), ApiError> {
        let p = &mut self.plans[plan];
        p.state.admit(&p.id, PlanOp::Cancel)?;
        p.step(core, PlanOp::Cancel, json!({}));
        for b in p.current_batch..p.batches.len() {
            for t in p.batches[b].start..p.batches[b].end {
                let task = &p.tasks[t];
                let abandon = task.state == TaskState::Pending
                    || (task.state == TaskState::Running && task.ends_at().is_none());
                if abandon {
                    let agent = &mut Arc::make_mut(&mut self.agents)[task.agent as usize];
                    p.step_task(core, (b, t), &agent.id, TaskOp::Cancel, json!({}));
                    agent.claim = Claim::NONE;
                    let batch = &mut p.batches[b];
                    batch.cancelled += 1;
                    if t < batch.next {
                        batch.running -= 1;
                    }
                }
            }
            let batch = &mut p.batches[b];
            batch.next = batch.end;
            if batch.state.permits(BatchOp::Cancel) {
                p.step_batch(core, b, BatchOp::Cancel, json!({}));
            }
        }
        Ok(())
    }
}
