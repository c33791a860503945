//! Request builders shared by the ota tests. The OTA service's auth is a Bearer token
//! (`ota.tokens`, default `sim-token`); the builders write the header themselves, as the
//! conformance crate's client does (`upgrade_conformance::auth::send`, "ota"), and never ask
//! the simulator's auth code.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

/// The plans collection.
pub const PLANS: &str = "/api/v1/lifecycle/upgrade-plans";

/// The default scenario's token.
pub const TOKEN: &str = "sim-token";

/// `method path` with the Bearer token, and `body` as JSON if given.
pub fn authed(method: &str, path: &str, body: Option<&Value>) -> Request<Body> {
    match body {
        Some(v) => authed_bytes(method, path, v.to_string().into_bytes()),
        None => Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap_or_default(),
    }
}

/// `method path` with the Bearer token and a JSON content type over whatever bytes `body` is.
pub fn authed_bytes(method: &str, path: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}
