//! This service's routes as the OpenAPI generator (`crate::openapi`, above the registry) reads
//! them: one entry per method and path of `http::routes`, with its parameters, the schema of
//! its request body and of its answer (derived from the wire types) and the statuses its
//! handler can answer besides; every error is the error body of error.rs.

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Value};

use super::error::body_schema;
use super::http::wire::{AgentOut, Page, PlanOut};

/// The create and retry body as request.rs reads it (numbers may also be numeric strings).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlanBody {
    name: String,
    from_version: String,
    to_version: String,
    to_release: String,
    /// A list of agent ids, or one comma-separated string.
    agent_ids: Value,
    batch_size: Option<Value>,
    failure_threshold: Option<Value>,
    concurrency: Option<Value>,
    created_by: Option<String>,
    /// A duration ("90s", "5m", "1h30m") or a number of seconds.
    observe_duration: Option<Value>,
}

fn query(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

/// The vendor's part of the document: its name, its auth scheme, its error schema, and its
/// routes as `{method, path, summary, parameters, body, ok, errors}`.
pub fn api(g: &mut SchemaGenerator) -> Value {
    const PLANS: &str = "/api/v1/lifecycle/upgrade-plans";
    let plan = g.subschema_for::<PlanOut>();
    let plans = g.subschema_for::<Page<PlanOut>>();
    let agent = g.subschema_for::<AgentOut>();
    let agents = g.subschema_for::<Page<AgentOut>>();
    let body = g.subschema_for::<PlanBody>();
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let paging = [
        query("page", json!({"type": "integer", "minimum": 1})),
        query("pageSize", json!({"type": "integer", "minimum": 1})),
    ];
    let plan_query = [
        query("view", json!({"enum": ["full", "summary"]})),
        query("batch", json!({"type": "integer", "minimum": 0})),
    ];
    let action = |verb: &str, summary: &str| {
        json!({"method": "post", "path": format!("{PLANS}/{{id}}/{verb}"), "summary": summary,
               "parameters": [id], "ok": plan, "errors": [400, 401, 404, 409]})
    };
    json!({
        "vendor": "ota",
        "title": "Fleet OTA lifecycle service",
        "security": {"bearer": {"type": "http", "scheme": "bearer",
                      "description": "A token from the scenario's ota.tokens (default sim-token)."}},
        "error": body_schema(g),
        "routes": [
            {"method": "post", "path": PLANS, "summary": "Create a graduated upgrade plan",
             "body": body, "body_required": true, "ok": plan, "errors": [400, 401, 404, 409, 413]},
            {"method": "get", "path": PLANS, "summary": "List plans",
             "parameters": [query("status", json!({"type": "string"})), paging[0], paging[1]],
             "ok": plans, "errors": [400, 401]},
            {"method": "get", "path": format!("{PLANS}/{{id}}"), "summary": "Get a plan",
             "parameters": [id, plan_query[0], plan_query[1]], "ok": plan, "errors": [400, 401, 404]},
            action("pause", "Pause a plan"),
            action("resume", "Resume a paused plan"),
            action("cancel", "Cancel a plan"),
            {"method": "post", "path": format!("{PLANS}/{{id}}/retry"), "summary": "Retry a plan's failed tasks as a new plan",
             "parameters": [id], "body": body, "ok": plan, "errors": [400, 401, 404, 409, 413]},
            {"method": "get", "path": "/api/v1/lifecycle/agents", "summary": "List agents",
             "parameters": [query("version", json!({"type": "string"})), query("release", json!({"type": "string"})),
                            query("runtimeStatus", json!({"type": "string"})),
                            paging[0], paging[1]],
             "ok": agents, "errors": [400, 401]},
            {"method": "get", "path": "/api/v1/lifecycle/agents/{id}", "summary": "Get an agent",
             "parameters": [id], "ok": agent, "errors": [401, 404]},
        ],
    })
}
