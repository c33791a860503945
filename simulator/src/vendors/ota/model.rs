//! The OTA model: the fleet of agents and the graduated plans over them, executed on virtual
//! time. A plan's agents are split into batches; within a batch at most `concurrency` tasks
//! run at once; after a batch the plan observes for `observeDuration`; a failure that takes
//! failed/finished above `failureThreshold` pauses the plan at once. Every status change goes
//! through `kernel::transition`. Only running tasks and observation windows have timers, so a
//! plan over 100,000 agents costs O(concurrency) timers, and what a task looks like part-way
//! (updating, restarting) is computed from virtual time when read.

use std::sync::Arc;

use indexmap::IndexMap;
use rand::Rng;
use serde_json::json;

use super::config::{Config, Settings};
use super::error::ApiError;
use super::request::{compare_versions, PlanRequest, Tunables};
use super::state::{BatchState, PlanState, TaskState};
use crate::kernel;
use crate::kernel::Invalid;
use crate::kernel::{Core, Millis, TimerQueue};

pub(crate) const VENDOR: &str = "ota";

/// One managed agent (one runtime component instance on a node, owned by an LCA).
#[derive(Debug, Clone)]
pub struct Agent {
    pub id: String,
    pub version: Arc<str>,
    pub release: Arc<str>,
    pub component: Arc<str>,
    pub component_uuid: u128,
    pub instance_uuid: u128,
    pub node_uuid: u128,
    pub lca_uuid: u128,
    pub online: bool,
    /// The pending or running task that holds this agent: (plan, task).
    pub claim: Option<(u32, u32)>,
    /// Injected failures left (faults.failing_agents, or the fail_agent action).
    pub forced_failures: u32,
    pub forced_error: Option<Arc<str>>,
    /// Goes offline this long into its next update; comes back after the second value.
    pub offline_fault: Option<(Millis, Option<Millis>)>,
}

/// Why a task fails (decided when it starts, or by an action while it runs).
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Injected(Arc<str>),
    WentOffline,
    OfflineAtStart,
    Timeout,
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Self::Injected(m) => m.to_string(),
            Self::WentOffline => "upgrade failed: agent went offline during the update".into(),
            Self::OfflineAtStart => "upgrade failed: agent is offline".into(),
            Self::Timeout => "upgrade failed: timeout".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Task {
    pub agent: u32,
    pub state: TaskState,
    /// Set when the task starts.
    pub lifecycle: Option<u32>,
    pub started_at: Millis,
    /// When the component restarts on the new binaries (runtimeStatus "restarting").
    pub restart_at: Millis,
    /// None: hung (never reports back).
    pub ends_at: Option<Millis>,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub start: usize,
    pub end: usize,
    pub state: BatchState,
    /// The next task to start.
    pub next: usize,
    pub running: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub hung: bool,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn pending(&self) -> usize {
        self.end - self.next
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    pub ordinal: usize,
    pub name: String,
    pub from_version: String,
    pub to_version: String,
    pub from_release: String,
    pub to_release: String,
    pub batch_size: u64,
    pub concurrency: u64,
    pub failure_threshold: f64,
    pub observe_ms: Millis,
    pub observe_text: String,
    pub state: PlanState,
    pub current_batch: usize,
    pub created_by: String,
    pub created_at: Millis,
    pub started_at: Option<Millis>,
    pub paused_at: Option<Millis>,
    pub pause_reason: Option<String>,
    pub completed_at: Option<Millis>,
    pub source_plan: Option<String>,
    pub error: Option<String>,
    pub tasks: Vec<Task>,
    pub batches: Vec<Batch>,
    pub succeeded: usize,
    pub failed: usize,
}

impl Plan {
    /// The uuid part of the id (what `sourcePlanUuid` shows).
    pub fn uuid(&self) -> &str {
        self.id.strip_prefix("plan-").unwrap_or(&self.id)
    }
    fn resource(&self) -> String {
        format!("plan/{}", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    TaskEnd { plan: u32, task: u32 },
    ObserveEnd { plan: u32, batch: u32 },
    AgentBack { agent: u32 },
}

/// The vendor's state.
#[derive(Debug, Default)]
pub struct Model {
    pub settings: Option<Settings>,
    pub agents: Vec<Agent>,
    pub agent_index: IndexMap<String, u32>,
    pub plans: Vec<Plan>,
    pub plan_index: IndexMap<String, usize>,
    timers: TimerQueue<Timer>,
}

fn derived_uuid(core: &Core, key: &str) -> u128 {
    core.rng(key).random::<u128>()
}

fn parse_uuid(path: &str, text: &str) -> Result<u128, Invalid> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return Err(Invalid::new(
            path,
            "a uuid is 32 hex digits (dashes allowed), e.g. abcdef0123456789abcdef0123456789",
        ));
    }
    u128::from_str_radix(&hex, 16).map_err(|_| Invalid::new(path, "a uuid is made of hex digits"))
}

impl Model {
    pub fn from_config(config: &Config, core: &mut Core) -> Result<Self, Invalid> {
        let settings = config.settings()?;
        let mut model = Model::default();
        let mut component_uuids: IndexMap<String, u128> = IndexMap::new();
        let mut shared: IndexMap<Arc<str>, Arc<str>> = IndexMap::new();
        let mut intern = |s: &str| -> Arc<str> {
            if let Some(a) = shared.get(s) {
                return a.clone();
            }
            let a: Arc<str> = Arc::from(s);
            shared.insert(a.clone(), a.clone());
            a
        };
        let mut component_uuid = |core: &Core, name: &str| -> u128 {
            *component_uuids
                .entry(name.to_string())
                .or_insert_with(|| derived_uuid(core, &format!("ota/component/{name}")))
        };
        for (i, a) in config.fleet.agents.iter().enumerate() {
            let path = format!("ota.fleet.agents[{i}]");
            if a.id.trim().is_empty() || a.id.contains(',') {
                return Err(Invalid::new(
                    &format!("{path}.id"),
                    "an agent id must be non-empty and contain no comma",
                ));
            }
            let node = a.node.clone().unwrap_or_else(|| a.id.clone());
            let node_uuid = match &a.node_uuid {
                Some(u) => parse_uuid(&format!("{path}.node_uuid"), u)?,
                None => derived_uuid(core, &format!("ota/node/{node}")),
            };
            let lca_uuid = match &a.lca_uuid {
                Some(u) => parse_uuid(&format!("{path}.lca_uuid"), u)?,
                None => derived_uuid(core, &format!("ota/lca/{node}")),
            };
            let agent = Agent {
                id: a.id.clone(),
                version: intern(&a.version),
                release: intern(&a.release),
                component: intern(&a.component),
                component_uuid: component_uuid(core, &a.component),
                instance_uuid: derived_uuid(core, &format!("ota/instance/{}", a.id)),
                node_uuid,
                lca_uuid,
                online: !a.offline,
                claim: None,
                forced_failures: 0,
                forced_error: None,
                offline_fault: None,
            };
            model.add_agent(agent, &format!("{path}.id"))?;
        }
        for (g, gen) in config.fleet.generate.iter().enumerate() {
            let path = format!("ota.fleet.generate[{g}]");
            if gen.count > 1_000_000 {
                return Err(Invalid::new(
                    &format!("{path}.count"),
                    "at most 1,000,000 agents per range",
                ));
            }
            if gen.agents_per_node == 0 {
                return Err(Invalid::new(
                    &format!("{path}.agents_per_node"),
                    "must be at least 1",
                ));
            }
            let last = gen.start + gen.count.saturating_sub(1);
            let digits = gen.digits.unwrap_or_else(|| last.to_string().len().max(4));
            let version = intern(&gen.version);
            let release = intern(&gen.release);
            let component = intern(&gen.component);
            let cu = component_uuid(core, &gen.component);
            for n in 0..gen.count {
                let id = format!("{}{:0digits$}", gen.prefix, gen.start + n);
                let node = format!("{}node-{}", gen.prefix, n / gen.agents_per_node);
                let agent = Agent {
                    instance_uuid: derived_uuid(core, &format!("ota/instance/{id}")),
                    node_uuid: derived_uuid(core, &format!("ota/node/{node}")),
                    lca_uuid: derived_uuid(core, &format!("ota/lca/{node}")),
                    id,
                    version: version.clone(),
                    release: release.clone(),
                    component: component.clone(),
                    component_uuid: cu,
                    online: true,
                    claim: None,
                    forced_failures: 0,
                    forced_error: None,
                    offline_fault: None,
                };
                model.add_agent(agent, &format!("{path}.prefix"))?;
            }
        }
        for (i, f) in config.faults.failing_agents.iter().enumerate() {
            let path = format!("ota.faults.failing_agents[{i}].agent");
            let a = model.agent_named(&path, &f.agent)?;
            a.forced_failures = f.times;
            a.forced_error = f.error.as_deref().map(Arc::from);
        }
        for (i, f) in config.faults.offline_agents.iter().enumerate() {
            let base = format!("ota.faults.offline_agents[{i}]");
            let after = crate::kernel::clock::parse_duration(&f.after)
                .map_err(|e| Invalid::new(&format!("{base}.after"), &e))?;
            let back = match &f.for_ {
                Some(t) => Some(
                    crate::kernel::clock::parse_duration(t)
                        .map_err(|e| Invalid::new(&format!("{base}.for"), &e))?,
                ),
                None => None,
            };
            let a = model.agent_named(&format!("{base}.agent"), &f.agent)?;
            a.offline_fault = Some((after, back));
        }
        model.settings = Some(settings);
        Ok(model)
    }

    fn add_agent(&mut self, agent: Agent, path: &str) -> Result<(), Invalid> {
        if self.agent_index.contains_key(&agent.id) {
            return Err(Invalid::new(
                path,
                &format!("agent id '{}' is declared twice", agent.id),
            ));
        }
        let n = self.agents.len() as u32;
        self.agent_index.insert(agent.id.clone(), n);
        self.agents.push(agent);
        Ok(())
    }

    fn agent_named(&mut self, path: &str, id: &str) -> Result<&mut Agent, Invalid> {
        match self.agent_index.get(id) {
            Some(&n) => Ok(&mut self.agents[n as usize]),
            None => Err(Invalid::new(path, &format!("no agent '{id}' in ota.fleet"))),
        }
    }

    pub fn settings(&self) -> &Settings {
        // build() always sets it; Default is only used as a starting point there.
        self.settings
            .as_ref()
            .unwrap_or_else(|| unreachable!("ota model built without settings"))
    }

    /// The user a token belongs to, if the token is known.
    pub fn user_of(&self, token: &str) -> Option<&str> {
        self.settings()
            .tokens
            .iter()
            .find(|t| t.token == token)
            .map(|t| t.user.as_str())
    }

    /// Finds a plan by "plan-<uuid>" or the bare uuid.
    pub fn find_plan(&self, id: &str) -> Result<usize, ApiError> {
        self.plan_index
            .get(id)
            .or_else(|| self.plan_index.get(&format!("plan-{id}")))
            .copied()
            .ok_or_else(|| ApiError::not_found(format!("upgrade plan '{id}' not found")))
    }

    pub fn find_agent(&self, id: &str) -> Result<usize, ApiError> {
        self.agent_index
            .get(id)
            .map(|&n| n as usize)
            .ok_or_else(|| ApiError::not_found(format!("agent '{id}' not found")))
    }

    /// What the agent reports now: offline, updating, restarting or running.
    pub fn runtime_status(&self, agent: usize, now: Millis) -> &'static str {
        let a = &self.agents[agent];
        if !a.online {
            return "offline";
        }
        if let Some((p, t)) = a.claim {
            let task = &self.plans[p as usize].tasks[t as usize];
            if task.state == TaskState::Running {
                return if task.ends_at.is_some() && now >= task.restart_at {
                    "restarting"
                } else {
                    "updating"
                };
            }
        }
        "running"
    }

    // ------------------------------------------------------------------ create

    /// Validates a request against the fleet and creates a running plan; returns its index.
    pub fn create(
        &mut self,
        core: &mut Core,
        req: PlanRequest,
        user: &str,
        source: Option<String>,
    ) -> Result<usize, ApiError> {
        if compare_versions(&req.to_version, &req.from_version) != std::cmp::Ordering::Greater {
            return Err(ApiError::invalid(
                "toVersion",
                format!(
                    "toVersion {} must be higher than fromVersion {}",
                    req.to_version, req.from_version
                ),
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(req.agent_ids.len());
        let mut members = Vec::with_capacity(req.agent_ids.len());
        let mut unknown = Vec::new();
        for id in &req.agent_ids {
            if !seen.insert(id.as_str()) {
                return Err(ApiError::invalid(
                    "agentIds",
                    format!("agentIds lists agent '{id}' more than once"),
                ));
            }
            match self.agent_index.get(id) {
                Some(&n) => members.push(n),
                None => unknown.push(id.as_str()),
            }
        }
        if !unknown.is_empty() {
            let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
            let more = if unknown.len() > 5 {
                format!(" and {} more", unknown.len() - 5)
            } else {
                String::new()
            };
            return Err(ApiError::invalid(
                "agentIds",
                format!(
                    "unknown agent{} {}{more} (GET /api/v1/lifecycle/agents lists the fleet)",
                    if unknown.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                ),
            ));
        }
        for &n in &members {
            let a = &self.agents[n as usize];
            if *a.version != *req.from_version {
                return Err(ApiError::invalid(
                    "fromVersion",
                    format!(
                        "agent '{}' runs version {}, not fromVersion {}",
                        a.id, a.version, req.from_version
                    ),
                ));
            }
        }
        for &n in &members {
            let a = &self.agents[n as usize];
            if let Some((p, _)) = a.claim {
                let other = &self.plans[p as usize];
                return Err(ApiError::conflict(format!(
                    "agent '{}' is already in active upgrade plan {} ({}); wait for it, or cancel it",
                    a.id, other.id, other.state
                ))
                .with_field("agentIds"));
            }
        }
        let s = self.settings().clone();
        let t = &req.tunables;
        let batch_size = t.batch_size.unwrap_or(s.batch_size);
        let (observe_text, observe_ms) = t.observe.clone().unwrap_or_else(|| {
            (
                crate::kernel::clock::format_duration(s.observe_ms),
                s.observe_ms,
            )
        });
        let ordinal = self.plans.len();
        let plan_uuid = uuid::Builder::from_random_bytes(
            core.rng(&format!("ota/plan#{ordinal}"))
                .random::<[u8; 16]>(),
        )
        .into_uuid();
        let id = format!("plan-{plan_uuid}");
        let from_release = self.agents[members[0] as usize].release.to_string();
        let mut tasks = Vec::with_capacity(members.len());
        for &agent in &members {
            tasks.push(Task {
                agent,
                state: TaskState::Pending,
                lifecycle: None,
                started_at: 0,
                restart_at: 0,
                ends_at: None,
                failure: None,
            });
        }
        let mut batches = Vec::new();
        let mut start = 0;
        let size = batch_size.min(members.len() as u64) as usize;
        while start < members.len() {
            let end = (start + size).min(members.len());
            let index = batches.len();
            let hung = s
                .hanging_batches
                .iter()
                .any(|h| h.batch == index && h.plan.is_none_or(|p| p == ordinal));
            batches.push(Batch {
                start,
                end,
                state: BatchState::Pending,
                next: start,
                running: 0,
                succeeded: 0,
                failed: 0,
                cancelled: 0,
                hung,
            });
            start = end;
        }
        let plan_index = self.plans.len();
        for (t, &agent) in members.iter().enumerate() {
            self.agents[agent as usize].claim = Some((plan_index as u32, t as u32));
        }
        let now = core.now();
        let plan = Plan {
            id: id.clone(),
            ordinal,
            name: req.name,
            from_version: req.from_version,
            to_version: req.to_version,
            from_release,
            to_release: req.to_release,
            batch_size,
            concurrency: t.concurrency.unwrap_or(s.concurrency),
            failure_threshold: t.failure_threshold.unwrap_or(s.failure_threshold),
            observe_ms,
            observe_text,
            state: PlanState::Pending,
            current_batch: 0,
            created_by: t.created_by.clone().unwrap_or_else(|| user.to_string()),
            created_at: now,
            started_at: None,
            paused_at: None,
            pause_reason: None,
            completed_at: None,
            source_plan: source,
            error: None,
            tasks,
            batches,
            succeeded: 0,
            failed: 0,
        };
        core.event(
            VENDOR,
            &plan.resource(),
            json!({"created": plan.name, "agents": members.len(), "batches": plan.batches.len(),
                   "batchSize": plan.batch_size, "concurrency": plan.concurrency,
                   "failureThreshold": plan.failure_threshold, "observeMs": plan.observe_ms,
                   "sourcePlanUuid": plan.source_plan}),
        );
        self.plans.push(plan);
        self.plan_index.insert(id, plan_index);
        let p = &mut self.plans[plan_index];
        let resource = p.resource();
        kernel::transition(
            core,
            VENDOR,
            &resource,
            &mut p.state,
            PlanState::Running,
            json!({}),
        );
        p.started_at = Some(now);
        self.pump(core, plan_index);
        Ok(plan_index)
    }

    /// Builds the request of a retry: the failed agents of `plan`, same settings.
    pub fn retry(
        &mut self,
        core: &mut Core,
        plan: usize,
        overrides: Tunables,
        name: Option<String>,
        user: &str,
    ) -> Result<usize, ApiError> {
        let p = &self.plans[plan];
        if !matches!(
            p.state,
            PlanState::Paused | PlanState::Completed | PlanState::Cancelled
        ) {
            return Err(ApiError::conflict(format!(
                "upgrade plan {} is {}: retry a plan once it is paused, completed or cancelled",
                p.id, p.state
            )));
        }
        let failed: Vec<String> = p
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .map(|t| self.agents[t.agent as usize].id.clone())
            .collect();
        if failed.is_empty() {
            return Err(ApiError::conflict(format!(
                "upgrade plan {} has no failed agents to retry",
                p.id
            )));
        }
        let req = PlanRequest {
            name: name.unwrap_or_else(|| format!("{} (retry)", p.name)),
            from_version: p.from_version.clone(),
            to_version: p.to_version.clone(),
            to_release: p.to_release.clone(),
            agent_ids: failed,
            tunables: Tunables {
                batch_size: overrides.batch_size.or(Some(p.batch_size)),
                failure_threshold: overrides.failure_threshold.or(Some(p.failure_threshold)),
                concurrency: overrides.concurrency.or(Some(p.concurrency)),
                created_by: overrides.created_by,
                observe: overrides
                    .observe
                    .or_else(|| Some((p.observe_text.clone(), p.observe_ms))),
            },
        };
        let source = Some(p.uuid().to_string());
        self.create(core, req, user, source)
    }

    // ------------------------------------------------------------------ operator actions

    pub fn pause(
        &mut self,
        core: &mut Core,
        plan: usize,
        reason: Option<String>,
    ) -> Result<(), ApiError> {
        let p = &self.plans[plan];
        if p.state != PlanState::Running {
            return Err(ApiError::conflict(match p.state {
                PlanState::Paused => format!("upgrade plan {} is already paused", p.id),
                s => format!(
                    "upgrade plan {} is {s}: only a running plan can be paused",
                    p.id
                ),
            }));
        }
        let reason = reason.unwrap_or_else(|| "Paused by operator".into());
        self.pause_now(core, plan, reason, None);
        Ok(())
    }

    fn pause_now(&mut self, core: &mut Core, plan: usize, reason: String, error: Option<String>) {
        let now = core.now();
        let p = &mut self.plans[plan];
        let resource = p.resource();
        kernel::transition(
            core,
            VENDOR,
            &resource,
            &mut p.state,
            PlanState::Paused,
            json!({"reason": reason}),
        );
        p.paused_at = Some(now);
        p.pause_reason = Some(reason);
        if error.is_some() {
            p.error = error;
        }
        let b = p.current_batch;
        if let Some(batch) = p.batches.get_mut(b) {
            if batch.state == BatchState::Running {
                kernel::transition(
                    core,
                    VENDOR,
                    &format!("{resource}/batch/{b}"),
                    &mut batch.state,
                    BatchState::Paused,
                    json!({}),
                );
            }
        }
    }

    pub fn resume(&mut self, core: &mut Core, plan: usize) -> Result<(), ApiError> {
        let p = &mut self.plans[plan];
        if p.state != PlanState::Paused {
            return Err(ApiError::conflict(match p.state {
                PlanState::Running => format!("upgrade plan {} is running, not paused", p.id),
                s => format!(
                    "upgrade plan {} is {s}: only a paused plan can be resumed",
                    p.id
                ),
            }));
        }
        let resource = p.resource();
        kernel::transition(
            core,
            VENDOR,
            &resource,
            &mut p.state,
            PlanState::Running,
            json!({}),
        );
        p.paused_at = None;
        p.pause_reason = None;
        let b = p.current_batch;
        if let Some(batch) = p.batches.get_mut(b) {
            if batch.state == BatchState::Paused {
                kernel::transition(
                    core,
                    VENDOR,
                    &format!("{resource}/batch/{b}"),
                    &mut batch.state,
                    BatchState::Running,
                    json!({}),
                );
            }
        }
        self.pump(core, plan);
        Ok(())
    }

    pub fn cancel(&mut self, core: &mut Core, plan: usize) -> Result<(), ApiError> {
        let p = &mut self.plans[plan];
        if !p.state.is_active() {
            return Err(ApiError::conflict(format!(
                "upgrade plan {} is already {}: there is nothing to cancel",
                p.id, p.state
            )));
        }
        let resource = p.resource();
        kernel::transition(
            core,
            VENDOR,
            &resource,
            &mut p.state,
            PlanState::Cancelled,
            json!({}),
        );
        for b in p.current_batch..p.batches.len() {
            let batch_res = format!("{resource}/batch/{b}");
            let (start, end) = (p.batches[b].start, p.batches[b].end);
            for t in start..end {
                let task = &mut p.tasks[t];
                let abandon = task.state == TaskState::Pending
                    || (task.state == TaskState::Running && task.ends_at.is_none());
                if abandon {
                    let agent = &mut self.agents[task.agent as usize];
                    kernel::transition(
                        core,
                        VENDOR,
                        &format!("{batch_res}/task/{}", agent.id),
                        &mut task.state,
                        TaskState::Cancelled,
                        json!({}),
                    );
                    agent.claim = None;
                    let batch = &mut p.batches[b];
                    batch.cancelled += 1;
                    if t < batch.next {
                        batch.running -= 1;
                    }
                }
            }
            let batch = &mut p.batches[b];
            batch.next = batch.end;
            if !matches!(batch.state, BatchState::Completed | BatchState::Cancelled) {
                kernel::transition(
                    core,
                    VENDOR,
                    &batch_res,
                    &mut batch.state,
                    BatchState::Cancelled,
                    json!({}),
                );
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ execution

    /// Moves a running plan forward as far as it can go now: starts tasks up to the
    /// concurrency limit, closes finished batches, observes, moves to the next batch,
    /// completes the plan.
    fn pump(&mut self, core: &mut Core, plan: usize) {
        loop {
            let p = &self.plans[plan];
            if p.state != PlanState::Running {
                return;
            }
            let b = p.current_batch;
            let last = b + 1 == p.batches.len();
            let resource = format!("{}/batch/{b}", p.resource());
            match p.batches[b].state {
                BatchState::Pending | BatchState::Paused => {
                    let p = &mut self.plans[plan];
                    let detail = json!({"agents": p.batches[b].len()});
                    kernel::transition(
                        core,
                        VENDOR,
                        &resource,
                        &mut p.batches[b].state,
                        BatchState::Running,
                        detail,
                    );
                }
                BatchState::Running => {
                    let concurrency = p.concurrency as usize;
                    let batch = &p.batches[b];
                    if batch.running < concurrency && batch.next < batch.end {
                        let t = batch.next;
                        self.plans[plan].batches[b].next += 1;
                        self.start_task(core, plan, b, t);
                        continue;
                    }
                    if batch.running > 0 || batch.next < batch.end {
                        return;
                    }
                    let observe = p.observe_ms;
                    let p = &mut self.plans[plan];
                    let detail =
                        json!({"succeeded": p.batches[b].succeeded, "failed": p.batches[b].failed});
                    if !last && observe > 0 {
                        kernel::transition(
                            core,
                            VENDOR,
                            &resource,
                            &mut p.batches[b].state,
                            BatchState::Observing,
                            detail,
                        );
                        self.timers.schedule(
                            core.now() + observe,
                            Timer::ObserveEnd {
                                plan: plan as u32,
                                batch: b as u32,
                            },
                        );
                        return;
                    }
                    kernel::transition(
                        core,
                        VENDOR,
                        &resource,
                        &mut p.batches[b].state,
                        BatchState::Completed,
                        detail,
                    );
                }
                BatchState::Observing => return,
                BatchState::Completed => {
                    let p = &mut self.plans[plan];
                    if last {
                        let plan_res = p.resource();
                        kernel::transition(
                            core,
                            VENDOR,
                            &plan_res,
                            &mut p.state,
                            PlanState::Completed,
                            json!({"succeeded": p.succeeded, "failed": p.failed}),
                        );
                        p.completed_at = Some(core.now());
                        return;
                    }
                    p.current_batch += 1;
                }
                BatchState::Cancelled => return,
            }
        }
    }

    fn start_task(&mut self, core: &mut Core, plan: usize, b: usize, t: usize) {
        let s = self.settings();
        let (min, max, timeout) = (s.duration_min, s.duration_max, s.task_timeout);
        let rate = {
            let ordinal = self.plans[plan].ordinal;
            s.failure_rates
                .iter()
                .filter(|r| r.batch.is_none_or(|x| x == b) && r.plan.is_none_or(|x| x == ordinal))
                .map(|r| r.rate)
                .fold(0.0, f64::max)
        };
        let default_error: Arc<str> = Arc::from(s.error.as_str());
        let now = core.now();
        let p = &mut self.plans[plan];
        let hung = p.batches[b].hung;
        let task = &mut p.tasks[t];
        let agent = &mut self.agents[task.agent as usize];
        // Everything random about this task comes from its own stream: (plan, agent).
        let mut rng = core.rng(&format!("ota/{}/{}", p.id, agent.id));
        task.lifecycle = Some(rng.random());
        let mut duration = rng.random_range(min..=max);
        let roll: f64 = rng.random();
        let mut failure = None;
        if !agent.online {
            failure = Some(Failure::OfflineAtStart);
            duration = 0;
        } else if agent.forced_failures > 0 {
            agent.forced_failures -= 1;
            failure = Some(Failure::Injected(
                agent.forced_error.clone().unwrap_or(default_error),
            ));
        } else if roll < rate {
            failure = Some(Failure::Injected(default_error));
        }
        if failure.is_none() || matches!(failure, Some(Failure::Injected(_))) {
            if let Some((after, _)) = agent.offline_fault {
                if after < duration {
                    duration = after;
                    failure = Some(Failure::WentOffline);
                }
            }
        }
        let mut ends_at = Some(now + duration);
        if hung && failure != Some(Failure::OfflineAtStart) {
            ends_at = None;
            failure = None;
        }
        if let Some(limit) = timeout {
            if ends_at.is_none_or(|e| e > now + limit) {
                ends_at = Some(now + limit);
                failure = Some(Failure::Timeout);
            }
        }
        task.started_at = now;
        task.restart_at = now + duration * 4 / 5;
        task.ends_at = ends_at;
        task.failure = failure;
        let resource = format!("plan/{}/batch/{b}/task/{}", p.id, agent.id);
        kernel::transition(
            core,
            VENDOR,
            &resource,
            &mut task.state,
            TaskState::Running,
            json!({"durationMs": ends_at.map(|e| e - now)}),
        );
        p.batches[b].running += 1;
        match ends_at {
            Some(e) if e == now => self.finish_task(core, plan, t),
            Some(e) => self.timers.schedule(
                e,
                Timer::TaskEnd {
                    plan: plan as u32,
                    task: t as u32,
                },
            ),
            None => {}
        }
    }

    /// Ends a running task with its decided outcome; pauses the plan if the failure
    /// threshold is now exceeded. The caller pumps the plan afterwards.
    fn finish_task(&mut self, core: &mut Core, plan: usize, t: usize) {
        let p = &mut self.plans[plan];
        let task = &mut p.tasks[t];
        if task.state != TaskState::Running {
            return;
        }
        let b = p
            .batches
            .partition_point(|batch| batch.end <= t)
            .min(p.batches.len() - 1);
        let agent = &mut self.agents[task.agent as usize];
        let resource = format!("plan/{}/batch/{b}/task/{}", p.id, agent.id);
        agent.claim = None;
        p.batches[b].running -= 1;
        match task.failure.clone() {
            None => {
                agent.version = Arc::from(p.to_version.as_str());
                agent.release = Arc::from(p.to_release.as_str());
                kernel::transition(
                    core,
                    VENDOR,
                    &resource,
                    &mut task.state,
                    TaskState::Succeeded,
                    json!({"version": p.to_version, "release": p.to_release}),
                );
                p.batches[b].succeeded += 1;
                p.succeeded += 1;
            }
            Some(failure) => {
                let message = failure.message();
                if failure == Failure::WentOffline {
                    agent.online = false;
                    let back = agent.offline_fault.take().and_then(|(_, back)| back);
                    if let Some(back) = back {
                        self.timers
                            .schedule(core.now() + back, Timer::AgentBack { agent: task.agent });
                    }
                }
                kernel::transition(
                    core,
                    VENDOR,
                    &resource,
                    &mut task.state,
                    TaskState::Failed,
                    json!({"agent": agent.id, "error": message}),
                );
                p.batches[b].failed += 1;
                p.failed += 1;
                let finished = (p.succeeded + p.failed) as f64;
                let ratio = p.failed as f64 / finished;
                // Above the threshold the error explains the count (also for failures of
                // tasks that finish after the pause); below it, it is the latest failure.
                let over = ratio > p.failure_threshold;
                p.error = Some(if over {
                    format!(
                        "{} of {} finished upgrades failed ({:.1}%), above the failure threshold of {}%; last: {}: {message}",
                        p.failed,
                        p.succeeded + p.failed,
                        ratio * 100.0,
                        p.failure_threshold * 100.0,
                        agent.id
                    )
                } else {
                    format!("{}: {message}", agent.id)
                });
                if p.state == PlanState::Running && over {
                    self.pause_now(core, plan, "Failure threshold exceeded".into(), None);
                }
            }
        }
    }

    /// Fails a running task now (timeline actions), or returns false if it is not running.
    fn fail_running(&mut self, core: &mut Core, agent: usize, failure: Failure) -> bool {
        let Some((p, t)) = self.agents[agent].claim else {
            return false;
        };
        let (p, t) = (p as usize, t as usize);
        let task = &mut self.plans[p].tasks[t];
        if task.state != TaskState::Running {
            return false;
        }
        task.failure = Some(failure);
        self.finish_task(core, p, t);
        self.pump(core, p);
        true
    }

    // ------------------------------------------------------------------ domain faults

    /// Takes an agent offline now; its running update fails.
    pub fn agent_offline(&mut self, core: &mut Core, agent: usize) {
        if !self.fail_running(core, agent, Failure::WentOffline) {
            self.agents[agent].online = false;
        }
        core.fault(
            VENDOR,
            &format!("agent/{}", self.agents[agent].id),
            json!({"offline": true}),
        );
    }

    pub fn agent_online(&mut self, core: &mut Core, agent: usize) {
        self.agents[agent].online = true;
        core.fault(
            VENDOR,
            &format!("agent/{}", self.agents[agent].id),
            json!({"online": true}),
        );
    }

    /// Fails the agent's running update now, or its next one.
    pub fn fail_agent(&mut self, core: &mut Core, agent: usize, error: Option<String>) {
        let message: Arc<str> = match error {
            Some(e) => Arc::from(e.as_str()),
            None => Arc::from(self.settings().error.as_str()),
        };
        if !self.fail_running(core, agent, Failure::Injected(message.clone())) {
            let a = &mut self.agents[agent];
            a.forced_failures += 1;
            a.forced_error = Some(message);
        }
    }

    /// Goes offline `after` into its next update (or now if it is updating).
    pub fn offline_during_next_update(
        &mut self,
        agent: usize,
        after: Millis,
        back: Option<Millis>,
    ) {
        self.agents[agent].offline_fault = Some((after, back));
    }

    /// The agents of batch `b` of `plan` whose tasks have not finished, in order.
    pub fn unfinished_in_batch(&self, plan: usize, b: usize) -> Vec<usize> {
        let p = &self.plans[plan];
        let Some(batch) = p.batches.get(b) else {
            return Vec::new();
        };
        p.tasks[batch.start..batch.end]
            .iter()
            .filter(|t| matches!(t.state, TaskState::Pending | TaskState::Running))
            .map(|t| t.agent as usize)
            .collect()
    }

    pub fn next_due(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    pub fn fire_due(&mut self, core: &mut Core) {
        while let Some((_, timer)) = self.timers.pop_due(core.now()) {
            match timer {
                Timer::TaskEnd { plan, task } => {
                    let (plan, task) = (plan as usize, task as usize);
                    if self.plans[plan].tasks[task].state == TaskState::Running {
                        self.finish_task(core, plan, task);
                        self.pump(core, plan);
                    }
                }
                Timer::ObserveEnd { plan, batch } => {
                    let (plan, b) = (plan as usize, batch as usize);
                    let p = &mut self.plans[plan];
                    if p.batches[b].state == BatchState::Observing {
                        let resource = format!("{}/batch/{b}", p.resource());
                        kernel::transition(
                            core,
                            VENDOR,
                            &resource,
                            &mut p.batches[b].state,
                            BatchState::Completed,
                            json!({"observedMs": p.observe_ms}),
                        );
                        self.pump(core, plan);
                    }
                }
                Timer::AgentBack { agent } => {
                    self.agent_online(core, agent as usize);
                }
            }
        }
    }
}
