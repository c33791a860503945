//! The plan endpoints: create (the documented one), list, get, and the operator's pause,
//! resume, cancel and retry. Handlers parse, call the model, render; the rules live in
//! model.rs.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::auth::User;
use super::error::ApiError;
use super::model::Model;
use super::request;
use super::state::PlanState;
use super::wire::{self, View};
use crate::kernel::Core;
use crate::Sim;

type Reply = Result<Response, ApiError>;

pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        let status = e.status();
        ApiError::new(
            if status.is_client_error() {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            format!("cannot read the request body: {e}"),
        )
        .with_field("body")
    })
}

/// Query parameters as (key, value) pairs.
pub fn query_pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `page` (from 1) and `pageSize` (1..=max).
pub fn paging(
    pairs: &[(String, String)],
    default_size: usize,
    max: usize,
) -> Result<(usize, usize), ApiError> {
    let num = |key: &str, default: usize, hi: usize| -> Result<usize, ApiError> {
        match param(pairs, key) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=hi).contains(&n) => Ok(n),
                _ => Err(ApiError::invalid(
                    key,
                    format!("{key} must be a whole number from 1 to {hi}, got '{v}'"),
                )),
            },
        }
    };
    Ok((
        num("page", 1, usize::MAX)?,
        num("pageSize", default_size, max)?,
    ))
}

fn view_of(model: &Model, plan: usize, pairs: &[(String, String)]) -> Result<View, ApiError> {
    let p = &model.plans[plan];
    let batch = match param(pairs, "batch") {
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
    match param(pairs, "view") {
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

fn render(model: &Model, core: &Core, plan: usize, view: View) -> Response {
    Json(wire::plan_out(model, core, &model.plans[plan], view)).into_response()
}

/// POST /api/v1/lifecycle/upgrade-plans
pub async fn create(
    user: User,
    State(sim): State<Sim>,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let body = body_bytes(body)?;
    let w = &mut *sim.lock();
    let (core, model) = w.split::<super::Model>();
    let m = request::object(&body, false)?;
    let req = request::plan_request(&m, &model.settings().placeholder_durations)?;
    let p = model.create(core, req, &user.0, None)?;
    let view = wire::default_view(model, &model.plans[p]);
    Ok(render(model, core, p, view))
}

/// GET /api/v1/lifecycle/upgrade-plans?status=&page=&pageSize=
pub async fn list(_: User, State(sim): State<Sim>, RawQuery(q): RawQuery) -> Reply {
    let pairs = query_pairs(&q);
    let (page, size) = paging(&pairs, 20, 100)?;
    let status = match param(&pairs, "status") {
        None | Some("") => None,
        Some(s) => Some(PlanState::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "status",
                format!("status must be one of pending, running, paused, completed, cancelled; got '{s}'"),
            )
        })?),
    };
    let w = sim.lock();
    let (core, model) = (&w.core, w.vendor::<super::Model>());
    let matching: Vec<usize> = (0..model.plans.len())
        .rev()
        .filter(|&i| status.is_none_or(|s| model.plans[i].state == s))
        .collect();
    let items: Vec<_> = matching
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|&i| {
            let p = &model.plans[i];
            wire::plan_out(model, core, p, wire::default_view(model, p))
        })
        .collect();
    Ok(Json(wire::Page {
        items,
        total: matching.len(),
        page,
        page_size: size,
    })
    .into_response())
}

/// GET /api/v1/lifecycle/upgrade-plans/{id}?view=full|summary&batch=N
pub async fn get_one(
    _: User,
    State(sim): State<Sim>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Reply {
    let pairs = query_pairs(&q);
    let w = sim.lock();
    let (core, model) = (&w.core, w.vendor::<super::Model>());
    let p = model.find_plan(&id)?;
    let view = view_of(model, p, &pairs)?;
    Ok(render(model, core, p, view))
}

fn optional_body(
    body: Result<Bytes, BytesRejection>,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    let body = body_bytes(body)?;
    request::object(&body, true)
}

/// POST .../{id}/pause, body optional: `{"reason": "..."}`.
pub async fn pause(
    _: User,
    State(sim): State<Sim>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let m = optional_body(body)?;
    let reason = match m.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::String(_)) => None,
        Some(_) => return Err(ApiError::invalid("reason", "reason must be a string")),
    };
    let w = &mut *sim.lock();
    let (core, model) = w.split::<super::Model>();
    let p = model.find_plan(&id)?;
    model.pause(core, p, reason)?;
    let view = wire::default_view(model, &model.plans[p]);
    Ok(render(model, core, p, view))
}

/// POST .../{id}/resume
pub async fn resume(_: User, State(sim): State<Sim>, Path(id): Path<String>) -> Reply {
    let w = &mut *sim.lock();
    let (core, model) = w.split::<super::Model>();
    let p = model.find_plan(&id)?;
    model.resume(core, p)?;
    let view = wire::default_view(model, &model.plans[p]);
    Ok(render(model, core, p, view))
}

/// POST .../{id}/cancel
pub async fn cancel(_: User, State(sim): State<Sim>, Path(id): Path<String>) -> Reply {
    let w = &mut *sim.lock();
    let (core, model) = w.split::<super::Model>();
    let p = model.find_plan(&id)?;
    model.cancel(core, p)?;
    let view = wire::default_view(model, &model.plans[p]);
    Ok(render(model, core, p, view))
}

/// POST .../{id}/retry, body optional: name, batchSize, concurrency, failureThreshold,
/// observeDuration, createdBy. Answers the new plan.
pub async fn retry(
    user: User,
    State(sim): State<Sim>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let m = optional_body(body)?;
    let w = &mut *sim.lock();
    let (core, model) = w.split::<super::Model>();
    let p = model.find_plan(&id)?;
    let tunables = request::tunables(&m, &model.settings().placeholder_durations)?;
    let name = match m.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(_) => return Err(ApiError::invalid("name", "name must be a non-empty string")),
    };
    let new = model.retry(core, p, tunables, name, &user.0)?;
    let view = wire::default_view(model, &model.plans[new]);
    Ok(render(model, core, new, view))
}
