//! Request builders shared by the unity tests: a REST client's request as storops sends it
//! (HTTP Basic with the scenario's default user, `X-EMC-REST-CLIENT`, the CSRF token fetched
//! the way storops does), the upload and create calls, and the check of Unity's error body.
//! Nothing here comes from the simulator's own auth code.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use upgrade_sim::Sim;

use super::{send, Reply};

pub const AUTH: &str = "Basic YWRtaW46UGFzc3dvcmQxMjMj"; // admin:Password123#
pub const BAD_AUTH: &str = "Basic YWRtaW46d3Jvbmc="; // admin:wrong
pub const SESSION: &str = "Upgrade_5.3.0.120";

/// A request as a REST client sends it: Basic auth and X-EMC-REST-CLIENT.
pub fn unity(method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "10.0.0.1")
        .header("x-emc-rest-client", "true")
        .header("authorization", AUTH)
}

/// A request with only the REST-client header (no credentials).
pub fn bare(method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "10.0.0.1")
        .header("x-emc-rest-client", "true")
}

pub async fn uget(sim: &Sim, path: &str) -> Reply {
    send(sim, unity(Method::GET, path).body(Body::empty()).unwrap()).await
}

/// The CSRF token, fetched the way storops does.
pub async fn token(sim: &Sim) -> String {
    let r = uget(sim, "/api/types/user/instances").await;
    r.headers["emc-csrf-token"].to_str().unwrap().to_string()
}

/// A POST with the session's CSRF token; `None` sends no body at all (as storops does).
pub async fn upost(sim: &Sim, path: &str, body: Option<Value>) -> Reply {
    let t = token(sim).await;
    let b = unity(Method::POST, path)
        .header("content-type", "application/json")
        .header("emc-csrf-token", t);
    let body = body.map_or(Body::empty(), |v| Body::from(v.to_string()));
    send(sim, b.body(body).unwrap()).await
}

/// VerifyUpgradeEligibility on `type_name`, with `query` (`""` or `?...`).
pub async fn verify(sim: &Sim, type_name: &str, query: &str) -> Reply {
    let path = format!("/api/types/{type_name}/action/verifyUpgradeEligibility{query}");
    upost(sim, &path, None).await
}

pub async fn session(sim: &Sim) -> Value {
    let r = uget(
        sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}?compact=true&fields=status,percentComplete,tasks,elapsedTime,creationTime,messages,candidate"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["content"].clone()
}

pub fn assert_unity_error(r: &Reply, status: u16, code: u32) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    let body = r.json();
    let e = &body["error"];
    assert_eq!(e["errorCode"], json!(code), "{body}");
    assert_eq!(e["httpStatusCode"], json!(status));
    let text = e["messages"][0]["en-US"].as_str().unwrap_or_default();
    assert!(
        text.ends_with(&format!("(Error Code:{code:#x})")),
        "message must end with the code: {text}"
    );
    assert!(e["created"].as_str().is_some_and(|c| c.ends_with('Z')));
}

pub fn advance(sim: &Sim, secs: u64) {
    sim.advance(secs * 1000).unwrap();
}

pub fn multipart(file_name: &str, content: &str) -> (String, Vec<u8>) {
    let boundary = "XyZboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

/// Uploads a file whose content says nothing of what it is (an image the array knows only if
/// the scenario declares it in `unity.images`).
pub async fn upload(sim: &Sim, file_name: &str) -> Reply {
    upload_content(sim, file_name, "GPGDATA").await
}

/// The first line of an image whose content says what it is.
pub fn image_header(version: &str, build: u32, release_date: &str) -> String {
    format!(
        "upgrade-sim-image version={version} build={build} release_date={release_date}\nGPGDATA"
    )
}

pub async fn upload_content(sim: &Sim, file_name: &str, content: &str) -> Reply {
    let t = token(sim).await;
    let (ct, body) = multipart(file_name, content);
    send(
        sim,
        unity(
            Method::POST,
            "/upload/files/types/candidateSoftwareVersion?compact=True",
        )
        .header("content-type", ct)
        .header("emc-csrf-token", t)
        .body(Body::from(body))
        .unwrap(),
    )
    .await
}

pub async fn create(sim: &Sim, body: Value) -> Reply {
    upost(
        sim,
        "/api/types/softwareUpgradeSession/instances?compact=True",
        Some(body),
    )
    .await
}
