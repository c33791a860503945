//! OceanBase OBShell: the agent's upgrade API (agent upgrade, OB rolling and stop-service
//! upgrades, package upload, the task/DAG API), byte-faithful to the real server: the
//! `OcsAgentResponse` envelope, both error generations (legacy numeric `code`, current
//! `errCode`), v1 `X-OCS-Auth` and v2 `X-OCS-Header` hybrid encryption, the real DAG templates
//! and operators, and the global maintenance lock. docs/obshell.md is the user's guide.
//!
//! Files, from the wire down: `http` (routes, the one request path), `auth` (the auth stages),
//! `wire` (envelope, Go JSON and times), `error` (catalogue), `gin` (request binding), `dto`
//! (task DTOs); `ops` (the operation type, one file per group); the domain: `model` (the
//! vendor's `Model` and its face to the engine), `cluster`, `lifecycle`, `scheduler`,
//! `operators`, `failures`, `snapshot`; below them `state` (state enums and their tables),
//! `templates` (DAG templates), `route` (the upgrade route through a package's
//! upgrade_dep YAML), `rpm` (reading and building packages) and `config` (the scenario section).

pub mod auth;
pub mod cluster;
pub mod config;
pub mod dto;
pub mod error;
pub mod failures;
pub mod gin;
pub mod http;
pub mod lifecycle;
pub mod model;
mod openapi;
pub mod operators;
pub mod ops;
pub mod route;
pub mod rpm;
pub mod scheduler;
pub mod snapshot;
pub mod state;
pub mod templates;
pub mod wire;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub use config::Config;
pub use http::routes;
pub use model::{Model, VENDOR};
pub use openapi::api as openapi;

use crate::engine::World;
use error::ObError;

/// The answer to a path under this vendor's prefix that no route matches (outside a request's
/// context: the legacy shape, Go's zero time, no trace id).
pub fn not_found(_: &mut World, _path: &str) -> Response {
    ObError::route_not_found().into_response()
}

/// An error in this vendor's own shape, for injected faults, refusals and fallbacks (outside a
/// request's context, like [`not_found`]).
pub fn error_response(_: &mut World, status: StatusCode, message: &str) -> Response {
    error::from_status(status, message).into_response()
}
