//! Unity's error body, `{"error":{"errorCode":int,"httpStatusCode":int,"messages":[{"en-US":
//! "... (Error Code:0x...)"}],"created":"...Z"}}`, for every non-2xx answer. storops looks the
//! errorCode up (as an int) to pick its exception and joins the en-US texts for `str(ex)`, so
//! the code and the localized-pair shape are kept exactly.
//!
//! The REST-layer codes (0x7d13xxx) are the ones real arrays were recorded answering. No Dell
//! document gives codes for the upgrade operations, so the 0x6101xxx block is ours; it is
//! listed in docs/unity.md.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

/// The resource, type or id does not exist (storops: UnityResourceNotFoundError).
pub const NOT_FOUND: u32 = 0x7d13005;
/// The action is not allowed (storops: UnityActionNotAllowedError).
pub const ACTION_NOT_ALLOWED: u32 = 0x7d1300c;
/// A referenced resource in the body does not exist.
pub const REFERENCED_NOT_FOUND: u32 = 0x7d13028;
/// The body has an unknown or duplicate parameter (storops: UnityPolicyIncorrectRequestBodyError).
pub const INCORRECT_BODY: u32 = 0x7d13035;
/// `fields=` names an attribute the type does not have.
pub const INVALID_FIELD: u32 = 0x7d13105;
/// Not authenticated: no or bad credentials, or no valid session.
pub const UNAUTHORIZED: u32 = 0x7d13001;
/// The CSRF token is missing or is not the session's.
pub const CSRF_INVALID: u32 = 0x7d13002;
/// The body is not JSON, or a value has the wrong type.
pub const MALFORMED_BODY: u32 = 0x7d13003;
/// A query parameter (filter, page, per_page, compact...) cannot be parsed.
pub const BAD_QUERY: u32 = 0x7d13004;
/// The system cannot answer now (a storage processor is rebooting, or an injected fault).
pub const UNAVAILABLE: u32 = 0x7d13010;
/// A generic server-side failure (injected faults only).
pub const INTERNAL: u32 = 0x7d13011;

/// A component is not healthy enough to upgrade.
pub const UPGRADE_UNHEALTHY: u32 = 0x6101001;
/// No upgrade candidate has been uploaded.
pub const UPGRADE_NO_CANDIDATE: u32 = 0x6101002;
/// Another upgrade session is still active.
pub const UPGRADE_SESSION_ACTIVE: u32 = 0x6101003;
/// The candidate is not newer than the installed software.
pub const UPGRADE_NOT_NEWER: u32 = 0x6101005;
/// The uploaded file is not an upgrade candidate.
pub const UPGRADE_BAD_FILE: u32 = 0x6101006;
/// The selected SP model does not match the system.
pub const UPGRADE_WRONG_MODEL: u32 = 0x6101007;
/// A task of the session failed.
pub const UPGRADE_TASK_FAILED: u32 = 0x6101008;

/// `yyyy-mm-ddThh:mm:ss.sssZ`, Unity's DateTime.
pub fn format_datetime(unix_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(unix_ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The error body, as it goes on the wire (and into the OpenAPI document).
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityErrorBody")]
struct Body {
    error: Detail,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityErrorDetail")]
#[serde(rename_all = "camelCase")]
struct Detail {
    /// The code as an int (storops maps it to an exception); its hex form ends each message.
    error_code: u32,
    http_status_code: u16,
    messages: Vec<Localized>,
    /// When the error was answered (virtual time), `yyyy-mm-ddThh:mm:ss.sssZ`.
    created: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnityLocalizedMessage")]
struct Localized {
    #[serde(rename = "en-US")]
    en_us: String,
}

/// The error body's schema, for the OpenAPI document.
pub(super) fn body_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<Body>()
}

/// A Unity error: status, code and the English text (without the code suffix). It is
/// stamped with the virtual instant it is answered at when it is rendered ([`Self::render`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnityError {
    pub status: StatusCode,
    pub code: u32,
    pub messages: Vec<String>,
}

impl UnityError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            messages: vec![message.into()],
        }
    }

    /// Several messages in one body (each gets the code suffix).
    pub fn many(status: StatusCode, code: u32, messages: Vec<String>) -> Self {
        Self {
            status,
            code,
            messages,
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            NOT_FOUND,
            "The requested resource does not exist.",
        )
    }

    pub fn invalid_field(name: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            INVALID_FIELD,
            format!("The fields list includes an invalid property [{name}]."),
        )
    }

    pub fn incorrect_body(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            INCORRECT_BODY,
            format!("Request body is not correct. There may be duplicate parameters, wrong parameter name. Please refer to API documentation page and ensure the body is correct. {detail}"),
        )
    }

    pub fn malformed_body(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            MALFORMED_BODY,
            format!("The request body is malformed: {detail}"),
        )
    }

    pub fn bad_query(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            BAD_QUERY,
            format!("The request parameters are not valid: {detail}"),
        )
    }

    pub fn action_not_supported() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ACTION_NOT_ALLOWED,
            "The action associated with the provided URL is not supported.",
        )
    }

    pub fn unauthorized(detail: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, UNAUTHORIZED, detail.to_string())
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            CSRF_INVALID,
            "The EMC-CSRF-TOKEN header is missing or does not match the login session. Get a token from any GET request and send it with every POST and DELETE.",
        )
    }

    /// The English texts as Unity writes them, each with the code suffix.
    pub fn texts(&self) -> impl Iterator<Item = String> + '_ {
        self.messages
            .iter()
            .map(|m| format!("{m} (Error Code:{:#x})", self.code))
    }

    /// The body as Unity writes it, `created` at `unix_ms` (virtual time).
    pub fn body(&self, unix_ms: i64) -> Value {
        let body = Body {
            error: Detail {
                error_code: self.code,
                http_status_code: self.status.as_u16(),
                messages: self.texts().map(|en_us| Localized { en_us }).collect(),
                created: format_datetime(unix_ms),
            },
        };
        serde_json::to_value(body).unwrap_or(Value::Null)
    }

    /// The answer: the body, `created` at `unix_ms`, with Unity's headers.
    pub fn render(&self, unix_ms: i64) -> Response {
        super::wire::json_response(self.status, &self.body(unix_ms))
    }
}

/// The code a status gets when only a status is known (injected faults).
pub fn code_for_status(status: StatusCode) -> u32 {
    match status.as_u16() {
        401 => UNAUTHORIZED,
        404 => NOT_FOUND,
        405 => ACTION_NOT_ALLOWED,
        400 => BAD_QUERY,
        422 => INCORRECT_BODY,
        409 => ACTION_NOT_ALLOWED,
        503 | 429 => UNAVAILABLE,
        _ => INTERNAL,
    }
}
