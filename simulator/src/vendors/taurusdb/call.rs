//! A TaurusDB call as the handler sees it: what was read outside the lock (the request's
//! head, its body, its X-Language), and [`Call::answer`], which takes the world once to draw
//! the request's `X-Request-Id`, authenticate, run the operation the handler parsed and
//! render the answer, all at one virtual instant. Every route takes a `Call` last.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::Response;
use rand::Rng;
use serde_json::{json, Value};

use super::auth::authenticate;
use super::error::{set_request_id, Code, Lang, TaurusError};
use super::fleet::{Model, VENDOR};
use super::ops::{Operation, Query};
use super::wire::Json;
use crate::engine::Exchange;
use crate::kernel::Core;
use crate::Sim;

/// The largest body the simulator reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// A request, read whole, not yet authenticated.
pub struct Call {
    parts: Parts,
    /// `None`: the body was larger than [`BODY_LIMIT`] or cut off.
    body: Option<Bytes>,
    lang: Lang,
}

impl Call {
    /// The query string's pairs.
    pub fn query(&self) -> Query {
        Query::parse(self.parts.uri.query())
    }

    /// Whether the body is empty or only whitespace.
    pub fn body_is_blank(&self) -> bool {
        self.bytes().iter().all(u8::is_ascii_whitespace)
    }

    fn bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// The body as JSON; an empty body is DBS.200006, anything unparsable DBS.200001.
    pub fn json(&self) -> Result<Value, TaurusError> {
        if self.body_is_blank() {
            return Err(TaurusError::new(Code::EmptyRequest));
        }
        serde_json::from_slice(self.bytes())
            .map_err(|e| TaurusError::param(format!("The body is not valid JSON: {e}.")))
    }

    /// Answers the call under one acquisition of the world: a request id, then the body,
    /// the caller and the language are checked, then `op` (as the handler parsed it) runs.
    pub fn answer(self, ex: Exchange, op: Result<Operation, TaurusError>) -> Response {
        ex.run(move |w| {
            let (core, model) = w.split::<Model>();
            let request_id = draw_request_id(core);
            match self.execute(core, model, op) {
                Ok(body) => {
                    let mut resp = Response::new(Body::from(body));
                    resp.headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    set_request_id(&mut resp, &request_id);
                    resp
                }
                Err(e) => e.render(self.lang, &request_id),
            }
        })
    }

    fn execute(
        &self,
        core: &mut Core,
        model: &mut Model,
        op: Result<Operation, TaurusError>,
    ) -> Result<Json, TaurusError> {
        let body = self
            .body
            .as_deref()
            .ok_or_else(|| TaurusError::param("The body is larger than 4 MiB or was cut off."))?;
        let caller = match authenticate(model, core.wall.now(), &self.parts, body) {
            Ok(caller) => caller,
            Err(reason) => {
                core.fault(
                    VENDOR,
                    "auth",
                    json!({"rejected": reason, "path": self.parts.uri.path()}),
                );
                return Err(TaurusError::with(Code::AuthFailed, reason));
            }
        };
        let caller_ak = caller.map(|k| k.ak.clone());
        if let Some(project) = path_project(self.parts.uri.path()) {
            if let Some(header) = self.parts.headers.get("x-project-id") {
                if header.as_bytes() != project.as_bytes() {
                    return Err(TaurusError::param(format!(
                        "urlTenantId is not equal tokenTenantId: the path names project {project}, X-Project-Id {}.",
                        String::from_utf8_lossy(header.as_bytes())
                    )));
                }
            }
            if let Some(key) = caller.filter(|k| !k.projects.iter().any(|p| p == project)) {
                let reason = format!(
                    "verify aksk signature fail (access key {} does not belong to project {project})",
                    key.ak
                );
                core.fault(
                    VENDOR,
                    "auth",
                    json!({"rejected": reason, "path": self.parts.uri.path()}),
                );
                return Err(TaurusError::with(Code::AuthFailed, reason));
            }
        }
        match self.parts.headers.get("x-language").map(|v| v.to_str()) {
            Some(Ok(v)) if !v.eq_ignore_ascii_case("en-us") && !v.eq_ignore_ascii_case("zh-cn") => {
                return Err(TaurusError::param(format!(
                    "X-Language '{v}' is not en-us or zh-cn."
                )))
            }
            Some(Err(_)) => return Err(TaurusError::param("X-Language must be en-us or zh-cn.")),
            _ => {}
        }
        op?.for_caller(caller_ak)
            .apply(core, model)
            .map_err(|f| f.into_error())
    }
}

/// The `{project_id}` of a TaurusDB path (`/v3/{project_id}/...`, `/v3.1/{project_id}/...`),
/// if it is one (IAM's `/v3/projects` has none).
fn path_project(path: &str) -> Option<&str> {
    let mut parts = path.split('/').skip(1);
    let _version = parts.next()?;
    parts.next().filter(|p| super::config::is_project_id(p))
}

/// A fresh `X-Request-Id` from the engine's per-request stream.
fn draw_request_id(core: &mut Core) -> String {
    let n = core.next_request_number();
    let id: u128 = core.request_rng(n).random();
    format!("{id:032x}")
}

impl FromRequest<Sim> for Call {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _: &Sim) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = match parts.headers.get("x-language").map(|v| v.to_str()) {
            Some(Ok(v)) if v.eq_ignore_ascii_case("zh-cn") => Lang::Zh,
            _ => Lang::En,
        };
        let body = axum::body::to_bytes(body, BODY_LIMIT).await.ok();
        Ok(Call { parts, body, lang })
    }
}
