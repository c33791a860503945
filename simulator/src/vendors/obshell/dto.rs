//! The task DTOs in the real key order (`task_dto.go`): DagDetailDTO, NodeDetailDTO,
//! TaskDetailDTO, with the real `additional_data`, `nodes` and time rules.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::config::Profile;
use super::lifecycle::{Dag, Node, SubTask, Time};
use super::model::Model;
use super::wire::{time_at, unix_zero, GO_ZERO_TIME};
use crate::kernel::{to_json, Core};

/// A DTO time as Go prints it (`Unix0` after a retry, rollback or cancel).
pub fn time(core: &Core, t: Time) -> String {
    match t {
        Time::Unix0 => unix_zero(core),
        Time::At(ms) => time_at(core, ms),
    }
}

/// `additional_data`'s `{}` (where the real DTO carries some; `None` writes `null`).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "AdditionalData")]
pub struct Additional {}

fn additional(present: bool) -> Option<Additional> {
    present.then_some(Additional {})
}

/// The keys a node and a sub task open with: generic id, own id, name, state, operator,
/// start and end time (`node_id` or `task_id`, by the type it opens).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Opening<Id> {
    id: String,
    #[serde(flatten)]
    own: Id,
    name: String,
    state: String,
    operator: String,
    start_time: String,
    end_time: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NodeId {
    node_id: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskId {
    task_id: u64,
}

fn opening<Id>(
    core: &Core,
    (own, id): (Id, u64),
    name: &str,
    (state, operator): (String, String),
    (start, end): (Time, Time),
) -> Opening<Id> {
    Opening {
        id: format!("1{id}"),
        own,
        name: name.to_string(),
        state,
        operator,
        start_time: time(core, start),
        end_time: time(core, end),
    }
}

/// DagDetailDTO, written straight to bytes by the DAG read.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "DagDetailDTO")]
pub struct DagDto {
    id: String,
    dag_id: u64,
    name: String,
    stage: usize,
    max_stage: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintenance_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintenance_key: Option<&'static str>,
    state: String,
    operator: String,
    start_time: String,
    end_time: String,
    additional_data: Option<Additional>,
    /// `null` when details are not shown.
    nodes: Option<Vec<NodeDto>>,
}

/// NodeDetailDTO.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "NodeDetailDTO")]
pub struct NodeDto {
    #[serde(flatten)]
    opening: Opening<NodeId>,
    additional_data: Option<Additional>,
    /// `null` when details are not shown.
    sub_tasks: Option<Vec<TaskDto>>,
}

/// TaskDetailDTO.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "TaskDetailDTO")]
pub struct TaskDto {
    #[serde(flatten)]
    opening: Opening<TaskId>,
    additional_data: Option<Additional>,
    execute_times: u32,
    execute_agent: Agent,
    task_logs: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "ExecuteAgent")]
struct Agent {
    ip: String,
    port: u16,
}

/// A DAG. `fresh`: the creation response (zero times, no details).
pub fn dag(m: &Model, core: &Core, d: &Dag, show_details: bool, fresh: bool) -> Value {
    to_json(&dag_dto(m, core, d, show_details, fresh))
}

/// A DAG as its typed DTO (see [`dag`]).
pub fn dag_dto(m: &Model, core: &Core, d: &Dag, show_details: bool, fresh: bool) -> DagDto {
    let current = m.profile == Profile::Current;
    let (start_time, end_time) = if fresh {
        (GO_ZERO_TIME.to_string(), GO_ZERO_TIME.to_string())
    } else {
        (time(core, d.start), time(core, d.end))
    };
    let show = show_details && !fresh;
    DagDto {
        id: d.generic_id(),
        dag_id: d.dag_id,
        name: d.name.clone(),
        stage: d.stage,
        max_stage: d.nodes.len(),
        maintenance_type: current.then_some(if d.maintenance { 2 } else { 0 }),
        maintenance_key: current.then_some(""),
        state: d.state.to_string(),
        operator: d.operator.to_string(),
        start_time,
        end_time,
        additional_data: additional(show && d.nodes.len() >= 2),
        nodes: show.then(|| {
            d.nodes
                .iter()
                .map(|n| node_dto(m, core, n, true, true))
                .collect()
        }),
    }
}

/// A node; `inside_dag`: rendered as part of a DAG detail (`additional_data` null).
pub fn node(m: &Model, core: &Core, n: &Node, show_details: bool, inside_dag: bool) -> Value {
    to_json(&node_dto(m, core, n, show_details, inside_dag))
}

fn node_dto(m: &Model, core: &Core, n: &Node, show_details: bool, inside_dag: bool) -> NodeDto {
    let said = (n.state.to_string(), n.operator.to_string());
    NodeDto {
        opening: opening(
            core,
            (NodeId { node_id: n.node_id }, n.node_id),
            &n.name,
            said,
            (n.start, n.end),
        ),
        additional_data: additional(!inside_dag && n.tasks.len() >= 2),
        sub_tasks: show_details.then(|| n.tasks.iter().map(|t| task_dto(m, core, n, t)).collect()),
    }
}

/// A sub task.
pub fn task(m: &Model, core: &Core, n: &Node, t: &SubTask) -> Value {
    to_json(&task_dto(m, core, n, t))
}

fn task_dto(m: &Model, core: &Core, n: &Node, t: &SubTask) -> TaskDto {
    let server = &m.servers[t.server];
    let said = (t.state.to_string(), t.operator.to_string());
    TaskDto {
        opening: opening(
            core,
            (TaskId { task_id: t.task_id }, t.task_id),
            &n.name,
            said,
            (t.start, t.end),
        ),
        additional_data: None,
        execute_times: t.execute_times,
        execute_agent: Agent {
            ip: server.ip.clone(),
            port: server.port,
        },
        task_logs: t.logs.clone(),
    }
}
