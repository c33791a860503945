//! Create: a new upgrade session on the uploaded candidate, if no session is active, the
//! candidate (the one named, if any) is there and newer than the installed software, and the
//! selected SP model (if any) is the system's. `upgradeSession` takes two more parameters
//! than `softwareUpgradeSession`, which are read and checked but change nothing here.

use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::Value;

use super::super::config::SP_MODELS;
use super::super::error::{self, UnityError};
use super::super::input::{body_object, boolean, invalid_value};
use super::super::model::Model;
use crate::kernel::Core;

#[derive(Debug, Clone, Default)]
pub struct CreateSession {
    /// The candidate the client names (`candidate: {"id": ...}`), if it names one.
    pub candidate: Option<String>,
    /// SPModelNameEnum number the client selects, if any.
    pub selected_model: Option<u32>,
    pub pause_before_reboot: bool,
}

fn bad_candidate() -> UnityError {
    invalid_value("candidate", "a reference like {\"id\": \"candidate_1\"}")
}

impl CreateSession {
    /// The body of a Create on `type_name`.
    pub fn parse(type_name: &str, body: &Bytes) -> Result<Self, UnityError> {
        let allowed: &[&str] = if type_name == "upgradeSession" {
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
        let map = body_object(body, allowed)?;
        let candidate = match map.get("candidate") {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => match o.get("id") {
                Some(Value::String(id)) if o.len() == 1 => Some(id.clone()),
                _ => return Err(bad_candidate()),
            },
            Some(_) => return Err(bad_candidate()),
        };
        let pause_before_reboot = boolean(&map, "pauseBeforeReboot")?.unwrap_or(false);
        boolean(&map, "pauseBetweenReboots")?;
        boolean(&map, "offline")?;
        let selected_model = match map.get("selectedModel") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if SP_MODELS.iter().any(|(_, c)| *c as u64 == n) => Some(n as u32),
                _ => {
                    return Err(invalid_value(
                        "selectedModel",
                        "an SPModelNameEnum value (1 to 14)",
                    ))
                }
            },
        };
        Ok(CreateSession {
            candidate,
            selected_model,
            pause_before_reboot,
        })
    }

    /// The timeline's `create_session` (`pause_before_reboot`, default false).
    pub fn from_args(args: &Value) -> Self {
        CreateSession {
            pause_before_reboot: args
                .get("pause_before_reboot")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ..CreateSession::default()
        }
    }
}

fn unprocessable(code: u32, text: String) -> UnityError {
    UnityError::new(StatusCode::UNPROCESSABLE_ENTITY, code, text)
}

impl Model {
    /// An error for a request that cannot go on while a session is active (`what` is cut short).
    pub(super) fn session_active(
        &self,
        what: impl FnOnce(&str, String) -> String,
    ) -> Result<(), UnityError> {
        match self.active_session() {
            Some(s) => Err(UnityError::new(
                StatusCode::CONFLICT,
                error::UPGRADE_SESSION_ACTIVE,
                what(&s.id, s.status.to_string()),
            )),
            None => Ok(()),
        }
    }

    /// Creates the session, or says why it cannot start: its id.
    pub(super) fn create(
        &mut self,
        core: &mut Core,
        c: CreateSession,
    ) -> Result<String, UnityError> {
        self.session_active(|id, status| format!(
            "An upgrade session is already in progress ({id}, status {status}). Wait for it to finish, or resume or cancel it."
        ))?;
        let Some(candidate) = self.candidate.clone() else {
            return Err(unprocessable(
                error::UPGRADE_NO_CANDIDATE,
                "No upgrade candidate is available. Upload an upgrade candidate to the system before creating an upgrade session.".into(),
            ));
        };
        if let Some(want) = c.candidate.filter(|want| *want != candidate.id) {
            return Err(unprocessable(
                error::REFERENCED_NOT_FOUND,
                format!("Cannot find the specified candidateSoftwareVersion by id {want}.  Please recheck if it exists."),
            ));
        }
        if !self.array.is_older_than(&candidate) {
            return Err(unprocessable(
                error::UPGRADE_NOT_NEWER,
                format!(
                    "The upgrade candidate {} is not newer than the installed software {}.",
                    candidate.version, self.array.version
                ),
            ));
        }
        if let Some(n) = c.selected_model {
            let ours = SP_MODELS
                .iter()
                .find(|(name, _)| *name == self.array.sp_model)
                .map(|(_, c)| *c);
            if ours != Some(n) {
                return Err(unprocessable(
                    error::UPGRADE_WRONG_MODEL,
                    format!(
                        "The selected model {n} does not match the storage processors of this system ({}).",
                        self.array.sp_model
                    ),
                ));
            }
        }
        Ok(self.create_session(core, candidate, c.pause_before_reboot))
    }
}
