//! The operations of this vendor, one type for all (as mini-redis's `Command`): the HTTP
//! handlers parse a request into an [`Operation`], a scenario timeline action is parsed into
//! the same values ([`Operation::from_action`]), and [`Model::execute`] carries either out, so
//! an action and a request take one code path. An operation answers with its out-parameters
//! (what a job reports as `parametersOut`) or with Unity's error.
//!
//! One file per operation or group: `create`, `eligibility`, `session` (Resume, Cancel,
//! Acknowledge), `upload`, `faults` (the domain faults only a scenario arms).

mod create;
mod eligibility;
mod faults;
mod session;
mod upload;

pub use create::CreateSession;
pub use faults::DomainFault;
pub use session::SessionAction;
pub use upload::{UploadCandidate, HEAD_BYTES};

use serde_json::{json, Value};

use super::error::UnityError;
use super::model::Model;
use crate::kernel::Core;

#[derive(Debug, Clone)]
pub enum Operation {
    /// softwareUpgradeSession / upgradeSession Create.
    Create(CreateSession),
    /// VerifyUpgradeEligibility.
    VerifyEligibility,
    /// Resume, Cancel, Acknowledge of one session.
    Session(SessionAction),
    /// A candidate image is uploaded, prepared or declared.
    Upload(UploadCandidate),
    /// loginSessionInfo's Logout.
    Logout { login: Option<usize> },
    /// A domain fault armed by the scenario.
    Fault(DomainFault),
}

impl Operation {
    /// The timeline actions, by name.
    pub const ACTIONS: &'static [&'static str] = &[
        "create_session",
        "resume_session",
        "acknowledge_session",
        "cancel_session",
        "fail_task",
        "lock_session",
        "wait_for_user",
        "sp_reboot",
        "set_component_health",
        "upload_candidate",
    ];

    /// The operation a timeline action stands for.
    pub fn from_action(action: &str, args: &Value) -> Result<Self, String> {
        let session = |name: &str| {
            let action = name.strip_suffix("_session").unwrap_or(name);
            SessionAction::from_args(action, args).map(Operation::Session)
        };
        match action {
            "create_session" => Ok(Operation::Create(CreateSession::from_args(args))),
            "resume_session" | "acknowledge_session" | "cancel_session" => session(action),
            "upload_candidate" => UploadCandidate::from_args(args).map(Operation::Upload),
            other => DomainFault::from_action(other, args).map(Operation::Fault),
        }
    }

    /// The job an operation on `type_name` becomes: (`Type.method`, description).
    pub fn job(&self, type_name: &str) -> (String, String) {
        let (method, description) = match self {
            Operation::Create(_) => ("create".to_string(), "Create upgrade session".to_string()),
            Operation::VerifyEligibility => (
                "verifyUpgradeEligibility".to_string(),
                "Verify upgrade eligibility".to_string(),
            ),
            Operation::Session(a) => {
                let action = a.op.action();
                let id = a.id.as_deref().unwrap_or_default();
                (action.to_string(), format!("{action} upgrade session {id}"))
            }
            Operation::Upload(u) => {
                let (method, description) = u.job();
                (method.to_string(), description.to_string())
            }
            Operation::Logout { .. } => ("logout".to_string(), "Log out".to_string()),
            Operation::Fault(_) => ("fault".to_string(), "Domain fault".to_string()),
        };
        (format!("{type_name}.{method}"), description)
    }
}

impl Model {
    /// Carries out an operation now: its out-parameters, or Unity's error.
    pub fn execute(&mut self, core: &mut Core, op: Operation) -> Result<Value, UnityError> {
        match op {
            Operation::Create(c) => self.create(core, c).map(|id| json!({"id": id})),
            Operation::VerifyEligibility => self.verify_eligibility(core),
            Operation::Session(a) => self.session_action(core, a).map(|()| json!({})),
            Operation::Upload(u) => self.upload(core, u).map(|id| json!({"id": id})),
            Operation::Logout { login } => {
                if let Some(login) = login {
                    self.logout(core, login);
                }
                Ok(json!({}))
            }
            Operation::Fault(f) => {
                self.arm_fault(core, f);
                Ok(json!({}))
            }
        }
    }
}
