//! OBShell figures (a bench binary, never a timed test): `cargo bench -p upgrade-sim --bench obshell`.
//!
//! 1. Requests/s and p99 latency of `GET /api/v1/task/dag/{id}?show_details=True` (v1 auth,
//!    so every request pays the RSA decryption the real server pays) on a real listener on
//!    127.0.0.1:0, with N concurrent keep-alive clients, bounded by count and time.
//! 2. The wall time of a 30-stage rolling upgrade of 3 zones × 100 servers under stepped
//!    virtual time (advance 5 s at a time until the DAG is SUCCEED), and with run-until-idle.

use std::time::{Duration, Instant};

use base64::Engine;
use upgrade_conformance::auth::obshell::{public_key, rsa_chunks};
use upgrade_conformance::auth::Http;
use upgrade_sim::{Scenario, Sim, SimOptions};

mod support;

const CLIENTS: usize = 16;
const PER_CLIENT: usize = 2_500;
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// `X-OCS-Auth` as the SDK seals it (the harness's client pieces, not the simulator's code),
/// with the key the agent serves at `/api/v1/secret`.
async fn auth(base: &str) -> String {
    let http = Http::new(base).expect("client");
    let key = public_key(&http).await.expect("GET /api/v1/secret");
    let ts = chrono::Utc::now().timestamp() + 3600;
    let plain = format!("{{\"password\": \"sim-password\", \"ts\": {ts}}}");
    let sealed = rsa_chunks(&key, plain.as_bytes()).expect("seal");
    base64::engine::general_purpose::STANDARD.encode(sealed)
}

async fn load() {
    let sim = support::obshell_v1_sim();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(upgrade_sim::serve(
        sim.clone(),
        listener,
        std::future::pending(),
    ));
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let header = auth(&base).await;
    let created = http
        .post(format!("{base}/api/v1/agent/upgrade"))
        .header("X-OCS-Auth", &header)
        .body(r#"{"version":"4.2.0.0","release":"20240109191841.el7"}"#)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 200);
    sim.advance(12_000).expect("advance");
    let url = format!("{base}/api/v1/task/dag/12?show_details=True");
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (http, url, header) = (reqwest::Client::new(), url.clone(), header.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(PER_CLIENT);
            for _ in 0..PER_CLIENT {
                if start.elapsed() > TIME_LIMIT {
                    break;
                }
                let t = Instant::now();
                let r = http.get(&url).header("X-OCS-Auth", &header).send().await;
                match r {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(e) => panic!("request failed: {e}"),
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    let elapsed = start.elapsed();
    all.sort();
    let p = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    println!(
        "GET /api/v1/task/dag/12?show_details=True (v1 auth, 9-node DAG, {CLIENTS} clients): \
         {} requests in {:.2}s = {:.0} req/s; p50 {:?}, p99 {:?}, max {:?}",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        p(0.50),
        p(0.99),
        all[all.len() - 1]
    );
    server.abort();
}

fn big_fleet() -> Sim {
    let text = upgrade_sim::scenario::DEFAULT_SCENARIO
        .replace(
            "      - {name: zone1, servers: [{ip: 10.0.0.1, port: 2886, sql_port: 2881}]}\n      - {name: zone2, servers: [{ip: 10.0.0.2, port: 2886, sql_port: 2881}]}\n      - {name: zone3, servers: [{ip: 10.0.0.3, port: 2886, sql_port: 2881}]}\n",
            "      - {name: zone1, servers: 100}\n      - {name: zone2, servers: 100}\n      - {name: zone3, servers: 100}\n",
        );
    let scenario = Scenario::parse(&text, "bench").expect("bench scenario");
    Sim::new(scenario, SimOptions::default()).expect("sim")
}

fn start_rolling(sim: &Sim) {
    let mut w = sim.lock();
    w.apply(
        "obshell",
        "upgrade_ob",
        &serde_json::json!({"version": "4.2.1.1", "release": "101000062023110109.el7", "mode": "rolling"}),
    )
    .expect("rolling upgrade starts");
}

fn rolling() {
    let sim = big_fleet();
    start_rolling(&sim);
    let start = Instant::now();
    let mut steps = 0;
    loop {
        sim.advance(5_000).expect("advance");
        steps += 1;
        let state = sim.lock().snapshot();
        if state["vendors"]["obshell"]["dags"][0]["state"] == "SUCCEED" {
            break;
        }
        assert!(steps < 10_000, "rolling upgrade did not finish");
    }
    let stepped = start.elapsed();
    let sim2 = big_fleet();
    start_rolling(&sim2);
    let start = Instant::now();
    sim2.run_until_idle().expect("idle");
    let idle = start.elapsed();
    println!(
        "30-stage rolling upgrade, 3 zones x 100 servers: {stepped:?} wall for {steps} steps of 5s \
         (snapshot read after each), {idle:?} with run-until-idle"
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(load());
    rolling();
}
