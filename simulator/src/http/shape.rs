//! Failures decided before a vendor handler runs, answered in that vendor's own shape. Two
//! halves: [`refuse_early`] looks at a request's head and refuses a body the vendor will never
//! take (a `Content-Length` over the vendor's limit, or over the much smaller limit for a
//! request that carries none of its credential headers) before a byte of it is read, and caps
//! the body it lets through to the same limit, for bodies sent without a length; [`reshape`]
//! takes what axum answered by itself (an unrouted method's empty 405, a path, query or body
//! rejection's text/plain 400, 413, 415 or 422) and writes it again as the vendor's error, with
//! axum's message kept.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use crate::engine::{RequestInfo, World};
use crate::registry::{self, Vendor};

/// Why a request is refused from its head alone: the status and the vendor's message.
pub struct Early(pub StatusCode, pub String);

/// The most of `vendor`'s body `headers` may carry, and whether that is the smaller limit of
/// a request without credentials.
fn limit_for(vendor: &Vendor, headers: &HeaderMap) -> (usize, bool) {
    let credentialed = vendor.credentials.iter().any(|h| headers.contains_key(*h));
    if credentialed || registry::BODY_LIMIT_WITHOUT_CREDENTIALS >= vendor.body_limit {
        (vendor.body_limit, false)
    } else {
        (registry::BODY_LIMIT_WITHOUT_CREDENTIALS, true)
    }
}

/// The sentence that says why a body over `limit_for`'s limit is refused.
fn why(vendor: &Vendor, without_credentials: bool) -> String {
    if without_credentials {
        format!(
            "a request without credentials ({}) may carry at most {} bytes of body",
            vendor.credentials.join(", "),
            registry::BODY_LIMIT_WITHOUT_CREDENTIALS
        )
    } else {
        format!("a request body may be at most {} bytes", vendor.body_limit)
    }
}

/// Refuses a body `vendor` will never take, from its `Content-Length`; otherwise caps the body
/// to the same limit (a body sent without a length fails to read past it).
pub fn refuse_early(vendor: &Vendor, req: &mut Request) -> Result<(), Early> {
    let length = req.headers().get(header::CONTENT_LENGTH);
    // A body known to be empty and declared by nobody (a GET's): nothing to refuse or cap, and
    // no credential header to look up by name.
    if length.is_none() && hyper::body::Body::size_hint(req.body()).exact() == Some(0) {
        return Ok(());
    }
    let declared = length
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<u64>());
    let (limit, bare) = limit_for(vendor, req.headers());
    match declared {
        Some(Ok(n)) if n > limit as u64 => {
            return Err(Early(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "Request Entity Too Large: Content-Length is {n}, but {}",
                    why(vendor, bare)
                ),
            ))
        }
        Some(Err(_)) => {
            return Err(Early(
                StatusCode::BAD_REQUEST,
                "Bad Request: the Content-Length header is not a number".into(),
            ))
        }
        _ => {}
    }
    // A body known to be empty (a GET's) has nothing to cap: no wrapper to allocate.
    if hyper::body::Body::size_hint(req.body()).exact() == Some(0) {
        return Ok(());
    }
    let body = std::mem::take(req.body_mut());
    *req.body_mut() = Body::new(http_body_util::Limited::new(body, limit));
    Ok(())
}

/// Whether `response` is axum's own answer to a failure rather than a vendor's: an error
/// status with a body that is not JSON (empty, for an unrouted method).
pub fn is_axums_own(response: &Response) -> bool {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    (status.is_client_error() || status.is_server_error()) && !json
}

/// The text of axum's answer, read whole (it is a short message, never a stream).
pub async fn message_of(response: Response) -> (Response, String) {
    let (parts, body) = response.into_parts();
    let bytes = http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    (Response::from_parts(parts, Body::empty()), text)
}

/// What to say of an unrouted method; the `Allow` header axum put on its 405 is carried over
/// ([`with_allow_of`]).
fn not_a_method(method: &str, path: &str) -> String {
    format!("Method Not Allowed: {method} is not a method of {path} (the Allow header lists those that are)")
}

/// Axum's answer `axums` (with its text `message`), written again in the shape of the vendor
/// that owns the request.
pub fn reshape(world: &mut World, info: &RequestInfo, axums: Response, message: &str) -> Response {
    let status = axums.status();
    let message = explain(status, info.method.as_str(), info.path(), message);
    with_allow_of(&axums, (info.render_error)(world, status, &message))
}

/// `answer`, with the `Allow` header of axum's own answer (a 405 lists the route's methods).
fn with_allow_of(axums: &Response, mut answer: Response) -> Response {
    if let Some(allow) = axums.headers().get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
}

fn explain(status: StatusCode, method: &str, path: &str, message: &str) -> String {
    if status == StatusCode::METHOD_NOT_ALLOWED {
        not_a_method(method, path)
    } else if message.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_string()
    } else {
        message.to_string()
    }
}

/// The admin API's version of [`reshape`]: axum's own answers (an unrouted method's empty
/// 405, a path or body rejection's text) become `{"error": "..."}`.
pub async fn admin_json_errors(method: &str, path: &str, response: Response) -> Response {
    if !is_axums_own(&response) {
        return response;
    }
    let status = response.status();
    let (axums, message) = message_of(response).await;
    let message = explain(status, method, path, &message);
    let answer = (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
    with_allow_of(&axums, answer)
}
