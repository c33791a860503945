//! The upgrade calls: `POST /v3/{project_id}/instances/database-version/upgrade` (a batch;
//! answers `{"resp":"success"}`, no job id) and `POST /v3/{project_id}/instances/{id}/db-upgrade`
//! (one instance; answers `{"job_id"}`). `delay` is accepted as a JSON boolean or as the
//! strings "true"/"false", since the SDKs disagree on its type (vendor notes §2).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};

use super::auth::Call;
use super::error::TaurusError;
use super::{project_param, with_model};
use crate::Sim;

/// `delay` as the clients send it: true/false or "true"/"false". `None` when absent.
pub fn parse_delay(v: Option<&Value>) -> Result<Option<bool>, TaurusError> {
    match v {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(other) => Err(TaurusError::param(format!(
            "delay must be true or false (a JSON boolean or the string \"true\"/\"false\"), not {other}."
        ))),
    }
}

/// `databases_instance_infos`: a non-empty list of {current_version, instance_id}, ids unique.
pub fn parse_infos(body: &Value) -> Result<Vec<(String, String)>, TaurusError> {
    let infos =
        match body.get("databases_instance_infos") {
            None | Some(Value::Null) => return Err(TaurusError::param(
                "databases_instance_infos is required: a list of {current_version, instance_id}.",
            )),
            Some(Value::Array(a)) if a.is_empty() => {
                return Err(TaurusError::param(
                    "databases_instance_infos must list at least one instance.",
                ))
            }
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(TaurusError::param(
                    "databases_instance_infos must be a list of {current_version, instance_id}.",
                ))
            }
        };
    let mut out: Vec<(String, String)> = Vec::with_capacity(infos.len());
    for (i, info) in infos.iter().enumerate() {
        let field = |name: &str| -> Result<String, TaurusError> {
            match info.get(name) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                _ => Err(TaurusError::param(format!(
                    "databases_instance_infos[{i}].{name} must be a non-empty string."
                ))),
            }
        };
        if !info.is_object() {
            return Err(TaurusError::param(format!(
                "databases_instance_infos[{i}] must be an object with current_version and instance_id."
            )));
        }
        let id = field("instance_id")?;
        let version = field("current_version")?;
        if out.iter().any(|(seen, _)| *seen == id) {
            return Err(TaurusError::param(format!(
                "Instance {id} is listed twice in databases_instance_infos."
            )));
        }
        out.push((id, version));
    }
    Ok(out)
}

fn batch_upgrade(
    sim: &Sim,
    path: Result<Path<String>, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(path.map(|Path(p)| p))?;
    let body = call.json()?;
    if !body.is_object() {
        return Err(TaurusError::param("The body must be a JSON object."));
    }
    let infos = parse_infos(&body)?;
    let delay = parse_delay(body.get("delay"))?
        .ok_or_else(|| TaurusError::param("delay is required: true or false."))?;
    // is_skip_validate (sent by some SDKs) is ignored: the simulator always validates.
    let batch: Vec<(String, Option<String>)> =
        infos.into_iter().map(|(id, v)| (id, Some(v))).collect();
    with_model(sim, |core, model| {
        model.upgrade(core, &project, &batch, delay)
    })?;
    Ok(json!({"resp": "success"}))
}

/// `POST /v3/{project_id}/instances/database-version/upgrade`.
pub async fn batch(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(batch_upgrade(&sim, path, &call))
}

fn single_upgrade(
    sim: &Sim,
    path: Result<Path<(String, String)>, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let (project, instance) = match path {
        Ok(Path((p, i))) => (project_param(Ok(p))?, i),
        Err(e) => return Err(TaurusError::param(format!("Bad URL: {e}."))),
    };
    // The body is optional here: delay defaults to false (upgrade now).
    let delay = if call.body.iter().all(u8::is_ascii_whitespace) {
        false
    } else {
        let body = call.json()?;
        if !body.is_object() {
            return Err(TaurusError::param("The body must be a JSON object."));
        }
        parse_delay(body.get("delay"))?.unwrap_or(false)
    };
    let ids = with_model(sim, |core, model| {
        model.upgrade(core, &project, &[(instance, None)], delay)
    })?;
    Ok(json!({"job_id": ids.first().cloned().unwrap_or_default()}))
}

/// `POST /v3/{project_id}/instances/{instance_id}/db-upgrade`.
pub async fn single(
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(single_upgrade(&sim, path, &call))
}
