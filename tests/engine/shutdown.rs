//! Graceful shutdown (issue 17, "Build" 3): when `serve` is told to stop (Ctrl-C, SIGTERM) it
//! stops accepting at once, lets the requests in flight finish within the grace period, and
//! drops what is still running after it. Over a real socket with tokio's clock paused, so an
//! injected latency stands in for a slow request without waiting for it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use upgrade_sim::server::{serve_on, ConnectionLimits, Listeners};

use crate::support::sim_from;

/// A server whose every `/v3/` answer takes `latency`, and the switch that stops it.
async fn slow_server(
    latency: &str,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let sim = sim_from(&format!(
        "name: slow\nhttp_faults:\n  - route: /v3/**\n    latency: {{fixed: {latency}}}\n"
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let listeners = Listeners {
        http: Some(listener),
        limits: ConnectionLimits {
            grace: Duration::from_secs(5),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = tokio::spawn(serve_on(sim, listeners, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

async fn slow_request(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /v3/p/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    stream
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_a_request_in_flight_finishes_and_new_connections_are_refused() {
    let (addr, stop, server) = slow_server("3s").await;
    let mut stream = slow_request(addr).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop.send(());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("APIGW.0101"), "the whole answer: {answer}");
    tokio::time::timeout(Duration::from_secs(1), server)
        .await
        .expect("the server stops once its last request is answered")
        .expect("join")
        .expect("serve");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_slower_than_the_grace_period_is_dropped_and_the_server_still_stops() {
    let (addr, stop, server) = slow_server("60s").await;
    let mut stream = slow_request(addr).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stopping = tokio::time::Instant::now();
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server stops after the grace period")
        .expect("join")
        .expect("serve");
    let waited = stopping.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(10),
        "stopped {waited:?} after the signal; the grace period is 5 s"
    );
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(1), stream.read_to_end(&mut rest)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the dropped request's connection is closed, unanswered: {read:?} {rest:?}"
    );
}
