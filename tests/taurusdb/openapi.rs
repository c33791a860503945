//! TaurusDB's OpenAPI document (issue 16): every documented operation is a route the
//! simulator serves, and its answers, the success of a well-formed request and the refusal of
//! an empty one, pass the schemas the document gives for their statuses.

use serde_json::{json, Value};

use super::*;

const REPORTS: &str = "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5din07";
use crate::support::{default_sim, send, Reply};

fn document() -> Value {
    upgrade_sim::openapi::document("taurusdb").expect("TaurusDB has a document")
}

/// Errors of `reply` against the document's schema for its status, or why it has none.
fn mismatches(doc: &Value, op: &Value, reply: &Reply) -> Vec<String> {
    let status = reply.status.as_u16().to_string();
    let response = &op["responses"][&status];
    if !response.is_object() {
        return vec![format!(
            "status {status} is not documented: {}",
            reply.text()
        )];
    }
    let mut root = response["content"]["application/json"]["schema"].clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::new(&root).expect("the response schema compiles");
    validator
        .iter_errors(&reply.json())
        .map(|e| format!("{status} {}: {e}", e.instance_path))
        .collect()
}

/// A well-formed request for each operation: its path filled in, its required query and a
/// body its handler accepts.
/// The job routes read BILLING's finished job (`jobs.0`); the record deleted is another
/// finished one (`jobs.1`); the upgrades go to ORDERS.
fn good(method: &str, path: &str, jobs: &[String; 2]) -> (String, Option<Value>) {
    let instance = if path.ends_with("db-upgrade") {
        ORDERS
    } else {
        BILLING
    };
    let job = &jobs[0];
    let uri = path
        .replace("{project_id}", PROJECT)
        .replace("{instance_id}", instance)
        .replace("{job_id}", &jobs[1])
        .replace("{database_name}", "gaussdb-mysql");
    let infos = json!({"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": ORDERS}]});

    let (query, body) = match (method, path.rsplit('/').next().unwrap_or_default()) {
        ("get", "details") => (format!("?instance_ids={ORDERS}"), None),
        ("get", "jobs") => (format!("?id={job}"), None),
        ("get", "task-center-detail") => (format!("?job_id={job}"), None),
        ("post", "pre-check" | "pre-check-result") => (String::new(), Some(infos)),
        ("post", "upgrade") => {
            let mut b = infos;
            b["delay"] = json!(true);
            (String::new(), Some(b))
        }
        ("post", "db-upgrade") => (String::new(), Some(json!({"delay": true}))),
        ("put", "ops-window") => (
            String::new(),
            Some(json!({"start_time": "10:00", "end_time": "14:00"})),
        ),
        ("post", "exist") => (
            String::new(),
            Some(json!({"schedule_type": "VERSION_UPGRADE"})),
        ),
        ("delete", "scheduled-jobs") if path.contains("/instance/") => {
            (String::new(), Some(json!({"job_id": "none"})))
        }
        ("delete", "scheduled-jobs") => (String::new(), Some(json!({"job_ids": ["none"]}))),
        _ => (String::new(), None),
    };
    (format!("{uri}{query}"), body)
}

#[tokio::test]
async fn every_documented_taurusdb_operation_is_served_and_answers_in_its_documented_shapes() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["token"],
        json!({"type": "apiKey", "in": "header", "name": "X-Auth-Token",
               "description": "An IAM token from the scenario's taurusdb.credentials.tokens (default sim-token)."})
    );
    let sim = default_sim();
    // Two finished jobs, so that the job routes answer 200.
    let mut jobs = [String::new(), String::new()];
    for (slot, id) in jobs.iter_mut().zip([BILLING, REPORTS]) {
        let single = send(
            &sim,
            token_req(
                "POST",
                &format!("/v3/{PROJECT}/instances/{id}/db-upgrade"),
                "",
            ),
        )
        .await;
        *slot = single.json()["job_id"]
            .as_str()
            .unwrap_or("none")
            .to_string();
    }
    let idle = send(
        &sim,
        crate::support::post_json("/_sim/clock/run-until-idle", &json!({})),
    )
    .await;
    assert_eq!(idle.status, 200, "{}", idle.text());
    let mut operations = 0;
    let mut failures = Vec::new();
    let mut ok = 0;
    let mut refused = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let (uri, body) = good(method, path, &jobs);
            let text = body.map(|b| b.to_string()).unwrap_or_default();
            let reply = send(&sim, token_req(&method.to_uppercase(), &uri, &text)).await;
            if reply.status == 200 {
                ok += 1;
            } else {
                refused.push(format!("{method} {uri}: {}", reply.text()));
            }
            for e in mismatches(&doc, op, &reply) {
                failures.push(format!("{method} {uri}: {e}"));
            }
            if op.get("requestBody").is_some() {
                let empty = send(&sim, token_req(&method.to_uppercase(), &uri, "{}")).await;
                for e in mismatches(&doc, op, &empty) {
                    failures.push(format!("{method} {uri} with {{}}: {e}"));
                }
            }
            let anonymous = send(
                &sim,
                axum::http::Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&uri)
                    .body(axum::body::Body::empty())
                    .unwrap_or_default(),
            )
            .await;
            assert_eq!(anonymous.status, 401, "{method} {uri} without a token");
            for e in mismatches(&doc, op, &anonymous) {
                failures.push(format!("{method} {uri} without a token: {e}"));
            }
            operations += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(operations, 22, "TaurusDB serves 22 operations");
    // The batch (with delay) holds ORDERS, so its single upgrade is 409; the cancels name a
    // job that is not there: the other 19 succeed.
    assert_eq!(ok, 19, "{refused:#?}");
    assert!(
        refused[0].contains("db-upgrade") && refused[0].contains("DBS.200019"),
        "{refused:#?}"
    );
}
