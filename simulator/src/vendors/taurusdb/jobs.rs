//! Following an upgrade: `GET /v3/{project_id}/jobs?id=` (one job), the immediate-jobs and
//! scheduled-jobs lists, and `DELETE /v3/{project_id}/scheduled-jobs` (cancel Pending
//! scheduled jobs). Lists are newest first; `offset` is a page number starting at 1 (the
//! SDK documents its default as 1) and `limit` the page size (default 10, at most 100).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::DateTime;
use serde_json::{json, Value};

use super::auth::Call;
use super::error::TaurusError;
use super::model::{Job, JobKind, SCHEDULED_JOB_NAME, UPGRADE_JOB_NAME};
use super::state::JobStatus;
use super::{project_param, query_pairs, wire};
use crate::kernel::Core;
use crate::Sim;

fn get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn number(
    q: &[(String, String)],
    key: &str,
    default: usize,
    max: usize,
) -> Result<usize, TaurusError> {
    match get(q, key) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| TaurusError::param(format!("{key} must be a number from 0 to {max}."))),
    }
}

/// Filters shared by both lists.
struct Filter {
    status: Option<JobStatus>,
    job_id: Option<String>,
    name_ok: bool,
    since_ms: Option<i64>,
    until_ms: Option<i64>,
    page: usize,
    limit: usize,
}

fn parse_time(key: &str, v: &str) -> Result<i64, TaurusError> {
    DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%z")
        .map(|d| d.timestamp_millis())
        .map_err(|_| {
            TaurusError::param(format!(
                "{key} must look like 2026-01-01T00:00:00+0000, not {v}."
            ))
        })
}

fn filter(q: &[(String, String)], job_name: &str) -> Result<Filter, TaurusError> {
    let status = match get(q, "status") {
        None => None,
        Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
            TaurusError::param(format!(
                "status must be Pending, Running, Completed or Failed, not {s}."
            ))
        })?),
    };
    let limit = number(q, "limit", 10, 100)?.max(1);
    let page = number(q, "offset", 1, usize::MAX)?.max(1);
    Ok(Filter {
        status,
        job_id: get(q, "job_id").map(str::to_string),
        name_ok: get(q, "job_name").is_none_or(|n| n == job_name),
        since_ms: get(q, "start_time")
            .map(|v| parse_time("start_time", v))
            .transpose()?,
        until_ms: get(q, "end_time")
            .map(|v| parse_time("end_time", v))
            .transpose()?,
        page,
        limit,
    })
}

impl Filter {
    fn keeps(&self, core: &Core, job: &Job) -> bool {
        let created = core.clock.datetime_at(job.created_ms).timestamp_millis();
        self.name_ok
            && self.status.is_none_or(|s| s == job.status)
            && self.job_id.as_deref().is_none_or(|id| id == job.id)
            && self.since_ms.is_none_or(|s| created >= s)
            && self.until_ms.is_none_or(|u| created <= u)
    }

    fn page<'a>(&self, jobs: Vec<&'a Job>) -> (usize, Vec<&'a Job>) {
        let total = jobs.len();
        let skip = (self.page - 1).saturating_mul(self.limit);
        (
            total,
            jobs.into_iter().skip(skip).take(self.limit).collect(),
        )
    }
}

fn show_job(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let q = query_pairs(call);
    let id = get(&q, "id")
        .ok_or_else(|| TaurusError::param("The query parameter id (the job ID) is required."))?;
    let w = sim.lock();
    let model = w.vendor::<super::Model>();
    let job = model
        .job(id)
        .filter(|j| j.project_id == project)
        .ok_or_else(|| TaurusError::param(format!("Job {id} does not exist.")))?;
    Ok(json!({"job": wire::job_detail(&w.core, model, job)}))
}

/// `GET /v3/{project_id}/jobs?id=`.
pub async fn show(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(show_job(&sim, path.map(|Path(p)| p), &call))
}

fn immediate_jobs(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let f = filter(&query_pairs(call), UPGRADE_JOB_NAME)?;
    let w = sim.lock();
    let model = w.vendor::<super::Model>();
    // A scheduled job shows here once its window opened and it ran.
    let jobs: Vec<&Job> = model
        .jobs
        .iter()
        .rev()
        .filter(|j| j.project_id == project)
        .filter(|j| {
            j.kind == JobKind::Immediate
                || !matches!(j.status, JobStatus::Pending | JobStatus::Canceled)
        })
        .filter(|j| f.keeps(&w.core, j))
        .collect();
    let (total, page) = f.page(jobs);
    let rendered: Vec<Value> = page
        .iter()
        .map(|j| wire::task_detail(&w.core, model, j))
        .collect();
    Ok(json!({
        "jobs": rendered,
        "total_count": total,
        "action_names": [UPGRADE_JOB_NAME],
    }))
}

/// `GET /v3/{project_id}/immediate-jobs`.
pub async fn immediate(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(immediate_jobs(&sim, path.map(|Path(p)| p), &call))
}

fn scheduled_jobs(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let q = query_pairs(call);
    let f = filter(&q, SCHEDULED_JOB_NAME)?;
    let instance = get(&q, "instance_id");
    let w = sim.lock();
    let model = w.vendor::<super::Model>();
    let jobs: Vec<&Job> = model
        .jobs
        .iter()
        .rev()
        .filter(|j| j.project_id == project && j.kind == JobKind::Scheduled)
        .filter(|j| instance.is_none_or(|i| i == j.instance_id))
        .filter(|j| f.keeps(&w.core, j))
        .collect();
    let (total, page) = f.page(jobs);
    let rendered: Vec<Value> = page
        .iter()
        .map(|j| wire::schedule_task(&w.core, model, j))
        .collect();
    Ok(json!({"schedules": rendered, "total_count": total}))
}

/// `GET /v3/{project_id}/scheduled-jobs`.
pub async fn scheduled(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(scheduled_jobs(&sim, path.map(|Path(p)| p), &call))
}

fn cancel_jobs(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let body = call.json()?;
    let ids: Vec<String> = match body.get("job_ids") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| TaurusError::param("job_ids must be a list of job ID strings."))?,
        _ => {
            return Err(TaurusError::param(
                "job_ids is required: a non-empty list of scheduled job IDs.",
            ))
        }
    };
    super::with_model(sim, |core, model| {
        model.cancel_scheduled(core, &project, &ids)
    })?;
    Ok(json!({"job_ids": ids}))
}

/// `DELETE /v3/{project_id}/scheduled-jobs` with `{"job_ids": [...]}`.
pub async fn cancel(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(cancel_jobs(&sim, path.map(|Path(p)| p), &call))
}
