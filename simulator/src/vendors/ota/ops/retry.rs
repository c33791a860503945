//! Retry (`POST .../{id}/retry`, the timeline's `retry_plan`): a new plan over the failed
//! agents of a paused, completed or cancelled one, its settings unless the body overrides
//! them (name, batchSize, concurrency, failureThreshold, observeDuration, createdBy).

use serde_json::{Map, Value};

use super::super::error::ApiError;
use super::super::model::Model;
use super::super::request::{tunables, Tunables};
use super::{plan_arg, str_arg};
use crate::kernel::Core;

#[derive(Debug, Clone)]
pub struct RetryPlan {
    pub plan: usize,
    pub overrides: Tunables,
    pub name: Option<String>,
    pub user: String,
}

impl RetryPlan {
    /// From a request on plan `id` by the authenticated `user` (the body is optional).
    pub fn from_http(
        model: &Model,
        id: &str,
        body: &Map<String, Value>,
        user: String,
    ) -> Result<Self, ApiError> {
        let plan = model.find_plan(id)?;
        let overrides = tunables(body, &model.settings().placeholder_durations)?;
        let name = match body.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(_) => return Err(ApiError::invalid("name", "name must be a non-empty string")),
        };
        Ok(Self {
            plan,
            overrides,
            name,
            user,
        })
    }

    /// From a timeline action: `plan:`, `name:` and the overrides, as in a request body.
    pub fn from_action(model: &Model, args: &Value) -> Result<Self, String> {
        let plan = plan_arg(model, args)?;
        let empty = Map::new();
        let body = args.as_object().unwrap_or(&empty);
        let overrides =
            tunables(body, &model.settings().placeholder_durations).map_err(|e| e.message)?;
        Ok(Self {
            plan,
            overrides,
            name: str_arg(args, "name").map(str::to_string),
            user: model.scenario_user(),
        })
    }

    /// Creates the retry plan; answers its index.
    pub fn apply(self, model: &mut Model, core: &mut Core) -> Result<usize, ApiError> {
        model.retry(core, self.plan, self.overrides, self.name, &self.user)
    }
}
