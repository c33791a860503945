//! The `ota:` section of a scenario: tokens, the fleet, task durations, plan defaults and
//! faults. Raw serde types first (every field has a documented default; unknown keys are
//! errors), then [`Settings`], the validated form the model runs on. docs/ota.md mirrors this.

use serde::Deserialize;

use crate::kernel::clock::parse_duration;
use crate::kernel::Invalid;
use crate::kernel::Millis;

/// The `ota:` section.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "OtaConfig")]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Bearer tokens the service accepts (default: `sim-token` for user `admin`).
    #[serde(default = "default_tokens")]
    pub tokens: Vec<TokenConfig>,
    /// The agents the service manages (default: none).
    #[serde(default)]
    pub fleet: FleetConfig,
    /// How long one agent's update takes: uniform between min and max, drawn per task from
    /// the seed and the task's (plan, agent) (default 30s..90s).
    #[serde(default)]
    pub task_duration: DurationRange,
    /// A running task that has not finished after this long fails with "upgrade failed:
    /// timeout" (default: none, so a hung batch hangs until cancelled).
    #[serde(default)]
    pub task_timeout: Option<String>,
    /// Values for the optional request fields a client leaves out.
    #[serde(default)]
    pub defaults: PlanDefaults,
    /// observeDuration values taken as "not given" (default: ["value"], the placeholder the
    /// vendor doc's own request example sends).
    #[serde(default = "default_placeholders")]
    pub placeholder_durations: Vec<String>,
    /// A plan whose task list is longer than this is answered in summary view (see
    /// docs/ota.md, "Big plans"); `?view=full` still gets everything (default 1000).
    #[serde(default = "default_full_view_limit")]
    pub full_view_max_tasks: usize,
    #[serde(default)]
    pub faults: FaultsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            tokens: default_tokens(),
            fleet: FleetConfig::default(),
            task_duration: DurationRange::default(),
            task_timeout: None,
            defaults: PlanDefaults::default(),
            placeholder_durations: default_placeholders(),
            full_view_max_tasks: default_full_view_limit(),
            faults: FaultsConfig::default(),
        }
    }
}

fn default_tokens() -> Vec<TokenConfig> {
    vec![TokenConfig {
        token: "sim-token".into(),
        user: "admin".into(),
    }]
}

fn default_placeholders() -> Vec<String> {
    vec!["value".into()]
}

fn default_full_view_limit() -> usize {
    1000
}

/// `{token: sim-token, user: admin}`: the user is the default `createdBy`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    pub token: String,
    #[serde(default = "default_user")]
    pub user: String,
}

fn default_user() -> String {
    "admin".into()
}

/// The fleet: agents listed one by one, and generated ranges of identical agents (both
/// default to none).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FleetConfig {
    pub agents: Vec<AgentConfig>,
    pub generate: Vec<GenerateConfig>,
}

/// One agent. Ids of the node, the LCA and the component are derived from the seed and the
/// agent id when not given (32 hex digits, as the service shows them).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub id: String,
    /// Default 1.2.0.
    #[serde(default = "default_version")]
    pub version: String,
    /// Default "215".
    #[serde(default = "default_release")]
    pub release: String,
    /// The managed component the agent runs (default zmetis).
    #[serde(default = "default_component")]
    pub component: String,
    /// The node hosting it; agents naming the same node share its node and LCA uuids
    /// (default: a node of its own, named after the agent).
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default)]
    pub node_uuid: Option<String>,
    #[serde(default)]
    pub lca_uuid: Option<String>,
    /// Starts offline (runtimeStatus "offline"); default false.
    #[serde(default)]
    pub offline: bool,
}

/// `{prefix: agent-, count: 500, version: 1.2.0, release: "215"}` makes agent-0001 ...
/// agent-0500 (numbers zero-padded to `digits`, default: the width of `start + count - 1`,
/// at least 4).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateConfig {
    pub prefix: String,
    pub count: usize,
    #[serde(default = "default_start")]
    pub start: usize,
    #[serde(default)]
    pub digits: Option<usize>,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default = "default_release")]
    pub release: String,
    #[serde(default = "default_component")]
    pub component: String,
    /// Agents per node (default 1: each agent its own node and LCA).
    #[serde(default = "default_per_node")]
    pub agents_per_node: usize,
}

fn default_version() -> String {
    "1.2.0".into()
}
fn default_release() -> String {
    "215".into()
}
fn default_component() -> String {
    "zmetis".into()
}
fn default_start() -> usize {
    1
}
fn default_per_node() -> usize {
    1
}

/// A duration range: `{min: 30s, max: 90s}`; min == max gives a fixed duration.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DurationRange {
    #[serde(default = "default_min")]
    pub min: String,
    #[serde(default = "default_max")]
    pub max: String,
}

impl Default for DurationRange {
    fn default() -> Self {
        Self {
            min: default_min(),
            max: default_max(),
        }
    }
}

fn default_min() -> String {
    "30s".into()
}
fn default_max() -> String {
    "90s".into()
}

/// Defaults for the request fields the doc's example sends but does not list.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDefaults {
    /// Default 10.
    #[serde(default = "default_batch_size")]
    pub batch_size: u64,
    /// Default 5.
    #[serde(default = "default_concurrency")]
    pub concurrency: u64,
    /// Default 0.1.
    #[serde(default = "default_threshold")]
    pub failure_threshold: f64,
    /// Default "30s".
    #[serde(default = "default_observe")]
    pub observe_duration: String,
}

impl Default for PlanDefaults {
    fn default() -> Self {
        Self {
            batch_size: default_batch_size(),
            concurrency: default_concurrency(),
            failure_threshold: default_threshold(),
            observe_duration: default_observe(),
        }
    }
}

fn default_batch_size() -> u64 {
    10
}
fn default_concurrency() -> u64 {
    5
}
fn default_threshold() -> f64 {
    0.1
}
fn default_observe() -> String {
    "30s".into()
}

/// Domain faults.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "OtaFaultsConfig")]
#[serde(default, deny_unknown_fields)]
pub struct FaultsConfig {
    /// Chances that a task fails, per plan and/or batch; the highest matching rate applies.
    pub failure_rates: Vec<FailureRate>,
    /// Agents whose next `times` updates fail.
    pub failing_agents: Vec<FailingAgent>,
    /// Agents that drop off the network part-way through their update.
    pub offline_agents: Vec<OfflineAgent>,
    /// Batches whose tasks start and never report back.
    pub hanging_batches: Vec<BatchRef>,
    /// The error a failed update reports (default "upgrade failed: exit status 1").
    #[serde(default = "default_error")]
    pub error: String,
}

fn default_error() -> String {
    "upgrade failed: exit status 1".into()
}

/// `{rate: 0.5, batch: 2, plan: 0}`: batch and plan (the n-th plan created, from 0) are
/// optional filters; without them the rate applies to every task.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureRate {
    pub rate: f64,
    #[serde(default)]
    pub batch: Option<usize>,
    #[serde(default)]
    pub plan: Option<usize>,
}

/// `{agent: item7, times: 1}` (times default 1: a retry then succeeds).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailingAgent {
    pub agent: String,
    #[serde(default = "default_times")]
    pub times: u32,
    /// Overrides `faults.error` for this agent.
    #[serde(default)]
    pub error: Option<String>,
}

fn default_times() -> u32 {
    1
}

/// `{agent: item9, after: 20s, for: 5m}`: `after` into its next update the agent goes
/// offline (the task fails); it comes back `for` later (default: never, until the
/// `agent_online` timeline action).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineAgent {
    pub agent: String,
    #[serde(default = "default_after")]
    pub after: String,
    #[serde(default, rename = "for")]
    pub for_: Option<String>,
}

fn default_after() -> String {
    "10s".into()
}

/// `{batch: 3, plan: 0}` (plan optional: every plan's batch 3).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRef {
    pub batch: usize,
    #[serde(default)]
    pub plan: Option<usize>,
}

/// The validated section.
#[derive(Debug, Clone)]
pub struct Settings {
    pub tokens: Vec<TokenConfig>,
    pub duration_min: Millis,
    pub duration_max: Millis,
    pub task_timeout: Option<Millis>,
    pub batch_size: u64,
    pub concurrency: u64,
    pub failure_threshold: f64,
    pub observe_ms: Millis,
    pub placeholder_durations: Vec<String>,
    pub full_view_max_tasks: usize,
    pub failure_rates: Vec<FailureRate>,
    pub hanging_batches: Vec<BatchRef>,
    pub error: String,
}

fn duration(path: &str, text: &str) -> Result<Millis, Invalid> {
    parse_duration(text).map_err(|e| Invalid::new(path, &e))
}

impl Config {
    /// Checks everything but the fleet (the model checks agents while building them).
    pub fn settings(&self) -> Result<Settings, Invalid> {
        if self.tokens.is_empty() {
            return Err(Invalid::new(
                "ota.tokens",
                "list at least one token, e.g. [{token: sim-token, user: admin}]",
            ));
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if t.token.is_empty() || t.token.contains(char::is_whitespace) {
                return Err(Invalid::new(
                    &format!("ota.tokens[{i}].token"),
                    "a token must be non-empty and without spaces",
                ));
            }
        }
        let duration_min = duration("ota.task_duration.min", &self.task_duration.min)?;
        let duration_max = duration("ota.task_duration.max", &self.task_duration.max)?;
        if duration_min > duration_max {
            return Err(Invalid::new(
                "ota.task_duration.min",
                "min must not be longer than max",
            ));
        }
        if duration_max == 0 {
            return Err(Invalid::new(
                "ota.task_duration.max",
                "an update takes some time: use at least 1ms",
            ));
        }
        let task_timeout = match &self.task_timeout {
            Some(t) => {
                let ms = duration("ota.task_timeout", t)?;
                if ms == 0 {
                    return Err(Invalid::new(
                        "ota.task_timeout",
                        "a timeout of 0 fails every task; leave it out for no timeout",
                    ));
                }
                Some(ms)
            }
            None => None,
        };
        let d = &self.defaults;
        if d.batch_size < 1 {
            return Err(Invalid::new(
                "ota.defaults.batch_size",
                "must be at least 1",
            ));
        }
        if d.concurrency < 1 {
            return Err(Invalid::new(
                "ota.defaults.concurrency",
                "must be at least 1",
            ));
        }
        if !(0.0..=1.0).contains(&d.failure_threshold) {
            return Err(Invalid::new(
                "ota.defaults.failure_threshold",
                "must be a fraction between 0 and 1",
            ));
        }
        let observe_ms = duration("ota.defaults.observe_duration", &d.observe_duration)?;
        for (i, r) in self.faults.failure_rates.iter().enumerate() {
            if !(0.0..=1.0).contains(&r.rate) {
                return Err(Invalid::new(
                    &format!("ota.faults.failure_rates[{i}].rate"),
                    "a failure rate is a chance between 0 and 1",
                ));
            }
        }
        if self.full_view_max_tasks == 0 {
            return Err(Invalid::new(
                "ota.full_view_max_tasks",
                "must be at least 1",
            ));
        }
        Ok(Settings {
            tokens: self.tokens.clone(),
            duration_min,
            duration_max,
            task_timeout,
            batch_size: d.batch_size,
            concurrency: d.concurrency,
            failure_threshold: d.failure_threshold,
            observe_ms,
            placeholder_durations: self.placeholder_durations.clone(),
            full_view_max_tasks: self.full_view_max_tasks,
            failure_rates: self.faults.failure_rates.clone(),
            hanging_batches: self.faults.hanging_batches.clone(),
            error: self.faults.error.clone(),
        })
    }
}
