//! Reading instances and versions: instance details and lists (v3 with the classic status,
//! v3.1 with the unified one), an instance's kernel version against the latest
//! (`database-version`), and the engine versions on offer (`datastores/gaussdb-mysql`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};

use super::auth::Call;
use super::error::{Code, TaurusError};
use super::model::version_cmp;
use super::{project_param, query_pairs, wire};
use crate::Sim;

fn pair(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, String), TaurusError> {
    match path {
        Ok(Path((p, i))) => Ok((project_param(Ok(p))?, i)),
        Err(e) => Err(TaurusError::param(format!("Bad URL: {e}."))),
    }
}

fn show_instance(
    sim: &Sim,
    path: Result<Path<(String, String)>, PathRejection>,
    unified: bool,
) -> Result<Value, TaurusError> {
    let (project, id) = pair(path)?;
    let w = sim.lock();
    let inst = w.vendor::<super::Model>().instance_in(&project, &id)?;
    Ok(json!({"instance": wire::instance_detail(&w.core, inst, unified)}))
}

/// `GET /v3/{project_id}/instances/{instance_id}`.
pub async fn show(
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(show_instance(&sim, path, false))
}

/// `GET /v3.1/{project_id}/instances/{instance_id}`.
pub async fn show_unified(
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(show_instance(&sim, path, true))
}

fn list_instances(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
    unified: bool,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let q = query_pairs(call);
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let number = |k: &str, default: usize, max: usize| -> Result<usize, TaurusError> {
        match get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    TaurusError::param(format!("{k} must be a number from 0 to {max}."))
                }),
        }
    };
    let offset = number("offset", 0, usize::MAX)?;
    let limit = number("limit", 100, 100)?.max(1);
    let (id, name) = (get("id"), get("name"));
    let w = sim.lock();
    let matching: Vec<_> = w
        .vendor::<super::Model>()
        .instances
        .values()
        .filter(|i| i.project_id == project)
        .filter(|i| id.is_none_or(|id| id == i.id))
        .filter(|i| name.is_none_or(|n| i.name.contains(n)))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|i| wire::instance_list_item(&w.core, i, unified))
        .collect();
    Ok(json!({"instances": items, "total_count": total}))
}

/// `GET /v3/{project_id}/instances`.
pub async fn list(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(list_instances(&sim, path.map(|Path(p)| p), &call, false))
}

/// `GET /v3.1/{project_id}/instances`.
pub async fn list_unified(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(list_instances(&sim, path.map(|Path(p)| p), &call, true))
}

fn database_version(
    sim: &Sim,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Value, TaurusError> {
    let (project, id) = pair(path)?;
    let w = sim.lock();
    let model = w.vendor::<super::Model>();
    let inst = model.instance_in(&project, &id)?;
    Ok(json!({
        "datastore": {
            "current_version": inst.version,
            "current_kernel_version": inst.version,
            "latest_version": model.latest,
            "latest_kernel_version": model.latest,
        },
        "upgrade_flag": version_cmp(&inst.version, &model.latest) == std::cmp::Ordering::Less,
    }))
}

/// `GET /v3/{project_id}/instances/{instance_id}/database-version`.
pub async fn version(
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(database_version(&sim, path))
}

fn engine_versions(
    sim: &Sim,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Value, TaurusError> {
    let (_, name) = pair(path)?;
    if !name.eq_ignore_ascii_case("gaussdb-mysql") {
        return Err(TaurusError::with(
            Code::InvalidDatabaseType,
            format!("Use gaussdb-mysql, not {name}."),
        ));
    }
    let w = sim.lock();
    let datastores: Vec<Value> = w
        .vendor::<super::Model>()
        .versions
        .iter()
        .rev()
        .map(|v| {
            let h = crate::kernel::rng::stable_hash(v.as_bytes());
            json!({
                "id": format!("{h:016x}{:016x}", h.rotate_left(29)),
                "name": wire::MYSQL_VERSION,
                "version": "8.0.32",
                "kernel_version": v,
            })
        })
        .collect();
    Ok(json!({"datastores": datastores}))
}

/// `GET /v3/{project_id}/datastores/{database_name}`.
pub async fn datastores(
    State(sim): State<Sim>,
    path: Result<Path<(String, String)>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(engine_versions(&sim, path))
}
