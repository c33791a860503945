//! Who may call: Huawei Cloud's `SDK-HMAC-SHA256` AK/SK signature, rebuilt exactly as
//! huaweicloudsdkcore's `Signer` builds it and verified for real (with a clock-skew window
//! against the injected wall clock), or an `X-Auth-Token` from the scenario.
//!
//! Verification needs the body (its hash is signed), so it is not a middleware: the `Call`
//! every route takes reads the body outside the lock, and [`authenticate`] checks it inside
//! the request's one exchange with the world, so unknown paths still get their 404.

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use super::fleet::{AccessKey, Model};

/// Python's `quote(s, safe='~')`: everything but letters, digits and `_.-~` is escaped.
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// sha256 of nothing: what the SDK signs for an empty body.
pub const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn quote(s: &str) -> String {
    utf8_percent_encode(s, QUOTE).to_string()
}

fn unquote(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The signer's CanonicalURI: the path unquoted, each segment re-quoted, ending with `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let mut uri = unquote(raw_path)
        .split('/')
        .map(quote)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The signer's CanonicalQueryString: the pairs sorted, both sides quoted, joined with `&`.
pub fn canonical_query(raw_query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (unquote(k), unquote(v)),
            None => (unquote(p), String::new()),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", quote(k), quote(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The six-line CanonicalRequest as bytes. `headers` are the signed headers' (lower-case
/// name, raw value) in SignedHeaders order; values are trimmed as the SDK does.
pub fn canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &[(&str, &[u8])],
    payload_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(raw_path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(raw_query).as_bytes());
    out.push(b'\n');
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(value.trim_ascii());
        out.push(b'\n');
    }
    out.push(b'\n');
    let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    out.extend_from_slice(names.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// The payload hash the SDK signs for `body`.
pub fn payload_hash(body: &[u8]) -> String {
    if body.is_empty() {
        EMPTY_HASH.to_string()
    } else {
        hex::encode(Sha256::digest(body))
    }
}

/// StringToSign: algorithm, X-Sdk-Date and the hex sha256 of the canonical request.
pub fn string_to_sign(sdk_date: &str, canonical: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical))
    )
}

/// The signature: hex HMAC-SHA256 keyed with the raw SK (no key derivation).
pub fn signature(sk: &str, string_to_sign: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(sk.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this arm cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.trim_start();
    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Access" => access = Some(v.trim().to_string()),
            "SignedHeaders" => signed = Some(v.trim().to_string()),
            "Signature" => sig = Some(v.trim().to_string()),
            _ => return None,
        }
    }
    Some(Authorization {
        access: access?,
        signed_headers: signed?
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect(),
        signature: sig?,
    })
}

/// The other algorithms huaweicloudsdkcore's `HttpConfig.signing_algorithm` can choose
/// (`signer/signer.py`, `signer/algorithm.py`): named in the refusal, not verified.
pub const OTHER_ALGORITHMS: &[&str] = &[
    "SDK-HMAC-SM3",
    "SDK-ECDSA-P256-SHA256",
    "SDK-SM2-SM3",
    "V11-HMAC-SHA256",
];

/// Checks a signed request; `Ok` is the key that signed it, `Err` the reason, for
/// APIGW.0301's message.
#[allow(clippy::too_many_arguments)]
pub fn verify_signature<'k>(
    keys: &'k [AccessKey],
    method: &Method,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    wall_now: chrono::DateTime<chrono::Utc>,
    skew_ms: u64,
) -> Result<&'k AccessKey, String> {
    let auth_value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(other) = OTHER_ALGORITHMS
        .iter()
        .find(|a| auth_value.trim_start().starts_with(&format!("{a} ")))
    {
        return Err(format!(
            "verify aksk signature fail (the signing algorithm {other} is not supported here; use the SDK's default {ALGORITHM})"
        ));
    }
    let auth = parse_authorization(auth_value)
        .ok_or("the Authorization header is not 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")?;
    let key = keys
        .iter()
        .find(|k| k.ak == auth.access)
        .ok_or("verify aksk signature fail (unknown access key)")?;
    let sk = key.sk.as_str();
    let date = headers
        .get("x-sdk-date")
        .and_then(|v| v.to_str().ok())
        .ok_or("verify aksk signature fail (no X-Sdk-Date header)")?;
    let signed_at = chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| "verify aksk signature fail (X-Sdk-Date is not like 20240101T000000Z)")?
        .and_utc();
    let skew = (wall_now - signed_at).num_milliseconds().unsigned_abs();
    if skew > skew_ms {
        return Err(format!(
            "verify aksk signature fail (X-Sdk-Date {date} is {}s away from the server's time {}; check the client's clock)",
            skew / 1000,
            wall_now.format("%Y%m%dT%H%M%SZ")
        ));
    }
    let mut signed: Vec<(&str, &[u8])> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = headers.get(name.as_str()).ok_or_else(|| {
            format!("verify aksk signature fail (signed header {name} is missing)")
        })?;
        signed.push((name.as_str(), value.as_bytes()));
    }
    let hash = match headers
        .get("x-sdk-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some(h) if !body.is_empty() => h.to_string(),
        _ => payload_hash(body),
    };
    let canonical = canonical_request(method.as_str(), raw_path, raw_query, &signed, &hash);
    let expected = signature(sk, &string_to_sign(date, &canonical));
    if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err("verify aksk signature fail".into());
    }
    temporary_key_holds(key, headers, wall_now)?;
    Ok(key)
}

/// A temporary key needs its `X-Security-Token` and must not have expired; a permanent key
/// takes no token.
fn temporary_key_holds(
    key: &AccessKey,
    headers: &HeaderMap,
    wall_now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let sent = headers.get("x-security-token").map(|v| v.as_bytes());
    match (&key.security_token, sent) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(format!(
            "verify aksk signature fail (access key {} is permanent and takes no X-Security-Token)",
            key.ak
        )),
        (Some(_), None) => Err(format!(
            "verify aksk signature fail (access key {} is temporary: send its X-Security-Token)",
            key.ak
        )),
        (Some(want), Some(got)) if !constant_time_eq(want.as_bytes(), got) => {
            Err("decrypt token fail (the X-Security-Token is not the access key's)".into())
        }
        (Some(_), Some(_)) => match key.expires_at {
            Some(at) if at <= wall_now => Err(format!(
                "token expires, expires_at: {}",
                at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
            )),
            _ => Ok(()),
        },
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who called: the access key that signed the request, or (`None`) a known X-Auth-Token.
pub type Caller<'k> = Option<&'k AccessKey>;

/// Who is calling: a valid signature (when an Authorization header is present) or a known
/// X-Auth-Token. `Err` is the reason, for APIGW.0301's message. Runs under the world lock
/// (the keys and the wall clock live there); it reads nothing asynchronously.
pub fn authenticate<'m>(
    model: &'m Model,
    wall_now: chrono::DateTime<chrono::Utc>,
    parts: &Parts,
    body: &[u8],
) -> Result<Caller<'m>, String> {
    if parts.headers.contains_key("authorization") {
        verify_signature(
            &model.access_keys,
            &parts.method,
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
            body,
            wall_now,
            model.durations.clock_skew,
        )
        .map(Some)
    } else {
        match parts.headers.get("x-auth-token").map(|v| v.as_bytes()) {
            None => Err("x-auth-token not found".to_string()),
            Some(t) if model.tokens.iter().any(|k| k.as_bytes() == t) => Ok(None),
            Some(_) => Err("decrypt token fail".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_uri_requotes_each_segment_and_ends_with_a_slash() {
        assert_eq!(canonical_uri("/v3/p/jobs"), "/v3/p/jobs/");
        assert_eq!(canonical_uri("/v3/bad-proj%21/x"), "/v3/bad-proj%21/x/");
        assert_eq!(canonical_uri("/a%2Fb%20c"), "/a/b%20c/");
    }

    #[test]
    fn the_canonical_query_is_sorted_and_quoted_like_python() {
        assert_eq!(
            canonical_query(Some("limit=10&id=%2Aabc&a=b%20c")),
            "a=b%20c&id=%2Aabc&limit=10"
        );
        assert_eq!(canonical_query(None), "");
    }

    #[test]
    fn an_authorization_header_parses_into_its_three_parts() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host, Signature=ab12",
        );
        assert_eq!(
            a,
            Some(Authorization {
                access: "AK".into(),
                signed_headers: vec!["content-type".into(), "host".into()],
                signature: "ab12".into()
            })
        );
        assert_eq!(parse_authorization("Bearer x"), None);
    }
}
