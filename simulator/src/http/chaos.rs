//! The chaos layer. Every vendor request (not the admin API's) is tagged with its owning
//! vendor ([`RequestInfo`]) before routing; the handler's [`crate::engine::Exchange`] admits it
//! (faults, refusals), handles it and journals it under one lock. Afterwards, without the lock,
//! this layer carries out what faults do on the wire: latency, a dropped connection (see
//! [`AbortConnection`]), a truncated, garbled or dribbled body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::shape;
use crate::engine::{plain_error, plain_not_found, Exchanged, RequestInfo, WireEffects};
use crate::faults::Action;
use crate::{registry, Sim};

/// Routes `req` and waits for its answer.
async fn route(routes: Router, req: Request) -> Response {
    routes
        .oneshot(req)
        .await
        .unwrap_or_else(|never| match never {})
}

/// Tags the request with its vendor, runs it through `routes`, and applies the wire effects
/// of its faults.
pub async fn vendor_requests(sim: Sim, mut req: Request, routes: Router) -> Response {
    if req.uri().path().starts_with("/_sim") {
        let (method, path) = (req.method().clone(), req.uri().path().to_string());
        let response = route(routes, req).await;
        return shape::admin_json_errors(method.as_str(), &path, response).await;
    }
    let vendor = registry::vendor_of_path(req.uri().path());
    let info = Arc::new(RequestInfo {
        vendor: vendor.map_or("unknown", |v| v.name),
        method: req.method().clone(),
        uri: req.uri().clone(),
        render_error: vendor.map_or(plain_error, |v| v.render_error),
        not_found: vendor.map_or(plain_not_found, |v| v.not_found),
    });
    req.extensions_mut().insert(info.clone());
    if let Some(vendor) = vendor {
        if let Err(shape::Early(status, message)) = shape::refuse_early(vendor, &mut req) {
            let r = sim.exchange(&info, |w| (info.render_error)(w, status, &message));
            return effects_of(r).await;
        }
    }
    let response = route(routes, req).await;
    if response.extensions().get::<Exchanged>().is_some() {
        return effects_of(response).await;
    }
    // Rejected before any handler reached the world (a method, path, query or body axum
    // refused): admit and journal it now, once, answered in the owning vendor's shape.
    let r = if vendor.is_some() && shape::is_axums_own(&response) {
        let (response, message) = shape::message_of(response).await;
        sim.exchange(&info, |w| shape::reshape(w, &info, response, &message))
    } else {
        sim.exchange(&info, |_| response)
    };
    effects_of(r).await
}

/// Carries out the wire effects an exchanged response travels with.
async fn effects_of(response: Response) -> Response {
    let effects = response
        .extensions()
        .get::<Exchanged>()
        .map(|e| e.effects.clone())
        .unwrap_or_default();
    on_the_wire(response, effects).await
}

/// Sleeps the injected latency, then sends the body as a fault wants it.
async fn on_the_wire(response: Response, effects: WireEffects) -> Response {
    if !effects.delay.is_zero() {
        tokio::time::sleep(effects.delay).await;
    }
    match effects.mutation {
        Some(action) => mutate_body(response, action).await,
        None => response,
    }
}

/// Truncates, corrupts or dribbles a real response body.
async fn mutate_body(response: Response, action: Action) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    match action {
        Action::Malformed => {
            // A complete HTTP response whose body is not the JSON it claims to be.
            let cut = bytes.len() / 2;
            let mut broken = bytes[..cut].to_vec();
            broken.extend_from_slice(b"\x00<<garbled>>");
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(broken))
        }
        Action::Truncate => {
            // Promise the whole length, send half, then fail: the client sees a short read.
            let len = bytes.len();
            let half = bytes.slice(..len / 2);
            if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
                parts.headers.insert(axum::http::header::CONTENT_LENGTH, v);
            }
            // The pause lets hyper flush the headers and the first half before the failure.
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::ConnectionAborted,
                                    "truncated by an injected fault",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            Response::from_parts(parts, Body::from_stream(stream))
        }
        Action::Dribble { chunk, every } => {
            let chunks: Vec<Bytes> = bytes
                .chunks(chunk.max(1))
                .map(Bytes::copy_from_slice)
                .collect();
            let stream = futures_util::stream::unfold(
                (chunks.into_iter(), true),
                move |(mut it, first)| async move {
                    let next = it.next()?;
                    if !first {
                        tokio::time::sleep(every).await;
                    }
                    Some((Ok::<Bytes, std::io::Error>(next), (it, false)))
                },
            );
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}
