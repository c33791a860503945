//! The TaurusDB world: instances and upgrade jobs, the rules an upgrade request is checked
//! against, and the timers that move jobs along on virtual time.
//!
//! An immediate upgrade creates one job per instance (`UpgradeGaussDBforMySQLDatabaseVersion`):
//! Pending for `durations.queue`, then Running (the instance shows `UPGRADING`) for
//! `durations.upgrade` plus `durations.per_node` per read replica, then Completed (the
//! instance is ACTIVE again, on the target version) or Failed (ACTIVE, on its old version).
//! A delayed upgrade creates a scheduled job (`VERSION_UPGRADE`), Pending until the next
//! start of the instance's maintenance window, which then runs like an immediate one.
//! Progress is computed from virtual time when read; only state changes have timers.

use chrono::{Duration, TimeZone, Timelike, Utc};
use indexmap::IndexMap;
use rand::Rng;
use serde_json::{json, Value};

use super::config::{parse_window, Config, Durations, FaultKind};
use super::error::{Code, TaurusError};
use super::state::{InstanceStatus, JobStatus};
use crate::kernel;
use crate::kernel::Invalid;
use crate::kernel::{Core, Millis, TimerQueue};

pub const VENDOR: &str = "taurusdb";
/// The job name of an upgrade in GET /jobs and the immediate-jobs list.
pub const UPGRADE_JOB_NAME: &str = "UpgradeGaussDBforMySQLDatabaseVersion";
/// The job name of a delayed upgrade in the scheduled-jobs list.
pub const SCHEDULED_JOB_NAME: &str = "VERSION_UPGRADE";
const DEFAULT_FAIL_REASON: &str = "Failed to upgrade the kernel version.";

/// What goes wrong when an instance upgrades.
#[derive(Debug, Clone)]
pub struct Fault {
    pub kind: FaultKind,
    pub reason: String,
    pub at_percent: u8,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub version: String,
    pub status: InstanceStatus,
    pub maintenance_window: String,
    window: (u32, u32),
    pub nodes: u32,
    pub fault: Option<Fault>,
    /// When the instance last changed (virtual ms).
    pub updated_ms: Millis,
    /// The job holding the instance (a Pending scheduled job or a running upgrade).
    pub job: Option<usize>,
    /// How many jobs this instance has had (names its jobs' random streams).
    jobs_made: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Immediate,
    Scheduled,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub instance_id: String,
    pub project_id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub created_ms: Millis,
    /// When it starts (or started) running.
    pub run_at: Millis,
    /// How long it runs.
    pub duration: Millis,
    pub ended_ms: Option<Millis>,
    pub from_version: String,
    pub target_version: String,
    pub fail_reason: Option<String>,
    /// A stuck job's progress stops here and it never ends.
    pub stuck_at: Option<u8>,
}

impl Job {
    /// Progress in percent while Running, from virtual time.
    pub fn progress(&self, now: Millis) -> Option<u8> {
        if self.status != JobStatus::Running {
            return None;
        }
        let elapsed = now.saturating_sub(self.run_at);
        let pct = (elapsed.saturating_mul(100) / self.duration.max(1)).min(99) as u8;
        Some(self.stuck_at.map_or(pct, |s| pct.min(s)))
    }

    pub fn resource(&self) -> String {
        format!("job/{}", self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Wake {
    Start,
    Finish,
    Fail,
}

/// The vendor model.
#[derive(Debug)]
pub struct Model {
    pub projects: Vec<String>,
    pub instances: IndexMap<String, Instance>,
    pub jobs: Vec<Job>,
    job_index: std::collections::HashMap<String, usize>,
    pub versions: Vec<String>,
    pub latest: String,
    pub durations: Durations,
    pub access_keys: Vec<(String, String)>,
    pub tokens: Vec<String>,
    /// How many pre-checks were started (names their random streams).
    pub prechecks: u64,
    timers: TimerQueue<(usize, Wake)>,
}

/// Compares kernel versions numerically, part by part ("2.0.48.231200" < "2.0.57.240900").
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

impl Model {
    pub fn from_config(cfg: &Config) -> Result<Self, Invalid> {
        let durations = cfg.validate()?;
        let latest = cfg.latest();
        let mut versions = cfg.versions.clone();
        if !versions.contains(&latest) {
            versions.push(latest.clone());
        }
        let first = versions.first().cloned().unwrap_or_default();
        let mut instances = IndexMap::new();
        for project in &cfg.projects {
            for ic in &project.instances {
                let status = InstanceStatus::parse(&ic.status).unwrap_or(InstanceStatus::Active);
                instances.insert(
                    ic.id.clone(),
                    Instance {
                        id: ic.id.clone(),
                        project_id: project.id.clone(),
                        name: ic.name.clone().unwrap_or_else(|| {
                            format!("taurus-{}", ic.id.chars().take(8).collect::<String>())
                        }),
                        version: ic.version.clone().unwrap_or_else(|| first.clone()),
                        status,
                        maintenance_window: ic.maintenance_window.clone(),
                        window: parse_window(&ic.maintenance_window).unwrap_or((18 * 60, 22 * 60)),
                        nodes: ic.nodes,
                        fault: ic.upgrade_fault.as_ref().map(|f| Fault {
                            kind: f.kind,
                            reason: f
                                .reason
                                .clone()
                                .unwrap_or_else(|| DEFAULT_FAIL_REASON.to_string()),
                            at_percent: f.at_percent,
                        }),
                        updated_ms: 0,
                        job: None,
                        jobs_made: 0,
                    },
                );
            }
        }
        Ok(Self {
            projects: cfg.projects.iter().map(|p| p.id.clone()).collect(),
            instances,
            jobs: Vec::new(),
            job_index: Default::default(),
            versions,
            latest,
            durations,
            access_keys: cfg
                .credentials
                .access_keys
                .iter()
                .map(|k| (k.ak.clone(), k.sk.clone()))
                .collect(),
            tokens: cfg.credentials.tokens.clone(),
            prechecks: 0,
            timers: TimerQueue::default(),
        })
    }

    /// An instance of `project`, or the 404 a client gets.
    pub fn instance_in(&self, project: &str, id: &str) -> Result<&Instance, TaurusError> {
        self.instances
            .get(id)
            .filter(|i| i.project_id == project)
            .ok_or_else(|| {
                TaurusError::with(
                    Code::InstanceNotFound,
                    format!("Instance {id} was not found in project {project}."),
                )
            })
    }

    pub fn job(&self, id: &str) -> Option<&Job> {
        self.job_index.get(id).and_then(|&i| self.jobs.get(i))
    }

    /// Whether `inst` may be upgraded now with `current_version` (None: not given).
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
        if inst.status != InstanceStatus::Active {
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

    /// Cancels Pending scheduled jobs: all or nothing.
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
            if job.status != JobStatus::Pending {
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
            kernel::transition(
                core,
                VENDOR,
                &format!("job/{id}"),
                &mut job.status,
                JobStatus::Canceled,
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

    fn fire(&mut self, core: &mut Core, idx: usize, wake: Wake) {
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
        let Some(job) = self.jobs.get_mut(idx) else {
            return;
        };
        if job.status != JobStatus::Pending {
            return;
        }
        let Some(inst) = self.instances.get_mut(&job.instance_id) else {
            return;
        };
        let res = job.resource();
        if inst.status != InstanceStatus::Active {
            // The instance went FAILED or FROZEN while its job waited.
            let reason = format!("The DB instance is abnormal ({}).", inst.status);
            kernel::transition(
                core,
                VENDOR,
                &res,
                &mut job.status,
                JobStatus::Failed,
                json!({"reason": reason}),
            );
            job.fail_reason = Some(reason);
            job.ended_ms = Some(now);
            inst.job = None;
            return;
        }
        job.run_at = now;
        kernel::transition(
            core,
            VENDOR,
            &res,
            &mut job.status,
            JobStatus::Running,
            json!({"instance": inst.id}),
        );
        kernel::transition(
            core,
            VENDOR,
            &format!("instance/{}", inst.id),
            &mut inst.status,
            InstanceStatus::Upgrading,
            json!({"job": job.id}),
        );
        inst.updated_ms = now;
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
    fn finish(&mut self, core: &mut Core, idx: usize, fail: Option<String>) {
        let now = core.now();
        let Some(job) = self.jobs.get_mut(idx) else {
            return;
        };
        if job.status != JobStatus::Running {
            return;
        }
        let Some(inst) = self.instances.get_mut(&job.instance_id) else {
            return;
        };
        let res = job.resource();
        match fail {
            None => {
                inst.version = job.target_version.clone();
                kernel::transition(
                    core,
                    VENDOR,
                    &res,
                    &mut job.status,
                    JobStatus::Completed,
                    json!({"version": job.target_version}),
                );
            }
            Some(reason) => {
                kernel::transition(
                    core,
                    VENDOR,
                    &res,
                    &mut job.status,
                    JobStatus::Failed,
                    json!({"reason": reason}),
                );
                job.fail_reason = Some(reason);
            }
        }
        job.ended_ms = Some(now);
        if inst.status == InstanceStatus::Upgrading {
            kernel::transition(
                core,
                VENDOR,
                &format!("instance/{}", inst.id),
                &mut inst.status,
                InstanceStatus::Active,
                json!({"job": job.id, "version": inst.version}),
            );
        }
        inst.updated_ms = now;
        inst.job = None;
    }

    fn running_job_of(&self, instance: &str) -> Option<usize> {
        self.instances
            .get(instance)
            .and_then(|i| i.job)
            .filter(|&j| {
                self.jobs
                    .get(j)
                    .is_some_and(|j| j.status == JobStatus::Running)
            })
    }

    /// Moves an instance to FAILED/FROZEN/ACTIVE; a running upgrade fails with `reason`.
    pub fn set_status(
        &mut self,
        core: &mut Core,
        instance: &str,
        to: InstanceStatus,
        reason: Option<String>,
    ) -> Result<(), String> {
        let Some(inst) = self.instances.get(instance) else {
            return Err(format!("no instance '{instance}'"));
        };
        if inst.status == to {
            return Ok(());
        }
        if to == InstanceStatus::Upgrading {
            return Err(
                "an instance becomes UPGRADING only by an upgrade; use upgrade_instance".into(),
            );
        }
        if let Some(idx) = self.running_job_of(instance) {
            if to == InstanceStatus::Active {
                return Err(format!(
                    "instance '{instance}' is upgrading; fail or finish its job first"
                ));
            }
            self.timers.cancel(|k| k.0 == idx);
            // The instance goes straight from UPGRADING to `to`; then its job fails.
            if let Some(inst) = self.instances.get_mut(instance) {
                kernel::transition(
                    core,
                    VENDOR,
                    &format!("instance/{instance}"),
                    &mut inst.status,
                    to,
                    json!({"by": "scenario"}),
                );
            }
            let reason = reason.unwrap_or_else(|| format!("The DB instance is abnormal ({to})."));
            self.finish(core, idx, Some(reason));
        }
        let now = core.now();
        if let Some(inst) = self.instances.get_mut(instance) {
            if inst.status != to {
                kernel::transition(
                    core,
                    VENDOR,
                    &format!("instance/{instance}"),
                    &mut inst.status,
                    to,
                    json!({"by": "scenario"}),
                );
            }
            inst.updated_ms = now;
        }
        Ok(())
    }

    /// Freezes a running upgrade's progress where it is, or makes the next one stick.
    pub fn stick(&mut self, core: &mut Core, instance: &str, at: Option<u8>) -> Result<(), String> {
        if !self.instances.contains_key(instance) {
            return Err(format!("no instance '{instance}'"));
        }
        let now = core.now();
        if let Some(idx) = self.running_job_of(instance) {
            self.timers.cancel(|k| k.0 == idx);
            let job = &mut self.jobs[idx];
            let pct = job.progress(now).unwrap_or(0);
            job.stuck_at = Some(at.map_or(pct, |a| a.min(pct)));
            core.fault(
                VENDOR,
                &job.resource(),
                json!({"fault": "stuck", "at_percent": job.stuck_at}),
            );
        } else if let Some(inst) = self.instances.get_mut(instance) {
            inst.fault = Some(Fault {
                kind: FaultKind::Stuck,
                reason: String::new(),
                at_percent: at.unwrap_or(50),
            });
        }
        Ok(())
    }
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

impl crate::engine::VendorModel for Model {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn next_due(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    fn fire_due(&mut self, core: &mut Core) {
        while let Some((_, (idx, wake))) = self.timers.pop_due(core.now()) {
            self.fire(core, idx, wake);
        }
    }

    fn snapshot(&self, core: &Core) -> Value {
        let now = core.now();
        let instances: serde_json::Map<String, Value> = self
            .instances
            .values()
            .map(|i| {
                (
                    i.id.clone(),
                    json!({
                        "project_id": i.project_id,
                        "name": i.name,
                        "status": i.status.to_string(),
                        "version": i.version,
                        "nodes": i.nodes,
                        "maintenance_window": i.maintenance_window,
                        "job": i.job.and_then(|j| self.jobs.get(j)).map(|j| j.id.clone()),
                    }),
                )
            })
            .collect();
        let jobs: Vec<Value> = self
            .jobs
            .iter()
            .map(|j| {
                json!({
                    "id": j.id,
                    "instance_id": j.instance_id,
                    "kind": match j.kind { JobKind::Immediate => "immediate", JobKind::Scheduled => "scheduled" },
                    "status": j.status.to_string(),
                    "progress": j.progress(now),
                    "from_version": j.from_version,
                    "target_version": j.target_version,
                    "created_at": kernel::rfc3339_at(core, j.created_ms),
                    "run_at": kernel::rfc3339_at(core, j.run_at),
                    "ended_at": j.ended_ms.map(|e| kernel::rfc3339_at(core, e)),
                    "fail_reason": j.fail_reason,
                })
            })
            .collect();
        json!({
            "latest_version": self.latest,
            "projects": self.projects,
            "instances": instances,
            "jobs": jobs,
        })
    }

    fn actions(&self) -> &'static [&'static str] {
        &[
            "batch_upgrade",
            "upgrade_instance",
            "fail_instance",
            "stick_instance",
            "set_instance_status",
        ]
    }

    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        let instance = || {
            args.get("instance")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("{action} needs `with: {{instance: <id>}}`"))
        };
        let delay = args.get("delay").and_then(Value::as_bool).unwrap_or(false);
        match action {
            "batch_upgrade" => {
                let ids: Vec<String> = match args.get("instances") {
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => {
                        let project = args.get("project").and_then(Value::as_str);
                        self.instances
                            .values()
                            .filter(|i| project.is_none_or(|p| i.project_id == p))
                            .map(|i| i.id.clone())
                            .collect()
                    }
                };
                let project = match args.get("project").and_then(Value::as_str) {
                    Some(p) => p.to_string(),
                    None => ids
                        .first()
                        .and_then(|id| self.instances.get(id))
                        .map(|i| i.project_id.clone())
                        .ok_or("batch_upgrade found no instance to upgrade")?,
                };
                let batch: Vec<(String, Option<String>)> = ids
                    .iter()
                    .map(|id| {
                        (
                            id.clone(),
                            self.instances.get(id).map(|i| i.version.clone()),
                        )
                    })
                    .collect();
                self.upgrade(core, &project, &batch, delay)
                    .map(|_| ())
                    .map_err(|e| format!("{}: {}", e.code.as_str(), e.message(Default::default())))
            }
            "upgrade_instance" => {
                let id = instance()?;
                let project = self
                    .instances
                    .get(&id)
                    .map(|i| i.project_id.clone())
                    .ok_or_else(|| format!("no instance '{id}'"))?;
                self.upgrade(core, &project, &[(id, None)], delay)
                    .map(|_| ())
                    .map_err(|e| format!("{}: {}", e.code.as_str(), e.message(Default::default())))
            }
            "fail_instance" => {
                let id = instance()?;
                let reason = args
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                self.set_status(core, &id, InstanceStatus::Failed, reason)
            }
            "stick_instance" => {
                let id = instance()?;
                let at = args
                    .get("at_percent")
                    .and_then(Value::as_u64)
                    .map(|p| p.min(99) as u8);
                self.stick(core, &id, at)
            }
            "set_instance_status" => {
                let id = instance()?;
                let status = args
                    .get("status")
                    .and_then(Value::as_str)
                    .and_then(InstanceStatus::parse)
                    .ok_or("set_instance_status needs status: ACTIVE, FAILED or FROZEN")?;
                let reason = args
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                self.set_status(core, &id, status, reason)
            }
            other => Err(format!("taurusdb has no action '{other}'")),
        }
    }
}
