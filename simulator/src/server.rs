//! The one HTTP application: every vendor's routes, the admin API under `/_sim`, a fallback
//! that answers unknown paths in the owning vendor's 404 shape, request journalling, and a
//! catch-panic layer that turns an engine bug into a journalled 500 instead of a dropped
//! connection. `serve` and the tests build the same app with [`router`].

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;
use tokio::net::TcpListener;

use crate::engine::EntryKind;
use crate::vendors::{self, VendorId};
use crate::Sim;

/// The application: vendors + admin + fallbacks + journalling.
pub fn router(sim: Sim) -> Router {
    Router::new()
        .merge(vendors::routes())
        .nest("/_sim", crate::admin::routes())
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            sim.clone(),
            journal_requests,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(sim)
}

async fn unknown_route(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    match VendorId::of_path(path) {
        Some(v) => v.not_found(path),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({
                "error": format!("no route {path}: vendor APIs live under /api/v1 (OBShell), \
                    /api/v1/lifecycle (OTA), /v3 (TaurusDB), /api (Unity); the admin API under /_sim")
            })),
        )
            .into_response(),
    }
}

/// Records every vendor request (not the admin API's) with the status it got.
async fn journal_requests(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let query = req.uri().query().map(str::to_string);
    let response = next.run(req).await;
    let vendor = VendorId::of_path(&path).map_or("unknown", VendorId::name);
    let mut w = sim.lock();
    w.core.record(
        EntryKind::Request,
        vendor,
        "request",
        None,
        None,
        json!({"method": method, "path": path, "query": query, "status": response.status().as_u16()}),
    );
    response
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

/// Serves the app on `listener` until `shutdown` resolves.
pub async fn serve(
    sim: Sim,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(sim);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
