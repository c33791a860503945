//! The fleet endpoints: GET /api/v1/lifecycle/agents (filters: version, release,
//! runtimeStatus; paging) and GET /api/v1/lifecycle/agents/{id}.

use axum::extract::RawQuery;
use axum::response::Response;

use super::super::error::ApiError;
use super::auth::Bearer;
use super::query::{plan_id, PathId, Query};
use super::run;
use super::wire;
use crate::engine::Exchange;

const STATUSES: [&str; 4] = ["running", "updating", "restarting", "offline"];

pub async fn list(ex: Exchange, bearer: Bearer, RawQuery(q): RawQuery) -> Response {
    let query = Query::new(q.as_deref());
    run(ex, |core, model| {
        bearer.user(model)?;
        let paging = query.paging(50, 1000)?;
        let version = query.filter("version");
        let release = query.filter("release");
        let status = query.filter("runtimeStatus");
        if let Some(s) = status.filter(|s| !STATUSES.contains(s)) {
            let message = format!(
                "runtimeStatus must be one of {}; got '{s}'",
                STATUSES.join(", ")
            );
            return Err(ApiError::invalid("runtimeStatus", message).into());
        }
        let matching = model.agents_matching(core, version, release, status);
        let page = paging.page(&matching, |n| wire::agent_out(model, core, n));
        Ok(wire::json(&page, 512 * page.items.len() + 64))
    })
}

pub async fn get_one(ex: Exchange, bearer: Bearer, path: PathId) -> Response {
    run(ex, |core, model| {
        bearer.user(model)?;
        let id = plan_id(path)?;
        let n = model.find_agent(&id)?;
        Ok(wire::json(&wire::agent_out(model, core, n), 512))
    })
}
