//! The operation handlers of softwareUpgradeSession (and of upgradeSession, the name 5.x
//! arrays use, on the same sessions): Create (201), VerifyUpgradeEligibility (200), Resume
//! (204), and upgradeSession's Cancel and Acknowledge (204); candidateSoftwareVersion's
//! Prepare (200, the new candidate's id); plus loginSessionInfo's Logout.
//! Each parses the request into an [`Operation`] and renders its answer; each but Logout
//! takes `?timeout=0` to run as a job (202 with the job at top level).

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::auth::Presented;
use super::error::UnityError;
use super::handler::{run, serve};
use super::input::{body_object, boolean, invalid_value, known_type, path_or_404};
use super::ops::{CreateSession, Operation, SessionAction, UploadCandidate};
use super::query::Query;
use super::state::SessionOp;
use super::wire::{self, base_url, format_datetime};
use crate::engine::Exchange;

const SESSION_TYPES: [&str; 2] = ["softwareUpgradeSession", "upgradeSession"];

/// `POST /api/types/<softwareUpgradeSession|upgradeSession>/instances`.
pub async fn create(
    ex: Exchange,
    who: Presented,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let input = path_or_404(path).and_then(|name| {
        let t = known_type(&name)?;
        if !SESSION_TYPES.contains(&t.name) {
            return Err(UnityError::action_not_supported());
        }
        let q = Query::parse(raw.as_deref())?;
        Ok((t.name, q, CreateSession::parse(t.name, &body)?))
    });
    serve(ex, who, input, |core, model, caller, (t, q, op)| {
        run(core, model, caller, (t, &q), Operation::Create(op), |out| {
            let body = if q.compact {
                json!({"content": out})
            } else {
                let id = out["id"].as_str().unwrap_or_default();
                json!({
                    "@base": format!("{}/api/instances/{t}", base_url(&caller.host)),
                    "updated": format_datetime(caller.now_unix_ms),
                    "links": [{"rel": "self", "href": format!("/{id}")}],
                    "content": out,
                })
            };
            wire::json_response(StatusCode::CREATED, &body)
        })
    })
}

/// What `POST /api/types/<type>/action/<action>` asks for.
enum TypeAction {
    Verify,
    Logout,
    Prepare(String),
}

/// `POST /api/types/<type>/action/<action>`.
pub async fn type_action(
    ex: Exchange,
    who: Presented,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let input = path_or_404(path).and_then(|(name, action)| {
        let t = known_type(&name)?;
        let q = Query::parse(raw.as_deref())?;
        let what = match (t.name, action.as_str()) {
            ("softwareUpgradeSession" | "upgradeSession", "verifyUpgradeEligibility") => {
                body_object(&body, &[])?;
                TypeAction::Verify
            }
            ("candidateSoftwareVersion", "prepare") => {
                let map = body_object(&body, &["filename"])?;
                match map.get("filename") {
                    Some(Value::String(f)) if !f.is_empty() => TypeAction::Prepare(f.clone()),
                    Some(_) => return Err(invalid_value("filename", "a file name (a string)")),
                    None => {
                        return Err(UnityError::incorrect_body(
                            "Parameter [filename] is required: the name of the downloaded software image to prepare.",
                        ))
                    }
                }
            }
            ("loginSessionInfo", "logout") => {
                let map = body_object(&body, &["localCleanupOnly"])?;
                boolean(&map, "localCleanupOnly")?;
                TypeAction::Logout
            }
            _ => return Err(UnityError::action_not_supported()),
        };
        Ok((t.name, q, what))
    });
    serve(
        ex,
        who,
        input,
        |core, model, caller, (t, q, what)| match what {
            TypeAction::Verify | TypeAction::Prepare(_) => {
                let (op, action) = match what {
                    TypeAction::Prepare(f) => {
                        (Operation::Upload(UploadCandidate::Prepare(f)), "prepare")
                    }
                    _ => (Operation::VerifyEligibility, "verifyUpgradeEligibility"),
                };
                run(core, model, caller, (t, &q), op, |out| {
                    let body = if q.compact {
                        json!({"content": out})
                    } else {
                        json!({
                            "@base": format!("{}/api/types/{t}/action/{action}", base_url(&caller.host)),
                            "updated": format_datetime(caller.now_unix_ms),
                            "links": [{"rel": "self", "href": "/"}],
                            "content": out,
                        })
                    };
                    wire::json_response(StatusCode::OK, &body)
                })
            }
            TypeAction::Logout => {
                model.execute(
                    core,
                    Operation::Logout {
                        login: caller.login,
                    },
                )?;
                let mut resp = wire::no_content();
                resp.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "mod_sec_emc=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; secure; HttpOnly",
                ),
            );
                Ok(resp)
            }
        },
    )
}

/// `POST /api/instances/<type>/<id>/action/<action>`: resume, cancel, acknowledge.
pub async fn instance_action(
    ex: Exchange,
    who: Presented,
    path: Result<Path<(String, String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let input = path_or_404(path).and_then(|(name, id, action)| {
        let t = known_type(&name)?;
        let op = SessionOp::from_action(&action).filter(|op| match t.name {
            "softwareUpgradeSession" => *op == SessionOp::Resume,
            "upgradeSession" => true,
            _ => false,
        });
        let op = op.ok_or_else(UnityError::action_not_supported)?;
        let q = Query::parse(raw.as_deref())?;
        body_object(&body, &[])?;
        Ok((t.name, q, SessionAction { id: Some(id), op }))
    });
    serve(ex, who, input, |core, model, caller, (t, q, action)| {
        // An unknown session is a 404 even as a job.
        let id = action.id.as_deref().unwrap_or_default();
        model.session_index(id).ok_or_else(UnityError::not_found)?;
        run(
            core,
            model,
            caller,
            (t, &q),
            Operation::Session(action),
            |_| wire::no_content(),
        )
    })
}
