//! One accepted TCP connection as hyper sees it: a stream that can close with a real reset
//! (SO_LINGER 0) when a fault asks for one, and that closes itself when it has been idle too
//! long. Idle means no byte in either direction while no request is in flight; a request in
//! flight whose body stalls is cut by the body-read timeout of the router instead, so that a
//! long injected latency never trips the idle timer.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

/// What a connection shares with the service that answers its requests.
#[derive(Clone, Default)]
pub struct Shared {
    /// Close with a TCP reset when the connection is dropped.
    pub reset: Arc<AtomicBool>,
    /// Requests in flight on this connection (the idle timer runs only at zero).
    pub in_flight: Arc<AtomicUsize>,
}

/// Counts a request in flight for as long as it lives.
pub struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    pub fn new(shared: &Shared) -> Self {
        shared.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(shared.in_flight.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream with a reset switch and an idle timer. A read or write only notes the time;
/// the timer is re-armed from that note when it fires (resetting a tokio timer on every read
/// and write would touch the timer wheel twice a request).
pub struct Connection {
    inner: TcpStream,
    shared: Shared,
    idle: Duration,
    /// When a byte last moved (or a request was last seen in flight).
    last: Instant,
    timer: Pin<Box<Sleep>>,
}

impl Connection {
    pub fn new(inner: TcpStream, shared: Shared, idle: Duration) -> Self {
        Self {
            inner,
            shared,
            idle,
            last: Instant::now(),
            timer: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn touch(&mut self) {
        self.last = Instant::now();
    }

    /// While reads wait: an error once the connection has been idle for too long.
    fn idle_expired(&mut self, cx: &mut Context<'_>) -> bool {
        if self.shared.in_flight.load(Ordering::Relaxed) > 0 {
            self.touch();
            return false;
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            let deadline = self.last + self.idle;
            if deadline <= Instant::now() {
                return true;
            }
            self.timer.as_mut().reset(deadline);
        }
        false
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.shared.reset.load(Ordering::Relaxed) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending if this.idle_expired(cx) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connection idle for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if r.is_ready() {
            this.touch();
        }
        r
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
pub struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Aborted {}
