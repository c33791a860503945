//! The plan endpoints: create (the documented one), list, get, and the operator's pause,
//! resume, cancel and retry. Each parses, then builds its operation and renders the plan it
//! answers, under one acquisition of the world; the rules live in the model.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use super::super::error::ApiError;
use super::super::model::Model;
use super::super::ops::{Control, CreatePlan, Op, RetryPlan};
use super::super::request;
use super::super::state::{PlanOp, PlanState};
use super::auth::Bearer;
use super::query::{body_bytes, body_object, plan_id, PathId, Query};
use super::run;
use super::stream;
use super::wire::{self, View};
use crate::engine::Exchange;
use crate::kernel::Core;

/// An operation endpoint: checks the token, reads the plan id (if the route has one) and the
/// body, builds the operation with `build`, applies it and answers the plan it created or
/// acted on, in its default view.
fn operate<B>(
    ex: Exchange,
    bearer: Bearer,
    path: Option<PathId>,
    body: Result<B, ApiError>,
    build: impl FnOnce(&Model, &str, B, String) -> Result<Op, ApiError>,
) -> Response {
    run(ex, |core, model| {
        let user = bearer.user(model)?;
        let id = path.map(plan_id).transpose()?.unwrap_or_default();
        let op = build(model, &id, body?, user)?;
        let Some(p) = op.apply(model, core)? else {
            unreachable!("every plan endpoint's operation answers a plan")
        };
        let view = wire::default_view(model, &model.plans[p]);
        Ok(render(model, core, p, view))
    })
}

fn render(model: &Model, core: &Core, plan: usize, view: View) -> Response {
    let p = &model.plans[plan];
    let size = wire::size_hint(p, view);
    if size > wire::STREAMED {
        if let Some(streamed) = stream::plan(model, core, p, view) {
            return streamed;
        }
    }
    wire::json(&wire::plan_out(model, core, p, view), size)
}

/// POST /api/v1/lifecycle/upgrade-plans
pub async fn create(ex: Exchange, bearer: Bearer, body: Result<Bytes, BytesRejection>) -> Response {
    operate(
        ex,
        bearer,
        None,
        body_bytes(body).and_then(|b| request::create_body(&b)),
        |model, _, body, user| CreatePlan::from_http(model, body, user).map(Op::Create),
    )
}

/// GET /api/v1/lifecycle/upgrade-plans?status=&page=&pageSize=
pub async fn list(ex: Exchange, bearer: Bearer, RawQuery(q): RawQuery) -> Response {
    let query = Query::new(q.as_deref());
    run(ex, |core, model| {
        bearer.user(model)?;
        let paging = query.paging(20, 100)?;
        let status = match query.filter("status") {
            None => None,
            Some(s) => Some(PlanState::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("status must be one of pending, running, paused, completed, cancelled; got '{s}'"),
                )
            })?),
        };
        let matching = model.plans_in(status);
        let page = paging.page(&matching, |i| {
            let p = &model.plans[i];
            wire::plan_out(model, core, p, wire::default_view(model, p))
        });
        Ok(Json(page).into_response())
    })
}

/// GET /api/v1/lifecycle/upgrade-plans/{id}?view=full|summary&batch=N
pub async fn get_one(
    ex: Exchange,
    bearer: Bearer,
    path: PathId,
    RawQuery(q): RawQuery,
) -> Response {
    let query = Query::new(q.as_deref());
    run(ex, |core, model| {
        bearer.user(model)?;
        let id = plan_id(path)?;
        let p = model.find_plan(&id)?;
        let view = view_of(model, p, &query)?;
        Ok(render(model, core, p, view))
    })
}

/// The view `?view=` and `?batch=` ask for, checked against the plan.
fn view_of(model: &Model, plan: usize, query: &Query) -> Result<View, ApiError> {
    let p = &model.plans[plan];
    let batch = match query.get("batch") {
        None => None,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n < p.batches.len() => Some(n),
            _ => {
                return Err(ApiError::invalid(
                    "batch",
                    format!(
                        "batch must be a batch index from 0 to {}, got '{v}'",
                        p.batches.len().saturating_sub(1)
                    ),
                ))
            }
        },
    };
    match query.get("view") {
        Some("full") => Ok(View::Full),
        Some("summary") => Ok(View::Summary { batch }),
        None => Ok(match (wire::default_view(model, p), batch) {
            (View::Summary { .. }, b) => View::Summary { batch: b },
            (full, _) => full,
        }),
        Some(other) => Err(ApiError::invalid(
            "view",
            format!("view must be full or summary, got '{other}'"),
        )),
    }
}

/// POST .../{id}/pause, body optional: `{"reason": "..."}`.
pub async fn pause(
    ex: Exchange,
    bearer: Bearer,
    path: PathId,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    control(ex, bearer, path, body_object(body, true), PlanOp::Pause)
}

/// POST .../{id}/resume
pub async fn resume(ex: Exchange, bearer: Bearer, path: PathId) -> Response {
    control(ex, bearer, path, Ok(Map::new()), PlanOp::Resume)
}

/// POST .../{id}/cancel
pub async fn cancel(ex: Exchange, bearer: Bearer, path: PathId) -> Response {
    control(ex, bearer, path, Ok(Map::new()), PlanOp::Cancel)
}

fn control(
    ex: Exchange,
    bearer: Bearer,
    path: PathId,
    body: Result<Map<String, Value>, ApiError>,
    op: PlanOp,
) -> Response {
    operate(ex, bearer, Some(path), body, |model, id, body, _| {
        Control::from_http(model, id, op, &body).map(Op::Control)
    })
}

/// POST .../{id}/retry, body optional: name, batchSize, concurrency, failureThreshold,
/// observeDuration, createdBy. Answers the new plan.
pub async fn retry(
    ex: Exchange,
    bearer: Bearer,
    path: PathId,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    operate(
        ex,
        bearer,
        Some(path),
        body_object(body, true),
        |model, id, body, user| RetryPlan::from_http(model, id, &body, user).map(Op::Retry),
    )
}
