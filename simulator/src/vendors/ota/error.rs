//! The one error body of the OTA service, for every failure it reports (validation, auth,
//! unknown plans, conflicts, injected faults):
//!
//! ```json
//! {"status": 400, "code": "INVALID_ARGUMENT", "message": "name is required", "field": "name"}
//! ```
//!
//! `field` names the request field at fault, or is null. `code` follows the status (see
//! [`code_for`]); docs/ota.md lists them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error the service answers with.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "OtaError")]
struct Body<'a> {
    status: u16,
    code: &'static str,
    message: &'a str,
    field: Option<&'a str>,
}

/// The error body's JSON Schema, for the OpenAPI document.
pub(super) fn body_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<Body>()
}

/// The machine-readable code for a status.
pub fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        429 => "RATE_LIMITED",
        503 => "UNAVAILABLE",
        504 => "TIMEOUT",
        s if s >= 500 => "INTERNAL",
        _ => "ERROR",
    }
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
        }
    }

    /// A 400 naming the field at fault.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            status: self.status.as_u16(),
            code: code_for(self.status),
            message: &self.message,
            field: self.field.as_deref(),
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"lifecycle\""),
            );
        }
        resp
    }
}

/// Lets a handler answer early with `?` (see `http::run`).
impl From<ApiError> for Response {
    fn from(e: ApiError) -> Self {
        e.into_response()
    }
}
