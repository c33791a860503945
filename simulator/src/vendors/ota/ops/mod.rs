//! The OTA service's operations, as mini-redis's `Command`: one value per thing a client (or a
//! scenario's timeline) can ask of the service. The HTTP handlers build them from a request
//! ([`create::CreatePlan::from_http`] and the like), the timeline from a `do: ota.<action>`
//! with its `with:` map ([`Op::from_action`]); either way [`Op::apply`] executes them on the
//! [`Model`], so a request and an action take one code path. One file per operation or group.

pub mod control;
pub mod create;
pub mod faults;
pub mod retry;

use serde_json::Value;

use super::error::ApiError;
use super::model::Model;
use crate::kernel::clock::parse_duration;
use crate::kernel::{Core, Millis};

pub use control::Control;
pub use create::CreatePlan;
pub use faults::AgentFault;
pub use retry::RetryPlan;

/// Everything the service can be asked to do that changes it.
#[derive(Debug, Clone)]
pub enum Op {
    Create(CreatePlan),
    /// Pause, resume or cancel a plan.
    Control(Control),
    Retry(RetryPlan),
    /// A domain fault on some agents (timeline only).
    Agents(AgentFault),
}

/// The timeline actions (`do: ota.<action>`), each an [`Op`].
pub const ACTIONS: &[&str] = &[
    "create_plan",
    "pause_plan",
    "resume_plan",
    "cancel_plan",
    "retry_plan",
    "agent_offline",
    "agent_online",
    "fail_agent",
];

impl Op {
    /// Executes the operation now; answers the plan it created or acted on, if any.
    pub fn apply(self, model: &mut Model, core: &mut Core) -> Result<Option<usize>, ApiError> {
        match self {
            Op::Create(op) => op.apply(model, core).map(Some),
            Op::Control(op) => op.apply(model, core).map(Some),
            Op::Retry(op) => op.apply(model, core).map(Some),
            Op::Agents(op) => op.apply(model, core).map(|()| None),
        }
    }

    /// The operation a timeline action asks for (arguments in docs/ota.md).
    pub fn from_action(model: &Model, action: &str, args: &Value) -> Result<Op, String> {
        use super::state::PlanOp;
        Ok(match action {
            "create_plan" => Op::Create(CreatePlan::from_action(model, args)?),
            "pause_plan" => Op::Control(Control::from_action(model, PlanOp::Pause, args)?),
            "resume_plan" => Op::Control(Control::from_action(model, PlanOp::Resume, args)?),
            "cancel_plan" => Op::Control(Control::from_action(model, PlanOp::Cancel, args)?),
            "retry_plan" => Op::Retry(RetryPlan::from_action(model, args)?),
            "agent_offline" | "agent_online" | "fail_agent" => {
                Op::Agents(AgentFault::from_action(model, action, args)?)
            }
            other => {
                return Err(format!(
                    "ota has no action '{other}'; its actions are: {}",
                    ACTIONS.join(", ")
                ))
            }
        })
    }
}

/// `key` of a timeline action's arguments, if it is a string.
fn str_arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

/// The plan a timeline action names with `plan:`: its id, or its number in creation order
/// (0 = the first); without it, the most recent plan.
fn plan_arg(model: &Model, args: &Value) -> Result<usize, String> {
    match args.get("plan") {
        None | Some(Value::Null) => model
            .plans
            .len()
            .checked_sub(1)
            .ok_or_else(|| "no plan has been created yet".to_string()),
        Some(Value::Number(n)) => {
            let i = n.as_u64().unwrap_or(u64::MAX) as usize;
            if i < model.plans.len() {
                Ok(i)
            } else {
                Err(format!(
                    "plan {n}: only {} plan(s) created so far",
                    model.plans.len()
                ))
            }
        }
        Some(Value::String(id)) => model.find_plan(id).map_err(|e| e.message),
        Some(other) => Err(format!("plan must be an id or a number, not {other}")),
    }
}

/// A duration argument: "90s", "5m", or a number of seconds.
fn duration_arg(args: &Value, key: &str) -> Result<Option<Millis>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_duration(s)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| *s >= 0.0)
            .map(|s| Some((s * 1000.0) as Millis))
            .ok_or_else(|| format!("{key} must be a duration")),
        Some(other) => Err(format!("{key} must be a duration, not {other}")),
    }
}
