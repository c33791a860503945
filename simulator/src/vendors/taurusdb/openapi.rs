//! This service's routes as the OpenAPI generator (`crate::openapi`, above the registry) reads
//! them: one entry per method and path of `routes()` in mod.rs, with its parameters, the
//! schema of its request body (the request structs below, written from the SDK's request
//! models and what `ops/` accepts) and of its answer (derived from the wire structs), and the
//! statuses its handler can answer besides; every error is error.rs's body. Auth is the
//! `X-Auth-Token` header (the AK/SK signature is not an OpenAPI scheme).

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Value};

use super::error::body_schema;
use super::ops::EXACT_FILTERS;
use super::wire::{
    BatchUpgradeDatabasesResponse, CheckScheduleTaskExistResponse, DeleteScheduleTasKResponse,
    EmptyBody, JobIdsResponse, KeystoneListProjectsResponse,
    ListGaussMySqlInstanceDetailInfoResponse, ListGaussMySqlInstancesResponse,
    ListImmediateJobsResponse, ListScheduleJobsResponse, ShowGaussMySqlEngineVersionResponse,
    ShowGaussMySqlInstanceInfoResponse, ShowGaussMySqlJobInfoResponse,
    ShowInstanceDatabaseVersionResponse, ShowKernelUpgradeCheckResultResponse,
    ShowTaskDetailsResponse, UpgradeGaussMySqlInstanceDatabaseResponse,
};

/// UpgradeDatabasesSingleInstance: one instance and the version the client believes it runs.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct DatabasesInstanceInfo {
    #[schemars(length(min = 1))]
    current_version: String,
    #[schemars(length(min = 1))]
    instance_id: String,
}

/// BatchUpgradeDatabasesRequestBody.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct BatchUpgradeBody {
    /// Distinct instances.
    #[schemars(length(min = 1))]
    databases_instance_infos: Vec<DatabasesInstanceInfo>,
    /// Upgrade in the maintenance window (true) or now; a boolean or "true"/"false".
    delay: Delay,
}

/// A boolean, or the string "true" or "false" (the SDKs disagree on its type).
struct Delay;

impl JsonSchema for Delay {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TaurusDbDelay".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Upgrade in the maintenance window (true) or now: a boolean, or \"true\"/\"false\"",
            "anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]
        })
    }
}

/// UpgradePrecheckRequest (pre-check and pre-check-result).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct PrecheckBody {
    #[schemars(length(min = 1))]
    databases_instance_infos: Vec<DatabasesInstanceInfo>,
}

/// UpgradeDatabaseRequest (`db-upgrade`; the body is optional).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct SingleUpgradeBody {
    delay: Option<Delay>,
}

/// CancelScheduleTask.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct CancelBody {
    #[schemars(length(min = 1))]
    job_ids: Vec<String>,
}

/// CheckScheduleTaskExist's body.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ExistBody {
    schedule_type: ScheduleType,
}

#[derive(JsonSchema)]
#[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)]
enum ScheduleType {
    PROXY_VERSION_UPGRADE,
    VERSION_UPGRADE,
    RESIZE_FLAVOR,
    REBOOT_NODE,
    REBOOT_INSTANCE,
}

/// DeleteScheduleTasKRequestBody.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct DeleteScheduledBody {
    #[schemars(length(min = 1))]
    job_id: String,
}

/// ModifyOpsWindow: whole UTC hours, `end_time` four hours after `start_time`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct OpsWindowBody {
    #[schemars(pattern("^([01][0-9]|2[0-3]):00$"))]
    start_time: String,
    #[schemars(pattern("^([01][0-9]|2[0-3]):00$"))]
    end_time: String,
}

fn path(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

fn query(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

fn string() -> Value {
    json!({"type": "string"})
}

/// The vendor's part of the document: its name, its auth scheme, its error schema, and its
/// routes as `{method, path, summary, parameters, body, ok, errors}`.
pub fn api(g: &mut SchemaGenerator) -> Value {
    // The API doc's example project and instance (the default scenario has them), so that a
    // generated request can reach an instance.
    let project = path(
        "project_id",
        json!({"type": "string", "pattern": "^[0-9A-Za-z]{32}$",
               "examples": ["054e292c9880d4992f02c0196d3ea468"]}),
    );
    let instance = path(
        "instance_id",
        json!({"type": "string", "examples": ["6754902da1f447269c6979b0590102a5in07"]}),
    );
    let language = json!({"name": "X-Language", "in": "header", "required": false,
                          "schema": {"enum": ["en-us", "zh-cn"]}});
    let p = [project.clone(), language.clone()];
    let pi = [project, instance, language];
    let page = |limit: Value| {
        [
            query(
                "offset",
                json!({"type": "string", "pattern": "^[0-9]{1,9}$"}),
            ),
            query("limit", limit),
        ]
    };
    let job_filters = [
        query(
            "status",
            json!({"enum": ["Pending", "Running", "Completed", "Failed"]}),
        ),
        query("job_name", string()),
        query("job_id", string()),
        query("start_time", string()),
        query("end_time", string()),
    ];
    let instance_filters: Vec<Value> = ["id", "name"]
        .iter()
        .chain(EXACT_FILTERS)
        .chain(&["tags"])
        .map(|n| query(n, string()))
        .chain(page(
            json!({"type": "string", "pattern": "^([1-9]|[1-9][0-9]|100)$"}),
        ))
        .collect();
    let mut list_params: Vec<Value> = p.to_vec();
    list_params.extend(instance_filters);
    let mut immediate_params: Vec<Value> = p.to_vec();
    immediate_params.extend(job_filters.iter().cloned());
    immediate_params.extend(page(json!({"enum": ["10", "20", "50"]})));
    let mut scheduled_params: Vec<Value> = p.to_vec();
    scheduled_params.extend(job_filters.iter().cloned());
    scheduled_params.push(query("instance_id", string()));
    scheduled_params.extend(page(
        json!({"type": "string", "pattern": "^([0-9]|[1-9][0-9]|100)$"}),
    ));
    let details_params = {
        let mut v = p.to_vec();
        v.push(
            json!({"name": "instance_ids", "in": "query", "required": true,
                      "schema": {"type": "string", "minLength": 1}}),
        );
        v
    };
    let mut task_params = pi.to_vec();
    task_params.push(query("job_id", string()));
    task_params.push(query("job_name", string()));
    let job_param = {
        let mut v = p.to_vec();
        v.push(json!({"name": "id", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}}));
        v
    };
    let mut record_params = p.to_vec();
    record_params.insert(1, path("job_id", string()));
    let mut datastore_params = p.to_vec();
    datastore_params.insert(1, path("database_name", string()));

    const BATCH: &str = "/v3/{project_id}/instances/database-version/upgrade";
    const INSTANCE: &str = "/v3/{project_id}/instances/{instance_id}";
    let show = g.subschema_for::<ShowGaussMySqlInstanceInfoResponse<'static>>();
    let list = g.subschema_for::<ListGaussMySqlInstancesResponse<'static>>();
    let details = g.subschema_for::<ListGaussMySqlInstanceDetailInfoResponse<'static>>();
    let precheck = g.subschema_for::<PrecheckBody>();
    let empty = g.subschema_for::<EmptyBody>();
    json!({
        "vendor": "taurusdb",
        "title": "Huawei Cloud TaurusDB (GaussDB for MySQL)",
        "security": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
                      "description": "An IAM token from the scenario's taurusdb.credentials.tokens (default sim-token)."}},
        "error": body_schema(g),
        "routes": [
            {"method": "post", "path": BATCH, "summary": "Upgrade instances' kernel minor version (batch)",
             "parameters": p, "body": g.subschema_for::<BatchUpgradeBody>(), "body_required": true,
             "ok": g.subschema_for::<BatchUpgradeDatabasesResponse>(), "errors": [400, 401, 404, 409]},
            {"method": "post", "path": format!("{BATCH}/pre-check"), "summary": "Start upgrade pre-checks",
             "parameters": p, "body": precheck, "body_required": true,
             "ok": g.subschema_for::<JobIdsResponse<'static>>(), "errors": [400, 401, 404]},
            {"method": "post", "path": format!("{BATCH}/pre-check-result"), "summary": "Upgrade pre-check result",
             "parameters": p, "body": precheck, "body_required": true,
             "ok": g.subschema_for::<ShowKernelUpgradeCheckResultResponse>(), "errors": [400, 401, 404]},
            {"method": "post", "path": format!("{INSTANCE}/db-upgrade"), "summary": "Upgrade one instance's kernel minor version",
             "parameters": pi, "body": g.subschema_for::<SingleUpgradeBody>(), "body_required": false,
             "ok": g.subschema_for::<UpgradeGaussMySqlInstanceDatabaseResponse<'static>>(), "errors": [400, 401, 404, 409]},
            {"method": "get", "path": format!("{INSTANCE}/database-version"), "summary": "An instance's kernel version against the latest",
             "parameters": pi, "ok": g.subschema_for::<ShowInstanceDatabaseVersionResponse<'static>>(), "errors": [400, 401, 404]},
            {"method": "get", "path": "/v3/{project_id}/instances/details", "summary": "Several instances' details",
             "parameters": details_params, "ok": details, "errors": [400, 401]},
            {"method": "get", "path": "/v3.1/{project_id}/instances/details", "summary": "Several instances' details (unified status)",
             "parameters": details_params, "ok": details, "errors": [400, 401]},
            {"method": "get", "path": format!("{INSTANCE}/task-center-detail"), "summary": "An instance's task with its sub-tasks",
             "parameters": task_params, "ok": g.subschema_for::<ShowTaskDetailsResponse<'static>>(), "errors": [400, 401, 404]},
            {"method": "put", "path": format!("{INSTANCE}/ops-window"), "summary": "Move the maintenance window",
             "parameters": pi, "body": g.subschema_for::<OpsWindowBody>(), "body_required": true,
             "ok": empty, "errors": [400, 401, 404]},
            {"method": "post", "path": format!("{INSTANCE}/schedule-tasks/exist"), "summary": "Whether an instance has a scheduled task",
             "parameters": pi, "body": g.subschema_for::<ExistBody>(), "body_required": true,
             "ok": g.subschema_for::<CheckScheduleTaskExistResponse<'static>>(), "errors": [400, 401, 404]},
            {"method": "delete", "path": "/v3/{project_id}/instance/{instance_id}/scheduled-jobs", "summary": "Cancel an instance's scheduled job",
             "parameters": pi, "body": g.subschema_for::<DeleteScheduledBody>(), "body_required": true,
             "ok": g.subschema_for::<DeleteScheduleTasKResponse>(), "errors": [400, 401, 404]},
            {"method": "delete", "path": "/v3/{project_id}/jobs/{job_id}", "summary": "Delete an ended job's record",
             "parameters": record_params, "ok": empty, "errors": [400, 401]},
            {"method": "get", "path": "/v3/projects", "summary": "IAM: the caller's projects (of a region)",
             "parameters": [query("name", string())],
             "ok": g.subschema_for::<KeystoneListProjectsResponse<'static>>(), "errors": [400, 401]},
            {"method": "get", "path": "/v3/{project_id}/instances", "summary": "List instances",
             "parameters": list_params, "ok": list, "errors": [400, 401]},
            {"method": "get", "path": "/v3.1/{project_id}/instances", "summary": "List instances (unified status)",
             "parameters": list_params, "ok": list, "errors": [400, 401]},
            {"method": "get", "path": INSTANCE, "summary": "An instance's details",
             "parameters": pi, "ok": show, "errors": [400, 401, 404]},
            {"method": "get", "path": "/v3.1/{project_id}/instances/{instance_id}", "summary": "An instance's details (unified status)",
             "parameters": pi, "ok": show, "errors": [400, 401, 404]},
            {"method": "get", "path": "/v3/{project_id}/jobs", "summary": "A job",
             "parameters": job_param, "ok": g.subschema_for::<ShowGaussMySqlJobInfoResponse<'static>>(), "errors": [400, 401]},
            {"method": "get", "path": "/v3/{project_id}/immediate-jobs", "summary": "List immediate jobs",
             "parameters": immediate_params, "ok": g.subschema_for::<ListImmediateJobsResponse<'static>>(), "errors": [400, 401]},
            {"method": "get", "path": "/v3/{project_id}/scheduled-jobs", "summary": "List scheduled jobs",
             "parameters": scheduled_params, "ok": g.subschema_for::<ListScheduleJobsResponse<'static>>(), "errors": [400, 401]},
            {"method": "delete", "path": "/v3/{project_id}/scheduled-jobs", "summary": "Cancel scheduled jobs",
             "parameters": p, "body": g.subschema_for::<CancelBody>(), "body_required": true,
             "ok": g.subschema_for::<JobIdsResponse<'static>>(), "errors": [400, 401]},
            {"method": "get", "path": "/v3/{project_id}/datastores/{database_name}", "summary": "The kernel versions on offer",
             "parameters": datastore_params, "ok": g.subschema_for::<ShowGaussMySqlEngineVersionResponse<'static>>(), "errors": [400, 401]},
        ],
    })
}
