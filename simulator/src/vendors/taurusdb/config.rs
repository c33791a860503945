//! The `taurusdb:` section of a scenario: projects and their instances, credentials, the
//! kernel versions on offer, job durations and faults. Every field has a default written
//! here (and in docs/taurusdb.md); `validate` turns nonsense into an error at its key.

use serde::Deserialize;

use crate::kernel::clock::parse_duration;
use crate::kernel::Invalid;
use crate::kernel::Millis;

/// The `taurusdb:` section.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "TaurusdbConfig")]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Projects and their instances (default: none).
    #[serde(default)]
    pub projects: Vec<ProjectConfig>,
    /// Who may call (default: AK `SIMULATORACCESSKEY00` / SK `simulator-secret-key`, token
    /// `sim-token`, a 15-minute clock-skew window).
    #[serde(default)]
    pub credentials: CredentialsConfig,
    /// The kernel versions on offer, oldest first (default: 2.0.45.230900 ... 2.0.57.240900).
    #[serde(default = "default_versions")]
    pub versions: Vec<String>,
    /// The version an upgrade goes to (default: the last of `versions`; added to `versions`
    /// when missing).
    #[serde(default)]
    pub latest_version: Option<String>,
    /// How long jobs take.
    #[serde(default)]
    pub durations: DurationsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            projects: Vec::new(),
            credentials: CredentialsConfig::default(),
            versions: default_versions(),
            latest_version: None,
            durations: DurationsConfig::default(),
        }
    }
}

fn default_versions() -> Vec<String> {
    [
        "2.0.45.230900",
        "2.0.48.231200",
        "2.0.51.240300",
        "2.0.54.240600",
        "2.0.57.240900",
    ]
    .map(String::from)
    .to_vec()
}

/// One project: `{id: 054e292c9880d4992f02c0196d3ea468, instances: [...]}`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// 32 letters and digits.
    pub id: String,
    /// The region the project is in, as IAM names the project (default `cn-north-4`).
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default)]
    pub instances: Vec<InstanceConfig>,
}

/// One instance.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// The instance id (Huawei's are 32 hex digits plus `in07`).
    pub id: String,
    /// Default: `taurus-<first 8 characters of the id>`.
    #[serde(default)]
    pub name: Option<String>,
    /// The kernel version it runs (default: the first of `versions`).
    #[serde(default)]
    pub version: Option<String>,
    /// ACTIVE (default), FAILED or FROZEN.
    #[serde(default = "default_status")]
    pub status: String,
    /// The maintenance window in UTC, `HH:MM-HH:MM` (default `18:00-22:00`).
    #[serde(default = "default_window")]
    pub maintenance_window: String,
    /// How many nodes (1 master, the rest read replicas; default 2).
    #[serde(default = "default_nodes")]
    pub nodes: u32,
    /// What goes wrong when it upgrades (default: nothing).
    #[serde(default)]
    pub upgrade_fault: Option<UpgradeFaultConfig>,
    /// The VPC it sits in (default `3cedfc54-b105-4652-a4e0-847b65d20f23`).
    #[serde(default = "default_vpc")]
    pub vpc_id: String,
    /// Its subnet's network id (default `c1cfa53c-65d3-431e-8552-326bf310c7ad`).
    #[serde(default = "default_subnet")]
    pub subnet_id: String,
    /// The read/write-splitting address of its database proxy (default: no proxy).
    #[serde(default)]
    pub proxy_ip: Option<String>,
    /// Its tags, `{key: value}` (default: none).
    #[serde(default)]
    pub tags: indexmap::IndexMap<String, String>,
}

/// The VPC instances sit in unless the scenario says otherwise.
pub const DEFAULT_VPC: &str = "3cedfc54-b105-4652-a4e0-847b65d20f23";
/// The subnet instances sit in unless the scenario says otherwise.
pub const DEFAULT_SUBNET: &str = "c1cfa53c-65d3-431e-8552-326bf310c7ad";

fn default_vpc() -> String {
    DEFAULT_VPC.into()
}

fn default_subnet() -> String {
    DEFAULT_SUBNET.into()
}

fn default_region() -> String {
    "cn-north-4".into()
}

fn default_status() -> String {
    "ACTIVE".into()
}

fn default_window() -> String {
    "18:00-22:00".into()
}

fn default_nodes() -> u32 {
    2
}

/// `{kind: fail, reason: "...", at_percent: 70}` or `{kind: stuck, at_percent: 60}`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpgradeFaultConfig {
    /// `fail`: the job ends Failed with `reason`; `stuck`: the job stays Running forever.
    pub kind: FaultKind,
    /// The job's fail_reason (default: "Failed to upgrade the kernel version.").
    #[serde(default)]
    pub reason: Option<String>,
    /// How far the job gets first (default 50).
    #[serde(default = "default_at_percent")]
    pub at_percent: u8,
}

fn default_at_percent() -> u8 {
    50
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    Fail,
    Stuck,
}

/// `credentials:`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// AK/SK pairs accepted for `SDK-HMAC-SHA256` signatures.
    #[serde(default = "default_access_keys")]
    pub access_keys: Vec<AccessKeyConfig>,
    /// Accepted `X-Auth-Token` values.
    #[serde(default = "default_tokens")]
    pub tokens: Vec<String>,
    /// How far `X-Sdk-Date` may be from the wall clock (default "15m").
    #[serde(default = "default_skew")]
    pub clock_skew: String,
}

impl Default for CredentialsConfig {
    fn default() -> Self {
        Self {
            access_keys: default_access_keys(),
            tokens: default_tokens(),
            clock_skew: default_skew(),
        }
    }
}

/// One access key: `{ak, sk}`, optionally the projects it belongs to, and for a temporary
/// key the `security_token` a request must carry as `X-Security-Token` and when it expires.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyConfig {
    pub ak: String,
    pub sk: String,
    /// The projects the key's account owns (default: every project of the scenario).
    #[serde(default)]
    pub projects: Option<Vec<String>>,
    /// A temporary key's security token (default: none, a permanent key).
    #[serde(default)]
    pub security_token: Option<String>,
    /// When the temporary key expires, RFC 3339 (default: never).
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl Config {
    /// What a client needs, in the conformance harness's `credentials:` shape
    /// (`GET /_sim/credentials`): the first project, the first access key (with its
    /// `security_token` when it is a temporary one) and the first token; `None` when the
    /// section gives none of them.
    pub fn client_credentials(&self) -> Option<serde_json::Value> {
        let mut out = serde_json::Map::new();
        if let Some(p) = self.projects.first() {
            out.insert("project_id".into(), p.id.clone().into());
        }
        if let Some(k) = self.credentials.access_keys.first() {
            out.insert("ak".into(), k.ak.clone().into());
            out.insert("sk".into(), k.sk.clone().into());
            if let Some(t) = &k.security_token {
                out.insert("security_token".into(), t.clone().into());
            }
        }
        if let Some(token) = self.credentials.tokens.first() {
            out.insert("token".into(), token.clone().into());
        }
        (!out.is_empty()).then_some(serde_json::Value::Object(out))
    }
}

fn default_access_keys() -> Vec<AccessKeyConfig> {
    vec![AccessKeyConfig {
        ak: "SIMULATORACCESSKEY00".into(),
        sk: "simulator-secret-key".into(),
        projects: None,
        security_token: None,
        expires_at: None,
    }]
}

fn default_tokens() -> Vec<String> {
    vec!["sim-token".into()]
}

fn default_skew() -> String {
    "15m".into()
}

/// `durations:` (durations as people write them: "5s", "10m").
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DurationsConfig {
    /// How long an immediate job stays Pending before it runs (default "5s").
    #[serde(default = "default_queue")]
    pub queue: String,
    /// How long the upgrade of a one-node instance runs (default "10m").
    #[serde(default = "default_upgrade")]
    pub upgrade: String,
    /// Added per read replica, which is upgraded with the instance (default "2m").
    #[serde(default = "default_per_node")]
    pub per_node: String,
    /// Up to this percentage more or less per job, drawn from the job's own random stream
    /// (default 0: every job takes exactly its duration).
    #[serde(default)]
    pub jitter_percent: u8,
}

impl Default for DurationsConfig {
    fn default() -> Self {
        Self {
            queue: default_queue(),
            upgrade: default_upgrade(),
            per_node: default_per_node(),
            jitter_percent: 0,
        }
    }
}

fn default_queue() -> String {
    "5s".into()
}

fn default_upgrade() -> String {
    "10m".into()
}

fn default_per_node() -> String {
    "2m".into()
}

/// Durations in milliseconds, validated.
#[derive(Debug, Clone, Copy)]
pub struct Durations {
    pub queue: Millis,
    pub upgrade: Millis,
    pub per_node: Millis,
    pub jitter_percent: u8,
    pub clock_skew: Millis,
}

/// Whether `s` is a project id: 32 letters and digits.
pub fn is_project_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A maintenance window `HH:MM-HH:MM` as (start, end) minutes of the UTC day.
pub fn parse_window(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    Some((minutes(a)?, minutes(b)?))
}

/// A window in minutes as the API writes it: `HH:MM-HH:MM`.
pub fn format_window((start, end): (u32, u32)) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        start / 60,
        start % 60,
        end / 60,
        end % 60
    )
}

impl Config {
    /// Checks what serde cannot and returns the durations in milliseconds.
    pub fn validate(&self) -> Result<Durations, Invalid> {
        let dur = |path: &str, text: &str| {
            parse_duration(text).map_err(|e| Invalid::new(&format!("taurusdb.{path}"), &e))
        };
        let durations = Durations {
            queue: dur("durations.queue", &self.durations.queue)?,
            upgrade: dur("durations.upgrade", &self.durations.upgrade)?,
            per_node: dur("durations.per_node", &self.durations.per_node)?,
            jitter_percent: self.durations.jitter_percent,
            clock_skew: dur("credentials.clock_skew", &self.credentials.clock_skew)?,
        };
        if durations.upgrade == 0 {
            return Err(Invalid::new(
                "taurusdb.durations.upgrade",
                "must be longer than 0s (an upgrade takes time; try \"10m\")",
            ));
        }
        if self.durations.jitter_percent > 90 {
            return Err(Invalid::new(
                "taurusdb.durations.jitter_percent",
                "must be between 0 and 90",
            ));
        }
        if self.versions.is_empty() {
            return Err(Invalid::new(
                "taurusdb.versions",
                "list at least one kernel version, like 2.0.57.240900",
            ));
        }
        for (i, key) in self.credentials.access_keys.iter().enumerate() {
            if key.ak.is_empty() || key.sk.is_empty() {
                return Err(Invalid::new(
                    &format!("taurusdb.credentials.access_keys[{i}]"),
                    "ak and sk must both be non-empty",
                ));
            }
            if let Some(at) = &key.expires_at {
                if chrono::DateTime::parse_from_rfc3339(at).is_err() {
                    return Err(Invalid::new(
                        &format!("taurusdb.credentials.access_keys[{i}].expires_at"),
                        &format!("'{at}' is not a time like 2026-01-01T01:00:00Z"),
                    ));
                }
            }
            for p in key.projects.iter().flatten() {
                if !self.projects.iter().any(|d| d.id == *p) {
                    return Err(Invalid::new(
                        &format!("taurusdb.credentials.access_keys[{i}].projects"),
                        &format!("'{p}' is not one of the scenario's projects"),
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (p, project) in self.projects.iter().enumerate() {
            if !is_project_id(&project.id) {
                return Err(Invalid::new(
                    &format!("taurusdb.projects[{p}].id"),
                    &format!(
                        "'{}' is not a project id: use 32 letters and digits, like 054e292c9880d4992f02c0196d3ea468",
                        project.id
                    ),
                ));
            }
            for (i, inst) in project.instances.iter().enumerate() {
                let at = |key: &str| format!("taurusdb.projects[{p}].instances[{i}].{key}");
                if inst.id.is_empty()
                    || !inst
                        .id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(Invalid::new(
                        &at("id"),
                        "use letters and digits, like 6754902da1f447269c6979b0590102a5in07",
                    ));
                }
                if !seen.insert(inst.id.clone()) {
                    return Err(Invalid::new(
                        &at("id"),
                        &format!("instance id '{}' is used twice", inst.id),
                    ));
                }
                if !matches!(inst.status.as_str(), "ACTIVE" | "FAILED" | "FROZEN") {
                    return Err(Invalid::new(
                        &at("status"),
                        &format!(
                            "'{}' is not a starting status; use ACTIVE, FAILED or FROZEN",
                            inst.status
                        ),
                    ));
                }
                if parse_window(&inst.maintenance_window).is_none() {
                    return Err(Invalid::new(
                        &at("maintenance_window"),
                        &format!(
                            "'{}' is not a window; write it as HH:MM-HH:MM in UTC, like 18:00-22:00",
                            inst.maintenance_window
                        ),
                    ));
                }
                if !(1..=16).contains(&inst.nodes) {
                    return Err(Invalid::new(
                        &at("nodes"),
                        "must be between 1 and 16 (one master plus up to 15 read replicas)",
                    ));
                }
                if inst.version.as_deref().is_some_and(str::is_empty) {
                    return Err(Invalid::new(&at("version"), "must not be empty"));
                }
                if let Some(f) = &inst.upgrade_fault {
                    if f.at_percent > 99 {
                        return Err(Invalid::new(
                            &at("upgrade_fault.at_percent"),
                            "must be between 0 and 99",
                        ));
                    }
                }
            }
        }
        Ok(durations)
    }

    /// The version an upgrade goes to.
    pub fn latest(&self) -> String {
        self.latest_version
            .clone()
            .or_else(|| self.versions.last().cloned())
            .unwrap_or_default()
    }
}
