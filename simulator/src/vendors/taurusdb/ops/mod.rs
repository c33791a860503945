//! TaurusDB's one operation type, as mini-redis's `Command`: everything a client request or a
//! scenario timeline action can ask of the domain is an [`Operation`] value. The HTTP handlers
//! parse a request into one (no clock, randomness or rules there), a timeline action is
//! parsed into one by [`Operation::from_action`], and [`Operation::apply`] executes it on the
//! model and writes the answer's body, so a request and an action take one code path.
//! One file per group of operations: `upgrade`, `precheck`, `jobs`, `instances`, `tasks`.

mod instances;
mod jobs;
mod precheck;
mod tasks;
mod upgrade;

use serde_json::Value;

use super::error::{Lang, TaurusError};
use super::fleet::Model;
use super::state::InstanceStatus;
use super::wire::{self, EmptyBody, JobIdsResponse, Json};
use crate::kernel::Core;

pub use instances::{parse_datastores, InstanceList, InstanceRef, EXACT as EXACT_FILTERS};
pub use jobs::{parse_cancel, parse_show, JobList, JobListKind};
pub use precheck::Precheck;
pub use tasks::{
    parse_delete_record, parse_delete_scheduled, parse_details, parse_exist, parse_ops_window,
    parse_task_detail,
};
pub use upgrade::Upgrade;

/// One thing asked of TaurusDB.
#[derive(Debug, Clone)]
pub enum Operation {
    /// A batch or single-instance minor-version upgrade.
    Upgrade(Upgrade),
    /// Starts one pre-check per instance.
    StartPrecheck(Precheck),
    /// Whether the instances could be upgraded now, item by item.
    PrecheckResult(Precheck),
    /// One job, by id.
    ShowJob { project: String, id: String },
    /// The immediate-jobs or scheduled-jobs list.
    ListJobs(JobList),
    /// Cancels Pending scheduled jobs, all or nothing.
    CancelScheduled { project: String, ids: Vec<String> },
    /// One instance's details (v3, or v3.1's unified status).
    ShowInstance { at: InstanceRef, unified: bool },
    /// The instance list.
    ListInstances(InstanceList),
    /// An instance's kernel version against the latest.
    DatabaseVersion(InstanceRef),
    /// The kernel versions on offer.
    Datastores,
    /// Several instances' details (`instances/details?instance_ids=`).
    InstanceDetails {
        project: String,
        ids: Vec<String>,
        unified: bool,
    },
    /// An instance's task with its sub-tasks (`task-center-detail`).
    TaskDetail {
        at: InstanceRef,
        job_id: Option<String>,
        job_name: Option<String>,
    },
    /// Whether the instance has a scheduled task of a kind (`schedule-tasks/exist`).
    ScheduleExists { at: InstanceRef, kind: String },
    /// Cancels one scheduled job of an instance (`DELETE /instance/{id}/scheduled-jobs`).
    DeleteScheduled { at: InstanceRef, job_id: String },
    /// Deletes an ended job's record (`DELETE /jobs/{job_id}`).
    DeleteJobRecord { project: String, job_id: String },
    /// IAM's `GET /v3/projects?name=<region>`: the caller's projects (of that region).
    IamProjects {
        name: Option<String>,
        /// The access key that asked (`None`: a token, which sees every project).
        ak: Option<String>,
    },
    /// Moves the maintenance window (minutes of the UTC day), and with it a delayed upgrade.
    SetOpsWindow { at: InstanceRef, window: (u32, u32) },
    /// A scenario moves an instance to FAILED, FROZEN or ACTIVE.
    SetStatus {
        instance: String,
        to: InstanceStatus,
        reason: Option<String>,
    },
    /// A scenario makes an instance's upgrade stick.
    Stick { instance: String, at: Option<u8> },
}

/// Why an operation did not happen: the vendor's refusal, or (for a timeline action only) a
/// scenario asking for something the domain cannot do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Refused(TaurusError),
    Scenario(String),
}

impl From<TaurusError> for Failure {
    fn from(e: TaurusError) -> Self {
        Self::Refused(e)
    }
}

impl Failure {
    /// As a client sees it.
    pub fn into_error(self) -> TaurusError {
        match self {
            Self::Refused(e) => e,
            Self::Scenario(s) => TaurusError::param(s),
        }
    }

    /// As the journal shows a timeline action's result: the code and its English message.
    pub fn describe(&self) -> String {
        match self {
            Self::Refused(e) => format!("{}: {}", e.code.as_str(), e.message(Lang::En)),
            Self::Scenario(s) => s.clone(),
        }
    }
}

/// The timeline actions this vendor offers.
pub const ACTIONS: &[&str] = &[
    "batch_upgrade",
    "upgrade_instance",
    "fail_instance",
    "stick_instance",
    "set_instance_status",
];

impl Operation {
    /// The operation as the authenticated caller (`ak`, or `None` for a token) asks it.
    pub fn for_caller(self, ak: Option<String>) -> Self {
        match self {
            Self::IamProjects { name, .. } => Self::IamProjects { name, ak },
            other => other,
        }
    }

    /// Executes the operation and writes the answer's body (empty for a timeline action).
    pub fn apply(self, core: &mut Core, model: &mut Model) -> Result<Json, Failure> {
        match self {
            Self::Upgrade(u) => Ok(u.apply(core, model)?),
            Self::StartPrecheck(p) => Ok(p.start(core, model)?),
            Self::PrecheckResult(p) => Ok(p.result(core, model)?),
            Self::ShowJob { project, id } => Ok(jobs::show(core, model, &project, &id)?),
            Self::ListJobs(list) => Ok(list.apply(core, model)),
            Self::CancelScheduled { project, ids } => {
                model.cancel_scheduled(core, &project, &ids)?;
                Ok(wire::render(&JobIdsResponse { job_ids: &ids }))
            }
            Self::ShowInstance { at, unified } => Ok(at.show(core, model, unified)?),
            Self::ListInstances(list) => Ok(list.apply(core, model)),
            Self::DatabaseVersion(at) => Ok(at.version(model)?),
            Self::Datastores => Ok(instances::datastores(model)),
            Self::InstanceDetails {
                project,
                ids,
                unified,
            } => Ok(tasks::details(core, model, &project, &ids, unified)),
            Self::TaskDetail {
                at,
                job_id,
                job_name,
            } => Ok(tasks::task_detail(
                core,
                model,
                &at,
                job_id.as_deref(),
                job_name.as_deref(),
            )?),
            Self::ScheduleExists { at, kind } => Ok(tasks::exists(core, model, &at, &kind)?),
            Self::DeleteScheduled { at, job_id } => {
                Ok(tasks::delete_scheduled(core, model, &at, &job_id)?)
            }
            Self::DeleteJobRecord { project, job_id } => {
                model.delete_record(&project, &job_id)?;
                Ok(wire::render(&EmptyBody {}))
            }
            Self::IamProjects { name, ak } => {
                let domain = wire::domain_id();
                Ok(wire::render(&wire::iam_projects(
                    model,
                    &domain,
                    name.as_deref(),
                    ak.as_deref(),
                )))
            }
            Self::SetOpsWindow { at, window } => {
                model.move_window(core, &at.project, &at.id, window)?;
                Ok(wire::render(&EmptyBody {}))
            }
            Self::SetStatus {
                instance,
                to,
                reason,
            } => model
                .set_status(core, &instance, to, reason)
                .map(|()| Json::new())
                .map_err(Failure::Scenario),
            Self::Stick { instance, at } => model
                .stick(core, &instance, at)
                .map(|()| Json::new())
                .map_err(Failure::Scenario),
        }
    }

    /// A timeline action as an operation (see docs/taurusdb.md for the actions' arguments).
    pub fn from_action(model: &Model, action: &str, args: &Value) -> Result<Self, String> {
        let text = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_string);
        let instance =
            || text("instance").ok_or_else(|| format!("{action} needs `with: {{instance: <id>}}`"));
        let delay = args.get("delay").and_then(Value::as_bool).unwrap_or(false);
        Ok(match action {
            "batch_upgrade" => Self::Upgrade(Upgrade::for_scenario(
                model,
                args.get("instances"),
                text("project"),
                delay,
            )?),
            "upgrade_instance" => {
                let id = instance()?;
                let project = model
                    .instances
                    .get(&id)
                    .map(|i| i.project_id.clone())
                    .ok_or_else(|| format!("no instance '{id}'"))?;
                Self::Upgrade(Upgrade::single(project, id, delay))
            }
            "fail_instance" => Self::SetStatus {
                instance: instance()?,
                to: InstanceStatus::Failed,
                reason: text("reason"),
            },
            "stick_instance" => Self::Stick {
                instance: instance()?,
                at: args
                    .get("at_percent")
                    .and_then(Value::as_u64)
                    .map(|p| p.min(99) as u8),
            },
            "set_instance_status" => {
                let instance = instance()?;
                let to = text("status")
                    .as_deref()
                    .and_then(InstanceStatus::parse)
                    .ok_or("set_instance_status needs status: ACTIVE, FAILED or FROZEN")?;
                Self::SetStatus {
                    instance,
                    to,
                    reason: text("reason"),
                }
            }
            other => return Err(format!("taurusdb has no action '{other}'")),
        })
    }
}

/// A query string as decoded (key, value) pairs; an empty value counts as absent.
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A number from 0 to `max`, `default` when absent.
    pub fn number(&self, key: &str, default: usize, max: usize) -> Result<usize, TaurusError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    TaurusError::param(format!("{key} must be a number from 0 to {max}."))
                }),
        }
    }
}
