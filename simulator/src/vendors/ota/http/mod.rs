//! The service on the wire: routes, the Bearer check, the handlers and what they render
//! (wire.rs). A handler parses its input outside the lock (path, query, the token, the body),
//! then [`run`]s once on the world: authenticate, build the operation, apply it, render, all at
//! one virtual instant, journalled by the engine's [`Exchange`]. A large plan is sent batch by
//! batch from a snapshot taken then (stream.rs).

mod agents;
mod auth;
mod plans;
mod query;
mod stream;
pub mod wire;

use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::model::Model;
use crate::engine::{Exchange, Sim};
use crate::kernel::Core;

/// This vendor's routes (every handler checks the Bearer token first).
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

/// Runs `handle` on this vendor's model under the request's one acquisition of the world. It
/// answers early with `?`: an [`ApiError`](super::error::ApiError) becomes the service's error body.
fn run(
    ex: Exchange,
    handle: impl FnOnce(&mut Core, &mut Model) -> Result<Response, Response>,
) -> Response {
    ex.run(|w| {
        let (core, model) = w.split::<Model>();
        handle(core, model).unwrap_or_else(|answer| answer)
    })
}
