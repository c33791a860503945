//! VerifyUpgradeEligibility: every reason the system cannot be upgraded now (an active
//! session, no or no newer candidate, each unhealthy component), the first one's status and
//! code for the error; or the info messages of a healthy system. The verdict is journalled.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::super::error::{self, UnityError};
use super::super::model::{Model, VENDOR};
use crate::kernel::Core;

fn message(code: u32, severity: u32, status: u16, text: String) -> Value {
    json!({
        "errorCode": code.to_string(),
        "messages": [{"en-US": if code == 0 { text } else { format!("{text} (Error Code:{code:#x})") }}],
        "severity": severity,
        "httpStatus": status,
    })
}

impl Model {
    /// The eligibility verdict: the info messages of a healthy system, or the error.
    fn eligibility(&self) -> Result<Value, UnityError> {
        let mut problems: Vec<String> = Vec::new();
        let mut first: Option<(StatusCode, u32)> = None;
        if let Some(s) = self.active_session() {
            problems.push(format!(
                "An upgrade session is already in progress ({}, status {}).",
                s.id, s.status
            ));
            first.get_or_insert((StatusCode::CONFLICT, error::UPGRADE_SESSION_ACTIVE));
        }
        let unprocessable = (
            StatusCode::UNPROCESSABLE_ENTITY,
            error::UPGRADE_NO_CANDIDATE,
        );
        match &self.candidate {
            None => {
                problems.push("No upgrade candidate is available. Upload an upgrade candidate to the system first.".into());
                first.get_or_insert(unprocessable);
            }
            Some(c) if !self.array.is_older_than(c) => {
                problems.push(format!(
                    "The upgrade candidate {} is not newer than the installed software {}.",
                    c.version, self.array.version
                ));
                first.get_or_insert((unprocessable.0, error::UPGRADE_NOT_NEWER));
            }
            Some(_) => {}
        }
        for (component, health) in self.array.unhealthy() {
            problems.push(format!(
                "The system is not healthy: component {component} is {health}. All system components must be healthy before the system software is upgraded."
            ));
            first.get_or_insert((unprocessable.0, error::UPGRADE_UNHEALTHY));
        }
        if let Some((status, code)) = first {
            return Err(UnityError::many(status, code, problems));
        }
        let version = self
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
        for (component, health) in &self.array.components {
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

    /// VerifyUpgradeEligibility, journalled.
    pub(super) fn verify_eligibility(&mut self, core: &mut Core) -> Result<Value, UnityError> {
        let verdict = self.eligibility();
        let detail = match &verdict {
            Err(e) => json!({"eligible": false, "code": e.code, "messages": e.messages}),
            Ok(_) => json!({"eligible": true}),
        };
        core.event(VENDOR, "eligibility", detail);
        verdict
    }
}
