//! TaurusDB figures (printed, never asserted): what SDK-HMAC-SHA256 verification costs (a
//! signed GET against the same GET with a token, through the router), how many signed
//! requests per second the router answers, and how long a batch upgrade of 1,000 instances
//! takes to run to completion under stepped virtual time. Requests are signed with the
//! conformance crate's client, as the SDK signs them.
//!
//! Run: `cargo bench -p upgrade-sim --bench taurusdb`

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use upgrade_conformance::auth::huawei;
use upgrade_sim::vendors::taurusdb::state::JobStatus;
use upgrade_sim::{router, Scenario, Sim, SimOptions, WallClock};

const PROJECT: &str = "054e292c9880d4992f02c0196d3ea468";
const AK: &str = "SIMULATORACCESSKEY00";
const SK: &str = "simulator-secret-key";
const DATE: &str = "20260101T000000Z";

fn wall() -> WallClock {
    WallClock::fixed(
        chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|d| d.to_utc())
            .unwrap_or_default(),
    )
}

fn sim(yaml: &str) -> Sim {
    let scenario = Scenario::parse(yaml, "bench").unwrap_or_else(|e| panic!("{e}"));
    Sim::new(
        scenario,
        SimOptions {
            speed: 0.0,
            seed: None,
            wall: wall(),
        },
    )
    .unwrap_or_else(|e| panic!("{e:#}"))
}

fn signed_request(method: &str, uri: &str, body: &str) -> Request<Body> {
    let headers: Vec<(String, String)> = [
        ("content-type", "application/json;charset=utf-8"),
        ("host", "127.0.0.1:18080"),
        ("user-agent", "huaweicloud-usdk-python/3.0; bench"),
        ("x-project-id", PROJECT),
        ("x-sdk-date", DATE),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let auth = huawei::authorization(AK, SK, DATE, method, uri, &headers, body.as_bytes());
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in &headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.header("authorization", auth)
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

fn token_request(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header("x-auth-token", "sim-token")
        .body(Body::empty())
        .unwrap_or_default()
}

/// Seconds the router takes to answer `requests`, all of which must get a 200.
fn answer_all(rt: &tokio::runtime::Runtime, requests: Vec<Request<Body>>) -> f64 {
    let app = router(sim(upgrade_sim::scenario::DEFAULT_SCENARIO));
    let n = requests.len();
    let start = Instant::now();
    let ok = rt.block_on(async {
        let mut ok = 0;
        for req in requests {
            let Ok(resp) = app.clone().oneshot(req).await;
            ok += usize::from(resp.status() == 200);
        }
        ok
    });
    assert_eq!(ok, n, "every request is answered 200");
    start.elapsed().as_secs_f64()
}

fn verification_cost(rt: &tokio::runtime::Runtime) {
    let uri =
        format!("/v3/{PROJECT}/instances/6754902da1f447269c6979b0590102a5in07/database-version");
    let n = 50_000;
    let signed = answer_all(
        rt,
        (0..n).map(|_| signed_request("GET", &uri, "")).collect(),
    );
    let token = answer_all(rt, (0..n).map(|_| token_request(&uri)).collect());
    let each = (signed - token).max(0.0) / n as f64;
    println!(
        "SDK-HMAC-SHA256 verification (signed GET minus token GET, {n} each): {:.2} µs each = {:.0}/s",
        each * 1e6,
        1.0 / each.max(1e-9)
    );
}

fn signed_requests_per_second(rt: &tokio::runtime::Runtime) {
    let sim = sim(upgrade_sim::scenario::DEFAULT_SCENARIO);
    let app = router(sim);
    let uri =
        format!("/v3/{PROJECT}/instances/6754902da1f447269c6979b0590102a5in07/database-version");
    let n = 50_000;
    // Signing is the client's cost: do it before the clock starts.
    let requests: Vec<Request<Body>> = (0..n).map(|_| signed_request("GET", &uri, "")).collect();
    let start = Instant::now();
    let mut ok = 0;
    rt.block_on(async {
        for req in requests {
            let Ok(resp) = app.clone().oneshot(req).await;
            if resp.status() == 200 {
                ok += 1;
            }
        }
    });
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(ok, n, "every signed request is answered 200");
    println!(
        "signed GET database-version through the router (no socket): {n} in {secs:.3}s = {:.0} req/s",
        n as f64 / secs
    );
}

fn batch_of_1000(rt: &tokio::runtime::Runtime) {
    let mut yaml = String::from(
        "name: bench\ntaurusdb:\n  durations: {queue: 5s, upgrade: 10m, per_node: 2m, jitter_percent: 20}\n  projects:\n    - id: 054e292c9880d4992f02c0196d3ea468\n      instances:\n",
    );
    let ids: Vec<String> = (0..1000).map(|i| format!("{i:032x}in07")).collect();
    for id in &ids {
        yaml.push_str(&format!("        - {{id: {id}, version: 2.0.48.231200}}\n"));
    }
    let build = Instant::now();
    let sim = sim(&yaml);
    let built = build.elapsed().as_secs_f64();
    let infos: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"current_version": "2.0.48.231200", "instance_id": id}))
        .collect();
    let body = serde_json::json!({"databases_instance_infos": infos, "delay": false}).to_string();
    let app = router(sim.clone());
    let start = Instant::now();
    let status = rt.block_on(async {
        let req = signed_request(
            "POST",
            &format!("/v3/{PROJECT}/instances/database-version/upgrade"),
            &body,
        );
        app.oneshot(req)
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    });
    let accepted = start.elapsed().as_secs_f64();
    assert_eq!(status, 200);
    let run = Instant::now();
    let mut steps = 0;
    // Stepped time: one virtual minute per step until every job is done.
    loop {
        let done = {
            let w = sim.lock();
            w.vendor::<upgrade_sim::vendors::taurusdb::Model>()
                .jobs
                .iter()
                .all(|j| j.status == JobStatus::Completed)
        };
        if done {
            break;
        }
        let _ = sim.advance(60_000);
        steps += 1;
    }
    let ran = run.elapsed().as_secs_f64();
    let w = sim.lock();
    println!(
        "batch of 1,000 instances: scenario built in {built:.3}s, batch call (signed, 1,000 jobs created) {:.1} ms, \
         run to Completed in {steps} one-minute steps ({} virtual) in {ran:.3}s wall; journal holds {} entries",
        accepted * 1000.0,
        upgrade_sim::kernel::clock::format_duration(w.core.now()),
        w.core.journal.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    verification_cost(&rt);
    signed_requests_per_second(&rt);
    batch_of_1000(&rt);
}
