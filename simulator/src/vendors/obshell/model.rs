//! The vendor's domain type, [`Model`]: the cluster, the package store, the DAGs with their
//! timers and the maintenance lock, built from the scenario's `obshell:` section, and its face
//! to the engine ([`VendorModel`]: timers, refusals, snapshot, timeline actions). What it does
//! lives by concern: `cluster`, `lifecycle`, `scheduler`, `operators`, `failures`, `snapshot`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::cluster::{Maintenance, Package, Server};
use super::config::{self, AuthVersion, Config, FailNode, Profile, ServersConfig};
use super::failures::Fault;
use super::lifecycle::Dag;
use super::ops::{action_error, Operation};
use crate::engine::{Refusal, VendorModel};
use crate::kernel::{Core, Invalid, Millis, TimerQueue};

/// This vendor's name in the journal, the state snapshot and the registry.
pub const VENDOR: &str = "obshell";
/// The scheduler's tick: a DAG starts (or restarts after an operator) one tick after it is made.
pub const TICK_MS: Millis = 1000;

/// The actions a scenario timeline may call.
const ACTIONS: &[&str] = &[
    "upgrade_agent",
    "upgrade_ob",
    "operate_dag",
    "observer_down",
    "observer_up",
    "agent_down",
    "agent_up",
    "fail_node",
];

/// This vendor's resources and timers.
#[derive(Debug)]
pub struct Model {
    pub profile: Profile,
    pub auth: Vec<AuthVersion>,
    pub password: String,
    pub agent_password: Option<String>,
    pub agent_version: String,
    pub agent_release: String,
    pub ob_version: String,
    pub ob_release: String,
    pub arch: String,
    pub cluster_name: String,
    pub cluster_id: u64,
    pub zones: Vec<String>,
    pub servers: Vec<Server>,
    pub packages: Vec<Package>,
    pub(super) default_duration: Millis,
    pub(super) durations: BTreeMap<String, Millis>,
    pub fail_nodes: Vec<FailNode>,
    pub(super) restart_refusal: Millis,
    /// Until when the agent resets connections ("Restart obshell" restarts it).
    pub refusing_until: Millis,
    pub dags: Vec<Dag>,
    pub(super) next_dag_id: u64,
    pub(super) next_node_id: u64,
    pub(super) next_task_id: u64,
    pub(super) next_pkg_id: u64,
    pub(super) node_index: BTreeMap<u64, (usize, usize)>,
    pub(super) task_index: BTreeMap<u64, (usize, usize, usize)>,
    /// One timer per DAG: (DAG index, the generation it was set in).
    pub(super) timers: TimerQueue<(usize, u64)>,
    /// The global maintenance lock.
    pub maintenance: Maintenance,
}

impl Model {
    pub fn new(c: &Config, core: &mut Core) -> Result<Self, Invalid> {
        let _ = core;
        let auth = c.auth.clone().unwrap_or_else(|| match c.version_profile {
            Profile::Legacy => vec![AuthVersion::V2],
            Profile::Current => vec![AuthVersion::V2],
        });
        if auth.is_empty() {
            return Err(Invalid::new("obshell.auth", "list at least one of v1, v2"));
        }
        if c.version_profile == Profile::Current && auth.contains(&AuthVersion::V1) {
            return Err(Invalid::new(
                "obshell.auth",
                "the current profile (obshell >= 4.3.1) has no v1 auth; use [v2] or the legacy profile",
            ));
        }
        let cl = &c.cluster;
        if cl.zones.is_empty() {
            return Err(Invalid::new(
                "obshell.cluster.zones",
                "needs at least one zone",
            ));
        }
        let mut servers = Vec::new();
        let mut zones = Vec::new();
        for (z, zone) in cl.zones.iter().enumerate() {
            if zones.contains(&zone.name) {
                return Err(Invalid::new(
                    &format!("obshell.cluster.zones[{z}].name"),
                    &format!("zone '{}' is listed twice", zone.name),
                ));
            }
            zones.push(zone.name.clone());
            let list = match &zone.servers {
                ServersConfig::Count(n) => (0..*n)
                    .map(|i| config::ServerConfig {
                        ip: format!("10.{}.{}.{}", z + 1, (i + 1) / 256, (i + 1) % 256),
                        port: 2886,
                        sql_port: 2881,
                        rpc_port: 2882,
                    })
                    .collect(),
                ServersConfig::List(l) => l.clone(),
            };
            if list.is_empty() {
                return Err(Invalid::new(
                    &format!("obshell.cluster.zones[{z}].servers"),
                    "a zone needs at least one server",
                ));
            }
            for s in list {
                servers.push(Server {
                    ip: s.ip,
                    port: s.port,
                    sql_port: s.sql_port,
                    rpc_port: s.rpc_port,
                    zone: z,
                    agent_up: true,
                    observer_up: true,
                });
            }
        }
        for f in [&cl.agent_release, &cl.ob_release] {
            if !f.contains('.') {
                return Err(Invalid::new(
                    "obshell.cluster",
                    &format!("release '{f}' must look like <build>.<distribution> (e.g. 20231130120000.el7)"),
                ));
            }
        }
        let mut packages = Vec::new();
        for (i, p) in c.packages.iter().enumerate() {
            if !matches!(
                p.name.as_str(),
                "obshell" | "oceanbase-ce" | "oceanbase-ce-libs" | "oceanbase"
            ) {
                return Err(Invalid::new(
                    &format!("obshell.packages[{i}].name"),
                    "must be obshell, oceanbase-ce, oceanbase-ce-libs or oceanbase",
                ));
            }
            packages.push(Package {
                pkg_id: i as u64 + 1,
                name: p.name.clone(),
                version: p.version.clone(),
                release: p.release.clone(),
                arch: p.arch.clone().unwrap_or_else(|| cl.arch.clone()),
                size: 50_000_000,
                payload_size: 50_000_000,
                chunk_count: 1,
                md5: String::new(),
                upgrade_dep_yaml: p.upgrade_dep_yaml(&cl.ob_version),
                uploaded_at: 0,
            });
        }
        let default_duration = config::duration(
            "obshell.stage_durations.default",
            &c.stage_durations.default,
        )?;
        let mut durations = BTreeMap::new();
        for (name, d) in &c.stage_durations.nodes {
            let ms = config::duration(&format!("obshell.stage_durations.nodes.{name}"), d)?;
            durations.insert(name.to_lowercase(), ms);
        }
        for (i, f) in c.faults.fail_nodes.iter().enumerate() {
            f.validate(&format!("obshell.faults.fail_nodes[{i}]"))?;
        }
        let restart_refusal =
            config::duration("obshell.faults.restart_refusal", &c.faults.restart_refusal)?;
        let mut m = Self {
            profile: c.version_profile,
            auth,
            password: c.password.clone(),
            agent_password: c.agent_password.clone(),
            agent_version: cl.agent_version.clone(),
            agent_release: cl.agent_release.clone(),
            ob_version: cl.ob_version.clone(),
            ob_release: cl.ob_release.clone(),
            arch: cl.arch.clone(),
            cluster_name: cl.name.clone(),
            cluster_id: cl.id,
            zones,
            servers,
            next_pkg_id: packages.len() as u64 + 1,
            packages,
            default_duration,
            durations,
            fail_nodes: c.faults.fail_nodes.clone(),
            restart_refusal,
            refusing_until: 0,
            dags: Vec::new(),
            next_dag_id: c.first_dag_id.max(1),
            next_node_id: 1,
            next_task_id: 1,
            node_index: BTreeMap::new(),
            task_index: BTreeMap::new(),
            timers: TimerQueue::default(),
            maintenance: Maintenance::default(),
        };
        for (i, a) in c.faults.agents_down.iter().enumerate() {
            m.set_agent(a, false)
                .map_err(|e| Invalid::new(&format!("obshell.faults.agents_down[{i}]"), &e))?;
        }
        for (i, a) in c.faults.observers_down.iter().enumerate() {
            m.set_observer(a, false)
                .map_err(|e| Invalid::new(&format!("obshell.faults.observers_down[{i}]"), &e))?;
        }
        Ok(m)
    }
}

impl VendorModel for Model {
    fn vendor(&self) -> &'static str {
        VENDOR
    }
    fn next_due(&self) -> Option<Millis> {
        self.next_timer()
    }
    fn fire_due(&mut self, core: &mut Core) {
        self.fire(core);
    }
    fn snapshot(&self, _core: &Core) -> Value {
        self.snapshot_json()
    }
    fn actions(&self) -> &'static [&'static str] {
        ACTIONS
    }
    fn refusal(&self, core: &Core, _method: &str, _path: &str) -> Option<Refusal> {
        // While "Restart obshell" restarts the agent, connections are reset.
        (core.now() < self.refusing_until).then_some(Refusal::Reset)
    }
    /// A client call builds the same [`Operation`] a request does; a domain fault is a [`Fault`].
    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        if let Some(op) = Operation::from_action(self, action, args) {
            return op?
                .apply(self, core)
                .map(|_| ())
                .map_err(|e| action_error(&e));
        }
        match Fault::from_action(action, args) {
            Some(fault) => fault?.apply(self),
            None => Err(format!(
                "obshell has no action '{action}'; its actions are: {}",
                ACTIONS.join(", ")
            )),
        }
    }
}
