//! A proptest state machine: random sequences of Unity session operations (create, with or
//! without pauseBeforeReboot; resume; cancel; acknowledge; time passing) against the
//! simulator in-process, every observed session status checked against the harness's
//! `unity.session` model (written from the docs, not from the simulator). A failure shrinks
//! to the shortest sequence that shows it.

use super::super::support::{default_sim, send};
use super::vendor_present;
use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;
use upgrade_conformance::report::Coverage;
use upgrade_conformance::runner::Tracker;
use upgrade_sim::Sim;

#[derive(Debug, Clone)]
enum Op {
    Create { pause: bool },
    Advance { minutes: u64 },
    Resume,
    Cancel,
    Acknowledge,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(|pause| Op::Create { pause }),
        (1u64..90).prop_map(|minutes| Op::Advance { minutes }),
        Just(Op::Resume),
        Just(Op::Cancel),
        Just(Op::Acknowledge),
    ]
}

const BASIC: &str = "Basic YWRtaW46UGFzc3dvcmQxMjMj"; // admin:Password123#

/// The simulator in-process, or a running one (UPGRADE_CONFORMANCE_UPSTREAM_UNITY, to try
/// the property against another build).
enum Conn {
    Local(Sim),
    Http(reqwest::Client, String),
}

/// Status, CSRF header and JSON body of an answer.
type Answer = (u16, Option<String>, serde_json::Value);

impl Conn {
    async fn call(&self, method: &str, path: &str, token: &str, body: &str) -> Answer {
        match self {
            Conn::Local(sim) => {
                let r = send(sim, req(method, path, token, body)).await;
                let csrf = r
                    .headers
                    .get("emc-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let json = serde_json::from_slice(&r.body).unwrap_or_default();
                (r.status.as_u16(), csrf, json)
            }
            Conn::Http(client, base) => {
                let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
                let r = client
                    .request(m, format!("{base}{path}"))
                    .header("authorization", BASIC)
                    .header("x-emc-rest-client", "true")
                    .header("content-type", "application/json")
                    .header("emc-csrf-token", token)
                    .body(body.to_string())
                    .send()
                    .await
                    .expect("send");
                let status = r.status().as_u16();
                let csrf = r
                    .headers()
                    .get("emc-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let json = r.json().await.unwrap_or_default();
                (status, csrf, json)
            }
        }
    }

    async fn advance(&self, ms: u64) -> Result<(), String> {
        match self {
            Conn::Local(sim) => sim.advance(ms).map(|_| ()).map_err(|e| e.to_string()),
            Conn::Http(client, base) => client
                .post(format!("{base}/_sim/clock/advance"))
                .json(&serde_json::json!({"seconds": ms / 1000}))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }

    /// A fresh world: the default scenario again.
    async fn fresh(&self) -> Conn {
        match self {
            Conn::Local(_) => Conn::Local(default_sim()),
            Conn::Http(client, base) => {
                let _ = client
                    .put(format!("{base}/_sim/scenario"))
                    .body(upgrade_sim::scenario::DEFAULT_SCENARIO)
                    .send()
                    .await;
                Conn::Http(client.clone(), base.clone())
            }
        }
    }
}

fn req(method: &str, path: &str, token: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", BASIC)
        .header("x-emc-rest-client", "true")
        .header("content-type", "application/json")
        .header("emc-csrf-token", token)
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// Runs `ops`, returning the first way the simulator broke the model (or a 5xx).
async fn play(sim: &Conn, ops: &[Op]) -> Result<(), String> {
    let model = upgrade_conformance::models::get("unity.session").ok_or("no model")?;
    let (_, csrf, _) = sim.call("GET", "/api/types/user/instances", "", "").await;
    let token = csrf.ok_or("no CSRF token")?;
    let mut tracker = Tracker::default();
    let mut cov = Coverage::default();
    let mut session: Option<String> = None;
    for (i, op) in ops.iter().enumerate() {
        let step = format!("op {} {op:?}", i + 1);
        let answer = match (op, &session) {
            (Op::Create { pause }, _) => {
                let (status, _, json) = sim
                    .call(
                        "POST",
                        "/api/types/upgradeSession/instances",
                        &token,
                        &format!("{{\"pauseBeforeReboot\": {pause}}}"),
                    )
                    .await;
                if status == 201 {
                    session = json["content"]["id"].as_str().map(str::to_string);
                }
                Some(status)
            }
            (Op::Advance { minutes }, _) => {
                sim.advance(minutes * 60_000).await?;
                None
            }
            (Op::Resume | Op::Cancel | Op::Acknowledge, Some(id)) => {
                let action = match op {
                    Op::Resume => "resume",
                    Op::Cancel => "cancel",
                    _ => "acknowledge",
                };
                let (status, _, _) = sim
                    .call(
                        "POST",
                        &format!("/api/instances/upgradeSession/{id}/action/{action}"),
                        &token,
                        "",
                    )
                    .await;
                if (200..300).contains(&status) {
                    tracker.performed("unity.session", action);
                }
                Some(status)
            }
            _ => None,
        };
        // 503 is the documented refusal while the primary SP reboots; no other 5xx.
        if let Some(s) = answer {
            if s >= 500 && s != 503 {
                return Err(format!("{step}: answered {s}"));
            }
        }
        if let Some(id) = &session {
            let (code, _, json) = sim
                .call(
                    "GET",
                    &format!("/api/instances/upgradeSession/{id}?compact=true&fields=status"),
                    &token,
                    "",
                )
                .await;
            match code {
                200 => {
                    let status = json["content"]["status"].to_string();
                    tracker.check(model, id, &status, &step, "/content/status", &mut cov)?;
                }
                503 => {}
                other => return Err(format!("{step}: GET session answered {other}")),
            }
        }
    }
    Ok(())
}

#[test]
fn random_unity_session_operations_follow_the_documented_model() {
    let conn = match std::env::var("UPGRADE_CONFORMANCE_UPSTREAM_UNITY") {
        Ok(base) => Conn::Http(reqwest::Client::new(), base),
        Err(_) => {
            let sim = default_sim();
            if !vendor_present(&sim, "unity") {
                eprintln!("unity is not in this build yet");
                return;
            }
            Conn::Local(sim)
        }
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let config = ProptestConfig {
        cases: 40,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..14))| {
        let result = rt.block_on(async {
            let fresh = conn.fresh().await;
            play(&fresh, &ops).await
        });
        prop_assert!(result.is_ok(), "{}", result.err().unwrap_or_default());
    });
}

#[test]
fn the_state_machine_check_catches_a_model_violation() {
    // The checker itself must have teeth: a session seen Completed and then In_Progress
    // with no operation in between is refused, naming both states.
    let model = upgrade_conformance::models::get("unity.session").expect("model");
    let mut t = Tracker::default();
    let mut cov = Coverage::default();
    t.check(model, "s", "2", "op 1", "/content/status", &mut cov)
        .expect("first");
    let e = t
        .check(model, "s", "1", "op 2", "/content/status", &mut cov)
        .expect_err("2 -> 1 is not in the model");
    assert!(e.contains("2 (seen at step 'op 1') → 1"), "{e}");
}
