//! Unity (Unisphere REST) auth as storops does it (vendor notes unity.md §2, §3): HTTP Basic
//! and `X-EMC-REST-CLIENT: true` on every request, cookies kept, and the CSRF token fetched
//! lazily: a POST or DELETE goes out without `EMC-CSRF-TOKEN`; on 401 the client does
//! `GET /api/types/user/instances`, reads the `emc-csrf-token` response header and re-sends,
//! once here (storops would loop forever), then sends the token on every later request.
//!
//! Spoilers: `username`, `password`, `csrf: false` (never fetch or send the token),
//! `csrf: "<value>"` (send this token), `rest_client: false` (omit `X-EMC-REST-CLIENT`).

use super::{AuthSpec, Credentials, Http, Incoming, Outgoing};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde_json::Value;

/// Cached per case: the CSRF token and the cookies the array set.
#[derive(Debug, Default)]
pub struct State {
    pub csrf: Option<String>,
    pub cookies: Vec<(String, String)>,
}

impl State {
    fn learn(&mut self, resp: &Incoming) {
        if let Some(t) = resp.header("emc-csrf-token") {
            self.csrf = Some(t.to_string());
        }
        for (k, v) in &resp.headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                if let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('=')) {
                    self.cookies.retain(|(n, _)| n != name.trim());
                    self.cookies
                        .push((name.trim().to_string(), value.trim().to_string()));
                }
            }
        }
    }
}

fn dress(creds: &Credentials, state: &State, spec: &AuthSpec, req: &mut Outgoing) {
    let user = spec
        .text("username")
        .or_else(|| creds.unity.username.clone())
        .unwrap_or_default();
    let pass = spec
        .text("password")
        .or_else(|| creds.unity.password.clone())
        .unwrap_or_default();
    req.set_header(
        "Authorization",
        format!("Basic {}", B64.encode(format!("{user}:{pass}"))),
    );
    if spec.flag("rest_client") != Some(false) {
        req.set_header("X-EMC-REST-CLIENT", "true");
    }
    if req.header("Accept").is_none() {
        req.set_header("Accept", "application/json");
    }
    if req.header("Content-Type").is_none() {
        req.set_header("Content-Type", "application/json");
    }
    match spec.overrides.get("csrf") {
        Some(Value::Bool(false)) => {}
        Some(Value::String(t)) => req.set_header("EMC-CSRF-TOKEN", t.clone()),
        _ => {
            if let Some(t) = &state.csrf {
                req.set_header("EMC-CSRF-TOKEN", t.clone());
            }
        }
    }
    if !state.cookies.is_empty() {
        let jar = state
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        req.set_header("Cookie", jar);
    }
}

pub async fn send(
    http: &Http,
    creds: &Credentials,
    state: &mut State,
    spec: &AuthSpec,
    req: Outgoing,
) -> anyhow::Result<(Outgoing, Incoming)> {
    if creds.unity.username.is_none() && spec.text("username").is_none() {
        return Err(super::missing(
            "unity",
            "username",
            "UPGRADE_CONFORMANCE_UNITY_USERNAME",
        ));
    }
    let mut first = req.clone();
    dress(creds, state, spec, &mut first);
    let resp = http.send(&first).await?;
    state.learn(&resp);
    let lazy = spec.overrides.get("csrf").is_none();
    let writes = matches!(req.method.as_str(), "POST" | "DELETE" | "PUT");
    if resp.status != 401 || !writes || !lazy {
        return Ok((first, resp));
    }
    // storops' CSRF refresh: the user collection, no query string.
    let mut fetch = Outgoing {
        method: "GET".into(),
        target: "/api/types/user/instances".into(),
        ..Outgoing::default()
    };
    dress(creds, state, spec, &mut fetch);
    let got = http.send(&fetch).await?;
    state.learn(&got);
    if got.header("emc-csrf-token").is_none() {
        // storops would crash with KeyError here; the caller sees the original refusal.
        return Ok((first, resp));
    }
    let mut again = req;
    dress(creds, state, spec, &mut again);
    let resp = http.send(&again).await?;
    state.learn(&resp);
    Ok((again, resp))
}
