//! Issue 11's hot reads through the app without a socket: the router, the chaos layer, the
//! one exchange with the world, the vendor's handler and its journal entry, but no hyper and
//! no kernel. Prints nanoseconds per request for each read (the least of several batches, the
//! reads alternated batch by batch so that all see the same machine), which is what the load
//! benchmark's "server CPU per request" leaves after hyper and the TCP stack take their part.
//! A profile of this binary (`perf record -g` on it) shows the app's own costs without the
//! noise of a second process. Requests are built as scripts/bench-load.sh sends them.
//!
//! Run: `cargo bench -p upgrade-sim --bench hot_reads` (`HOT_READS_BATCHES=N`, default 7;
//! `HOT_READS_ONLY=taurusdb-token` times one read, for a profile of it alone).

use std::time::Instant;

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;
use upgrade_conformance::auth::huawei;
use upgrade_sim::{router, Scenario, Sim, SimOptions, WallClock};

mod support;
use support::call;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROJECT: &str = "054e292c9880d4992f02c0196d3ea468";
const INSTANCE: &str = "6754902da1f447269c6979b0590102a5in07";
const DATE: &str = "20260101T000000Z";
const UNITY_AUTH: &str = "Basic YWRtaW46UGFzc3dvcmQxMjMj";
const BATCH: u32 = 20_000;

type Make = Box<dyn Fn() -> Request<Body>>;

fn get(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder().uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap_or_default()
}

/// A GET signed SDK-HMAC-SHA256 as huaweicloudsdkcore signs one (the wall clock is pinned to
/// the signature's date).
fn signed_get(path: &str) -> Request<Body> {
    let headers = vec![
        ("x-project-id".to_string(), PROJECT.to_string()),
        ("x-sdk-date".to_string(), DATE.to_string()),
    ];
    let auth = huawei::authorization(
        "SIMULATORACCESSKEY00",
        "simulator-secret-key",
        DATE,
        "GET",
        path,
        &headers,
        b"",
    );
    let mut b = Request::builder().uri(path).header("authorization", auth);
    for (k, v) in &headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Body::empty()).unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let scenario =
        Scenario::parse(upgrade_sim::scenario::DEFAULT_SCENARIO, "bench").expect("scenario");
    let wall = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .map(|d| d.to_utc())
        .expect("date");
    let sim = Sim::new(
        scenario,
        SimOptions {
            wall: WallClock::fixed(wall),
            ..SimOptions::default()
        },
    )
    .expect("sim");
    let app = router(sim.clone());

    // The resources the reads need, made as the load benchmark makes them.
    let plan_body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/ota/create-graduated-plan.request.json"
    ))
    .expect("the OTA fixture");
    let create = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/lifecycle/upgrade-plans")
        .header("authorization", "Bearer sim-token")
        .header("content-type", "application/json")
        .body(Body::from(plan_body))
        .unwrap_or_default();
    let (status, _, body) = call(&app, create).await;
    let plan: serde_json::Value = serde_json::from_slice(&body).expect("plan json");
    let plan = plan["data"]["id"]
        .as_str()
        .or(plan["id"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{status}: no plan id in {plan}"));
    let unity = [("authorization", UNITY_AUTH), ("x-emc-rest-client", "true")];
    let (_, headers, _) = call(&app, get("/api/types/user/instances", &unity)).await;
    let csrf = headers
        .get("emc-csrf-token")
        .and_then(|v| v.to_str().ok())
        .expect("a CSRF token")
        .to_string();
    let session = Request::builder()
        .method(Method::POST)
        .uri("/api/types/softwareUpgradeSession/instances")
        .header("authorization", UNITY_AUTH)
        .header("x-emc-rest-client", "true")
        .header("emc-csrf-token", csrf)
        .body(Body::from(r#"{"pauseBeforeReboot": true}"#))
        .unwrap_or_default();
    let (status, _, body) = call(&app, session).await;
    let session: serde_json::Value = serde_json::from_slice(&body).expect("session json");
    let session = session["content"]["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{status}: no session id in {session}"));
    sim.advance(12_000).expect("advance");

    let instance = format!("/v3/{PROJECT}/instances/{INSTANCE}");
    let reads: Vec<(&str, Make)> = vec![
        ("obshell-status", Box::new(|| get("/api/v1/status", &[]))),
        ("ota-plan", {
            let path = format!("/api/v1/lifecycle/upgrade-plans/{plan}");
            Box::new(move || get(&path, &[("authorization", "Bearer sim-token")]))
        }),
        ("taurusdb-token", {
            let path = instance.clone();
            Box::new(move || get(&path, &[("x-auth-token", "sim-token")]))
        }),
        ("taurusdb-aksk", {
            let path = instance.clone();
            Box::new(move || signed_get(&path))
        }),
        ("unity-session", {
            let path = format!("/api/instances/softwareUpgradeSession/{session}");
            Box::new(move || get(&path, &unity))
        }),
    ];
    let only = std::env::var("HOT_READS_ONLY").ok();
    let reads: Vec<_> = reads
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| o == *name))
        .collect();
    for (name, make) in &reads {
        let (status, _, body) = call(&app, make()).await;
        assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&body));
    }
    let batches: u32 = std::env::var("HOT_READS_BATCHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(7);
    let mut best = vec![f64::INFINITY; reads.len()];
    for _ in 0..batches {
        for (i, (_, make)) in reads.iter().enumerate() {
            let requests: Vec<_> = (0..BATCH).map(|_| make()).collect();
            let started = Instant::now();
            for req in requests {
                let resp = app
                    .clone()
                    .oneshot(req)
                    .await
                    .unwrap_or_else(|e| match e {});
                let _ = resp.into_body().collect().await;
            }
            let ns = started.elapsed().as_nanos() as f64 / f64::from(BATCH);
            best[i] = best[i].min(ns);
        }
    }
    println!("through the app, no socket (least of {batches} batches of {BATCH}):");
    for ((name, _), ns) in reads.iter().zip(best) {
        println!("  {name:<16} {:>7.0} ns a request", ns);
    }
}
