//! Who may call: a Huawei Cloud AK/SK signature, rebuilt exactly as huaweicloudsdkcore's
//! signers build it (`signer/signer.py`: `Signer`, `SM3Signer`, `P256SHA256Signer`,
//! `SM2SM3Signer`; `signer/utils.py` for the SM2 and P-256 keys) and verified for real with
//! RustCrypto's `hmac`, `sha2`, `sm3`, `p256` and `sm2` crates, within a clock-skew window
//! against the injected wall clock; or an `X-Auth-Token` from the scenario.
//!
//! The four algorithms share the canonical request (its hash and the payload hash are SHA-256,
//! or SM3 for the two SM algorithms) and the string to sign; they differ in the signature:
//! an HMAC keyed with the raw SK (`SDK-HMAC-SHA256`, `SDK-HMAC-SM3`), or an ECDSA (P-256,
//! SHA-256) or SM2 (SM3, the default user id) signature by a private key the SDK derives from
//! AK and SK (`_derive_key`), whose public key the simulator derives the same way.
//!
//! Verification needs the body (its hash is signed), so it is not a middleware: the `Call`
//! every route takes reads the body outside the lock, and [`authenticate`] checks it inside
//! the request's one exchange with the world, so unknown paths still get their 404. The
//! common case (SDK-HMAC-SHA256, a path with nothing to escape) streams the canonical
//! request into the hash and the string to sign into the HMAC without building either.

mod ecdsa;

use std::borrow::Cow;

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use sm3::Sm3;

use super::fleet::{AccessKey, Model};

/// Python's `quote(s, safe='~')`: everything but letters, digits and `_.-~` is escaped.
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The signing algorithms of huaweicloudsdkcore's `SigningAlgorithm` (`signer/algorithm.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    HmacSm3,
    EcdsaP256Sha256,
    Sm2Sm3,
}

/// The SDK's derived-key signer (`DerivationAKSKSigner`, needs a region and service name):
/// named in its refusal, not verified.
const DERIVED: &str = "V11-HMAC-SHA256";

impl Algorithm {
    pub const ALL: [Self; 4] = [
        Self::HmacSha256,
        Self::HmacSm3,
        Self::EcdsaP256Sha256,
        Self::Sm2Sm3,
    ];

    /// The name the Authorization header and the string to sign start with.
    pub fn name(self) -> &'static str {
        match self {
            Self::HmacSha256 => "SDK-HMAC-SHA256",
            Self::HmacSm3 => "SDK-HMAC-SM3",
            Self::EcdsaP256Sha256 => "SDK-ECDSA-P256-SHA256",
            Self::Sm2Sm3 => "SDK-SM2-SM3",
        }
    }

    fn sm3(self) -> bool {
        matches!(self, Self::HmacSm3 | Self::Sm2Sm3)
    }

    /// The header a client may send the payload's hash in (`_HEADER_CONTENT`).
    pub fn content_header(self) -> &'static str {
        if self.sm3() {
            "x-sdk-content-sm3"
        } else {
            "x-sdk-content-sha256"
        }
    }

    /// The hash of an empty payload (`_EMPTY_HASH`).
    pub fn empty_hash(self) -> &'static str {
        if self.sm3() {
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
        } else {
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        }
    }

    /// The algorithm an Authorization value names, and the rest of the value.
    fn of(value: &str) -> Option<(Self, &str)> {
        let value = value.trim_start();
        Self::ALL.into_iter().find_map(|a| {
            value
                .strip_prefix(a.name())
                .filter(|rest| rest.starts_with(' '))
                .map(|rest| (a, rest))
        })
    }
}

/// SHA-256 or SM3, fed piece by piece.
enum Hasher {
    Sha256(Sha256),
    Sm3(Sm3),
}

impl Hasher {
    fn new(alg: Algorithm) -> Self {
        if alg.sm3() {
            Self::Sm3(Sm3::new())
        } else {
            Self::Sha256(Sha256::new())
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(bytes),
            Self::Sm3(h) => h.update(bytes),
        }
    }

    fn finish(self) -> [u8; 32] {
        match self {
            Self::Sha256(h) => h.finalize().into(),
            Self::Sm3(h) => h.finalize().into(),
        }
    }
}

/// Lower-case hex of a 32-byte digest, on the stack.
fn hex32(digest: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // 64 bytes is exactly twice 32: this cannot fail.
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

fn quote(s: &str) -> Cow<'_, str> {
    utf8_percent_encode(s, QUOTE).into()
}

fn unquote(s: &str) -> Cow<'_, str> {
    percent_decode_str(s).decode_utf8_lossy()
}

/// Whether Python's unquote-then-quote of each segment gives `path` back unchanged.
fn path_is_canonical(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'.' | b'-' | b'~'))
}

/// The signer's CanonicalURI: the path unquoted, each segment re-quoted, ending with `/`.
pub fn canonical_uri(raw_path: &str) -> Cow<'_, str> {
    if path_is_canonical(raw_path) && raw_path.ends_with('/') {
        return Cow::Borrowed(raw_path);
    }
    let mut uri = if path_is_canonical(raw_path) {
        raw_path.to_string()
    } else {
        unquote(raw_path)
            .split('/')
            .map(quote)
            .collect::<Vec<_>>()
            .join("/")
    };
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Cow::Owned(uri)
}

/// The signer's CanonicalQueryString: the pairs sorted, both sides quoted, joined with `&`.
pub fn canonical_query(raw_query: Option<&str>) -> String {
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (unquote(k), unquote(v)),
            None => (unquote(p), Cow::Borrowed("")),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", quote(k), quote(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The hash of the six-line CanonicalRequest, fed to the hasher piece by piece. `headers`
/// are the signed headers' (lower-case name, raw value) in SignedHeaders order; values are
/// trimmed as the SDK does.
fn canonical_hash<N: AsRef<str>>(
    alg: Algorithm,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &[(N, &[u8])],
    payload_hash: &[u8],
) -> [u8; 32] {
    let mut h = Hasher::new(alg);
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        h.update(method.to_ascii_uppercase().as_bytes());
    } else {
        h.update(method.as_bytes());
    }
    h.update(b"\n");
    h.update(canonical_uri(raw_path).as_bytes());
    h.update(b"\n");
    if raw_query.is_some_and(|q| !q.is_empty()) {
        h.update(canonical_query(raw_query).as_bytes());
    }
    h.update(b"\n");
    for (name, value) in headers {
        h.update(name.as_ref().as_bytes());
        h.update(b":");
        h.update(value.trim_ascii());
        h.update(b"\n");
    }
    h.update(b"\n");
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            h.update(b";");
        }
        h.update(name.as_ref().as_bytes());
    }
    h.update(b"\n");
    h.update(payload_hash);
    h.finish()
}

/// The six-line CanonicalRequest as bytes (for the tests; verification streams it into the
/// hash instead).
#[cfg(test)]
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

/// `<ALGORITHM> Access=AK, SignedHeaders=a;b, Signature=hex`, parsed, borrowing the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub algorithm: Algorithm,
    pub access: &'a str,
    /// `a;b`, as sent.
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

pub fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let (algorithm, rest) = Algorithm::of(value)?;
    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Access" => access = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => sig = Some(v.trim()),
            _ => return None,
        }
    }
    Some(Authorization {
        algorithm,
        access: access?,
        signed_headers: signed?,
        signature: sig?,
    })
}

/// `X-Sdk-Date` (`20240101T000000Z`), strictly.
fn parse_sdk_date(date: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let b = date.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let day = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(4, 6)?, num(6, 8)?)?;
    Some(
        day.and_hms_opt(num(9, 11)?, num(11, 13)?, num(13, 15)?)?
            .and_utc(),
    )
}

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
    if auth_value
        .trim_start()
        .strip_prefix(DERIVED)
        .is_some_and(|rest| rest.starts_with(' '))
    {
        return Err(format!(
            "verify aksk signature fail (the signing algorithm {DERIVED} is not supported here; use {})",
            Algorithm::ALL.map(Algorithm::name).join(", ")
        ));
    }
    let auth = parse_authorization(auth_value).ok_or(
        "the Authorization header is not '<algorithm> Access=..., SignedHeaders=..., Signature=...' \
         with an algorithm of SDK-HMAC-SHA256, SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256 or SDK-SM2-SM3",
    )?;
    let key = keys
        .iter()
        .find(|k| k.ak == auth.access)
        .ok_or("verify aksk signature fail (unknown access key)")?;
    let date = headers
        .get("x-sdk-date")
        .and_then(|v| v.to_str().ok())
        .ok_or("verify aksk signature fail (no X-Sdk-Date header)")?;
    let signed_at = parse_sdk_date(date)
        .ok_or("verify aksk signature fail (X-Sdk-Date is not like 20240101T000000Z)")?;
    let skew = (wall_now - signed_at).num_milliseconds().unsigned_abs();
    if skew > skew_ms {
        return Err(format!(
            "verify aksk signature fail (X-Sdk-Date {date} is {}s away from the server's time {}; check the client's clock)",
            skew / 1000,
            wall_now.format("%Y%m%dT%H%M%SZ")
        ));
    }
    let mut signed: Vec<(Cow<'_, str>, &[u8])> = Vec::with_capacity(8);
    for name in auth
        .signed_headers
        .split(';')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        let value = headers.get(name).ok_or_else(|| {
            format!("verify aksk signature fail (signed header {name} is missing)")
        })?;
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        signed.push((name, value.as_bytes()));
    }
    let alg = auth.algorithm;
    let body_hash: [u8; 64];
    let payload_hash: &[u8] = match headers.get(alg.content_header()) {
        _ if body.is_empty() => alg.empty_hash().as_bytes(),
        Some(h) => h.as_bytes(),
        None => {
            let mut h = Hasher::new(alg);
            h.update(body);
            body_hash = hex32(&h.finish());
            &body_hash
        }
    };
    let canonical = canonical_hash(
        alg,
        method.as_str(),
        raw_path,
        raw_query,
        &signed,
        payload_hash,
    );
    let to_sign = StringToSign {
        alg,
        date,
        canonical_hex: hex32(&canonical),
    };
    if !signature_holds(&to_sign, key, auth.signature) {
        return Err("verify aksk signature fail".into());
    }
    temporary_key_holds(key, headers, wall_now)?;
    Ok(key)
}

/// StringToSign: the algorithm, X-Sdk-Date and the hex hash of the canonical request.
struct StringToSign<'a> {
    alg: Algorithm,
    date: &'a str,
    canonical_hex: [u8; 64],
}

impl StringToSign<'_> {
    fn parts(&self) -> [&[u8]; 5] {
        [
            self.alg.name().as_bytes(),
            b"\n",
            self.date.as_bytes(),
            b"\n",
            &self.canonical_hex,
        ]
    }

    fn to_vec(&self) -> Vec<u8> {
        self.parts().concat()
    }
}

/// Whether `signature` (hex, as sent) is the key's signature of the string to sign.
fn signature_holds(to_sign: &StringToSign<'_>, key: &AccessKey, signature: &str) -> bool {
    let mut mac = [0u8; 32];
    match to_sign.alg {
        Algorithm::HmacSha256 => {
            hex::decode_to_slice(signature, &mut mac).is_ok()
                && hmac_holds_sha256(key, to_sign, &mac)
        }
        Algorithm::HmacSm3 => {
            hex::decode_to_slice(signature, &mut mac).is_ok() && hmac_holds_sm3(key, to_sign, &mac)
        }
        Algorithm::EcdsaP256Sha256 => {
            hex::decode(signature).is_ok_and(|der| ecdsa::p256_holds(key, &to_sign.to_vec(), &der))
        }
        Algorithm::Sm2Sm3 => {
            hex::decode(signature).is_ok_and(|der| ecdsa::sm2_holds(key, &to_sign.to_vec(), &der))
        }
    }
}

/// HMAC with `D` keyed with `key` over `parts`, in a `[u8; 32]`.
macro_rules! hmac_over {
    ($d:ty, $key:expr, $parts:expr) => {{
        match <Hmac<$d> as Mac>::new_from_slice($key) {
            Ok(mut mac) => {
                for part in $parts {
                    mac.update(part);
                }
                Some(mac)
            }
            // HMAC takes keys of any length; this arm cannot happen.
            Err(_) => None,
        }
    }};
}

fn hmac_holds_sha256(key: &AccessKey, to_sign: &StringToSign<'_>, sig: &[u8]) -> bool {
    hmac_over!(Sha256, key.sk.as_bytes(), to_sign.parts())
        .is_some_and(|mac| mac.verify_slice(sig).is_ok())
}

fn hmac_holds_sm3(key: &AccessKey, to_sign: &StringToSign<'_>, sig: &[u8]) -> bool {
    hmac_over!(Sm3, key.sk.as_bytes(), to_sign.parts())
        .is_some_and(|mac| mac.verify_slice(sig).is_ok())
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
        assert_eq!(canonical_uri("/v3/p/jobs/"), "/v3/p/jobs/");
        assert_eq!(canonical_uri("/v3/bad-proj%21/x"), "/v3/bad-proj%21/x/");
        assert_eq!(canonical_uri("/a%2Fb%20c"), "/a/b%20c/");
        assert_eq!(canonical_uri("/a b"), "/a%20b/");
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
    fn the_streamed_hash_is_the_hash_of_the_canonical_request() {
        let headers: [(&str, &[u8]); 2] = [("host", b" h:1 "), ("x-sdk-date", b"20240101T000000Z")];
        for alg in Algorithm::ALL {
            for (path, query) in [("/v3/p/jobs", Some("id=%2Aa&b=1")), ("/v3/a%20b/", None)] {
                let whole = canonical_request("get", path, query, &headers, alg.empty_hash());
                let mut h = Hasher::new(alg);
                h.update(&whole);
                let streamed = canonical_hash(
                    alg,
                    "get",
                    path,
                    query,
                    &headers,
                    alg.empty_hash().as_bytes(),
                );
                assert_eq!(streamed, h.finish(), "{alg:?} {path}");
            }
        }
    }

    #[test]
    fn the_empty_hashes_are_the_hashes_of_nothing() {
        assert_eq!(
            hex::encode(Sha256::digest(b"")),
            Algorithm::HmacSha256.empty_hash()
        );
        assert_eq!(
            hex::encode(Sm3::digest(b"")),
            Algorithm::Sm2Sm3.empty_hash()
        );
    }

    #[test]
    fn an_authorization_header_parses_into_its_parts_with_its_algorithm() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host, Signature=ab12",
        );
        assert_eq!(
            a,
            Some(Authorization {
                algorithm: Algorithm::HmacSha256,
                access: "AK",
                signed_headers: "content-type;host",
                signature: "ab12"
            })
        );
        let sm2 = parse_authorization("SDK-SM2-SM3 Access=AK, SignedHeaders=host, Signature=30");
        assert_eq!(sm2.map(|a| a.algorithm), Some(Algorithm::Sm2Sm3));
        assert_eq!(parse_authorization("Bearer x"), None);
        assert_eq!(parse_authorization("SDK-HMAC-SHA256X Access=a"), None);
    }

    #[test]
    fn the_sdk_date_parses_strictly() {
        assert!(parse_sdk_date("20240101T000000Z").is_some());
        for bad in [
            "2024-01-01T000000Z",
            "20241301T000000Z",
            "20240101T000000",
            "2024010aT000000Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }
}
