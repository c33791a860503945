//! CreateGraduatedPlan (`POST /api/v1/lifecycle/upgrade-plans`, the documented call) and the
//! timeline's `create_plan`, whose `with:` map is the same request body.

use serde::Deserialize;
use serde_json::Value;

use super::super::body::{Body, Document};
use super::super::error::ApiError;
use super::super::model::Model;
use super::super::request::{plan_request, PlanRequest};
use crate::kernel::Core;

/// A shape-checked create request and the user it is made as (the fleet checks come when it
/// is applied).
#[derive(Debug, Clone)]
pub struct CreatePlan {
    pub request: PlanRequest,
    pub user: String,
}

impl CreatePlan {
    /// From a request body (read by body.rs), sent by the authenticated `user`.
    pub fn from_http(model: &Model, body: Body, user: String) -> Result<Self, ApiError> {
        let request = plan_request(body, &model.settings().placeholder_durations)?;
        Ok(Self { request, user })
    }

    /// From a timeline action: the request body is its `with:` map.
    pub fn from_action(model: &Model, args: &Value) -> Result<Self, String> {
        const NOT_A_MAP: &str = "create_plan takes the request body as its 'with:' map";
        if !args.is_object() {
            return Err(NOT_A_MAP.into());
        }
        let Ok(Document::Object(body)) = Document::deserialize(args) else {
            return Err(NOT_A_MAP.into());
        };
        let user = model.scenario_user();
        Self::from_http(model, body, user).map_err(|e| e.message)
    }

    /// Creates the plan; answers its index.
    pub fn apply(self, model: &mut Model, core: &mut Core) -> Result<usize, ApiError> {
        model.create(core, self.request, &self.user, None)
    }
}
