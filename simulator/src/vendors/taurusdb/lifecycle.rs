//! An upgrade's life on virtual time: the rules a request is checked against, the job it
//! creates (Pending for `durations.queue`, or until the instance's maintenance window opens
//! for a delayed upgrade), then Running (the instance shows UPGRADING) for `durations.upgrade`
//! plus `durations.per_node` per read replica, then Completed (the instance is ACTIVE again,
//! on the target version) or Failed (ACTIVE, on its old version). Progress is computed from
//! virtual time when read; only state changes have timers. Every move asks the state tables.

use chrono::{Duration, TimeZone, Timelike, Utc};
use indexmap::IndexMap;
use rand::Rng;
use serde_json::{json, Value};

use super::config::FaultKind;
use super::error::{Code, TaurusError};
use super::fleet::{Instance, Job, JobKind, Model, DEFAULT_FAIL_REASON, VENDOR};
use super::state::{InstanceOp, InstanceStatus, JobOp, JobStatus};
use crate::kernel::{self, Core, Millis, Resource, StateTable};

/// What a job's timer does when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wake {
    Start,
    Finish,
    Fail,
}

/// Compares kernel versions numerically, part by part ("2.0.48.231200" < "2.0.57.240900").
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

impl Model {
    /// Whether `inst` may be upgraded now with `current_version` (None: not given). The
    /// instance table says whether its status lets an upgrade start: UPGRADING is busy, any
    /// other status it refuses is abnormal.
    pub fn check_upgradable(
        &self,
        inst: &Instance,
        current_version: Option<&str>,
    ) -> Result<(), TaurusError> {
        if inst.job.is_some() || inst.status == InstanceStatus::Upgrading {
            return Err(TaurusError::with(
                Code::InstanceBusy,
                format!(
                    "Instance {} already has an upgrade in progress or scheduled.",
                    inst.id
                ),
            ));
        }
        if !inst.status.permits(InstanceOp::StartUpgrade) {
            return Err(TaurusError::with(
                Code::InstanceAbnormal,
                format!("Instance {} is {}, not ACTIVE.", inst.id, inst.status),
            ));
        }
        if let Some(cv) = current_version {
            if cv != inst.version {
                return Err(TaurusError::param(format!(
                    "current_version {cv} of instance {} does not match its kernel version {}.",
                    inst.id, inst.version
                )));
            }
        }
        if version_cmp(&inst.version, &self.latest) != std::cmp::Ordering::Less {
            return Err(TaurusError::with(
                Code::AlreadyLatest,
                format!("Instance {} runs {}.", inst.id, inst.version),
            ));
        }
        Ok(())
    }

    /// Upgrades a batch: every instance is checked first and the first one that cannot be
    /// upgraded fails the whole call, so either all get a job or none does.
    pub fn upgrade(
        &mut self,
        core: &mut Core,
        project: &str,
        batch: &[(String, Option<String>)],
        delay: bool,
    ) -> Result<Vec<String>, TaurusError> {
        for (id, current) in batch {
            let inst = self.instance_in(project, id)?;
            self.check_upgradable(inst, current.as_deref())?;
        }
        let mut ids = Vec::with_capacity(batch.len());
        for (id, _) in batch {
            ids.push(self.create_job(core, id, delay));
        }
        Ok(ids)
    }

    fn create_job(&mut self, core: &mut Core, instance_id: &str, delay: bool) -> String {
        let now = core.now();
        let durations = self.durations;
        let latest = self.latest.clone();
        let idx = self.jobs.len();
        let Some(inst) = self.instances.get_mut(instance_id) else {
            return String::new();
        };
        inst.jobs_made += 1;
        let mut rng = core.rng(&format!("taurusdb/job/{}/{}", inst.id, inst.jobs_made));
        let id = uuid::Builder::from_random_bytes(rng.random())
            .into_uuid()
            .to_string();
        let mut duration = durations.upgrade + durations.per_node * u64::from(inst.nodes - 1);
        if durations.jitter_percent > 0 {
            let j = i64::from(durations.jitter_percent);
            let pct = rng.random_range(-j..=j);
            duration = (duration as i64 + duration as i64 * pct / 100).max(1) as Millis;
        }
        let (kind, run_at) = if delay {
            (
                JobKind::Scheduled,
                next_window_start(core, now, inst.window),
            )
        } else {
            (JobKind::Immediate, now + durations.queue)
        };
        inst.job = Some(idx);
        let job = Job {
            id: id.clone(),
            instance_id: inst.id.clone(),
            project_id: inst.project_id.clone(),
            kind,
            status: JobStatus::Pending,
            created_ms: now,
            run_at,
            duration,
            ended_ms: None,
            from_version: inst.version.clone(),
            target_version: latest,
            fail_reason: None,
            stuck_at: None,
            deleted: false,
        };
        core.record(
            kernel::EntryKind::Transition,
            VENDOR,
            &job.resource(),
            None,
            Some(JobStatus::Pending.to_string()),
            json!({
                "instance": job.instance_id,
                "kind": if delay { "scheduled" } else { "immediate" },
                "run_at": kernel::rfc3339_at(core, run_at),
                "from": job.from_version,
                "to": job.target_version,
            }),
        );
        self.job_index.insert(id.clone(), idx);
        self.jobs.push(job);
        self.timers.schedule(run_at, (idx, Wake::Start));
        id
    }

    /// Cancels Pending scheduled jobs: all or nothing; the job table says which can be.
    pub fn cancel_scheduled(
        &mut self,
        core: &mut Core,
        project: &str,
        ids: &[String],
    ) -> Result<(), TaurusError> {
        for id in ids {
            let job = self
                .job(id)
                .filter(|j| j.project_id == project && j.kind == JobKind::Scheduled)
                .ok_or_else(|| TaurusError::param(format!("No scheduled job {id}.")))?;
            if !job.status.permits(JobOp::Cancel) {
                return Err(TaurusError::param(format!(
                    "Scheduled job {id} is {}; only Pending jobs can be cancelled.",
                    job.status
                )));
            }
        }
        for id in ids {
            let Some(&idx) = self.job_index.get(id) else {
                continue;
            };
            self.timers.cancel(|k| k.0 == idx);
            let now = core.now();
            let job = &mut self.jobs[idx];
            step(
                core,
                job,
                JobOp::Cancel,
                json!({"by": "cancel_schedule_task"}),
            );
            job.ended_ms = Some(now);
            let inst_id = job.instance_id.clone();
            if let Some(inst) = self.instances.get_mut(&inst_id) {
                if inst.job == Some(idx) {
                    inst.job = None;
                }
            }
        }
        Ok(())
    }

    /// Moves an instance's maintenance window (`PUT .../ops-window`). A Pending scheduled
    /// job of the instance now starts when the new window next opens (now, if it is open).
    pub fn move_window(
        &mut self,
        core: &mut Core,
        project: &str,
        id: &str,
        window: (u32, u32),
    ) -> Result<(), TaurusError> {
        self.instance_in(project, id)?;
        let now = core.now();
        let Some(inst) = self.instances.get_mut(id) else {
            return Ok(());
        };
        let text = super::config::format_window(window);
        core.record(
            kernel::EntryKind::Event,
            VENDOR,
            &inst.resource(),
            None,
            None,
            json!({"maintenance_window": {"from": inst.maintenance_window, "to": text}}),
        );
        inst.window = window;
        inst.maintenance_window = text;
        inst.updated_ms = now;
        let Some(idx) = inst.job else {
            return Ok(());
        };
        let Some(job) = self.jobs.get_mut(idx) else {
            return Ok(());
        };
        if job.kind != JobKind::Scheduled || job.status != JobStatus::Pending {
            return Ok(());
        }
        let run_at = next_window_start(core, now, window);
        core.record(
            kernel::EntryKind::Event,
            VENDOR,
            &job.resource(),
            None,
            None,
            json!({"run_at": {"from": kernel::rfc3339_at(core, job.run_at), "to": kernel::rfc3339_at(core, run_at)}}),
        );
        job.run_at = run_at;
        self.timers.cancel(|k| k.0 == idx);
        self.timers.schedule(run_at, (idx, Wake::Start));
        Ok(())
    }

    /// Deletes the record of an ended job (`DELETE /jobs/{job_id}`); a job still Pending or
    /// Running keeps its record.
    pub fn delete_record(&mut self, project: &str, id: &str) -> Result<(), TaurusError> {
        let job = self
            .job(id)
            .filter(|j| j.project_id == project)
            .ok_or_else(|| TaurusError::param(format!("Job {id} does not exist.")))?;
        if matches!(job.status, JobStatus::Pending | JobStatus::Running) {
            return Err(TaurusError::param(format!(
                "Job {id} is {}; only the records of ended jobs can be deleted.",
                job.status
            )));
        }
        if let Some(&idx) = self.job_index.get(id) {
            self.jobs[idx].deleted = true;
        }
        Ok(())
    }

    pub(super) fn fire(&mut self, core: &mut Core, idx: usize, wake: Wake) {
        match wake {
            Wake::Start => self.start_running(core, idx),
            Wake::Finish => self.finish(core, idx, None),
            Wake::Fail => {
                let reason = self
                    .jobs
                    .get(idx)
                    .and_then(|j| self.instances.get(&j.instance_id))
                    .and_then(|i| i.fault.as_ref())
                    .map(|f| f.reason.clone())
                    .unwrap_or_else(|| DEFAULT_FAIL_REASON.to_string());
                self.finish(core, idx, Some(reason));
            }
        }
    }

    fn start_running(&mut self, core: &mut Core, idx: usize) {
        let now = core.now();
        let Some((job, inst)) = held(&mut self.jobs, &mut self.instances, idx, JobOp::Start) else {
            return;
        };
        if !inst.status.permits(InstanceOp::StartUpgrade) {
            // The instance went FAILED or FROZEN while its job waited.
            let reason = format!("The DB instance is abnormal ({}).", inst.status);
            step(core, job, JobOp::Abort, json!({"reason": reason}));
            job.fail_reason = Some(reason);
            job.ended_ms = Some(now);
            inst.job = None;
            return;
        }
        job.run_at = now;
        step(core, job, JobOp::Start, json!({"instance": inst.id}));
        step(core, inst, InstanceOp::StartUpgrade, json!({"job": job.id}));
        inst.updated_ms = now;
        let res = job.resource();
        match &inst.fault {
            Some(f) if f.kind == FaultKind::Stuck => {
                job.stuck_at = Some(f.at_percent);
                core.fault(
                    VENDOR,
                    &res,
                    json!({"fault": "stuck", "at_percent": f.at_percent}),
                );
            }
            Some(f) => {
                let at = now + job.duration * u64::from(f.at_percent) / 100;
                self.timers.schedule(at, (idx, Wake::Fail));
            }
            None => self
                .timers
                .schedule(now + job.duration, (idx, Wake::Finish)),
        }
    }

    /// Ends a running job: Completed (version moves) or Failed with `fail`.
    pub(super) fn finish(&mut self, core: &mut Core, idx: usize, fail: Option<String>) {
        let now = core.now();
        let Some((job, inst)) = held(&mut self.jobs, &mut self.instances, idx, JobOp::Complete)
        else {
            return;
        };
        match fail {
            None => {
                inst.version = job.target_version.clone();
                let detail = json!({"version": job.target_version});
                step(core, job, JobOp::Complete, detail);
            }
            Some(reason) => {
                step(core, job, JobOp::Fail, json!({"reason": reason}));
                job.fail_reason = Some(reason);
            }
        }
        job.ended_ms = Some(now);
        if inst.status.permits(InstanceOp::EndUpgrade) {
            let detail = json!({"job": job.id, "version": inst.version});
            step(core, inst, InstanceOp::EndUpgrade, detail);
        }
        inst.updated_ms = now;
        inst.job = None;
    }

    pub(super) fn running_job_of(&self, instance: &str) -> Option<usize> {
        self.instances
            .get(instance)
            .and_then(|i| i.job)
            .filter(|&j| {
                self.jobs
                    .get(j)
                    .is_some_and(|j| j.status == JobStatus::Running)
            })
    }
}

/// Job `idx` and the instance it holds, if its table permits `op` now.
fn held<'a>(
    jobs: &'a mut [Job],
    instances: &'a mut IndexMap<String, Instance>,
    idx: usize,
    op: JobOp,
) -> Option<(&'a mut Job, &'a mut Instance)> {
    let job = jobs.get_mut(idx).filter(|j| j.status.permits(op))?;
    let inst = instances.get_mut(&job.instance_id)?;
    Some((job, inst))
}

/// Moves a job or an instance where its state table says `op` leads, journalling the move.
/// The callers asked the table first, so an illegal `op` here is a simulator bug.
pub(super) fn step<R>(core: &mut Core, r: &mut R, op: <R::State as StateTable>::Op, detail: Value)
where
    R: Resource,
    R::State: StateTable,
{
    core.apply(r, op, detail);
}
/// The virtual instant the next maintenance window opens (now, if it is open).
fn next_window_start(core: &Core, now: Millis, (start, end): (u32, u32)) -> Millis {
    let t = core.clock.datetime_at(now).with_timezone(&Utc);
    let minute = t.hour() * 60 + t.minute();
    let open = if start <= end {
        minute >= start && minute < end
    } else {
        minute >= start || minute < end
    };
    if open {
        return now;
    }
    let midnight = Utc
        .with_ymd_and_hms(
            chrono::Datelike::year(&t),
            chrono::Datelike::month(&t),
            chrono::Datelike::day(&t),
            0,
            0,
            0,
        )
        .single()
        .unwrap_or(t);
    let mut at = midnight + Duration::minutes(i64::from(start));
    if at <= t {
        at += Duration::days(1);
    }
    now + (at - t).num_milliseconds().max(0) as Millis
}
