//! What every end-to-end test needs: a simulator on a scenario with a pinned wall clock, and
//! a way to call its router without a socket.

#![allow(dead_code)]

pub mod obshell;
pub mod ota;
pub mod taurusdb;
pub mod unity;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use upgrade_sim::{router, Scenario, Sim, SimOptions, WallClock};

/// The wall clock tests run at: 2026-01-01T00:00:00Z, always.
pub fn pinned_wall() -> WallClock {
    WallClock::fixed(
        chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|d| d.to_utc())
            .unwrap_or_default(),
    )
}

/// A simulator on `yaml`, clock stopped, wall clock pinned.
pub fn sim_from(yaml: &str) -> Sim {
    let scenario = Scenario::parse(yaml, "test scenario").unwrap_or_else(|e| panic!("{e}"));
    Sim::new(
        scenario,
        SimOptions {
            speed: 0.0,
            seed: None,
            wall: pinned_wall(),
        },
    )
    .unwrap_or_else(|e| panic!("{e:#}"))
}

/// A simulator on the embedded default scenario.
pub fn default_sim() -> Sim {
    sim_from(upgrade_sim::scenario::DEFAULT_SCENARIO)
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request to the app and reads the whole reply.
pub async fn send(sim: &Sim, req: Request<Body>) -> Reply {
    call(&router(sim.clone()), req).await
}

/// Sends one request to an app built some other way (`router_with`) and reads the reply.
pub async fn call(app: &upgrade_sim::http::App, req: Request<Body>) -> Reply {
    let resp: Response<Body> = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap_or_default()
}

pub fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// A simulator on the default scenario whose wall clock is the system's: for tests whose
/// client signs requests with the real time (Huawei AK/SK, OBShell auth expiry) over a socket.
pub fn default_sim_on_system_clock() -> Sim {
    let scenario = Scenario::parse(upgrade_sim::scenario::DEFAULT_SCENARIO, "default")
        .unwrap_or_else(|e| panic!("{e}"));
    Sim::new(scenario, SimOptions::default()).unwrap_or_else(|e| panic!("{e:#}"))
}

/// An OpenAPI document's schema for one response, resolvable against its components.
pub fn openapi_validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    jsonschema::draft202012::new(&root).expect("the response schema compiles")
}

/// The reply to operation `op` of `doc` (`what`: method and URI) has a documented status, and
/// its body passes that response's schema (or is empty where the response has no content).
pub fn assert_documented(doc: &Value, op: &Value, what: &str, reply: &Reply) {
    let status = reply.status.as_u16().to_string();
    let response = &op["responses"][&status];
    assert!(
        response.is_object(),
        "{what}: status {status} is not documented: {}",
        reply.text()
    );
    match &response["content"]["application/json"]["schema"] {
        Value::Null => assert!(reply.body.is_empty(), "{what}: {}", reply.text()),
        schema => {
            let errors: Vec<String> = openapi_validator(doc, schema)
                .iter_errors(&reply.json())
                .map(|e| format!("{}: {e}", e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{what} ({status}): {errors:?}");
        }
    }
}
