//! Unisphere authentication. [`Presented`] reads what a request shows (no lock): the
//! `X-EMC-REST-CLIENT: true` header (302 to the login page without it), HTTP Basic or the
//! `mod_sec_emc` session cookie, and the `EMC-CSRF-TOKEN`. [`Presented::authenticate`] then
//! checks it against the login sessions, inside the request's one exchange with the world:
//! 401 without valid credentials, and on POST and DELETE when the CSRF token is missing or
//! stale (which is what makes storops fetch one). `basicSystemInfo` is open to anyone. Every
//! authenticated answer carries the session's token, and a new login session sets the cookie.
//! (While a storage processor reboots, the exchange asks `Model::refusal` and answers 503
//! before any of this runs.)

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::error::UnityError;
use super::model::{now_unix_ms, Model, VENDOR};
use crate::kernel::Core;

/// What a request presents, read without the lock.
#[derive(Debug, Clone)]
pub struct Presented {
    method: Method,
    path: String,
    /// The Host the client addressed, for `@base`.
    host: String,
    rest_client: bool,
    cookie: Option<String>,
    /// `Some(None)`: an Authorization header that is not valid Basic credentials.
    basic: Option<Option<(String, String)>>,
    csrf: Option<String>,
}

/// Who is calling: the login session (absent on open routes) and what to tell the client.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub login: Option<usize>,
    token: Option<String>,
    new_cookie: Option<String>,
    /// Virtual now as Unix ms, for `created` and `updated` stamps.
    pub now_unix_ms: i64,
    /// The Host the client addressed, for `@base`.
    pub host: String,
}

fn header_text<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
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

impl<S: Send + Sync> FromRequestParts<S> for Presented {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Presented {
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            host: header_text(parts, header::HOST.as_str())
                .unwrap_or("localhost")
                .to_string(),
            rest_client: header_text(parts, "x-emc-rest-client")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            cookie: session_cookie(parts),
            basic: basic_credentials(parts),
            csrf: header_text(parts, "emc-csrf-token").map(str::to_string),
        })
    }
}

impl Presented {
    /// Paths anyone may GET without logging in.
    fn is_open(&self) -> bool {
        let p = self.path.as_str();
        self.method == Method::GET
            && (p == "/api/types/basicSystemInfo"
                || p.starts_with("/api/types/basicSystemInfo/")
                || p.starts_with("/api/instances/basicSystemInfo/"))
    }

    /// Checks the credentials against the login sessions (logging in where Basic credentials
    /// are good), and the CSRF token of a write; the refusal is a ready answer.
    pub fn authenticate(&self, core: &mut Core, model: &mut Model) -> Result<Caller, Response> {
        let now = core.now();
        let now_unix_ms = now_unix_ms(core);
        let mut caller = Caller {
            now_unix_ms,
            host: self.host.clone(),
            ..Caller::default()
        };
        if self.is_open() {
            return Ok(caller);
        }
        if !self.rest_client {
            // What a browser-less client gets from the array: a redirect to the login page.
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/index.html"));
            return Err(resp);
        }
        let fail = |text: &str| Err(UnityError::unauthorized(text).render(now_unix_ms));
        let by_cookie = self
            .cookie
            .as_deref()
            .and_then(|c| model.login_by_cookie(c, now));
        let (login, new) = match (by_cookie, &self.basic) {
            (Some(i), _) => (i, false),
            (None, Some(Some((user, password)))) => match model.user(user, password).cloned() {
                Some(u) => model.login_for_user(core, &u),
                None => return fail("Unauthorized: the user name or password is not valid."),
            },
            (None, Some(None)) => {
                return fail(
                    "Unauthorized: the Authorization header is not valid HTTP Basic credentials.",
                )
            }
            (None, None) => return fail(
                "Unauthorized: log in with HTTP Basic credentials, or send the mod_sec_emc cookie of a live session.",
            ),
        };
        let l = &mut model.logins[login];
        l.last_used = now;
        if matches!(self.method, Method::POST | Method::DELETE | Method::PUT)
            && self.csrf.as_deref() != Some(l.token.as_str())
        {
            core.event(
                VENDOR,
                &format!("login/{}", login + 1),
                json!({"csrf": if self.csrf.is_some() { "stale" } else { "missing" }, "path": self.path}),
            );
            let mut resp = UnityError::csrf().render(now_unix_ms);
            // A real array still tells the client who it is; storops ignores it.
            if let Ok(v) = HeaderValue::from_str(&l.token) {
                if new {
                    resp.headers_mut().insert("EMC-CSRF-TOKEN", v);
                }
            }
            return Err(resp);
        }
        caller.login = Some(login);
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

    /// A ready error, `created` now.
    pub fn error(&self, e: UnityError) -> Response {
        self.finish(e.render(self.now_unix_ms))
    }
}
