//! The wire format: the `OcsAgentResponse` envelope written the way Go's `encoding/json` and
//! gin write it (fixed key order, compact, `<>&` escaped as `\u003c\u003e\u0026`, omitted
//! `data`/`error`, slices wrapped as `{"contents":[…]}`), Go's RFC3339Nano times, and the
//! trace id rule (`X-OBSHELL-Trace-ID` if sent, else 16 hex digits from the request's stream).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use rand::RngCore;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::kernel::clock::{push_date_time, push_digits};
use crate::kernel::{Core, Millis};

/// Go's zero `time.Time`, as DTOs show it before the DB has written a time.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Formats like Go's `time.RFC3339Nano`: fraction with trailing zeros dropped (none if zero),
/// `Z` for UTC, else `±hh:mm`. Written digit by digit into one string (every envelope and DTO
/// time goes through here; `format!` machinery was most of a DAG read's rendering); years
/// outside 0..=9999 go through chrono's `%Y`.
pub fn go_time(dt: DateTime<FixedOffset>) -> String {
    let mut out = String::with_capacity(35);
    if !push_date_time(&mut out, &dt) {
        out.push_str(&dt.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
    let nanos = dt.timestamp_subsec_nanos();
    if nanos != 0 {
        out.push('.');
        push_digits(&mut out, nanos, 9);
        let kept = out.trim_end_matches('0').len();
        out.truncate(kept);
    }
    let offset = dt.offset().local_minus_utc();
    if offset == 0 {
        out.push('Z');
    } else {
        out.push(if offset < 0 { '-' } else { '+' });
        let a = offset.unsigned_abs();
        push_digits(&mut out, a / 3600, 2);
        out.push(':');
        push_digits(&mut out, (a % 3600) / 60, 2);
    }
    out
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
pub fn go_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    if value.serialize(&mut ser).is_err() {
        return b"null".to_vec();
    }
    out
}

/// serde_json's compact formatter, plus Go's HTML-safe escapes inside strings (keys too):
/// `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`, and U+2028/9 as `\u2028`/`\u2029`.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let (escape, len): (&[u8], usize) = match bytes[i] {
                b'<' => (b"\\u003c", 1),
                b'>' => (b"\\u003e", 1),
                b'&' => (b"\\u0026", 1),
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                    (b"\\u2028", 3)
                }
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                    (b"\\u2029", 3)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            w.write_all(&bytes[start..i])?;
            w.write_all(escape)?;
            i += len;
            start = i;
        }
        w.write_all(&bytes[start..])
    }
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
    if let Some(t) = sent_trace_id(headers) {
        return t.to_string();
    }
    let n = core.next_request_number();
    format!("{:016x}", core.request_rng(n).next_u64())
}

/// The client's own `X-OBSHELL-Trace-ID`, if it sent a non-empty one.
fn sent_trace_id(headers: &HeaderMap) -> Option<&str> {
    const TRACE_ID: HeaderName = HeaderName::from_static("x-obshell-trace-id");
    headers
        .get(&TRACE_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
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

    /// A stamp without a trace id for a request that went through `PreHandlers` all the same
    /// (`/api/v1/status`): the request still takes its number in the trace-id stream, as
    /// [`trace_id`] would, so the ids of later requests do not change; no id is drawn.
    pub fn untraced_after_pre_handlers(core: &mut Core, headers: &HeaderMap) -> Self {
        if sent_trace_id(headers).is_none() {
            core.next_request_number();
        }
        Self::untraced(core)
    }

    /// A stamp without a trace id (`/api/v1/status`, errors before `PreHandlers`).
    pub fn untraced(core: &Core) -> Self {
        Self {
            timestamp: time_at(core, core.now()),
            trace_id: String::new(),
        }
    }

    /// A success envelope; `data: None` omits the key (operate DAG).
    pub fn ok(&self, data: Option<impl Serialize>) -> Response {
        envelope(self, 200, data.as_ref(), None, "application/json")
    }
}

/// `OcsAgentResponse` in Go's field order; `data` and `error` are omitted when absent.
#[derive(Serialize)]
struct Envelope<'a, D> {
    successful: bool,
    timestamp: &'a str,
    duration: u8,
    status: u16,
    #[serde(rename = "traceId")]
    trace_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a D>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a Value>,
}

/// Builds the envelope, written straight to bytes. Virtual time does not move while a request
/// is served, so `duration` (the server's processing milliseconds) is 0.
pub fn envelope(
    stamp: &Stamp,
    status: u16,
    data: Option<&impl Serialize>,
    error: Option<Value>,
    content_type: &'static str,
) -> Response {
    let body = go_json(&Envelope {
        successful: error.is_none(),
        timestamp: &stamp.timestamp,
        duration: 0,
        status,
        trace_id: &stamp.trace_id,
        data,
        error: error.as_ref(),
    });
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
        let west = DateTime::parse_from_rfc3339("0999-12-31T23:59:05.100-05:30").unwrap();
        assert_eq!(go_time(west), "0999-12-31T23:59:05.1-05:30");
    }

    #[test]
    fn html_characters_are_escaped_like_go() {
        let v = serde_json::json!({"m": "a<b>&c"});
        assert_eq!(go_json(&v), br#"{"m":"a\u003cb\u003e\u0026c"}"#);
        let v = serde_json::json!({"k<": "line\u{2028}sep\u{2029}é\"<"});
        let text = String::from_utf8(go_json(&v)).unwrap();
        assert_eq!(text, r#"{"k\u003c":"line\u2028sep\u2029é\"\u003c"}"#);
    }
}
