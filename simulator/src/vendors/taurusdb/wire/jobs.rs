//! The job models: GetJobInfoDetail (`GET /jobs?id=`), TaskDetailInfo (immediate-jobs),
//! ScheduleTask (scheduled-jobs), ShowTaskDetailsResponse with its SubTaskInfo
//! (`task-center-detail`), ScheduledTaskV3 (`schedule-tasks/exist`), and the small answers
//! of the upgrade, pre-check, cancel and delete calls.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

use super::super::fleet::{Instance, Job, Model, SCHEDULED_JOB_NAME, UPGRADE_JOB_NAME};
use super::super::state::{InstanceStatus, JobStatus};
use super::{Stamp, Text};
use crate::kernel::{Core, Millis};

/// A running job's progress, `"42%"`, or `""` when it is not running.
#[derive(Debug, Clone, Copy)]
pub struct Progress(Option<u8>);

impl Progress {
    fn of(core: &Core, job: &Job) -> Text<Self> {
        Text(Self(job.progress(core.now())))
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, "{p}%"),
            None => Ok(()),
        }
    }
}

/// GetJobInstanceInfoDetail.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetJobInstanceInfoDetail<'a> {
    id: &'a str,
    name: &'a str,
}

/// GetJobEntitiesInfoDetail: the SDK's model has no fields, so none are sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetJobEntitiesInfoDetail {}

/// GetJobInfoDetail.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetJobInfoDetail<'a> {
    id: &'a str,
    name: &'static str,
    status: &'static str,
    created: Stamp,
    ended: Stamp,
    process: Text<Progress>,
    instance: GetJobInstanceInfoDetail<'a>,
    entities: GetJobEntitiesInfoDetail,
    fail_reason: &'a str,
}

/// ShowGaussMySqlJobInfoResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowGaussMySqlJobInfoResponse<'a> {
    job: GetJobInfoDetail<'a>,
}

impl<'a> ShowGaussMySqlJobInfoResponse<'a> {
    pub fn new(core: &Core, model: &'a Model, job: &'a Job) -> Self {
        let name = model
            .instances
            .get(&job.instance_id)
            .map_or("", |i| i.name.as_str());
        Self {
            job: GetJobInfoDetail {
                id: &job.id,
                name: UPGRADE_JOB_NAME,
                status: job.status.as_str(),
                created: Stamp::at(core, job.created_ms),
                ended: Stamp::maybe(core, job.ended_ms),
                process: Progress::of(core, job),
                instance: GetJobInstanceInfoDetail {
                    id: &job.instance_id,
                    name,
                },
                entities: GetJobEntitiesInfoDetail {},
                fail_reason: job.fail_reason.as_deref().unwrap_or_default(),
            },
        }
    }
}

/// The name and unified status of a job's instance (`deleted` once it is gone).
fn instance_of<'a>(model: &'a Model, job: &Job) -> (&'a str, &'static str) {
    model
        .instances
        .get(&job.instance_id)
        .map_or(("", "deleted"), |i| (i.name.as_str(), i.status.unified()))
}

/// TaskDetailInfo (an immediate-jobs entry).
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskDetailInfo<'a> {
    instance_id: &'a str,
    instance_name: &'a str,
    instance_status: &'static str,
    job_id: &'a str,
    order_id: &'static str,
    job_name: &'static str,
    status: &'static str,
    process: Text<Progress>,
    created_time: Stamp,
    ended_time: Stamp,
    fail_reason: &'a str,
    show_detail: bool,
    extend_fields: Option<std::collections::BTreeMap<String, String>>,
}

impl<'a> TaskDetailInfo<'a> {
    pub fn new(core: &Core, model: &'a Model, job: &'a Job) -> Self {
        let (instance_name, instance_status) = instance_of(model, job);
        Self {
            instance_id: &job.instance_id,
            instance_name,
            instance_status,
            job_id: &job.id,
            order_id: "",
            job_name: UPGRADE_JOB_NAME,
            status: job.status.as_str(),
            process: Progress::of(core, job),
            created_time: Stamp::at(core, job.created_ms),
            ended_time: Stamp::maybe(core, job.ended_ms),
            fail_reason: job.fail_reason.as_deref().unwrap_or_default(),
            show_detail: false,
            extend_fields: None,
        }
    }
}

/// ListImmediateJobsResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListImmediateJobsResponse<'a> {
    pub jobs: Vec<TaskDetailInfo<'a>>,
    pub total_count: usize,
    pub action_names: [&'static str; 1],
}

/// ScheduleTask's `target_config`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TargetConfig<'a> {
    target_version: &'a str,
}

/// ScheduleTask (a scheduled-jobs entry).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScheduleTask<'a> {
    job_id: &'a str,
    instance_id: &'a str,
    instance_name: &'a str,
    instance_status: &'static str,
    project_id: &'a str,
    job_name: &'static str,
    create_time: Stamp,
    start_time: Stamp,
    end_time: Stamp,
    job_status: &'static str,
    datastore_type: &'static str,
    target_config: TargetConfig<'a>,
    proxy_id: &'static str,
    proxy_name: &'static str,
}

impl<'a> ScheduleTask<'a> {
    pub fn new(core: &Core, model: &'a Model, job: &'a Job) -> Self {
        let (instance_name, instance_status) = instance_of(model, job);
        Self {
            job_id: &job.id,
            instance_id: &job.instance_id,
            instance_name,
            instance_status,
            project_id: &job.project_id,
            job_name: SCHEDULED_JOB_NAME,
            create_time: Stamp::at(core, job.created_ms),
            start_time: Stamp::at(core, job.run_at),
            end_time: Stamp::maybe(core, job.ended_ms),
            job_status: job.status.as_str(),
            datastore_type: "gaussdb-mysql",
            target_config: TargetConfig {
                target_version: &job.target_version,
            },
            proxy_id: "",
            proxy_name: "",
        }
    }
}

/// ListScheduleJobsResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListScheduleJobsResponse<'a> {
    pub schedules: Vec<ScheduleTask<'a>>,
    pub total_count: usize,
}

/// SubTaskInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SubTaskInfo {
    sub_task_name: String,
    /// Percent done, as digits.
    percent: Text<u64>,
    status: &'static str,
    /// Seconds left, as digits.
    remaining_time: Text<u64>,
}

/// ShowTaskDetailsResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowTaskDetailsResponse<'a> {
    instance_id: &'a str,
    instance_name: &'a str,
    job_id: &'a str,
    job_name: &'static str,
    status: &'static str,
    sub_task_list: Vec<SubTaskInfo>,
}

/// How far a job got, in percent: its progress while Running, 100 once Completed, where it
/// stopped if it Failed, 0 before it ran.
fn reached(core: &Core, job: &Job) -> u64 {
    match job.status {
        JobStatus::Completed => 100,
        JobStatus::Running => job.progress(core.now()).map_or(0, u64::from),
        JobStatus::Failed => job.ended_ms.map_or(0, |e| {
            (e.saturating_sub(job.run_at).saturating_mul(100) / job.duration.max(1)).min(99)
        }),
        JobStatus::Pending | JobStatus::Canceled => 0,
    }
}

impl<'a> ShowTaskDetailsResponse<'a> {
    /// The job, with one SubTaskInfo per node (the read replicas first, the primary last),
    /// each taking an equal share of the job's time.
    pub fn new(core: &Core, inst: &'a Instance, job: &'a Job) -> Self {
        let nodes = u64::from(inst.nodes.max(1));
        let done = reached(core, job) * nodes; // in hundredths of a node
        let share_ms = job.duration / nodes;
        let sub_task_list = (0..nodes)
            .map(|n| {
                let pct = done.saturating_sub(n * 100).min(100);
                let current = n == done / 100;
                let status = match job.status {
                    _ if pct == 100 => "Completed",
                    JobStatus::Running if current => "Running",
                    JobStatus::Failed if current => "Failed",
                    _ => "Pending",
                };
                let sub_task_name = if n + 1 == nodes {
                    format!("Upgrade primary node {}_node01", inst.name)
                } else {
                    format!("Upgrade read replica {}_node0{}", inst.name, nodes - n)
                };
                SubTaskInfo {
                    sub_task_name,
                    percent: Text(pct),
                    status,
                    remaining_time: Text(share_ms * (100 - pct) / 100 / 1000),
                }
            })
            .collect();
        Self {
            instance_id: &inst.id,
            instance_name: &inst.name,
            job_id: &job.id,
            job_name: UPGRADE_JOB_NAME,
            status: job.status.as_str(),
            sub_task_list,
        }
    }
}

/// ScheduledTaskV3: times in epoch milliseconds; the task ends when the maintenance window
/// it starts in closes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScheduledTaskV3<'a> {
    create_time: i64,
    datastore_type: &'static str,
    end_time: i64,
    instance_id: &'a str,
    instance_name: &'a str,
    instance_status: &'static str,
    project_id: &'a str,
    proxy_id: &'static str,
    proxy_name: &'static str,
    start_time: i64,
    target_config: TargetConfig<'a>,
    task_id: &'a str,
    task_name: &'static str,
    task_order: u32,
    task_status: &'static str,
}

impl<'a> ScheduledTaskV3<'a> {
    pub fn new(core: &Core, inst: &'a Instance, job: &'a Job) -> Self {
        let ms = |at: Millis| core.clock.datetime_at(at).timestamp_millis();
        let (start, end) = inst.window;
        let window_ms = u64::from((end + 24 * 60 - start) % (24 * 60)) * 60_000;
        Self {
            create_time: ms(job.created_ms),
            datastore_type: "gaussdb-mysql",
            end_time: ms(job.run_at + window_ms),
            instance_id: &inst.id,
            instance_name: &inst.name,
            instance_status: match inst.status {
                InstanceStatus::Active => "NORMAL",
                InstanceStatus::Upgrading => "MODIFYING",
                InstanceStatus::Failed => "FAILED",
                InstanceStatus::Frozen => "FROZEN",
            },
            project_id: &job.project_id,
            proxy_id: "",
            proxy_name: "",
            start_time: ms(job.run_at),
            target_config: TargetConfig {
                target_version: &job.target_version,
            },
            task_id: &job.id,
            task_name: SCHEDULED_JOB_NAME,
            task_order: 1,
            task_status: match job.status {
                JobStatus::Pending => "WAITING",
                JobStatus::Running => "RUNNING",
                JobStatus::Completed => "SUCCESS",
                JobStatus::Failed => "FAIL",
                JobStatus::Canceled => "CANCELED",
            },
        }
    }
}

/// CheckScheduleTaskExistResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckScheduleTaskExistResponse<'a> {
    pub exist: bool,
    pub scheduled_tasks: Vec<ScheduledTaskV3<'a>>,
}

/// BatchUpgradeDatabasesResponse: `{"resp": "success"}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BatchUpgradeDatabasesResponse {
    pub resp: &'static str,
}

/// UpgradeGaussMySqlInstanceDatabaseResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpgradeGaussMySqlInstanceDatabaseResponse<'a> {
    pub job_id: &'a str,
}

/// CheckKernelUpgradeResponse (pre-check started) and CancelScheduleTaskResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JobIdsResponse<'a> {
    pub job_ids: &'a [String],
}

/// DeleteScheduleTasKResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteScheduleTasKResponse {
    pub result: bool,
}

/// UpgradeDatabasePrecheckResult.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpgradeDatabasePrecheckResult {
    pub check_item: &'static str,
    pub check_description: String,
    pub check_object: String,
    /// passed or failed.
    pub check_status: &'static str,
}

/// ShowKernelUpgradeCheckResultResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowKernelUpgradeCheckResultResponse {
    /// "true" or "false".
    pub upgrade_precheck_result: &'static str,
    /// Epoch milliseconds.
    pub updated_at: i64,
    pub upgrade_precheck_detail: Vec<UpgradeDatabasePrecheckResult>,
}
