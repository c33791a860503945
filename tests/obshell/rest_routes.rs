//! Routes REST users call that the SDK does not: `GET /api/v1/agents/status` (4.2.6 and HEAD
//! `api/info_handler.go` `GetAllAgentStatus`) and HEAD's `GET /api/v1/task/dags/{ob,agent}`
//! (`executor/task/dag.go` `GetAllClusterDags`, `GetAllAgentDags`), absent from 4.2.6.

use serde_json::json;

use super::{current_sim, error_of, legacy_with, start_agent_upgrade};
use crate::support::obshell::v2;
use crate::support::{default_sim, send};

#[tokio::test]
async fn agents_status_maps_every_answering_agent_by_address() {
    let sim = legacy_with("\n  faults:\n    agents_down: [zone2]\n    observers_down: [zone3]");
    let r = send(&sim, v2("GET", "/api/v1/agents/status", None)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json()["data"].clone();
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["10.0.0.1:2886", "10.0.0.3:2886"]);
    assert_eq!(
        d["10.0.0.3:2886"]["agent"],
        json!({"ip": "10.0.0.3", "port": 2886, "identity": "CLUSTER AGENT"})
    );
    assert_eq!(d["10.0.0.3:2886"]["obState"], 1);
    assert_eq!(d["10.0.0.1:2886"]["obState"], 3);
    // 4.2.x's AgentStatus has no sqlPort; HEAD's has it.
    assert!(d["10.0.0.1:2886"].get("sqlPort").is_none());
    let d = send(&current_sim(""), v2("GET", "/api/v1/agents/status", None))
        .await
        .json()["data"]
        .clone();
    assert_eq!(d["10.0.0.2:2886"]["sqlPort"], 2881);
    let s = send(&current_sim(""), crate::support::get("/api/v1/status"))
        .await
        .json();
    assert_eq!(s["data"]["sqlPort"], 2881);
}

#[tokio::test]
async fn the_dag_lists_are_heads_and_list_cluster_dags_only() {
    let sim = current_sim("");
    start_agent_upgrade(&sim).await;
    let r = send(
        &sim,
        v2("GET", "/api/v1/task/dags/ob?show_details=false", None),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json()["data"]["contents"].clone();
    assert_eq!(
        (list[0]["id"].clone(), list[0]["nodes"].clone()),
        (json!("12"), json!(null))
    );
    let r = send(&sim, v2("GET", "/api/v1/task/dags/agent", None)).await;
    assert_eq!(r.json()["data"], json!({"contents": []}));
    let r = send(&default_sim(), crate::support::get("/api/v1/task/dags/ob")).await;
    assert_eq!(
        error_of(&r),
        (
            400,
            json!({"code": 1000, "message": "Bad request: 404 not found"})
        )
    );
}

/// The OpenAPI document's public routes (issue 16): each is served, and its answer, in both
/// profiles, passes the documented schema.
#[tokio::test]
async fn every_documented_public_route_answers_in_its_documented_shape() {
    let doc = upgrade_sim::openapi::document("obshell").expect("OBShell has a document");
    let mut operations = 0;
    for sim in [default_sim(), current_sim("")] {
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            // The public operations: no auth scheme and no body (HEAD's plain package upload
            // has its own test, tests/obshell/openapi.rs the authenticated routes).
            let public =
                item.as_object().into_iter().flatten().filter(|(_, op)| {
                    op["security"] == json!([]) && op.get("requestBody").is_none()
                });
            for (method, op) in public {
                let req = axum::http::Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(path.as_str())
                    .body(axum::body::Body::empty())
                    .unwrap_or_default();
                let reply = send(&sim, req).await;
                let status = reply.status.as_u16().to_string();
                let response = &op["responses"][&status];
                assert!(
                    response.is_object(),
                    "{method} {path}: {status} undocumented"
                );
                let mut root = response["content"]["application/json"]["schema"].clone();
                root["components"] = doc["components"].clone();
                let v = jsonschema::draft202012::new(&root).expect("the schema compiles");
                let errors: Vec<String> = v
                    .iter_errors(&reply.json())
                    .map(|e| format!("{}: {e}", e.instance_path))
                    .collect();
                assert!(errors.is_empty(), "{method} {path}: {errors:?}");
                operations += 1;
            }
        }
    }
    assert_eq!(operations, 8, "four public operations, two profiles");
    // The authenticated routes name the v2 header and the v1 one.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["ocsHeader"]["name"], "X-OCS-Header");
    assert_eq!(schemes["ocsAuth"]["name"], "X-OCS-Auth");
}
