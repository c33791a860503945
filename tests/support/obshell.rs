//! Request builders shared by the obshell tests, signed with the conformance crate's
//! independent client pieces (`upgrade_conformance::auth::obshell`: RSA in the SDK's 53-byte
//! chunks, AES-128-CBC), never with the simulator's own auth code. The agent's public key is
//! fetched once the way the SDK gets it, `GET /api/v1/secret` on a listening simulator.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use upgrade_conformance::auth::obshell::{aes_encrypt, public_key, rsa_chunks, State};
use upgrade_conformance::auth::Http;

/// The pinned wall clock (2026-01-01T00:00:00Z) in seconds, for auth expiries.
pub const WALL: i64 = 1_767_225_600;
/// The default scenario's root password.
pub const PASSWORD: &str = "sim-password";

/// The agent's public key, as the harness's client keeps it.
fn agent() -> &'static State {
    static AGENT: OnceLock<State> = OnceLock::new();
    AGENT.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("runtime: {e}"));
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .unwrap_or_else(|e| panic!("bind: {e}"));
                let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
                let sim = super::default_sim();
                tokio::spawn(upgrade_sim::serve(sim, listener, std::future::pending()));
                let http = Http::new(&format!("http://{addr}")).unwrap_or_else(|e| panic!("{e}"));
                let key = public_key(&http)
                    .await
                    .unwrap_or_else(|e| panic!("GET /api/v1/secret: {e:#}"));
                State {
                    scheme: None,
                    key: Some(key),
                }
            })
        })
        .join()
        .unwrap_or_else(|_| panic!("fetching the agent's public key failed"))
    })
}

/// Seals `plain` with the agent's key, base64 (what goes in `X-OCS-Auth` / `X-OCS-Header` /
/// `X-OCS-File-SHA256`).
pub fn seal(plain: &str) -> String {
    let key = agent()
        .key
        .as_ref()
        .unwrap_or_else(|| panic!("no agent key"));
    let sealed = rsa_chunks(key, plain.as_bytes()).unwrap_or_else(|e| panic!("{e:#}"));
    base64(&sealed)
}

/// `X-OCS-Auth`: `{"password": …, "ts": <int>}` (Python's json.dumps spacing).
pub fn v1_header(password: &str, ts: i64) -> String {
    seal(&format!(
        "{{\"password\": {}, \"ts\": {ts}}}",
        Value::from(password)
    ))
}

/// `X-OCS-Header` for `uri` (path + query) and, if there is a body, the body encrypted with
/// AES-128-CBC under `keys` (16-byte key ‖ 16-byte IV), base64, as the SDK sends it.
pub fn v2_header(
    password: &str,
    ts: &str,
    uri: &str,
    keys: [u8; 32],
    body: Option<&[u8]>,
) -> (String, Option<String>) {
    let header = format!(
        "{{\"auth\": {}, \"ts\": {}, \"uri\": {}, \"keys\": {}}}",
        Value::from(password),
        Value::from(ts),
        Value::from(uri),
        Value::from(base64(&keys))
    );
    let (mut key, mut iv) = ([0u8; 16], [0u8; 16]);
    key.copy_from_slice(&keys[..16]);
    iv.copy_from_slice(&keys[16..]);
    let enc = body.map(|b| base64(&aes_encrypt(&key, &iv, b)));
    (seal(&header), enc)
}

/// A v1-authenticated request (plain JSON body).
pub fn v1(method: &str, uri: &str, body: Option<&Value>) -> Request<Body> {
    let text = body.map(Value::to_string).unwrap_or_default();
    raw_v1(method, uri, &text)
}

/// A v1-authenticated request with a body sent as it is.
pub fn raw_v1(method: &str, uri: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("X-OCS-Auth", v1_header(PASSWORD, WALL + 60))
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// `POST uri` v1-authenticated with a body sent as it is.
pub fn post_raw_v1(uri: &str, body: &str) -> Request<Body> {
    raw_v1("POST", uri, body)
}

/// `POST uri` v2-authenticated with a body sent as it is (AES-encrypted, as the SDK does).
pub fn post_raw_v2(uri: &str, body: &str) -> Request<Body> {
    v2_with(
        "POST",
        uri,
        Some(body.as_bytes()),
        PASSWORD,
        &(WALL + 60).to_string(),
    )
}

/// `POST /api/v1/task/dag/12` (the first upgrade's DAG) with `operator`, v2-authenticated
/// (what both profiles offer).
pub fn dag_operator(operator: &str) -> Request<Body> {
    let body = serde_json::json!({ "operator": operator });
    v2("POST", "/api/v1/task/dag/12", Some(&body))
}

/// A v2-authenticated request (AES-encrypted body), with a chosen password and expiry.
pub fn v2_with(
    method: &str,
    uri: &str,
    body: Option<&[u8]>,
    password: &str,
    ts: &str,
) -> Request<Body> {
    let (h, enc) = v2_header(password, ts, uri, [7u8; 32], body);
    Request::builder()
        .method(method)
        .uri(uri)
        .header("X-OCS-Header", h)
        .body(enc.map_or(Body::empty(), Body::from))
        .unwrap_or_default()
}

/// A v2-authenticated request with the default password, valid for a minute.
pub fn v2(method: &str, uri: &str, body: Option<&Value>) -> Request<Body> {
    let text = body.map(Value::to_string);
    v2_with(
        method,
        uri,
        text.as_deref().map(str::as_bytes),
        PASSWORD,
        &(WALL + 60).to_string(),
    )
}

/// Standard base64 with padding (the tests' crate has no base64 dependency of its own).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_standard_alphabet_with_padding() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
}
