//! Dell Unity (Unisphere Management REST API): software-upgrade sessions as storops and curl
//! see them. Unisphere's conventions (Basic auth with `X-EMC-REST-CLIENT`, the CSRF token and
//! session cookie, collection and instance envelopes, `fields`/`filter`/paging, type
//! metadata, the `{"error":{...}}` body, jobs for `?timeout=0`), the candidate upload, and
//! `softwareUpgradeSession`/`upgradeSession` with their operations, running on virtual time.
//!
//! Files: `config` (the scenario section), `model` (the world and the session state machine's
//! driver), `state` (state enums), `auth` (the caller extractor), `resources` (reads),
//! `session` (create and actions), `upload`, `query` (parameters and filters), `wire`
//! (envelopes and encodings), `types` (metadata), `error` (the error body).

mod auth;
pub mod config;
pub mod error;
mod model;
pub mod query;
mod resources;
mod session;
pub mod state;
pub mod types;
mod upload;
pub mod wire;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;

pub use config::Config;
pub use error::UnityError;
pub use model::Model;

use crate::Sim;

/// This vendor's routes. Authentication is the [`auth::Caller`] extractor each handler takes
/// first, so paths no route matches stay 404 in Unity's shape.
pub fn routes() -> Router<Sim> {
    let other = resources::method_not_allowed;
    Router::new()
        .route(
            "/api/types/{type}",
            get(resources::type_info).fallback(other),
        )
        .route(
            "/api/types/{type}/instances",
            get(resources::collection)
                .post(session::create)
                .fallback(other),
        )
        .route(
            "/api/instances/{type}/{id}",
            get(resources::instance)
                .merge(delete(resources::delete))
                .fallback(other),
        )
        .route(
            "/api/types/{type}/action/{action}",
            post(session::type_action).fallback(other),
        )
        .route(
            "/api/instances/{type}/{id}/action/{action}",
            post(session::instance_action).fallback(other),
        )
        .route(
            "/upload/files/types/{type}",
            post(upload::upload).fallback(other),
        )
}

/// The answer to a path under this vendor's prefix that no route matches.
pub fn not_found(_path: &str) -> Response {
    UnityError::not_found().into_response()
}

/// An error in this vendor's own shape, for injected faults and fallbacks.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    UnityError::new(status, error::code_for_status(status), message.to_string()).into_response()
}
