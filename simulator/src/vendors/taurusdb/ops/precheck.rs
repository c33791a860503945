//! The upgrade pre-check: `POST .../database-version/upgrade/pre-check` starts one check per
//! instance (answers `{"job_ids"}`), and `.../pre-check-result` with the same body answers
//! whether the instances could be upgraded now, item by item. The checks are the rules the
//! upgrade itself applies (`Model::check_upgradable`), evaluated when asked (a pre-check
//! finishes instantly here).

use rand::Rng;
use serde_json::{json, Value};

use super::super::error::{Code, TaurusError};
use super::super::fleet::{Model, VENDOR};
use super::super::wire::{
    self, JobIdsResponse, Json, ShowKernelUpgradeCheckResultResponse, UpgradeDatabasePrecheckResult,
};
use super::upgrade::parse_infos;
use crate::kernel::Core;

/// The instances a pre-check is about, each with the version the client claims.
#[derive(Debug, Clone)]
pub struct Precheck {
    project: String,
    infos: Vec<(String, String)>,
}

impl Precheck {
    /// Both calls' body: `databases_instance_infos`.
    pub fn parse(project: String, body: &Value) -> Result<Self, TaurusError> {
        Ok(Self {
            project,
            infos: parse_infos(body)?,
        })
    }

    /// Starts the checks: every instance must exist, then each gets a check id.
    pub fn start(self, core: &mut Core, model: &mut Model) -> Result<Json, TaurusError> {
        for (id, _) in &self.infos {
            model.instance_in(&self.project, id)?;
        }
        let mut ids = Vec::new();
        for (id, _) in &self.infos {
            model.prechecks += 1;
            let mut rng = core.rng(&format!("taurusdb/precheck/{id}/{}", model.prechecks));
            ids.push(
                uuid::Builder::from_random_bytes(rng.random())
                    .into_uuid()
                    .to_string(),
            );
            core.event(
                VENDOR,
                &format!("instance/{id}"),
                json!({"precheck": ids.last()}),
            );
        }
        Ok(wire::render(&JobIdsResponse { job_ids: &ids }))
    }

    /// The verdict, four items per instance.
    pub fn result(self, core: &Core, model: &Model) -> Result<Json, TaurusError> {
        let mut details = Vec::new();
        let mut all = true;
        for (id, current) in &self.infos {
            let inst = model.instance_in(&self.project, id)?;
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
        Ok(wire::render(&ShowKernelUpgradeCheckResultResponse {
            upgrade_precheck_result: if all { "true" } else { "false" },
            updated_at: core.clock.datetime().timestamp_millis(),
            upgrade_precheck_detail: details,
        }))
    }
}

fn item(
    name: &'static str,
    description: &str,
    object: &str,
    passed: bool,
) -> UpgradeDatabasePrecheckResult {
    UpgradeDatabasePrecheckResult {
        check_item: name,
        check_description: description.to_string(),
        check_object: object.to_string(),
        check_status: if passed { "passed" } else { "failed" },
    }
}
