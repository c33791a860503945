//! The `obshell:` section of a scenario file: the version profile, the cluster (zones, servers,
//! agent and OB versions), the root password, the packages present, stage durations and the
//! domain faults. Raw serde types with their defaults; `validate` turns nonsense into a
//! `scenario::Invalid` at the key it concerns. docs/obshell.md documents every key.

use indexmap::IndexMap;
use serde::Deserialize;

use crate::kernel::clock::{parse_duration, Millis};
use crate::kernel::Invalid;

/// Which obshell server generation the simulator plays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The docs' 4.2.x era: errors `{"code":<int>,"message":…}`, `X-OCS-Auth` (v1) and
    /// `X-OCS-Header` (v2) both accepted, `/api/v1/info` offers `["v1","v2"]`.
    #[default]
    Legacy,
    /// obshell ≥ 4.3.1: errors with dotted `errCode` strings, v2 only, DAGs carry
    /// `maintenance_type`/`maintenance_key`.
    Current,
}

/// An auth scheme the agent accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthVersion {
    V1,
    V2,
}

impl AuthVersion {
    pub fn wire(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }
}

/// This vendor's section of a scenario file.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ObshellConfig")]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `legacy` (default) or `current`.
    #[serde(default)]
    pub version_profile: Profile,
    /// Accepted auth schemes, in the order `/api/v1/info` offers them as `supportedAuth` (the
    /// SDK takes the first it knows). Default `[v2]` (4.2.6 and HEAD); `[v1, v2]` adds the
    /// 4.2.2 docs' `X-OCS-Auth` (legacy only).
    #[serde(default)]
    pub auth: Option<Vec<AuthVersion>>,
    /// The root@sys password every authenticated request must carry (default `sim-password`).
    #[serde(default = "default_password")]
    pub password: String,
    /// The agent password (`obshell agent password`); default none. `/api/v1/info`'s
    /// `security` says whether one is set, and `X-OCS-Agent-Header` is checked against it.
    #[serde(default)]
    pub agent_password: Option<String>,
    #[serde(default)]
    pub cluster: ClusterConfig,
    /// Packages already uploaded (default: none).
    #[serde(default)]
    pub packages: Vec<PackageConfig>,
    /// How long each node runs: `default` (5s) and overrides by node name.
    #[serde(default)]
    pub stage_durations: StageDurations,
    /// The first DAG id handed out (default 2: the cluster's deploy DAG took 1, so the first
    /// upgrade answers `"id":"12","dag_id":2` like the docs' samples).
    #[serde(default = "default_first_dag_id")]
    pub first_dag_id: u64,
    #[serde(default)]
    pub faults: FaultsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            version_profile: Profile::default(),
            auth: None,
            password: default_password(),
            agent_password: None,
            cluster: ClusterConfig::default(),
            packages: Vec::new(),
            stage_durations: StageDurations::default(),
            first_dag_id: default_first_dag_id(),
            faults: FaultsConfig::default(),
        }
    }
}

fn default_password() -> String {
    "sim-password".into()
}
fn default_first_dag_id() -> u64 {
    2
}

/// The cluster the agent manages.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Running obshell version (default 4.2.0.0) and release (default 20231130120000.el7).
    #[serde(default = "default_agent_version")]
    pub agent_version: String,
    #[serde(default = "default_agent_release")]
    pub agent_release: String,
    /// Running OceanBase version (default 4.2.1.0) and release (default 100000102023092807.el7).
    #[serde(default = "default_ob_version")]
    pub ob_version: String,
    #[serde(default = "default_ob_release")]
    pub ob_release: String,
    /// CPU architecture of every host (default x86_64); packages must match it.
    #[serde(default = "default_arch")]
    pub arch: String,
    /// Zones in `DBA_OB_ZONES` order (default zone1..zone3 with one server each,
    /// 10.0.0.1..3, agent port 2886, SQL port 2881).
    #[serde(default = "default_zones")]
    pub zones: Vec<ZoneConfig>,
    /// `cluster_name` and `cluster_id` (defaults `obcluster`, 1), as `GET /api/v1/ob/info`
    /// reports them.
    #[serde(default = "default_cluster_name")]
    pub name: String,
    #[serde(default = "default_cluster_id")]
    pub id: u64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            agent_version: default_agent_version(),
            agent_release: default_agent_release(),
            ob_version: default_ob_version(),
            ob_release: default_ob_release(),
            arch: default_arch(),
            zones: default_zones(),
            name: default_cluster_name(),
            id: default_cluster_id(),
        }
    }
}

fn default_cluster_name() -> String {
    "obcluster".into()
}
fn default_cluster_id() -> u64 {
    1
}

fn default_agent_version() -> String {
    "4.2.0.0".into()
}
fn default_agent_release() -> String {
    "20231130120000.el7".into()
}
fn default_ob_version() -> String {
    "4.2.1.0".into()
}
fn default_ob_release() -> String {
    "100000102023092807.el7".into()
}
fn default_arch() -> String {
    "x86_64".into()
}
fn default_zones() -> Vec<ZoneConfig> {
    (1..=3)
        .map(|i| ZoneConfig {
            name: format!("zone{i}"),
            servers: ServersConfig::List(vec![ServerConfig {
                ip: format!("10.0.0.{i}"),
                port: default_port(),
                sql_port: default_sql_port(),
                rpc_port: default_rpc_port(),
            }]),
        })
        .collect()
}

/// One zone.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    pub name: String,
    /// A list of servers, or a count (`servers: 100`: generated as 10.<zone>.<hi>.<lo>:2886).
    pub servers: ServersConfig,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ServersConfig {
    Count(u32),
    List(Vec<ServerConfig>),
}

/// One host: its agent and its observer.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub ip: String,
    /// Agent port (default 2886).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Observer SQL port (default 2881).
    #[serde(default = "default_sql_port")]
    pub sql_port: u16,
    /// Observer RPC port (default 2882), `svr_port` in `DBA_OB_SERVERS`.
    #[serde(default = "default_rpc_port")]
    pub rpc_port: u16,
}

fn default_rpc_port() -> u16 {
    2882
}
fn default_port() -> u16 {
    2886
}
fn default_sql_port() -> u16 {
    2881
}

/// A package in the agent's package store.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    /// `obshell`, `oceanbase-ce`, `oceanbase-ce-libs` or `oceanbase`.
    pub name: String,
    pub version: String,
    pub release: String,
    /// Default: the cluster's arch.
    #[serde(default)]
    pub arch: Option<String>,
    /// The `oceanbase_upgrade_dep.yml` an `oceanbase-ce` package ships, in the real file's
    /// shape: the versions the route may pass through and which of them are barriers
    /// (`require_from_binary`: the observer is reinstalled and restarted at that version, one
    /// more "Upgrade process"). Absent: a direct route from the running OB version (one
    /// step); `[]`: the package carries no YAML, and an upgrade to another version fails with
    /// `OB.Upgrade.DepYamlMissing`, as the real server's does.
    #[serde(default)]
    pub upgrade_dep: Option<Vec<UpgradeDepEntry>>,
}

impl PackageConfig {
    /// The route as the YAML text the package carries ("" when none), `running` the cluster's
    /// OB version (the start of the direct route an `oceanbase-ce` without the key gets).
    pub fn upgrade_dep_yaml(&self, running: &str) -> String {
        let direct;
        let entries = match &self.upgrade_dep {
            Some(e) => e,
            None if self.name == "oceanbase-ce" && self.version != running => {
                direct = [
                    UpgradeDepEntry {
                        version: running.to_string(),
                        can_be_upgraded_to: vec![self.version.clone()],
                        require_from_binary: None,
                        deprecated: false,
                    },
                    UpgradeDepEntry {
                        version: self.version.clone(),
                        can_be_upgraded_to: Vec::new(),
                        require_from_binary: None,
                        deprecated: false,
                    },
                ];
                &direct[..]
            }
            None => return String::new(),
        };
        if entries.is_empty() {
            return String::new();
        }
        serde_yaml_ng::to_string(entries).unwrap_or_default()
    }
}

/// One entry of `oceanbase_upgrade_dep.yml` (HEAD and 4.2.6 `executor/ob/upgrade_route.go`
/// `VersionDep`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpgradeDepEntry {
    /// `<version>` or `<version>-<build number>`, e.g. `4.2.1.0` or `4.2.1.0-100000102023092807`.
    pub version: String,
    /// The versions this one upgrades to directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub can_be_upgraded_to: Vec<String>,
    /// Whether the route must stop at this version (a barrier: one more upgrade process):
    /// `true`/`false`, or `{value, when_come_from: [versions]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_from_binary: Option<RequireFromBinary>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
}

/// `require_from_binary`: a flag, or a flag that holds only when coming from certain versions.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RequireFromBinary {
    Flag(bool),
    When {
        value: bool,
        #[serde(default)]
        when_come_from: Vec<String>,
    },
}

/// Node durations.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageDurations {
    /// Every node not named below (default 5s).
    #[serde(default = "default_stage")]
    pub default: String,
    /// Overrides by node name ("Reinstall and restart observer": 1m).
    #[serde(default)]
    pub nodes: IndexMap<String, String>,
}

impl Default for StageDurations {
    fn default() -> Self {
        Self {
            default: default_stage(),
            nodes: IndexMap::new(),
        }
    }
}

fn default_stage() -> String {
    "5s".into()
}

/// Domain faults present from the start (the timeline can add more).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ObshellFaultsConfig")]
#[serde(deny_unknown_fields)]
pub struct FaultsConfig {
    /// Nodes that fail.
    #[serde(default)]
    pub fail_nodes: Vec<FailNode>,
    /// Agents (`ip:port`) that are not RUNNING.
    #[serde(default)]
    pub agents_down: Vec<String>,
    /// Observers (`ip:port` of their agent, or `ip:sql_port`) that are down.
    #[serde(default)]
    pub observers_down: Vec<String>,
    /// How long the agent refuses connections once "Restart obshell" starts (default 0s).
    #[serde(default = "zero")]
    pub restart_refusal: String,
}

impl Default for FaultsConfig {
    fn default() -> Self {
        Self {
            fail_nodes: Vec::new(),
            agents_down: Vec::new(),
            observers_down: Vec::new(),
            restart_refusal: zero(),
        }
    }
}

fn zero() -> String {
    "0s".into()
}

/// A node that fails.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailNode {
    /// Which DAGs: `agent` (agent upgrades), `ob` (OB upgrades), `any` (default).
    #[serde(default = "any")]
    pub dag: String,
    /// The stage number (1-based) ...
    #[serde(default)]
    pub stage: Option<usize>,
    /// ... or the node name (case-insensitive). One of the two is required.
    #[serde(default)]
    pub node: Option<String>,
    /// The agent whose sub task fails (`ip:port`); default: the node's first sub task.
    #[serde(default)]
    pub agent: Option<String>,
    /// The log line the failed sub task ends with.
    #[serde(default)]
    pub log: Option<String>,
    /// Which attempts fail (1 = the first run; default [1], so a RETRY succeeds);
    /// an empty list fails every attempt.
    #[serde(default = "first_attempt")]
    pub attempts: Vec<u32>,
}

fn any() -> String {
    "any".into()
}
fn first_attempt() -> Vec<u32> {
    vec![1]
}

impl FailNode {
    pub fn validate(&self, path: &str) -> Result<(), Invalid> {
        if !matches!(self.dag.as_str(), "agent" | "ob" | "any") {
            return Err(Invalid::new(
                &format!("{path}.dag"),
                "must be agent, ob or any",
            ));
        }
        if self.stage.is_none() && self.node.is_none() {
            return Err(Invalid::new(
                path,
                "name the failing node by `stage: N` or `node: \"Check all required packages\"`",
            ));
        }
        if self.stage == Some(0) {
            return Err(Invalid::new(
                &format!("{path}.stage"),
                "stages count from 1",
            ));
        }
        Ok(())
    }
}

/// Parses a duration key, naming it on error.
pub fn duration(path: &str, text: &str) -> Result<Millis, Invalid> {
    parse_duration(text).map_err(|e| Invalid::new(path, &e))
}
