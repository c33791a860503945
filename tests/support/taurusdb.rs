//! Request builders shared by the taurusdb tests: token requests, and requests signed the way
//! huaweicloudsdkcore signs them, with the conformance crate's independent client
//! (`upgrade_conformance::auth::huawei`), never with the simulator's own auth code.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use upgrade_conformance::auth::huawei;
use upgrade_sim::Sim;

use super::{send, Reply};

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

/// The headers the SDK sends and signs, in its order.
pub fn sdk_headers(date: &str) -> Vec<(String, String)> {
    [
        ("content-type", "application/json;charset=utf-8"),
        ("host", "127.0.0.1:18080"),
        ("user-agent", "huaweicloud-usdk-python/3.0; test-agent"),
        ("x-project-id", PROJECT),
        ("x-sdk-date", date),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `headers` plus the Authorization the SDK computes for them, signed for `signed_method`.
pub fn request_signed_as(
    signed_method: &str,
    method: &str,
    uri: &str,
    headers: &[(String, String)],
    body: &[u8],
    (ak, sk, date): (&str, &str, &str),
) -> Request<Body> {
    let auth = huawei::authorization(ak, sk, date, signed_method, uri, headers, body);
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.header("authorization", auth)
        .body(Body::from(body.to_vec()))
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
    request_signed_as(
        method,
        method,
        uri,
        &sdk_headers(date),
        body.as_bytes(),
        (ak, sk, date),
    )
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

/// The batch upgrade with the token.
pub async fn post_batch(sim: &Sim, body: &str) -> Reply {
    send(sim, token_req("POST", &batch_uri(), body)).await
}

/// An instance's kernel version against the latest.
pub async fn database_version(sim: &Sim, id: &str) -> Value {
    read(
        sim,
        &format!("/v3/{PROJECT}/instances/{id}/database-version"),
    )
    .await
    .json()
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

/// The kernel version an instance runs.
pub async fn kernel_version(sim: &Sim, id: &str) -> Value {
    instance(sim, id).await["datastore"]["kernel_version"].clone()
}

/// The single-instance upgrade with the token.
pub async fn upgrade_one(sim: &Sim, id: &str, body: &str) -> Reply {
    let uri = format!("/v3/{PROJECT}/instances/{id}/db-upgrade");
    send(sim, token_req("POST", &uri, body)).await
}

/// `GET /jobs?id=`'s job.
pub async fn show_job(sim: &Sim, id: &str) -> Value {
    read(sim, &format!("/v3/{PROJECT}/jobs?id={id}"))
        .await
        .json()["job"]
        .clone()
}

/// `DELETE /scheduled-jobs` of one job.
pub async fn cancel_scheduled(sim: &Sim, job_id: &str) -> Reply {
    let body = serde_json::json!({"job_ids": [job_id]}).to_string();
    send(
        sim,
        token_req("DELETE", &format!("/v3/{PROJECT}/scheduled-jobs"), &body),
    )
    .await
}

pub async fn immediate_jobs(sim: &Sim) -> Value {
    read(sim, &format!("/v3/{PROJECT}/immediate-jobs"))
        .await
        .json()
}
