//! The OBShell OpenAPI document (issue 16) against what the simulator serves: an agent upgrade
//! and an OB upgrade driven through the authenticated routes (v2-sealed, as the SDK signs),
//! the package routes, the task reads and operators, and each route unauthenticated; every
//! answer must be a documented status of its documented operation and pass that status's
//! schema. Where an operation builds its answer by hand (ob info, the package and log rows),
//! this is what ties the document's mirror struct to the served JSON. Every operation of the
//! document is exercised.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use upgrade_sim::Sim;

use super::current_sim;
use super::packages::{new_upload_request, rpm_fixture, upload_request};
use crate::support::obshell::{seal, v2, v2_with, PASSWORD, WALL};
use crate::support::{assert_documented, send, Reply};

struct Checker {
    doc: Value,
    sim: Sim,
    seen: BTreeSet<(String, String)>,
}

impl Checker {
    /// Sends `req` and checks its answer against the operation `method path` (a template).
    async fn check(&mut self, method: &str, path: &str, req: Request<Body>) -> Reply {
        let op = self.doc["paths"][path][method].clone();
        assert!(op.is_object(), "{method} {path} is not documented");
        let what = format!("{method} {}", req.uri());
        let reply = send(&self.sim, req).await;
        assert_documented(&self.doc, &op, &what, &reply);
        self.seen.insert((method.to_string(), path.to_string()));
        reply
    }

    /// A v2-signed `POST path`, checked.
    async fn post(&mut self, path: &str, body: &Value) -> Reply {
        self.v2("post", path, path, Some(body)).await
    }

    /// A v2-signed `POST path` that must make a DAG; its generic id.
    async fn start(&mut self, path: &str, body: &Value) -> String {
        let r = self.post(path, body).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let id = r.json()["data"]["id"].as_str().map(str::to_string);
        id.unwrap_or_else(|| panic!("{path}: no DAG id: {}", r.text()))
    }

    /// A v2-signed request, checked.
    async fn v2(&mut self, method: &str, path: &str, uri: &str, body: Option<&Value>) -> Reply {
        self.check(method, path, v2(&method.to_uppercase(), uri, body))
            .await
    }
}

const LISTS: [&str; 8] = [
    "/api/v1/task/dag/maintain/agent",
    "/api/v1/task/dag/maintain/ob",
    "/api/v1/task/dag/maintain/agents",
    "/api/v1/task/dag/unfinish",
    "/api/v1/task/dag/ob/unfinish",
    "/api/v1/task/dag/agent/unfinish",
    "/api/v1/task/dags/ob",
    "/api/v1/task/dags/agent",
];

/// Every list query, with and without details.
async fn lists(c: &mut Checker) {
    for path in LISTS {
        c.v2("get", path, path, None).await;
        c.v2("get", path, &format!("{path}?show_details=false"), None)
            .await;
    }
}

/// `GET /api/v1/task/{kind}/{id}` (and `suffix`), which must answer 200; its data.
async fn read(c: &mut Checker, kind: &str, id: &str, suffix: &str) -> Value {
    let template = suffix.split('?').next().unwrap_or_default();
    let path = format!("/api/v1/task/{kind}/{{id}}{template}");
    let uri = format!("/api/v1/task/{kind}/{id}{suffix}");
    let r = c.v2("get", &path, &uri, None).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.text());
    r.json()["data"].clone()
}

fn first_id(data: &Value, list: &str) -> String {
    data[list][0]["id"].as_str().unwrap_or_default().to_string()
}

/// A DAG's reads: the DAG, a node, a sub task and its logs; the generic id of its first node.
async fn reads(c: &mut Checker, dag: &str) -> String {
    let node = first_id(&read(c, "dag", dag, "").await, "nodes");
    read(c, "dag", dag, "?show_details=false").await;
    let task = first_id(&read(c, "node", &node, "").await, "sub_tasks");
    // HEAD's handler panics without details: a documented 500.
    let brief = format!("/api/v1/task/node/{node}?show_details=false");
    c.v2("get", "/api/v1/task/node/{id}", &brief, None).await;
    read(c, "sub_task", &task, "").await;
    read(c, "sub_task", &task, "/logs").await;
    node
}

#[tokio::test]
async fn an_agent_and_an_ob_upgrade_answer_in_the_documented_shapes() {
    let doc = upgrade_sim::openapi::document("obshell").expect("OBShell has a document");
    let mut c = Checker {
        doc,
        sim: current_sim(""),
        seen: BTreeSet::new(),
    };
    for path in ["/api/v1/info", "/api/v1/status", "/api/v1/secret"] {
        let r = c.check("get", path, crate::support::get(path)).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let post_status = Request::post("/api/v1/status").body(Body::empty());
    c.check("post", "/api/v1/status", post_status.unwrap_or_default())
        .await;
    for path in ["/api/v1/ob/info", "/api/v1/agents/status"] {
        let r = c.v2("get", path, path, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    lists(&mut c).await;

    // The agent upgrade: a bad body, its check, the upgrade, the reads as it runs.
    let agent = json!({"version": "4.2.0.0", "release": "20240109191841.el7"});
    for path in ["/api/v1/agent/upgrade/check", "/api/v1/agent/upgrade"] {
        let bad = c.post(path, &json!({"version": 1})).await;
        assert_eq!(bad.status, 400, "{}", bad.text());
    }
    c.start("/api/v1/agent/upgrade/check", &agent).await;
    c.sim.advance(600_000).unwrap();
    let dag = c.start("/api/v1/agent/upgrade", &agent).await;
    // A second one while the first holds the maintenance lock: a documented 500.
    let locked = c.post("/api/v1/agent/upgrade", &agent).await;
    assert_eq!(locked.status, 500, "{}", locked.text());
    c.sim.advance(30_000).unwrap();
    reads(&mut c, &dag).await;
    lists(&mut c).await;
    c.sim.advance(3_600_000).unwrap();
    let node = reads(&mut c, &dag).await;

    // The operators: a DAG's (unknown, out-of-state and missing ones refused), a node's PASS.
    for (kind, id) in [("dag", &dag), ("node", &node)] {
        let path = format!("/api/v1/task/{kind}/{{id}}");
        let uri = format!("/api/v1/task/{kind}/{id}");
        for body in [
            json!({"operator": "NOPE"}),
            json!({"operator": "PASS"}),
            json!({}),
        ] {
            c.v2("post", &path, &uri, Some(&body)).await;
        }
    }
    // Unknown and malformed ids.
    for id in ["1999", "x"] {
        for kind in ["dag", "node", "sub_task"] {
            let uri = format!("/api/v1/task/{kind}/{id}");
            c.v2("get", &format!("/api/v1/task/{kind}/{{id}}"), &uri, None)
                .await;
        }
    }

    // The OB upgrade: its check, a body without the required keys, the upgrade, the reads,
    // a CANCEL.
    let ob = json!({"version": "4.2.1.1", "release": "101000062023110109.el7", "mode": "rolling"});
    c.start("/api/v1/ob/upgrade/check", &ob).await;
    c.sim.advance(3_600_000).unwrap();
    let bad = c.post("/api/v1/ob/upgrade", &json!({})).await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    let dag = c.start("/api/v1/ob/upgrade", &ob).await;
    c.sim.advance(60_000).unwrap();
    reads(&mut c, &dag).await;
    lists(&mut c).await;
    let uri = format!("/api/v1/task/dag/{dag}");
    let cancel = json!({"operator": "CANCEL"});
    // (Refused while a node that cannot be cancelled runs: a documented 400.)
    c.v2("post", "/api/v1/task/dag/{id}", &uri, Some(&cancel))
        .await;

    // The packages: a sealed upload, HEAD's plain one, the list, deletes.
    let rpm = rpm_fixture("oceanbase-ce-4.3.0.0-100000042024030300.el7.x86_64.rpm");
    let uri = "/api/v1/upgrade/package";
    for bytes in [&rpm[..], b"not an rpm"] {
        let r = c.check("post", uri, upload_request(bytes)).await;
        assert_eq!(r.status == 200, bytes == &rpm[..], "{}", r.text());
    }
    let sum = "0d5539d9e5ee87bed1aa5d8204653136fc41dd83ca5262f995d9091343924121";
    for sum in [sum, "0"] {
        let req = new_upload_request(&rpm, Some(&seal(sum)));
        let r = c.check("post", "/api/v1/package", req).await;
        assert_eq!(r.status == 200, sum != "0", "{}", r.text());
    }
    let info = "/api/v1/upgrade/package/info";
    let r = c.v2("get", info, info, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    for id in ["4", "0", "info"] {
        let uri = format!("/api/v1/upgrade/package/{id}");
        let r = c
            .v2("delete", "/api/v1/upgrade/package/{id}", &uri, None)
            .await;
        assert_eq!(r.status == 200, id == "4", "{uri}: {}", r.text());
    }

    // Every authenticated operation refuses a request without the header (HEAD: 400
    // `Request.Header.NotFound`) and one whose header expired (401), as documented.
    let paths = c.doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op["security"] == json!([]) {
                continue;
            }
            let uri = path.replace("{id}", "12");
            let m = method.to_uppercase();
            let bare = Request::builder()
                .method(m.as_str())
                .uri(&uri)
                .body(Body::empty());
            let r = c.check(method, path, bare.unwrap_or_default()).await;
            assert_eq!(r.status, 400, "{method} {uri}: {}", r.text());
            assert_eq!(r.json()["error"]["errCode"], "Request.Header.NotFound");
            let expired = v2_with(&m, &uri, None, PASSWORD, &(WALL - 60).to_string());
            let r = c.check(method, path, expired).await;
            assert_eq!(r.status, 401, "{method} {uri}: {}", r.text());
        }
    }
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(m, _)| (m.clone(), p.clone()))
        })
        .collect();
    assert_eq!(
        c.seen, documented,
        "every documented operation is exercised"
    );
    assert_eq!(documented.len(), 28);
}
