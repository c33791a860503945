//! The task API's operations (`/api/v1/task/...`): DAG, node and sub-task details, the DAG
//! operators and node PASS, and the maintenance / unfinished DAG queries the SDK calls. Parsing
//! resolves the generic ids against the model in the real server's order (the id, then the
//! body); applying renders the DTO or carries out the operator.

use serde_json::Value;

use super::super::dto;
use super::super::error::ObError;
use super::super::model::Model;
use super::super::state::DagState;
use super::super::templates::DagKind;
use super::super::wire::contents;
use crate::kernel::Core;

/// Which DAGs a list query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `/task/dag/maintain/agent`: the last agent upgrade DAG.
    LastAgent,
    /// `/task/dag/maintain/ob`: the last OB upgrade DAG.
    LastOb,
    /// `/task/dag/maintain/agents`: the last agent upgrade, as a list.
    AllAgentsLast,
    Unfinished,
    ObUnfinished,
    AgentUnfinished,
}

/// A read or an operator of the task API, its ids resolved to indices.
#[derive(Debug, Clone)]
pub enum TaskOp {
    GetDag {
        dag: usize,
        show: bool,
    },
    OperateDag {
        dag: usize,
        operator: String,
    },
    GetNode {
        dag: usize,
        node: usize,
        show: bool,
    },
    OperateNode {
        dag: usize,
        node: usize,
        operator: String,
    },
    GetSubTask {
        dag: usize,
        node: usize,
        task: usize,
    },
    List {
        which: Which,
        show: bool,
    },
}

impl TaskOp {
    /// Executes it: a read answers its DTO, an operator answers no data.
    pub fn apply(&self, m: &mut Model, core: &mut Core) -> Result<Option<Value>, ObError> {
        match *self {
            Self::GetDag { dag, show } => Ok(Some(dto::dag(m, core, &m.dags[dag], show, false))),
            Self::OperateDag { dag, ref operator } => {
                m.operate(core, dag, operator)?;
                Ok(None)
            }
            Self::GetNode { dag, node, show } => {
                if !show {
                    // The real handler dereferences a nil DTO here and panics (500).
                    return Err(ObError::panic());
                }
                let n = &m.dags[dag].nodes[node];
                Ok(Some(dto::node(m, core, n, true, false)))
            }
            Self::OperateNode {
                dag,
                node,
                ref operator,
            } => {
                m.pass_node(core, dag, node, operator)?;
                Ok(None)
            }
            Self::GetSubTask { dag, node, task } => {
                let n = &m.dags[dag].nodes[node];
                Ok(Some(dto::task(m, core, n, &n.tasks[task])))
            }
            Self::List { which, show } => list(m, core, which, show).map(Some),
        }
    }
}

fn list(m: &Model, core: &Core, which: Which, show: bool) -> Result<Value, ObError> {
    let render = |i: usize| dto::dag(m, core, &m.dags[i], show, false);
    let idx = 0..m.dags.len();
    Ok(match which {
        Which::LastAgent | Which::LastOb => {
            let agent = which == Which::LastAgent;
            let last = idx
                .rev()
                .find(|&i| m.dags[i].kind.takes_lock() && m.dags[i].kind.is_agent() == agent)
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
                d.state != DagState::Succeed
                    && match which {
                        Which::ObUnfinished => d.kind.is_ob(),
                        Which::AgentUnfinished => d.kind.is_agent(),
                        _ => true,
                    }
            })
            .map(render)
            .collect(),
        ),
    })
}
