//! The accept loop, with a cap on open connections, a back-off while descriptors run out, and
//! per-connection limits (header, idle and body-read timeouts). `serve` runs its own loop on hyper-util rather than `axum::serve`, for one
//! reason: faults must be able to drop a connection without an answer (a reset, an empty
//! reply), which a handler cannot do. The app marks such a response with [`AbortConnection`];
//! the connection service turns it into an error, hyper closes the socket, and for a reset the
//! socket is closed with SO_LINGER 0 so the peer sees a real RST.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Body as _;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use super::connection::{Aborted, Connection, InFlight, Shared};
use super::router::{router_with, AppOptions};
use crate::engine::AbortConnection;
use crate::Sim;

/// What `serve` listens on: plain HTTP, HTTPS, or both, and the limits of each connection.
#[derive(Default)]
pub struct Listeners {
    pub http: Option<TcpListener>,
    pub https: Option<(TcpListener, tokio_rustls::TlsAcceptor)>,
    pub limits: ConnectionLimits,
    /// The app's own options (the admin token).
    pub app: AppOptions,
}

/// How long a connection may take and how many may be open at once (README, "Limits").
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A request's headers must arrive within this (default 10 s).
    pub header_read: Duration,
    /// A connection with no request in flight and no byte moving is closed after this (60 s).
    pub idle: Duration,
    /// A request body must keep arriving: at most this between two of its chunks (30 s).
    pub body_read: Duration,
    /// Connections open at once; further ones wait in the listen backlog (1024).
    pub max_connections: usize,
    /// How long a TLS handshake may take (10 s).
    pub tls_handshake: Duration,
    /// On shutdown, how long requests in flight may take to finish before their connections
    /// are dropped (5 s).
    pub grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            body_read: Duration::from_secs(30),
            max_connections: 1024,
            tls_handshake: Duration::from_secs(10),
            grace: Duration::from_secs(5),
        }
    }
}

/// Accept errors that mean "out of descriptors or memory": wait, then try again.
fn is_exhaustion(e: &std::io::Error) -> bool {
    // EMFILE 24, ENFILE 23, ENOBUFS 105, ENOMEM 12 (Linux numbering).
    matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12))
}

/// Backs the accept loop off while accepting fails, and logs at most once a second.
struct AcceptBackoff {
    delay: Duration,
    last_log: Option<std::time::Instant>,
    suppressed: u64,
}

impl AcceptBackoff {
    fn new() -> Self {
        Self {
            delay: Duration::ZERO,
            last_log: None,
            suppressed: 0,
        }
    }

    fn succeeded(&mut self) {
        self.delay = Duration::ZERO;
    }

    /// Logs (rate-limited) and returns how long to wait before accepting again.
    fn failed(&mut self, e: &std::io::Error) -> Duration {
        let now = std::time::Instant::now();
        if self
            .last_log
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            if self.suppressed > 0 {
                tracing::warn!("accept failed: {e} (and {} more times)", self.suppressed);
            } else {
                tracing::warn!("accept failed: {e}");
            }
            self.last_log = Some(now);
            self.suppressed = 0;
        } else {
            self.suppressed += 1;
        }
        if is_exhaustion(e) {
            self.delay = (self.delay * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
            self.delay
        } else {
            Duration::ZERO
        }
    }
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
            ..Listeners::default()
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

/// Serves the app on every listener until `shutdown` resolves, then stops accepting and lets
/// requests in flight finish within [`ConnectionLimits::grace`].
pub async fn serve_on(
    sim: Sim,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router_with(sim, listeners.app.clone());
    let limits = listeners.limits;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let (https, acceptor) = match listeners.https {
        Some((l, a)) => (Some(l), Some(a)),
        None => (None, None),
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    // Flipped when the grace period is over: every connection still open is dropped.
    let (cut, _) = tokio::sync::watch::channel(false);
    let mut backoff = AcceptBackoff::new();
    loop {
        // At the connection cap, wait for one to close before accepting the next.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            r = accept(listeners.http.as_ref()) => r.map(|(s, a)| (s, a, false)),
            r = accept(https.as_ref()) => r.map(|(s, a)| (s, a, true)),
            _ = &mut shutdown => break,
        };
        let (stream, remote, tls) = match accepted {
            Ok(a) => {
                backoff.succeeded();
                a
            }
            Err(e) => {
                let wait = backoff.failed(&e);
                if !wait.is_zero() {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = &mut shutdown => break,
                    }
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = Shared::default();
        let io = Connection::new(stream, shared.clone(), limits);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                let shared = shared.clone();
                let in_flight = InFlight::new(&shared);
                // Only the admin API asks who is calling (an allocation a request otherwise).
                if req.uri().path().starts_with("/_sim") {
                    req.extensions_mut().insert(ConnectInfo(remote));
                }
                // A request with no body has nothing to time out (the wrapper would arm a timer
                // the first time an extractor looks for a body).
                let req = if req.body().is_end_stream() {
                    req.map(Body::new)
                } else {
                    req.map(|b| Body::new(TimeoutBody::new(limits.body_read, b)))
                };
                async move {
                    let _in_flight = in_flight;
                    let response = match app.oneshot(req).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    if let Some(a) = response.extensions().get::<AbortConnection>() {
                        shared.reset.store(a.reset, Ordering::Relaxed);
                        return Err(Aborted);
                    }
                    Ok::<_, Aborted>(response)
                }
            });
        // The header-read limit is the connection's own (see `Connection`), not hyper's, whose
        // timer costs an allocation and two timer-wheel updates a request.
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().header_read_timeout(None);
        if tls {
            let Some(acceptor) = acceptor.clone() else {
                continue;
            };
            let watcher = graceful.watcher();
            let cut = cut.subscribe();
            tokio::spawn(async move {
                let _permit = permit;
                let handshake = tokio::time::timeout(limits.tls_handshake, acceptor.accept(io));
                let Ok(Ok(tls_stream)) = handshake.await else {
                    return;
                };
                let conn =
                    builder.serve_connection_with_upgrades(TokioIo::new(tls_stream), service);
                until_cut(watcher.watch(conn.into_owned()), cut).await;
            });
        } else {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
            let conn = graceful.watch(conn.into_owned());
            let cut = cut.subscribe();
            tokio::spawn(async move {
                let _permit = permit;
                until_cut(conn, cut).await;
            });
        }
    }
    // Stop accepting at once (new connections are refused, not queued), then let the requests
    // in flight finish within the grace period; idle keep-alive connections close now.
    drop(listeners.http);
    drop(https);
    let open = graceful.count();
    if tokio::time::timeout(limits.grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "shutdown: requests still in flight after {:?}; their connections are dropped",
            limits.grace
        );
        let _ = cut.send(true);
        // Let the connection tasks see it and close their sockets.
        tokio::task::yield_now().await;
    } else if open > 0 {
        tracing::info!("shutdown: {open} open connection(s) finished");
    }
    Ok(())
}

/// Runs a connection until it ends or the grace period is over, whichever comes first.
async fn until_cut(conn: impl Future, mut cut: tokio::sync::watch::Receiver<bool>) {
    tokio::select! {
        _ = conn => {}
        _ = cut.wait_for(|c| *c) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_descriptors_the_accept_loop_backs_off_and_logs_once_a_second() {
        let emfile = std::io::Error::from_raw_os_error(24);
        let mut b = AcceptBackoff::new();
        let waits: Vec<Duration> = (0..9).map(|_| b.failed(&emfile)).collect();
        assert_eq!(waits[0], Duration::from_millis(10));
        assert!(waits.windows(2).all(|w| w[1] >= w[0]), "{waits:?}");
        assert_eq!(waits[8], Duration::from_secs(1), "capped: {waits:?}");
        assert_eq!(
            b.suppressed, 8,
            "one log line, eight failures counted for the next"
        );
        b.succeeded();
        assert_eq!(b.failed(&emfile), Duration::from_millis(10), "starts over");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionAborted);
        assert_eq!(
            b.failed(&refused),
            Duration::ZERO,
            "a peer's abort needs no pause"
        );
    }
}
