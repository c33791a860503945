//! The HTTP face: the route table and the one path every request takes. A handler reads its
//! input outside the lock ([`Raw`]: headers, the signed URI, the whole body; the path's id and
//! the query), then takes the world once through the engine's [`Exchange`]: authenticate
//! (`auth`), parse the [`Operation`], apply it, render the envelope, at one virtual instant.
//! Handlers hold no rules: those live in the operations and the model.

use std::convert::Infallible;

use axum::body::{to_bytes, Bytes};
use axum::extract::{FromRequest, Path, RawQuery, Request};
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;
use axum::routing::{any, delete, get, post, MethodRouter};
use axum::Router;

use super::auth;
use super::config::Profile;
use super::error::ObError;
use super::model::{Model, VENDOR};
use super::ops::{Endpoint, Input, Operation, Target, Which};
use super::wire::Stamp;
use crate::engine::{Exchange, Sim};

/// The most of a body the agent reads.
const BODY_LIMIT: usize = 256 * 1024 * 1024;

/// A request as read before the world is locked: its headers, the URI as a v2 header signs it
/// (path and query), and its whole body, or why the body could not be read.
pub struct Raw {
    pub headers: HeaderMap,
    pub uri: String,
    pub body: Result<Bytes, String>,
}

impl<S: Send + Sync> FromRequest<S> for Raw {
    type Rejection = Infallible;

    async fn from_request(req: Request, _: &S) -> Result<Self, Infallible> {
        let (parts, body) = req.into_parts();
        let body = to_bytes(body, BODY_LIMIT).await.map_err(|e| e.to_string());
        let uri = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        Ok(Self {
            headers: parts.headers,
            uri,
            body,
        })
    }
}

/// How a route authenticates and stamps its envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Verify runs: a credential is required.
    Protected,
    /// A v2 header, if sent, is still decrypted, as the real server does.
    Public,
    /// Public, and served before PreHandlers: the envelope has an empty trace id.
    Untraced,
    /// HEAD's `pkg` group (`POST /api/v1/package`): no `Verify`, a v2 header still decrypted,
    /// the body left as sent (`BodyDecrypt` skips the route); `VerifyFile` runs in the operation.
    PlainFile,
}

/// RSA and AES need no world, so they are done before the lock. RSA takes about 200 µs: it
/// runs on tokio's blocking pool, so that the threads answering requests keep answering and
/// decryptions run on every core at once.
async fn decrypt(raw: Raw, stages: auth::Stages) -> (Raw, auth::Decrypted) {
    if !auth::Decrypted::needs_rsa(&raw, stages) {
        let decrypted = auth::Decrypted::ahead(&raw, stages);
        return (raw, decrypted);
    }
    let rsa = tokio::task::spawn_blocking(move || {
        let decrypted = auth::Decrypted::ahead(&raw, stages);
        (raw, decrypted)
    });
    match rsa.await {
        Ok(done) => done,
        // A panic there is the bug it would be here: the app's panic guard answers it.
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => std::panic::resume_unwind(Box::new("shutting down: decryption cancelled")),
        },
    }
}

/// The one request path: authenticate, parse, apply and render under one lock.
async fn serve(
    ex: Exchange,
    raw: Raw,
    access: Access,
    endpoint: Endpoint,
    id: &str,
    query: Option<&str>,
) -> Response {
    let stages = auth::Stages {
        protect: access == Access::Protected,
        traced: access != Access::Untraced,
        decrypt_body: access != Access::PlainFile,
    };
    let (raw, decrypted) = decrypt(raw, stages).await;
    ex.run(|w| {
        let (core, m) = w.split::<Model>();
        if endpoint.only_current() && m.profile == Profile::Legacy {
            let stamp = Stamp::new(core, &raw.headers);
            return ObError::route_not_found().render(m.profile, &stamp);
        }
        let authed = match auth::authenticate(core, m, &raw, decrypted, stages) {
            Ok(a) => a,
            Err(refused) => return refused,
        };
        let stamp = authed.stamp;
        let input = Input {
            id,
            query,
            body: &authed.body,
            content_type: raw.headers.get(header::CONTENT_TYPE),
            file_sha256: raw
                .headers
                .get("x-ocs-file-sha256")
                .and_then(|v| v.to_str().ok()),
        };
        match Operation::parse(endpoint, m, input).and_then(|op| op.apply(m, core)) {
            Ok(data) => stamp.ok(data),
            Err(e) => e.render(m.profile, &stamp),
        }
    })
}

/// A handler for a route without a path parameter.
macro_rules! at {
    ($access:expr, $endpoint:expr) => {
        move |ex: Exchange, RawQuery(q): RawQuery, raw: Raw| async move {
            serve(ex, raw, $access, $endpoint, "", q.as_deref()).await
        }
    };
}

/// A handler for a route with an `{id}`.
macro_rules! at_id {
    ($endpoint:expr) => {
        move |ex: Exchange, Path(id): Path<String>, RawQuery(q): RawQuery, raw: Raw| async move {
            serve(ex, raw, Access::Protected, $endpoint, &id, q.as_deref()).await
        }
    };
}

/// gin answers a known path with the wrong method like an unknown path.
fn route(m: MethodRouter<Sim>) -> MethodRouter<Sim> {
    m.fallback(unknown)
}

/// This vendor's routes. Auth runs inside each handler's exchange, so it only ever sees
/// matched routes; a catch-all answers other `/api/v1/...` paths in the profile's shape with
/// the request's own stamp.
pub fn routes() -> Router<Sim> {
    use Access::{Protected as P, Public};
    let upgrade = |target, check| post(at!(P, Endpoint::Upgrade(target, check)));
    let list = |which| get(at!(P, Endpoint::List(which)));
    Router::new()
        .route("/api/v1/info", route(get(at!(Public, Endpoint::Info))))
        .route(
            "/api/v1/status",
            route(
                get(at!(Access::Untraced, Endpoint::Status))
                    .post(at!(Access::Untraced, Endpoint::Status)),
            ),
        )
        .route("/api/v1/secret", route(get(at!(Public, Endpoint::Secret))))
        .route("/api/v1/ob/info", route(get(at!(P, Endpoint::ObInfo))))
        .route(
            "/api/v1/agents/status",
            route(get(at!(P, Endpoint::AgentsStatus))),
        )
        .route("/api/v1/task/dags/ob", route(list(Which::AllCluster)))
        .route("/api/v1/task/dags/agent", route(list(Which::AllLocal)))
        .route(
            "/api/v1/agent/upgrade",
            route(upgrade(Target::Agent, false)),
        )
        .route(
            "/api/v1/agent/upgrade/check",
            route(upgrade(Target::Agent, true)),
        )
        .route("/api/v1/ob/upgrade", route(upgrade(Target::Ob, false)))
        .route("/api/v1/ob/upgrade/check", route(upgrade(Target::Ob, true)))
        .route(
            "/api/v1/upgrade/package",
            route(post(at!(P, Endpoint::Upload))),
        )
        .route(
            "/api/v1/package",
            route(post(at!(Access::PlainFile, Endpoint::NewUpload))),
        )
        // gin's DELETE tree has only `/package/:id`, so `DELETE /package/info` is that route.
        .route(
            "/api/v1/upgrade/package/info",
            route(get(at!(P, Endpoint::PackageInfo)).delete(
                |ex: Exchange, RawQuery(q): RawQuery, raw: Raw| async move {
                    serve(ex, raw, P, Endpoint::DeletePackage, "info", q.as_deref()).await
                },
            )),
        )
        .route(
            "/api/v1/upgrade/package/{id}",
            route(delete(at_id!(Endpoint::DeletePackage))),
        )
        .route(
            "/api/v1/task/dag/{id}",
            route(get(at_id!(Endpoint::GetDag)).post(at_id!(Endpoint::OperateDag))),
        )
        .route(
            "/api/v1/task/node/{id}",
            route(get(at_id!(Endpoint::GetNode)).post(at_id!(Endpoint::OperateNode))),
        )
        .route(
            "/api/v1/task/sub_task/{id}",
            route(get(at_id!(Endpoint::GetSubTask))),
        )
        .route(
            "/api/v1/task/sub_task/{id}/logs",
            route(get(at_id!(Endpoint::SubTaskLogs))),
        )
        .route(
            "/api/v1/task/dag/maintain/agent",
            route(list(Which::LastAgent)),
        )
        .route("/api/v1/task/dag/maintain/ob", route(list(Which::LastOb)))
        .route(
            "/api/v1/task/dag/maintain/agents",
            route(list(Which::AllAgentsLast)),
        )
        .route("/api/v1/task/dag/unfinish", route(list(Which::Unfinished)))
        .route(
            "/api/v1/task/dag/ob/unfinish",
            route(list(Which::ObUnfinished)),
        )
        .route(
            "/api/v1/task/dag/agent/unfinish",
            route(list(Which::AgentUnfinished)),
        )
        .route("/api/v1/{*rest}", any(unknown))
}

/// The answer to an `/api/v1/...` path no route matches, in the profile's shape.
async fn unknown(ex: Exchange, headers: HeaderMap, uri: Uri) -> Response {
    let info = ex.info().clone();
    ex.run(|w| {
        // `/api/v1/{*rest}` also catches the paths of a vendor nested under `/api/v1`.
        if info.vendor != VENDOR {
            return (info.not_found)(w, uri.path());
        }
        let stamp = Stamp::new(&mut w.core, &headers);
        ObError::route_not_found().render(w.vendor::<Model>().profile, &stamp)
    })
}
