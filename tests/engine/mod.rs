//! The engine and admin API, through HTTP.

mod hostile;
mod layering;
mod one_lock;
mod shutdown;
mod state_file;
mod vendor_sources;
mod wire_shapes;

use serde_json::json;

use crate::support::{default_sim, get, post_json, send, sim_from};

#[tokio::test]
async fn health_is_ready_and_names_the_scenario_and_seed() {
    let sim = default_sim();
    let r = send(&sim, get("/_sim/health")).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["scenario"], "default");
    assert_eq!(v["seed"], 42);
}

#[tokio::test]
async fn advancing_the_clock_moves_virtual_time_by_exactly_that_much() {
    let sim = default_sim();
    let r = send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"seconds": 90})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["now_ms"], 90_000);
    let r = send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"duration": "1h30m"})),
    )
    .await;
    assert_eq!(r.json()["now_ms"], 90_000 + 5_400_000);
    assert_eq!(r.json()["now"], "2026-01-01T09:31:30+08:00");
}

#[tokio::test]
async fn a_bad_advance_body_is_refused_with_a_message_that_says_what_to_send() {
    let sim = default_sim();
    let r = send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"seconds": -1})),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"minutes": 1})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("seconds"), "{}", r.text());
}

#[tokio::test]
async fn reset_puts_time_back_to_zero() {
    let sim = default_sim();
    send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"seconds": 5})),
    )
    .await;
    let r = send(&sim, post_json("/_sim/reset", &json!({}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["clock"]["now_ms"], 0);
}

#[tokio::test]
async fn a_scenario_put_at_run_time_replaces_the_running_one() {
    let sim = default_sim();
    let put = axum::http::Request::put("/_sim/scenario")
        .body(axum::body::Body::from("name: other\nseed: 7\n"))
        .unwrap_or_default();
    let r = send(&sim, put).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = send(&sim, get("/_sim/health")).await.json();
    assert_eq!(v["scenario"], "other");
    assert_eq!(v["seed"], 7);
}

#[tokio::test]
async fn a_bad_scenario_put_is_refused_with_the_line_of_the_mistake() {
    let sim = default_sim();
    let put = axum::http::Request::put("/_sim/scenario")
        .body(axum::body::Body::from("name: other\nsede: 7\n"))
        .unwrap_or_default();
    let r = send(&sim, put).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("line 2"), "{}", r.text());
    assert!(r.text().contains("did you mean 'seed'"), "{}", r.text());
    // and the running scenario is untouched
    assert_eq!(
        send(&sim, get("/_sim/health")).await.json()["scenario"],
        "default"
    );
}

#[tokio::test]
async fn the_journal_records_vendor_requests_and_filters_by_sequence() {
    let sim = sim_from("name: j\n");
    send(&sim, get("/v3/nothing-here")).await;
    let all = send(&sim, get("/_sim/journal?kind=request")).await.json();
    let entries = all["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["detail"]["path"], "/v3/nothing-here");
    let last = entries[0]["seq"].as_u64().unwrap_or_default();
    let later = send(&sim, get(&format!("/_sim/journal?since={last}")))
        .await
        .json();
    assert_eq!(later["entries"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_malformed_journal_query_gets_a_400_naming_the_filters() {
    let sim = default_sim();
    let r = send(&sim, get("/_sim/journal?since=yesterday")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("since=SEQ"), "{}", r.text());
}

#[tokio::test]
async fn an_unknown_admin_route_is_a_404_that_lists_the_real_ones() {
    let sim = default_sim();
    let r = send(&sim, get("/_sim/nope")).await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("clock/advance"));
}
