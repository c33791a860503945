//! The fleet OTA service end to end: the doc's request example verbatim, plans running batch
//! by batch on virtual time, auto-pause at the failure threshold, resume, cancel, retry,
//! domain faults, every invalid input, and the big-plan summary view.

mod create_bodies;
mod props;

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

use crate::support::ota::{authed, PLANS};
use crate::support::{default_sim, send, sim_from, Reply};
use upgrade_sim::Sim;

const CURL: &str = include_str!("../../fixtures/ota/create-graduated-plan.curl.sh");
const DOC_RESPONSE: &str = include_str!("../../fixtures/ota/create-graduated-plan.response.json");

async fn get_json(sim: &Sim, path: &str) -> Value {
    let r = send(sim, authed("GET", path, None)).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    r.json()
}

async fn create(sim: &Sim, body: &Value) -> Value {
    let r = send(sim, authed("POST", PLANS, Some(body))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

async fn plan(sim: &Sim, id: &Value) -> Value {
    get_json(sim, &format!("{PLANS}/{}", id.as_str().unwrap_or_default())).await
}

async fn op(sim: &Sim, id: &Value, what: &str) -> Reply {
    let path = format!("{PLANS}/{}/{what}", id.as_str().unwrap_or_default());
    send(sim, authed("POST", &path, None)).await
}

/// Creates a plan, runs the clock until nothing is left to do, and answers the plan then.
async fn create_and_run(sim: &Sim, body: &Value) -> Value {
    let v = create(sim, body).await;
    run_until_idle(sim);
    plan(sim, &v["id"]).await
}

/// A JSON string's text ("" for anything else).
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn run_until_idle(sim: &Sim) {
    sim.run_until_idle().unwrap_or_else(|e| panic!("{e}"));
}

/// A fleet of `count` agents fleet-0001... at 1.2.0/215, plus extra scenario lines.
fn fleet_yaml(count: usize, extra: &str) -> String {
    format!(
        "name: ota-test\nseed: 7\nota:\n  fleet:\n    generate:\n      - {{prefix: fleet-, count: {count}}}\n  task_duration: {{min: 30s, max: 60s}}\n{extra}"
    )
}

fn ids(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|n| format!("fleet-{n:04}")).collect()
}

fn body_for(agents: &[String], batch: u64, threshold: f64) -> Value {
    json!({"name": "roll", "fromVersion": "1.2.0", "toVersion": "1.3.0", "toRelease": "221",
           "agentIds": agents, "batchSize": batch, "failureThreshold": threshold,
           "concurrency": 4, "observeDuration": "1m"})
}

/// Splits the doc's curl line into its header pairs and its -d body.
fn parse_curl(curl: &str) -> (Vec<(String, String)>, String) {
    let parts: Vec<&str> = curl.split('\'').collect();
    let mut headers = Vec::new();
    let mut body = String::new();
    for i in (1..parts.len()).step_by(2) {
        let flag = parts[i - 1].trim();
        if flag.ends_with("-H") {
            if let Some((k, v)) = parts[i].split_once(": ") {
                headers.push((k.to_string(), v.replace("{token}", "sim-token")));
            }
        } else if flag.ends_with("-d") {
            body = parts[i].to_string();
        }
    }
    (headers, body)
}

/// Every key of `doc` is in `ours` with a value of the same JSON type (arrays: the first
/// element's keys, recursively).
fn assert_shape(doc: &Value, ours: &Value, path: &str) {
    match (doc, ours) {
        (Value::Object(d), Value::Object(o)) => {
            for (k, v) in d {
                let got = o
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} is missing from {ours}"));
                assert_shape(v, got, &format!("{path}.{k}"));
            }
        }
        (Value::Array(d), Value::Array(o)) => {
            if let (Some(d0), Some(o0)) = (d.first(), o.first()) {
                assert_shape(d0, o0, &format!("{path}[0]"));
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        _ => panic!("{path}: doc has {doc}, we sent {ours}"),
    }
}

#[tokio::test]
async fn the_docs_curl_example_sent_verbatim_returns_200_with_the_documented_shape_and_completes() {
    let sim = default_sim();
    let (headers, body) = parse_curl(CURL);
    assert!(body.contains("\"agentIds\":\"item1,item2\""), "{body}");
    let mut req = Request::post(PLANS);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let r = send(&sim, req.body(Body::from(body)).unwrap_or_default()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let doc: Value = serde_json::from_str(DOC_RESPONSE).unwrap_or_default();
    assert_shape(&doc, &v, "");
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "fromVersion",
            "toVersion",
            "fromRelease",
            "toRelease",
            "batches",
            "failureThreshold",
            "concurrency",
            "status",
            "currentBatch",
            "createdBy",
            "createdAt",
            "startedAt",
            "pausedAt",
            "pauseReason",
            "completedAt",
            "sourcePlanUuid",
            "error",
            "observeDuration"
        ]
    );
    assert!(v["id"].as_str().unwrap_or_default().starts_with("plan-"));
    assert_eq!(v["fromRelease"], "215");
    assert_eq!(v["status"], "running");
    assert_eq!(v["batches"][0]["agentIds"], json!(["item1", "item2"]));
    assert_eq!(v["batches"][0]["tasks"][0]["runtimeStatus"], "updating");
    insta::assert_json_snapshot!("doc_example_create_response", v);

    run_until_idle(&sim);
    let done = plan(&sim, &v["id"]).await;
    assert_eq!(done["status"], "completed");
    assert!(done["completedAt"].is_string());
    assert_eq!(done["batches"][0]["status"], "completed");
    for t in done["batches"][0]["tasks"].as_array().into_iter().flatten() {
        assert_eq!(t["status"], "succeeded");
        assert_eq!(t["actualVersion"], "1.3.0");
        assert_eq!(t["actualRelease"], "221");
        assert_eq!(t["runtimeStatus"], "running");
    }
    let agent = get_json(&sim, "/api/v1/lifecycle/agents/item1").await;
    assert_eq!(agent["version"], "1.3.0");
    assert_eq!(agent["release"], "221");
}

#[tokio::test]
async fn an_agent_restarts_part_way_through_its_update_and_reports_the_new_version_after() {
    let sim = sim_from(
        &fleet_yaml(2, "  task_duration: {min: 100s, max: 100s}\n")
            .replace("  task_duration: {min: 30s, max: 60s}\n", ""),
    );
    let v = create(&sim, &body_for(&ids(1..=1), 10, 0.1)).await;
    let status = |v: &Value| v["batches"][0]["tasks"][0]["runtimeStatus"].clone();
    assert_eq!(status(&v), "updating");
    sim.advance(85_000).unwrap_or_default();
    let mid = plan(&sim, &v["id"]).await;
    assert_eq!(status(&mid), "restarting");
    assert_eq!(mid["batches"][0]["tasks"][0]["actualVersion"], "1.2.0");
    sim.advance(15_000).unwrap_or_default();
    let end = plan(&sim, &v["id"]).await;
    assert_eq!(status(&end), "running");
    assert_eq!(end["batches"][0]["tasks"][0]["actualVersion"], "1.3.0");
    assert_eq!(end["status"], "completed");
}

#[tokio::test]
async fn no_more_than_concurrency_tasks_run_at_once_and_batches_wait_for_the_observation_window() {
    let sim = sim_from(&fleet_yaml(20, ""));
    let v = create(&sim, &body_for(&ids(1..=20), 10, 0.1)).await;
    let running = |v: &Value, b: usize| {
        v["batches"][b]["tasks"]
            .as_array()
            .map(|t| t.iter().filter(|t| t["status"] == "running").count())
            .unwrap_or(0)
    };
    assert_eq!(running(&v, 0), 4);
    assert_eq!(v["batches"][1]["status"], "pending");
    // Step a second at a time until batch 0 has ended: never more than 4 at once.
    let mut seconds = 0;
    loop {
        sim.advance(1_000).unwrap_or_default();
        seconds += 1;
        let p = plan(&sim, &v["id"]).await;
        assert!(running(&p, 0) <= 4, "{}", p["batches"][0]);
        if p["batches"][0]["status"] == "observing" {
            break;
        }
        assert!(seconds < 600, "batch 0 never ended");
    }
    sim.advance(59_000).unwrap_or_default();
    let mid = plan(&sim, &v["id"]).await;
    assert_eq!(mid["batches"][0]["status"], "observing");
    assert_eq!(mid["currentBatch"], 0);
    assert_eq!(running(&mid, 1), 0);
    sim.advance(1_000).unwrap_or_default();
    let next = plan(&sim, &v["id"]).await;
    assert_eq!(next["batches"][0]["status"], "completed");
    assert_eq!(next["currentBatch"], 1);
    assert_eq!(running(&next, 1), 4);
}

const THRESHOLD_FAULTS: &str = "  faults:\n    failure_rates:\n      - {batch: 2, rate: 0.9}\n";

#[tokio::test]
async fn a_failure_rate_above_the_threshold_pauses_the_plan_in_that_batch() {
    let sim = sim_from(&fleet_yaml(50, THRESHOLD_FAULTS));
    let v = create(&sim, &body_for(&ids(1..=50), 10, 0.1)).await;
    run_until_idle(&sim);
    let p = plan(&sim, &v["id"]).await;
    let failed: Vec<&Value> = p["batches"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| &b["failedCount"])
        .collect();
    assert_eq!(p["status"], "paused", "failed per batch: {failed:?}");
    assert_eq!(p["pauseReason"], "Failure threshold exceeded");
    assert!(p["pausedAt"].is_string());
    assert_eq!(p["currentBatch"], 2);
    assert!(
        text(&p["error"]).contains("failure threshold"),
        "{}",
        p["error"]
    );
    let statuses: Vec<&str> = p["batches"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| b["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        statuses,
        ["completed", "completed", "paused", "pending", "pending"]
    );
    assert_eq!(p["batches"][0]["failedCount"], 0);
    assert!(p["batches"][2]["failedCount"].as_u64().unwrap_or(0) >= 3);
    // Running tasks finished after the pause; nothing new started.
    let tasks = p["batches"][2]["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(tasks.iter().all(|t| t["status"] != "running"));
    assert!(
        tasks.iter().any(|t| t["status"] == "pending"),
        "the pause stopped new starts"
    );
    assert!(p["batches"][3]["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|t| t["status"] == "pending"));
}

#[tokio::test]
async fn resume_goes_on_from_where_it_stopped_and_retry_upgrades_the_failed_agents() {
    let extra = "  faults:\n    failing_agents:\n      - {agent: fleet-0013, error: \"upgrade failed: checksum mismatch\"}\n";
    let sim = sim_from(&fleet_yaml(30, extra));
    let v = create(&sim, &body_for(&ids(1..=30), 10, 0.05)).await;
    run_until_idle(&sim);
    let p = plan(&sim, &v["id"]).await;
    assert_eq!(p["status"], "paused");
    assert_eq!(p["currentBatch"], 1);
    assert_eq!(p["batches"][1]["failedCount"], 1);

    let r = op(&sim, &v["id"], "resume").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "running");
    assert_eq!(r.json()["pausedAt"], Value::Null);
    assert_eq!(r.json()["pauseReason"], Value::Null);
    run_until_idle(&sim);
    let p = plan(&sim, &v["id"]).await;
    assert_eq!(p["status"], "completed");
    assert_eq!(p["batches"][2]["status"], "completed");
    let failed = get_json(&sim, "/api/v1/lifecycle/agents/fleet-0013").await;
    assert_eq!(failed["version"], "1.2.0");

    let r = op(&sim, &v["id"], "retry").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let retry = r.json();
    let uuid = v["id"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("plan-");
    assert_eq!(retry["sourcePlanUuid"], uuid);
    assert_eq!(retry["batches"][0]["agentIds"], json!(["fleet-0013"]));
    assert_ne!(retry["id"], v["id"]);
    run_until_idle(&sim);
    assert_eq!(plan(&sim, &retry["id"]).await["status"], "completed");
    let agent = get_json(&sim, "/api/v1/lifecycle/agents/fleet-0013").await;
    assert_eq!(agent["version"], "1.3.0");
}

async fn failed_agents(seed: u64) -> Vec<String> {
    let yaml = fleet_yaml(40, "  faults:\n    failure_rates: [{rate: 0.3}]\n")
        .replace("seed: 7", &format!("seed: {seed}"));
    let sim = sim_from(&yaml);
    let v = create(&sim, &body_for(&ids(1..=40), 10, 1.0)).await;
    run_until_idle(&sim);
    let p = plan(&sim, &v["id"]).await;
    assert_eq!(p["status"], "completed");
    let mut out = Vec::new();
    for b in p["batches"].as_array().into_iter().flatten() {
        for (i, t) in b["tasks"].as_array().into_iter().flatten().enumerate() {
            if t["status"] == "failed" {
                out.push(b["agentIds"][i].as_str().unwrap_or_default().to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn the_same_seed_fails_the_same_agents_every_time() {
    let a = failed_agents(11).await;
    let b = failed_agents(11).await;
    assert!(!a.is_empty());
    assert_eq!(a, b);
    assert_ne!(a, failed_agents(12).await);
}

fn doc_body() -> Value {
    json!({"name":"Upgrade agents to v1.3.0","fromVersion":"1.2.0","toVersion":"1.3.0","toRelease":"221","agentIds":"item1,item2","batchSize":10,"failureThreshold":0.1,"concurrency":5,"createdBy":"admin","observeDuration":"value"})
}

#[tokio::test]
async fn every_invalid_input_gets_a_400_naming_the_field() {
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("name", Value::Null, "name", "name is required"),
        ("agentIds", json!(""), "agentIds", "at least one agent"),
        ("agentIds", json!([]), "agentIds", "at least one agent"),
        (
            "agentIds",
            json!("item1,ghost"),
            "agentIds",
            "unknown agent ghost",
        ),
        (
            "fromVersion",
            json!("1.1.0"),
            "fromVersion",
            "runs version 1.2.0, not fromVersion 1.1.0",
        ),
        (
            "toVersion",
            json!("1.2.0"),
            "toVersion",
            "must be higher than fromVersion",
        ),
        (
            "toVersion",
            json!("1.1.9"),
            "toVersion",
            "must be higher than fromVersion",
        ),
        (
            "failureThreshold",
            json!(1.5),
            "failureThreshold",
            "between 0 and 1",
        ),
        (
            "failureThreshold",
            json!(-0.1),
            "failureThreshold",
            "between 0 and 1",
        ),
        ("concurrency", json!(0), "concurrency", "at least 1"),
        ("batchSize", json!(0), "batchSize", "at least 1"),
        ("batchSize", json!("ten"), "batchSize", "must be a number"),
        (
            "observeDuration",
            json!("5 parsecs"),
            "observeDuration",
            "not a duration",
        ),
        (
            "observeDuration",
            json!("-5m"),
            "observeDuration",
            "not a duration",
        ),
        (
            "toRelease",
            Value::Null,
            "toRelease",
            "toRelease is required",
        ),
    ];
    let sim = default_sim();
    for (field, value, want_field, want_msg) in cases {
        let mut body = doc_body();
        if value.is_null() {
            body.as_object_mut().map(|o| o.remove(field));
        } else {
            body[field] = value.clone();
        }
        let r = send(&sim, authed("POST", PLANS, Some(&body))).await;
        assert_eq!(r.status, 400, "{field}={value}: {}", r.text());
        let e = r.json();
        assert_eq!(e["field"], want_field, "{field}={value}: {e}");
        assert_eq!(e["code"], "INVALID_ARGUMENT");
        assert!(
            e["message"].as_str().unwrap_or_default().contains(want_msg),
            "{field}={value}: {e}"
        );
    }
    let r = send(
        &sim,
        Request::post(PLANS)
            .header("authorization", "Bearer sim-token")
            .body(Body::from("{not json"))
            .unwrap_or_default(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "body");
    // None of them created a plan.
    assert_eq!(get_json(&sim, PLANS).await["total"], 0);
}

#[tokio::test]
async fn a_request_without_or_with_a_wrong_token_gets_401_and_unknown_paths_stay_404() {
    let sim = default_sim();
    let no_auth = send(&sim, crate::support::post_json(PLANS, &doc_body())).await;
    assert_eq!(no_auth.status, 401);
    assert!(text(&no_auth.json()["message"]).contains("Bearer"));
    insta::assert_json_snapshot!("error_body_401", no_auth.json());
    for header in ["Bearer nope", "Basic c2ltLXRva2Vu", "sim-token"] {
        let r = send(
            &sim,
            Request::get(PLANS)
                .header("authorization", header)
                .body(Body::empty())
                .unwrap_or_default(),
        )
        .await;
        assert_eq!(r.status, 401, "{header}");
        assert_eq!(r.json()["code"], "UNAUTHENTICATED");
    }
    let r = send(&sim, crate::support::get("/api/v1/lifecycle/nothing-here")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], "NOT_FOUND");
}

#[tokio::test]
async fn an_unknown_plan_is_404_and_an_agent_in_an_active_plan_is_409() {
    let sim = default_sim();
    let r = send(
        &sim,
        authed(
            "GET",
            &format!("{PLANS}/plan-00000000-0000-0000-0000-000000000000"),
            None,
        ),
    )
    .await;
    assert_eq!(r.status, 404);
    insta::assert_json_snapshot!("error_body_404", r.json());
    let r = send(
        &sim,
        authed("POST", &format!("{PLANS}/plan-nope/pause"), None),
    )
    .await;
    assert_eq!(r.status, 404);

    let first = create(&sim, &doc_body()).await;
    let r = send(&sim, authed("POST", PLANS, Some(&doc_body()))).await;
    assert_eq!(r.status, 409, "{}", r.text());
    let e = r.json();
    assert_eq!(e["field"], "agentIds");
    assert!(
        text(&e["message"]).contains(first["id"].as_str().unwrap_or_default()),
        "{e}"
    );
    insta::assert_json_snapshot!("error_body_409", e);
    run_until_idle(&sim);
    // Once the first plan is done, the agents (now at 1.3.0) can take a plan to 1.4.0.
    let mut next = doc_body();
    next["fromVersion"] = json!("1.3.0");
    next["toVersion"] = json!("1.4.0");
    create(&sim, &next).await;
}

#[tokio::test]
async fn illegal_operations_are_refused_with_409_and_say_why() {
    let sim = default_sim();
    let v = create(&sim, &doc_body()).await;
    let r = op(&sim, &v["id"], "resume").await;
    assert_eq!(r.status, 409);
    assert!(text(&r.json()["message"]).contains("is running, not paused"));
    let r = op(&sim, &v["id"], "retry").await;
    assert_eq!(r.status, 409);
    assert_eq!(op(&sim, &v["id"], "pause").await.status, 200);
    let r = op(&sim, &v["id"], "pause").await;
    assert_eq!(r.status, 409);
    assert!(text(&r.json()["message"]).contains("already paused"));
    assert_eq!(op(&sim, &v["id"], "resume").await.status, 200);
    run_until_idle(&sim);
    for what in ["pause", "resume", "cancel"] {
        let r = op(&sim, &v["id"], what).await;
        assert_eq!(r.status, 409, "{what} on a completed plan");
        assert!(
            text(&r.json()["message"]).contains("completed"),
            "{}",
            r.text()
        );
    }
    let r = op(&sim, &v["id"], "retry").await;
    assert_eq!(r.status, 409);
    assert!(text(&r.json()["message"]).contains("no failed agents"));
}

#[tokio::test]
async fn a_manual_pause_keeps_its_reason_and_stops_new_tasks_while_running_ones_finish() {
    let sim = sim_from(&fleet_yaml(10, ""));
    let v = create(&sim, &body_for(&ids(1..=10), 10, 0.1)).await;
    let path = format!("{PLANS}/{}/pause", v["id"].as_str().unwrap_or_default());
    let r = send(
        &sim,
        authed("POST", &path, Some(&json!({"reason": "change freeze"}))),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["pauseReason"], "change freeze");
    assert_eq!(r.json()["batches"][0]["status"], "paused");
    run_until_idle(&sim);
    let p = plan(&sim, &v["id"]).await;
    let tasks = p["batches"][0]["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        tasks.iter().filter(|t| t["status"] == "succeeded").count(),
        4
    );
    assert_eq!(tasks.iter().filter(|t| t["status"] == "pending").count(), 6);
    op(&sim, &v["id"], "resume").await;
    run_until_idle(&sim);
    assert_eq!(plan(&sim, &v["id"]).await["status"], "completed");
}

#[tokio::test]
async fn cancel_ends_the_plan_unstarted_tasks_never_run_and_running_ones_finish() {
    let sim = sim_from(&fleet_yaml(20, ""));
    let v = create(&sim, &body_for(&ids(1..=20), 10, 0.1)).await;
    let r = op(&sim, &v["id"], "cancel").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "cancelled");
    run_until_idle(&sim);
    let p = plan(&sim, &v["id"]).await;
    assert_eq!(p["status"], "cancelled");
    let tasks: Vec<Value> = p["batches"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["tasks"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        tasks.iter().filter(|t| t["status"] == "succeeded").count(),
        4
    );
    assert_eq!(
        tasks.iter().filter(|t| t["status"] == "cancelled").count(),
        16
    );
    assert_eq!(p["batches"][1]["status"], "cancelled");
    // The cancelled agents are free for a new plan.
    create(&sim, &body_for(&ids(5..=20), 10, 0.1)).await;
}

#[tokio::test]
async fn an_agent_that_goes_offline_mid_update_fails_its_task_and_reports_offline() {
    let extra =
        "  faults:\n    offline_agents:\n      - {agent: fleet-0002, after: 10s, for: 5m}\n";
    let sim = sim_from(&fleet_yaml(4, extra));
    let v = create(&sim, &body_for(&ids(1..=4), 10, 1.0)).await;
    sim.advance(11_000).unwrap_or_default();
    let agent = get_json(&sim, "/api/v1/lifecycle/agents/fleet-0002").await;
    assert_eq!(agent["runtimeStatus"], "offline");
    let p = plan(&sim, &v["id"]).await;
    assert_eq!(p["batches"][0]["tasks"][1]["status"], "failed");
    assert_eq!(p["batches"][0]["tasks"][1]["runtimeStatus"], "offline");
    assert!(text(&p["error"]).contains("went offline"));
    run_until_idle(&sim);
    let agent = get_json(&sim, "/api/v1/lifecycle/agents/fleet-0002").await;
    assert_eq!(agent["runtimeStatus"], "running");
    assert_eq!(agent["version"], "1.2.0");
    assert_eq!(plan(&sim, &v["id"]).await["status"], "completed");
}

#[tokio::test]
async fn a_hanging_batch_holds_the_plan_until_cancelled_or_timed_out() {
    let sim = sim_from(&fleet_yaml(
        4,
        "  faults:\n    hanging_batches: [{batch: 1}]\n",
    ));
    let p = create_and_run(&sim, &body_for(&ids(1..=4), 2, 0.1)).await;
    assert_eq!(p["status"], "running");
    assert_eq!(p["currentBatch"], 1);
    assert_eq!(p["batches"][1]["tasks"][0]["status"], "running");
    op(&sim, &p["id"], "cancel").await;
    let p = plan(&sim, &p["id"]).await;
    assert_eq!(p["batches"][1]["tasks"][0]["status"], "cancelled");

    let timed = sim_from(&fleet_yaml(
        4,
        "  task_timeout: 10m\n  faults:\n    hanging_batches: [{batch: 1}]\n",
    ));
    let p = create_and_run(&timed, &body_for(&ids(1..=4), 2, 1.0)).await;
    assert_eq!(p["status"], "completed");
    assert_eq!(p["batches"][1]["failedCount"], 2);
    assert!(text(&p["error"]).contains("upgrade failed: timeout"));
}

#[tokio::test]
async fn a_plan_over_thousands_of_agents_is_answered_in_summary_view_unless_asked_for_all() {
    let sim = sim_from(&fleet_yaml(3000, ""));
    let v = create(&sim, &body_for(&ids(1..=3000), 100, 0.1)).await;
    assert_eq!(v["view"], "summary");
    assert_eq!(v["taskCounts"]["total"], 3000);
    assert_eq!(v["batches"].as_array().map(Vec::len), Some(30));
    assert_eq!(v["batches"][0]["tasks"].as_array().map(Vec::len), Some(100));
    assert_eq!(v["batches"][5]["tasks"], json!([]));
    assert_eq!(v["batches"][5]["taskCounts"]["pending"], 100);
    let id = v["id"].as_str().unwrap_or_default();
    let b5 = get_json(&sim, &format!("{PLANS}/{id}?batch=5")).await;
    assert_eq!(b5["batches"][5]["agentIds"][0], "fleet-0501");
    let full = get_json(&sim, &format!("{PLANS}/{id}?view=full")).await;
    assert!(full.get("view").is_none());
    assert_eq!(
        full["batches"][29]["tasks"].as_array().map(Vec::len),
        Some(100)
    );
    let r = send(&sim, authed("GET", &format!("{PLANS}/{id}?batch=30"), None)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "batch");
}

#[tokio::test]
async fn plans_and_agents_can_be_listed_filtered_and_paged() {
    let sim = default_sim();
    let v = create(&sim, &doc_body()).await;
    let list = get_json(&sim, &format!("{PLANS}?status=running")).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], v["id"]);
    assert_eq!(
        get_json(&sim, &format!("{PLANS}?status=paused")).await["total"],
        0
    );
    let r = send(
        &sim,
        authed("GET", &format!("{PLANS}?status=sleeping"), None),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "status");
    let agents = get_json(&sim, "/api/v1/lifecycle/agents?pageSize=10&page=2").await;
    assert_eq!(agents["total"], 302);
    assert_eq!(agents["items"].as_array().map(Vec::len), Some(10));
    assert_eq!(agents["items"][0]["id"], "agent-0009");
    let updating = get_json(&sim, "/api/v1/lifecycle/agents?runtimeStatus=updating").await;
    assert_eq!(updating["total"], 2);
    assert_eq!(updating["items"][0]["planId"], v["id"]);
    let r = send(&sim, authed("GET", "/api/v1/lifecycle/agents/ghost", None)).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn an_injected_http_fault_uses_the_ota_error_body() {
    let r = upgrade_sim::vendors::ota::error_response(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "slow down",
    );
    assert_eq!(r.status(), 429);
    let body = http_body_util::BodyExt::collect(r.into_body())
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(
        v,
        json!({"status": 429, "code": "RATE_LIMITED", "message": "slow down", "field": null})
    );
}
