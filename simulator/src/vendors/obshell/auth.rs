//! Authentication the way the obshell server does it, as middleware in the server's order:
//! HeaderDecrypt (on every route when `X-OCS-Header`/`X-OCS-Agent-Header` is present: chunked
//! RSA PKCS#1 v1.5, JSON `{"auth","ts","uri","keys"}`), BodyDecrypt (AES-128-CBC with the
//! header's key and IV, padding stripped unchecked), PreHandlers (the trace id), then on
//! protected routes Verify (header present, URI match, `ts` expiry against the injected wall
//! clock, root password). v1 (`X-OCS-Auth`, obshell 4.2.2: RSA-encrypted `{"password","ts"}`,
//! plain body) is accepted when the profile offers it. Applied per router, so unknown paths
//! never see it and stay 404.

use std::sync::OnceLock;

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use axum::body::{to_bytes, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use serde_json::Value;

use super::config::AuthVersion;
use super::error::ObError;
use super::wire::Stamp;
use crate::Sim;

/// The agent's key pair (a fixed 1024-bit test key: the simulator has no secrets to keep, and
/// a fixed key keeps every run identical).
const KEY_PEM: &str = include_str!("../../../../fixtures/obshell/agent-key.pem");

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

pub fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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

/// Which credential a request carried.
enum Credential {
    None,
    V1(String, i64),
    V2(Header),
}

/// A request that passed the auth stages: its stamp (trace id), headers and plaintext body.
#[derive(Debug, Clone)]
pub struct Authed {
    pub stamp: Stamp,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Extractor for protected routes (HeaderDecrypt, BodyDecrypt, PreHandlers, Verify). As an
/// extractor it runs only on matched routes, so unknown paths stay 404.
pub struct Verified(pub Authed);

/// Extractor for public routes (a v2 header, if sent, is still decrypted, as the real server does).
pub struct Public(pub Authed);

impl FromRequest<Sim> for Verified {
    type Rejection = Response;
    async fn from_request(req: Request, sim: &Sim) -> Result<Self, Response> {
        run(sim, req, true).await.map(Verified)
    }
}

impl FromRequest<Sim> for Public {
    type Rejection = Response;
    async fn from_request(req: Request, sim: &Sim) -> Result<Self, Response> {
        run(sim, req, false).await.map(Public)
    }
}

async fn run(sim: &Sim, req: Request, protect: bool) -> Result<Authed, Response> {
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, 256 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => {
            let w = &mut *sim.lock();
            let stamp = Stamp::new(&mut w.core, &parts.headers);
            return Err(ObError::bind(&format!("read body: {e}"))
                .render(w.vendor::<super::Model>().profile, &stamp));
        }
    };
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    let w = &mut *sim.lock();
    let (core, m) = w.split::<super::Model>();
    match check(
        &parts.headers,
        &bytes,
        &uri,
        protect,
        m,
        core.wall.now().timestamp(),
    ) {
        Ok(body) => Ok(Authed {
            stamp: Stamp::new(core, &parts.headers),
            headers: parts.headers,
            body: Bytes::from(body),
        }),
        Err(e) => {
            let stamp = if e.early {
                Stamp::untraced(core)
            } else {
                Stamp::new(core, &parts.headers)
            };
            Err(e.render(m.profile, &stamp))
        }
    }
}

/// Decrypts and (if `protect`) verifies; returns the plaintext body.
fn check(
    headers: &HeaderMap,
    body: &[u8],
    uri: &str,
    protect: bool,
    m: &super::Model,
    now_s: i64,
) -> Result<Vec<u8>, ObError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let v2 = m.auth.contains(&AuthVersion::V2);
    let v1 = m.auth.contains(&AuthVersion::V1);
    let v2_header = if v2 {
        text("x-ocs-agent-header").or_else(|| text("x-ocs-header"))
    } else {
        None
    };
    let mut plain = body.to_vec();
    let cred = if let Some(h) = v2_header {
        let header = decode_v2(h).map_err(|e| ObError::decrypt_failed(&e))?;
        if !body.is_empty() {
            plain = aes_decrypt(&header.keys, body)?;
        }
        Credential::V2(header)
    } else if let Some(h) = text("x-ocs-auth").filter(|_| v1) {
        if protect {
            let (p, ts) = decode_v1(h).map_err(|e| ObError::decrypt_failed(&e))?;
            Credential::V1(p, ts)
        } else {
            Credential::None
        }
    } else {
        Credential::None
    };
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
            if h.auth != m.password {
                return Err(ObError::wrong_password());
            }
            Ok(plain)
        }
    }
}

/// The client side of both schemes, as the obshell SDK builds them (for tests, benches and
/// curl walk-throughs: `upgrade-sim` has no SDK of its own to lean on).
pub mod client {
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    use base64::Engine;
    use rsa::{Pkcs1v15Encrypt, RsaPublicKey};

    fn public() -> Option<RsaPublicKey> {
        super::key().map(|k| k.to_public_key())
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// `X-OCS-Auth`: one RSA block of `{"password": …, "ts": <int>}` (Python's json.dumps spacing).
    pub fn v1_header(password: &str, ts: i64) -> String {
        let json = format!(
            "{{\"password\": {}, \"ts\": {ts}}}",
            serde_json::Value::from(password)
        );
        encrypt_chunks(json.as_bytes(), usize::MAX)
    }

    fn encrypt_chunks(plain: &[u8], chunk: usize) -> String {
        let Some(k) = public() else {
            return String::new();
        };
        let mut rng = rsa::rand_core::OsRng;
        let mut out = Vec::new();
        for c in plain.chunks(chunk.min(117)) {
            if let Ok(e) = k.encrypt(&mut rng, Pkcs1v15Encrypt, c) {
                out.extend(e);
            }
        }
        b64(&out)
    }

    /// `X-OCS-Header` for `uri` (path + query) and, if there is a body, the body encrypted
    /// with AES-128-CBC under `keys` (16-byte key ‖ 16-byte IV), base64, as the SDK sends it.
    pub fn v2(
        password: &str,
        ts: &str,
        uri: &str,
        keys: [u8; 32],
        body: Option<&[u8]>,
    ) -> (String, Option<String>) {
        let header = format!(
            "{{\"auth\": {}, \"ts\": {}, \"uri\": {}, \"keys\": \"{}\"}}",
            serde_json::Value::from(password),
            serde_json::Value::from(ts),
            serde_json::Value::from(uri),
            b64(&keys)
        );
        let enc = body.map(|b| {
            type Enc = cbc::Encryptor<aes::Aes128>;
            let e = Enc::new_from_slices(&keys[..16], &keys[16..])
                .map(|e| e.encrypt_padded_vec_mut::<aes::cipher::block_padding::Pkcs7>(b));
            b64(&e.unwrap_or_default())
        });
        (encrypt_chunks(header.as_bytes(), 53), enc)
    }
}
