//! Dell Unity (Unisphere): routes, wire types, errors, auth and the upgrade state machines of this vendor.
//! (Placeholder until this vendor's issue lands: an empty fleet and no routes.)

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::engine::{Core, Millis};
use crate::scenario::{Invalid, Scenario};
use crate::Sim;

/// This vendor's section of a scenario file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// This vendor's resources and timers.
#[derive(Debug, Default)]
pub struct Model {}

impl Model {
    pub fn build(_scenario: &Scenario, _core: &mut Core) -> Result<Self, Invalid> {
        Ok(Self {})
    }
}

impl crate::engine::Model for Model {
    fn vendor(&self) -> &'static str {
        "unity"
    }
    fn next_due(&self) -> Option<Millis> {
        None
    }
    fn fire_due(&mut self, _core: &mut Core) {}
    fn snapshot(&self, _core: &Core) -> Value {
        json!({})
    }
}

/// This vendor's routes.
pub fn routes() -> Router<Sim> {
    Router::new()
}

/// The answer to a path under this vendor's prefix that no route matches.
pub fn not_found(path: &str) -> Response {
    error_response(StatusCode::NOT_FOUND, &format!("no such resource: {path}"))
}

/// An error in this vendor's own shape, for injected faults and fallbacks.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}
