//! Huawei Cloud TaurusDB (GaussDB for MySQL) minor-version upgrades, as the official
//! huaweicloudsdkgaussdb client sees them: the batch upgrade
//! (`POST /v3/{project_id}/instances/database-version/upgrade`), the single-instance
//! `db-upgrade`, and the calls a client follows an upgrade with (jobs, immediate and
//! scheduled job lists, instance details and lists, kernel versions, pre-checks).
//!
//! Files, from the wire down: `handlers` (each route parses its request into an operation),
//! `call` (the request read outside the lock, answered under one exchange with the world),
//! `auth` (the SDK's four AK/SK signing algorithms and X-Auth-Token), `error` (the
//! `{"error_code","error_msg"}` shape), `wire` (response bodies as typed structs named after
//! the SDK's models, rendered straight to bytes), `openapi` (the routes for the OpenAPI
//! document); `ops` (the one operation type
//! that requests and timeline actions share, one file per group); the domain: `fleet`
//! (instances and jobs), `lifecycle` (upgrade rules and job timers), `failures` (what a
//! scenario does to an instance), `snapshot` (the engine's view); `state` (the instance and
//! job state tables) and `config` (the scenario section). docs/taurusdb.md is the user's guide.

mod auth;
mod call;
pub mod config;
mod error;
mod failures;
mod fleet;
mod handlers;
mod lifecycle;
mod openapi;
mod ops;
mod snapshot;
pub mod state;
mod wire;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::Router;

pub use config::Config;
pub use error::{Code, Lang, TaurusError};
pub use fleet::Model;
pub use openapi::api as openapi;
pub use ops::Operation;

use crate::Sim;

/// This vendor's routes. Each handler takes the `Call` last: it reads the body, and the
/// caller is authenticated only on matched routes (so unknown paths still get a 404, never a
/// 401).
pub fn routes() -> Router<Sim> {
    Router::new()
        .route(
            "/v3/{project_id}/instances/database-version/upgrade",
            post(handlers::batch),
        )
        .route(
            "/v3/{project_id}/instances/database-version/upgrade/pre-check",
            post(handlers::precheck),
        )
        .route(
            "/v3/{project_id}/instances/database-version/upgrade/pre-check-result",
            post(handlers::precheck_result),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/db-upgrade",
            post(handlers::single),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/database-version",
            get(handlers::version),
        )
        .route("/v3/{project_id}/instances/details", get(handlers::details))
        .route(
            "/v3.1/{project_id}/instances/details",
            get(handlers::details_unified),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/task-center-detail",
            get(handlers::task_detail),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/ops-window",
            put(handlers::ops_window),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/schedule-tasks/exist",
            post(handlers::schedule_exists),
        )
        .route(
            "/v3/{project_id}/instance/{instance_id}/scheduled-jobs",
            delete(handlers::delete_scheduled),
        )
        .route(
            "/v3/{project_id}/jobs/{job_id}",
            delete(handlers::delete_record),
        )
        .route("/v3/projects", get(handlers::iam_projects))
        .route("/v3/{project_id}/instances", get(handlers::list))
        .route("/v3.1/{project_id}/instances", get(handlers::list_unified))
        .route(
            "/v3/{project_id}/instances/{instance_id}",
            get(handlers::show),
        )
        .route(
            "/v3.1/{project_id}/instances/{instance_id}",
            get(handlers::show_unified),
        )
        .route("/v3/{project_id}/jobs", get(handlers::job))
        .route("/v3/{project_id}/immediate-jobs", get(handlers::immediate))
        .route(
            "/v3/{project_id}/scheduled-jobs",
            get(handlers::scheduled).delete(handlers::cancel),
        )
        .route(
            "/v3/{project_id}/datastores/{database_name}",
            get(handlers::datastores),
        )
        .method_not_allowed_fallback(handlers::method_not_allowed)
}

/// The answer to a path under this vendor's prefix that no route matches: the API
/// gateway's APIGW.0101.
pub fn not_found(path: &str) -> Response {
    let id = error::detached_request_id(path);
    TaurusError::with(Code::NoSuchApi, format!("No API at {path}.")).render(Lang::En, &id)
}

/// An error in this vendor's own shape, for injected faults and fallbacks: 429 is the
/// gateway's throttling error, 404 its unknown-API error, 401 its auth error, any other
/// status DBS.05000000 (5xx) or DBS.200001 (4xx), with the status given.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        429 => Code::Throttled,
        404 => Code::NoSuchApi,
        401 => Code::AuthFailed,
        s if s >= 500 => Code::ServerError,
        _ => Code::ParameterError,
    };
    let mut e = TaurusError::with(code, message);
    e.status = Some(status);
    e.render(Lang::En, &error::detached_request_id(message))
}
