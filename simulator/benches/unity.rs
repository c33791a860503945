//! Unity benchmark: what a storops-style client costs the simulator.
//!
//! 1. Authenticated collection GETs (Basic auth + X-EMC-REST-CLIENT, `fields` and `filter`,
//!    compact) per second, through the whole router without a socket.
//! 2. Instance GETs of a running upgrade session with every field (tasks, intervals,
//!    percentComplete computed from the clock) per second.
//! 3. Whole upgrade runs: create (pauseBeforeReboot), step the clock a minute at a time,
//!    resume at the pause, step to Upgrade_Completed, on a fresh world each time.
//!
//! Run with `cargo bench -p upgrade-sim --bench unity`.

use std::time::Instant;

use axum::body::Body;
use axum::http::{Method, Request};
use upgrade_sim::{router, Scenario, Sim, SimOptions};

mod support;

const AUTH: &str = "Basic YWRtaW46UGFzc3dvcmQxMjMj";

fn sim() -> Sim {
    Sim::new(
        Scenario::embedded_default().expect("default scenario"),
        SimOptions::default(),
    )
    .expect("sim")
}

fn req(method: Method, path: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("x-emc-rest-client", "true")
        .header("authorization", AUTH)
        .header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("emc-csrf-token", t);
    }
    b.body(Body::empty()).expect("request")
}

/// The answer's status, its CSRF token header and its body.
async fn call(app: &upgrade_sim::http::App, r: Request<Body>) -> (u16, Option<String>, Vec<u8>) {
    let (status, headers, body) = support::call(app, r).await;
    let token = headers
        .get("emc-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, token, body)
}

fn report(name: &str, n: u64, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {n} in {secs:.3}s = {:.0}/s ({:.1} us each)",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let s = sim();
    let app = router(s.clone());
    let (_, token, _) = call(&app, req(Method::GET, "/api/types/user/instances", None)).await;
    let token = token.expect("a CSRF token");

    // 1. Collection GETs with fields and filter.
    let path = "/api/types/candidateSoftwareVersion/instances?compact=True&fields=id,version,fullVersion,revision&filter=version%20eq%20%225.3.0%22%20or%20revision%20gt%20100";
    let n = 20_000;
    let started = Instant::now();
    for _ in 0..n {
        let (status, _, _) = call(&app, req(Method::GET, path, None)).await;
        assert_eq!(status, 200);
    }
    report("collection GET (fields + filter)", n, started);

    // 2. Instance GETs of a running session, all fields.
    let (status, _, _) = call(
        &app,
        req(
            Method::POST,
            "/api/types/softwareUpgradeSession/instances?compact=True",
            Some(&token),
        ),
    )
    .await;
    assert_eq!(status, 201);
    s.advance(30 * 60 * 1000).expect("advance");
    let path = "/api/instances/softwareUpgradeSession/Upgrade_5.3.0.120?compact=True&fields=candidate,caption,creationTime,elapsedTime,id,messages,percentComplete,status,tasks,type";
    let started = Instant::now();
    for _ in 0..n {
        let (status, _, _) = call(&app, req(Method::GET, path, None)).await;
        assert_eq!(status, 200);
    }
    report("session instance GET (all fields)", n, started);

    // 3. Whole upgrade runs under stepped time.
    let runs = 200;
    let mut steps = 0u64;
    let started = Instant::now();
    for _ in 0..runs {
        let s = sim();
        let app = router(s.clone());
        let (_, t, _) = call(&app, req(Method::GET, "/api/types/user/instances", None)).await;
        let t = t.expect("token");
        let mut r = req(
            Method::POST,
            "/api/types/softwareUpgradeSession/instances?compact=True",
            Some(&t),
        );
        *r.body_mut() = Body::from(r#"{"pauseBeforeReboot": true}"#);
        assert_eq!(call(&app, r).await.0, 201);
        let status_path =
            "/api/instances/softwareUpgradeSession/Upgrade_5.3.0.120?compact=True&fields=status";
        let mut resumed = false;
        loop {
            s.advance(60_000).expect("advance");
            steps += 1;
            let (code, _, body) = call(&app, req(Method::GET, status_path, None)).await;
            if code == 503 {
                continue; // the primary SP is rebooting
            }
            let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
            match v["content"]["status"].as_u64() {
                Some(6) if !resumed => {
                    let r = req(
                        Method::POST,
                        "/api/instances/softwareUpgradeSession/Upgrade_5.3.0.120/action/resume",
                        Some(&t),
                    );
                    assert_eq!(call(&app, r).await.0, 204);
                    resumed = true;
                }
                Some(2) => break,
                _ => {}
            }
        }
    }
    report(
        "full upgrade run (create, pause, resume, complete)",
        runs,
        started,
    );
    println!("  ({} one-minute clock steps + status polls in all)", steps);
}
