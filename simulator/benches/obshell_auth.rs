//! How the v1-authenticated OBShell read spends its time (a bench binary, never a timed test):
//! `cargo bench -p upgrade-sim --bench obshell_auth`.
//!
//! 1. The RSA-1024 PKCS#1 v1.5 decryption of one `X-OCS-Auth` block with the agent's key, as
//!    the simulator calls it (`RsaPrivateKey::decrypt`: CRT values precomputed when the key is
//!    parsed, no blinding), and the `rsa` crate's other options for comparison: blinded
//!    (`decrypt_blinded`, which needs an rng) and without the CRT values.
//! 2. The AES-128-CBC decryption of a small v2 body (the v1 read has none; for scale).
//! 3. Through the router without a socket, one request at a time: the unauthenticated
//!    `GET /api/v1/status`, and `GET /api/v1/task/dag/{id}?show_details=True` with a v1 header;
//!    the second minus the RSA decryption is "the rest" of its path.
//! 4. The same authenticated read from one thread and from one thread per core, each with its
//!    own client, to show whether the decryption runs outside the world's lock.

use std::time::{Duration, Instant};

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use http_body_util::BodyExt;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use tower::ServiceExt;

mod support;

const KEY_PEM: &str = include_str!("../assets/obshell-agent-key.pem");

/// Runs `f` for about `budget` and returns the mean time of one call.
fn time(budget: Duration, mut f: impl FnMut()) -> Duration {
    for _ in 0..10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        for _ in 0..10 {
            f();
        }
        n += 10;
    }
    start.elapsed() / n
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn v1_header(key: &RsaPrivateKey) -> (String, Vec<u8>) {
    let ts = chrono::Utc::now().timestamp() + 3600;
    let plain = format!("{{\"password\": \"sim-password\", \"ts\": {ts}}}");
    let sealed = key
        .to_public_key()
        .encrypt(
            &mut rsa::rand_core::OsRng,
            Pkcs1v15Encrypt,
            plain.as_bytes(),
        )
        .expect("seal");
    (
        base64::engine::general_purpose::STANDARD.encode(&sealed),
        sealed,
    )
}

fn crypto(key: &RsaPrivateKey, sealed: &[u8]) {
    let budget = Duration::from_secs(2);
    let plain = time(budget, || {
        key.decrypt(Pkcs1v15Encrypt, sealed).expect("decrypt");
    });
    let blinded = time(budget, || {
        key.decrypt_blinded(&mut rsa::rand_core::OsRng, Pkcs1v15Encrypt, sealed)
            .expect("decrypt");
    });
    let mut no_crt = key.clone();
    no_crt.clear_precomputed();
    let slow = time(budget, || {
        no_crt.decrypt(Pkcs1v15Encrypt, sealed).expect("decrypt");
    });
    println!(
        "RSA-1024 PKCS#1 v1.5 decrypt of one block: {} as the simulator does it (CRT, no \
         blinding); {} blinded (decrypt_blinded with OsRng); {} without the CRT values",
        us(plain),
        us(blinded),
        us(slow)
    );
    type Enc = cbc::Encryptor<aes::Aes128>;
    type Dec = cbc::Decryptor<aes::Aes128>;
    let (k, iv) = ([7u8; 16], [9u8; 16]);
    let body = br#"{"version":"4.2.0.0","release":"20240109191841.el7"}"#;
    let sealed_body = Enc::new(&k.into(), &iv.into())
        .encrypt_padded_vec_mut::<aes::cipher::block_padding::Pkcs7>(body);
    let aes = time(budget, || {
        let mut data = sealed_body.clone();
        Dec::new(&k.into(), &iv.into())
            .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut data)
            .expect("aes");
    });
    println!(
        "AES-128-CBC decrypt of a {}-byte v2 body: {} (the v1 read carries no body)",
        sealed_body.len(),
        us(aes)
    );
}

fn get(path: &str, auth: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some(a) = auth {
        r = r.header("X-OCS-Auth", a);
    }
    r.body(Body::empty()).expect("request")
}

async fn call(app: &upgrade_sim::http::App, req: Request<Body>) -> usize {
    let resp = app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(resp.status(), 200, "{:?}", resp.headers());
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    body.len()
}

/// Mean time of one request through the router, one at a time.
async fn mean(app: &upgrade_sim::http::App, path: &str, auth: Option<&str>, n: u32) -> Duration {
    for _ in 0..n.min(20) {
        call(app, get(path, auth)).await;
    }
    let start = Instant::now();
    for _ in 0..n {
        call(app, get(path, auth)).await;
    }
    start.elapsed() / n
}

fn main() {
    let key = RsaPrivateKey::from_pkcs1_pem(KEY_PEM).expect("the agent key");
    let (header, sealed) = v1_header(&key);
    crypto(&key, &sealed);

    let sim = support::obshell_v1_sim();
    let app = upgrade_sim::router(sim.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dag = rt.block_on(async {
        let create = Request::post("/api/v1/agent/upgrade")
            .header("X-OCS-Auth", &header)
            .body(Body::from(
                r#"{"version":"4.2.0.0","release":"20240109191841.el7"}"#,
            ))
            .expect("request");
        let resp = app.clone().oneshot(create).await.expect("infallible");
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        match &v["data"]["id"] {
            serde_json::Value::String(id) => id.clone(),
            other => other.to_string(),
        }
    });
    sim.advance(12_000).expect("advance");
    let dag_path = format!("/api/v1/task/dag/{dag}?show_details=True");
    // The read and the bare decryption in alternating batches, so that both see the same
    // machine (it is shared): the difference is the rest of the read's path.
    let (status, read, rsa_beside, size) = rt.block_on(async {
        let size = call(&app, get(&dag_path, Some(&header))).await;
        let status = mean(&app, "/api/v1/status", None, 20_000).await;
        let (mut read, mut rsa) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..40 {
            read += mean(&app, &dag_path, Some(&header), 100).await;
            let t = Instant::now();
            for _ in 0..100 {
                key.decrypt(Pkcs1v15Encrypt, &sealed).expect("decrypt");
            }
            rsa += t.elapsed() / 100;
        }
        (status, read / 40, rsa / 40, size)
    });
    println!(
        "through the router, one at a time: GET /api/v1/status {}; GET {dag_path} with v1 auth \
         ({size} bytes) {} = RSA {} (measured alongside) + the rest {}",
        us(status),
        us(read),
        us(rsa_beside),
        us(read.saturating_sub(rsa_beside))
    );

    // One client per thread, each on its own runtime: if the decryption ran under the world's
    // lock, more threads could not answer more requests.
    let per_thread = 2_000u32;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, cores] {
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                let (app, path, header) = (app.clone(), dag_path.clone(), header.clone());
                s.spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        for _ in 0..per_thread {
                            call(&app, get(&path, Some(&header))).await;
                        }
                    });
                });
            }
        });
        let total = f64::from(per_thread) * threads as f64;
        println!(
            "the v1 read from {threads} thread(s): {:.0} req/s",
            total / start.elapsed().as_secs_f64()
        );
    }
}
