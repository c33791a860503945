//! The upgrade operations of softwareUpgradeSession (and of upgradeSession, the name 5.x arrays
//! use, on the same sessions): Create (201), VerifyUpgradeEligibility (200), Resume (204), and
//! upgradeSession's Cancel and Acknowledge (204); plus loginSessionInfo's logout. Each takes
//! `?timeout=0` to run as a job (202 with the job at top level).

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::auth::Caller;
use super::config::{version_key, SP_MODELS};
use super::error::{self, UnityError};
use super::model::Model;
use super::query::Query;
use super::resources::{known_type, path_or_404};
use super::state::UpgradeStatus;
use super::wire::{self, base_url, format_datetime};
use crate::kernel::Core;
use crate::Sim;

const SESSION_TYPES: [&str; 2] = ["softwareUpgradeSession", "upgradeSession"];

/// The body as a JSON object (an empty body is `{}`); 400 when it is not JSON, 422 when it is
/// not an object or has a parameter the operation does not take.
fn body_object(body: &Bytes, allowed: &[&str]) -> Result<Map<String, Value>, UnityError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| UnityError::malformed_body(&format!("it is not JSON ({e})")))?;
    let Value::Object(map) = value else {
        return Err(UnityError::incorrect_body(
            "The body must be a JSON object.",
        ));
    };
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(UnityError::incorrect_body(&format!(
                "Unknown parameter [{k}]; this operation takes: {}.",
                if allowed.is_empty() {
                    "no parameters".to_string()
                } else {
                    allowed.join(", ")
                }
            )));
        }
    }
    Ok(map)
}

fn invalid_value(name: &str, want: &str) -> UnityError {
    UnityError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        error::INCORRECT_BODY,
        format!("The value of parameter [{name}] is not valid: it must be {want}."),
    )
}

/// Unity's Boolean input: true/false, or "t", "yes", "1" and the like.
fn boolean(map: &Map<String, Value>, name: &str) -> Result<Option<bool>, UnityError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => {
            Ok(Some(n.as_u64() == Some(1)))
        }
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" => Ok(Some(true)),
            "false" | "f" | "no" | "n" | "0" => Ok(Some(false)),
            _ => Err(invalid_value(name, "a Boolean (true or false)")),
        },
        Some(_) => Err(invalid_value(name, "a Boolean (true or false)")),
    }
}

/// 202: the job itself, at top level.
fn accepted(caller: &Caller, model: &Model, core: &Core, job: usize) -> Response {
    let content = model.job_content(core, &model.jobs[job]);
    caller.finish(wire::json_response(
        StatusCode::ACCEPTED,
        &Value::Object(content),
    ))
}

/// Why a new session cannot start, if it cannot.
fn create_blocker(model: &Model, candidate: Option<&str>) -> Option<UnityError> {
    if let Some(i) = model.active_session() {
        let s = &model.sessions[i];
        return Some(UnityError::new(
            StatusCode::CONFLICT,
            error::UPGRADE_SESSION_ACTIVE,
            format!(
                "An upgrade session is already in progress ({}, status {}). Wait for it to finish, or resume or cancel it.",
                s.id, s.status
            ),
        ));
    }
    let Some(c) = &model.candidate else {
        return Some(UnityError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error::UPGRADE_NO_CANDIDATE,
            "No upgrade candidate is available. Upload an upgrade candidate to the system before creating an upgrade session.",
        ));
    };
    if let Some(want) = candidate {
        if want != c.id {
            return Some(UnityError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                error::REFERENCED_NOT_FOUND,
                format!("Cannot find the specified candidateSoftwareVersion by id {want}.  Please recheck if it exists."),
            ));
        }
    }
    if version_key(&c.version) <= version_key(&model.array.version) {
        return Some(UnityError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error::UPGRADE_NOT_NEWER,
            format!(
                "The upgrade candidate {} is not newer than the installed software {}.",
                c.version, model.array.version
            ),
        ));
    }
    None
}

/// `POST /api/types/<softwareUpgradeSession|upgradeSession>/instances`.
pub async fn create(
    caller: Caller,
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let run = || -> Result<Response, Response> {
        let name = path_or_404(&caller, path)?;
        let t = known_type(&caller, &name)?;
        if !SESSION_TYPES.contains(&t.name) {
            return Err(caller.error(UnityError::action_not_supported()));
        }
        let q = Query::parse(raw.as_deref()).map_err(|e| caller.error(e))?;
        let allowed: &[&str] = if t.name == "upgradeSession" {
            &[
                "candidate",
                "selectedModel",
                "pauseBeforeReboot",
                "pauseBetweenReboots",
                "offline",
            ]
        } else {
            &["candidate", "selectedModel", "pauseBeforeReboot"]
        };
        let map = body_object(&body, allowed).map_err(|e| caller.error(e))?;
        let candidate = match map.get("candidate") {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => match o.get("id") {
                Some(Value::String(id)) if o.len() == 1 => Some(id.clone()),
                _ => {
                    return Err(caller.error(invalid_value(
                        "candidate",
                        "a reference like {\"id\": \"candidate_1\"}",
                    )))
                }
            },
            Some(_) => {
                return Err(caller.error(invalid_value(
                    "candidate",
                    "a reference like {\"id\": \"candidate_1\"}",
                )))
            }
        };
        let pause = boolean(&map, "pauseBeforeReboot")
            .map_err(|e| caller.error(e))?
            .unwrap_or(false);
        boolean(&map, "pauseBetweenReboots").map_err(|e| caller.error(e))?;
        boolean(&map, "offline").map_err(|e| caller.error(e))?;
        let selected = match map.get("selectedModel") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if SP_MODELS.iter().any(|(_, c)| *c as u64 == n) => Some(n as u32),
                _ => {
                    return Err(caller.error(invalid_value(
                        "selectedModel",
                        "an SPModelNameEnum value (1 to 14)",
                    )))
                }
            },
        };
        let w = &mut *sim.lock();
        let (core, model) = w.split::<super::Model>();
        let mut blocker = create_blocker(model, candidate.as_deref());
        if blocker.is_none() {
            if let Some(n) = selected {
                let ours = SP_MODELS
                    .iter()
                    .find(|(name, _)| *name == model.array.sp_model)
                    .map(|(_, c)| *c);
                if ours != Some(n) {
                    blocker = Some(UnityError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        error::UPGRADE_WRONG_MODEL,
                        format!(
                            "The selected model {n} does not match the storage processors of this system ({}).",
                            model.array.sp_model
                        ),
                    ));
                }
            }
        }
        let outcome = match blocker {
            Some(e) => Err(e.at(caller.now_unix_ms)),
            None => model
                .create_session(core, pause)
                .ok_or_else(UnityError::not_found),
        };
        if q.asynchronous {
            let job = model.add_job(
                core,
                &format!("{}.create", t.name),
                "Create upgrade session",
                outcome.map(|id| json!({"id": id})),
            );
            return Ok(accepted(&caller, model, core, job));
        }
        let id = outcome.map_err(|e| caller.error(e))?;
        let body = if q.compact {
            json!({"content": {"id": id}})
        } else {
            json!({
                "@base": format!("{}/api/instances/{}", base_url(&caller.host), t.name),
                "updated": format_datetime(caller.now_unix_ms),
                "links": [{"rel": "self", "href": format!("/{id}")}],
                "content": {"id": id},
            })
        };
        Ok(caller.finish(wire::json_response(StatusCode::CREATED, &body)))
    };
    run().unwrap_or_else(|e| e)
}

fn message(code: u32, severity: u32, status: u16, text: String) -> Value {
    json!({
        "errorCode": code.to_string(),
        "messages": [{"en-US": if code == 0 { text } else { format!("{text} (Error Code:{code:#x})") }}],
        "severity": severity,
        "httpStatus": status,
    })
}

/// The eligibility verdict: the info messages of a healthy system, or the error.
fn eligibility(model: &Model) -> Result<Value, UnityError> {
    let mut problems: Vec<String> = Vec::new();
    let mut first: Option<(StatusCode, u32)> = None;
    if let Some(i) = model.active_session() {
        let s = &model.sessions[i];
        problems.push(format!(
            "An upgrade session is already in progress ({}, status {}).",
            s.id, s.status
        ));
        first.get_or_insert((StatusCode::CONFLICT, error::UPGRADE_SESSION_ACTIVE));
    }
    match &model.candidate {
        None => {
            problems.push("No upgrade candidate is available. Upload an upgrade candidate to the system first.".into());
            first.get_or_insert((
                StatusCode::UNPROCESSABLE_ENTITY,
                error::UPGRADE_NO_CANDIDATE,
            ));
        }
        Some(c) if version_key(&c.version) <= version_key(&model.array.version) => {
            problems.push(format!(
                "The upgrade candidate {} is not newer than the installed software {}.",
                c.version, model.array.version
            ));
            first.get_or_insert((StatusCode::UNPROCESSABLE_ENTITY, error::UPGRADE_NOT_NEWER));
        }
        Some(_) => {}
    }
    for (component, health) in model.unhealthy() {
        problems.push(format!(
            "The system is not healthy: component {component} is {health}. All system components must be healthy before the system software is upgraded."
        ));
        first.get_or_insert((StatusCode::UNPROCESSABLE_ENTITY, error::UPGRADE_UNHEALTHY));
    }
    if let Some((status, code)) = first {
        return Err(UnityError::many(status, code, problems));
    }
    let version = model
        .candidate
        .as_ref()
        .map(|c| c.version.clone())
        .unwrap_or_default();
    let mut messages = vec![message(
        0,
        6,
        200,
        format!("The system is healthy and eligible for an upgrade to {version}."),
    )];
    for (component, health) in &model.array.components {
        if health.eq_ignore_ascii_case("OK_BUT") {
            messages.push(message(
                0,
                4,
                200,
                format!("Component {component} reports minor issues (OK_BUT); the upgrade can continue."),
            ));
        }
    }
    Ok(json!({"messages": messages}))
}

/// `POST /api/types/<type>/action/<action>`.
pub async fn type_action(
    caller: Caller,
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let run = || -> Result<Response, Response> {
        let (name, action) = path_or_404(&caller, path)?;
        let t = known_type(&caller, &name)?;
        let q = Query::parse(raw.as_deref()).map_err(|e| caller.error(e))?;
        match (t.name, action.as_str()) {
            ("softwareUpgradeSession" | "upgradeSession", "verifyUpgradeEligibility") => {
                body_object(&body, &[]).map_err(|e| caller.error(e))?;
                let w = &mut *sim.lock();
                let (core, model) = w.split::<super::Model>();
                let verdict = eligibility(model).map_err(|e| e.at(caller.now_unix_ms));
                if let Err(e) = &verdict {
                    core.event(
                        "unity",
                        "eligibility",
                        json!({"eligible": false, "code": e.code, "messages": e.messages}),
                    );
                } else {
                    core.event("unity", "eligibility", json!({"eligible": true}));
                }
                if q.asynchronous {
                    let job = model.add_job(
                        core,
                        &format!("{}.verifyUpgradeEligibility", t.name),
                        "Verify upgrade eligibility",
                        verdict,
                    );
                    return Ok(accepted(&caller, model, core, job));
                }
                let out = verdict.map_err(|e| caller.error(e))?;
                let body = if q.compact {
                    json!({"content": out})
                } else {
                    json!({
                        "@base": format!("{}/api/types/{}/action/verifyUpgradeEligibility", base_url(&caller.host), t.name),
                        "updated": format_datetime(caller.now_unix_ms),
                        "links": [{"rel": "self", "href": "/"}],
                        "content": out,
                    })
                };
                Ok(caller.finish(wire::json_response(StatusCode::OK, &body)))
            }
            ("loginSessionInfo", "logout") => {
                let map = body_object(&body, &["localCleanupOnly"]).map_err(|e| caller.error(e))?;
                boolean(&map, "localCleanupOnly").map_err(|e| caller.error(e))?;
                let w = &mut *sim.lock();
                if let Some(login) = caller.login {
                    {
                        let (core, m) = w.split::<super::Model>();
                        m.logout(core, login)
                    };
                }
                let mut resp = wire::no_content();
                resp.headers_mut().insert(
                    header::SET_COOKIE,
                    HeaderValue::from_static(
                        "mod_sec_emc=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; secure; HttpOnly",
                    ),
                );
                Ok(resp)
            }
            _ => Err(caller.error(UnityError::action_not_supported())),
        }
    };
    run().unwrap_or_else(|e| e)
}

fn not_allowed(id: &str, status: UpgradeStatus, what: &str) -> UnityError {
    UnityError::new(
        StatusCode::CONFLICT,
        error::ACTION_NOT_ALLOWED,
        format!("The upgrade session {id} is {status}; {what}"),
    )
}

/// `POST /api/instances/<type>/<id>/action/<action>`: resume, cancel, acknowledge.
pub async fn instance_action(
    caller: Caller,
    State(sim): State<Sim>,
    path: Result<Path<(String, String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let run = || -> Result<Response, Response> {
        let (name, id, action) = path_or_404(&caller, path)?;
        let t = known_type(&caller, &name)?;
        let supported = match t.name {
            "softwareUpgradeSession" => action == "resume",
            "upgradeSession" => ["resume", "cancel", "acknowledge"].contains(&action.as_str()),
            _ => false,
        };
        if !supported {
            return Err(caller.error(UnityError::action_not_supported()));
        }
        let q = Query::parse(raw.as_deref()).map_err(|e| caller.error(e))?;
        body_object(&body, &[]).map_err(|e| caller.error(e))?;
        let w = &mut *sim.lock();
        let (core, model) = w.split::<super::Model>();
        let Some(idx) = model.session_index(&id) else {
            return Err(caller.error(UnityError::not_found()));
        };
        let status = model.sessions[idx].status;
        let verdict: Result<(), UnityError> = match action.as_str() {
            "resume" if status.resumable() => {
                model.resume(core, idx);
                Ok(())
            }
            "resume" => Err(not_allowed(
                &id,
                status,
                "only a paused, failed or failed-locked session can be resumed.",
            )),
            "cancel"
                if matches!(
                    status,
                    UpgradeStatus::NotStarted | UpgradeStatus::Paused | UpgradeStatus::Failed
                ) =>
            {
                model.cancel(core, idx);
                Ok(())
            }
            "cancel" => Err(not_allowed(
                &id,
                status,
                "only a session that has not started, is paused, or failed before the point of no return can be cancelled.",
            )),
            _ if matches!(
                status,
                UpgradeStatus::Completed | UpgradeStatus::Cancelled | UpgradeStatus::WaitingForUser
            ) =>
            {
                model.acknowledge(core, idx);
                Ok(())
            }
            _ => Err(not_allowed(
                &id,
                status,
                "only a completed or cancelled session, or one waiting for the user, can be acknowledged.",
            )),
        };
        let verdict = verdict.map_err(|e| e.at(caller.now_unix_ms));
        if q.asynchronous {
            let job = model.add_job(
                core,
                &format!("{}.{action}", t.name),
                &format!("{action} upgrade session {id}"),
                verdict.map(|()| json!({})),
            );
            return Ok(accepted(&caller, model, core, job));
        }
        verdict.map_err(|e| caller.error(e))?;
        Ok(caller.finish(wire::no_content()))
    };
    run().unwrap_or_else(|e| e)
}
