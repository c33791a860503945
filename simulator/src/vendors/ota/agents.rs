//! The fleet endpoints: GET /api/v1/lifecycle/agents (filters: version, release,
//! runtimeStatus; paging) and GET /api/v1/lifecycle/agents/{id}.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::auth::User;
use super::error::ApiError;
use super::plans::{paging, query_pairs};
use super::wire;
use crate::Sim;

const STATUSES: [&str; 4] = ["running", "updating", "restarting", "offline"];

pub async fn list(
    _: User,
    State(sim): State<Sim>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&q);
    let (page, size) = paging(&pairs, 50, 1000)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (version, release, status) = (get("version"), get("release"), get("runtimeStatus"));
    if let Some(s) = status {
        if !STATUSES.contains(&s) {
            return Err(ApiError::invalid(
                "runtimeStatus",
                format!(
                    "runtimeStatus must be one of {}; got '{s}'",
                    STATUSES.join(", ")
                ),
            ));
        }
    }
    let w = sim.lock();
    let (core, model) = (&w.core, w.vendor::<super::Model>());
    let now = core.now();
    let matching: Vec<usize> = (0..model.agents.len())
        .filter(|&n| {
            let a = &model.agents[n];
            version.is_none_or(|v| *a.version == *v)
                && release.is_none_or(|r| *a.release == *r)
                && status.is_none_or(|s| model.runtime_status(n, now) == s)
        })
        .collect();
    let items: Vec<_> = matching
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|&n| wire::agent_out(model, core, n))
        .collect();
    Ok(Json(wire::Page {
        items,
        total: matching.len(),
        page,
        page_size: size,
    })
    .into_response())
}

pub async fn get_one(
    _: User,
    State(sim): State<Sim>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = sim.lock();
    let (core, model) = (&w.core, w.vendor::<super::Model>());
    let n = model.find_agent(&id)?;
    Ok(Json(wire::agent_out(model, core, n)).into_response())
}
