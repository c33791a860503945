//! OpenAPI 3.1 documents of the simulated APIs, one per vendor, generated from each vendor's
//! route list (`vendors/<v>/openapi.rs`, one entry per route of its router) and the schemas
//! schemars derives from its wire types, so the document cannot drift from what is served.
//! This layer adds what every operation shares: the vendor's auth scheme, and every error
//! status answered in the vendor's own error body. `upgrade-sim openapi` prints a document,
//! `GET /_sim/openapi.json` serves it.

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use crate::registry;

/// The vendors that have a document, in firing order.
pub fn vendors() -> Vec<String> {
    parts()
        .0
        .iter()
        .filter_map(|p| p["vendor"].as_str().map(str::to_string))
        .collect()
}

fn parts() -> (Vec<Value>, Map<String, Value>) {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .for_serialize()
        .into_generator();
    let parts = registry::openapi_parts(&mut g);
    let schemas = g.take_definitions(true);
    (parts, schemas)
}

/// The OpenAPI 3.1 document of `vendor`, or an error naming the vendors that have one.
pub fn document(vendor: &str) -> Result<Value, String> {
    let (parts, schemas) = parts();
    let Some(part) = parts.iter().find(|p| p["vendor"] == vendor) else {
        return Err(format!(
            "no OpenAPI document for vendor '{vendor}' (there is one for: {})",
            vendors().join(", ")
        ));
    };
    let security: Vec<Value> = part["security"]
        .as_object()
        .map(|s| s.keys().map(|k| json!({ k: [] })).collect())
        .unwrap_or_default();
    let mut paths = Map::new();
    for route in part["routes"].as_array().into_iter().flatten() {
        let path = route["path"].as_str().unwrap_or("/");
        let method = route["method"].as_str().unwrap_or("get");
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[method] = operation(&part["error"], route, &security);
    }
    let components = json!({
        "schemas": schemas,
        "securitySchemes": part["security"],
    });
    Ok(json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": part["title"],
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("The {vendor} API as upgrade-sim serves it (docs/{vendor}.md)."),
        },
        "paths": paths,
        "components": components,
    }))
}

/// Every vendor's document, under its name (or only `vendor`'s, when given, as it is).
pub fn documents(vendor: Option<&str>) -> Result<Value, String> {
    match vendor {
        Some(v) => document(v),
        None => vendors()
            .iter()
            .map(|v| document(v).map(|d| (v.clone(), d)))
            .collect::<Result<Map<String, Value>, String>>()
            .map(Value::Object),
    }
}

/// One operation: its parameters and body, its answer, and each error status it can answer
/// in the vendor's error body. A route may also name its success status (`ok_status`,
/// default 200; no `ok` schema: an empty body), further non-error answers (`answers`:
/// `[{status, description, schema?}]`), its own `security` requirements and the media type of
/// its body (`body_media`, default JSON).
fn operation(error: &Value, route: &Value, security: &[Value]) -> Value {
    let method = route["method"].as_str().unwrap_or("get");
    let path = route["path"].as_str().unwrap_or("/");
    let mut responses = Map::new();
    let ok_status = route["ok_status"].as_u64().unwrap_or(200);
    let answers = std::iter::once(json!({"status": ok_status, "schema": route.get("ok")}))
        .chain(route["answers"].as_array().into_iter().flatten().cloned());
    for answer in answers {
        let status = answer["status"].as_u64().unwrap_or(200);
        let description = answer["description"]
            .as_str()
            .unwrap_or_else(|| reason(status));
        let mut response = json!({"description": description});
        if let Some(schema) = answer.get("schema").filter(|s| !s.is_null()) {
            response["content"] = json!({"application/json": {"schema": schema}});
        }
        responses.insert(status.to_string(), response);
    }
    for status in route["errors"].as_array().into_iter().flatten() {
        responses.insert(
            status.to_string(),
            json!({"description": reason(status.as_u64().unwrap_or(500)),
                   "content": {"application/json": {"schema": error}}}),
        );
    }
    let security = route
        .get("security")
        .cloned()
        .unwrap_or_else(|| Value::from(security.to_vec()));
    let mut op = json!({
        "operationId": operation_id(method, path),
        "summary": route["summary"],
        "parameters": route.get("parameters").cloned().unwrap_or_else(|| json!([])),
        "responses": responses,
        "security": security,
    });
    if let Some(body) = route.get("body") {
        let media = route["body_media"].as_str().unwrap_or("application/json");
        op["requestBody"] = json!({
            "required": route["body_required"].as_bool().unwrap_or(false),
            "content": {media: {"schema": body}},
        });
    }
    op
}

/// `get /api/v1/lifecycle/agents/{id}` → `get_api_v1_lifecycle_agents_id`.
fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{method}_{}", words.join("_"))
}

fn reason(status: u64) -> &'static str {
    u16::try_from(status)
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}
