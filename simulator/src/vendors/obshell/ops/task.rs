//! The task API's operations (`/api/v1/task/...`): DAG, node and sub-task details, the DAG
//! operators and node PASS, and the maintenance / unfinished DAG queries the SDK calls. Parsing
//! resolves the generic ids against the model in the real server's order (the id, then the
//! body); applying renders the DTO or carries out the operator.

use serde_json::Value;

use super::super::dto;
use super::super::error::ObError;
use super::super::model::Model;
use super::super::wire::contents;
use crate::kernel::Core;

/// Which DAGs a list query returns. The real agent keeps two task services: the cluster's (in
/// OceanBase: every upgrade and check DAG, the agent upgrade included) and its own local one
/// (sqlite: deploy, take-over, start/stop of its own observer). The simulated agents keep no
/// local DAGs, so the local queries never show an upgrade (4.2.6 and HEAD
/// `executor/task/dag.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// `/task/dag/maintain/agent`: the local service's last maintenance DAG (404 with none).
    LastAgent,
    /// `/task/dag/maintain/ob`: the cluster's last maintenance DAG, in any state, one object.
    LastOb,
    /// `/task/dag/maintain/agents`: every agent's local last maintenance DAG, as a list.
    AllAgentsLast,
    /// `/task/dag/unfinish` on a cluster agent: every agent's local unfinished DAGs, then the
    /// cluster's.
    Unfinished,
    /// `/task/dag/ob/unfinish`: the cluster's unfinished DAGs.
    ObUnfinished,
    /// `/task/dag/agent/unfinish`: the local service's unfinished DAGs.
    AgentUnfinished,
    /// `/task/dags/ob` (HEAD `GetAllClusterDags`): every cluster DAG.
    AllCluster,
    /// `/task/dags/agent` (HEAD `GetAllAgentDags`): every local DAG.
    AllLocal,
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
    /// HEAD `GET /task/sub_task/{id}/logs`: the task's log rows (none for an unknown id: the
    /// server queries `sub_task_log` by id without looking the task up).
    SubTaskLogs {
        task: Option<(usize, usize, usize)>,
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
            Self::SubTaskLogs { task } => Ok(Some(sub_task_logs(m, core, task))),
        }
    }
}

fn list(m: &Model, core: &Core, which: Which, show: bool) -> Result<Value, ObError> {
    let render = |i: usize| dto::dag(m, core, &m.dags[i], show, false);
    let cluster = 0..m.dags.len();
    Ok(match which {
        // `FindLastMaintenanceDag`: `is_maintenance = true ORDER BY id DESC`, whatever its state.
        Which::LastOb => cluster
            .rev()
            .find(|&i| m.dags[i].maintenance)
            .map(render)
            .ok_or_else(|| ObError::task_not_found_because("Cluster is not under maintenance"))?,
        Which::LastAgent => {
            return Err(ObError::task_not_found_because(
                "Agent is not under maintenance",
            ))
        }
        // The real handler lists the agents' local DAGs only. (With none at all it would
        // dereference a nil DAG; a deployed agent always has its take-over or init DAG, so the
        // simulator answers the list the user would see, without upgrades: empty.)
        Which::AllAgentsLast | Which::AgentUnfinished | Which::AllLocal => contents(Vec::new()),
        Which::AllCluster => contents(cluster.map(render).collect()),
        // `is_finished = false`, in id order.
        Which::Unfinished | Which::ObUnfinished => contents(
            cluster
                .filter(|&i| !m.dags[i].is_finished())
                .map(render)
                .collect(),
        ),
    })
}

/// HEAD `executor/task/sub_task.go` `GetFullSubTaskLogs` → `bo.SubTaskLog` rows. The table's
/// `id` is global: the simulator numbers every log line of every task in creation order.
fn sub_task_logs(m: &Model, core: &Core, task: Option<(usize, usize, usize)>) -> Value {
    use super::super::lifecycle::Time;
    let Some((d, n, t)) = task else {
        return contents(Vec::new());
    };
    let mut id = 0u64;
    'count: for (di, dag) in m.dags.iter().enumerate() {
        for (ni, node) in dag.nodes.iter().enumerate() {
            for (ti, st) in node.tasks.iter().enumerate() {
                if (di, ni, ti) == (d, n, t) {
                    break 'count;
                }
                id += st.logs.as_ref().map_or(0, |l| l.len() as u64);
            }
        }
    }
    let st = &m.dags[d].nodes[n].tasks[t];
    let at = dto::time(
        core,
        match st.end {
            Time::At(_) => st.end,
            Time::Unix0 => st.start,
        },
    );
    let rows = st
        .logs
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, line)| {
            serde_json::json!({
                "id": id + i as u64 + 1,
                "sub_task_id": st.task_id,
                "execute_times": st.execute_times,
                "log_content": line,
                "is_sync": false,
                "create_time": at,
                "update_time": at,
            })
        })
        .collect();
    contents(rows)
}
