//! Unisphere authentication as an extractor every Unity handler takes first: the
//! `X-EMC-REST-CLIENT: true` header (302 to the login page without it), HTTP Basic or the
//! `mod_sec_emc` session cookie (401 otherwise), and the `EMC-CSRF-TOKEN` on POST and DELETE
//! (401 when missing or stale, which is what makes storops fetch one). `basicSystemInfo` is
//! open to anyone. Every authenticated answer carries the session's token, and a new login
//! session sets the cookie.
//! (While a storage processor reboots, the server's chaos layer asks `Model::refusal` and
//! answers 503 before any of this runs.)

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::error::{remember_now, UnityError};
use super::model::unix_ms;
use crate::Sim;

/// Who is calling: the login session (absent on open routes) and what to tell the client.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub login: Option<usize>,
    pub user: Option<String>,
    token: Option<String>,
    new_cookie: Option<String>,
    /// Virtual now as Unix ms, for `created` and `updated` stamps.
    pub now_unix_ms: i64,
    /// The Host the client addressed, for `@base`.
    pub host: String,
}

/// Paths anyone may GET without logging in.
fn is_open(method: &Method, path: &str) -> bool {
    method == Method::GET
        && (path == "/api/types/basicSystemInfo"
            || path.starts_with("/api/types/basicSystemInfo/")
            || path.starts_with("/api/instances/basicSystemInfo/"))
}

fn basic_credentials(parts: &Parts) -> Option<Option<(String, String)>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    let parsed = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        })
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| {
            let (u, p) = text.split_once(':')?;
            Some((u.to_string(), p.to_string()))
        });
    Some(parsed)
}

fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == "mod_sec_emc").then(|| v.to_string())
        })
}

impl FromRequestParts<Sim> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, sim: &Sim) -> Result<Self, Response> {
        let path = parts.uri.path().to_string();
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string();
        let w = &mut *sim.lock();
        let (core, model) = w.split::<super::Model>();
        let now = core.now();
        let now_unix_ms = unix_ms(core, now);
        remember_now(now_unix_ms);
        let mut caller = Caller {
            now_unix_ms,
            host,
            ..Caller::default()
        };
        if is_open(&parts.method, &path) {
            return Ok(caller);
        }
        let rest_client = parts
            .headers
            .get("x-emc-rest-client")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if !rest_client {
            // What a browser-less client gets from the array: a redirect to the login page.
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/index.html"));
            return Err(resp);
        }
        let fail = |e: UnityError| e.at(now_unix_ms).into_response();
        let by_cookie = session_cookie(parts).and_then(|c| model.login_by_cookie(&c, now));
        let (login, new) = match (by_cookie, basic_credentials(parts)) {
            (Some(i), _) => (i, false),
            (None, Some(Some((user, password)))) => match model.user(&user, &password).cloned() {
                Some(u) => model.login_for_user(core, &u),
                None => {
                    return Err(fail(UnityError::unauthorized(
                        "Unauthorized: the user name or password is not valid.",
                    )))
                }
            },
            (None, Some(None)) => {
                return Err(fail(UnityError::unauthorized(
                    "Unauthorized: the Authorization header is not valid HTTP Basic credentials.",
                )))
            }
            (None, None) => {
                return Err(fail(UnityError::unauthorized(
                    "Unauthorized: log in with HTTP Basic credentials, or send the mod_sec_emc cookie of a live session.",
                )))
            }
        };
        let l = &mut model.logins[login];
        l.last_used = now;
        if matches!(parts.method, Method::POST | Method::DELETE | Method::PUT) {
            let sent = parts
                .headers
                .get("emc-csrf-token")
                .and_then(|v| v.to_str().ok());
            if sent != Some(l.token.as_str()) {
                core.event(
                    "unity",
                    &format!("login/{}", login + 1),
                    json!({"csrf": if sent.is_some() { "stale" } else { "missing" }, "path": path}),
                );
                let mut resp = fail(UnityError::csrf());
                // A real array still tells the client who it is; storops ignores it.
                if let Ok(v) = HeaderValue::from_str(&l.token) {
                    if new {
                        resp.headers_mut().insert("EMC-CSRF-TOKEN", v);
                    }
                }
                return Err(resp);
            }
        }
        caller.login = Some(login);
        caller.user = Some(l.user.clone());
        caller.token = Some(l.token.clone());
        caller.new_cookie = new.then(|| l.cookie.clone());
        Ok(caller)
    }
}

impl Caller {
    /// Adds the session's headers to an answer.
    pub fn finish(&self, mut resp: Response) -> Response {
        let h = resp.headers_mut();
        if let Some(t) = &self.token {
            if let Ok(v) = HeaderValue::from_str(t) {
                h.insert("EMC-CSRF-TOKEN", v);
            }
        }
        if let Some(c) = &self.new_cookie {
            if let Ok(v) =
                HeaderValue::from_str(&format!("mod_sec_emc={c}; path=/; secure; HttpOnly"))
            {
                h.append(header::SET_COOKIE, v);
            }
        }
        resp
    }

    /// A ready error with this request's `created`.
    pub fn error(&self, e: UnityError) -> Response {
        self.finish(e.at(self.now_unix_ms).into_response())
    }
}
