//! Reading: type metadata (`GET /api/types/<type>`), collection queries
//! (`GET /api/types/<type>/instances`) and instance queries (`GET /api/instances/<type>/<id>`)
//! for every resource type served, with `fields`, `filter`, paging and `compact`. Each type's
//! instances are rendered in full here, then filtered and cut down to the asked fields.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::auth::Caller;
use super::error::UnityError;
use super::model::Model;
use super::query::Query;
use super::types::{self, TypeDef};
use super::wire::{self, base_url, format_datetime, Page};
use crate::kernel::Core;
use crate::Sim;

/// Every instance of `type_name`, in full, with its id.
pub fn instances(
    model: &Model,
    core: &Core,
    type_name: &str,
    caller: &Caller,
) -> Vec<(String, Map<String, Value>)> {
    let one = |v: Value| vec![("0".to_string(), v.as_object().cloned().unwrap_or_default())];
    let a = &model.array;
    match type_name {
        "basicSystemInfo" => one(json!({
            "id": "0",
            "model": a.model,
            "name": a.name,
            "softwareVersion": a.version,
            "softwareFullVersion": format!(
                "Unity {}.0 (Release, Build {}, {})",
                a.version, a.build, model.full_version()
            ),
            "apiVersion": model.api_version(),
            "earliestApiVersion": "4.0",
        })),
        "system" => {
            let bad = model.unhealthy();
            let worst = a
                .components
                .values()
                .filter_map(|h| super::config::health_value(h))
                .max()
                .unwrap_or(5);
            let health = if bad.is_empty() {
                json!({"value": worst, "descriptionIds": ["ALRT_SYSTEM_OK"], "descriptions": ["The system is operating normally."]})
            } else {
                json!({
                    "value": worst,
                    "descriptionIds": ["ALRT_SYSTEM_MAJOR_FAILURE"],
                    "descriptions": [format!(
                        "The system has experienced one or more failures: {}. Check related alerts and fix the underlying problems.",
                        bad.iter().map(|(c, h)| format!("{c} is {h}")).collect::<Vec<_>>().join(", ")
                    )],
                    "resolutionIds": ["fix_problems"],
                    "resolutions": ["/help/webhelp/en_US/index.htm?#vxeuni_t_fix_underlying_problems.html"],
                })
            };
            one(json!({
                "instanceId": "root/emc:EMC_UEM_StorageSystemLeaf%Tag=00:00:00:00",
                "id": "0",
                "operationalStatus": [if bad.is_empty() { 2 } else { 3 }],
                "health": health,
                "name": a.name,
                "model": a.model,
                "serialNumber": a.serial_number,
                "licenseType": 1,
                "internalModel": "OBERON 25 DRIVE CHASSIS",
                "platform": "Oberon_DualSP",
                "macAddress": "08:00:1B:FF:EA:CD",
                "isEULAAccepted": true,
                "isUpgradeComplete": model.active_session().is_none(),
                "isAutoFailbackEnabled": true,
                "currentPower": 469,
                "avgPower": 474,
            }))
        }
        "installedSoftwareVersion" => one(json!({
            "id": "0",
            "version": a.version,
            "revision": a.build,
            "fullVersion": model.full_version(),
        })),
        "candidateSoftwareVersion" => model
            .candidate
            .iter()
            .map(|c| {
                let v = json!({
                    "id": c.id,
                    "version": c.version,
                    "fullVersion": c.full_version(),
                    "revision": c.build,
                    "releaseDate": format_datetime(c.release_ms),
                    "type": 0,
                    "rebootRequired": true,
                    "canPauseBeforeReboot": true,
                });
                (c.id.clone(), v.as_object().cloned().unwrap_or_default())
            })
            .collect(),
        "softwareUpgradeSession" | "upgradeSession" => model
            .sessions
            .iter()
            .map(|s| (s.id.clone(), model.session_content(core, s)))
            .collect(),
        "job" => model
            .jobs
            .iter()
            .map(|j| (j.id.clone(), model.job_content(core, j)))
            .collect(),
        "loginSessionInfo" => caller
            .login
            .and_then(|i| model.logins.get(i))
            .map(|l| {
                let v = json!({
                    "id": l.user,
                    "domain": "local",
                    "user": {"id": format!("user_{}", l.user)},
                    "roles": [{"id": l.role}],
                    "idleTimeout": super::model::IDLE_TIMEOUT_S,
                    "isPasswordChangeRequired": false,
                });
                (l.user.clone(), v.as_object().cloned().unwrap_or_default())
            })
            .into_iter()
            .collect(),
        "user" => model
            .users
            .iter()
            .map(|u| {
                let id = format!("user_{}", u.name);
                let v = json!({"id": id, "name": u.name, "role": {"id": u.role}});
                (id, v.as_object().cloned().unwrap_or_default())
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The type, or Unity's 404 for an unknown one.
pub fn known_type(caller: &Caller, name: &str) -> Result<&'static TypeDef, Response> {
    types::find(name).ok_or_else(|| caller.error(UnityError::not_found()))
}

pub fn path_or_404<T>(caller: &Caller, p: Result<Path<T>, PathRejection>) -> Result<T, Response> {
    p.map(|Path(t)| t)
        .map_err(|_| caller.error(UnityError::not_found()))
}

fn query(caller: &Caller, raw: Option<String>) -> Result<Query, Response> {
    Query::parse(raw.as_deref()).map_err(|e| caller.error(e))
}

fn updated(caller: &Caller) -> String {
    format_datetime(caller.now_unix_ms)
}

/// `GET /api/types/<type>`.
pub async fn type_info(
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = || -> Result<Response, Response> {
        let name = path_or_404(&caller, path)?;
        let q = query(&caller, raw)?;
        let t = known_type(&caller, &name)?;
        let body = if q.compact {
            json!({"content": t.metadata()})
        } else {
            json!({
                "@base": format!("{}/api/types", base_url(&caller.host)),
                "updated": updated(&caller),
                "links": [{"rel": "self", "href": format!("/{name}")}],
                "content": t.metadata(),
            })
        };
        Ok(caller.finish(wire::json_response(StatusCode::OK, &body)))
    };
    run().unwrap_or_else(|e| e)
}

/// Checks `fields` and `filter` names against the type.
fn check_names(caller: &Caller, t: &TypeDef, q: &Query) -> Result<Vec<&'static str>, Response> {
    let known = t.attribute_names();
    if let Some(fields) = &q.fields {
        for f in fields {
            let root = f.split('.').next().unwrap_or_default();
            if !known.contains(&root) {
                return Err(caller.error(UnityError::invalid_field(f)));
            }
        }
    }
    if let Some(filter) = &q.filter {
        for a in filter.attributes() {
            if !known.contains(&a) {
                return Err(caller.error(UnityError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    super::error::INVALID_FIELD,
                    format!("The filter includes an invalid property [{a}]."),
                )));
            }
        }
    }
    Ok(known)
}

/// `GET /api/types/<type>/instances`.
pub async fn collection(
    caller: Caller,
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = || -> Result<Response, Response> {
        let name = path_or_404(&caller, path)?;
        let t = known_type(&caller, &name)?;
        if !t.has_instances {
            return Err(caller.error(UnityError::not_found()));
        }
        let q = query(&caller, raw)?;
        let known = check_names(&caller, t, &q)?;
        let w = sim.lock();
        let all = instances(w.vendor::<super::Model>(), &w.core, t.name, &caller);
        drop(w);
        let mut selected = Vec::new();
        for (id, content) in all {
            if q.filter.as_ref().is_some_and(|f| !f.matches(&content)) {
                continue;
            }
            let picked =
                wire::select(&content, q.fields.as_deref(), &known).map_err(|e| caller.error(e))?;
            selected.push((id, picked));
        }
        let upd = updated(&caller);
        let body = Page {
            host: &caller.host,
            type_name: t.name,
            query: &q,
            updated: &upd,
        }
        .render(selected);
        Ok(caller.finish(wire::json_response(StatusCode::OK, &body)))
    };
    run().unwrap_or_else(|e| e)
}

/// `GET /api/instances/<type>/<id>`.
pub async fn instance(
    caller: Caller,
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = || -> Result<Response, Response> {
        let (name, id) = path_or_404(&caller, path)?;
        let t = known_type(&caller, &name)?;
        if !t.has_instances {
            return Err(caller.error(UnityError::not_found()));
        }
        let q = query(&caller, raw)?;
        let known = check_names(&caller, t, &q)?;
        let content = {
            let w = sim.lock();
            let model = w.vendor::<super::Model>();
            match t.name {
                "softwareUpgradeSession" | "upgradeSession" => model
                    .session_index(&id)
                    .map(|i| model.session_content(&w.core, &model.sessions[i])),
                "job" => model
                    .jobs
                    .iter()
                    .find(|j| j.id == id)
                    .map(|j| model.job_content(&w.core, j)),
                _ => instances(model, &w.core, t.name, &caller)
                    .into_iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, c)| c),
            }
        };
        let Some(content) = content else {
            return Err(caller.error(UnityError::not_found()));
        };
        let picked =
            wire::select(&content, q.fields.as_deref(), &known).map_err(|e| caller.error(e))?;
        let body = wire::instance_envelope(
            &caller.host,
            t.name,
            &id,
            picked,
            q.compact,
            &updated(&caller),
        );
        Ok(caller.finish(wire::json_response(StatusCode::OK, &body)))
    };
    run().unwrap_or_else(|e| e)
}

/// `DELETE /api/instances/<type>/<id>`: none of these types can be deleted.
pub async fn delete(
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let run = || -> Result<Response, Response> {
        let (name, _) = path_or_404(&caller, path)?;
        known_type(&caller, &name)?;
        Err(caller.error(UnityError::action_not_supported()))
    };
    run().unwrap_or_else(|e| e)
}

/// Any other method on a Unity route.
pub async fn method_not_allowed(caller: Caller) -> Response {
    caller.error(UnityError::action_not_supported())
}
