//! The fleet OTA lifecycle service: graduated upgrade plans over a fleet of agents.
//!
//! One documented endpoint, `POST /api/v1/lifecycle/upgrade-plans` (CreateGraduatedPlan),
//! and the companions a client needs to follow a plan through: list and get plans, pause,
//! resume, cancel, retry, and the agents. Bearer auth; one JSON error body (error.rs).
//! A plan runs batch by batch on virtual time (model.rs) through three explicit state
//! machines (state.rs). The scenario section is config.rs; timeline actions are actions.rs.
//! docs/ota.md is the user's guide.

mod actions;
mod agents;
mod auth;
pub mod config;
pub mod error;
mod model;
mod plans;
pub mod request;
pub mod state;
pub mod wire;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

pub use config::Config;
pub use model::Model;

use crate::kernel::{Core, Millis};
use crate::Sim;

/// How many agents the state snapshot lists one by one (beyond that, only counts).
const SNAPSHOT_AGENTS: usize = 2000;
/// How many failed agents a plan's snapshot lists.
const SNAPSHOT_FAILED: usize = 1000;

impl crate::engine::VendorModel for Model {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn vendor(&self) -> &'static str {
        model::VENDOR
    }
    fn next_due(&self) -> Option<Millis> {
        Model::next_due(self)
    }
    fn fire_due(&mut self, core: &mut Core) {
        Model::fire_due(self, core)
    }
    fn actions(&self) -> &'static [&'static str] {
        actions::ACTIONS
    }
    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        actions::apply(self, core, action, args)
    }
    /// `{"agents": {"total", "byVersion", "byRuntimeStatus", "items": {id: {...}}},
    ///   "plans": [{id, name, status, currentBatch, ..., counts, failedAgents, batches}]}`;
    /// documented in docs/ota.md ("State snapshot").
    fn snapshot(&self, core: &Core) -> Value {
        let now = core.now();
        let mut by_version = serde_json::Map::new();
        let mut by_status = serde_json::Map::new();
        let mut items = serde_json::Map::new();
        for (n, a) in self.agents.iter().enumerate() {
            let status = self.runtime_status(n, now);
            let key = format!("{}/{}", a.version, a.release);
            let c = by_version.entry(key).or_insert(json!(0));
            *c = json!(c.as_u64().unwrap_or(0) + 1);
            let c = by_status.entry(status.to_string()).or_insert(json!(0));
            *c = json!(c.as_u64().unwrap_or(0) + 1);
            if self.agents.len() <= SNAPSHOT_AGENTS {
                items.insert(
                    a.id.clone(),
                    json!({"version": &*a.version, "release": &*a.release, "runtimeStatus": status,
                           "planId": a.claim.map(|(p, _)| self.plans[p as usize].id.clone())}),
                );
            }
        }
        let plans: Vec<Value> = self
            .plans
            .iter()
            .map(|p| {
                let failed: Vec<&str> = p
                    .tasks
                    .iter()
                    .filter(|t| t.state == state::TaskState::Failed)
                    .take(SNAPSHOT_FAILED)
                    .map(|t| self.agents[t.agent as usize].id.as_str())
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
            })
            .collect();
        let mut agents = json!({
            "total": self.agents.len(),
            "byVersion": by_version,
            "byRuntimeStatus": by_status,
        });
        if self.agents.len() <= SNAPSHOT_AGENTS {
            agents["items"] = Value::Object(items);
        }
        json!({"agents": agents, "plans": plans})
    }
}

/// This vendor's routes (every handler takes the Bearer [`auth::User`] first).
pub fn routes() -> Router<Sim> {
    const PLANS: &str = "/api/v1/lifecycle/upgrade-plans";
    Router::new()
        .route(PLANS, post(plans::create).get(plans::list))
        .route(&format!("{PLANS}/{{id}}"), get(plans::get_one))
        .route(&format!("{PLANS}/{{id}}/pause"), post(plans::pause))
        .route(&format!("{PLANS}/{{id}}/resume"), post(plans::resume))
        .route(&format!("{PLANS}/{{id}}/cancel"), post(plans::cancel))
        .route(&format!("{PLANS}/{{id}}/retry"), post(plans::retry))
        .route("/api/v1/lifecycle/agents", get(agents::list))
        .route("/api/v1/lifecycle/agents/{id}", get(agents::get_one))
        // A plan over 100,000 agents is a body of a few megabytes.
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
}

/// The answer to a path under this vendor's prefix that no route matches.
pub fn not_found(path: &str) -> Response {
    error_response(StatusCode::NOT_FOUND, &format!("no such resource: {path}"))
}

/// An error in this vendor's own shape, for injected faults and fallbacks.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    error::ApiError::new(status, message).into_response()
}
