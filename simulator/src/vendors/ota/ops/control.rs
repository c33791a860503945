//! The operator's pause, resume and cancel of a plan (`POST .../{id}/pause|resume|cancel`, and
//! the timeline's `pause_plan`, `resume_plan`, `cancel_plan`). Whether one is legal now is the
//! plan's state table's answer, refusal included.

use serde_json::{Map, Value};

use super::super::error::ApiError;
use super::super::model::Model;
use super::super::state::PlanOp;
use super::{plan_arg, str_arg};
use crate::kernel::Core;

/// Pause (with an optional reason), resume or cancel plan `plan`.
#[derive(Debug, Clone)]
pub struct Control {
    pub plan: usize,
    pub op: PlanOp,
    pub reason: Option<String>,
}

impl Control {
    /// From a request on plan `id`; a pause body may carry `{"reason": "..."}` (a blank one
    /// is no reason).
    pub fn from_http(
        model: &Model,
        id: &str,
        op: PlanOp,
        body: &Map<String, Value>,
    ) -> Result<Self, ApiError> {
        let reason = match body.get("reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::String(_)) => None,
            Some(_) => return Err(ApiError::invalid("reason", "reason must be a string")),
        };
        let plan = model.find_plan(id)?;
        Ok(Self { plan, op, reason })
    }

    /// From a timeline action: `plan:` and, for a pause, `reason:`.
    pub fn from_action(model: &Model, op: PlanOp, args: &Value) -> Result<Self, String> {
        let plan = plan_arg(model, args)?;
        let reason = str_arg(args, "reason").map(str::to_string);
        Ok(Self { plan, op, reason })
    }

    /// Answers the plan acted on.
    pub fn apply(self, model: &mut Model, core: &mut Core) -> Result<usize, ApiError> {
        match self.op {
            PlanOp::Pause => model.pause(core, self.plan, self.reason)?,
            PlanOp::Resume => model.resume(core, self.plan)?,
            PlanOp::Cancel => model.cancel(core, self.plan)?,
            other => unreachable!("{other:?} is not an operator's control of a plan"),
        }
        Ok(self.plan)
    }
}
