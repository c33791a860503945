//! The OBShell world: the cluster (zones, servers, agents, observers, versions), the package
//! store, and the task engine that runs upgrade DAGs stage by stage on virtual time (one timer
//! per DAG, for its next state change), with the operators RETRY / ROLLBACK / CANCEL / PASS,
//! the global maintenance lock and the scenario's domain faults.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::config::{self, AuthVersion, Config, FailNode, Profile, ServersConfig};
use super::error::ObError;
use super::state::{DagState, Flags, NodeState, Operator, TaskState};
use super::templates::{self, DagKind, NodeSpec};
use crate::kernel::Invalid;
use crate::kernel::{transition, Core, Millis, TimerQueue};

const V: &str = "obshell";
/// The scheduler's tick: a DAG starts (or restarts after an operator) one tick after it is made.
pub const TICK_MS: Millis = 1000;

/// One host: its agent and its observer.
#[derive(Debug, Clone)]
pub struct Server {
    pub ip: String,
    pub port: u16,
    pub sql_port: u16,
    pub zone: usize,
    pub agent_up: bool,
    pub observer_up: bool,
}

impl Server {
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
    pub fn sql_addr(&self) -> String {
        format!("{}:{}", self.ip, self.sql_port)
    }
}

/// A package in the store.
#[derive(Debug, Clone)]
pub struct Package {
    pub pkg_id: u64,
    pub name: String,
    pub version: String,
    pub release: String,
    pub arch: String,
    pub size: u64,
    pub uploaded_at: Millis,
}

impl Package {
    pub fn rpm(&self) -> String {
        rpm_name(&self.name, &self.version, &self.release, &self.arch)
    }
}

pub fn rpm_name(name: &str, version: &str, release: &str, arch: &str) -> String {
    format!("{name}-{version}-{release}.{arch}.rpm")
}

/// A DTO time: Go's zero, `time.Unix(0,0)` after an operator reset, or a virtual instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    Unix0,
    At(Millis),
}

#[derive(Debug, Clone)]
pub struct SubTask {
    pub task_id: u64,
    pub server: usize,
    pub state: TaskState,
    pub operator: Operator,
    pub start: Time,
    pub end: Time,
    pub execute_times: u32,
    /// `None` until the sub task first runs (the DTO shows `null`).
    pub logs: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub node_id: u64,
    pub name: String,
    pub flags: Flags,
    /// The zone a per-zone node concerns.
    pub zone: Option<usize>,
    pub state: NodeState,
    pub operator: Operator,
    pub start: Time,
    pub end: Time,
    pub tasks: Vec<SubTask>,
}

#[derive(Debug, Clone)]
pub struct Dag {
    pub dag_id: u64,
    pub kind: DagKind,
    pub name: String,
    pub version: String,
    pub release: String,
    pub state: DagState,
    pub operator: Operator,
    pub stage: usize,
    pub nodes: Vec<Node>,
    pub start: Time,
    pub end: Time,
    pub maintenance: bool,
    /// Bumped by every operator, so that a timer set before it is ignored.
    pub generation: u64,
    /// The target package is absent (current servers find out at "Check all required packages").
    pub missing_package: Option<String>,
}

impl Dag {
    pub fn generic_id(&self) -> String {
        format!("1{}", self.dag_id)
    }
    fn res(&self) -> String {
        format!("dag/{}", self.dag_id)
    }
}

/// This vendor's resources and timers.
#[derive(Debug)]
pub struct Model {
    pub profile: Profile,
    pub auth: Vec<AuthVersion>,
    pub password: String,
    pub agent_version: String,
    pub agent_release: String,
    pub ob_version: String,
    pub ob_release: String,
    pub arch: String,
    pub zones: Vec<String>,
    pub servers: Vec<Server>,
    pub packages: Vec<Package>,
    default_duration: Millis,
    durations: BTreeMap<String, Millis>,
    pub fail_nodes: Vec<FailNode>,
    restart_refusal: Millis,
    pub refusing_until: Millis,
    pub dags: Vec<Dag>,
    next_dag_id: u64,
    next_node_id: u64,
    next_task_id: u64,
    next_pkg_id: u64,
    pub node_index: BTreeMap<u64, (usize, usize)>,
    pub task_index: BTreeMap<u64, (usize, usize, usize)>,
    timers: TimerQueue<(usize, u64)>,
    /// The DAG (index) holding the global maintenance lock.
    pub maintenance: Option<usize>,
}

impl Model {
    pub fn new(c: &Config, core: &mut Core) -> Result<Self, Invalid> {
        let auth = c.auth.clone().unwrap_or_else(|| match c.version_profile {
            Profile::Legacy => vec![AuthVersion::V1, AuthVersion::V2],
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
            agent_version: cl.agent_version.clone(),
            agent_release: cl.agent_release.clone(),
            ob_version: cl.ob_version.clone(),
            ob_release: cl.ob_release.clone(),
            arch: cl.arch.clone(),
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
            maintenance: None,
        };
        for (i, a) in c.faults.agents_down.iter().enumerate() {
            m.set_agent(a, false)
                .map_err(|e| Invalid::new(&format!("obshell.faults.agents_down[{i}]"), &e))?;
        }
        for (i, a) in c.faults.observers_down.iter().enumerate() {
            m.set_observer(a, false)
                .map_err(|e| Invalid::new(&format!("obshell.faults.observers_down[{i}]"), &e))?;
        }
        let _ = core;
        Ok(m)
    }

    /// The agent the SDK talks to (the first server): it creates DAGs and runs serial nodes.
    pub fn master(&self) -> &Server {
        &self.servers[0]
    }

    /// `VERSION-BUILD` of the running agent, as the upgrade check compares it.
    pub fn agent_full_version(&self) -> String {
        format!(
            "{}-{}",
            self.agent_version,
            build_number(&self.agent_release)
        )
    }

    pub fn ob_full_version(&self) -> String {
        format!("{}-{}", self.ob_version, build_number(&self.ob_release))
    }

    fn find_servers(&self, who: &str) -> Result<Vec<usize>, String> {
        if let Some(z) = self.zones.iter().position(|z| z == who) {
            return Ok((0..self.servers.len())
                .filter(|&i| self.servers[i].zone == z)
                .collect());
        }
        let found: Vec<usize> = (0..self.servers.len())
            .filter(|&i| self.servers[i].addr() == who || self.servers[i].sql_addr() == who)
            .collect();
        if found.is_empty() {
            Err(format!(
                "no server or zone '{who}' (use a zone name or ip:port of a server)"
            ))
        } else {
            Ok(found)
        }
    }

    pub fn set_agent(&mut self, who: &str, up: bool) -> Result<(), String> {
        for i in self.find_servers(who)? {
            self.servers[i].agent_up = up;
        }
        Ok(())
    }

    pub fn set_observer(&mut self, who: &str, up: bool) -> Result<(), String> {
        for i in self.find_servers(who)? {
            self.servers[i].observer_up = up;
        }
        Ok(())
    }

    pub fn has_package(&self, name: &str, version: &str, release: &str) -> bool {
        self.packages.iter().any(|p| {
            p.name == name && p.version == version && p.release == release && p.arch == self.arch
        })
    }

    /// Registers an uploaded package (replacing one with the same coordinates).
    pub fn add_package(
        &mut self,
        core: &Core,
        name: &str,
        version: &str,
        release: &str,
        arch: &str,
        size: u64,
    ) -> Package {
        self.packages.retain(|p| {
            !(p.name == name && p.version == version && p.release == release && p.arch == arch)
        });
        let p = Package {
            pkg_id: self.next_pkg_id,
            name: name.into(),
            version: version.into(),
            release: release.into(),
            arch: arch.into(),
            size,
            uploaded_at: core.now(),
        };
        self.next_pkg_id += 1;
        self.packages.push(p.clone());
        p
    }

    fn duration_of(&self, node: &str) -> Millis {
        self.durations
            .get(&node.to_lowercase())
            .copied()
            .unwrap_or(self.default_duration)
    }

    /// The name of the DAG holding the maintenance lock, if any.
    pub fn maintenance_holder(&self) -> Option<&Dag> {
        self.maintenance.and_then(|d| self.dags.get(d))
    }

    /// Makes a DAG from a template, READY at stage 1; upgrade DAGs take the lock.
    pub fn create_dag(
        &mut self,
        core: &mut Core,
        kind: DagKind,
        version: &str,
        release: &str,
        freeze: bool,
        missing_package: Option<String>,
    ) -> Result<usize, ObError> {
        let name = kind.name(version, release);
        let maintenance = kind.takes_lock();
        if maintenance {
            if let Some(holder) = self.maintenance_holder() {
                return Err(ObError::under_maintenance(&name, &holder.name));
            }
        }
        let specs: Vec<NodeSpec> = templates::build(kind, &self.zones, freeze);
        let d = self.dags.len();
        let dag_id = self.next_dag_id;
        self.next_dag_id += 1;
        let now = core.now();
        let all: Vec<usize> = (0..self.servers.len()).collect();
        let mut nodes = Vec::with_capacity(specs.len());
        for (n, spec) in specs.into_iter().enumerate() {
            let node_id = self.next_node_id;
            self.next_node_id += 1;
            self.node_index.insert(node_id, (d, n));
            let agents: Vec<usize> = match (spec.parallel, spec.zone) {
                (false, _) => vec![0],
                (true, Some(z)) => all
                    .iter()
                    .copied()
                    .filter(|&i| self.servers[i].zone == z)
                    .collect(),
                (true, None) => all.clone(),
            };
            let mut tasks = Vec::with_capacity(agents.len());
            for (t, server) in agents.into_iter().enumerate() {
                let task_id = self.next_task_id;
                self.next_task_id += 1;
                self.task_index.insert(task_id, (d, n, t));
                tasks.push(SubTask {
                    task_id,
                    server,
                    state: TaskState::Pending,
                    operator: Operator::Run,
                    start: Time::At(now),
                    end: Time::At(now),
                    execute_times: 0,
                    logs: None,
                });
            }
            nodes.push(Node {
                node_id,
                name: spec.name,
                flags: spec.flags,
                zone: spec.zone,
                state: NodeState::Pending,
                operator: Operator::Run,
                start: Time::At(now),
                end: Time::At(now),
                tasks,
            });
        }
        let dag = Dag {
            dag_id,
            kind,
            name: name.clone(),
            version: version.into(),
            release: release.into(),
            state: DagState::Ready,
            operator: Operator::Run,
            stage: 1,
            nodes,
            start: Time::At(now),
            end: Time::At(now),
            maintenance,
            generation: 0,
            missing_package,
        };
        core.record(
            crate::kernel::EntryKind::Transition,
            V,
            &dag.res(),
            None,
            Some("READY".into()),
            json!({"created": name, "max_stage": dag.nodes.len()}),
        );
        self.dags.push(dag);
        if maintenance {
            self.maintenance = Some(d);
        }
        self.timers.schedule(now + TICK_MS, (d, 0));
        Ok(d)
    }

    /// Finds a DAG by generic id text (`"1" + dag_id`).
    pub fn dag_by_generic(&self, id: &str) -> Result<usize, ObError> {
        let n = parse_generic(id)?;
        self.dags
            .iter()
            .position(|d| d.dag_id == n)
            .ok_or_else(ObError::task_not_found)
    }

    // ---- the engine ------------------------------------------------------------------------

    fn step(&mut self, core: &mut Core, d: usize) {
        let res = self.dags[d].res();
        match self.dags[d].state {
            DagState::Ready if self.dags[d].operator == Operator::Cancel => {
                let now = core.now();
                let dag = &mut self.dags[d];
                transition(
                    core,
                    V,
                    &res,
                    &mut dag.state,
                    DagState::Failed,
                    json!({"operator": "CANCEL"}),
                );
                dag.end = Time::At(now);
                let s = dag.stage - 1;
                let node = &mut dag.nodes[s];
                if node.state == NodeState::Pending {
                    let nres = format!("{res}/node/{}", node.node_id);
                    transition(
                        core,
                        V,
                        &nres,
                        &mut node.state,
                        NodeState::Failed,
                        json!({"operator": "CANCEL"}),
                    );
                    node.operator = Operator::Cancel;
                    node.end = Time::At(now);
                }
            }
            DagState::Ready => {
                let now = core.now();
                let dag = &mut self.dags[d];
                let op = dag.operator;
                transition(
                    core,
                    V,
                    &res,
                    &mut dag.state,
                    DagState::Running,
                    json!({"operator": op.to_string()}),
                );
                dag.start = Time::At(now);
                let s = dag.stage - 1;
                if dag.nodes[s].state == NodeState::Succeed {
                    self.advance(core, d);
                } else {
                    self.start_node(core, d);
                }
            }
            DagState::Running => self.finish_node(core, d),
            DagState::Failed | DagState::Succeed => {}
        }
    }

    fn start_node(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let dag = &mut self.dags[d];
        let res = dag.res();
        let s = dag.stage - 1;
        let rollback = dag.operator == Operator::Rollback;
        let node = &mut dag.nodes[s];
        let nres = format!("{res}/node/{}", node.node_id);
        transition(
            core,
            V,
            &nres,
            &mut node.state,
            NodeState::Running,
            json!({"stage": s + 1, "name": node.name}),
        );
        node.start = Time::At(now);
        let verb = if rollback { "rollback" } else { "start" };
        for t in &mut node.tasks {
            let tres = format!("{nres}/task/{}", t.task_id);
            if t.state != TaskState::Pending {
                continue;
            }
            transition(core, V, &tres, &mut t.state, TaskState::Ready, Value::Null);
            transition(
                core,
                V,
                &tres,
                &mut t.state,
                TaskState::Running,
                Value::Null,
            );
            t.start = Time::At(now);
            t.execute_times += 1;
            t.logs
                .get_or_insert_with(Vec::new)
                .push(format!("{verb} task '{}'", node.name));
        }
        if node.name == "Restart obshell" && self.restart_refusal > 0 && !rollback {
            self.refusing_until = self.refusing_until.max(now + self.restart_refusal);
            core.fault(
                V,
                &nres,
                json!({"agent_restarting_until_ms": self.refusing_until}),
            );
        }
        let at = now + self.duration_of(&self.dags[d].nodes[s].name);
        let gen = self.dags[d].generation;
        self.timers.schedule(at, (d, gen));
    }

    /// Why sub task `t` of the current node fails now, if it does.
    fn failure_of(&self, d: usize, t: usize) -> Option<String> {
        let dag = &self.dags[d];
        let s = dag.stage - 1;
        let node = &dag.nodes[s];
        let task = &node.tasks[t];
        let server = &self.servers[task.server];
        if dag.operator == Operator::Rollback {
            return None;
        }
        if !server.agent_up {
            return Some(format!(
                "ERROR: [Agent.Unavailable]: Agent {} is not available",
                server.addr()
            ));
        }
        if node.name.contains("health checker") {
            let down: Vec<String> = self
                .servers
                .iter()
                .filter(|sv| !sv.observer_up && node.zone.is_none_or(|z| sv.zone == z))
                .map(Server::sql_addr)
                .collect();
            if !down.is_empty() {
                return Some(format!(
                    "ERROR: [OB.Server.Unavailable]: Observer '{}' is not available",
                    down.join(",")
                ));
            }
        }
        if let Some(rpm) = &dag.missing_package {
            if node.name == "Check all required packages" && t == 0 {
                return Some(format!(
                    "ERROR: [Agent.Package.NotFound]: Package {rpm} is not found"
                ));
            }
        }
        for f in &self.fail_nodes {
            let kind_ok = match f.dag.as_str() {
                "agent" => dag.kind.is_agent(),
                "ob" => dag.kind.is_ob(),
                _ => true,
            };
            let node_ok = f.stage.is_none_or(|st| st == s + 1)
                && f.node
                    .as_deref()
                    .is_none_or(|n| n.eq_ignore_ascii_case(&node.name));
            let agent_ok = match &f.agent {
                Some(a) => server.addr() == *a || server.ip == *a,
                None => t == 0,
            };
            let attempt_ok = f.attempts.is_empty() || f.attempts.contains(&task.execute_times);
            if kind_ok && node_ok && agent_ok && attempt_ok {
                return Some(f.log.clone().unwrap_or_else(|| {
                    format!(
                        "ERROR: [Common.Unexpected]: Unexpected error: '{}' failed on {}",
                        node.name,
                        server.addr()
                    )
                }));
            }
        }
        None
    }

    fn finish_node(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let s = self.dags[d].stage - 1;
        let failures: Vec<Option<String>> = (0..self.dags[d].nodes[s].tasks.len())
            .map(|t| {
                if self.dags[d].nodes[s].tasks[t].state == TaskState::Running {
                    self.failure_of(d, t)
                } else {
                    None
                }
            })
            .collect();
        let dag = &mut self.dags[d];
        let res = dag.res();
        let node = &mut dag.nodes[s];
        let nres = format!("{res}/node/{}", node.node_id);
        let mut failed = false;
        for (t, why) in node.tasks.iter_mut().zip(failures) {
            if t.state != TaskState::Running {
                continue;
            }
            let tres = format!("{nres}/task/{}", t.task_id);
            t.end = Time::At(now);
            match why {
                Some(line) => {
                    failed = true;
                    t.logs.get_or_insert_with(Vec::new).push(line.clone());
                    core.fault(V, &tres, json!({"log": line}));
                    transition(
                        core,
                        V,
                        &tres,
                        &mut t.state,
                        TaskState::Failed,
                        json!({"log": line}),
                    );
                }
                None => {
                    t.logs
                        .get_or_insert_with(Vec::new)
                        .push(format!("task '{}' succeed", node.name));
                    transition(
                        core,
                        V,
                        &tres,
                        &mut t.state,
                        TaskState::Succeed,
                        Value::Null,
                    );
                }
            }
        }
        node.end = Time::At(now);
        if failed {
            transition(
                core,
                V,
                &nres,
                &mut node.state,
                NodeState::Failed,
                Value::Null,
            );
            let name = node.name.clone();
            transition(
                core,
                V,
                &res,
                &mut dag.state,
                DagState::Failed,
                json!({"stage": s + 1, "node": name}),
            );
            dag.end = Time::At(now);
        } else {
            transition(
                core,
                V,
                &nres,
                &mut node.state,
                NodeState::Succeed,
                Value::Null,
            );
            self.advance(core, d);
        }
    }

    /// Moves past a finished node: the next (or previous, rolling back) node, or the end.
    fn advance(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let dag = &mut self.dags[d];
        let res = dag.res();
        let rollback = dag.operator == Operator::Rollback;
        let done = if rollback {
            dag.stage == 1
        } else {
            dag.stage == dag.nodes.len()
        };
        if !done {
            if rollback {
                dag.stage -= 1;
            } else {
                dag.stage += 1;
            }
            if dag.nodes[dag.stage - 1].state == NodeState::Succeed && !rollback {
                return self.advance(core, d);
            }
            return self.start_node(core, d);
        }
        let op = dag.operator;
        transition(
            core,
            V,
            &res,
            &mut dag.state,
            DagState::Succeed,
            json!({"operator": op.to_string()}),
        );
        dag.end = Time::At(now);
        if !rollback {
            let (v, r) = (dag.version.clone(), dag.release.clone());
            match dag.kind {
                DagKind::Agent => {
                    self.agent_version = v;
                    self.agent_release = r;
                }
                DagKind::ObRolling | DagKind::ObStopService => {
                    self.ob_version = v;
                    self.ob_release = r;
                }
                _ => {}
            }
        }
        self.release_lock(d);
    }

    fn release_lock(&mut self, d: usize) {
        if self.maintenance == Some(d) {
            self.maintenance = None;
        }
    }

    // ---- operators -------------------------------------------------------------------------

    /// `POST /api/v1/task/dag/{id}` with an operator (already upper-cased and known).
    pub fn operate(&mut self, core: &mut Core, d: usize, op_text: &str) -> Result<(), ObError> {
        use ObError as E;
        let Some(op) = Operator::parse(op_text).filter(|o| *o != Operator::Run) else {
            return Err(E::operator(
                "Task.Dag.Operator.NotSupport",
                format!("Operator {op_text} is not supported"),
            ));
        };
        let now = core.now();
        let dag = &self.dags[d];
        let s = dag.stage - 1;
        match op {
            Operator::Retry => {
                if dag.state != DagState::Failed {
                    return Err(E::operator(
                        "Task.Dag.Operator.RetryNotFailedDag",
                        "Failed to set DAG retry: DAG state is not failed".into(),
                    ));
                }
                if !dag.nodes[s].flags.retry {
                    return Err(E::operator(
                        "Task.Dag.Operator.RetryNotAllowed",
                        format!(
                            "Failed to set DAG retry: node {} cannot retry",
                            dag.nodes[s].name
                        ),
                    ));
                }
            }
            Operator::Rollback => {
                if dag.state != DagState::Failed {
                    return Err(E::operator(
                        "Task.Dag.Operator.RollbackNotFailedDag",
                        "Failed to set DAG rollback: DAG state is not failed".into(),
                    ));
                }
                if let Some(n) = dag.nodes[..=s].iter().find(|n| !n.flags.rollback) {
                    return Err(E::operator(
                        "Task.Dag.Operator.RollbackNotAllowed",
                        format!(
                            "Failed to set DAG rollback: node {} cannot rollback",
                            n.name
                        ),
                    ));
                }
            }
            Operator::Cancel => {
                if matches!(dag.state, DagState::Failed | DagState::Succeed) {
                    return Err(E::operator(
                        "Task.Dag.Operator.CancelFinishedDag",
                        "Failed to cancel DAG: DAG is finished".into(),
                    ));
                }
                if let Some(n) = dag.nodes[..=s].iter().find(|n| !n.flags.cancel) {
                    return Err(E::operator(
                        "Task.Dag.Operator.CancelNotAllowed",
                        format!("Failed to cancel DAG: node {} cannot cancel", n.name),
                    ));
                }
            }
            Operator::Pass => {
                if dag.state != DagState::Failed {
                    return Err(E::operator(
                        "Task.Dag.Operator.PassNotFailedDag",
                        "Failed to pass DAG: DAG is not failed".into(),
                    ));
                }
                if let Some(n) = dag
                    .nodes
                    .iter()
                    .find(|n| n.state != NodeState::Succeed && !n.flags.pass)
                {
                    return Err(E::operator(
                        "Task.Dag.Operator.PassNotAllowed",
                        format!("Failed to pass DAG: node {} cannot pass", n.name),
                    ));
                }
            }
            Operator::Run => {}
        }
        let dag = &mut self.dags[d];
        let res = dag.res();
        dag.generation += 1;
        let gen = dag.generation;
        core.event(V, &res, json!({"operator": op.to_string()}));
        match op {
            Operator::Retry | Operator::Rollback => {
                transition(
                    core,
                    V,
                    &res,
                    &mut dag.state,
                    DagState::Ready,
                    json!({"operator": op.to_string()}),
                );
                dag.operator = if op == Operator::Retry {
                    Operator::Run
                } else {
                    Operator::Rollback
                };
                dag.start = Time::Unix0;
                dag.end = Time::Unix0;
                let range = if op == Operator::Retry { s..=s } else { 0..=s };
                for node in &mut dag.nodes[range] {
                    if !matches!(node.state, NodeState::Failed | NodeState::Succeed) {
                        continue;
                    }
                    let nres = format!("{res}/node/{}", node.node_id);
                    transition(
                        core,
                        V,
                        &nres,
                        &mut node.state,
                        NodeState::Pending,
                        json!({"operator": op.to_string()}),
                    );
                    node.operator = op;
                    for t in &mut node.tasks {
                        if matches!(t.state, TaskState::Failed | TaskState::Succeed)
                            && (op == Operator::Rollback || t.state == TaskState::Failed)
                        {
                            let tres = format!("{nres}/task/{}", t.task_id);
                            transition(
                                core,
                                V,
                                &tres,
                                &mut t.state,
                                TaskState::Pending,
                                Value::Null,
                            );
                            t.operator = op;
                        }
                    }
                }
                self.timers.schedule(now + TICK_MS, (d, gen));
            }
            Operator::Cancel => {
                if dag.state == DagState::Running {
                    transition(
                        core,
                        V,
                        &res,
                        &mut dag.state,
                        DagState::Ready,
                        json!({"operator": "CANCEL"}),
                    );
                }
                dag.operator = Operator::Cancel;
                let node = &mut dag.nodes[s];
                let nres = format!("{res}/node/{}", node.node_id);
                if node.state == NodeState::Running {
                    transition(
                        core,
                        V,
                        &nres,
                        &mut node.state,
                        NodeState::Pending,
                        json!({"operator": "CANCEL"}),
                    );
                }
                node.operator = Operator::Cancel;
                for t in &mut node.tasks {
                    if t.state == TaskState::Running {
                        let tres = format!("{nres}/task/{}", t.task_id);
                        transition(
                            core,
                            V,
                            &tres,
                            &mut t.state,
                            TaskState::Pending,
                            Value::Null,
                        );
                        t.operator = Operator::Cancel;
                    }
                }
                self.timers.schedule(now + TICK_MS, (d, gen));
            }
            Operator::Pass => {
                transition(
                    core,
                    V,
                    &res,
                    &mut dag.state,
                    DagState::Succeed,
                    json!({"operator": "PASS"}),
                );
                dag.operator = Operator::Pass;
                dag.end = Time::At(now);
                for node in &mut dag.nodes {
                    if node.state == NodeState::Succeed {
                        continue;
                    }
                    let nres = format!("{res}/node/{}", node.node_id);
                    transition(
                        core,
                        V,
                        &nres,
                        &mut node.state,
                        NodeState::Succeed,
                        json!({"operator": "PASS"}),
                    );
                    node.operator = Operator::Pass;
                    for t in &mut node.tasks {
                        if t.state != TaskState::Succeed {
                            let tres = format!("{nres}/task/{}", t.task_id);
                            transition(
                                core,
                                V,
                                &tres,
                                &mut t.state,
                                TaskState::Succeed,
                                Value::Null,
                            );
                            t.operator = Operator::Pass;
                        }
                    }
                }
                self.release_lock(d);
            }
            Operator::Run => {}
        }
        Ok(())
    }

    /// `POST /api/v1/task/node/{id}`: only PASS, on a failed node of a failed DAG.
    pub fn pass_node(
        &mut self,
        core: &mut Core,
        d: usize,
        n: usize,
        op_text: &str,
    ) -> Result<(), ObError> {
        use ObError as E;
        if Operator::parse(op_text) != Some(Operator::Pass) {
            return Err(E::operator(
                "Task.Node.Operator.NotSupport",
                format!("Operator {op_text} is not supported"),
            ));
        }
        let dag = &self.dags[d];
        if dag.state != DagState::Failed {
            return Err(E::operator(
                "Task.Node.Operator.PassNotFailedDag",
                "Failed to pass node: DAG is not failed".into(),
            ));
        }
        let node = &dag.nodes[n];
        if node.state != NodeState::Failed {
            return Err(E::operator(
                "Task.Node.Operator.PassNotFailedNode",
                "Failed to pass node: node is not failed".into(),
            ));
        }
        if !node.flags.pass {
            return Err(E::operator(
                "Task.Node.Operator.PassNotAllowed",
                format!("Failed to pass node: node {} cannot pass", node.name),
            ));
        }
        let now = core.now();
        let dag = &mut self.dags[d];
        let res = dag.res();
        dag.generation += 1;
        let gen = dag.generation;
        let node = &mut dag.nodes[n];
        let nres = format!("{res}/node/{}", node.node_id);
        transition(
            core,
            V,
            &nres,
            &mut node.state,
            NodeState::Succeed,
            json!({"operator": "PASS"}),
        );
        node.operator = Operator::Pass;
        for t in &mut node.tasks {
            if t.state != TaskState::Succeed {
                let tres = format!("{nres}/task/{}", t.task_id);
                transition(
                    core,
                    V,
                    &tres,
                    &mut t.state,
                    TaskState::Succeed,
                    Value::Null,
                );
                t.operator = Operator::Pass;
            }
        }
        transition(
            core,
            V,
            &res,
            &mut dag.state,
            DagState::Ready,
            json!({"operator": "RUN"}),
        );
        dag.operator = Operator::Run;
        self.timers.schedule(now + TICK_MS, (d, gen));
        Ok(())
    }

    pub fn snapshot_json(&self) -> Value {
        json!({
            "profile": match self.profile { Profile::Legacy => "legacy", Profile::Current => "current" },
            "agent_version": format!("{}-{}", self.agent_version, self.agent_release),
            "ob_version": format!("{}-{}", self.ob_version, self.ob_release),
            "maintenance": {
                "held": self.maintenance.is_some(),
                "dag_id": self.maintenance_holder().map(|d| d.dag_id),
            },
            "zones": self.zones.iter().enumerate().map(|(z, name)| json!({
                "name": name,
                "servers": self.servers.iter().filter(|s| s.zone == z).map(|s| json!({
                    "addr": s.addr(),
                    "agent": if s.agent_up { "RUNNING" } else { "DOWN" },
                    "observer": if s.observer_up { "ACTIVE" } else { "INACTIVE" },
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "packages": self.packages.iter().map(Package::rpm).collect::<Vec<_>>(),
            "dags": self.dags.iter().map(|d| json!({
                "id": d.generic_id(),
                "dag_id": d.dag_id,
                "name": d.name,
                "state": d.state.to_string(),
                "operator": d.operator.to_string(),
                "stage": d.stage,
                "max_stage": d.nodes.len(),
                "failed_node": d.nodes.iter().find(|n| n.state == NodeState::Failed).map(|n| n.name.clone()),
                "nodes": d.nodes.iter().map(|n| json!({"name": n.name, "state": n.state.to_string(), "operator": n.operator.to_string()})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    pub fn next_timer(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    pub fn fire(&mut self, core: &mut Core) {
        while let Some((_, (d, gen))) = self.timers.pop_due(core.now()) {
            if self.dags.get(d).is_some_and(|dag| dag.generation == gen) {
                self.step(core, d);
            }
        }
    }
}

/// The part of a release before its first dot.
pub fn build_number(release: &str) -> &str {
    release.split('.').next().unwrap_or(release)
}

/// Parses a generic id: kind "1" (cluster tasks) + decimal id.
pub fn parse_generic(id: &str) -> Result<u64, ObError> {
    if id.len() < 2 {
        return Err(ObError::invalid_id(id, false));
    }
    if !id.starts_with('1') {
        return Err(ObError::invalid_id(id, true));
    }
    id[1..]
        .parse::<u64>()
        .map_err(|_| ObError::invalid_id(id, true))
}

/// `pkg.CompareVersion`: dotted numeric parts (more parts = greater), then the build number.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(v: &str) -> (Vec<u64>, u128) {
        let (ver, build) = v.split_once('-').unwrap_or((v, "0"));
        (
            ver.split('.')
                .map(|p| p.trim().parse().unwrap_or(0))
                .collect(),
            build.trim().parse().unwrap_or(0),
        )
    }
    let (va, ba) = split(a);
    let (vb, bb) = split(b);
    for (x, y) in va.iter().zip(vb.iter()) {
        if x != y {
            return x.cmp(y);
        }
    }
    va.len().cmp(&vb.len()).then(ba.cmp(&bb))
}
