//! OTA at scale: create a graduated plan over 100,000 agents (batchSize 1,000, concurrency
//! 100) through the HTTP router, then run it to completion under stepped virtual time.
//! Prints create latency, completion wall time, GET-plan latency mid-run and peak memory
//! (VmHWM from /proc/self/status). Run: `cargo bench -p upgrade-sim --bench ota`.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use upgrade_sim::{router, Scenario, Sim, SimOptions};

const AGENTS: usize = 100_000;

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

async fn call(sim: &Sim, req: Request<Body>) -> (u16, Vec<u8>) {
    let resp = router(sim.clone())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    (status, body)
}

fn req(method: &str, path: &str, body: Option<String>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Bearer sim-token")
        .header("content-type", "application/json")
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let yaml = format!(
        "name: ota-bench\nseed: 1\njournal: {{capacity: 100000}}\nota:\n  fleet:\n    generate:\n      - {{prefix: agent-, count: {AGENTS}}}\n  task_duration: {{min: 30s, max: 90s}}\n"
    );
    let t = Instant::now();
    let scenario = Scenario::parse(&yaml, "bench").unwrap_or_else(|e| panic!("{e}"));
    let sim = Sim::new(scenario, SimOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    let load = t.elapsed();

    let ids: Vec<String> = (1..=AGENTS).map(|n| format!("agent-{n:06}")).collect();
    let body = json!({"name": "fleet 100k", "fromVersion": "1.2.0", "toVersion": "1.3.0",
        "toRelease": "221", "agentIds": ids, "batchSize": 1000, "failureThreshold": 0.5,
        "concurrency": 100, "observeDuration": "1m"})
    .to_string();
    let body_mb = body.len() as f64 / 1e6;
    let t = Instant::now();
    let (status, created) = call(
        &sim,
        req("POST", "/api/v1/lifecycle/upgrade-plans", Some(body)),
    )
    .await;
    let create = t.elapsed();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&created));
    let created: Value = serde_json::from_slice(&created).unwrap_or_default();
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/api/v1/lifecycle/upgrade-plans/{id}");

    // Step virtual time in 10-minute strides; halfway, time a few GETs of the plan.
    let t = Instant::now();
    let mut get_mid: Option<(Duration, usize)> = None;
    let mut steps = 0;
    loop {
        sim.advance(10 * 60_000).unwrap_or_else(|e| panic!("{e}"));
        steps += 1;
        let done = sim
            .lock()
            .vendor::<upgrade_sim::vendors::ota::Model>()
            .plans[0]
            .state
            .to_string();
        if get_mid.is_none()
            && sim
                .lock()
                .vendor::<upgrade_sim::vendors::ota::Model>()
                .plans[0]
                .current_batch
                >= 50
        {
            let g = Instant::now();
            let mut size = 0;
            for _ in 0..20 {
                let (s, b) = call(&sim, req("GET", &path, None)).await;
                assert_eq!(s, 200);
                size = b.len();
            }
            get_mid = Some((g.elapsed() / 20, size));
        }
        if done == "completed" {
            break;
        }
        assert!(steps < 100_000, "the plan never completed");
    }
    let run = t.elapsed();
    let virtual_end = sim.lock().core.now();
    let (get, get_size) = get_mid.unwrap_or_default();
    let g = Instant::now();
    let (_, full) = call(&sim, req("GET", &format!("{path}?view=full"), None)).await;
    let full_get = g.elapsed();

    println!("ota bench: plan over {AGENTS} agents, batchSize 1000, concurrency 100, observe 1m");
    println!("  scenario load (fleet build, twice: validate + run): {load:?}");
    println!("  create (POST, {body_mb:.1} MB body): {create:?}");
    println!(
        "  run to completed: {run:?} wall for {} of virtual time ({steps} advance calls of 10m)",
        upgrade_sim::kernel::clock::format_duration(virtual_end)
    );
    println!("  GET plan mid-run (summary view, {get_size} bytes): {get:?} per call (mean of 20)");
    println!(
        "  GET plan ?view=full after the run ({} bytes): {full_get:?}",
        full.len()
    );
    match peak_memory_kb() {
        Some(kb) => println!("  peak memory (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("  peak memory: /proc/self/status not available"),
    }
}
