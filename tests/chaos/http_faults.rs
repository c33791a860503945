//! Each HTTP fault kind, provoked over a real socket and checked from the client's side.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use upgrade_sim::server::{serve_on, Listeners};
use upgrade_sim::Sim;

use crate::support::{get, post_json, send, sim_from};

/// A simulator serving on 127.0.0.1:0; dropped, it stops.
struct Running {
    base: String,
    _stop: oneshot::Sender<()>,
}

async fn serve(sim: &Sim) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = oneshot::channel::<()>();
    let listeners = Listeners {
        http: Some(listener),
        ..Default::default()
    };
    tokio::spawn(serve_on(sim.clone(), listeners, async {
        let _ = rx.await;
    }));
    Running { base, _stop: tx }
}

fn scenario_with(faults: &str) -> Sim {
    sim_from(&format!("name: chaos\nseed: 11\nhttp_faults:\n{faults}"))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

#[tokio::test]
async fn an_error_fault_answers_in_the_vendors_own_error_shape() {
    let sim = scenario_with(
        "  - route: GET /v3/*/jobs\n    error: {status: 503, message: backend down}\n",
    );
    let r = send(&sim, get("/v3/p1/jobs")).await;
    assert_eq!(r.status, 503);
    let expected = upgrade_sim::vendors::taurusdb::error_response(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "backend down",
    );
    let expected = http_body_util::BodyExt::collect(expected.into_body())
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(
        r.body,
        expected.to_vec(),
        "the fault renders the vendor's error body"
    );
    // another route is untouched
    assert_eq!(send(&sim, get("/v3/p1/other")).await.status, 404);
}

#[tokio::test]
async fn a_latency_fault_delays_the_answer_by_the_drawn_amount() {
    let sim = scenario_with("  - route: /v3/**\n    latency: {fixed: 150ms}\n");
    let start = std::time::Instant::now();
    let r = send(&sim, get("/v3/anything")).await;
    assert_eq!(r.status, 404, "the real answer still comes");
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
    let j = send(&sim, get("/_sim/journal?kind=fault")).await.json();
    assert_eq!(j["entries"][0]["detail"]["delay_ms"], 150);
}

#[tokio::test]
async fn a_lognormal_latency_is_drawn_from_the_seed() {
    let yaml = "  - route: /v3/**\n    latency: {lognormal: {median: 10ms, sigma: 0.8}}\n";
    let delays = |sim: Sim| async move {
        let mut out = Vec::new();
        for _ in 0..5 {
            send(&sim, get("/v3/x")).await;
        }
        let j = send(&sim, get("/_sim/journal?kind=fault")).await.json();
        for e in j["entries"].as_array().cloned().unwrap_or_default() {
            out.push(e["detail"]["delay_ms"].as_u64().unwrap_or_default());
        }
        out
    };
    let a = delays(scenario_with(yaml)).await;
    let b = delays(scenario_with(yaml)).await;
    assert_eq!(a.len(), 5);
    assert_eq!(a, b, "same seed, same delays");
    assert!(
        a.iter().any(|d| *d != a[0]),
        "log-normal delays vary: {a:?}"
    );
}

#[tokio::test]
async fn a_reset_fault_drops_the_connection_without_an_answer() {
    let sim = scenario_with("  - route: /v3/**\n    reset: true\n");
    let running = serve(&sim).await;
    let err = client()
        .get(format!("{}/v3/x", running.base))
        .send()
        .await
        .expect_err("a reset connection gives no response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn an_empty_reply_fault_closes_the_connection_without_a_response() {
    let sim = scenario_with("  - route: /v3/**\n    empty_reply: true\n");
    let running = serve(&sim).await;
    let err = client()
        .get(format!("{}/v3/x", running.base))
        .send()
        .await
        .expect_err("no response");
    assert!(
        err.is_request() || err.is_connect() || err.to_string().contains("closed"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_truncate_fault_sends_headers_then_cuts_the_body_short() {
    let sim = scenario_with("  - route: /v3/**\n    truncate: true\n");
    let running = serve(&sim).await;
    let resp = client()
        .get(format!("{}/v3/x", running.base))
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(resp.status(), 404);
    assert!(resp.bytes().await.is_err(), "the body read fails part-way");
}

#[tokio::test]
async fn a_malformed_fault_answers_a_body_that_is_not_json() {
    let sim = scenario_with("  - route: /v3/**\n    malformed: true\n");
    let running = serve(&sim).await;
    let resp = client()
        .get(format!("{}/v3/x", running.base))
        .send()
        .await
        .expect("a response");
    let body = resp.bytes().await.expect("the whole body arrives");
    assert!(serde_json::from_slice::<Value>(&body).is_err());
}

#[tokio::test]
async fn a_dribble_fault_delivers_the_body_in_small_timed_chunks() {
    let sim = scenario_with("  - route: /v3/**\n    dribble: {chunk: 8, every: 30ms}\n");
    let running = serve(&sim).await;
    let mut resp = client()
        .get(format!("{}/v3/x", running.base))
        .send()
        .await
        .expect("a response");
    let mut chunks = 0;
    let mut body = Vec::new();
    while let Some(c) = resp.chunk().await.expect("chunk") {
        assert!(c.len() <= 8, "chunk of {} bytes", c.len());
        body.extend_from_slice(&c);
        chunks += 1;
    }
    assert!(chunks > 2, "{chunks} chunks");
    assert!(
        serde_json::from_slice::<Value>(&body).is_ok(),
        "the body is whole in the end"
    );
}

#[tokio::test]
async fn a_rate_limit_answers_429_in_the_vendor_shape_with_retry_after() {
    let sim = scenario_with("  - route: /v3/**\n    rate_limit: {requests: 2, per: 10s}\n");
    assert_eq!(send(&sim, get("/v3/a")).await.status, 404);
    assert_eq!(send(&sim, get("/v3/a")).await.status, 404);
    let r = send(&sim, get("/v3/a")).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"10"[..])
    );
    // the window is virtual time: step past it and requests pass again
    send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"seconds": 10})),
    )
    .await;
    assert_eq!(send(&sim, get("/v3/a")).await.status, 404);
}

#[tokio::test]
async fn faults_can_be_added_listed_and_removed_while_running() {
    let sim = sim_from("name: live\n");
    let r = send(
        &sim,
        post_json(
            "/_sim/faults",
            &json!({"id": "boom", "route": "/v3/**", "error": {"status": 502}}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(send(&sim, get("/v3/x")).await.status, 502);
    let list = send(&sim, get("/_sim/faults")).await.json();
    assert_eq!(list["faults"][0]["id"], "boom");
    assert_eq!(list["faults"][0]["fired"], 1);
    let del = axum::http::Request::delete("/_sim/faults/boom")
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(send(&sim, del).await.status, 204);
    assert_eq!(send(&sim, get("/v3/x")).await.status, 404);
}

#[tokio::test]
async fn a_bad_live_fault_is_refused_with_what_to_fix() {
    let sim = sim_from("name: live\n");
    let r = send(&sim, post_json("/_sim/faults", &json!({"route": "/v3/**"}))).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("needs one action"), "{}", r.text());
    let r = send(
        &sim,
        post_json("/_sim/faults", &json!({"route": "v3", "reset": true})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("must be a path"), "{}", r.text());
}

#[tokio::test]
async fn every_firing_is_journalled_with_the_fault_and_the_request() {
    let sim = scenario_with("  - id: flaky\n    route: /v3/**\n    error: {status: 500}\n");
    send(&sim, get("/v3/x")).await;
    let j = send(&sim, get("/_sim/journal?kind=fault")).await.json();
    let e = &j["entries"][0];
    assert_eq!(e["vendor"], "taurusdb");
    assert_eq!(e["detail"]["fault"], "flaky");
    assert_eq!(e["detail"]["path"], "/v3/x");
}

/// The same seed and the same requests reproduce the same firings; another seed does not.
#[tokio::test]
async fn the_same_seed_reproduces_the_same_fault_firings() {
    let faults = "  - route: /v3/**\n    probability: 0.4\n    error: {status: 503}\n";
    let pattern = |seed: u64| async move {
        let sim = sim_from(&format!("name: r\nseed: {seed}\nhttp_faults:\n{faults}"));
        let mut statuses = Vec::new();
        for i in 0..40 {
            statuses.push(send(&sim, get(&format!("/v3/x{i}"))).await.status.as_u16());
        }
        statuses
    };
    let a = pattern(5).await;
    assert_eq!(a, pattern(5).await);
    assert_ne!(a, pattern(6).await);
    assert!(a.contains(&503) && a.contains(&404));
}
