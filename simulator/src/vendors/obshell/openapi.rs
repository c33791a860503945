//! This vendor's public routes as the OpenAPI generator (`crate::openapi`, above the registry)
//! reads them: the routes a client may call without the RSA-sealed `X-OCS-Header` (4.2.6 and
//! HEAD `api/agent_route.go`: `info`, `status`, `secret` sit on the `v1` group outside every
//! `Verify`; `ob/info` is on the `ob` group, behind it). Each answer is the `OcsAgentResponse`
//! envelope around the wire type `ops/agent.rs` serializes; every error is the envelope around
//! the error object `error.rs` writes.

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Value};

use super::ops::agent::{AgentInfo, AgentStatus, Secret};

/// The keys every `lib/http/response.go` `OcsAgentResponse` opens with (`wire::envelope`).
#[derive(JsonSchema)]
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
#[allow(dead_code)]
struct ErrorEnvelope {
    #[serde(flatten)]
    head: Head,
    error: ApiError,
}

/// The vendor's part of the document: its public routes, no auth scheme, its error envelope.
pub fn api(g: &mut SchemaGenerator) -> Value {
    let info = g.subschema_for::<Envelope<AgentInfo>>();
    let status = g.subschema_for::<Envelope<AgentStatus>>();
    let secret = g.subschema_for::<Envelope<Secret>>();
    json!({
        "vendor": "obshell",
        "title": "OceanBase OBShell agent (public routes)",
        "security": {},
        "error": g.subschema_for::<ErrorEnvelope>(),
        "routes": [
            {"method": "get", "path": "/api/v1/info", "summary": "The agent's identity, versions and the auth versions it offers",
             "ok": info, "errors": []},
            {"method": "get", "path": "/api/v1/status", "summary": "The agent's status",
             "ok": status, "errors": []},
            {"method": "post", "path": "/api/v1/status", "summary": "The agent's status",
             "ok": status, "errors": []},
            {"method": "get", "path": "/api/v1/secret", "summary": "The agent's RSA public key, for the auth header",
             "ok": secret, "errors": []},
        ],
    })
}
