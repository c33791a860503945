//! Client-side auth adapters, one per vendor, doing what each vendor's real client does:
//! OBShell v1 (`X-OCS-Auth`) and v2 (`X-OCS-Header` hybrid encryption), Huawei Cloud
//! `SDK-HMAC-SHA256` AK/SK signing or `X-Auth-Token`, Unity Basic + `X-EMC-REST-CLIENT` + lazy
//! CSRF token + cookie, and Bearer for the OTA plan API. Credentials come from the target
//! config file or the environment ([`Credentials`]), never from case files; a case may only
//! pick a mode or deliberately spoil a value (`auth: {password: wrong}`) to test a rejection.

mod credentials;
pub mod huawei;
pub mod obshell;
pub mod unity;

pub use credentials::{
    Credentials, CredentialsSource, ObshellCreds, OtaCreds, TaurusCreds, UnityCreds,
};

use anyhow::{anyhow, Context};
use serde_json::{Map, Value};
use std::time::Duration;

/// A request as the runner built it, before auth.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub method: String,
    /// Path plus `?query`, exactly as it goes on the wire.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Outgoing {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.into()));
    }
}

/// A response, read whole.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub millis: u128,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The HTTP client and the base URL every request goes to.
#[derive(Debug, Clone)]
pub struct Http {
    pub base: String,
    pub client: reqwest::Client,
}

impl Http {
    pub fn new(base: &str) -> anyhow::Result<Http> {
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Http {
            base: base.trim_end_matches('/').to_string(),
            client,
        })
    }

    /// Sends `req` as is and reads the whole answer.
    pub async fn send(&self, req: &Outgoing) -> anyhow::Result<Incoming> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| anyhow!("'{}' is not an HTTP method", req.method))?;
        let url = format!("{}{}", self.base, req.target);
        let mut b = self.client.request(method, &url);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if !req.body.is_empty() {
            b = b.body(req.body.clone());
        }
        let started = std::time::Instant::now();
        let resp = b
            .send()
            .await
            .with_context(|| format!("{} {url}", req.method))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .bytes()
            .await
            .with_context(|| format!("reading the body of {} {url}", req.method))?
            .to_vec();
        Ok(Incoming {
            status,
            headers,
            body,
            millis: started.elapsed().as_millis(),
        })
    }
}

/// The auth a case (or one request) asks for: a mode and spoilt values, from the case file's
/// `auth:` (a string mode, `none`, or a mapping with `mode` and overrides).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthSpec {
    pub none: bool,
    pub mode: Option<String>,
    pub overrides: Map<String, Value>,
}

impl AuthSpec {
    pub fn parse(v: &Value) -> Result<AuthSpec, String> {
        match v {
            Value::String(s) if s == "none" => Ok(AuthSpec {
                none: true,
                ..AuthSpec::default()
            }),
            Value::String(s) if s == "default" => Ok(AuthSpec::default()),
            Value::String(s) => Ok(AuthSpec {
                mode: Some(s.clone()),
                ..AuthSpec::default()
            }),
            Value::Object(m) => {
                let mut overrides = m.clone();
                let mode = match overrides.remove("mode") {
                    Some(Value::String(s)) => Some(s),
                    Some(_) => return Err("auth.mode must be a string".into()),
                    None => None,
                };
                Ok(AuthSpec {
                    none: false,
                    mode,
                    overrides,
                })
            }
            _ => Err("auth must be `none`, `default`, a mode name, or a mapping".into()),
        }
    }

    /// The step's spec laid over the case's.
    pub fn over(&self, base: &AuthSpec) -> AuthSpec {
        if self.none {
            return self.clone();
        }
        let mut overrides = base.overrides.clone();
        for (k, v) in &self.overrides {
            overrides.insert(k.clone(), v.clone());
        }
        AuthSpec {
            none: false,
            mode: self.mode.clone().or_else(|| base.mode.clone()),
            overrides,
        }
    }

    fn text(&self, key: &str) -> Option<String> {
        self.overrides.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
    fn flag(&self, key: &str) -> Option<bool> {
        self.overrides.get(key).and_then(Value::as_bool)
    }
    fn number(&self, key: &str) -> Option<i64> {
        self.overrides.get(key).and_then(Value::as_i64)
    }
}

/// Per-case auth state (cached public keys, CSRF tokens, cookies), one per vendor.
#[derive(Debug, Default)]
pub struct Session {
    pub obshell: obshell::State,
    pub unity: unity::State,
}

/// Sends `req` for `vendor` with the auth `spec` asks for, doing what the vendor's client
/// does around it (fetching keys, retrying once after a CSRF refusal).
pub async fn send(
    http: &Http,
    creds: &Credentials,
    session: &mut Session,
    vendor: &str,
    spec: &AuthSpec,
    mut req: Outgoing,
) -> anyhow::Result<(Outgoing, Incoming)> {
    if spec.none {
        let resp = http.send(&req).await?;
        return Ok((req, resp));
    }
    match vendor {
        "obshell" => obshell::send(http, creds, &mut session.obshell, spec, req).await,
        "unity" => unity::send(http, creds, &mut session.unity, spec, req).await,
        "taurusdb" => {
            huawei::sign(creds, spec, http, &mut req)?;
            let resp = http.send(&req).await?;
            Ok((req, resp))
        }
        "ota" => {
            let token = spec
                .text("token")
                .or_else(|| creds.ota.token.clone())
                .ok_or_else(|| missing("ota", "token", "UPGRADE_CONFORMANCE_OTA_TOKEN"))?;
            let scheme = spec.text("scheme").unwrap_or_else(|| "Bearer".into());
            req.set_header("Authorization", format!("{scheme} {token}"));
            let resp = http.send(&req).await?;
            Ok((req, resp))
        }
        _ => {
            let resp = http.send(&req).await?;
            Ok((req, resp))
        }
    }
}

pub(crate) fn missing(vendor: &str, key: &str, env: &str) -> anyhow::Error {
    anyhow!(
        "no {vendor} {key}: set credentials.{vendor}.{key} in the target config file \
         (--config) or {env} in the environment"
    )
}
