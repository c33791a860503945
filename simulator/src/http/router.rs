//! The application: every vendor's routes (from the registry), the admin API under `/_sim`, a
//! fallback that answers unknown paths in the owning vendor's 404 shape, the chaos layer, and a
//! catch-panic layer that turns an engine bug into a journalled 500 instead of a dropped
//! connection.

use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;

use super::chaos;
use crate::engine::Exchange;
use crate::{admin, registry, Sim};

/// How the app guards its admin API.
#[derive(Clone, Default)]
pub struct AppOptions {
    /// When set, every `/_sim/` request must carry `Authorization: Bearer <token>`
    /// (`serve --admin-token`, required to listen beyond loopback).
    pub admin_token: Option<String>,
    /// `serve --state-file`: every input is recorded there as it arrives.
    pub state_file: Option<std::sync::Arc<super::StateFile>>,
}

/// The application: vendors + admin + fallbacks + chaos + journalling.
pub fn router(sim: Sim) -> Router {
    router_with(sim, AppOptions::default())
}

/// The application, with its admin API guarded as `options` say.
pub fn router_with(sim: Sim, options: AppOptions) -> Router {
    let app = app(sim.clone(), options.admin_token);
    match options.state_file {
        Some(file) => app.layer(middleware::from_fn_with_state(
            (sim, file),
            super::state_file::record,
        )),
        None => app,
    }
}

fn app(sim: Sim, admin_token: Option<String>) -> Router {
    Router::new()
        .merge(registry::routes())
        .nest("/_sim", admin::routes(admin::Guard::new(admin_token)))
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            chaos::vendor_requests,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(sim)
}

/// A path no route matches: the owning vendor's 404, or a pointer to where the APIs live.
async fn unknown_route(ex: Exchange) -> Response {
    let owned = ex.info().vendor != "unknown";
    let path = ex.info().path().to_string();
    let not_found = ex.info().not_found;
    ex.run(|w| {
        if owned {
            return not_found(w, &path);
        }
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({
                "error": format!("no route {path}: vendor APIs live under /api/v1 (OBShell), \
                    /api/v1/lifecycle (OTA), /v3 (TaurusDB), /api (Unity); the admin API under /_sim")
            })),
        )
            .into_response()
    })
}

fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    tracing::error!("simulator bug: {msg}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"error": format!("simulator bug (please report it): {msg}")})),
    )
        .into_response()
}
