//! The accept loop. `serve` runs its own loop on hyper-util rather than `axum::serve`, for one
//! reason: faults must be able to drop a connection without an answer (a reset, an empty
//! reply), which a handler cannot do. The app marks such a response with [`AbortConnection`];
//! the connection service turns it into an error, hyper closes the socket, and for a reset the
//! socket is closed with SO_LINGER 0 so the peer sees a real RST.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use super::router;
use crate::engine::AbortConnection;
use crate::Sim;

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
