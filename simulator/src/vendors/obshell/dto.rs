//! The task DTOs in the real key order (`task_dto.go`): DagDetailDTO, NodeDetailDTO,
//! TaskDetailDTO, with the real `additional_data`, `nodes` and time rules.

use serde_json::{Map, Value};

use super::config::Profile;
use super::lifecycle::{Dag, Node, SubTask, Time};
use super::model::Model;
use super::wire::{time_at, unix_zero, GO_ZERO_TIME};
use crate::kernel::Core;

fn time(core: &Core, t: Time) -> Value {
    Value::String(match t {
        Time::Unix0 => unix_zero(core),
        Time::At(ms) => time_at(core, ms),
    })
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
    let details = show_details && !fresh;
    o.insert(
        "additional_data".into(),
        if details && d.nodes.len() >= 2 {
            Value::Object(Map::new())
        } else {
            Value::Null
        },
    );
    o.insert(
        "nodes".into(),
        if details {
            Value::Array(
                d.nodes
                    .iter()
                    .map(|n| node(m, core, n, true, true))
                    .collect(),
            )
        } else {
            Value::Null
        },
    );
    Value::Object(o)
}

/// A node; `inside_dag`: rendered as part of a DAG detail (`additional_data` null).
pub fn node(m: &Model, core: &Core, n: &Node, show_details: bool, inside_dag: bool) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), Value::from(format!("1{}", n.node_id)));
    o.insert("node_id".into(), Value::from(n.node_id));
    o.insert("name".into(), Value::from(n.name.clone()));
    o.insert("state".into(), Value::from(n.state.to_string()));
    o.insert("operator".into(), Value::from(n.operator.to_string()));
    o.insert("start_time".into(), time(core, n.start));
    o.insert("end_time".into(), time(core, n.end));
    o.insert(
        "additional_data".into(),
        if !inside_dag && n.tasks.len() >= 2 {
            Value::Object(Map::new())
        } else {
            Value::Null
        },
    );
    o.insert(
        "sub_tasks".into(),
        if show_details {
            Value::Array(n.tasks.iter().map(|t| task(m, core, n, t)).collect())
        } else {
            Value::Null
        },
    );
    Value::Object(o)
}

/// A sub task.
pub fn task(m: &Model, core: &Core, n: &Node, t: &SubTask) -> Value {
    let server = &m.servers[t.server];
    let mut o = Map::new();
    o.insert("id".into(), Value::from(format!("1{}", t.task_id)));
    o.insert("task_id".into(), Value::from(t.task_id));
    o.insert("name".into(), Value::from(n.name.clone()));
    o.insert("state".into(), Value::from(t.state.to_string()));
    o.insert("operator".into(), Value::from(t.operator.to_string()));
    o.insert("start_time".into(), time(core, t.start));
    o.insert("end_time".into(), time(core, t.end));
    o.insert("additional_data".into(), Value::Null);
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
