//! The control API under `/_sim/` (a prefix no vendor uses): health, reset, clock stepping,
//! scenario loading, the journal and a state snapshot. Tests and operators drive the
//! simulator through it instead of sleeping.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::kernel::{clock, JournalQuery, MAX_MILLIS, MAX_SPEED};

use crate::engine::{clock_json, EngineError};
use crate::scenario::{limits, Scenario};
use crate::Sim;

mod guard;
mod secrets;

pub use guard::Guard;

/// The admin router, to be nested under `/_sim`, guarded by `guard`.
pub fn routes(guard: Guard) -> Router<Sim> {
    Router::new()
        .route("/health", get(health))
        .route("/reset", post(reset))
        .route("/clock", get(clock_now))
        .route("/clock/advance", post(advance))
        .route("/clock/run-until-idle", post(run_until_idle))
        .route("/clock/speed", put(set_speed))
        .route("/journal", get(journal))
        .route("/scenario", put(load_scenario).get(get_scenario))
        .route("/credentials", get(credentials))
        .route("/openapi.json", get(openapi))
        .route("/state", get(state))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", axum::routing::delete(remove_fault))
        .route("/actions", post(apply_action))
        .fallback(unknown)
        .layer(axum::middleware::from_fn_with_state(
            guard,
            guard::require_token,
        ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenApiQuery {
    vendor: Option<String>,
}

/// `GET /_sim/openapi.json?vendor=ota`: that vendor's OpenAPI 3.1 document; without `vendor`,
/// every vendor's, under its name.
async fn openapi(
    query: Result<Query<OpenApiQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let vendor = match query {
        Ok(Query(q)) => q.vendor,
        Err(e) => return fail(StatusCode::BAD_REQUEST, format!("{e} (use ?vendor=NAME)")),
    };
    match crate::openapi::documents(vendor.as_deref()) {
        Ok(doc) => Json(doc).into_response(),
        Err(message) => fail(StatusCode::NOT_FOUND, message),
    }
}

/// Admin errors: `{"error": "..."}` with a message that says what to do.
fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

async fn unknown(uri: axum::http::Uri) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        format!(
            "no admin route {}; see README.md (health, reset, clock, clock/advance, \
             clock/run-until-idle, clock/speed, journal, scenario, credentials, state, faults, \
             openapi.json)",
            uri.path()
        ),
    )
}

async fn health(State(sim): State<Sim>) -> Json<Value> {
    let scenario = Scenario::of(&sim);
    let w = sim.lock();
    Json(json!({
        "status": "ready",
        "scenario": scenario.name,
        "seed": w.core.seed,
        "clock": clock_json(&w.core.clock),
    }))
}

async fn reset(State(sim): State<Sim>) -> Response {
    match sim.reset() {
        Ok(()) => Json(json!({"reset": true, "clock": clock_json(&sim.lock().core.clock)}))
            .into_response(),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn clock_now(State(sim): State<Sim>) -> Json<Value> {
    let speed = sim.speed();
    let w = sim.lock();
    let mut v = clock_json(&w.core.clock);
    v["speed"] = json!(speed);
    Json(v)
}

/// `{"seconds": N}` or `{"duration": "5m"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    seconds: Option<f64>,
    duration: Option<String>,
}

fn parse_json<T: for<'de> Deserialize<'de>>(body: &Bytes, example: &str) -> Result<T, Response> {
    let text = if body.iter().all(|b| b.is_ascii_whitespace()) {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(text).map_err(|e| {
        fail(
            StatusCode::BAD_REQUEST,
            format!("the body must be JSON like {example}: {e}"),
        )
    })
}

async fn advance(State(sim): State<Sim>, body: Bytes) -> Response {
    let req: AdvanceRequest = match parse_json(&body, r#"{"seconds": 300} or {"duration": "5m"}"#) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let ms = match (req.seconds, req.duration) {
        (Some(s), None) if s.is_finite() && s >= 0.0 && s * 1000.0 <= MAX_MILLIS as f64 => {
            (s * 1000.0).round() as u64
        }
        (Some(_), None) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!(
                    "seconds must be a number from 0 to {} (virtual time goes no further than \
                     1000 years after the epoch)",
                    MAX_MILLIS / 1000
                ),
            )
        }
        (None, Some(d)) => match clock::parse_duration(&d) {
            Ok(ms) => ms,
            Err(e) => return fail(StatusCode::BAD_REQUEST, e),
        },
        _ => {
            return fail(
                StatusCode::BAD_REQUEST,
                r#"give exactly one of "seconds" (a number) or "duration" (like "5m")"#,
            )
        }
    };
    match sim.advance(ms) {
        Ok(_) => Json(clock_json(&sim.lock().core.clock)).into_response(),
        Err(e @ EngineError::OutOfRange { .. }) => fail(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => fail(StatusCode::CONFLICT, e.to_string()),
    }
}

async fn run_until_idle(State(sim): State<Sim>) -> Response {
    match sim.run_until_idle() {
        Ok(_) => Json(clock_json(&sim.lock().core.clock)).into_response(),
        Err(e) => fail(StatusCode::CONFLICT, e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeedRequest {
    speed: f64,
}

async fn set_speed(State(sim): State<Sim>, body: Bytes) -> Response {
    let req: SpeedRequest = match parse_json(&body, r#"{"speed": 60}"#) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if !req.speed.is_finite() || !(0.0..=MAX_SPEED).contains(&req.speed) {
        return fail(
            StatusCode::BAD_REQUEST,
            format!(
                "speed must be a number from 0 (the clock stops) to {MAX_SPEED} (virtual seconds \
                 per wall second)"
            ),
        );
    }
    sim.set_speed(req.speed);
    Json(json!({"speed": sim.speed()})).into_response()
}

async fn journal(
    State(sim): State<Sim>,
    query: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("{e}; the journal takes since=SEQ, resource=PATH, vendor=NAME, kind=request|transition|fault|event, limit=N"),
            )
        }
    };
    let body = sim.lock().core.journal.render(&q);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Whether reading a body failed because it was longer than the limit.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// `PUT /_sim/scenario`: a body of at most `limits::MAX_BYTES` (refused from its
/// Content-Length before it is read), parsed and built off the async workers, so that a slow
/// parse or a large fleet never stalls other clients.
async fn load_scenario(State(sim): State<Sim>, req: axum::extract::Request) -> Response {
    let too_long = || {
        fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a scenario is at most {} bytes (scenario::limits::MAX_BYTES)",
                limits::MAX_BYTES
            ),
        )
    };
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits::MAX_BYTES as u64) {
        return too_long();
    }
    let body = match axum::body::to_bytes(req.into_body(), limits::MAX_BYTES).await {
        Ok(b) => b,
        Err(e) if is_length_limit(&e) => return too_long(),
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("the scenario body did not arrive whole: {e}"),
            )
        }
    };
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "the scenario must be UTF-8 YAML text",
        );
    };
    let load = tokio::task::spawn_blocking(move || {
        let scenario = Scenario::parse(&text, "PUT /_sim/scenario").map_err(|e| e.to_string())?;
        let (name, seed) = (scenario.name.clone(), scenario.seed);
        sim.load(scenario).map_err(|e| format!("{e:#}"))?;
        Ok::<_, String>(json!({"loaded": name, "seed": seed}))
    })
    .await;
    match load {
        Ok(Ok(loaded)) => Json(loaded).into_response(),
        Ok(Err(message)) => fail(StatusCode::BAD_REQUEST, message),
        Err(e) => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("simulator bug while loading the scenario (please report it): {e}"),
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioQuery {
    /// `show` reveals passwords, secret keys and tokens.
    secrets: Option<String>,
}

/// The YAML in force, with secrets masked unless `?secrets=show` asks for them.
async fn get_scenario(
    State(sim): State<Sim>,
    query: Result<Query<ScenarioQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let reveal = match query {
        Ok(Query(q)) => match q.secrets.as_deref() {
            None | Some("mask") => false,
            Some("show") => true,
            Some(other) => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    format!("secrets={other}: use secrets=show or secrets=mask"),
                )
            }
        },
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("{e}; this route takes secrets=show"),
            )
        }
    };
    let s = Scenario::of(&sim);
    let text = if reveal {
        s.source.clone()
    } else {
        secrets::masked(&s.source)
    };
    (
        [(axum::http::header::CONTENT_TYPE, "application/yaml")],
        text,
    )
        .into_response()
}

/// The running scenario's credentials, in the conformance harness's `credentials:` shape, so
/// that `upgrade-conformance run --target` needs no config against a simulator. Only for
/// clients on this machine (or in the same process), or callers holding the admin token.
async fn credentials(State(sim): State<Sim>, parts: axum::http::request::Parts) -> Response {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
    let vouched = parts
        .extensions
        .get::<Guard>()
        .is_some_and(Guard::requires_token);
    if let Some(axum::extract::ConnectInfo(addr)) = peer.filter(|_| !vouched) {
        if !addr.ip().is_loopback() {
            return fail(
                StatusCode::FORBIDDEN,
                format!(
                    "credentials are served to loopback clients only, not to {}",
                    addr.ip()
                ),
            );
        }
    }
    Json(crate::registry::credentials(&Scenario::of(&sim).vendors)).into_response()
}

async fn state(State(sim): State<Sim>) -> Json<Value> {
    Json(sim.lock().snapshot())
}

async fn list_faults(State(sim): State<Sim>) -> Json<Value> {
    Json(json!({"faults": sim.lock().faults.list()}))
}

/// Adds a fault live: the body is one `http_faults` entry, as JSON.
async fn add_fault(State(sim): State<Sim>, body: Bytes) -> Response {
    let spec: crate::faults::HttpFaultSpec = match parse_json(
        &body,
        r#"{"route": "GET /api/v1/task/dag/*", "probability": 0.5, "error": {"status": 503}}"#,
    ) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let w = &mut *sim.lock();
    let seed = w.core.seed;
    match w.faults.add(spec.clone(), seed) {
        Ok(id) => {
            w.core
                .event("sim", "faults", json!({"added": id, "spec": spec}));
            (StatusCode::CREATED, Json(json!({"id": id}))).into_response()
        }
        Err(e) => fail(StatusCode::BAD_REQUEST, e),
    }
}

async fn remove_fault(
    State(sim): State<Sim>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let w = &mut *sim.lock();
    if w.faults.remove(&id) {
        w.core.event("sim", "faults", json!({"removed": id}));
        StatusCode::NO_CONTENT.into_response()
    } else {
        fail(
            StatusCode::NOT_FOUND,
            format!("no fault '{id}'; GET /_sim/faults lists them"),
        )
    }
}

async fn clear_faults(State(sim): State<Sim>) -> Response {
    let w = &mut *sim.lock();
    w.faults.clear();
    w.core.event("sim", "faults", json!({"cleared": true}));
    StatusCode::NO_CONTENT.into_response()
}

/// `{"do": "obshell.observer_down", "with": {...}}`: a domain fault (or any timeline action)
/// applied now.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionRequest {
    #[serde(rename = "do")]
    action: String,
    #[serde(default, rename = "with")]
    args: Value,
}

async fn apply_action(State(sim): State<Sim>, body: Bytes) -> Response {
    let req: ActionRequest = match parse_json(
        &body,
        r#"{"do": "obshell.observer_down", "with": {"zone": "zone2"}}"#,
    ) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some((vendor, action)) = req.action.split_once('.') else {
        return fail(
            StatusCode::BAD_REQUEST,
            format!("'do: {}' must be <vendor>.<action>", req.action),
        );
    };
    let w = &mut *sim.lock();
    let result = w.apply(vendor, action, &req.args);
    let outcome = match &result {
        Ok(()) => "ok".to_string(),
        Err(e) => e.clone(),
    };
    let detail = json!({"action": action, "args": req.args, "result": outcome, "live": true});
    w.core.record(
        crate::kernel::EntryKind::Fault,
        vendor,
        "timeline",
        None,
        None,
        detail,
    );
    match result {
        Ok(()) => Json(json!({"applied": req.action})).into_response(),
        Err(e) => fail(StatusCode::BAD_REQUEST, e),
    }
}
