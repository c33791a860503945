//! The upgrade pre-check: `POST .../database-version/upgrade/pre-check` starts one check per
//! instance (answers `{"job_ids"}`), and `.../pre-check-result` with the same body answers
//! whether the instances could be upgraded now, item by item. The checks are the rules the
//! upgrade itself applies, evaluated when asked (a pre-check finishes instantly here).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use rand::Rng;
use serde_json::{json, Value};

use super::auth::Call;
use super::error::{Code, TaurusError};
use super::upgrade::parse_infos;
use super::{project_param, with_model};
use crate::Sim;

fn start(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let infos = parse_infos(&call.json()?)?;
    let ids = with_model(sim, |core, model| {
        for (id, _) in &infos {
            model.instance_in(&project, id)?;
        }
        let mut ids = Vec::new();
        for (id, _) in &infos {
            model.prechecks += 1;
            let mut rng = core.rng(&format!("taurusdb/precheck/{id}/{}", model.prechecks));
            ids.push(
                uuid::Builder::from_random_bytes(rng.random())
                    .into_uuid()
                    .to_string(),
            );
            core.event(
                super::model::VENDOR,
                &format!("instance/{id}"),
                json!({"precheck": ids.last()}),
            );
        }
        Ok(ids)
    })?;
    Ok(json!({"job_ids": ids}))
}

/// `POST /v3/{project_id}/instances/database-version/upgrade/pre-check`.
pub async fn precheck(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(start(&sim, path.map(|Path(p)| p), &call))
}

fn item(name: &str, description: &str, object: &str, passed: bool) -> Value {
    json!({
        "check_item": name,
        "check_description": description,
        "check_object": object,
        "check_status": if passed { "passed" } else { "failed" },
    })
}

fn result(
    sim: &Sim,
    project: Result<String, PathRejection>,
    call: &Call,
) -> Result<Value, TaurusError> {
    let project = project_param(project)?;
    let infos = parse_infos(&call.json()?)?;
    let w = sim.lock();
    let model = w.vendor::<super::Model>();
    let mut details = Vec::new();
    let mut all = true;
    for (id, current) in &infos {
        let inst = model.instance_in(&project, id)?;
        let verdict = model.check_upgradable(inst, Some(current)).err();
        let busy_or_down = verdict
            .as_ref()
            .is_some_and(|e| matches!(e.code, Code::InstanceBusy | Code::InstanceAbnormal));
        let version_bad = verdict
            .as_ref()
            .is_some_and(|e| matches!(e.code, Code::ParameterError | Code::AlreadyLatest));
        all &= verdict.is_none();
        details.push(item(
            "Upgrade permission check",
            "The account may upgrade the instance.",
            id,
            true,
        ));
        details.push(item(
            "Instance version check",
            &format!(
                "The instance runs {} and can go to {}.",
                inst.version, model.latest
            ),
            id,
            !version_bad,
        ));
        details.push(item(
            "Resource check",
            &format!(
                "The instance is {} and has no other operation running.",
                inst.status
            ),
            id,
            !busy_or_down,
        ));
        details.push(item(
            "Upgrade feature compatibility check",
            "No feature in use blocks the upgrade.",
            id,
            true,
        ));
    }
    Ok(json!({
        "upgrade_precheck_result": if all { "true" } else { "false" },
        "updated_at": w.core.clock.datetime().timestamp_millis(),
        "upgrade_precheck_detail": details,
    }))
}

/// `POST /v3/{project_id}/instances/database-version/upgrade/pre-check-result`.
pub async fn precheck_result(
    State(sim): State<Sim>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Response {
    call.answer(result(&sim, path.map(|Path(p)| p), &call))
}
