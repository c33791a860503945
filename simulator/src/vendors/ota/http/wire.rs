//! What the service sends: plans, batches, tasks and agents in its camelCase, keys in the
//! documented order, times as UTC `2026-01-15T08:00:00Z`, unset values as null. Big plans are
//! answered in summary view (see [`View`] and docs/ota.md, "Big plans").

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use super::super::model::{Agent, Model};
use super::super::plan::Plan;
use super::super::state::TaskState;
use crate::kernel::{Core, Millis};

/// A time as the service writes it.
pub fn ts(core: &Core, at: Millis) -> String {
    core.clock
        .datetime_at(at)
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn hex(u: u128) -> String {
    format!("{u:032x}")
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
pub struct TaskOut {
    component_uuid: String,
    component_instance_uuid: String,
    /// Null until the task starts (the lifecycle task is created then).
    lifecycle_task_uuid: Option<String>,
    component_name: String,
    task_type: &'static str,
    status: String,
    node_uuid: String,
    lca_uuid: String,
    runtime_status: &'static str,
    actual_version: String,
    actual_release: String,
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
    agent_ids: Vec<&'a str>,
    status: String,
    failed_count: usize,
    tasks: Vec<TaskOut>,
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
    status: String,
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

fn task_out(model: &Model, core: &Core, plan: &Plan, t: usize) -> TaskOut {
    let task = &plan.tasks[t];
    let a: &Agent = &model.agents[task.agent as usize];
    let now = core.now();
    // A task shows what its agent reports now; an agent updating for this task restarts
    // part-way through.
    let runtime = match model.agents[task.agent as usize].claim {
        Some((cp, ct))
            if cp as usize == plan.ordinal
                && ct as usize == t
                && task.state == TaskState::Running =>
        {
            model.runtime_status(task.agent as usize, now)
        }
        _ if !a.online => "offline",
        _ => "running",
    };
    TaskOut {
        component_uuid: hex(a.component_uuid),
        component_instance_uuid: hex(a.instance_uuid),
        lifecycle_task_uuid: task.lifecycle.map(|l| format!("task-{l:08x}")),
        component_name: a.component.to_string(),
        task_type: "update",
        status: task.state.to_string(),
        node_uuid: hex(a.node_uuid),
        lca_uuid: hex(a.lca_uuid),
        runtime_status: runtime,
        actual_version: a.version.to_string(),
        actual_release: a.release.to_string(),
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

/// The default view of a plan: full up to the scenario's limit, summary beyond.
pub fn default_view(model: &Model, plan: &Plan) -> View {
    if plan.tasks.len() <= model.settings().full_view_max_tasks {
        View::Full
    } else {
        View::Summary { batch: None }
    }
}

pub fn plan_out<'a>(model: &'a Model, core: &Core, plan: &'a Plan, view: View) -> PlanOut<'a> {
    let summary = matches!(view, View::Summary { .. });
    let batches = plan
        .batches
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let detailed = match view {
                View::Full => true,
                View::Summary { batch } => i == plan.current_batch || batch == Some(i),
            };
            let (agent_ids, tasks) = if detailed {
                (
                    plan.tasks[b.start..b.end]
                        .iter()
                        .map(|t| model.agents[t.agent as usize].id.as_str())
                        .collect(),
                    (b.start..b.end)
                        .map(|t| task_out(model, core, plan, t))
                        .collect(),
                )
            } else {
                (Vec::new(), Vec::new())
            };
            BatchOut {
                batch_index: i,
                agent_ids,
                status: b.state.to_string(),
                failed_count: b.failed,
                tasks,
                task_counts: summary.then(|| Counts {
                    total: b.len(),
                    pending: b.len() - (b.succeeded + b.failed + b.running + b.cancelled),
                    running: b.running,
                    succeeded: b.succeeded,
                    failed: b.failed,
                    cancelled: b.cancelled,
                }),
            }
        })
        .collect();
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
        status: plan.state.to_string(),
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
    component_uuid: String,
    component_instance_uuid: String,
    node_uuid: String,
    lca_uuid: String,
    version: &'a str,
    release: &'a str,
    runtime_status: &'static str,
    plan_id: Option<&'a str>,
}

pub fn agent_out<'a>(model: &'a Model, core: &Core, n: usize) -> AgentOut<'a> {
    let a = &model.agents[n];
    AgentOut {
        id: &a.id,
        component_name: &a.component,
        component_uuid: hex(a.component_uuid),
        component_instance_uuid: hex(a.instance_uuid),
        node_uuid: hex(a.node_uuid),
        lca_uuid: hex(a.lca_uuid),
        version: &a.version,
        release: &a.release,
        runtime_status: model.runtime_status(n, core.now()),
        plan_id: a.claim.map(|(p, _)| model.plans[p as usize].id.as_str()),
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
