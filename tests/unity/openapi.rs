//! Unity's OpenAPI document (issue 16): every documented operation is a route the simulator
//! serves, and in a world with one of everything (a failed session, a finished job, an alert,
//! an expired license) each answers with a documented status whose body passes the documented
//! schema; instance contents are held to their type's metadata (no attribute beyond it).

use serde_json::{json, Value};
use upgrade_sim::vendors::unity::types::TYPES;

use crate::support::unity::*;
use crate::support::{assert_documented, openapi_validator as validator, sim_from};

fn doc() -> Value {
    upgrade_sim::openapi::document("unity").expect("Unity has a document")
}

/// The example (or first enum value) of each path parameter, and the query from the examples.
fn uri(path: &str, op: &Value) -> String {
    let mut uri = path.to_string();
    let mut query = vec!["compact=True".to_string()];
    for p in op["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or_default();
        let value = p["example"]
            .as_str()
            .or_else(|| p["schema"]["enum"][0].as_str());
        match (p["in"].as_str(), value) {
            (Some("path"), Some(v)) => uri = uri.replace(&format!("{{{name}}}"), v),
            (Some("query"), Some(v)) => query.push(format!("{name}={v}")),
            _ => {}
        }
    }
    format!("{uri}?{}", query.join("&"))
}

#[tokio::test]
async fn every_documented_unity_operation_is_served_and_answers_in_its_documented_shapes() {
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    let sim = sim_from(
        "unity:\n  array:\n    licenses: [NFS, {name: CIFS, expires: 2025-06-01T00:00:00Z}]\n  faults:\n    fail_task: [{task: 2, at_percent: 10}]\n",
    );
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    upost(
        &sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}/action/resume?timeout=0"),
        None,
    )
    .await;
    advance(&sim, 60);

    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let uri = uri(path, op);
            let reply = match method.as_str() {
                "get" => uget(&sim, &uri).await,
                _ if path.starts_with("/upload/") => {
                    let header = image_header("5.4.0", 7, "2024-02-01T08:30:00Z");
                    upload_content(&sim, "image.bin", &header).await
                }
                _ if path.ends_with("/prepare") => {
                    let body = json!({"filename": "Unity-5.3.0.0.5.120.tgz.bin.gpg"});
                    upost(&sim, &uri, Some(body)).await
                }
                _ => upost(&sim, &uri, op.get("requestBody").map(|_| json!({}))).await,
            };
            assert_documented(&doc, op, &format!("{method} {uri}"), &reply);
            operations += 1;
        }
    }
    let readable = TYPES.iter().filter(|t| t.has_instances).count();
    assert_eq!(
        operations,
        TYPES.len() + 2 * readable + 9,
        "each type's metadata, collection and instance; create, verifyUpgradeEligibility and the instance actions of both session types; prepare, upload and logout"
    );
}

#[test]
fn an_instance_with_an_attribute_its_metadata_does_not_advertise_fails_the_document() {
    let doc = doc();
    let op = &doc["paths"]["/api/instances/pool/{id}"]["get"];
    let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
    let v = validator(&doc, schema);
    assert!(v.is_valid(&json!({"content": {"id": "pool_1", "sizeTotal": 1}})));
    assert!(!v.is_valid(&json!({"content": {"id": "pool_1", "colour": "blue"}})));
    assert!(!v.is_valid(&json!({"content": {"id": "pool_1", "sizeTotal": "big"}})));
    let post = &doc["paths"]["/api/types/softwareUpgradeSession/instances"]["post"];
    assert_eq!(
        post["security"],
        json!([{"basic": [], "csrf": []}]),
        "a POST needs Basic and the CSRF token"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["csrf"]["name"],
        "EMC-CSRF-TOKEN"
    );
}
