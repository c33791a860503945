//! Authentication the way the obshell server does it, as middleware in the server's order:
//! HeaderDecrypt (on every route when `X-OCS-Header`/`X-OCS-Agent-Header` is present: chunked
//! RSA PKCS#1 v1.5, JSON `{"auth","ts","uri","keys"}`), BodyDecrypt (AES-128-CBC with the
//! header's key and IV, padding stripped unchecked), PreHandlers (the trace id), then on
//! protected routes Verify (header present, URI match, `ts` expiry against the injected wall
//! clock, root password). v1 (`X-OCS-Auth`, obshell 4.2.2: RSA-encrypted `{"password","ts"}`,
//! plain body) is accepted when the profile offers it. [`authenticate`] is a synchronous
//! check that a handler calls inside its one acquisition of the world, so the stamp (trace id,
//! virtual time) and the answer come from one instant; only matched routes call it, so unknown
//! paths never see it and stay 404. The decryptions (RSA of a header, AES of a body) depend on
//! nothing but the request and the agent's fixed key, so [`Decrypted::ahead`] does them before
//! the lock is taken (on every core at once); `authenticate` only verifies under it.

use std::sync::OnceLock;

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use axum::http::{HeaderMap, HeaderName};
use axum::response::Response;
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use serde_json::Value;

use super::config::AuthVersion;
use super::error::ObError;
use super::gin::go_kind;
use super::http::Raw;
use super::model::Model;
use super::wire::Stamp;
use crate::kernel::Core;

/// The agent's key pair (a fixed 1024-bit test key: the simulator has no secrets to keep, and
/// a fixed key keeps every run identical).
const KEY_PEM: &str = include_str!("../../../assets/obshell-agent-key.pem");

fn key() -> Option<&'static RsaPrivateKey> {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::from_pkcs1_pem(KEY_PEM).ok())
        .as_ref()
}

/// `/api/v1/secret`'s `public_key`: base64 of the PKCS#1 DER RSAPublicKey.
pub fn public_key_b64() -> String {
    key()
        .and_then(|k| k.to_public_key().to_pkcs1_der().ok())
        .map(|der| base64::engine::general_purpose::STANDARD.encode(der.as_bytes()))
        .unwrap_or_default()
}

/// Decrypts `raw` block by block (the block size is the modulus size, as the server splits it).
fn rsa_decrypt(raw: &[u8]) -> Result<Vec<u8>, String> {
    let k = key().ok_or("the simulator's agent key did not load")?;
    let size = rsa::traits::PublicKeyParts::size(k);
    if raw.is_empty() || !raw.len().is_multiple_of(size) {
        return Err("crypto/rsa: decryption error".into());
    }
    let mut out = Vec::new();
    for chunk in raw.chunks(size) {
        let plain = k
            .decrypt(Pkcs1v15Encrypt, chunk)
            .map_err(|_| "crypto/rsa: decryption error".to_string())?;
        out.extend(plain);
    }
    Ok(out)
}

/// HEAD `secure.Decrypt`: "" stays "" (no error); else base64, then RSA block by block.
pub fn decrypt_text(value: &str) -> Result<String, String> {
    if value.is_empty() {
        return Ok(String::new());
    }
    let plain = rsa_decrypt(&b64(value)?)?;
    Ok(String::from_utf8_lossy(&plain).into_owned())
}

fn b64(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| "illegal base64 data at input byte 0".to_string())
}

/// The decoded v2 header.
#[derive(Debug, Clone)]
struct Header {
    auth: String,
    ts: String,
    uri: String,
    keys: Vec<u8>,
}

/// Go's case-insensitive field lookup.
fn field<'a>(o: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn go_string(o: &serde_json::Map<String, Value>, name: &str) -> Result<String, String> {
    match field(o, name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(format!(
            "json: cannot unmarshal {} into Go struct field HttpHeader.{name} of type string",
            go_kind(v)
        )),
    }
}

fn decode_v2(value: &str) -> Result<Header, String> {
    let raw = b64(value)?;
    let plain = rsa_decrypt(&raw)?;
    let json: Value = serde_json::from_slice(&plain)
        .map_err(|e| format!("invalid character in header JSON: {e}"))?;
    let Value::Object(o) = json else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type secure.HttpHeader",
            go_kind(&json)
        ));
    };
    let keys = go_string(&o, "keys")?;
    Ok(Header {
        auth: go_string(&o, "auth")?,
        ts: go_string(&o, "ts")?,
        uri: go_string(&o, "uri")?,
        keys: if keys.is_empty() {
            Vec::new()
        } else {
            b64(&keys)?
        },
    })
}

/// v1: `{"password": str, "ts": int}`.
fn decode_v1(value: &str) -> Result<(String, i64), String> {
    let plain = rsa_decrypt(&b64(value)?)?;
    let json: Value =
        serde_json::from_slice(&plain).map_err(|e| format!("invalid auth JSON: {e}"))?;
    let password = json
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let ts = json.get("ts").and_then(Value::as_i64).unwrap_or(0);
    Ok((password, ts))
}

fn aes_decrypt(keys: &[u8], body: &[u8]) -> Result<Vec<u8>, ObError> {
    type Dec = cbc::Decryptor<aes::Aes128>;
    if keys.len() != 32 {
        return Err(ObError::aes_key());
    }
    let text = std::str::from_utf8(body).unwrap_or_default();
    // The server ignores base64 errors and decrypts whatever decoded (here: nothing).
    let mut data = b64(text).unwrap_or_default();
    if !data.len().is_multiple_of(16) {
        return Err(ObError::aes_length());
    }
    let dec = Dec::new_from_slices(&keys[..16], &keys[16..]).map_err(|_| ObError::aes_key())?;
    let plain = dec
        .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut data)
        .map_err(|_| ObError::aes_length())?
        .to_vec();
    let pad = plain.last().copied().unwrap_or(0) as usize;
    if pad > plain.len() {
        return Err(ObError::unexpected("Internal Server Error"));
    }
    Ok(plain[..plain.len() - pad].to_vec())
}

// The credential headers, named once (a lookup by `&str` parses the name every time).
const AGENT_HEADER: HeaderName = HeaderName::from_static("x-ocs-agent-header");
const OCS_HEADER: HeaderName = HeaderName::from_static("x-ocs-header");
const OCS_AUTH: HeaderName = HeaderName::from_static("x-ocs-auth");

/// The v2 header a request carries, as `BodyDecrypt` picks it: the agent header first.
fn v2_header(headers: &HeaderMap) -> Option<&str> {
    let text = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    text(&AGENT_HEADER).or_else(|| text(&OCS_HEADER))
}

fn v1_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(&OCS_AUTH).and_then(|v| v.to_str().ok())
}

/// A v2 header decoded, and the body decrypted with its key (`None`: an empty body).
type V2 = Result<(Header, Option<Result<Vec<u8>, ObError>>), String>;

/// The decryptions of a request's credential, done before the world is locked: they read only
/// the request and the agent's key, and the RSA one is most of an authenticated request's time.
/// Which of them the profile's auth versions actually use is decided under the lock, in
/// [`check`], exactly as before; one it did not do ahead it does there.
#[derive(Default)]
pub struct Decrypted {
    v2: Option<V2>,
    v1: Option<Result<(String, i64), String>>,
}

/// The RSA-sealed header a request's auth decrypts.
enum Sealed<'a> {
    V2(&'a str),
    V1(&'a str),
}

/// The v2 header, else on a protected route the v1 header.
fn sealed(raw: &Raw, stages: Stages) -> Option<Sealed<'_>> {
    match v2_header(&raw.headers) {
        Some(h) => Some(Sealed::V2(h)),
        None => v1_header(&raw.headers)
            .filter(|_| stages.protect)
            .map(Sealed::V1),
    }
}

impl Decrypted {
    /// Whether [`Decrypted::ahead`] has an RSA block to decrypt in `raw` (about 200 µs).
    pub fn needs_rsa(raw: &Raw, stages: Stages) -> bool {
        sealed(raw, stages).is_some()
    }

    /// Decrypts what `raw` carries: the v2 header (and with it the body, if the route's
    /// `BodyDecrypt` runs), else on a protected route the v1 header.
    pub fn ahead(raw: &Raw, stages: Stages) -> Self {
        let body = raw.body.as_deref().unwrap_or_default();
        match sealed(raw, stages) {
            Some(Sealed::V2(h)) => Self {
                v2: Some(decode_v2_with_body(h, body, stages.decrypt_body)),
                v1: None,
            },
            Some(Sealed::V1(h)) => Self {
                v2: None,
                v1: Some(decode_v1(h)),
            },
            None => Self { v2: None, v1: None },
        }
    }
}

/// Which auth stages a route runs.
#[derive(Debug, Clone, Copy)]
pub struct Stages {
    /// Verify: a credential is required.
    pub protect: bool,
    /// The answer carries the trace id PreHandlers draws (else an empty one, as
    /// `/api/v1/status`).
    pub traced: bool,
    /// BodyDecrypt (HEAD skips it on `/api/v1/package`).
    pub decrypt_body: bool,
}

fn decode_v2_with_body(value: &str, body: &[u8], decrypt_body: bool) -> V2 {
    let header = decode_v2(value)?;
    let plain = (decrypt_body && !body.is_empty()).then(|| aes_decrypt(&header.keys, body));
    Ok((header, plain))
}

/// Which credential a request carried.
enum Credential {
    None,
    V1(String, i64),
    V2(Header),
}

/// A request that passed the auth stages: its stamp (trace id) and plaintext body.
#[derive(Debug, Clone)]
pub struct Authed {
    pub stamp: Stamp,
    pub body: Vec<u8>,
}

/// The auth stages of one request (HeaderDecrypt, BodyDecrypt, PreHandlers, and on a
/// protected route Verify; the ones `stages` names), under the world's lock; a failure is the
/// answer.
pub fn authenticate(
    core: &mut Core,
    m: &Model,
    raw: &Raw,
    decrypted: Decrypted,
    stages: Stages,
) -> Result<Authed, Response> {
    let bytes = match &raw.body {
        Ok(b) => b,
        Err(e) => {
            let stamp = Stamp::new(core, &raw.headers);
            return Err(ObError::bind(&format!("read body: {e}")).render(m.profile, &stamp));
        }
    };
    let request = Request {
        headers: &raw.headers,
        body: bytes,
        uri: &raw.uri,
        protect: stages.protect,
        decrypt_body: stages.decrypt_body,
    };
    match check(request, decrypted, m, core.wall.now().timestamp()) {
        Ok(body) => Ok(Authed {
            stamp: if stages.traced {
                Stamp::new(core, &raw.headers)
            } else {
                Stamp::untraced_after_pre_handlers(core, &raw.headers)
            },
            body,
        }),
        Err(e) => {
            let stamp = if e.early {
                Stamp::untraced(core)
            } else {
                Stamp::new(core, &raw.headers)
            };
            Err(e.render(m.profile, &stamp))
        }
    }
}

/// What [`check`] looks at of a request.
struct Request<'a> {
    headers: &'a HeaderMap,
    body: &'a [u8],
    uri: &'a str,
    protect: bool,
    decrypt_body: bool,
}

/// Decrypts (using what was decrypted ahead; the body only if `decrypt_body`: HEAD's
/// `BodyDecrypt` skips `/api/v1/package`) and (if `protect`) verifies; returns the plaintext
/// body.
fn check(req: Request<'_>, ahead: Decrypted, m: &Model, now_s: i64) -> Result<Vec<u8>, ObError> {
    let Request {
        headers,
        body,
        uri,
        protect,
        decrypt_body,
    } = req;
    let v2 = m.auth.contains(&AuthVersion::V2);
    let v1 = m.auth.contains(&AuthVersion::V1);
    // `BodyDecrypt` prefers the agent header; `Verify` then checks it against the agent password.
    let agent_header = v2 && headers.contains_key(&AGENT_HEADER);
    let v2_header = if v2 { v2_header(headers) } else { None };
    let cred = if let Some(h) = v2_header {
        let decoded = ahead
            .v2
            .unwrap_or_else(|| decode_v2_with_body(h, body, decrypt_body));
        let (header, decrypted) = decoded.map_err(|e| ObError::decrypt_failed(&e))?;
        let plain = decrypted.transpose()?;
        (Credential::V2(header), plain)
    } else if let Some(h) = v1_header(headers).filter(|_| v1) {
        if protect {
            let decoded = ahead.v1.unwrap_or_else(|| decode_v1(h));
            let (p, ts) = decoded.map_err(|e| ObError::decrypt_failed(&e))?;
            (Credential::V1(p, ts), None)
        } else {
            (Credential::None, None)
        }
    } else {
        (Credential::None, None)
    };
    let (cred, plain) = cred;
    let plain = plain.unwrap_or_else(|| body.to_vec());
    if !protect {
        return Ok(plain);
    }
    match cred {
        Credential::None => Err(ObError::header_not_found()),
        Credential::V1(password, ts) => {
            if !password.is_empty() && now_s > ts {
                return Err(ObError::expired());
            }
            if password != m.password {
                return Err(ObError::wrong_password());
            }
            Ok(plain)
        }
        Credential::V2(h) => {
            if h.uri != uri {
                return Err(ObError::uri_mismatch());
            }
            if !h.auth.is_empty() {
                let ts: i64 = h.ts.trim().parse().map_err(|_| {
                    ObError::bad_timestamp(
                        &h.ts,
                        &format!("strconv.ParseInt: parsing \"{}\": invalid syntax", h.ts),
                    )
                })?;
                if now_s > ts {
                    return Err(ObError::expired());
                }
            }
            // 4.2.6 `api/common/middleware.go` `VerifyObRouters` (a cluster agent, whose
            // OceanBase password is set), `secure/auth.go` `VerifyAuth`.
            if agent_header {
                return match &m.agent_password {
                    None => Err(ObError::agent_password_not_set()),
                    Some(p) if *p == h.auth => Ok(plain),
                    Some(_) => Err(ObError::wrong_agent_password()),
                };
            }
            if h.auth != m.password {
                return Err(ObError::wrong_password());
            }
            Ok(plain)
        }
    }
}
