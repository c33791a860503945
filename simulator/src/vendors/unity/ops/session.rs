//! Resume, Cancel and Acknowledge of one upgrade session: one walk for the three, through the
//! session table (`state::UpgradeStatus::MOVES`); the refusal of an operation the table does
//! not permit in the session's state comes from the same table.

use serde_json::Value;

use super::super::error::UnityError;
use super::super::model::Model;
use super::super::state::SessionOp;
use crate::kernel::Core;

#[derive(Debug, Clone)]
pub struct SessionAction {
    /// The session; the timeline may leave it out to mean the latest one.
    pub id: Option<String>,
    pub op: SessionOp,
}

impl SessionAction {
    /// The timeline's `<action>_session` (`session`: an id, default the latest session).
    pub fn from_args(action: &str, args: &Value) -> Result<Self, String> {
        let op = SessionOp::from_action(action)
            .ok_or_else(|| format!("unity has no action '{action}_session'"))?;
        let id = args
            .get("session")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(SessionAction { id, op })
    }
}

impl Model {
    pub(super) fn session_action(
        &mut self,
        core: &mut Core,
        a: SessionAction,
    ) -> Result<(), UnityError> {
        let idx = match &a.id {
            Some(id) => self.session_index(id),
            None => self.sessions.len().checked_sub(1),
        };
        let idx = idx.ok_or_else(UnityError::not_found)?;
        self.client_op(core, idx, a.op)
    }
}
