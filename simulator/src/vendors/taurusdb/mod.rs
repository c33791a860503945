//! Huawei Cloud TaurusDB (GaussDB for MySQL) minor-version upgrades, as the official
//! huaweicloudsdkgaussdb client sees them: the batch upgrade
//! (`POST /v3/{project_id}/instances/database-version/upgrade`), the single-instance
//! `db-upgrade`, and the calls a client follows an upgrade with (jobs, immediate and
//! scheduled job lists, instance details and lists, kernel versions, pre-checks).
//!
//! Files: `config` (the scenario section), `model` (instances, jobs, timers, timeline
//! actions), `state` (the instance and job state machines), `auth` (SDK-HMAC-SHA256 and
//! X-Auth-Token, in the `Call` extractor every route takes), `error` (the
//! `{"error_code","error_msg"}` shape), `wire` (response bodies in the SDK models' order),
//! and one file per group of operations. docs/taurusdb.md is the user's guide.

mod auth;
pub mod config;
mod error;
mod instances;
mod jobs;
pub mod model;
mod precheck;
pub mod state;
mod upgrade;
mod wire;

use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub use auth::{
    canonical_query, canonical_request, canonical_uri, parse_authorization, payload_hash,
    sha256_hex, signature, string_to_sign, verify_signature,
};
pub use config::Config;
pub use error::{Code, Lang, TaurusError};
pub use model::Model;

use crate::kernel::Core;
use crate::Sim;

/// This vendor's routes. Each handler takes the `Call` extractor last, which authenticates
/// the request (so unknown paths still get a 404, never a 401).
pub fn routes() -> Router<Sim> {
    Router::new()
        .route(
            "/v3/{project_id}/instances/database-version/upgrade",
            post(upgrade::batch),
        )
        .route(
            "/v3/{project_id}/instances/database-version/upgrade/pre-check",
            post(precheck::precheck),
        )
        .route(
            "/v3/{project_id}/instances/database-version/upgrade/pre-check-result",
            post(precheck::precheck_result),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/db-upgrade",
            post(upgrade::single),
        )
        .route(
            "/v3/{project_id}/instances/{instance_id}/database-version",
            get(instances::version),
        )
        .route("/v3/{project_id}/instances", get(instances::list))
        .route("/v3.1/{project_id}/instances", get(instances::list_unified))
        .route(
            "/v3/{project_id}/instances/{instance_id}",
            get(instances::show),
        )
        .route(
            "/v3.1/{project_id}/instances/{instance_id}",
            get(instances::show_unified),
        )
        .route("/v3/{project_id}/jobs", get(jobs::show))
        .route("/v3/{project_id}/immediate-jobs", get(jobs::immediate))
        .route(
            "/v3/{project_id}/scheduled-jobs",
            get(jobs::scheduled).delete(jobs::cancel),
        )
        .route(
            "/v3/{project_id}/datastores/{database_name}",
            get(instances::datastores),
        )
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        &format!("no API {method} {}", uri.path()),
    )
}

/// The `{project_id}` path segment: 32 letters and digits, else DBS.200001.
fn project_param(p: Result<String, PathRejection>) -> Result<String, TaurusError> {
    let p = p.map_err(|e| TaurusError::param(format!("Bad URL: {e}.")))?;
    if config::is_project_id(&p) {
        Ok(p)
    } else {
        Err(TaurusError::param(format!(
            "project_id {p} is invalid: it must be 32 letters and digits."
        )))
    }
}

/// The query string as decoded (key, value) pairs.
fn query_pairs(call: &auth::Call) -> Vec<(String, String)> {
    form_urlencoded::parse(call.query.as_deref().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Runs `f` on the locked world's core and this vendor's model.
fn with_model<T>(
    sim: &Sim,
    f: impl FnOnce(&mut Core, &mut Model) -> Result<T, TaurusError>,
) -> Result<T, TaurusError> {
    let w = &mut *sim.lock();
    let (core, m) = w.split::<Model>();
    f(core, m)
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
