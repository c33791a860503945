//! TaurusDB's error shape: `{"error_code": "DBS.200001", "error_msg": "Parameter error."}` with
//! the documented codes, in English or Chinese (X-Language), plus the API gateway's own
//! `APIGW.*` errors, which also carry `request_id` in the body as the real gateway does. The
//! huaweicloudsdkcore exception handler reads `error_code`/`error_msg` from the body and the
//! request id from the `X-Request-Id` header only, so every response carries that header.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The request language (X-Language); en-us is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// The error codes this simulator answers with (vendor notes §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 400: invalid body, parameter or URL.
    ParameterError,
    /// 400: an empty request body.
    EmptyRequest,
    /// 400: the instance is already on the latest kernel version.
    AlreadyLatest,
    /// 404: the instance does not exist in this project.
    InstanceNotFound,
    /// 409: another operation (an upgrade) is running on the instance.
    InstanceBusy,
    /// 409: the instance is not ACTIVE (FAILED, FROZEN).
    InstanceAbnormal,
    /// 400: an unknown datastore name.
    InvalidDatabaseType,
    /// 401: the token or signature is missing or wrong.
    AuthFailed,
    /// 404: no such API (path or method).
    NoSuchApi,
    /// 429: throttled (injected faults).
    Throttled,
    /// 500: server error (injected faults).
    ServerError,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ParameterError => "DBS.200001",
            Self::EmptyRequest => "DBS.200006",
            Self::AlreadyLatest => "DBS.05000008",
            Self::InstanceNotFound => "DBS.200002",
            Self::InstanceBusy => "DBS.200019",
            Self::InstanceAbnormal => "DBS.200011",
            Self::InvalidDatabaseType => "DBS.280235",
            Self::AuthFailed => "APIGW.0301",
            Self::NoSuchApi => "APIGW.0101",
            Self::Throttled => "APIGW.0308",
            Self::ServerError => "DBS.05000000",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::ParameterError
            | Self::EmptyRequest
            | Self::AlreadyLatest
            | Self::InvalidDatabaseType => StatusCode::BAD_REQUEST,
            Self::InstanceNotFound | Self::NoSuchApi => StatusCode::NOT_FOUND,
            Self::InstanceBusy | Self::InstanceAbnormal => StatusCode::CONFLICT,
            Self::AuthFailed => StatusCode::UNAUTHORIZED,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The documented message of the code.
    pub fn message(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::ParameterError, Lang::En) => "Parameter error.",
            (Self::ParameterError, Lang::Zh) => "参数错误。",
            (Self::EmptyRequest, Lang::En) => "The request is null. Enter a request parameter.",
            (Self::EmptyRequest, Lang::Zh) => "请求为空，请输入请求参数。",
            (Self::AlreadyLatest, Lang::En) => {
                "The current version is the latest. No update is available."
            }
            (Self::AlreadyLatest, Lang::Zh) => "当前版本已是最新版本，无需升级。",
            (Self::InstanceNotFound, Lang::En) => "The DB instance does not exist.",
            (Self::InstanceNotFound, Lang::Zh) => "实例不存在。",
            (Self::InstanceBusy | Self::InstanceAbnormal, Lang::En) => {
                "Another operation is being performed on the DB instance or the DB instance is faulty."
            }
            (Self::InstanceBusy | Self::InstanceAbnormal, Lang::Zh) => {
                "实例正在进行其他操作或实例故障。"
            }
            (Self::InvalidDatabaseType, Lang::En) => "Invalid database type.",
            (Self::InvalidDatabaseType, Lang::Zh) => "数据库类型无效。",
            (Self::AuthFailed, _) => "Incorrect IAM authentication information",
            (Self::NoSuchApi, _) => {
                "The API does not exist or has not been published in the environment."
            }
            (Self::Throttled, _) => "The throttling threshold has been reached.",
            (Self::ServerError, Lang::En) => "server error.",
            (Self::ServerError, Lang::Zh) => "服务器错误。",
        }
    }

    /// Whether the API gateway (not the database service) answers this one: those bodies
    /// also carry `request_id`.
    fn is_gateway(self) -> bool {
        self.as_str().starts_with("APIGW.")
    }
}

/// An error answer: a code plus the detail that tells the client what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaurusError {
    pub code: Code,
    /// Appended to the code's message ("Parameter error. delay must be true or false").
    pub detail: Option<String>,
    /// Overrides the status (injected faults with an arbitrary status).
    pub status: Option<StatusCode>,
}

impl TaurusError {
    pub fn new(code: Code) -> Self {
        Self {
            code,
            detail: None,
            status: None,
        }
    }

    pub fn with(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: Some(detail.into()),
            status: None,
        }
    }

    pub fn param(detail: impl Into<String>) -> Self {
        Self::with(Code::ParameterError, detail)
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| self.code.status())
    }

    /// The `error_msg` text in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let base = self.code.message(lang);
        match (&self.detail, self.code) {
            (Some(d), Code::AuthFailed) => format!("{base}: {d}"),
            (Some(d), _) => format!("{base} {d}"),
            (None, _) => base.to_string(),
        }
    }

    /// The response, with `request_id` as the `X-Request-Id` header (and in the body for
    /// gateway errors).
    pub fn render(&self, lang: Lang, request_id: &str) -> Response {
        let body = ErrorBody {
            error_code: self.code.as_str(),
            error_msg: self.message(lang),
            request_id: self.code.is_gateway().then_some(request_id),
        };
        let mut resp = (self.status(), axum::Json(body)).into_response();
        set_request_id(&mut resp, request_id);
        resp
    }
}

/// The error body: huaweicloudsdkcore's exception handler reads `error_code` and
/// `error_msg`; the API gateway's own errors (`APIGW.*`) also carry `request_id`.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "TaurusDbError")]
pub(super) struct ErrorBody<'a> {
    /// DBS.200001, APIGW.0301 and the like.
    error_code: &'a str,
    error_msg: String,
    /// The gateway's errors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// The error body's schema, for the OpenAPI document.
pub(super) fn body_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.subschema_for::<ErrorBody<'static>>()
}

/// Puts `X-Request-Id` on a response.
pub fn set_request_id(resp: &mut Response, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
}

/// A request id that does not come from the engine (fallback 404s and injected faults are
/// answered without the world lock): derived from the text, so it is stable across runs.
pub fn detached_request_id(text: &str) -> String {
    use rand::Rng;
    let mut rng = crate::kernel::rng::stream(0, &format!("taurusdb/detached/{text}"));
    let n: u128 = rng.random();
    format!("{n:032x}")
}
