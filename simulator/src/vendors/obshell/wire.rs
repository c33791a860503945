//! The wire format: the `OcsAgentResponse` envelope written the way Go's `encoding/json` and
//! gin write it (fixed key order, compact, `<>&` escaped as `\u003c\u003e\u0026`, omitted
//! `data`/`error`, slices wrapped as `{"contents":[…]}`), Go's RFC3339Nano times, and the
//! trace id rule (`X-OBSHELL-Trace-ID` if sent, else 16 hex digits from the request's stream).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use rand::RngCore;
use serde_json::{Map, Value};

use crate::kernel::{Core, Millis};

/// Go's zero `time.Time`, as DTOs show it before the DB has written a time.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Formats like Go's `time.RFC3339Nano`: fraction with trailing zeros dropped (none if zero),
/// `Z` for UTC, else `±hh:mm`.
pub fn go_time(dt: DateTime<FixedOffset>) -> String {
    let base = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = dt.timestamp_subsec_nanos();
    let frac = if nanos == 0 {
        String::new()
    } else {
        let s = format!("{nanos:09}");
        format!(".{}", s.trim_end_matches('0'))
    };
    let offset = dt.offset().local_minus_utc();
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let a = offset.abs();
        format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    };
    format!("{base}{frac}{zone}")
}

/// A virtual instant as Go prints it in the server's zone.
pub fn time_at(core: &Core, at: Millis) -> String {
    go_time(core.clock.datetime_at(at))
}

/// `time.Unix(0, 0)` in the server's zone (what RETRY/ROLLBACK/CANCEL reset times to).
pub fn unix_zero(core: &Core) -> String {
    let offset = *core.clock.epoch().offset();
    let dt = DateTime::from_timestamp(0, 0)
        .unwrap_or_default()
        .with_timezone(&offset);
    go_time(dt)
}

/// Compact JSON as Go's encoder writes it (HTML-safe escaping of `<`, `>`, `&`, U+2028/9).
/// Those characters can only occur inside strings in serde_json's output, so a textual
/// replacement is exact.
pub fn go_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return text;
    }
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Wraps a Go slice the way `buildResponseData` does.
pub fn contents(items: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert("contents".into(), Value::Array(items));
    Value::Object(m)
}

/// The trace id of a request: the client's `X-OBSHELL-Trace-ID`, else 16 hex digits drawn from
/// the request's own random stream (so ids depend on the seed and request order only).
pub fn trace_id(core: &mut Core, headers: &HeaderMap) -> String {
    if let Some(t) = headers
        .get("x-obshell-trace-id")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
    {
        return t.to_string();
    }
    let n = core.next_request_number();
    format!("{:016x}", core.request_rng(n).next_u64())
}

/// What the envelope needs besides the payload: when, and which trace.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub timestamp: String,
    pub trace_id: String,
}

impl Stamp {
    pub fn new(core: &mut Core, headers: &HeaderMap) -> Self {
        Self {
            timestamp: time_at(core, core.now()),
            trace_id: trace_id(core, headers),
        }
    }

    /// A stamp without a trace id (`/api/v1/status`, errors before `PreHandlers`).
    pub fn untraced(core: &Core) -> Self {
        Self {
            timestamp: time_at(core, core.now()),
            trace_id: String::new(),
        }
    }

    /// A success envelope; `data: None` omits the key (operate DAG).
    pub fn ok(&self, data: Option<Value>) -> Response {
        envelope(self, 200, data, None, "application/json")
    }
}

/// Builds the envelope. Virtual time does not move while a request is served, so `duration`
/// (the server's processing milliseconds) is 0.
pub fn envelope(
    stamp: &Stamp,
    status: u16,
    data: Option<Value>,
    error: Option<Value>,
    content_type: &'static str,
) -> Response {
    let mut m = Map::new();
    m.insert("successful".into(), Value::Bool(error.is_none()));
    m.insert("timestamp".into(), Value::String(stamp.timestamp.clone()));
    m.insert("duration".into(), Value::from(0));
    m.insert("status".into(), Value::from(status));
    m.insert("traceId".into(), Value::String(stamp.trace_id.clone()));
    if let Some(d) = data {
        m.insert("data".into(), d);
    }
    if let Some(e) = error {
        m.insert("error".into(), e);
    }
    let body = go_json(&Value::Object(m));
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_like_go_rfc3339nano() {
        let dt = DateTime::parse_from_rfc3339("2024-01-09T19:26:25.962755870+08:00").unwrap();
        assert_eq!(go_time(dt), "2024-01-09T19:26:25.96275587+08:00");
        let whole = DateTime::parse_from_rfc3339("2024-01-09T19:26:25+00:00").unwrap();
        assert_eq!(go_time(whole), "2024-01-09T19:26:25Z");
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        let v = serde_json::json!({"m": "a<b>&c"});
        assert_eq!(go_json(&v), r#"{"m":"a\u003cb\u003e\u0026c"}"#);
    }
}
