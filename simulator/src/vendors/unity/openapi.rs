//! This vendor's routes as the OpenAPI generator (`crate::openapi`, above the registry) reads
//! them: the reads of every type in `types::TYPES` (its metadata, its collection, an
//! instance), the session operations, the candidate's `prepare` and upload, and logout; one
//! entry per method and path `routes()` serves, with the concrete type names where a route
//! takes a type. The envelopes, the type metadata and the error body are schemars' schemas of
//! the wire types (`wire::{Instance, Collection}`, `types::TypeMetadata`, error.rs's body);
//! each instance's `content` is derived from the type's metadata, the same table that checks
//! `fields=` (an attribute the metadata does not list fails the document). Auth is HTTP
//! Basic; every POST also needs the `EMC-CSRF-TOKEN` header of the login session.

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::error::body_schema;
use super::types::{TypeDef, TypeMetadata, TYPES};
use super::wire::{Collection, Instance};

/// Create's body (`upgradeSession` also takes `pauseBetweenReboots` and `offline`).
#[derive(JsonSchema)]
#[schemars(rename = "UnityCreateBody")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct CreateBody {
    /// The candidate to install (default: the one uploaded).
    candidate: Option<IdRef>,
    /// An SPModelNameEnum number; must be this system's.
    selected_model: Option<u32>,
    /// Stop before the first SP reboot (Upgrade_Paused).
    pause_before_reboot: Option<bool>,
    pause_between_reboots: Option<bool>,
    offline: Option<bool>,
}

/// A reference to an instance.
#[derive(JsonSchema)]
#[schemars(rename = "UnityIdRef")]
#[allow(dead_code)]
struct IdRef {
    id: String,
}

/// candidateSoftwareVersion's `prepare`.
#[derive(JsonSchema)]
#[schemars(rename = "UnityPrepareBody")]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PrepareBody {
    /// An image the array downloaded itself: one of the scenario's `unity.images`.
    filename: String,
}

/// loginSessionInfo's `logout`.
#[derive(JsonSchema)]
#[schemars(rename = "UnityLogoutBody")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct LogoutBody {
    local_cleanup_only: Option<bool>,
}

/// A Unisphere attribute type as JSON Schema: scalars by name, enums as their numbers, lists
/// as arrays, embedded types by their own attributes, references and other objects as objects.
fn attribute_schema(kind: &str) -> Value {
    if let Some(inner) = kind.strip_prefix("List<").and_then(|k| k.strip_suffix('>')) {
        return json!({"type": "array", "items": attribute_schema(inner)});
    }
    match kind {
        "String" | "IPAddress" | "DateTime" | "DateTime[Interval]" => json!({"type": "string"}),
        "Integer" => json!({"type": "integer"}),
        "Float" => json!({"type": "number"}),
        "Boolean" => json!({"type": "boolean"}),
        k if k.ends_with("Enum") => json!({"type": "integer"}),
        k => match TYPES.iter().find(|t| t.name == k && !t.has_instances) {
            Some(embedded) => content_schema(embedded, false),
            None => json!({"type": "object"}),
        },
    }
}

/// What an instance's `content` may hold: the attributes its metadata advertises, no other;
/// `id` always (the selection keeps it) when `with_id`.
fn content_schema(t: &TypeDef, with_id: bool) -> Value {
    let properties: Map<String, Value> = t
        .attributes
        .iter()
        .map(|(name, kind, _)| (name.to_string(), attribute_schema(kind)))
        .collect();
    let mut schema =
        json!({"type": "object", "properties": properties, "additionalProperties": false});
    if with_id && t.attributes.iter().any(|(n, _, _)| *n == "id") {
        schema["required"] = json!(["id"]);
    }
    schema
}

/// An envelope (`UnityInstance` or `UnityCollection`) whose content is `content`.
fn with_content(envelope: &Value, content: Value, collection: bool) -> Value {
    let inner = if collection {
        json!({"properties": {"entries": {"items": {"properties": {"content": content}}}}})
    } else {
        json!({"properties": {"content": content}})
    };
    json!({"allOf": [envelope, inner]})
}

/// An instance's `id`, with the id a default scenario has as the example.
fn id_param(type_name: &str) -> Value {
    let example = match type_name {
        "storageProcessor" => "spa",
        "pool" => "pool_1",
        "dpe" => "dpe",
        "ethernetPort" => "spa_eth2",
        "mgmtInterface" => "mgmt_ipv4",
        "license" | "feature" => "NFS",
        "candidateSoftwareVersion" => "candidate_1",
        "softwareUpgradeSession" | "upgradeSession" => "Upgrade_5.3.0.120",
        "job" => "N-1",
        "loginSessionInfo" => "admin",
        "user" => "user_admin",
        "alert" => "alert_1",
        _ => "0",
    };
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "example": example})
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

fn path(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

/// The vendor's part of the document: its name, its auth schemes, its error schema, and its
/// routes as `{method, path, summary, parameters, body, ok, errors, …}`.
pub fn api(g: &mut SchemaGenerator) -> Value {
    let instance = serde_json::to_value(g.subschema_for::<Instance>()).unwrap_or_default();
    let collection = serde_json::to_value(g.subschema_for::<Collection>()).unwrap_or_default();
    let metadata = serde_json::to_value(g.subschema_for::<TypeMetadata>()).unwrap_or_default();
    let create = g.subschema_for::<CreateBody>();
    let prepare = g.subschema_for::<PrepareBody>();
    let logout = g.subschema_for::<LogoutBody>();
    let job = TYPES
        .iter()
        .find(|t| t.name == "job")
        .map_or_else(|| json!({"type": "object"}), |t| content_schema(t, true));
    let fields = query(
        "fields",
        json!({"type": "string"}),
        "Comma-separated attribute names (nested with '.'); without it, only id.",
    );
    let compact = query("compact", json!({"type": "boolean"}), "Only content.");
    let timeout = query(
        "timeout",
        json!({"type": "integer", "minimum": 0}),
        "0: run asynchronously, answer 202 with the job.",
    );
    let reads = [
        query("filter", json!({"type": "string"}), "e.g. id eq \"spa\""),
        query(
            "page",
            json!({"type": "integer", "minimum": 1}),
            "Page number, from 1.",
        ),
        query(
            "per_page",
            json!({"type": "integer", "minimum": 1, "maximum": 2000}),
            "Entries per page.",
        ),
        query(
            "with_entrycount",
            json!({"type": "boolean"}),
            "Add entryCount.",
        ),
    ];
    let basic = json!([{"basic": []}]);
    let mutating = json!([{"basic": [], "csrf": []}]);
    let accepted =
        json!({"status": 202, "description": "Accepted: the job (with ?timeout=0)", "schema": job});
    let reads_errors = json!([400, 401, 404, 422, 503]);
    let post_errors = json!([400, 401, 404, 405, 409, 422, 503]);
    let mut routes = Vec::new();
    for t in TYPES {
        let content = content_schema(t, true);
        routes.push(
            json!({"method": "get", "path": format!("/api/types/{}", t.name),
            "summary": format!("{}: type metadata", t.name), "security": basic,
            "parameters": [compact, fields],
            "ok": with_content(&instance, metadata.clone(), false), "errors": [400, 401, 404, 503]}),
        );
        if !t.has_instances {
            continue;
        }
        // Every advertised attribute, as storops asks: the examples read whole instances.
        let mut all = fields.clone();
        all["example"] = json!(t.attribute_names().join(","));
        let mut params = vec![compact.clone(), all.clone()];
        params.extend(reads.iter().cloned());
        routes.push(
            json!({"method": "get", "path": format!("/api/types/{}/instances", t.name),
            "summary": format!("{}: collection query", t.name), "security": basic,
            "parameters": params,
            "ok": with_content(&collection, content.clone(), true), "errors": reads_errors}),
        );
        routes.push(
            json!({"method": "get", "path": format!("/api/instances/{}/{{id}}", t.name),
            "summary": format!("{}: instance query", t.name), "security": basic,
            "parameters": [id_param(t.name), compact, all],
            "ok": with_content(&instance, content, false), "errors": reads_errors}),
        );
    }
    for session in ["softwareUpgradeSession", "upgradeSession"] {
        let id_only = with_content(
            &instance,
            json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}),
            false,
        );
        let messages = json!({"type": "object", "properties": {"messages": attribute_schema("List<upgradeMessage>")}});
        routes.push(
            json!({"method": "post", "path": format!("/api/types/{session}/instances"),
            "summary": format!("{session}: Create (start an upgrade)"), "security": mutating,
            "parameters": [compact, timeout], "body": create,
            "ok_status": 201, "ok": id_only, "answers": [accepted], "errors": post_errors}),
        );
        routes.push(json!({"method": "post", "path": format!("/api/types/{session}/action/verifyUpgradeEligibility"),
            "summary": format!("{session}: VerifyUpgradeEligibility"), "security": mutating,
            "parameters": [compact, timeout],
            "ok": with_content(&instance, messages, false), "answers": [accepted], "errors": post_errors}));
        let actions: &[&str] = if session == "upgradeSession" {
            &["resume", "cancel", "acknowledge"]
        } else {
            &["resume"]
        };
        routes.push(json!({"method": "post", "path": format!("/api/instances/{session}/{{id}}/action/{{action}}"),
            "summary": format!("{session}: {}", actions.join(", ")), "security": mutating,
            "parameters": [path("id", json!({"type": "string"})), path("action", json!({"enum": actions})), compact, timeout],
            "ok_status": 204, "answers": [accepted], "errors": post_errors}));
    }
    routes.push(json!({"method": "post", "path": "/api/types/candidateSoftwareVersion/action/prepare",
        "summary": "candidateSoftwareVersion: Prepare (a candidate from a downloaded image)", "security": mutating,
        "parameters": [compact, timeout], "body": prepare, "body_required": true,
        "ok": with_content(&instance, json!({"type": "object", "properties": {"id": {"type": "string"}}}), false),
        "answers": [accepted], "errors": post_errors}));
    routes.push(json!({"method": "post", "path": "/upload/files/types/candidateSoftwareVersion",
        "summary": "Upload a candidate image (multipart, form field filename)", "security": mutating,
        "parameters": [compact], "body_media": "multipart/form-data", "body_required": true,
        "body": {"type": "object", "properties": {"filename": {"type": "string", "format": "binary"}}, "required": ["filename"]},
        "errors": [400, 401, 404, 409, 422, 503]}));
    routes.push(
        json!({"method": "post", "path": "/api/types/loginSessionInfo/action/logout",
        "summary": "Log out (the token and cookie die)", "security": mutating,
        "parameters": [compact], "body": logout,
        "ok_status": 204, "errors": post_errors}),
    );
    json!({
        "vendor": "unity",
        "title": "Dell Unity Unisphere Management REST API (software upgrade)",
        "security": {
            "basic": {"type": "http", "scheme": "basic",
                      "description": "A user of the scenario's unity.users (default admin / Password123#). Every request also needs the header X-EMC-REST-CLIENT: true (without it: 302 to /index.html)."},
            "csrf": {"type": "apiKey", "in": "header", "name": "EMC-CSRF-TOKEN",
                     "description": "The login session's token, from the EMC-CSRF-TOKEN header of any authenticated GET (storops reads it from GET /api/types/user/instances); every POST needs it."},
        },
        "error": body_schema(g),
        "routes": routes,
    })
}
