//! The upgrade: `POST /v3/{project_id}/instances/database-version/upgrade` (a batch; answers
//! `{"resp":"success"}`, no job id), `POST /v3/{project_id}/instances/{id}/db-upgrade` (one
//! instance; answers `{"job_id"}`), and the `batch_upgrade`/`upgrade_instance` timeline
//! actions. `delay` is accepted as a JSON boolean or as the strings "true"/"false", since the
//! SDKs disagree on its type (vendor notes §2).

use serde_json::Value;

use super::super::error::TaurusError;
use super::super::fleet::Model;
use super::super::wire::{
    self, BatchUpgradeDatabasesResponse, Json, UpgradeGaussMySqlInstanceDatabaseResponse,
};
use crate::kernel::Core;

/// Which answer the call gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The batch call: `{"resp": "success"}`.
    Success,
    /// The single-instance call: `{"job_id"}`.
    JobId,
}

/// Upgrades a batch of instances of one project, each with the `current_version` the client
/// claims (`None`: not given).
#[derive(Debug, Clone)]
pub struct Upgrade {
    project: String,
    batch: Vec<(String, Option<String>)>,
    delay: bool,
    answer: Answer,
}

impl Upgrade {
    /// The batch call's body: `databases_instance_infos` and `delay`, both required.
    pub fn batch(project: String, body: &Value) -> Result<Self, TaurusError> {
        must_be_object(body)?;
        let infos = parse_infos(body)?;
        let delay = parse_delay(body.get("delay"))?
            .ok_or_else(|| TaurusError::param("delay is required: true or false."))?;
        // is_skip_validate (sent by some SDKs) is ignored: the simulator always validates.
        Ok(Self {
            project,
            batch: infos.into_iter().map(|(id, v)| (id, Some(v))).collect(),
            delay,
            answer: Answer::Success,
        })
    }

    /// The single-instance call; its body is optional (`None`) and delay defaults to false.
    pub fn single_call(
        project: String,
        instance: String,
        body: Option<&Value>,
    ) -> Result<Self, TaurusError> {
        let delay = match body {
            None => false,
            Some(body) => {
                must_be_object(body)?;
                parse_delay(body.get("delay"))?.unwrap_or(false)
            }
        };
        Ok(Self::single(project, instance, delay))
    }

    /// One instance, no version claimed.
    pub fn single(project: String, instance: String, delay: bool) -> Self {
        Self {
            project,
            batch: vec![(instance, None)],
            delay,
            answer: Answer::JobId,
        }
    }

    /// The `batch_upgrade` timeline action: the listed instances (default: all of `project`,
    /// or of every project), each claiming its own version, as a client reading it first would.
    pub fn for_scenario(
        model: &Model,
        instances: Option<&Value>,
        project: Option<String>,
        delay: bool,
    ) -> Result<Self, String> {
        let ids: Vec<String> = match instances {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => model
                .instances
                .values()
                .filter(|i| project.as_deref().is_none_or(|p| i.project_id == p))
                .map(|i| i.id.clone())
                .collect(),
        };
        let project = match project {
            Some(p) => p,
            None => ids
                .first()
                .and_then(|id| model.instances.get(id))
                .map(|i| i.project_id.clone())
                .ok_or("batch_upgrade found no instance to upgrade")?,
        };
        let batch = ids
            .into_iter()
            .map(|id| {
                let version = model.instances.get(&id).map(|i| i.version.clone());
                (id, version)
            })
            .collect();
        Ok(Self {
            project,
            batch,
            delay,
            answer: Answer::Success,
        })
    }

    pub fn apply(self, core: &mut Core, model: &mut Model) -> Result<Json, TaurusError> {
        let ids = model.upgrade(core, &self.project, &self.batch, self.delay)?;
        Ok(match self.answer {
            Answer::Success => wire::render(&BatchUpgradeDatabasesResponse { resp: "success" }),
            Answer::JobId => wire::render(&UpgradeGaussMySqlInstanceDatabaseResponse {
                job_id: ids.first().map_or("", String::as_str),
            }),
        })
    }
}

fn must_be_object(body: &Value) -> Result<(), TaurusError> {
    if body.is_object() {
        Ok(())
    } else {
        Err(TaurusError::param("The body must be a JSON object."))
    }
}

/// `delay` as the clients send it: true/false or "true"/"false". `None` when absent.
fn parse_delay(v: Option<&Value>) -> Result<Option<bool>, TaurusError> {
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
pub(super) fn parse_infos(body: &Value) -> Result<Vec<(String, String)>, TaurusError> {
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
