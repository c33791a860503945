//! OBShell's one operation type (as mini-redis's `Command`): every request the agent serves and
//! every client call a scenario's timeline makes is an [`Operation`], parsed from its input
//! (a request's path, query and decrypted body, or a timeline action's arguments) and applied
//! to the model, so an action and a request take one code path. One file per group:
//! `agent` (info, status, secret), `upgrade`, `package`, `task`.

pub mod agent;
pub mod package;
pub mod task;
pub mod upgrade;

use axum::http::HeaderValue;
use serde_json::Value;

use super::error::ObError;
use super::gin;
use super::model::Model;
use crate::kernel::Core;
pub use package::{NewUpload, Upload};
pub use task::{TaskOp, Which};
pub use upgrade::{Target, Upgrade};

/// Which endpoint a request is for: what the route table hands to the one request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Info,
    ObInfo,
    AgentsStatus,
    Status,
    Secret,
    /// `POST /{agent,ob}/upgrade` and their `/check` (the flag).
    Upgrade(Target, bool),
    Upload,
    /// HEAD `POST /api/v1/package` (`newPkgUploadHandler`).
    NewUpload,
    /// HEAD `GET /upgrade/package/info`.
    PackageInfo,
    /// HEAD `DELETE /upgrade/package/{id}`.
    DeletePackage,
    GetDag,
    OperateDag,
    GetNode,
    OperateNode,
    GetSubTask,
    /// HEAD `GET /task/sub_task/{id}/logs`.
    SubTaskLogs,
    List(Which),
}

impl Endpoint {
    /// Routes 4.2.6 does not have (`agent/api/task_handler.go`, `agent_route.go`): gin's 404
    /// there, before any auth.
    pub fn only_current(self) -> bool {
        matches!(
            self,
            Self::OperateNode
                | Self::NewUpload
                | Self::PackageInfo
                | Self::DeletePackage
                | Self::SubTaskLogs
                | Self::List(Which::AllCluster | Which::AllLocal)
        )
    }
}

/// An answer's `data`: a JSON tree, or a typed value written straight to bytes (the reads
/// clients poll: the status, a DAG).
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Data {
    Json(Value),
    Status(agent::AgentStatus),
    Dag(super::dto::DagDto),
}

/// A request's input: the path's `{id}`, the query and the (decrypted) body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    pub id: &'a str,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    pub content_type: Option<&'a HeaderValue>,
    /// `X-OCS-File-SHA256` (HEAD's `VerifyFile`).
    pub file_sha256: Option<&'a str>,
}

/// Everything a client can ask of the agent.
#[derive(Debug, Clone)]
pub enum Operation {
    Info,
    ObInfo,
    AgentsStatus,
    Status,
    Secret,
    Upgrade(Upgrade),
    Upload(Upload),
    NewUpload(NewUpload),
    PackageInfo,
    DeletePackage(String),
    Task(TaskOp),
}

impl Operation {
    /// Parses a request for `endpoint` in the real server's order of checks (ids are resolved
    /// against `m`, so an unknown id is refused before a bad body).
    pub fn parse(endpoint: Endpoint, m: &Model, input: Input<'_>) -> Result<Self, ObError> {
        let show = || gin::show_details(input.query);
        let task = |op: TaskOp| Ok(Self::Task(op));
        match endpoint {
            Endpoint::Info => Ok(Self::Info),
            Endpoint::ObInfo => Ok(Self::ObInfo),
            Endpoint::AgentsStatus => Ok(Self::AgentsStatus),
            Endpoint::Status => Ok(Self::Status),
            Endpoint::Secret => Ok(Self::Secret),
            Endpoint::Upgrade(target, check) => {
                Upgrade::parse(target, check, input.body).map(Self::Upgrade)
            }
            Endpoint::Upload => Ok(Self::Upload(Upload::parse(input.body, input.content_type))),
            Endpoint::NewUpload => Ok(Self::NewUpload(NewUpload {
                upload: Upload::parse(input.body, input.content_type),
                file_sha256: input.file_sha256.unwrap_or_default().to_string(),
            })),
            Endpoint::PackageInfo => Ok(Self::PackageInfo),
            Endpoint::DeletePackage => Ok(Self::DeletePackage(input.id.to_string())),
            Endpoint::SubTaskLogs => {
                super::lifecycle::parse_generic(input.id)?;
                let found = m.task_by_generic(input.id).ok();
                task(TaskOp::SubTaskLogs { task: found })
            }
            Endpoint::GetDag => {
                let show = show()?;
                let dag = m.dag_by_generic(input.id)?;
                task(TaskOp::GetDag { dag, show })
            }
            Endpoint::OperateDag => {
                let dag = m.dag_by_generic(input.id)?;
                let operator = gin::operator(input.body, "DagOperator")?;
                task(TaskOp::OperateDag { dag, operator })
            }
            Endpoint::GetNode => {
                let show = show()?;
                let (dag, node) = m.node_by_generic(input.id)?;
                task(TaskOp::GetNode { dag, node, show })
            }
            Endpoint::OperateNode => {
                let (dag, node) = m.node_by_generic(input.id)?;
                let operator = gin::operator(input.body, "NodeOperator")?;
                task(TaskOp::OperateNode {
                    dag,
                    node,
                    operator,
                })
            }
            Endpoint::GetSubTask => {
                let (dag, node, task_index) = m.task_by_generic(input.id)?;
                task(TaskOp::GetSubTask {
                    dag,
                    node,
                    task: task_index,
                })
            }
            Endpoint::List(which) => task(TaskOp::List {
                which,
                show: show()?,
            }),
        }
    }

    /// Parses a timeline action that is a client call (`upgrade_agent`, `upgrade_ob`,
    /// `operate_dag`); `None` for any other action.
    pub fn from_action(m: &Model, action: &str, args: &Value) -> Option<Result<Self, String>> {
        let ob = match action {
            "upgrade_agent" => false,
            "upgrade_ob" => true,
            "operate_dag" => return Some(operate_dag_action(m, args)),
            _ => return None,
        };
        let mut body = args.clone();
        if ob && body.get("mode").is_none() {
            if let Value::Object(o) = &mut body {
                o.insert("mode".into(), "rolling".into());
            }
        }
        let target = if ob { Target::Ob } else { Target::Agent };
        Some(
            Upgrade::parse(target, false, body.to_string().as_bytes())
                .map(Self::Upgrade)
                .map_err(|e| action_error(&e)),
        )
    }

    /// Executes the operation; the answer's `data` (none for an operator).
    pub fn apply(&self, m: &mut Model, core: &mut Core) -> Result<Option<Data>, ObError> {
        let json = match self {
            Self::Status => return Ok(Some(Data::Status(agent::status(m, core)))),
            Self::Task(TaskOp::GetDag { dag, show }) => {
                let dto = super::dto::dag_dto(m, core, &m.dags[*dag], *show, false);
                return Ok(Some(Data::Dag(dto)));
            }
            Self::Info => Some(agent::info(m, core)),
            Self::ObInfo => Some(agent::ob_info(m)),
            Self::AgentsStatus => Some(agent::agents_status(m, core)),
            Self::Secret => Some(agent::secret(m)),
            Self::Upgrade(u) => {
                let d = u.apply(m, core)?;
                Some(super::dto::dag(m, core, &m.dags[d], false, true))
            }
            Self::Upload(u) => Some(u.apply(m, core)?),
            Self::NewUpload(u) => Some(u.apply(m, core)?),
            Self::PackageInfo => Some(package::info(m, core)),
            Self::DeletePackage(id) => {
                package::delete(m, id)?;
                None
            }
            Self::Task(t) => t.apply(m, core)?,
        };
        Ok(json.map(Data::Json))
    }
}

/// `operate_dag`: the DAG `dag_id` names (default: the last one made) and an `operator`.
fn operate_dag_action(m: &Model, args: &Value) -> Result<Operation, String> {
    let dag = match args.get("dag_id").and_then(Value::as_u64) {
        Some(id) => m
            .dags
            .iter()
            .position(|d| d.dag_id == id)
            .ok_or_else(|| format!("no DAG with dag_id {id}"))?,
        None => m
            .dags
            .len()
            .checked_sub(1)
            .ok_or("operate_dag: no DAG yet")?,
    };
    let operator = args
        .get("operator")
        .and_then(Value::as_str)
        .ok_or("operate_dag needs `operator`")?;
    Ok(Operation::Task(TaskOp::OperateDag {
        dag,
        operator: operator.to_string(),
    }))
}

/// How the journal words a refused timeline call: the current layout's code and message.
pub fn action_error(e: &ObError) -> String {
    format!("{} {}", e.current.err_code.unwrap_or(""), e.current.message)
}
