//! Following an upgrade: `GET /v3/{project_id}/jobs?id=` (one job), the immediate-jobs and
//! scheduled-jobs lists, and `DELETE /v3/{project_id}/scheduled-jobs` (cancel Pending
//! scheduled jobs; the domain's `cancel_scheduled`). Lists are newest first; `offset` is a page
//! number starting at 1 (the SDK documents its default as 1) and `limit` the page size
//! (default 10; the immediate-jobs list takes 10, 20 or 50, as ListImmediateJobsRequest
//! documents; the scheduled-jobs list at most 100).

use chrono::DateTime;
use serde_json::Value;

use super::super::error::TaurusError;
use super::super::fleet::{Job, JobKind, Model, SCHEDULED_JOB_NAME, UPGRADE_JOB_NAME};
use super::super::state::JobStatus;
use super::super::wire::{
    self, Json, ListImmediateJobsResponse, ListScheduleJobsResponse, ScheduleTask,
    ShowGaussMySqlJobInfoResponse, TaskDetailInfo,
};
use super::{Operation, Query};
use crate::kernel::Core;

/// `GET /jobs?id=`: the id is required.
pub fn parse_show(project: String, q: &Query) -> Result<Operation, TaurusError> {
    let id = q
        .get("id")
        .ok_or_else(|| TaurusError::param("The query parameter id (the job ID) is required."))?;
    Ok(Operation::ShowJob {
        project,
        id: id.to_string(),
    })
}

pub fn show(core: &Core, model: &Model, project: &str, id: &str) -> Result<Json, TaurusError> {
    let job = model
        .job(id)
        .filter(|j| j.project_id == project)
        .ok_or_else(|| TaurusError::param(format!("Job {id} does not exist.")))?;
    Ok(wire::render(&ShowGaussMySqlJobInfoResponse::new(
        core, model, job,
    )))
}

/// `DELETE /scheduled-jobs`: `job_ids`, a non-empty list of strings.
pub fn parse_cancel(project: String, body: &Value) -> Result<Operation, TaurusError> {
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
    Ok(Operation::CancelScheduled { project, ids })
}

/// The page sizes the immediate-jobs list takes.
const IMMEDIATE_LIMITS: [usize; 3] = [10, 20, 50];

/// Which job list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobListKind {
    Immediate,
    Scheduled,
}

/// A job list with its filters.
#[derive(Debug, Clone)]
pub struct JobList {
    kind: JobListKind,
    project: String,
    status: Option<JobStatus>,
    job_id: Option<String>,
    name_ok: bool,
    since_ms: Option<i64>,
    until_ms: Option<i64>,
    /// The scheduled list's `instance_id`.
    instance: Option<String>,
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

impl JobList {
    pub fn parse(kind: JobListKind, project: String, q: &Query) -> Result<Self, TaurusError> {
        let job_name = match kind {
            JobListKind::Immediate => UPGRADE_JOB_NAME,
            JobListKind::Scheduled => SCHEDULED_JOB_NAME,
        };
        let status = match q.get("status") {
            None => None,
            Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
                TaurusError::param(format!(
                    "status must be Pending, Running, Completed or Failed, not {s}."
                ))
            })?),
        };
        let limit = match kind {
            // ListImmediateJobsRequest: "默认为10，取值为10、20、50" (10 by default; 10, 20 or 50).
            JobListKind::Immediate => match q.get("limit") {
                None => 10,
                Some(v) => IMMEDIATE_LIMITS
                    .iter()
                    .copied()
                    .find(|n| n.to_string() == v)
                    .ok_or_else(|| {
                        TaurusError::param(format!("limit must be 10, 20 or 50, not {v}."))
                    })?,
            },
            JobListKind::Scheduled => q.number("limit", 10, 100)?.max(1),
        };
        let page = q.number("offset", 1, usize::MAX)?.max(1);
        let time = |key| q.get(key).map(|v| parse_time(key, v)).transpose();
        Ok(Self {
            kind,
            project,
            status,
            job_id: q.get("job_id").map(str::to_string),
            name_ok: q.get("job_name").is_none_or(|n| n == job_name),
            since_ms: time("start_time")?,
            until_ms: time("end_time")?,
            instance: match kind {
                JobListKind::Immediate => None,
                JobListKind::Scheduled => q.get("instance_id").map(str::to_string),
            },
            page,
            limit,
        })
    }

    fn keeps(&self, core: &Core, job: &Job) -> bool {
        let created = core.clock.datetime_at(job.created_ms).timestamp_millis();
        let listed = match self.kind {
            // A scheduled job shows here once its window opened and it ran.
            JobListKind::Immediate => {
                job.kind == JobKind::Immediate
                    || !matches!(job.status, JobStatus::Pending | JobStatus::Canceled)
            }
            JobListKind::Scheduled => {
                job.kind == JobKind::Scheduled
                    && self
                        .instance
                        .as_deref()
                        .is_none_or(|i| i == job.instance_id)
            }
        };
        job.project_id == self.project
            && !job.deleted
            && listed
            && self.name_ok
            && self.status.is_none_or(|s| s == job.status)
            && self.job_id.as_deref().is_none_or(|id| id == job.id)
            && self.since_ms.is_none_or(|s| created >= s)
            && self.until_ms.is_none_or(|u| created <= u)
    }

    pub fn apply(self, core: &Core, model: &Model) -> Json {
        let jobs: Vec<&Job> = model
            .jobs
            .iter()
            .rev()
            .filter(|j| self.keeps(core, j))
            .collect();
        let total = jobs.len();
        let skip = (self.page - 1).saturating_mul(self.limit);
        let page = jobs.into_iter().skip(skip).take(self.limit);
        match self.kind {
            JobListKind::Immediate => wire::render(&ListImmediateJobsResponse {
                jobs: page.map(|j| TaskDetailInfo::new(core, model, j)).collect(),
                total_count: total,
                action_names: [UPGRADE_JOB_NAME],
            }),
            JobListKind::Scheduled => wire::render(&ListScheduleJobsResponse {
                schedules: page.map(|j| ScheduleTask::new(core, model, j)).collect(),
                total_count: total,
            }),
        }
    }
}
