//! The `unity:` section of a scenario: the array (model, serial, software version, health of
//! its components), the users, the candidates already uploaded, the durations of the upgrade
//! tasks and the domain faults (a task that fails at a percent, a lock, a wait for the user,
//! storage-processor reboot windows). Raw serde types first; `validate` turns durations into
//! milliseconds and checks everything a handler later relies on.

use indexmap::IndexMap;
use serde::Deserialize;

use super::equipment::{
    self, DpeConfig, Equipment, LicenseConfig, MgmtInterfaceConfig, PoolConfig, PortConfig,
};
use crate::kernel::clock::{parse_duration, Millis};
use crate::kernel::Invalid;

/// The captions and default durations of a software upgrade's tasks, in order, as a real
/// Unity 380F going from 5.2 to 5.3 listed them (their `estRemainTime` before they started).
pub const DEFAULT_TASKS: [(&str, &str); 12] = [
    ("Preparing system", "3m30s"),
    ("Performing health checks", "1m10s"),
    ("Preparing system software", "16m10s"),
    ("Waiting for reboot command", "5s"),
    ("Performing health checks", "1m5s"),
    ("Installing new software on peer SP", "16m50s"),
    ("Rebooting peer SP", "14m15s"),
    ("Restarting services on peer SP", "5m"),
    ("Installing new software on primary SP", "13m30s"),
    ("Rebooting the primary SP", "13m55s"),
    ("Restarting services on primary SP", "5m10s"),
    ("Final tasks", "45s"),
];

/// Where `pauseBeforeReboot` stops a session: before "Waiting for reboot command" runs.
pub const PAUSE_TASK: usize = 3;
/// The point of no return: once "Rebooting peer SP" has started, a failure locks the system.
pub const NO_RETURN_TASK: usize = 6;
/// The health-check tasks, where unhealthy components fail the session.
pub const HEALTH_CHECK_TASKS: [usize; 2] = [1, 4];
/// The primary SP's reboot, during which the management interface fails over.
pub const PRIMARY_REBOOT_TASK: usize = 9;

/// The `unity:` section.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "UnityConfig")]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The storage system.
    #[serde(default)]
    pub array: ArrayConfig,
    /// Who may log in (default: admin / Password123#).
    #[serde(default = "default_users")]
    pub users: Vec<UserConfig>,
    /// The upgrade candidate already uploaded (default: 5.3.0 build 120). Unity keeps at most
    /// one candidate; `null` means none is uploaded.
    #[serde(default = "default_candidate")]
    pub candidate: Option<CandidateConfig>,
    /// Durations of the twelve upgrade tasks, in order (default: the recorded estimates,
    /// 1h31m25s in all). Exactly twelve entries.
    #[serde(default)]
    pub task_durations: Option<Vec<String>>,
    /// How long a new session stays in Upgrade_Not_Started before its first task (default 2m,
    /// as recorded on a real array).
    #[serde(default = "default_start_delay")]
    pub start_delay: String,
    /// How long the management interface is down when the primary SP reboots (default 60s; 0s
    /// for none). Requests in that window get the refusal below.
    #[serde(default = "default_outage")]
    pub primary_reboot_outage: String,
    /// How long an asynchronous job (`?timeout=0`) runs before it completes (default 2s).
    #[serde(default = "default_job_duration")]
    pub job_duration: String,
    /// Faults armed from the start.
    #[serde(default)]
    pub faults: FaultsConfig,
    /// The software images this array knows by file name (default: the 5.3.0 build 120 image,
    /// `Unity-5.3.0.0.5.120.tgz.bin.gpg`): an upload of one of these files, or a `prepare`
    /// naming it (an image the array downloaded itself), becomes a candidate with the
    /// identity declared here.
    #[serde(default = "default_images")]
    pub images: Vec<ImageConfig>,
}

/// A software image the array can receive: its file name and what is inside it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageConfig {
    /// The file name, e.g. `Unity-5.3.0.0.5.120.tgz.bin.gpg`.
    pub file: String,
    /// "major.minor.patch".
    pub version: String,
    /// Build number.
    pub build: u32,
    /// Build (release) date, RFC 3339.
    pub release_date: String,
}

/// A declared image, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub file: String,
    pub version: String,
    pub build: u32,
    pub release_ms: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            array: ArrayConfig::default(),
            users: default_users(),
            candidate: default_candidate(),
            task_durations: None,
            start_delay: default_start_delay(),
            primary_reboot_outage: default_outage(),
            job_duration: default_job_duration(),
            faults: FaultsConfig::default(),
            images: default_images(),
        }
    }
}

/// The storage system.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrayConfig {
    /// Model name (default "Unity 380F").
    #[serde(default = "default_model")]
    pub model: String,
    /// System name (default "FNM00151200215").
    #[serde(default = "default_name")]
    pub name: String,
    /// Serial number (default "CKM01204905476").
    #[serde(default = "default_serial")]
    pub serial_number: String,
    /// Installed software version, "major.minor.patch" (default "5.2.0").
    #[serde(default = "default_version")]
    pub software_version: String,
    /// Build number of the installed software (default 173).
    #[serde(default = "default_build")]
    pub software_build: u32,
    /// Build date of the installed software, RFC 3339 (default 2022-06-24T10:14:36Z, *chosen*):
    /// the timestamp in `softwareFullVersion` and installedSoftwareVersion's `releaseDate`.
    #[serde(default = "default_software_release_date")]
    pub software_release_date: String,
    /// The storage-processor model, an SPModelNameEnum name (default SP380).
    #[serde(default = "default_sp_model")]
    pub sp_model: String,
    /// Health of each component by name (default: every component OK). Values: OK, OK_BUT,
    /// DEGRADED, MINOR, MAJOR, CRITICAL, NON_RECOVERABLE, UNKNOWN.
    #[serde(default = "default_components")]
    pub components: IndexMap<String, String>,
    /// The disk processor enclosure (model, serial number); its health is component `dpe`.
    #[serde(default)]
    pub dpe: DpeConfig,
    /// The Ethernet ports each SP has besides its management port (default: eth2 up at
    /// 10 Gbps, eth3 not connected); a port's health is the component of its id
    /// (`spa_eth2`), the management ports' is `mgmt_port`.
    #[serde(default = "equipment::default_ports")]
    pub ethernet_ports: Vec<PortConfig>,
    /// The management interface's IPv4 address, netmask and gateway.
    #[serde(default)]
    pub mgmt_interface: MgmtInterfaceConfig,
    /// Pools by id, with their sizes (default: pool_1 as recorded); a pool's health is the
    /// component of its id. A `pool_*` component not listed here is a pool of the default size.
    #[serde(default = "equipment::default_pools")]
    pub pools: IndexMap<String, PoolConfig>,
    /// The installed licenses: names (permanent) or `{name, expires}` (default: the recorded
    /// array's twelve, permanent). Each enables the feature of its name until it expires.
    #[serde(default = "equipment::default_licenses")]
    pub licenses: Vec<LicenseConfig>,
}

impl Default for ArrayConfig {
    fn default() -> Self {
        Self {
            model: default_model(),
            name: default_name(),
            serial_number: default_serial(),
            software_version: default_version(),
            software_build: default_build(),
            software_release_date: default_software_release_date(),
            sp_model: default_sp_model(),
            components: default_components(),
            dpe: DpeConfig::default(),
            ethernet_ports: equipment::default_ports(),
            mgmt_interface: MgmtInterfaceConfig::default(),
            pools: equipment::default_pools(),
            licenses: equipment::default_licenses(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub name: String,
    pub password: String,
    /// administrator (default), storageadmin, operator or vmadmin.
    #[serde(default = "default_role")]
    pub role: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateConfig {
    /// "major.minor.patch" (default "5.3.0").
    #[serde(default = "default_candidate_version")]
    pub version: String,
    /// Build number (default 120).
    #[serde(default = "default_candidate_build")]
    pub build: u32,
    /// Release date, RFC 3339 (default 2023-03-18T19:02:01Z).
    #[serde(default = "default_release_date")]
    pub release_date: String,
}

/// Faults armed when the scenario loads (the timeline can arm more later).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "UnityFaultsConfig")]
#[serde(deny_unknown_fields)]
pub struct FaultsConfig {
    /// Tasks that fail part-way.
    #[serde(default)]
    pub fail_task: Vec<FailTaskConfig>,
    /// Tasks at whose start the session enters Upgrade_Paused_Lock for a while.
    #[serde(default)]
    pub lock: Vec<LockConfig>,
    /// Tasks at whose start the session waits for the user (Upgrade_Waiting_For_User).
    #[serde(default)]
    pub wait_for_user: Vec<TaskRef>,
    /// Windows of virtual time in which a storage processor reboots and requests are refused.
    #[serde(default)]
    pub sp_reboot: Vec<WindowConfig>,
}

/// A task by index (0-11) or by caption (the first task with that caption).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum TaskSel {
    Index(usize),
    Caption(String),
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailTaskConfig {
    pub task: TaskSel,
    /// How far into the task it fails, 0-99 (default 50).
    #[serde(default = "default_percent")]
    pub at_percent: u8,
    /// How many attempts fail (default 1: the first resume succeeds).
    #[serde(default = "default_times")]
    pub times: u32,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockConfig {
    /// Must be at or after the point of no return (task 6, "Rebooting peer SP").
    pub task: TaskSel,
    /// How long the lock holds before the system continues (default 10m).
    #[serde(default = "default_lock_for", rename = "for")]
    pub duration: String,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRef {
    pub task: TaskSel,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// When the reboot starts, as a duration since the start of the run.
    pub at: String,
    /// How long it lasts.
    #[serde(rename = "for")]
    pub duration: String,
}

fn default_users() -> Vec<UserConfig> {
    vec![UserConfig {
        name: "admin".into(),
        password: "Password123#".into(),
        role: default_role(),
    }]
}
fn default_role() -> String {
    "administrator".into()
}
fn default_candidate() -> Option<CandidateConfig> {
    Some(CandidateConfig {
        version: default_candidate_version(),
        build: default_candidate_build(),
        release_date: default_release_date(),
    })
}
fn default_images() -> Vec<ImageConfig> {
    vec![ImageConfig {
        file: "Unity-5.3.0.0.5.120.tgz.bin.gpg".into(),
        version: default_candidate_version(),
        build: default_candidate_build(),
        release_date: default_release_date(),
    }]
}
fn default_components() -> IndexMap<String, String> {
    ["spa", "spb", "dpe", "pool_1", "mgmt_port"]
        .into_iter()
        .map(|c| (c.to_string(), "OK".to_string()))
        .collect()
}
defaults! {
    default_candidate_version: String = "5.3.0";
    default_candidate_build: u32 = 120;
    default_release_date: String = "2023-03-18T19:02:01Z";
    default_software_release_date: String = "2022-06-24T10:14:36Z";
    default_start_delay: String = "2m";
    default_outage: String = "60s";
    default_job_duration: String = "2s";
    default_model: String = "Unity 380F";
    default_name: String = "FNM00151200215";
    default_serial: String = "CKM01204905476";
    default_version: String = "5.2.0";
    default_build: u32 = 173;
    default_sp_model: String = "SP380";
    default_percent: u8 = 50;
    default_times: u32 = 1;
    default_lock_for: String = "10m";
}

/// HealthEnum names and numbers.
pub const HEALTH: [(&str, u32); 8] = [
    ("UNKNOWN", 0),
    ("OK", 5),
    ("OK_BUT", 7),
    ("DEGRADED", 10),
    ("MINOR", 15),
    ("MAJOR", 20),
    ("CRITICAL", 25),
    ("NON_RECOVERABLE", 30),
];

/// SPModelNameEnum names and numbers.
pub const SP_MODELS: [(&str, u32); 14] = [
    ("SP300", 1),
    ("SP400", 2),
    ("SP500", 3),
    ("SP600", 4),
    ("SP350", 5),
    ("SP450", 6),
    ("SP550", 7),
    ("SP650", 8),
    ("VSA2Core", 9),
    ("VSA12Core", 10),
    ("SP380", 11),
    ("SP480", 12),
    ("SP680", 13),
    ("SP880", 14),
];

pub fn health_value(name: &str) -> Option<u32> {
    HEALTH
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// A health the upgrade accepts: OK, or OK_BUT (minor issues that do not block).
pub fn health_is_ok(name: &str) -> bool {
    matches!(health_value(name), Some(5 | 7))
}

/// The names of a table's rows, for error messages.
fn names<T>(table: &[(&str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Resolves a task selector against the task list.
pub fn resolve_task(sel: &TaskSel) -> Result<usize, String> {
    match sel {
        TaskSel::Index(i) if *i < DEFAULT_TASKS.len() => Ok(*i),
        TaskSel::Index(i) => Err(format!(
            "task {i} does not exist; tasks are numbered 0 to {}",
            DEFAULT_TASKS.len() - 1
        )),
        TaskSel::Caption(c) => DEFAULT_TASKS
            .iter()
            .position(|(cap, _)| cap.eq_ignore_ascii_case(c))
            .ok_or_else(|| {
                format!(
                    "no task captioned '{c}'; the captions are: {}",
                    names(&DEFAULT_TASKS)
                )
            }),
    }
}

/// A version "a.b.c" with numeric parts.
pub fn valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Compares "a.b.c" versions numerically.
pub fn version_key(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Everything validated, with durations in milliseconds.
#[derive(Debug, Clone)]
pub struct Settings {
    pub task_ms: Vec<Millis>,
    pub start_delay_ms: Millis,
    pub outage_ms: Millis,
    pub job_ms: Millis,
    pub release_date_ms: Option<i64>,
    /// The installed software's build date, Unix ms.
    pub installed_release_ms: i64,
    pub images: Vec<Image>,
    pub equipment: Equipment,
}

/// An RFC 3339 date as Unix milliseconds.
fn rfc3339_ms(path: &str, text: &str) -> Result<i64, Invalid> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.timestamp_millis())
        .map_err(|e| {
            Invalid::new(
                path,
                &format!("must be an RFC 3339 date like 2023-03-18T19:02:01Z: {e}"),
            )
        })
}

fn dur(path: &str, text: &str) -> Result<Millis, Invalid> {
    parse_duration(text).map_err(|e| Invalid::new(path, &e))
}

impl Config {
    /// Checks the section; errors name the dotted path of the offending key.
    pub fn validate(&self) -> Result<Settings, Invalid> {
        if self.users.is_empty() {
            return Err(Invalid::new(
                "unity.users",
                "needs at least one user (name and password), or nobody can log in",
            ));
        }
        for (i, u) in self.users.iter().enumerate() {
            if u.name.is_empty() || u.name.contains(':') {
                return Err(Invalid::new(
                    &format!("unity.users[{i}].name"),
                    "must be non-empty and contain no ':' (Basic auth splits on it)",
                ));
            }
            if !["administrator", "storageadmin", "operator", "vmadmin"].contains(&u.role.as_str())
            {
                return Err(Invalid::new(
                    &format!("unity.users[{i}].role"),
                    "must be administrator, storageadmin, operator or vmadmin",
                ));
            }
        }
        if !valid_version(&self.array.software_version) {
            return Err(Invalid::new(
                "unity.array.software_version",
                "must be major.minor.patch, like 5.2.0",
            ));
        }
        if !SP_MODELS.iter().any(|(n, _)| *n == self.array.sp_model) {
            return Err(Invalid::new(
                "unity.array.sp_model",
                &format!("must be an SPModelNameEnum name: {}", names(&SP_MODELS)),
            ));
        }
        for (name, health) in &self.array.components {
            if health_value(health).is_none() {
                return Err(Invalid::new(
                    &format!("unity.array.components.{name}"),
                    "must be one of OK, OK_BUT, DEGRADED, MINOR, MAJOR, CRITICAL, NON_RECOVERABLE, UNKNOWN",
                ));
            }
        }
        let mut release_date_ms = None;
        if let Some(c) = &self.candidate {
            if !valid_version(&c.version) {
                return Err(Invalid::new(
                    "unity.candidate.version",
                    "must be major.minor.patch, like 5.3.0",
                ));
            }
            release_date_ms = Some(rfc3339_ms("unity.candidate.release_date", &c.release_date)?);
        }
        let installed_release_ms = rfc3339_ms(
            "unity.array.software_release_date",
            &self.array.software_release_date,
        )?;
        let mut images = Vec::new();
        for (i, im) in self.images.iter().enumerate() {
            let path = format!("unity.images[{i}]");
            if im.file.is_empty() || im.file.contains(['/', '\\']) {
                return Err(Invalid::new(
                    &format!("{path}.file"),
                    "must be a bare file name, like Unity-5.3.0.0.5.120.tgz.bin.gpg",
                ));
            }
            if images.iter().any(|o: &Image| o.file == im.file) {
                return Err(Invalid::new(
                    &format!("{path}.file"),
                    &format!("{} is declared twice", im.file),
                ));
            }
            if !valid_version(&im.version) {
                return Err(Invalid::new(
                    &format!("{path}.version"),
                    "must be major.minor.patch, like 5.3.0",
                ));
            }
            images.push(Image {
                file: im.file.clone(),
                version: im.version.clone(),
                build: im.build,
                release_ms: rfc3339_ms(&format!("{path}.release_date"), &im.release_date)?,
            });
        }
        let task_ms = match &self.task_durations {
            None => DEFAULT_TASKS
                .iter()
                .map(|(_, d)| parse_duration(d).unwrap_or(1000))
                .collect(),
            Some(list) if list.len() != DEFAULT_TASKS.len() => {
                return Err(Invalid::new(
                    "unity.task_durations",
                    &format!(
                        "needs exactly {} durations, one per task ({}), got {}",
                        DEFAULT_TASKS.len(),
                        names(&DEFAULT_TASKS),
                        list.len()
                    ),
                ))
            }
            Some(list) => {
                let mut out = Vec::new();
                for (i, d) in list.iter().enumerate() {
                    let ms = dur(&format!("unity.task_durations[{i}]"), d)?;
                    if ms == 0 {
                        return Err(Invalid::new(
                            &format!("unity.task_durations[{i}]"),
                            "must be longer than 0s",
                        ));
                    }
                    out.push(ms);
                }
                out
            }
        };
        for (i, f) in self.faults.fail_task.iter().enumerate() {
            resolve_task(&f.task)
                .map_err(|m| Invalid::new(&format!("unity.faults.fail_task[{i}].task"), &m))?;
            if f.at_percent > 99 {
                return Err(Invalid::new(
                    &format!("unity.faults.fail_task[{i}].at_percent"),
                    "must be 0 to 99 (a task at 100% has finished)",
                ));
            }
        }
        for (i, l) in self.faults.lock.iter().enumerate() {
            let t = resolve_task(&l.task)
                .map_err(|m| Invalid::new(&format!("unity.faults.lock[{i}].task"), &m))?;
            if t < NO_RETURN_TASK {
                return Err(Invalid::new(
                    &format!("unity.faults.lock[{i}].task"),
                    &format!("a lock (Upgrade_Paused_Lock) only happens past the point of no return: use task {NO_RETURN_TASK} or later"),
                ));
            }
            dur(&format!("unity.faults.lock[{i}].for"), &l.duration)?;
        }
        for (i, w) in self.faults.wait_for_user.iter().enumerate() {
            resolve_task(&w.task)
                .map_err(|m| Invalid::new(&format!("unity.faults.wait_for_user[{i}].task"), &m))?;
        }
        for (i, w) in self.faults.sp_reboot.iter().enumerate() {
            dur(&format!("unity.faults.sp_reboot[{i}].at"), &w.at)?;
            dur(&format!("unity.faults.sp_reboot[{i}].for"), &w.duration)?;
        }
        Ok(Settings {
            task_ms,
            start_delay_ms: dur("unity.start_delay", &self.start_delay)?,
            outage_ms: dur("unity.primary_reboot_outage", &self.primary_reboot_outage)?,
            job_ms: dur("unity.job_duration", &self.job_duration)?,
            release_date_ms,
            installed_release_ms,
            images,
            equipment: equipment::validate(&self.array)?,
        })
    }
}
