//! Hostile and careless clients (issue 17): each case reproduces what used to break, stall or
//! expose the simulator, and checks the fixed behaviour. Connection limits are checked over a
//! real socket with tokio's clock paused, so the timeouts elapse without waiting for them.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use upgrade_sim::http::{router_with, AppOptions};
use upgrade_sim::server::{serve_on, ConnectionLimits, Listeners};
use upgrade_sim::Sim;

use crate::support::{call, default_sim, get, post_json, send, sim_from};

#[tokio::test]
async fn a_clock_step_past_the_range_is_refused_and_the_simulator_keeps_serving() {
    let sim = default_sim();
    for body in [
        json!({"seconds": 1e15}),
        json!({"seconds": 1e300}),
        json!({"duration": "400000d"}),
    ] {
        let r = send(&sim, post_json("/_sim/clock/advance", &body)).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert!(r.text().contains("1000 years"), "{}", r.text());
    }
    let r = send(
        &sim,
        post_json("/_sim/clock/speed", &json!({"speed": 1e14})),
    )
    .await;
    assert_eq!(r.status, 405, "speed is a PUT");
    let put = Request::put("/_sim/clock/speed")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"speed": 1e14}"#))
        .unwrap_or_default();
    let r = send(&sim, put).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let health = send(&sim, get("/_sim/health")).await;
    assert_eq!(health.status, 200);
    let clock = send(&sim, get("/_sim/clock")).await.json();
    assert_eq!(clock["now_ms"], 0, "nothing moved: {clock}");
    assert!(clock["now"]
        .as_str()
        .unwrap_or_default()
        .starts_with("2026-"));
}

#[tokio::test]
async fn the_longest_step_allowed_still_leaves_a_printable_clock() {
    let sim = sim_from("name: far\n");
    let r = send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"duration": "365000d"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["now"]
        .as_str()
        .unwrap_or_default()
        .starts_with("3025-"));
    let r = send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"duration": "1000d"})),
    )
    .await;
    assert_eq!(r.status, 400, "past the end of time: {}", r.text());
    assert_eq!(
        send(&sim, get("/v3/nothing")).await.status,
        404,
        "still serving"
    );
}

#[tokio::test]
async fn a_deeply_nested_scenario_is_refused_at_once_and_the_old_one_stays() {
    let sim = default_sim();
    let deep = format!(
        "name: deep\nseed: {}1{}\n",
        "[".repeat(120_000),
        "]".repeat(120_000)
    );
    assert!(deep.len() > 234_000);
    let started = std::time::Instant::now();
    let put = Request::put("/_sim/scenario")
        .body(Body::from(deep))
        .unwrap_or_default();
    let r = send(&sim, put).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("line 2") && r.text().contains("at most 64 levels"),
        "{}",
        r.text()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused before parsing"
    );
    assert_eq!(
        send(&sim, get("/_sim/health")).await.json()["scenario"],
        "default"
    );
}

#[tokio::test]
async fn a_scenario_body_over_the_limit_is_refused_from_its_content_length() {
    let sim = default_sim();
    let put = Request::put("/_sim/scenario")
        .header("content-length", (64 * 1024 * 1024).to_string())
        .body(Body::empty())
        .unwrap_or_default();
    let r = send(&sim, put).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(r.text().contains("at most 8388608 bytes"), "{}", r.text());
}

#[tokio::test]
async fn the_scenario_shows_no_secret_unless_asked() {
    let sim = default_sim();
    let masked = send(&sim, get("/_sim/scenario")).await.text();
    for secret in [
        "sim-password",
        "simulator-secret-key",
        "sim-token",
        "Password123#",
    ] {
        assert!(!masked.contains(secret), "{secret} is shown:\n{masked}");
    }
    assert!(masked.contains("***"));
    let shown = send(&sim, get("/_sim/scenario?secrets=show")).await.text();
    assert!(shown.contains("sim-password"), "asked for explicitly");
    let r = send(&sim, get("/_sim/scenario?secrets=please")).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn with_an_admin_token_the_admin_api_needs_it_and_vendors_do_not() {
    let sim = default_sim();
    let app = router_with(
        sim,
        AppOptions {
            admin_token: Some("t0ken".into()),
            ..Default::default()
        },
    );
    let r = call(&app, get("/_sim/health")).await;
    assert_eq!(r.status, 401);
    assert!(r.headers.contains_key("www-authenticate"));
    let wrong = Request::get("/_sim/health")
        .header("authorization", "Bearer t0ke")
        .body(Body::empty())
        .unwrap_or_default();
    assert_eq!(call(&app, wrong).await.status, 401);
    let right = Request::get("/_sim/credentials")
        .header("authorization", "Bearer t0ken")
        .body(Body::empty())
        .unwrap_or_default();
    let r = call(&app, right).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ota"]["token"], "sim-token");
    assert_eq!(
        call(&app, get("/api/v1/status")).await.status,
        200,
        "vendor routes are open"
    );
}

async fn serve_with(sim: &Sim, limits: ConnectionLimits) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listeners = Listeners {
        http: Some(listener),
        limits,
        ..Default::default()
    };
    tokio::spawn(serve_on(sim.clone(), listeners, std::future::pending()));
    addr
}

/// Reads until the server closes the connection; the bytes it sent on the way.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    out
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let sim = default_sim();
    let limits = ConnectionLimits {
        idle: Duration::from_secs(5),
        ..Default::default()
    };
    let addr = serve_with(&sim, limits).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let opened = tokio::time::Instant::now();
    let got = until_closed(&mut stream).await;
    assert!(got.is_empty());
    let waited = opened.elapsed();
    assert!(waited >= Duration::from_secs(5), "closed after {waited:?}");
    assert!(waited < Duration::from_secs(30), "closed after {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn headers_that_never_finish_are_cut_off() {
    let sim = default_sim();
    let addr = serve_with(&sim, ConnectionLimits::default()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let opened = tokio::time::Instant::now();
    let _ = until_closed(&mut stream).await;
    let waited = opened.elapsed();
    assert!(waited >= Duration::from_secs(10), "closed after {waited:?}");
    assert!(
        waited < Duration::from_secs(60),
        "the header timeout, not the idle one: {waited:?}"
    );
}

/// Reads one response to a GET (headers and a `Content-Length` body) off a keep-alive stream.
async fn one_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.expect("read") == 0 {
            panic!("closed mid-response: {}", String::from_utf8_lossy(&got));
        }
        got.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("a content-length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.expect("body");
    head
}

#[tokio::test(start_paused = true)]
async fn a_keep_alive_connection_in_use_outlives_the_header_read_limit() {
    let sim = default_sim();
    let addr = serve_with(&sim, ConnectionLimits::default()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let opened = tokio::time::Instant::now();
    // A request every 6 s for 36 s: each head arrives within 10 s of the previous answer.
    for _ in 0..6 {
        stream
            .write_all(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let head = one_response(&mut stream).await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        tokio::time::sleep(Duration::from_secs(6)).await;
    }
    assert!(opened.elapsed() >= Duration::from_secs(36));
    // Then it waits for a head that never comes: closed 10 s after the last answer.
    let answered = tokio::time::Instant::now() - Duration::from_secs(6);
    let got = until_closed(&mut stream).await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    let waited = answered.elapsed();
    assert!(
        waited >= Duration::from_secs(10) && waited < Duration::from_secs(12),
        "the header-read limit counts from the last answer: {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_that_never_finishes_does_not_hold_its_connection_forever() {
    let sim = default_sim();
    let addr = serve_with(&sim, ConnectionLimits::default()).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = "PUT /_sim/scenario HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nname: x\n";
    stream.write_all(head.as_bytes()).await.expect("write");
    let opened = tokio::time::Instant::now();
    let got = until_closed(&mut stream).await;
    let waited = opened.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(90),
        "{waited:?}"
    );
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
    assert!(
        text.is_empty() || text.contains("did not arrive whole"),
        "{text}"
    );
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_waits_for_a_free_slot() {
    let sim = default_sim();
    let limits = ConnectionLimits {
        max_connections: 1,
        ..Default::default()
    };
    let addr = serve_with(&sim, limits).await;
    let request = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = TcpStream::connect(addr).await.expect("connect");
    first.write_all(request).await.expect("write");
    let mut buf = [0u8; 12];
    first.read_exact(&mut buf).await.expect("first answered");
    assert_eq!(&buf, b"HTTP/1.1 200");
    let mut second = TcpStream::connect(addr)
        .await
        .expect("connect (the backlog takes it)");
    second.write_all(request).await.expect("write");
    let early = tokio::time::timeout(Duration::from_millis(300), second.read_exact(&mut buf)).await;
    assert!(
        early.is_err(),
        "the second connection is not served while the first holds the slot"
    );
    drop(first);
    tokio::time::timeout(Duration::from_secs(10), second.read_exact(&mut buf))
        .await
        .expect("served once the slot is free")
        .expect("read");
    assert_eq!(&buf, b"HTTP/1.1 200");
}
