//! The read handlers: type metadata (`GET /api/types/<type>`), collection queries
//! (`GET /api/types/<type>/instances`) and instance queries (`GET /api/instances/<type>/<id>`)
//! with `fields`, `filter`, paging and `compact`, plus the 405s for what cannot be done on a
//! type. Instances come in full from `render`, then are filtered and cut to the asked fields.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::auth::{Caller, Presented};
use super::error::{self, UnityError};
use super::handler::serve;
use super::input::{known_type, path_or_404};
use super::query::Query;
use super::render::{instances, session_content};
use super::types::TypeDef;
use super::wire::{self, base_url, format_datetime, Instance, Page};
use super::Model;
use crate::engine::Exchange;
use crate::kernel::Core;

fn updated(caller: &Caller) -> String {
    format_datetime(caller.now_unix_ms)
}

fn ok(caller: &Caller, body: &Value) -> Result<Response, UnityError> {
    Ok(caller.finish(wire::json_response(StatusCode::OK, body)))
}

/// `GET /api/types/<type>`.
pub async fn type_info(
    ex: Exchange,
    who: Presented,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let input = path_or_404(path).and_then(|name| {
        let q = Query::parse(raw.as_deref())?;
        Ok((known_type(&name)?, q, name))
    });
    serve(ex, who, input, |_, _, caller, (t, q, name)| {
        let base = || format!("{}/api/types", base_url(&caller.host));
        let content = t.metadata();
        let body = wire::to_json(&Instance::new(
            q.compact,
            base,
            &updated(caller),
            &name,
            content,
        ));
        ok(caller, &body)
    })
}

/// A type with instances and a query whose `fields` and `filter` name its attributes.
struct Read {
    t: &'static TypeDef,
    q: Query,
    known: Vec<&'static str>,
}

impl Read {
    fn parse(name: &str, raw: Option<String>) -> Result<Self, UnityError> {
        let t = known_type(name)?;
        if !t.has_instances {
            return Err(UnityError::not_found());
        }
        let q = Query::parse(raw.as_deref())?;
        let known = t.attribute_names();
        if let Some(fields) = &q.fields {
            for f in fields {
                let root = f.split('.').next().unwrap_or_default();
                if !known.contains(&root) {
                    return Err(UnityError::invalid_field(f));
                }
            }
        }
        if let Some(filter) = &q.filter {
            for a in filter.attributes() {
                if !known.contains(&a) {
                    return Err(UnityError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        error::INVALID_FIELD,
                        format!("The filter includes an invalid property [{a}]."),
                    ));
                }
            }
        }
        Ok(Read { t, q, known })
    }

    fn select(&self, content: &Map<String, Value>) -> Result<Map<String, Value>, UnityError> {
        wire::select(content, self.q.fields.as_deref(), &self.known)
    }
}

/// `GET /api/types/<type>/instances`.
pub async fn collection(
    ex: Exchange,
    who: Presented,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let input = path_or_404(path).and_then(|name| Read::parse(&name, raw));
    serve(ex, who, input, |core, model, caller, read| {
        let mut selected = Vec::new();
        for (id, content) in instances(model, core, read.t.name, caller.login) {
            if read.q.filter.as_ref().is_some_and(|f| !f.matches(&content)) {
                continue;
            }
            selected.push((id, read.select(&content)?));
        }
        let upd = updated(caller);
        let body = Page {
            host: &caller.host,
            type_name: read.t.name,
            query: &read.q,
            updated: &upd,
        }
        .render(selected);
        ok(caller, &body)
    })
}

/// One instance of `type_name` in full, if it exists.
fn instance_content(
    model: &Model,
    core: &Core,
    type_name: &str,
    id: &str,
    login: Option<usize>,
) -> Option<Map<String, Value>> {
    match type_name {
        "softwareUpgradeSession" | "upgradeSession" => model
            .session_index(id)
            .map(|i| session_content(core, &model.sessions[i])),
        "job" => model
            .jobs
            .iter()
            .find(|j| j.id == id)
            .map(|j| model.job_content(core, j)),
        _ => instances(model, core, type_name, login)
            .into_iter()
            .find(|(i, _)| i == id)
            .map(|(_, c)| c),
    }
}

/// `GET /api/instances/<type>/<id>`.
pub async fn instance(
    ex: Exchange,
    who: Presented,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let input = path_or_404(path).and_then(|(name, id)| Ok((Read::parse(&name, raw)?, id)));
    serve(ex, who, input, |core, model, caller, (read, id)| {
        let content = instance_content(model, core, read.t.name, &id, caller.login)
            .ok_or_else(UnityError::not_found)?;
        let body = wire::instance_envelope(
            &caller.host,
            read.t.name,
            &id,
            read.select(&content)?,
            read.q.compact,
            &updated(caller),
        );
        ok(caller, &body)
    })
}

/// `DELETE /api/instances/<type>/<id>`: none of these types can be deleted.
pub async fn delete(
    ex: Exchange,
    who: Presented,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let input = path_or_404(path).and_then(|(name, _)| known_type(&name));
    serve(ex, who, input, |_, _, _, _| {
        Err(UnityError::action_not_supported())
    })
}

/// Any other method on a Unity route.
pub async fn method_not_allowed(ex: Exchange, who: Presented) -> Response {
    serve(
        ex,
        who,
        Err::<(), _>(UnityError::action_not_supported()),
        |_, _, _, ()| Err(UnityError::action_not_supported()),
    )
}
