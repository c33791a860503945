//! The OpenAPI documents (issue 16): every documented operation is a route the simulator
//! serves, its answer passes the documented schema, and `/_sim/openapi.json` serves the
//! same document `upgrade-sim openapi` prints.

use serde_json::{json, Value};

use crate::support::ota::authed;
use crate::support::{assert_documented, default_sim, get, send};

fn ota() -> Value {
    upgrade_sim::openapi::document("ota").expect("OTA has a document")
}

#[tokio::test]
async fn every_documented_ota_operation_is_served_and_answers_in_its_documented_shapes() {
    let doc = ota();
    assert_eq!(doc["openapi"], "3.1.0");
    let sim = default_sim();
    // A plan to act on, so that {id} routes reach their handlers.
    let created = send(
        &sim,
        authed(
            "POST",
            "/api/v1/lifecycle/upgrade-plans",
            Some(
                &json!({"name": "p", "fromVersion": "1.2.0", "toVersion": "1.3.0",
                         "toRelease": "216", "agentIds": ["agent-0001"]}),
            ),
        ),
    )
    .await;
    let plan = created.json()["id"].as_str().unwrap_or("none").to_string();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let uri = path
                .replace("upgrade-plans/{id}", &format!("upgrade-plans/{plan}"))
                .replace("agents/{id}", "agents/agent-0001");
            let body = op.get("requestBody").map(|_| json!({}));
            let reply = send(&sim, authed(&method.to_uppercase(), &uri, body.as_ref())).await;
            assert_documented(&doc, op, &format!("{method} {uri}"), &reply);
            operations += 1;
        }
    }
    assert_eq!(operations, 9, "OTA has nine operations");
}

#[tokio::test]
async fn the_admin_api_serves_the_document_and_names_the_vendors_for_an_unknown_one() {
    let sim = default_sim();
    let reply = send(&sim, get("/_sim/openapi.json?vendor=ota")).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(reply.json(), ota());
    let all = send(&sim, get("/_sim/openapi.json")).await.json();
    assert_eq!(all["ota"], ota());
    let unknown = send(&sim, get("/_sim/openapi.json?vendor=nope")).await;
    assert_eq!(unknown.status.as_u16(), 404);
    assert!(
        unknown.json()["error"]
            .as_str()
            .is_some_and(|m| m.contains("'nope'") && m.contains("ota")),
        "{}",
        unknown.text()
    );
}
