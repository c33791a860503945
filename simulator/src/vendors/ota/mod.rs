//! The fleet OTA lifecycle service: graduated upgrade plans over a fleet of agents.
//!
//! One documented endpoint, `POST /api/v1/lifecycle/upgrade-plans` (CreateGraduatedPlan),
//! and the companions a client needs to follow a plan through: list and get plans, pause,
//! resume, cancel, retry, and the agents. Bearer auth; one JSON error body (error.rs).
//! docs/ota.md is the user's guide.
//!
//! Inside, the direction is http → ops → the domain → state and config:
//! - `http/`: routes, the Bearer check, handlers that parse, run once on the world, render
//!   (`wire`);
//! - `ops/`: the operations, built alike by a request and by a timeline action, applied by
//!   the model;
//! - the domain: [`Model`] (model.rs) and its plans (plan.rs), split by concern into fleet.rs,
//!   lifecycle.rs, scheduler.rs, failures.rs and snapshot.rs;
//! - state.rs: the plan, batch and task state tables; config.rs: the scenario section;
//!   request.rs: reading a create or retry body (body.rs reads a create body in one pass).

mod body;
pub mod config;
pub mod error;
mod failures;
mod fleet;
mod http;
mod lifecycle;
mod model;
mod openapi;
mod ops;
mod plan;
pub mod request;
mod scheduler;
mod snapshot;
pub mod state;
pub use openapi::api as openapi;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub use config::Config;
pub use http::routes;
pub use model::{Agent, Model};

use crate::kernel::{Core, Millis};

impl crate::engine::VendorModel for Model {
    fn vendor(&self) -> &'static str {
        plan::VENDOR
    }
    fn next_due(&self) -> Option<Millis> {
        Model::next_due(self)
    }
    fn fire_due(&mut self, core: &mut Core) {
        Model::fire_due(self, core)
    }
    fn actions(&self) -> &'static [&'static str] {
        ops::ACTIONS
    }
    /// A timeline action is the same operation a request builds.
    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        let op = ops::Op::from_action(self, action, args)?;
        op.apply(self, core).map(|_| ()).map_err(|e| e.message)
    }
    fn snapshot(&self, core: &Core) -> Value {
        Model::snapshot(self, core)
    }
}

/// The answer to a path under this vendor's prefix that no route matches.
pub fn not_found(path: &str) -> Response {
    error_response(StatusCode::NOT_FOUND, &format!("no such resource: {path}"))
}

/// An error in this vendor's own shape, for injected faults and fallbacks.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    error::ApiError::new(status, message).into_response()
}
