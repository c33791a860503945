//! The task DTOs in the real key order (`task_dto.go`): DagDetailDTO, NodeDetailDTO,
//! TaskDetailDTO, with the real `additional_data`, `nodes` and time rules.

use serde_json::{Map, Value};

use super::config::Profile;
use super::lifecycle::{Dag, Node, SubTask, Time};
use super::model::Model;
use super::wire::{time_at, unix_zero, GO_ZERO_TIME};
use crate::kernel::Core;

pub fn time(core: &Core, t: Time) -> Value {
    Value::String(match t {
        Time::Unix0 => unix_zero(core),
        Time::At(ms) => time_at(core, ms),
    })
}

/// `additional_data`: `{}` where the real DTO carries some, `null` elsewhere.
fn additional(present: bool) -> Value {
    if present {
        Value::Object(Map::new())
    } else {
        Value::Null
    }
}

/// A list of details, or `null` when details are not shown.
fn details(show: bool, items: impl FnOnce() -> Vec<Value>) -> Value {
    if show {
        Value::Array(items())
    } else {
        Value::Null
    }
}

/// The keys a node and a sub task open with: generic id, own id, name, state, operator,
/// start and end time.
fn opening(
    core: &Core,
    (id_key, id): (&str, u64),
    name: &str,
    (state, operator): (String, String),
    (start, end): (Time, Time),
) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), Value::from(format!("1{id}")));
    o.insert(id_key.into(), Value::from(id));
    o.insert("name".into(), Value::from(name));
    o.insert("state".into(), Value::from(state));
    o.insert("operator".into(), Value::from(operator));
    o.insert("start_time".into(), time(core, start));
    o.insert("end_time".into(), time(core, end));
    o
}

/// A DAG. `fresh`: the creation response (zero times, no details).
pub fn dag(m: &Model, core: &Core, d: &Dag, show_details: bool, fresh: bool) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), Value::from(d.generic_id()));
    o.insert("dag_id".into(), Value::from(d.dag_id));
    o.insert("name".into(), Value::from(d.name.clone()));
    o.insert("stage".into(), Value::from(d.stage));
    o.insert("max_stage".into(), Value::from(d.nodes.len()));
    if m.profile == Profile::Current {
        o.insert(
            "maintenance_type".into(),
            Value::from(if d.maintenance { 2 } else { 0 }),
        );
        o.insert("maintenance_key".into(), Value::from(""));
    }
    o.insert("state".into(), Value::from(d.state.to_string()));
    o.insert("operator".into(), Value::from(d.operator.to_string()));
    if fresh {
        o.insert("start_time".into(), Value::from(GO_ZERO_TIME));
        o.insert("end_time".into(), Value::from(GO_ZERO_TIME));
    } else {
        o.insert("start_time".into(), time(core, d.start));
        o.insert("end_time".into(), time(core, d.end));
    }
    let show = show_details && !fresh;
    o.insert(
        "additional_data".into(),
        additional(show && d.nodes.len() >= 2),
    );
    let nodes = || {
        d.nodes
            .iter()
            .map(|n| node(m, core, n, true, true))
            .collect()
    };
    o.insert("nodes".into(), details(show, nodes));
    Value::Object(o)
}

/// A node; `inside_dag`: rendered as part of a DAG detail (`additional_data` null).
pub fn node(m: &Model, core: &Core, n: &Node, show_details: bool, inside_dag: bool) -> Value {
    let said = (n.state.to_string(), n.operator.to_string());
    let mut o = opening(
        core,
        ("node_id", n.node_id),
        &n.name,
        said,
        (n.start, n.end),
    );
    o.insert(
        "additional_data".into(),
        additional(!inside_dag && n.tasks.len() >= 2),
    );
    let tasks = || n.tasks.iter().map(|t| task(m, core, n, t)).collect();
    o.insert("sub_tasks".into(), details(show_details, tasks));
    Value::Object(o)
}

/// A sub task.
pub fn task(m: &Model, core: &Core, n: &Node, t: &SubTask) -> Value {
    let server = &m.servers[t.server];
    let said = (t.state.to_string(), t.operator.to_string());
    let mut o = opening(
        core,
        ("task_id", t.task_id),
        &n.name,
        said,
        (t.start, t.end),
    );
    o.insert("additional_data".into(), additional(false));
    o.insert("execute_times".into(), Value::from(t.execute_times));
    let mut agent = Map::new();
    agent.insert("ip".into(), Value::from(server.ip.clone()));
    agent.insert("port".into(), Value::from(server.port));
    o.insert("execute_agent".into(), Value::Object(agent));
    o.insert(
        "task_logs".into(),
        match &t.logs {
            Some(l) => Value::from(l.clone()),
            None => Value::Null,
        },
    );
    Value::Object(o)
}
