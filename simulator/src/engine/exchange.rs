//! One vendor request, one acquisition of the world. [`Sim::exchange`] takes the lock once and,
//! at that one virtual instant, admits the request (HTTP faults decided and journalled, the
//! vendor's refusal asked), runs the vendor's handler on the world (authenticate, execute,
//! render), and journals the request with the status it got. What faults do on the wire after
//! the answer exists (latency, a dropped connection, a mangled body) travels out with the
//! response as [`WireEffects`], for the HTTP layer to carry out without the lock.
//!
//! A vendor handler parses its input outside the lock (path, query, body), then calls
//! [`Exchange::run`] with a closure that gets `&mut World`; the closure is synchronous, so no
//! lock is ever held across an `.await`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::model::Refusal;
use super::sim::Sim;
use super::world::World;
use crate::faults::Action;
use crate::kernel::RequestLine;

/// Renders an error in a vendor's own shape (status, message), with the world at hand for the
/// vendor's stamps (trace ids, virtual timestamps).
pub type ErrorRenderer = fn(&mut World, StatusCode, &str) -> Response;

/// What the HTTP layer learned about a request before routing it: the vendor that owns its
/// path (by name) and how that vendor writes an error. Set by the server's middleware as a
/// request extension (behind an `Arc`, so that reaching it costs no copy); [`Exchange`] reads
/// it. The method and URI are the request's own (cloning them shares their bytes).
#[derive(Clone)]
pub struct RequestInfo {
    /// The owning vendor's name, or "unknown".
    pub vendor: &'static str,
    pub method: Method,
    pub uri: Uri,
    pub render_error: ErrorRenderer,
    /// The owning vendor's answer to a path no route of its matches.
    pub not_found: fn(&mut World, &str) -> Response,
}

impl RequestInfo {
    /// A request no vendor owns: errors are `{"error": "..."}`.
    pub fn unowned(parts: &Parts) -> Self {
        Self {
            vendor: "unknown",
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            render_error: plain_error,
            not_found: plain_not_found,
        }
    }

    pub fn path(&self) -> &str {
        self.uri.path()
    }

    pub fn query(&self) -> Option<&str> {
        self.uri.query()
    }
}

/// `{"error": message}`: the shape of an error no vendor owns.
pub fn plain_error(_: &mut World, status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}

/// `{"error": "no route PATH"}`: the 404 of a path no vendor owns.
pub fn plain_not_found(w: &mut World, path: &str) -> Response {
    plain_error(w, StatusCode::NOT_FOUND, &format!("no route {path}"))
}

/// What remains to do on the wire once the answer exists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireEffects {
    /// Injected latency, summed over the faults that fired.
    pub delay: Duration,
    /// A fault that changes how the body is sent (truncate, malformed, dribble).
    pub mutation: Option<Action>,
}

/// Marks a response that went through an exchange: admitted and journalled. Carries the wire
/// effects for the HTTP layer, and when the request reached the world (one extension for both:
/// each costs an allocation).
#[derive(Debug, Clone)]
pub struct Exchanged {
    pub effects: WireEffects,
    /// Set by [`Sim::exchange`] (a bare [`World::exchange`] has no order of arrivals).
    pub arrived: Option<super::sim::Arrived>,
}

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortConnection {
    /// Close with a TCP reset (RST) rather than an orderly close.
    pub reset: bool,
}

fn abort(reset: bool) -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(AbortConnection { reset });
    r
}

/// Why a request is answered without reaching its handler.
enum Stop {
    Abort {
        reset: bool,
    },
    Answer {
        status: u16,
        message: String,
        retry_after: Option<u64>,
    },
}

impl World {
    /// Decides the HTTP faults and the vendor's refusal for one request, journalling each.
    fn admit(&mut self, info: &RequestInfo) -> (Option<Stop>, WireEffects) {
        let (method, path) = (info.method.as_str(), info.path());
        let owner = (info.vendor != "unknown").then_some(info.vendor);
        let now = self.core.now();
        let decisions = self.faults.decide(owner, method, path, now);
        for d in &decisions {
            self.core.fault(
                info.vendor,
                "http",
                json!({"fault": d.fault_id, "action": format!("{:?}", d.action), "method": method, "path": path,
                       "delay_ms": d.delay.map(|d| d.as_millis() as u64)}),
            );
        }
        let refusal = owner.and_then(|v| {
            self.model(v)
                .and_then(|m| m.refusal(&self.core, method, path))
        });
        if let Some(r) = &refusal {
            self.core.fault(
                info.vendor,
                "refusal",
                json!({"refusal": format!("{r:?}"), "method": method, "path": path}),
            );
        }
        let mut effects = WireEffects::default();
        for d in decisions {
            let stop = match d.action {
                Action::Latency(_) => {
                    effects.delay += d.delay.unwrap_or_default();
                    continue;
                }
                Action::Error { status, message } => Stop::Answer {
                    status,
                    message,
                    retry_after: None,
                },
                Action::RateLimit { per_ms, .. } => Stop::Answer {
                    status: 429,
                    message: "Too many requests: rate limit exceeded (injected fault)".into(),
                    retry_after: Some(per_ms.div_ceil(1000).max(1)),
                },
                Action::Reset => Stop::Abort { reset: true },
                Action::EmptyReply => Stop::Abort { reset: false },
                other => {
                    effects.mutation = Some(other);
                    continue;
                }
            };
            return (Some(stop), effects);
        }
        let stop = match refusal {
            Some(Refusal::Reset) => Some(Stop::Abort { reset: true }),
            Some(Refusal::Error { status, message }) => Some(Stop::Answer {
                status,
                message,
                retry_after: None,
            }),
            None => None,
        };
        (stop, effects)
    }
}

impl World {
    /// Admits, handles and journals one request (see [`Sim::exchange`]).
    pub fn exchange(
        &mut self,
        info: &RequestInfo,
        handle: impl FnOnce(&mut World) -> Response,
    ) -> Response {
        let (stop, effects) = self.admit(info);
        let mut response = match stop {
            None => handle(self),
            Some(stop) => self.answer(info, stop),
        };
        self.journal_request(info, response.status());
        response.extensions_mut().insert(Exchanged {
            effects,
            arrived: None,
        });
        response
    }

    /// Journals a request with the status it got.
    fn journal_request(&mut self, info: &RequestInfo, status: StatusCode) {
        let line = RequestLine {
            method: info.method.as_str(),
            path: info.path(),
            query: info.query(),
            status: status.as_u16(),
        };
        self.core.record_request(info.vendor, line);
    }

    /// The answer to a request that a fault or a refusal stopped.
    fn answer(&mut self, info: &RequestInfo, stop: Stop) -> Response {
        match stop {
            Stop::Abort { reset } => abort(reset),
            Stop::Answer {
                status,
                message,
                retry_after,
            } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut r = (info.render_error)(self, status, &message);
                if let Some(secs) = retry_after {
                    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                        r.headers_mut().insert("retry-after", v);
                    }
                }
                r
            }
        }
    }
}

impl Sim {
    /// Admits, handles and journals one request under one acquisition of the world.
    pub fn exchange(
        &self,
        info: &RequestInfo,
        handle: impl FnOnce(&mut World) -> Response,
    ) -> Response {
        let mut world = self.lock();
        let arrived = self.arrival(&world);
        let mut response = world.exchange(info, handle);
        if let Some(e) = response.extensions_mut().get_mut::<Exchanged>() {
            e.arrived = Some(arrived);
        }
        response
    }
}

/// The extractor a vendor handler takes to reach the world: the request's [`RequestInfo`] and
/// the [`Sim`]. It reads no body, so it can stand before any body extractor.
pub struct Exchange {
    sim: Sim,
    info: Arc<RequestInfo>,
}

impl Exchange {
    /// Runs `handle` on the world: once admitted, at one virtual instant, then journalled.
    pub fn run(self, handle: impl FnOnce(&mut World) -> Response) -> Response {
        self.sim.exchange(&self.info, handle)
    }

    /// The request as the HTTP layer saw it.
    pub fn info(&self) -> &RequestInfo {
        &self.info
    }
}

impl<S> FromRequestParts<S> for Exchange
where
    Sim: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<Arc<RequestInfo>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(RequestInfo::unowned(parts)));
        Ok(Self {
            sim: Sim::from_ref(state),
            info,
        })
    }
}
