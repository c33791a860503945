//! The application: every vendor's routes (from the registry), the admin API under `/_sim`, a
//! fallback that answers unknown paths in the owning vendor's 404 shape, the chaos layer, and a
//! catch-panic guard that turns an engine bug into a 500 instead of a dropped connection.
//!
//! The chaos layer and the panic guard are one hand-written service ([`App`]) around the axum
//! router rather than two tower layers: as layers they cost a clone of the inner service, two
//! boxed services and a boxed future on every request, for work that is a function call.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::FutureExt;
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

/// The application, a tower service from requests to responses: serve it, or call it with
/// tower's `oneshot`. Clones share everything.
#[derive(Clone)]
pub struct App(Stack);

#[derive(Clone)]
enum Stack {
    /// The chaos layer and the panic guard around the routes.
    Direct(Guarded),
    /// The same, behind the state file's recorder (an axum middleware).
    Recorded(Router),
}

/// The routes, with the chaos layer and the panic guard in front of them.
#[derive(Clone)]
struct Guarded {
    sim: Sim,
    routes: Router,
}

type AppFuture = Pin<Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send>>;

impl Guarded {
    /// Tags, routes and answers one request; a panic on the way becomes a 500.
    fn answer(&self, req: Request) -> AppFuture {
        let (sim, routes) = (self.sim.clone(), self.routes.clone());
        Box::pin(async move {
            let answer = AssertUnwindSafe(chaos::vendor_requests(sim, req, routes))
                .catch_unwind()
                .await;
            Ok(answer.unwrap_or_else(panic_response))
        })
    }
}

impl tower::Service<Request> for App {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = AppFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match &mut self.0 {
            Stack::Direct(guarded) => guarded.answer(req),
            Stack::Recorded(router) => {
                let router = router.clone();
                Box::pin(async move {
                    Ok(tower::ServiceExt::oneshot(router, req)
                        .await
                        .unwrap_or_else(|never| match never {}))
                })
            }
        }
    }
}

/// The application: vendors + admin + fallbacks + chaos + journalling.
pub fn router(sim: Sim) -> App {
    router_with(sim, AppOptions::default())
}

/// The application, with its admin API guarded as `options` say.
pub fn router_with(sim: Sim, options: AppOptions) -> App {
    let guarded = Guarded {
        sim: sim.clone(),
        routes: routes(sim.clone(), options.admin_token),
    };
    App(match options.state_file {
        Some(file) => Stack::Recorded(
            Router::new()
                .fallback_service(tower::service_fn(move |req| guarded.answer(req)))
                .layer(middleware::from_fn_with_state(
                    (sim, file),
                    super::state_file::record,
                )),
        ),
        None => Stack::Direct(guarded),
    })
}

fn routes(sim: Sim, admin_token: Option<String>) -> Router {
    Router::new()
        .merge(registry::routes())
        .nest("/_sim", admin::routes(admin::Guard::new(admin_token)))
        .fallback(unknown_route)
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
