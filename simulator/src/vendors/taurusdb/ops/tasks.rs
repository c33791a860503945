//! The task center and the maintenance window: one instance's task with its sub-tasks
//! (`task-center-detail`), whether an instance has a scheduled task (`schedule-tasks/exist`),
//! cancelling it by instance (`DELETE /instance/{id}/scheduled-jobs`), deleting an ended job's
//! record (`DELETE /jobs/{job_id}`), moving the maintenance window (`PUT .../ops-window`,
//! which also moves when a delayed upgrade starts) and several instances' details at once
//! (`GET /instances/details?instance_ids=`).

use serde_json::Value;

use super::super::error::TaurusError;
use super::super::fleet::{JobKind, Model, SCHEDULED_JOB_NAME, UPGRADE_JOB_NAME};
use super::super::state::JobStatus;
use super::super::wire::{
    self, CheckScheduleTaskExistResponse, DeleteScheduleTasKResponse, Json,
    ListGaussMySqlInstanceDetailInfoResponse, MysqlInstanceInfoDetail, ScheduledTaskV3,
    ShowTaskDetailsResponse,
};
use super::instances::InstanceRef;
use super::{Operation, Query};
use crate::kernel::Core;

/// The most instance ids `instances/details` takes at once.
pub const MAX_DETAIL_IDS: usize = 20;

/// The schedule types `schedule-tasks/exist` knows (the SDK model's list).
const SCHEDULE_TYPES: &[&str] = &[
    "PROXY_VERSION_UPGRADE",
    SCHEDULED_JOB_NAME,
    "RESIZE_FLAVOR",
    "REBOOT_NODE",
    "REBOOT_INSTANCE",
];

/// `GET /instances/details?instance_ids=a,b`: 1 to 20 ids, comma-separated.
pub fn parse_details(project: String, q: &Query, unified: bool) -> Result<Operation, TaurusError> {
    let raw = q.get("instance_ids").ok_or_else(|| {
        TaurusError::param("The query parameter instance_ids (comma-separated IDs) is required.")
    })?;
    let ids: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() || ids.len() > MAX_DETAIL_IDS {
        return Err(TaurusError::param(format!(
            "instance_ids must list 1 to {MAX_DETAIL_IDS} instance IDs, not {}.",
            ids.len()
        )));
    }
    Ok(Operation::InstanceDetails {
        project,
        ids,
        unified,
    })
}

/// The instances of `ids` the project has, in the order asked; the others are left out.
pub fn details(core: &Core, model: &Model, project: &str, ids: &[String], unified: bool) -> Json {
    let instances = ids
        .iter()
        .filter_map(|id| model.instance_in(project, id).ok())
        .map(|i| MysqlInstanceInfoDetail::new(core, i, unified))
        .collect();
    wire::render(&ListGaussMySqlInstanceDetailInfoResponse { instances })
}

/// `GET .../task-center-detail?job_id=&job_name=`: the job, or without `job_id` the
/// instance's newest job (of `job_name`, when given).
pub fn parse_task_detail(at: InstanceRef, q: &Query) -> Result<Operation, TaurusError> {
    Ok(Operation::TaskDetail {
        at,
        job_id: q.get("job_id").map(str::to_string),
        job_name: q.get("job_name").map(str::to_string),
    })
}

pub fn task_detail(
    core: &Core,
    model: &Model,
    at: &InstanceRef,
    job_id: Option<&str>,
    job_name: Option<&str>,
) -> Result<Json, TaurusError> {
    let inst = model.instance_in(&at.project, &at.id)?;
    if let Some(name) = job_name.filter(|n| *n != UPGRADE_JOB_NAME) {
        return Err(TaurusError::param(format!(
            "Instance {} has no {name} task.",
            inst.id
        )));
    }
    let job = match job_id {
        Some(id) => model.job(id).filter(|j| j.instance_id == inst.id),
        None => model
            .jobs
            .iter()
            .rev()
            .find(|j| j.instance_id == inst.id && !j.deleted),
    }
    .ok_or_else(|| {
        TaurusError::param(match job_id {
            Some(id) => format!("Job {id} of instance {} does not exist.", inst.id),
            None => format!("Instance {} has no task.", inst.id),
        })
    })?;
    Ok(wire::render(&ShowTaskDetailsResponse::new(core, inst, job)))
}

/// `POST .../schedule-tasks/exist` with `{"schedule_type": ...}`.
pub fn parse_exist(at: InstanceRef, body: &Value) -> Result<Operation, TaurusError> {
    let kind = body
        .get("schedule_type")
        .and_then(Value::as_str)
        .filter(|t| SCHEDULE_TYPES.contains(t))
        .ok_or_else(|| {
            TaurusError::param(format!(
                "schedule_type is required: one of {}.",
                SCHEDULE_TYPES.join(", ")
            ))
        })?;
    Ok(Operation::ScheduleExists {
        at,
        kind: kind.to_string(),
    })
}

/// The instance's scheduled tasks of `kind` that are waiting or running.
pub fn exists(
    core: &Core,
    model: &Model,
    at: &InstanceRef,
    kind: &str,
) -> Result<Json, TaurusError> {
    let inst = model.instance_in(&at.project, &at.id)?;
    let tasks: Vec<ScheduledTaskV3> = model
        .jobs
        .iter()
        .filter(|j| {
            kind == SCHEDULED_JOB_NAME
                && j.instance_id == inst.id
                && j.kind == JobKind::Scheduled
                && !j.deleted
                && matches!(j.status, JobStatus::Pending | JobStatus::Running)
        })
        .map(|j| ScheduledTaskV3::new(core, inst, j))
        .collect();
    Ok(wire::render(&CheckScheduleTaskExistResponse {
        exist: !tasks.is_empty(),
        scheduled_tasks: tasks,
    }))
}

/// `DELETE /instance/{id}/scheduled-jobs` with `{"job_id": ...}`.
pub fn parse_delete_scheduled(at: InstanceRef, body: &Value) -> Result<Operation, TaurusError> {
    let job_id = body
        .get("job_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| TaurusError::param("job_id is required: the scheduled job's ID."))?;
    Ok(Operation::DeleteScheduled {
        at,
        job_id: job_id.to_string(),
    })
}

/// Cancels one Pending scheduled job of the instance.
pub fn delete_scheduled(
    core: &mut Core,
    model: &mut Model,
    at: &InstanceRef,
    job_id: &str,
) -> Result<Json, TaurusError> {
    let inst = model.instance_in(&at.project, &at.id)?;
    if model.job(job_id).is_none_or(|j| j.instance_id != inst.id) {
        return Err(TaurusError::param(format!(
            "Instance {} has no scheduled job {job_id}.",
            inst.id
        )));
    }
    model.cancel_scheduled(core, &at.project, &[job_id.to_string()])?;
    Ok(wire::render(&DeleteScheduleTasKResponse { result: true }))
}

/// `PUT .../ops-window` with `{"start_time": "HH:MM", "end_time": "HH:MM"}` in UTC: whole
/// hours, four hours apart (the SDK model's rule for TaurusDB).
pub fn parse_ops_window(at: InstanceRef, body: &Value) -> Result<Operation, TaurusError> {
    let hour = |key: &str| -> Result<u32, TaurusError> {
        let v = body.get(key).and_then(Value::as_str).ok_or_else(|| {
            TaurusError::param(format!("{key} is required: a UTC time such as 22:00."))
        })?;
        let whole = v
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m)))
            .filter(|(h, m)| *h < 24 && *m == "00");
        whole.map(|(h, _)| h * 60).ok_or_else(|| {
            TaurusError::param(format!(
                "{key} must be a whole UTC hour such as 22:00, not {v}."
            ))
        })
    };
    let (start, end) = (hour("start_time")?, hour("end_time")?);
    if (end + 24 * 60 - start) % (24 * 60) != 4 * 60 {
        return Err(TaurusError::param(
            "end_time must be four hours after start_time.",
        ));
    }
    Ok(Operation::SetOpsWindow {
        at,
        window: (start, end),
    })
}

/// `DELETE /jobs/{job_id}`.
pub fn parse_delete_record(project: String, job_id: String) -> Operation {
    Operation::DeleteJobRecord { project, job_id }
}
