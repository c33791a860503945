//! The fleet TaurusDB serves: projects, their instances and the upgrade jobs they had, built
//! from the scenario section, with the lookups every operation starts from. This module owns
//! the data; `lifecycle` moves it on virtual time, `failures` bends it for a scenario, and
//! `snapshot` shows it to the admin API.

use indexmap::IndexMap;

use super::config::{parse_window, Config, Durations, FaultKind};
use super::error::{Code, TaurusError};
use super::lifecycle::Wake;
use super::state::{InstanceStatus, JobStatus};
use crate::kernel::{Invalid, Millis, Resource, TimerQueue};

pub const VENDOR: &str = "taurusdb";
/// The job name of an upgrade in GET /jobs and the immediate-jobs list.
pub const UPGRADE_JOB_NAME: &str = "UpgradeGaussDBforMySQLDatabaseVersion";
/// The job name of a delayed upgrade in the scheduled-jobs list.
pub const SCHEDULED_JOB_NAME: &str = "VERSION_UPGRADE";
pub(super) const DEFAULT_FAIL_REASON: &str = "Failed to upgrade the kernel version.";
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
    pub(super) window: (u32, u32),
    pub nodes: u32,
    pub fault: Option<Fault>,
    /// When the instance last changed (virtual ms).
    pub updated_ms: Millis,
    /// The job holding the instance (a Pending scheduled job or a running upgrade).
    pub job: Option<usize>,
    /// How many jobs this instance has had (names its jobs' random streams).
    pub(super) jobs_made: u64,
    pub vpc_id: String,
    pub subnet_id: String,
    /// The database proxy's read/write-splitting address, if it has a proxy.
    pub proxy_ip: Option<String>,
    pub tags: IndexMap<String, String>,
}

impl Instance {
    /// The read/write address (the primary node's).
    pub fn private_ip(&self) -> String {
        self.node_ip(0)
    }

    /// The read-only addresses (the read replicas').
    pub fn readonly_ips(&self) -> Vec<String> {
        (1..self.nodes).map(|n| self.node_ip(n)).collect()
    }

    /// A stable address for node `n`, from the instance id.
    pub fn node_ip(&self, n: u32) -> String {
        let h = crate::kernel::rng::stable_hash(self.id.as_bytes());
        format!("192.168.{}.{}", (h % 250) + 1, (n + 10) % 255)
    }
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
    /// Its record was deleted (`DELETE /jobs/{job_id}`): the lists and `GET /jobs` no longer
    /// show it. Kept so job indices stay put.
    pub deleted: bool,
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
}

impl Resource for Job {
    type State = JobStatus;
    const VENDOR: &'static str = VENDOR;
    fn resource(&self) -> String {
        format!("job/{}", self.id)
    }
    fn state_mut(&mut self) -> &mut JobStatus {
        &mut self.status
    }
}

impl Resource for Instance {
    type State = InstanceStatus;
    const VENDOR: &'static str = VENDOR;
    fn resource(&self) -> String {
        format!("instance/{}", self.id)
    }
    fn state_mut(&mut self) -> &mut InstanceStatus {
        &mut self.status
    }
}

/// An access key as IAM knows it: its secret, the projects its account owns, and for a
/// temporary key its security token and expiry.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub ak: String,
    pub sk: String,
    pub projects: Vec<String>,
    pub security_token: Option<String>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// TaurusDB's domain: the fleet, its jobs, the credentials it accepts and its timers.
#[derive(Debug)]
pub struct Model {
    pub projects: Vec<String>,
    pub instances: IndexMap<String, Instance>,
    pub jobs: Vec<Job>,
    pub(super) job_index: std::collections::HashMap<String, usize>,
    pub versions: Vec<String>,
    pub latest: String,
    pub durations: Durations,
    pub access_keys: Vec<AccessKey>,
    pub tokens: Vec<String>,
    /// Each project's region (IAM's project name), in scenario order.
    pub regions: Vec<(String, String)>,
    /// How many pre-checks were started (names their random streams).
    pub prechecks: u64,
    pub(super) timers: TimerQueue<(usize, Wake)>,
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
                        vpc_id: ic.vpc_id.clone(),
                        subnet_id: ic.subnet_id.clone(),
                        proxy_ip: ic.proxy_ip.clone(),
                        tags: ic.tags.clone(),
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
                .map(|k| AccessKey {
                    ak: k.ak.clone(),
                    sk: k.sk.clone(),
                    projects: k
                        .projects
                        .clone()
                        .unwrap_or_else(|| cfg.projects.iter().map(|p| p.id.clone()).collect()),
                    security_token: k.security_token.clone(),
                    expires_at: k
                        .expires_at
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&chrono::Utc)),
                })
                .collect(),
            regions: cfg
                .projects
                .iter()
                .map(|p| (p.id.clone(), p.region.clone()))
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

    /// A job whose record was not deleted.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.job_index
            .get(id)
            .and_then(|&i| self.jobs.get(i))
            .filter(|j| !j.deleted)
    }
}
