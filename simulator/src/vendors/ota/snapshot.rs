//! The vendor's picture in `/_sim/state`: `{"agents": {"total", "byVersion",
//! "byRuntimeStatus", "items": {id: {...}}}, "plans": [{id, name, status, currentBatch, ...,
//! counts, failedAgents, batches}]}`; documented in docs/ota.md ("State snapshot"). Big fleets
//! are counted, not listed.

use serde_json::{json, Map, Value};

use super::http::wire;
use super::model::Model;
use super::plan::Plan;
use super::state::TaskState;
use crate::kernel::Core;

/// How many agents the state snapshot lists one by one (beyond that, only counts).
const SNAPSHOT_AGENTS: usize = 2000;
/// How many failed agents a plan's snapshot lists.
const SNAPSHOT_FAILED: usize = 1000;

fn count(map: &mut Map<String, Value>, key: String) {
    let c = map.entry(key).or_insert(json!(0));
    *c = json!(c.as_u64().unwrap_or(0) + 1);
}

impl Model {
    pub fn snapshot(&self, core: &Core) -> Value {
        let now = core.now();
        let listed = self.agents.len() <= SNAPSHOT_AGENTS;
        let mut by_version = Map::new();
        let mut by_status = Map::new();
        let mut items = Map::new();
        for (n, a) in self.agents.iter().enumerate() {
            let status = self.runtime_status(n, now);
            let (version, release) = (self.names.text(a.version), self.names.text(a.release));
            count(&mut by_version, format!("{version}/{release}"));
            count(&mut by_status, status.to_string());
            if listed {
                items.insert(
                    a.id.to_string(),
                    json!({"version": version, "release": release, "runtimeStatus": status,
                           "planId": a.claim.get().map(|(p, _)| self.plans[p as usize].id.clone())}),
                );
            }
        }
        let plans: Vec<Value> = self
            .plans
            .iter()
            .map(|p| self.plan_snapshot(core, p))
            .collect();
        let mut agents = json!({
            "total": self.agents.len(),
            "byVersion": by_version,
            "byRuntimeStatus": by_status,
        });
        if listed {
            agents["items"] = Value::Object(items);
        }
        json!({"agents": agents, "plans": plans})
    }

    fn plan_snapshot(&self, core: &Core, p: &Plan) -> Value {
        let failed: Vec<&str> = p
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .take(SNAPSHOT_FAILED)
            .map(|t| &*self.agents[t.agent as usize].id)
            .collect();
        let batches: Vec<Value> = p
            .batches
            .iter()
            .enumerate()
            .map(|(i, b)| {
                json!({"batchIndex": i, "status": b.state.to_string(), "agents": b.len(),
                       "succeeded": b.succeeded, "failed": b.failed,
                       "running": b.running, "cancelled": b.cancelled})
            })
            .collect();
        json!({
            "id": p.id,
            "name": p.name,
            "status": p.state.to_string(),
            "currentBatch": p.current_batch,
            "pauseReason": p.pause_reason,
            "pausedAt": p.paused_at.map(|t| wire::ts(core, t)),
            "completedAt": p.completed_at.map(|t| wire::ts(core, t)),
            "sourcePlanUuid": p.source_plan,
            "error": p.error,
            "agents": p.tasks.len(),
            "succeeded": p.succeeded,
            "failed": p.failed,
            "failedAgents": failed,
            "batches": batches,
        })
    }
}
