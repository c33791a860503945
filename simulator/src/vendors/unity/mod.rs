//! Dell Unity (Unisphere Management REST API): software-upgrade sessions as storops and curl
//! see them. Unisphere's conventions (Basic auth with `X-EMC-REST-CLIENT`, the CSRF token and
//! session cookie, collection and instance envelopes, `fields`/`filter`/paging, type
//! metadata, the `{"error":{...}}` body, jobs for `?timeout=0`), the candidate upload, and
//! `softwareUpgradeSession`/`upgradeSession` with their operations, running on virtual time.
//!
//! Inside, the direction is http → operations → domain → state/config:
//! - http: `resources` (reads), `actions` (create and actions), `upload`, through `handler`
//!   (one exchange with the world per request), `auth`, `input`, `query`, `wire`, `types`,
//!   `error`;
//! - operations: `ops`, one type shared by requests and timeline actions;
//! - domain: `model` (the [`Model`] and the engine's view of it), `array`, `logins`,
//!   `lifecycle`, `scheduler`, `failures`, `jobs`, `render`;
//! - `state` (the state enums and their tables), `config` (the scenario section).

/// Serde default functions, one line each: `name: Type = value;` (for `config` and
/// `equipment`; defined before the modules so both see it).
macro_rules! defaults {
    ($($name:ident: $ty:ty = $value:expr;)*) => {
        $(fn $name() -> $ty {
            $value.to_owned()
        })*
    };
}

mod actions;
mod alerts;
mod array;
mod auth;
pub mod config;
pub mod equipment;
pub mod error;
mod failures;
mod handler;
mod hardware;
mod input;
mod inventory;
mod jobs;
mod lifecycle;
mod logins;
mod model;
mod openapi;
mod ops;
pub mod query;
mod render;
mod resources;
mod scheduler;
pub mod state;
pub mod types;
mod upload;
pub mod wire;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;

pub use config::Config;
pub use error::UnityError;
pub use model::Model;
pub use openapi::api as openapi;

use crate::engine::World;
use crate::Sim;

/// This vendor's routes. Authentication is checked inside each handler's exchange with the
/// world, so paths no route matches stay 404 in Unity's shape.
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
                .post(actions::create)
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
            post(actions::type_action).fallback(other),
        )
        .route(
            "/api/instances/{type}/{id}/action/{action}",
            post(actions::instance_action).fallback(other),
        )
        .route(
            "/upload/files/types/{type}",
            post(upload::upload).fallback(other),
        )
}

/// The answer to a path under this vendor's prefix that no route matches, `created` now.
pub fn not_found(world: &mut World, _path: &str) -> Response {
    UnityError::not_found().render(model::now_unix_ms(&world.core))
}

/// An error in this vendor's own shape (injected faults, refusals), `created` now.
pub fn error_response(world: &mut World, status: StatusCode, message: &str) -> Response {
    UnityError::new(status, error::code_for_status(status), message.to_string())
        .render(model::now_unix_ms(&world.core))
}
