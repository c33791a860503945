//! The task API (`/api/v1/task/...`): DAG, node and sub-task details, DAG operators, node PASS,
//! and the maintenance / unfinished DAG queries the SDK calls.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use super::auth::{Authed, Verified};
use super::error::ObError;
use super::model::{parse_generic, Model};
use super::state::DagState;
use super::templates::DagKind;
use super::upgrade::{field, go_syntax};
use super::wire::{contents, Stamp};
use super::{auth::go_kind, dto};
use crate::kernel::Core;
use crate::Sim;

/// The query string as gin reads it (no rejection: a malformed pair is simply skipped).
fn query_pairs(q: &Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_deref().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// gin's query binding of `show_details` (Go `strconv.ParseBool`, default true).
fn show_details(q: &[(String, String)]) -> Result<bool, ObError> {
    match q.iter().rev().find(|(k, _)| k == "show_details") {
        None => Ok(true),
        Some((_, v)) => match v.as_str() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
            "" => Ok(true),
            other => Err(ObError::bind(&format!(
                "strconv.ParseBool: parsing \"{other}\": invalid syntax"
            ))),
        },
    }
}

/// Runs `f` under the lock with this request's stamp and renders its result.
fn with_model(
    sim: &Sim,
    stamp: Stamp,
    f: impl FnOnce(&mut Model, &mut Core) -> Result<Option<Value>, ObError>,
) -> Response {
    let w = &mut *sim.lock();
    let (core, m) = w.split::<super::Model>();
    match f(m, core) {
        Ok(data) => stamp.ok(data),
        Err(e) => e.render(m.profile, &stamp),
    }
}

pub async fn get_dag(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    Verified(a): Verified,
) -> Response {
    with_model(&sim, a.stamp, |m, core| {
        let show = show_details(&query_pairs(&q))?;
        let d = m.dag_by_generic(&id)?;
        Ok(Some(dto::dag(m, core, &m.dags[d], show, false)))
    })
}

/// `{"operator": "..."}` bound as gin does (required, case-insensitive key).
fn operator_of(body: &[u8], owner: &str) -> Result<String, ObError> {
    let text = std::str::from_utf8(body).unwrap_or("\u{fffd}");
    let text = if text.trim().is_empty() { "{}" } else { text };
    let v: Value = serde_json::from_str(text).map_err(|e| ObError::bind(&go_syntax(text, &e)))?;
    let Value::Object(o) = v else {
        return Err(ObError::bind(&format!(
            "json: cannot unmarshal {} into Go value of type task.{owner}",
            go_kind(&v)
        )));
    };
    match field(&o, "operator") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) | Some(Value::String(_)) => Err(ObError::bind(&format!(
            "Key: '{owner}.Operator' Error:Field validation for 'Operator' failed on the 'required' tag"
        ))),
        Some(other) => Err(ObError::bind(&format!(
            "json: cannot unmarshal {} into Go struct field {owner}.operator of type string",
            go_kind(other)
        ))),
    }
}

pub async fn operate_dag(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    Verified(a): Verified,
) -> Response {
    let body = a.body;
    with_model(&sim, a.stamp, |m, core| {
        let d = m.dag_by_generic(&id)?;
        let op = operator_of(&body, "DagOperator")?;
        m.operate(core, d, &op)?;
        Ok(None)
    })
}

fn node_of(m: &Model, id: &str) -> Result<(usize, usize), ObError> {
    let n = parse_generic(id)?;
    m.node_index
        .get(&n)
        .copied()
        .ok_or_else(ObError::task_not_found)
}

pub async fn get_node(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    Verified(a): Verified,
) -> Response {
    with_model(&sim, a.stamp, |m, core| {
        let show = show_details(&query_pairs(&q))?;
        let (d, n) = node_of(m, &id)?;
        if !show {
            // The real handler dereferences a nil DTO here and panics (500).
            return Err(ObError::panic());
        }
        Ok(Some(dto::node(m, core, &m.dags[d].nodes[n], true, false)))
    })
}

pub async fn operate_node(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    Verified(a): Verified,
) -> Response {
    let body = a.body;
    with_model(&sim, a.stamp, |m, core| {
        let (d, n) = node_of(m, &id)?;
        let op = operator_of(&body, "NodeOperator")?;
        m.pass_node(core, d, n, &op)?;
        Ok(None)
    })
}

pub async fn get_sub_task(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    Verified(a): Verified,
) -> Response {
    with_model(&sim, a.stamp, |m, core| {
        let t = parse_generic(&id)?;
        let (d, n, i) = m
            .task_index
            .get(&t)
            .copied()
            .ok_or_else(ObError::task_not_found)?;
        let node = &m.dags[d].nodes[n];
        Ok(Some(dto::task(m, core, node, &node.tasks[i])))
    })
}

/// Which DAGs a list query returns.
#[derive(Clone, Copy)]
enum Which {
    LastAgent,
    LastOb,
    AllAgentsLast,
    Unfinished,
    ObUnfinished,
    AgentUnfinished,
}

fn query(sim: &Sim, a: Authed, q: &Option<String>, which: Which) -> Response {
    with_model(sim, a.stamp, |m, core| {
        let show = show_details(&query_pairs(q))?;
        let maint = |k: DagKind| k.takes_lock();
        let unfinished = |s: DagState| s != DagState::Succeed;
        let render = |i: usize| dto::dag(m, core, &m.dags[i], show, false);
        let idx = 0..m.dags.len();
        Ok(Some(match which {
            Which::LastAgent | Which::LastOb => {
                let agent = matches!(which, Which::LastAgent);
                let last = idx
                    .rev()
                    .find(|&i| maint(m.dags[i].kind) && m.dags[i].kind.is_agent() == agent)
                    .ok_or_else(ObError::task_not_found)?;
                render(last)
            }
            Which::AllAgentsLast => contents(
                idx.rev()
                    .find(|&i| m.dags[i].kind == DagKind::Agent)
                    .map(render)
                    .into_iter()
                    .collect(),
            ),
            Which::Unfinished | Which::ObUnfinished | Which::AgentUnfinished => contents(
                idx.filter(|&i| {
                    let d = &m.dags[i];
                    unfinished(d.state)
                        && match which {
                            Which::ObUnfinished => d.kind.is_ob(),
                            Which::AgentUnfinished => d.kind.is_agent(),
                            _ => true,
                        }
                })
                .map(render)
                .collect(),
            ),
        }))
    })
}

macro_rules! list_route {
    ($name:ident, $which:expr) => {
        pub async fn $name(
            State(sim): State<Sim>,
            RawQuery(q): RawQuery,
            Verified(a): Verified,
        ) -> Response {
            query(&sim, a, &q, $which)
        }
    };
}

list_route!(maintain_agent, Which::LastAgent);
list_route!(maintain_ob, Which::LastOb);
list_route!(maintain_agents, Which::AllAgentsLast);
list_route!(unfinished, Which::Unfinished);
list_route!(ob_unfinished, Which::ObUnfinished);
list_route!(agent_unfinished, Which::AgentUnfinished);
