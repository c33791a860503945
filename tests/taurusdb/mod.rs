//! TaurusDB end to end: the doc's example verbatim, SDK-HMAC-SHA256 against the SDK's worked
//! example, every refusal with its code, jobs on stepped time, maintenance-window scheduling,
//! the companion endpoints, timeline faults, and "no 5xx on random input".

mod companions;
mod errors;
mod library;
mod properties;
mod signing;
mod upgrade;

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use upgrade_sim::vendors::taurusdb::{canonical_request, payload_hash, signature, string_to_sign};

use crate::support::{send, Reply};
use upgrade_sim::Sim;

pub const PROJECT: &str = "054e292c9880d4992f02c0196d3ea468";
pub const ORDERS: &str = "6754902da1f447269c6979b0590102a5in07";
pub const BILLING: &str = "3f1c0d2b8e9a4c6d9b7e5a1f2c3d4e5fin07";
pub const CATALOG: &str = "8b2e4f6a1c3d4e5f8a9b0c1d2e3f4a5bin07";
pub const ARCHIVE: &str = "c4d5e6f7a8b94c0d9e1f2a3b4c5d6e7fin07";
pub const AK: &str = "SIMULATORACCESSKEY00";
pub const SK: &str = "simulator-secret-key";
/// The tests' pinned wall clock, as X-Sdk-Date.
pub const NOW: &str = "20260101T000000Z";

/// A request authenticated with the default token.
pub fn token_req(method: &str, uri: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json;charset=utf-8")
        .header("x-auth-token", "sim-token")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// A request signed the way huaweicloudsdkcore signs it.
pub fn signed_req(
    method: &str,
    uri: &str,
    body: &str,
    ak: &str,
    sk: &str,
    date: &str,
) -> Request<Body> {
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (uri, None),
    };
    let headers: Vec<(&str, &[u8])> = vec![
        ("content-type", b"application/json;charset=utf-8"),
        ("host", b"127.0.0.1:18080"),
        ("user-agent", b"huaweicloud-usdk-python/3.0; test-agent"),
        ("x-project-id", PROJECT.as_bytes()),
        ("x-sdk-date", date.as_bytes()),
    ];
    let canonical = canonical_request(
        method,
        path,
        query,
        &headers,
        &payload_hash(body.as_bytes()),
    );
    let sig = signature(sk, &string_to_sign(date, &canonical));
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json;charset=utf-8")
        .header("host", "127.0.0.1:18080")
        .header("user-agent", "huaweicloud-usdk-python/3.0; test-agent")
        .header("x-project-id", PROJECT)
        .header("x-sdk-date", date)
        .header(
            "authorization",
            format!("SDK-HMAC-SHA256 Access={ak}, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature={sig}"),
        )
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

pub fn batch_uri() -> String {
    format!("/v3/{PROJECT}/instances/database-version/upgrade")
}

pub fn batch_body(items: &[(&str, &str)], delay: Value) -> String {
    let infos: Vec<Value> = items
        .iter()
        .map(|(id, v)| serde_json::json!({"current_version": v, "instance_id": id}))
        .collect();
    serde_json::json!({"databases_instance_infos": infos, "delay": delay}).to_string()
}

/// GET with the token.
pub async fn read(sim: &Sim, uri: &str) -> Reply {
    send(sim, token_req("GET", uri, "")).await
}

pub async fn instance(sim: &Sim, id: &str) -> Value {
    read(sim, &format!("/v3/{PROJECT}/instances/{id}"))
        .await
        .json()["instance"]
        .clone()
}

pub async fn immediate_jobs(sim: &Sim) -> Value {
    read(sim, &format!("/v3/{PROJECT}/immediate-jobs"))
        .await
        .json()
}
