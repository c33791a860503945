//! The one HTTP application and the listeners that serve it.
//!
//! [`router`] builds the app: every vendor's routes, the admin API under `/_sim`, a fallback
//! that answers unknown paths in the owning vendor's 404 shape, the chaos layer (injected HTTP
//! faults and vendor refusals), request journalling, and a catch-panic layer that turns an
//! engine bug into a journalled 500 instead of a dropped connection. `serve` and the tests
//! build the same app.
//!
//! [`serve`] runs its own accept loop on hyper-util rather than `axum::serve`, for one reason:
//! faults must be able to drop a connection without an answer (a reset, an empty reply), which
//! a handler cannot do. The app marks such a response with [`AbortConnection`]; the connection
//! service turns it into an error, hyper closes the socket, and for a reset the socket is closed
//! with SO_LINGER 0 so the peer sees a real RST.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::engine::{EntryKind, Refusal};
use crate::faults::Action;
use crate::vendors::{self, VendorId};
use crate::Sim;

/// The application: vendors + admin + fallbacks + chaos + journalling.
pub fn router(sim: Sim) -> Router {
    Router::new()
        .merge(vendors::routes())
        .nest("/_sim", crate::admin::routes())
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(sim.clone(), vendor_requests))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(sim)
}

async fn unknown_route(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    match VendorId::of_path(path) {
        Some(v) => v.not_found(path),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({
                "error": format!("no route {path}: vendor APIs live under /api/v1 (OBShell), \
                    /api/v1/lifecycle (OTA), /v3 (TaurusDB), /api (Unity); the admin API under /_sim")
            })),
        )
            .into_response(),
    }
}

/// Marks a response that must not be sent: the connection is dropped instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortConnection {
    /// Close with a TCP reset (RST) rather than an orderly close.
    pub reset: bool,
}

fn abort(reset: bool) -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(AbortConnection { reset });
    r
}

fn vendor_error(vendor: Option<VendorId>, status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match vendor {
        Some(v) => v.error_response(status, message),
        None => (status, axum::Json(json!({"error": message}))).into_response(),
    }
}

/// Every vendor request (not the admin API's) goes through chaos, then is journalled with
/// the status it got, whether that came from a handler, a fault or a refusal.
async fn vendor_requests(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let query = req.uri().query().map(str::to_string);
    let vendor = VendorId::of_path(&path);
    let vendor_name = vendor.map_or("unknown", VendorId::name);
    let response = chaos(&sim, vendor, &method, &path, req, next).await;
    sim.lock().core.record(
        EntryKind::Request,
        vendor_name,
        "request",
        None,
        None,
        json!({"method": method, "path": path, "query": query, "status": response.status().as_u16()}),
    );
    response
}

/// Injected HTTP faults, then vendor refusals (an agent restarting, an SP rebooting).
async fn chaos(
    sim: &Sim,
    vendor: Option<VendorId>,
    method: &str,
    path: &str,
    req: Request,
    next: Next,
) -> Response {
    let vendor_name = vendor.map_or("unknown", VendorId::name);
    let (decisions, refusal) = {
        let w = &mut *sim.lock();
        let now = w.core.now();
        let decisions = w.faults.decide(vendor, method, path, now);
        for d in &decisions {
            w.core.fault(
                vendor_name,
                "http",
                json!({"fault": d.fault_id, "action": format!("{:?}", d.action), "method": method, "path": path,
                       "delay_ms": d.delay.map(|d| d.as_millis() as u64)}),
            );
        }
        let refusal = vendor.and_then(|v| {
            w.vendors
                .model(v.name())
                .and_then(|m| m.refusal(&w.core, method, path))
        });
        if let Some(r) = &refusal {
            w.core.fault(
                vendor_name,
                "refusal",
                json!({"refusal": format!("{r:?}"), "method": method, "path": path}),
            );
        }
        (decisions, refusal)
    };
    let mut mutation = None;
    for d in decisions {
        match d.action {
            Action::Latency(_) => tokio::time::sleep(d.delay.unwrap_or_default()).await,
            Action::Error { status, message } => return vendor_error(vendor, status, &message),
            Action::RateLimit { per_ms, .. } => {
                let mut r = vendor_error(
                    vendor,
                    429,
                    "Too many requests: rate limit exceeded (injected fault)",
                );
                let secs = per_ms.div_ceil(1000).max(1);
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert("retry-after", v);
                }
                return r;
            }
            Action::Reset => return abort(true),
            Action::EmptyReply => return abort(false),
            other => mutation = Some(other),
        }
    }
    match refusal {
        Some(Refusal::Reset) => return abort(true),
        Some(Refusal::Error { status, message }) => return vendor_error(vendor, status, &message),
        None => {}
    }
    let response = next.run(req).await;
    match mutation {
        Some(action) => mutate_body(response, action).await,
        None => response,
    }
}

/// Truncates, corrupts or dribbles a real response body.
async fn mutate_body(response: Response, action: Action) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    match action {
        Action::Malformed => {
            // A complete HTTP response whose body is not the JSON it claims to be.
            let cut = bytes.len() / 2;
            let mut broken = bytes[..cut].to_vec();
            broken.extend_from_slice(b"\x00<<garbled>>");
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(broken))
        }
        Action::Truncate => {
            // Promise the whole length, send half, then fail: the client sees a short read.
            let len = bytes.len();
            let half = bytes.slice(..len / 2);
            if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
                parts.headers.insert(axum::http::header::CONTENT_LENGTH, v);
            }
            // The pause lets hyper flush the headers and the first half before the failure.
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::ConnectionAborted,
                                    "truncated by an injected fault",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            Response::from_parts(parts, Body::from_stream(stream))
        }
        Action::Dribble { chunk, every } => {
            let chunks: Vec<Bytes> = bytes
                .chunks(chunk.max(1))
                .map(Bytes::copy_from_slice)
                .collect();
            let stream = futures_util::stream::unfold(
                (chunks.into_iter(), true),
                move |(mut it, first)| async move {
                    let next = it.next()?;
                    if !first {
                        tokio::time::sleep(every).await;
                    }
                    Some((Ok::<Bytes, std::io::Error>(next), (it, false)))
                },
            );
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    tracing::error!("simulator bug: {msg}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"error": format!("simulator bug (please report it): {msg}")})),
    )
        .into_response()
}

/// A TCP stream that closes with a reset when asked to.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The error that makes hyper drop a connection.
#[derive(Debug)]
struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Aborted {}

/// A self-signed certificate for `serve --tls`, made at start (storops does not verify).
pub fn self_signed_tls() -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names)?;
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.key_pair.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// What `serve` listens on: plain HTTP, HTTPS, or both.
#[derive(Default)]
pub struct Listeners {
    pub http: Option<TcpListener>,
    pub https: Option<(TcpListener, tokio_rustls::TlsAcceptor)>,
}

/// Serves the app on a plain-HTTP `listener` until `shutdown` resolves.
pub async fn serve(
    sim: Sim,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(
        sim,
        Listeners {
            http: Some(listener),
            https: None,
        },
        shutdown,
    )
    .await
}

async fn accept(listener: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Serves the app on every listener until `shutdown` resolves, then lets open connections
/// finish (up to 5 s).
pub async fn serve_on(
    sim: Sim,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(sim);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let (https, acceptor) = match listeners.https {
        Some((l, a)) => (Some(l), Some(a)),
        None => (None, None),
    };
    loop {
        let (stream, remote, tls) = tokio::select! {
            r = accept(listeners.http.as_ref()) => match r {
                Ok((s, a)) => (s, a, false),
                Err(e) => { tracing::warn!("accept failed: {e}"); continue; }
            },
            r = accept(https.as_ref()) => match r {
                Ok((s, a)) => (s, a, true),
                Err(e) => { tracing::warn!("accept failed: {e}"); continue; }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let reset = Arc::new(AtomicBool::new(false));
        let io = ResettableStream {
            inner: stream,
            reset: reset.clone(),
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                let reset = reset.clone();
                req.extensions_mut().insert(ConnectInfo(remote));
                async move {
                    let response = match app.oneshot(req.map(Body::new)).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    if let Some(a) = response.extensions().get::<AbortConnection>() {
                        reset.store(a.reset, Ordering::Relaxed);
                        return Err(Aborted);
                    }
                    Ok::<_, Aborted>(response)
                }
            });
        if tls {
            let Some(acceptor) = acceptor.clone() else {
                continue;
            };
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                let Ok(Ok(tls_stream)) =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(io)).await
                else {
                    return;
                };
                let builder = auto::Builder::new(TokioExecutor::new());
                let conn =
                    builder.serve_connection_with_upgrades(TokioIo::new(tls_stream), service);
                let _ = watcher.watch(conn.into_owned()).await;
            });
        } else {
            let builder = auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
            let conn = graceful.watch(conn.into_owned());
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}
