//! The HTTP handlers: each parses its path, query and body into an [`Operation`] (outside the
//! lock; no clock, randomness or rules here) and hands it to [`Call::answer`], which runs it
//! under the request's one exchange with the world.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;

use super::call::Call;
use super::config;
use super::error::{Code, TaurusError};
use super::ops::Upgrade;
use super::ops::{self, InstanceList, InstanceRef, JobList, JobListKind, Operation, Precheck};
use crate::engine::Exchange;

type ProjectPath = Result<Path<String>, PathRejection>;
type InstancePath = Result<Path<(String, String)>, PathRejection>;

/// The `{project_id}` path segment: 32 letters and digits, else DBS.200001.
fn project(path: ProjectPath) -> Result<String, TaurusError> {
    let Path(p) = path.map_err(bad_url)?;
    if config::is_project_id(&p) {
        Ok(p)
    } else {
        Err(TaurusError::param(format!(
            "project_id {p} is invalid: it must be 32 letters and digits."
        )))
    }
}

/// The words the SDK's paths use right after `/instances/`: an API of its own (served or
/// not), never an instance id.
const RESERVED: &[&str] = &[
    "backups",
    "batch",
    "database-version",
    "details",
    "diagnosis-instance-count",
    "diagnosis-instance-infos",
    "recycle-info",
    "recycle-policy",
    "restore",
];

/// `{project_id}` and the segment after it, which must not be one of the [`RESERVED`] words
/// (those paths are APIs the simulator does not serve: the gateway's APIGW.0101).
fn instance(path: InstancePath) -> Result<InstanceRef, TaurusError> {
    let Path((p, id)) = path.map_err(bad_url)?;
    if RESERVED.contains(&id.as_str()) {
        return Err(TaurusError::with(
            Code::NoSuchApi,
            format!("instances/{id} is an API of its own, not an instance, and is not served here with this method and path."),
        ));
    }
    Ok(InstanceRef {
        project: project(Ok(Path(p)))?,
        id,
    })
}

fn bad_url(e: PathRejection) -> TaurusError {
    TaurusError::param(format!("Bad URL: {e}."))
}

/// `POST /v3/{project_id}/instances/database-version/upgrade`.
pub async fn batch(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| Upgrade::batch(p, &call.json()?));
    call.answer(ex, op.map(Operation::Upgrade))
}

/// `POST /v3/{project_id}/instances/{instance_id}/db-upgrade`.
pub async fn single(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).and_then(|at| {
        let body = if call.body_is_blank() {
            None
        } else {
            Some(call.json()?)
        };
        Upgrade::single_call(at.project, at.id, body.as_ref())
    });
    call.answer(ex, op.map(Operation::Upgrade))
}

/// `POST /v3/{project_id}/instances/database-version/upgrade/pre-check`.
pub async fn precheck(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| Precheck::parse(p, &call.json()?));
    call.answer(ex, op.map(Operation::StartPrecheck))
}

/// `POST /v3/{project_id}/instances/database-version/upgrade/pre-check-result`.
pub async fn precheck_result(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| Precheck::parse(p, &call.json()?));
    call.answer(ex, op.map(Operation::PrecheckResult))
}

/// `GET /v3/{project_id}/instances/{instance_id}`.
pub async fn show(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).map(|at| Operation::ShowInstance { at, unified: false });
    call.answer(ex, op)
}

/// `GET /v3.1/{project_id}/instances/{instance_id}`.
pub async fn show_unified(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).map(|at| Operation::ShowInstance { at, unified: true });
    call.answer(ex, op)
}

/// `GET /v3/{project_id}/instances`.
pub async fn list(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| InstanceList::parse(p, &call.query(), false));
    call.answer(ex, op.map(Operation::ListInstances))
}

/// `GET /v3.1/{project_id}/instances`.
pub async fn list_unified(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| InstanceList::parse(p, &call.query(), true));
    call.answer(ex, op.map(Operation::ListInstances))
}

/// `GET /v3/{project_id}/instances/{instance_id}/database-version`.
pub async fn version(ex: Exchange, path: InstancePath, call: Call) -> Response {
    call.answer(ex, instance(path).map(Operation::DatabaseVersion))
}

/// `GET /v3/{project_id}/datastores/{database_name}`.
pub async fn datastores(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).and_then(|at| ops::parse_datastores(&at.id));
    call.answer(ex, op)
}

/// `GET /v3/{project_id}/jobs?id=`.
pub async fn job(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| ops::parse_show(p, &call.query()));
    call.answer(ex, op)
}

/// `GET /v3/{project_id}/immediate-jobs`.
pub async fn immediate(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| JobList::parse(JobListKind::Immediate, p, &call.query()));
    call.answer(ex, op.map(Operation::ListJobs))
}

/// `GET /v3/{project_id}/scheduled-jobs`.
pub async fn scheduled(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| JobList::parse(JobListKind::Scheduled, p, &call.query()));
    call.answer(ex, op.map(Operation::ListJobs))
}

/// `DELETE /v3/{project_id}/scheduled-jobs` with `{"job_ids": [...]}`.
pub async fn cancel(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| ops::parse_cancel(p, &call.json()?));
    call.answer(ex, op)
}

/// `GET /v3/{project_id}/instances/details?instance_ids=`.
pub async fn details(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| ops::parse_details(p, &call.query(), false));
    call.answer(ex, op)
}

/// `GET /v3.1/{project_id}/instances/details?instance_ids=`.
pub async fn details_unified(ex: Exchange, path: ProjectPath, call: Call) -> Response {
    let op = project(path).and_then(|p| ops::parse_details(p, &call.query(), true));
    call.answer(ex, op)
}

/// `GET /v3/{project_id}/instances/{instance_id}/task-center-detail?job_id=`.
pub async fn task_detail(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).and_then(|at| ops::parse_task_detail(at, &call.query()));
    call.answer(ex, op)
}

/// `PUT /v3/{project_id}/instances/{instance_id}/ops-window`.
pub async fn ops_window(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).and_then(|at| ops::parse_ops_window(at, &call.json()?));
    call.answer(ex, op)
}

/// `POST /v3/{project_id}/instances/{instance_id}/schedule-tasks/exist`.
pub async fn schedule_exists(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).and_then(|at| ops::parse_exist(at, &call.json()?));
    call.answer(ex, op)
}

/// `DELETE /v3/{project_id}/instance/{instance_id}/scheduled-jobs` with `{"job_id"}`.
pub async fn delete_scheduled(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = instance(path).and_then(|at| ops::parse_delete_scheduled(at, &call.json()?));
    call.answer(ex, op)
}

/// `DELETE /v3/{project_id}/jobs/{job_id}`.
pub async fn delete_record(ex: Exchange, path: InstancePath, call: Call) -> Response {
    let op = path
        .map_err(bad_url)
        .and_then(|Path((p, id))| Ok(ops::parse_delete_record(project(Ok(Path(p)))?, id)));
    call.answer(ex, op)
}

/// IAM's `GET /v3/projects?name=<region>` (KeystoneListProjects), which the SDK calls for
/// `BasicCredentials(ak, sk)` without a project id; point `with_iam_endpoint` here.
pub async fn iam_projects(ex: Exchange, call: Call) -> Response {
    let name = call.query().get("name").map(str::to_string);
    call.answer(ex, Ok(Operation::IamProjects { name, ak: None }))
}

/// A known path with a method it does not take: the gateway's APIGW.0101.
pub async fn method_not_allowed(ex: Exchange, method: Method, uri: Uri) -> Response {
    let message = format!("no API {method} {}", uri.path());
    ex.run(|_| super::error_response(StatusCode::NOT_FOUND, &message))
}
