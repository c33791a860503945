//! This vendor's routes as the OpenAPI generator (`crate::openapi`, above the registry) reads
//! them: one entry per method and path `http::routes` serves in the current (HEAD) profile.
//! The public routes (4.2.6 and HEAD `api/agent_route.go`: `info`, `status`, `secret` on the
//! `v1` group outside every `Verify`) carry `security: []`; every other route sits behind
//! `Verify` and takes the v2 `X-OCS-Header` (or the v1 `X-OCS-Auth`); HEAD's
//! `POST /api/v1/package` is on the `pkg` group (no `Verify`, `VerifyFile`'s
//! `X-OCS-File-SHA256` instead). Each answer is the `OcsAgentResponse` envelope around the wire
//! type the operation serializes (`ops/agent.rs`, `dto.rs`), or, where an operation still
//! builds its tree by hand (ob info, the package rows, the log rows), a struct below mirroring
//! the real server's type; tests/obshell/openapi.rs validates those answers against it. Every
//! error is the envelope around the error object `error.rs` writes.

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};

use super::dto::{DagDto, NodeDto, TaskDto};
use super::ops::agent::{AgentInfo, AgentStatus, Secret};
/// The keys every `lib/http/response.go` `OcsAgentResponse` opens with (`wire::envelope`).
#[derive(JsonSchema)]
#[schemars(rename = "OcsAgentResponseHead")]
#[allow(dead_code)]
struct Head {
    successful: bool,
    /// RFC 3339 with nanoseconds, in the agent's zone.
    timestamp: String,
    duration: i64,
    status: u16,
    #[serde(rename = "traceId")]
    trace_id: String,
}

/// `OcsAgentResponse` on success.
#[derive(JsonSchema)]
#[schemars(rename = "Envelope_of_{T}")]
#[allow(dead_code)]
struct Envelope<T> {
    #[serde(flatten)]
    head: Head,
    data: T,
}

/// The `error` object (`ObError::body`): 4.2.x's numeric `code`, HEAD's dotted `errCode`.
#[derive(JsonSchema)]
#[schemars(rename = "ObshellError")]
#[allow(dead_code)]
struct ApiError {
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<i64>,
    #[serde(rename = "errCode", skip_serializing_if = "Option::is_none")]
    err_code: Option<String>,
    message: String,
}

/// `OcsAgentResponse` on failure.
#[derive(JsonSchema)]
#[schemars(rename = "ObshellErrorEnvelope")]
#[allow(dead_code)]
struct ErrorEnvelope {
    #[serde(flatten)]
    head: Head,
    error: ApiError,
}

/// `meta.AgentInstance`, as `ob/info` lists the cluster's agents.
#[derive(JsonSchema)]
#[schemars(rename = "ObshellAgentInstance")]
#[allow(dead_code)]
struct AgentInstance {
    ip: String,
    port: u16,
    zone: String,
    identity: String,
    version: String,
}

/// One server of `ob/info`'s topology (`param/obcluster.go` `ServerInfo`).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ServerInfo {
    svr_ip: String,
    svr_port: u16,
    sql_port: u16,
    agent_port: u16,
    /// `YES` or `NO`.
    with_rootserver: String,
    /// `ACTIVE` or `INACTIVE`.
    status: String,
    build_version: String,
}

/// `param/obcluster.go` `ClusterInfo`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ClusterInfo {
    id: i64,
    name: String,
    version: String,
    /// The servers by zone.
    topology: BTreeMap<String, Vec<ServerInfo>>,
    /// HEAD only.
    #[serde(skip_serializing_if = "Option::is_none")]
    is_shared_storage: Option<bool>,
}

/// `GET /api/v1/ob/info`'s data (`param/obcluster.go` `ObInfoResp`).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ObInfo {
    agent_info: Vec<AgentInstance>,
    obcluster_info: ClusterInfo,
}

/// A list answer (`wire::contents`: `{"contents": [...]}`).
#[derive(JsonSchema)]
#[schemars(rename = "Contents_of_{T}")]
#[allow(dead_code)]
struct Contents<T> {
    contents: Vec<T>,
}

/// A package row: the same fields in both of the server's types, cased by their tags.
macro_rules! package_row {
    ($(#[$attr:meta])* $name:ident) => {
        #[derive(JsonSchema)]
        $(#[$attr])*
        #[allow(dead_code)]
        struct $name {
            pkg_id: i64,
            name: String,
            version: String,
            release_distribution: String,
            distribution: String,
            release: String,
            architecture: String,
            size: u64,
            payload_size: u64,
            chunk_count: u64,
            md5: String,
            /// Empty in `bo.UpgradePkgInfo` (`ToBO` leaves it out).
            upgrade_dep_yaml: String,
            gmt_modify: String,
        }
    };
}

package_row!(
    /// `POST /api/v1/upgrade/package`'s data: `oceanbase.UpgradePkgInfo` (no json tags).
    #[serde(rename_all = "PascalCase")]
    UpgradePkgInfo
);
package_row!(
    /// HEAD's `bo.UpgradePkgInfo` (`POST /api/v1/package`, `GET /upgrade/package/info`).
    #[schemars(rename = "UpgradePkgInfoBO")]
    UpgradePkgInfoBo
);

/// HEAD `bo.SubTaskLog`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct SubTaskLog {
    id: u64,
    sub_task_id: u64,
    execute_times: u32,
    log_content: String,
    is_sync: bool,
    create_time: String,
    update_time: String,
}

/// `param.UpgradeCheckParam` (agent upgrade and its check, the OB check).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct UpgradeCheckParam {
    /// The target version (`4.2.2.0`); required.
    version: String,
    /// The target build (`100000192024011915.el7`); required.
    release: String,
    /// Absolute; empty for the default.
    #[serde(rename = "upgradeDir")]
    upgrade_dir: Option<String>,
}

/// `param.ObUpgradeParam`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ObUpgradeParam {
    version: String,
    release: String,
    #[serde(rename = "upgradeDir")]
    upgrade_dir: Option<String>,
    /// `ROLLING` or `STOPSERVICE` (any case); required.
    mode: String,
    freeze_server: Option<bool>,
}

/// `task.DagOperator` / `task.NodeOperator`.
#[derive(JsonSchema)]
#[schemars(rename = "DagOperator")]
#[allow(dead_code)]
struct Operator {
    /// `RETRY`, `ROLLBACK`, `CANCEL` or `PASS` for a DAG; `PASS` for a node.
    operator: String,
}

/// The multipart form of a package upload.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct PackageForm {
    /// The RPM.
    #[schemars(extend("contentMediaType" = "application/octet-stream"))]
    file: String,
}

const V2: &str = "OBShell's v2 auth (docs/obshell.md, Authentication; also sent as \
    `X-OCS-Agent-Header`): base64 of the concatenated RSA-PKCS#1 v1.5 sealings, under the \
    agent's public key (`GET /api/v1/secret`), of 53-byte chunks of the JSON \
    `{\"auth\": password, \"ts\": expiry (Unix seconds, a string), \"uri\": the request's path \
    and query, \"keys\": base64 of an AES-128 key and its IV}`; a non-empty body is then \
    base64 of its AES-128-CBC ciphertext (PKCS7). Without it HEAD answers 400 \
    `Request.Header.NotFound`; a header that fails a check, 401.";
const V1: &str = "OBShell's v1 auth (the 4.2.2 docs' scheme): base64 of the RSA-PKCS#1 v1.5 \
    sealing of `{\"password\": password, \"ts\": expiry (an integer)}`; the body is sent plain. \
    Accepted only where the scenario's `auth` lists `v1` (then `GET /api/v1/info`'s \
    `supportedAuth` offers it); 4.2.6 and HEAD offer only v2.";

/// The vendor's part of the document: every route, its auth scheme, its error envelope.
pub fn api(g: &mut SchemaGenerator) -> Value {
    let info = g.subschema_for::<Envelope<AgentInfo>>();
    let status = g.subschema_for::<Envelope<AgentStatus>>();
    let secret = g.subschema_for::<Envelope<Secret>>();
    let dag = g.subschema_for::<Envelope<DagDto>>();
    let dags = g.subschema_for::<Envelope<Contents<DagDto>>>();
    let node = g.subschema_for::<Envelope<NodeDto>>();
    let task = g.subschema_for::<Envelope<TaskDto>>();
    let logs = g.subschema_for::<Envelope<Contents<SubTaskLog>>>();
    let ob_info = g.subschema_for::<Envelope<ObInfo>>();
    let agents = g.subschema_for::<Envelope<BTreeMap<String, AgentStatus>>>();
    let pkg = g.subschema_for::<Envelope<UpgradePkgInfo>>();
    let pkg_bo = g.subschema_for::<Envelope<UpgradePkgInfoBo>>();
    let pkgs = g.subschema_for::<Envelope<Contents<UpgradePkgInfoBo>>>();
    let empty = g.subschema_for::<Head>();
    let check = g.subschema_for::<UpgradeCheckParam>();
    let ob_param = g.subschema_for::<ObUpgradeParam>();
    let operator = g.subschema_for::<Operator>();
    let form = g.subschema_for::<PackageForm>();
    let public = json!([]);
    let id = json!({"name": "id", "in": "path", "required": true,
        "description": "The generic id (`1` and the numeric id for a cluster task)",
        "schema": {"type": "string"}});
    let show = json!({"name": "show_details", "in": "query", "required": false,
        "description": "Go `strconv.ParseBool`; default true", "schema": {"type": "boolean"}});
    let sha = json!({"name": "X-OCS-File-SHA256", "in": "header", "required": true,
        "description": "The file's SHA-256 (hex), RSA-sealed like the auth header",
        "schema": {"type": "string"}});
    let upgrade = |path: &str, summary: &str, body: &Schema| {
        json!({"method": "post", "path": path, "summary": summary, "body": body,
               "body_required": true, "ok": dag, "errors": [400, 401, 500]})
    };
    let list = |path: &str, summary: &str, ok: &Schema, errors: Value| {
        json!({"method": "get", "path": path, "summary": summary, "parameters": [show],
               "ok": ok, "errors": errors})
    };
    json!({
        "vendor": "obshell",
        "title": "OceanBase OBShell agent",
        "security": {
            "ocsHeader": {"type": "apiKey", "in": "header", "name": "X-OCS-Header", "description": V2},
            "ocsAuth": {"type": "apiKey", "in": "header", "name": "X-OCS-Auth", "description": V1},
        },
        "error": g.subschema_for::<ErrorEnvelope>(),
        "routes": [
            {"method": "get", "path": "/api/v1/info", "summary": "The agent's identity, versions and the auth versions it offers",
             "security": public, "ok": info, "errors": []},
            {"method": "get", "path": "/api/v1/status", "summary": "The agent's status",
             "security": public, "ok": status, "errors": []},
            {"method": "post", "path": "/api/v1/status", "summary": "The agent's status",
             "security": public, "ok": status, "errors": []},
            {"method": "get", "path": "/api/v1/secret", "summary": "The agent's RSA public key, for the auth header",
             "security": public, "ok": secret, "errors": []},
            {"method": "get", "path": "/api/v1/ob/info", "summary": "The cluster's agents and topology",
             "ok": ob_info, "errors": [400, 401]},
            {"method": "get", "path": "/api/v1/agents/status", "summary": "Every agent's status, by ip:port",
             "ok": agents, "errors": [400, 401]},
            upgrade("/api/v1/agent/upgrade", "Upgrade every agent (a DAG)", &check),
            upgrade("/api/v1/agent/upgrade/check", "Check an agent upgrade (a DAG)", &check),
            upgrade("/api/v1/ob/upgrade", "Upgrade OceanBase (a DAG)", &ob_param),
            upgrade("/api/v1/ob/upgrade/check", "Check an OceanBase upgrade (a DAG)", &check),
            {"method": "post", "path": "/api/v1/upgrade/package", "summary": "Upload an upgrade package (RPM)",
             "body": form, "body_media": "multipart/form-data", "body_required": true,
             "ok": pkg, "errors": [400, 401, 500]},
            {"method": "post", "path": "/api/v1/package", "summary": "Upload a package (HEAD; the body is not encrypted)",
             "security": public, "parameters": [sha],
             "body": form, "body_media": "multipart/form-data", "body_required": true,
             "ok": pkg_bo, "errors": [400, 401, 500]},
            {"method": "get", "path": "/api/v1/upgrade/package/info", "summary": "The uploaded packages, newest first",
             "ok": pkgs, "errors": [400, 401]},
            {"method": "delete", "path": "/api/v1/upgrade/package/{id}", "summary": "Delete a package by its pkg_id",
             "parameters": [id], "ok": empty, "errors": [400, 401]},
            {"method": "get", "path": "/api/v1/task/dag/{id}", "summary": "A DAG",
             "parameters": [id, show], "ok": dag, "errors": [400, 401, 404]},
            {"method": "post", "path": "/api/v1/task/dag/{id}", "summary": "Operate a DAG: RETRY, ROLLBACK, CANCEL or PASS",
             "parameters": [id], "body": operator, "body_required": true,
             "ok": empty, "errors": [400, 401, 404, 500]},
            {"method": "get", "path": "/api/v1/task/node/{id}", "summary": "A node of a DAG",
             "parameters": [id, show], "ok": node, "errors": [400, 401, 404, 500]},
            {"method": "post", "path": "/api/v1/task/node/{id}", "summary": "PASS a failed node",
             "parameters": [id], "body": operator, "body_required": true,
             "ok": empty, "errors": [400, 401, 404, 500]},
            {"method": "get", "path": "/api/v1/task/sub_task/{id}", "summary": "A sub task",
             "parameters": [id], "ok": task, "errors": [400, 401, 404]},
            {"method": "get", "path": "/api/v1/task/sub_task/{id}/logs", "summary": "A sub task's log rows",
             "parameters": [id], "ok": logs, "errors": [400, 401]},
            list("/api/v1/task/dag/maintain/agent", "This agent's last maintenance DAG", &dag, json!([400, 401, 404])),
            list("/api/v1/task/dag/maintain/ob", "The cluster's last maintenance DAG", &dag, json!([400, 401, 404])),
            list("/api/v1/task/dag/maintain/agents", "Every agent's last maintenance DAG", &dags, json!([400, 401])),
            list("/api/v1/task/dag/unfinish", "The unfinished DAGs", &dags, json!([400, 401])),
            list("/api/v1/task/dag/ob/unfinish", "The cluster's unfinished DAGs", &dags, json!([400, 401])),
            list("/api/v1/task/dag/agent/unfinish", "This agent's unfinished DAGs", &dags, json!([400, 401])),
            list("/api/v1/task/dags/ob", "Every cluster DAG", &dags, json!([400, 401])),
            list("/api/v1/task/dags/agent", "Every DAG of this agent", &dags, json!([400, 401])),
        ],
    })
}
