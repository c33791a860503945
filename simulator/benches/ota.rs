//! OTA at scale: for a fleet of 100,000 and one of 1,000,000 agents, load the scenario, create
//! a graduated plan over every agent (batchSize 1,000, concurrency 100) through the HTTP
//! router, run it to completion under stepped virtual time, and GET it (summary view mid-run,
//! `?view=full` after). Each size runs in its own child process so its peak memory (VmHWM
//! from /proc/self/status) is its own; the allocator is the one `serve` uses (mimalloc),
//! wrapped to count the live heap, so each phase prints its RSS and the heap it holds.
//! Run: `cargo bench -p upgrade-sim --bench ota` (`OTA_BENCH_AGENTS=N` runs one size).

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use upgrade_sim::{router, Scenario, Sim, SimOptions};

#[global_allocator]
static ALLOC: Counting = Counting;

/// mimalloc, counting the bytes live on the heap (and their peak) so that each phase can say
/// how much of its RSS is live data and how much the allocator's retained pages.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed straight to mimalloc; the counters only add and subtract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let live = LIVE.fetch_add(new_size, Relaxed) + new_size;
        PEAK.fetch_max(live, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

const SIZES: [usize; 2] = [100_000, 1_000_000];

fn peak_memory_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

/// A line of /proc/self/status, in kB (VmHWM: the peak; VmRSS: now).
fn status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// At one moment: RSS and its peak (kB), the live heap and its peak (bytes).
struct Mem(u64, u64, usize, usize);

impl Mem {
    fn now() -> Self {
        let rss = status_kb("VmRSS:").unwrap_or_default();
        let peak = peak_memory_kb().unwrap_or_default();
        Self(rss, peak, LIVE.load(Relaxed), PEAK.load(Relaxed))
    }
}

impl std::fmt::Display for Mem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = |kb: u64| kb as f64 / 1024.0;
        let heap = |b: usize| b as f64 / (1024.0 * 1024.0);
        write!(
            f,
            "RSS {:.1} (peak {:.1}), heap {:.1} (peak {:.1}) MB",
            mb(self.0),
            mb(self.1),
            heap(self.2),
            heap(self.3)
        )
    }
}

async fn call(sim: &Sim, req: Request<Body>) -> (u16, axum::body::Bytes) {
    let resp = router(sim.clone())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (status, body)
}

/// Sends `req` and reads the answer's body as a client does, chunk by chunk, keeping only
/// its length (a streamed answer is never held whole on either side).
async fn call_len(sim: &Sim, req: Request<Body>) -> (u16, usize) {
    let resp = router(sim.clone())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status().as_u16();
    let mut body = resp.into_body();
    let mut len = 0;
    while let Some(Ok(frame)) = body.frame().await {
        len += frame.data_ref().map_or(0, |d| d.len());
    }
    (status, len)
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

/// The create body over `agents` agents, written as text (no JSON tree in the bench either).
fn create_body(agents: usize) -> String {
    let mut ids = String::with_capacity(agents * 16);
    for n in 1..=agents {
        if n > 1 {
            ids.push(',');
        }
        ids.push_str(&format!("\"agent-{n:07}\""));
    }
    format!(
        "{{\"name\":\"fleet {agents}\",\"fromVersion\":\"1.2.0\",\"toVersion\":\"1.3.0\",\"toRelease\":\"221\",\"agentIds\":[{ids}],\"batchSize\":1000,\"failureThreshold\":0.5,\"concurrency\":100,\"observeDuration\":\"1m\"}}"
    )
}

fn plan_state(sim: &Sim) -> (String, usize) {
    let w = sim.lock();
    let p = &w.vendor::<upgrade_sim::vendors::ota::Model>().plans[0];
    (p.state.to_string(), p.current_batch)
}

async fn one_size(agents: usize) {
    let yaml = format!(
        "name: ota-bench\nseed: 1\njournal: {{capacity: 100000}}\nota:\n  fleet:\n    generate:\n      - {{prefix: agent-, count: {agents}, digits: 7}}\n  task_duration: {{min: 30s, max: 90s}}\n"
    );
    let t = Instant::now();
    let scenario = Scenario::parse(&yaml, "bench").unwrap_or_else(|e| panic!("{e}"));
    let sim = Sim::new(scenario, SimOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    let load = t.elapsed();
    let loaded = Mem::now();

    let body = create_body(agents);
    let body_mb = body.len() as f64 / 1e6;
    let t = Instant::now();
    let (status, created) = call(
        &sim,
        req("POST", "/api/v1/lifecycle/upgrade-plans", Some(body)),
    )
    .await;
    let create = t.elapsed();
    let created_mem = Mem::now();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&created));
    let created: Value = serde_json::from_slice(&created).unwrap_or_default();
    let id = created["id"].as_str().unwrap_or_default().to_string();
    drop(created);
    let path = format!("/api/v1/lifecycle/upgrade-plans/{id}");
    let batches = agents / 1000;

    // Step virtual time in 10-minute strides; halfway, time a few GETs of the plan.
    let t = Instant::now();
    let mut get_mid: Option<(Duration, usize)> = None;
    let mut steps = 0;
    loop {
        sim.advance(10 * 60_000).unwrap_or_else(|e| panic!("{e}"));
        steps += 1;
        let (state, current) = plan_state(&sim);
        if get_mid.is_none() && current >= batches / 2 {
            let g = Instant::now();
            let mut size = 0;
            for _ in 0..20 {
                let (s, b) = call(&sim, req("GET", &path, None)).await;
                assert_eq!(s, 200);
                size = b.len();
            }
            get_mid = Some((g.elapsed() / 20, size));
        }
        if state == "completed" {
            break;
        }
        assert!(steps < 1_000_000, "the plan never completed");
    }
    let run = t.elapsed();
    let ran = Mem::now();
    let virtual_end = sim.lock().core.now();
    let (get, get_size) = get_mid.unwrap_or_default();
    let g = Instant::now();
    let (_, full_len) = call_len(&sim, req("GET", &format!("{path}?view=full"), None)).await;
    let full_get = g.elapsed();
    let got = Mem::now();

    println!("ota bench: plan over {agents} agents, batchSize 1000, concurrency 100, observe 1m");
    println!("  scenario load (fleet build, twice: validate + run): {load:?}");
    println!("  create (POST, {body_mb:.1} MB body): {create:?}");
    println!(
        "  run to completed: {run:?} wall for {} of virtual time ({steps} advance calls of 10m)",
        upgrade_sim::kernel::clock::format_duration(virtual_end)
    );
    println!("  GET plan mid-run (summary view, {get_size} bytes): {get:?} per call (mean of 20)");
    println!(
        "  GET plan ?view=full after the run ({full_len} bytes, read chunk by chunk): {full_get:?}"
    );
    println!("  memory after the load: {loaded}");
    println!("  memory after the create: {created_mem}");
    println!("  memory after the run: {ran}");
    println!("  memory after the full GET: {got}");
    match peak_memory_kb() {
        Some(kb) => println!("  peak memory (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("  peak memory: /proc/self/status not available"),
    }
}

fn main() {
    if let Some(n) = std::env::var("OTA_BENCH_AGENTS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .block_on(one_size(n));
        return;
    }
    // One child process per size: each one's VmHWM is its own.
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    for n in SIZES {
        let status = std::process::Command::new(&exe)
            .env("OTA_BENCH_AGENTS", n.to_string())
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "the {n}-agent run failed");
    }
}
