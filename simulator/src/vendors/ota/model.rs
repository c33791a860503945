//! The OTA service's [`Model`]: the fleet of agents and the graduated plans over them, on
//! virtual time. This file holds the type and its lookups; the work is split by concern:
//! fleet.rs builds the fleet from the scenario, lifecycle.rs creates, retries, pauses,
//! resumes and cancels plans, scheduler.rs runs them batch by batch on timers, failures.rs
//! injects the domain faults, snapshot.rs draws `/_sim/state`. Only running tasks and
//! observation windows have timers, so a plan over 100,000 agents costs O(concurrency)
//! timers, and what a task looks like part-way (updating, restarting) is computed from
//! virtual time when read.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use super::config::Settings;
use super::error::ApiError;
use super::plan::Plan;
use super::scheduler::Timer;
use super::state::{PlanState, TaskState};
use crate::kernel::{Core, Millis, TimerQueue};

/// One managed agent (one runtime component instance on a node, owned by an LCA): 96 bytes,
/// its names as numbers in the fleet's [`Names`].
#[derive(Debug, Clone)]
pub struct Agent {
    /// The same string as its key in [`Model::agent_index`].
    pub id: Arc<str>,
    pub instance_uuid: u128,
    pub node_uuid: u128,
    pub lca_uuid: u128,
    /// [`Names::text`] numbers.
    pub version: u32,
    pub release: u32,
    /// A [`Names::component`] number (its name and uuid).
    pub component: u32,
    /// The pending or running task that holds this agent.
    pub claim: Claim,
    pub online: bool,
    /// The domain faults planned for it (most agents have none: one pointer, null).
    pub faults: Option<Box<AgentFaults>>,
}

/// The pending or running task that holds an agent, (plan, task), in 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim(u32, u32);

impl Claim {
    pub const NONE: Self = Self(u32::MAX, 0);

    pub fn of(plan: u32, task: u32) -> Self {
        Self(plan, task)
    }

    pub fn get(self) -> Option<(u32, u32)> {
        (self != Self::NONE).then_some((self.0, self.1))
    }
}

/// The fleet's version, release and component names and the failure messages its tasks
/// report, each held once; agents, plans and tasks hold their numbers. Shared with the large
/// answers being written, as the fleet is.
#[derive(Debug, Default, Clone)]
pub struct Names {
    texts: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
    /// A component's name (a text number) and uuid.
    components: Vec<(u32, u128)>,
    component_index: HashMap<u32, u32>,
}

impl Names {
    /// The number of `text`, added if new.
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.index.get(text) {
            return n;
        }
        let n = self.texts.len() as u32;
        let shared: Arc<str> = text.into();
        self.texts.push(shared.clone());
        self.index.insert(shared, n);
        n
    }

    pub fn text(&self, n: u32) -> &str {
        self.texts.get(n as usize).map_or("", |t| t)
    }

    /// The number of component `name`, added with the uuid `uuid` makes if new.
    pub fn component_of(&mut self, name: &str, uuid: impl FnOnce() -> u128) -> u32 {
        let text = self.intern(name);
        if let Some(&c) = self.component_index.get(&text) {
            return c;
        }
        let c = self.components.len() as u32;
        self.components.push((text, uuid()));
        self.component_index.insert(text, c);
        c
    }

    /// Component `c`'s name and uuid.
    pub fn component(&self, c: u32) -> (&str, u128) {
        let (name, uuid) = self.components.get(c as usize).copied().unwrap_or_default();
        (self.text(name), uuid)
    }
}

/// What the scenario or the timeline planned to go wrong for one agent.
#[derive(Debug, Clone, Default)]
pub struct AgentFaults {
    /// Injected failures left (faults.failing_agents, or the fail_agent action).
    pub forced_failures: u32,
    pub forced_error: Option<Arc<str>>,
    /// Goes offline this long into its next update; comes back after the second value.
    pub offline: Option<(Millis, Option<Millis>)>,
}

impl Agent {
    /// Its planned faults, made empty if it had none.
    pub fn faults_mut(&mut self) -> &mut AgentFaults {
        self.faults.get_or_insert_with(Box::default)
    }
}

/// The vendor's state.
#[derive(Debug, Default)]
pub struct Model {
    pub settings: Option<Settings>,
    /// Shared with the large answers being written (copied only if the fleet changes while
    /// one is still being sent: `Arc::make_mut`).
    pub agents: Arc<Vec<Agent>>,
    /// What the agents' and plans' name numbers stand for.
    pub names: Arc<Names>,
    pub agent_index: IndexMap<Arc<str>, u32>,
    pub plans: Vec<Plan>,
    pub plan_index: IndexMap<String, usize>,
    pub(super) timers: TimerQueue<Timer>,
}

impl Model {
    pub fn settings(&self) -> &Settings {
        // from_config always sets it; Default is only used as a starting point there.
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

    /// The user timeline actions act as: the first token's.
    pub fn scenario_user(&self) -> String {
        self.settings()
            .tokens
            .first()
            .map(|t| t.user.clone())
            .unwrap_or_default()
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

    /// The task that holds `agent` and is running now: (plan, task).
    pub fn running_task(&self, agent: usize) -> Option<(usize, usize)> {
        let (p, t) = self.agents[agent].claim.get()?;
        let (p, t) = (p as usize, t as usize);
        (self.plans[p].tasks[t].state == TaskState::Running).then_some((p, t))
    }

    /// What the agent reports now: offline, updating, restarting or running.
    pub fn runtime_status(&self, agent: usize, now: Millis) -> &'static str {
        if !self.agents[agent].online {
            return "offline";
        }
        match self.running_task(agent) {
            Some((p, t)) => {
                let task = &self.plans[p].tasks[t];
                if task.ends_at().is_some() && now >= task.restart_at {
                    "restarting"
                } else {
                    "updating"
                }
            }
            None => "running",
        }
    }

    /// The plans in `status` (every plan without it), newest first.
    pub fn plans_in(&self, status: Option<PlanState>) -> Vec<usize> {
        (0..self.plans.len())
            .rev()
            .filter(|&i| status.is_none_or(|s| self.plans[i].state == s))
            .collect()
    }

    /// The agents on `version` and `release` whose runtime status is `status` now, in fleet
    /// order (a filter left out matches every agent).
    pub fn agents_matching(
        &self,
        core: &Core,
        version: Option<&str>,
        release: Option<&str>,
        status: Option<&str>,
    ) -> Vec<usize> {
        let now = core.now();
        let names = &self.names;
        (0..self.agents.len())
            .filter(|&n| {
                let a = &self.agents[n];
                version.is_none_or(|v| names.text(a.version) == v)
                    && release.is_none_or(|r| names.text(a.release) == r)
                    && status.is_none_or(|s| self.runtime_status(n, now) == s)
            })
            .collect()
    }

    /// The agents of batch `b` of `plan` whose tasks have not finished, in order.
    pub fn unfinished_in_batch(&self, plan: usize, b: usize) -> Vec<usize> {
        let p = &self.plans[plan];
        let Some(batch) = p.batches.get(b) else {
            return Vec::new();
        };
        p.tasks[batch.start..batch.end]
            .iter()
            .filter(|t| t.state.is_unfinished())
            .map(|t| t.agent as usize)
            .collect()
    }
}
