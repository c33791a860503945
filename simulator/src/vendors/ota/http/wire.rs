//! What the service sends: plans, batches, tasks and agents in its camelCase, keys in the
//! documented order, times as UTC `2026-01-15T08:00:00Z`, unset values as null. Big plans are
//! answered in summary view (see [`View`] and docs/ota.md, "Big plans").
//!
//! The types are written straight to bytes by serde: uuids as [`Hex`] (formatted into the
//! output, no string per uuid), a batch's agent ids and tasks as lazy sequences read from the
//! model while the body is written ([`AgentIdsOut`], [`TasksOut`]), so a plan over 100,000
//! agents is rendered without a value per task. Their schemas (the OpenAPI document) are the
//! ones of the plain types they write, named with `schemars(with = ...)`.

use std::fmt;

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use super::super::error::ApiError;
use super::super::model::{Agent, Model, Names};
use super::super::plan::{Batch, Plan, Task};
use super::super::state::TaskState;
use crate::kernel::{Core, Millis};

/// A time as the service writes it.
pub fn ts(core: &Core, at: Millis) -> String {
    core.clock
        .datetime_at(at)
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A uuid as the service writes it: 32 lower-case hex digits.
#[derive(Debug, Clone, Copy)]
pub struct Hex(pub u128);

/// `bytes` as lower-case hex digits into `out` (twice as long), as a `str`. Written on the
/// stack: a plan answer holds a dozen uuids, and formatting each through `core::fmt` with
/// padding was the costliest part of rendering one.
fn hex_into<'a>(bytes: &[u8], out: &'a mut [u8]) -> &'a str {
    match hex::encode_to_slice(bytes, out) {
        Ok(()) => std::str::from_utf8(out).unwrap_or_default(),
        Err(_) => "",
    }
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(hex_into(&self.0.to_be_bytes(), &mut [0u8; 32]))
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(hex_into(&self.0.to_be_bytes(), &mut [0u8; 32]))
    }
}

/// A lifecycle task's id: `task-` and 8 hex digits.
#[derive(Debug, Clone, Copy)]
pub struct LifecycleId(u32);

impl Serialize for LifecycleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut id = *b"task-00000000";
        let _ = hex::encode_to_slice(self.0.to_be_bytes(), &mut id[5..]);
        s.serialize_str(std::str::from_utf8(&id).unwrap_or_default())
    }
}

/// Counts what is written.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Above this many bytes a body is measured first, so that its one buffer is exactly its size
/// (growing a 40 MB buffer by doubling would hold 32 and 64 MB at once).
const MEASURED: usize = 1 << 20;

/// Above this many bytes a plan is streamed batch by batch (stream.rs).
pub const STREAMED: usize = 4 << 20;

/// `value` as a JSON body (`application/json`, as axum's `Json` answers), written into one
/// buffer; `size_hint` is about how big it will be.
pub fn json<T: Serialize>(value: &T, size_hint: usize) -> Response {
    let size = if size_hint > MEASURED {
        let mut n = Count(0);
        let _ = serde_json::to_writer(&mut n, value);
        n.0
    } else {
        size_hint.max(128)
    };
    let mut buf = Vec::with_capacity(size);
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => ([(CONTENT_TYPE, "application/json")], buf).into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not render the answer: {e}"),
        )
        .into_response(),
    }
}

/// How much of a plan's task list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every batch with its agentIds and tasks (the documented shape).
    Full,
    /// Every batch with counts; agentIds and tasks only for the current batch and the one
    /// asked for with `?batch=N`.
    Summary { batch: Option<usize> },
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskOut<'a> {
    #[schemars(with = "String")]
    component_uuid: Hex,
    #[schemars(with = "String")]
    component_instance_uuid: Hex,
    /// Null until the task starts (the lifecycle task is created then).
    #[schemars(with = "Option<String>")]
    lifecycle_task_uuid: Option<LifecycleId>,
    component_name: &'a str,
    task_type: &'static str,
    status: &'static str,
    #[schemars(with = "String")]
    node_uuid: Hex,
    #[schemars(with = "String")]
    lca_uuid: Hex,
    runtime_status: &'static str,
    actual_version: &'a str,
    actual_release: &'a str,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    total: usize,
    pending: usize,
    running: usize,
    succeeded: usize,
    failed: usize,
    cancelled: usize,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchOut<'a> {
    batch_index: usize,
    #[schemars(with = "Vec<String>")]
    agent_ids: AgentIdsOut<'a>,
    status: &'static str,
    failed_count: usize,
    #[schemars(with = "Vec<TaskOut<'static>>")]
    tasks: TasksOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_counts: Option<Counts>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanOut<'a> {
    id: &'a str,
    name: &'a str,
    from_version: &'a str,
    to_version: &'a str,
    from_release: &'a str,
    to_release: &'a str,
    batches: Vec<BatchOut<'a>>,
    failure_threshold: f64,
    concurrency: u64,
    status: &'static str,
    current_batch: usize,
    created_by: &'a str,
    created_at: String,
    started_at: Option<String>,
    paused_at: Option<String>,
    pause_reason: Option<&'a str>,
    completed_at: Option<String>,
    source_plan_uuid: Option<&'a str>,
    error: Option<&'a str>,
    observe_duration: &'a str,
    /// Summary view only: "summary".
    #[serde(skip_serializing_if = "Option::is_none")]
    view: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_counts: Option<Counts>,
}

/// What a batch's lists are read from: the fleet's agents and one plan's tasks, at `now`
/// (the model's own, or a snapshot of them that a streamed answer holds).
#[derive(Clone, Copy)]
pub struct Tasks<'a> {
    pub agents: &'a [Agent],
    pub names: &'a Names,
    pub tasks: &'a [Task],
    /// The plan's position in the model (what an agent's claim names).
    pub ordinal: usize,
    pub now: Millis,
}

impl<'a> Tasks<'a> {
    pub fn of(model: &'a Model, plan: &'a Plan, now: Millis) -> Self {
        Self {
            agents: &model.agents,
            names: &model.names,
            tasks: &plan.tasks,
            ordinal: plan.ordinal,
            now,
        }
    }

    fn task_out(self, t: usize) -> TaskOut<'a> {
        let task = &self.tasks[t];
        let a: &Agent = &self.agents[task.agent as usize];
        // A task shows what its agent reports now (Model::runtime_status); an agent updating
        // for this task restarts part-way through.
        let runtime = match a.claim.get() {
            _ if !a.online => "offline",
            Some((cp, ct))
                if cp as usize == self.ordinal
                    && ct as usize == t
                    && task.state == TaskState::Running =>
            {
                if task.ends_at().is_some() && self.now >= task.restart_at {
                    "restarting"
                } else {
                    "updating"
                }
            }
            _ => "running",
        };
        let (component, component_uuid) = self.names.component(a.component);
        TaskOut {
            component_uuid: Hex(component_uuid),
            component_instance_uuid: Hex(a.instance_uuid),
            lifecycle_task_uuid: task.lifecycle.map(LifecycleId),
            component_name: component,
            task_type: "update",
            status: task.state.as_str(),
            node_uuid: Hex(a.node_uuid),
            lca_uuid: Hex(a.lca_uuid),
            runtime_status: runtime,
            actual_version: self.names.text(a.version),
            actual_release: self.names.text(a.release),
        }
    }
}

/// The agent ids of tasks `range` of a plan, written as a list while the body is written.
pub struct AgentIdsOut<'a> {
    of: Tasks<'a>,
    range: std::ops::Range<usize>,
}

impl Serialize for AgentIdsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let tasks = &self.of.tasks[self.range.clone()];
        s.collect_seq(tasks.iter().map(|t| &*self.of.agents[t.agent as usize].id))
    }
}

/// Tasks `range` of a plan as they are at `now`, written as a list while the body is written.
pub struct TasksOut<'a> {
    of: Tasks<'a>,
    range: std::ops::Range<usize>,
}

impl Serialize for TasksOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.range.clone().map(|t| self.of.task_out(t)))
    }
}

/// Batch `i` of a plan whose current batch is `current`, in `view`.
pub fn batch_out<'a>(
    of: Tasks<'a>,
    current: usize,
    i: usize,
    b: &Batch,
    view: View,
) -> BatchOut<'a> {
    let (detailed, summary) = match view {
        View::Full => (true, false),
        View::Summary { batch } => (i == current || batch == Some(i), true),
    };
    let range = if detailed { b.start..b.end } else { 0..0 };
    BatchOut {
        batch_index: i,
        agent_ids: AgentIdsOut {
            of,
            range: range.clone(),
        },
        status: b.state.as_str(),
        failed_count: b.failed,
        tasks: TasksOut { of, range },
        task_counts: summary.then(|| Counts {
            total: b.len(),
            pending: b.len() - (b.succeeded + b.failed + b.running + b.cancelled),
            running: b.running,
            succeeded: b.succeeded,
            failed: b.failed,
            cancelled: b.cancelled,
        }),
    }
}

/// The plan's counts without walking the tasks (cheap for 100,000 of them).
fn plan_counts(plan: &Plan) -> Counts {
    let mut c = Counts {
        total: plan.tasks.len(),
        pending: 0,
        running: 0,
        succeeded: plan.succeeded,
        failed: plan.failed,
        cancelled: 0,
    };
    for b in &plan.batches {
        c.running += b.running;
        c.cancelled += b.cancelled;
        c.pending += b.pending_tasks();
    }
    c
}

/// About how many bytes `plan` takes in `view`.
pub fn size_hint(plan: &Plan, view: View) -> usize {
    let detailed = match view {
        View::Full => plan.tasks.len(),
        View::Summary { batch } => [Some(plan.current_batch), batch]
            .iter()
            .flatten()
            .filter_map(|&b| plan.batches.get(b))
            .map(|b| b.len())
            .sum(),
    };
    1024 + plan.batches.len() * 200 + detailed * 420
}

/// The default view of a plan: full up to the scenario's limit, summary beyond.
pub fn default_view(model: &Model, plan: &Plan) -> View {
    if plan.tasks.len() <= model.settings().full_view_max_tasks {
        View::Full
    } else {
        View::Summary { batch: None }
    }
}

pub fn plan_out<'a>(model: &'a Model, core: &Core, plan: &'a Plan, view: View) -> PlanOut<'a> {
    let of = Tasks::of(model, plan, core.now());
    let batches = (plan.batches.iter().enumerate())
        .map(|(i, b)| batch_out(of, plan.current_batch, i, b, view))
        .collect();
    plan_head(core, plan, view, batches)
}

/// The plan with `batches` (all of them, or none when they are streamed after).
pub fn plan_head<'a>(
    core: &Core,
    plan: &'a Plan,
    view: View,
    batches: Vec<BatchOut<'a>>,
) -> PlanOut<'a> {
    let summary = matches!(view, View::Summary { .. });
    PlanOut {
        id: &plan.id,
        name: &plan.name,
        from_version: &plan.from_version,
        to_version: &plan.to_version,
        from_release: &plan.from_release,
        to_release: &plan.to_release,
        batches,
        failure_threshold: plan.failure_threshold,
        concurrency: plan.concurrency,
        status: plan.state.as_str(),
        current_batch: plan.current_batch,
        created_by: &plan.created_by,
        created_at: ts(core, plan.created_at),
        started_at: plan.started_at.map(|t| ts(core, t)),
        paused_at: plan.paused_at.map(|t| ts(core, t)),
        pause_reason: plan.pause_reason.as_deref(),
        completed_at: plan.completed_at.map(|t| ts(core, t)),
        source_plan_uuid: plan.source_plan.as_deref(),
        error: plan.error.as_deref(),
        observe_duration: &plan.observe_text,
        view: summary.then_some("summary"),
        task_counts: summary.then(|| plan_counts(plan)),
    }
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentOut<'a> {
    id: &'a str,
    component_name: &'a str,
    #[schemars(with = "String")]
    component_uuid: Hex,
    #[schemars(with = "String")]
    component_instance_uuid: Hex,
    #[schemars(with = "String")]
    node_uuid: Hex,
    #[schemars(with = "String")]
    lca_uuid: Hex,
    version: &'a str,
    release: &'a str,
    runtime_status: &'static str,
    plan_id: Option<&'a str>,
}

pub fn agent_out<'a>(model: &'a Model, core: &Core, n: usize) -> AgentOut<'a> {
    let a = &model.agents[n];
    let (component, component_uuid) = model.names.component(a.component);
    AgentOut {
        id: &a.id,
        component_name: component,
        component_uuid: Hex(component_uuid),
        component_instance_uuid: Hex(a.instance_uuid),
        node_uuid: Hex(a.node_uuid),
        lca_uuid: Hex(a.lca_uuid),
        version: model.names.text(a.version),
        release: model.names.text(a.release),
        runtime_status: model.runtime_status(n, core.now()),
        plan_id: a
            .claim
            .get()
            .map(|(p, _)| model.plans[p as usize].id.as_str()),
    }
}

/// A page of a list: `{"items": [...], "total": N, "page": 1, "pageSize": 20}`.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "Page_of_{T}")]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
}

#[cfg(test)]
mod tests {
    use super::{Hex, LifecycleId};

    fn json(v: impl serde::Serialize) -> String {
        serde_json::to_string(&v).unwrap_or_default()
    }

    #[test]
    fn uuids_and_task_ids_are_zero_padded_lower_case_hex() {
        assert_eq!(json(Hex(0xab)), "\"000000000000000000000000000000ab\"");
        assert_eq!(
            json(Hex(u128::MAX - 0xf)),
            "\"fffffffffffffffffffffffffffffff0\""
        );
        assert_eq!(Hex(0x1234).to_string(), "00000000000000000000000000001234");
        assert_eq!(json(LifecycleId(0xc0ffee)), "\"task-00c0ffee\"");
    }
}
