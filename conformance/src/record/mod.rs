//! `record`: a recording proxy. A user's own client or SDK talks to it as it would to the
//! target; every exchange is forwarded unchanged (auth included) and kept, and when the proxy
//! stops the exchanges become a case file ([`case::case_file`]) whose requests go out with the
//! harness's own vendor adapters, so no secret is ever written.
//!
//! OBShell encrypts bodies (v2) under a key sealed with the agent's RSA public key, so the
//! proxy stands in the middle for that one vendor: it answers `GET /api/v1/secret` with a key
//! of its own, opens what the client seals with it (to record the plain body), and seals it
//! again with the agent's key before forwarding.
//!
//! Huawei Cloud's SDK signs the host it talks to (the proxy), which the target would refuse,
//! so a request signed `SDK-HMAC-SHA256` is signed again with the harness's adapter and the
//! credentials the config, the environment or the simulator give ([`Options::creds`]).
//! storops only speaks HTTPS, so `--tls` serves the proxy with a self-signed certificate.

pub mod case;
mod tls;

use crate::auth::obshell::{public_key, rsa_chunks};
use crate::auth::{huawei, AuthSpec, Credentials, Http, Incoming, Outgoing};
use aes::cipher::{BlockDecryptMut, KeyIvInit};
use anyhow::{anyhow, Context};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// One request and its answer, as the client meant them (OBShell bodies decrypted).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response: Vec<u8>,
}

/// The proxy's own OBShell key pair, and the agent's public key once seen.
struct Middle {
    private: RsaPrivateKey,
    public_b64: String,
    agent: Mutex<Option<RsaPublicKey>>,
}

/// How the proxy serves and what it may sign with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Serve HTTPS with a self-signed certificate (storops speaks nothing else).
    pub tls: bool,
    /// Credentials for re-signing Huawei requests; against the simulator what these lack
    /// comes from it, as for `run`.
    pub creds: Credentials,
}

#[derive(Clone)]
struct Proxy {
    upstream: Http,
    creds: Arc<Credentials>,
    /// The missing-Huawei-credentials warning was printed.
    warned: Arc<std::sync::atomic::AtomicBool>,
    log: Arc<Mutex<Vec<Exchange>>>,
    middle: Arc<Middle>,
}

/// Headers the proxy does not pass on: the connection's own, and compression (the
/// recording needs the bodies as text).
const HOP: [&str; 6] = [
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "accept-encoding",
    "keep-alive",
];

/// Serves the recording proxy on `listener`, forwarding to `upstream`, until `shutdown`
/// completes; returns the exchanges in the order they happened.
pub async fn serve(
    upstream: &str,
    listener: tokio::net::TcpListener,
    opts: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Vec<Exchange>> {
    let target = crate::runner::Target::connect(upstream, opts.creds).await?;
    let mut rng = rsa::rand_core::OsRng;
    let private = RsaPrivateKey::new(&mut rng, 1024).context("making the proxy's RSA key")?;
    let public_b64 = B64.encode(
        RsaPublicKey::from(&private)
            .to_pkcs1_der()
            .context("encoding the proxy's RSA key")?
            .as_bytes(),
    );
    let proxy = Proxy {
        upstream: target.http,
        creds: Arc::new(target.creds),
        warned: Arc::default(),
        log: Arc::new(Mutex::new(Vec::new())),
        middle: Arc::new(Middle {
            private,
            public_b64,
            agent: Mutex::new(None),
        }),
    };
    let log = proxy.log.clone();
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    if opts.tls {
        let acceptor = tls::self_signed()?;
        axum::serve(
            tls::Listener {
                tcp: listener,
                acceptor,
            },
            app,
        )
        .with_graceful_shutdown(shutdown)
        .await
    } else {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
    .context("serving the recording proxy")?;
    let exchanges = log.lock().map(|l| l.clone()).unwrap_or_default();
    Ok(exchanges)
}

async fn forward(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match relay(&p, method, uri, headers, body).await {
        Ok(r) => r,
        Err(e) => Response::builder()
            .status(502)
            .body(Body::from(format!("upgrade-conformance record: {e:#}\n")))
            .unwrap_or_default(),
    }
}

async fn relay(
    p: &Proxy,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> anyhow::Result<Response> {
    let target = uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut out = Outgoing {
        method: method.as_str().to_string(),
        target,
        headers: headers
            .iter()
            .filter(|(k, _)| !HOP.contains(&k.as_str()))
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let plain = p.reseal(&mut out).await?;
    p.resign(&mut out)?;
    let mut resp = p.upstream.send(&out).await?;
    if out.method == "GET" && out.path() == "/api/v1/secret" {
        p.swap_key(&mut resp);
    }
    if let Ok(mut log) = p.log.lock() {
        log.push(Exchange {
            method: out.method.clone(),
            target: out.target.clone(),
            headers: out.headers.clone(),
            body: plain,
            status: resp.status,
            response_headers: resp.headers.clone(),
            response: resp.body.clone(),
        });
    }
    let mut b = Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        if !HOP.contains(&k.as_str()) {
            b = b.header(k.as_str(), v.as_str());
        }
    }
    Ok(b.body(Body::from(resp.body))?)
}

impl Proxy {
    /// Signs a Huawei `SDK-HMAC-SHA256` request again for the upstream's host. Without
    /// AK/SK it goes as the client signed it (and the target will say so).
    fn resign(&self, out: &mut Outgoing) -> anyhow::Result<()> {
        let signed = out
            .header("Authorization")
            .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256"));
        let c = &self.creds.taurusdb;
        if !signed {
            return Ok(());
        }
        if c.ak.is_none() || c.sk.is_none() {
            if !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
                eprintln!(
                    "upgrade-conformance record: warning: a Huawei request signed for this proxy \
                     goes to the target as signed, which will refuse it; give \
                     credentials.taurusdb.ak and .sk (--config, or UPGRADE_CONFORMANCE_TAURUSDB_AK \
                     and _SK) so the recorder signs it for the target"
                );
            }
            return Ok(());
        }
        out.headers.retain(|(k, _)| {
            !["authorization", "x-sdk-date"].contains(&k.to_ascii_lowercase().as_str())
        });
        let aksk = AuthSpec {
            mode: Some("aksk".into()),
            ..AuthSpec::default()
        };
        huawei::sign(&self.creds, &aksk, &self.upstream, out)
    }

    /// The agent's public key: the one its `/api/v1/secret` answered, fetched if not seen.
    async fn agent_key(&self) -> anyhow::Result<RsaPublicKey> {
        if let Some(k) = self.middle.agent.lock().ok().and_then(|k| k.clone()) {
            return Ok(k);
        }
        let k = public_key(&self.upstream).await?;
        if let Ok(mut slot) = self.middle.agent.lock() {
            *slot = Some(k.clone());
        }
        Ok(k)
    }

    /// Keeps the agent's key and hands the client the proxy's instead.
    fn swap_key(&self, resp: &mut Incoming) {
        let Some(mut v) = resp.json() else { return };
        let Some(b64) = v.pointer("/data/public_key").and_then(|k| k.as_str()) else {
            return;
        };
        let agent = B64
            .decode(b64)
            .ok()
            .and_then(|der| rsa::pkcs1::DecodeRsaPublicKey::from_pkcs1_der(&der).ok());
        if let (Some(agent), Ok(mut slot)) = (agent, self.middle.agent.lock()) {
            *slot = Some(agent);
        }
        if let Some(slot) = v.pointer_mut("/data/public_key") {
            *slot = serde_json::Value::from(self.middle.public_b64.clone());
        }
        resp.body = serde_json::to_vec(&v).unwrap_or_else(|_| resp.body.clone());
        resp.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
    }

    /// Opens OBShell's sealed headers with the proxy's key and seals them again with the
    /// agent's; returns the plain body (decrypted under v2), which is what gets recorded.
    async fn reseal(&self, out: &mut Outgoing) -> anyhow::Result<Vec<u8>> {
        let mut plain = out.body.clone();
        for name in ["X-OCS-Header", "X-OCS-Auth"] {
            let Some(sealed) = out.header(name).map(str::to_string) else {
                continue;
            };
            let opened = self
                .open(&sealed)
                .with_context(|| format!("opening {name}"))?;
            if name == "X-OCS-Header" && !out.body.is_empty() {
                plain = decrypt_body(&opened, &out.body).unwrap_or_else(|| out.body.clone());
            }
            let agent = self.agent_key().await?;
            out.set_header(name, B64.encode(rsa_chunks(&agent, &opened)?));
        }
        Ok(plain)
    }

    fn open(&self, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = B64.decode(sealed.trim())?;
        let block = rsa::traits::PublicKeyParts::size(&self.middle.private);
        let mut out = Vec::new();
        for chunk in bytes.chunks(block) {
            out.extend(
                self.middle
                    .private
                    .decrypt(Pkcs1v15Encrypt, chunk)
                    .map_err(|e| anyhow!("not sealed with the proxy's key: {e}"))?,
            );
        }
        Ok(out)
    }
}

/// The v2 body: base64 of AES-128-CBC under the key and IV the header's `keys` holds.
fn decrypt_body(header: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let h: serde_json::Value = serde_json::from_slice(header).ok()?;
    let keys = B64.decode(h["keys"].as_str()?).ok()?;
    if keys.len() < 32 {
        return None;
    }
    let (key, iv) = (&keys[..16], &keys[16..32]);
    let sealed = B64.decode(body).ok()?;
    cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into())
        .decrypt_padded_vec_mut::<aes::cipher::block_padding::Pkcs7>(&sealed)
        .ok()
}
