//! One accepted TCP connection as hyper sees it: a stream that can close with a real reset
//! (SO_LINGER 0) when a fault asks for one, and that closes itself when it waits too long.
//! Two limits, both only while no request is in flight: idle (no byte in either direction)
//! and the header read (the next request's head must have arrived this long after the
//! connection opened or the previous request was answered, as hyper's own
//! `header_read_timeout` counts it). A request in flight whose body stalls is cut by the
//! body-read timeout of the router instead, so that a long injected latency never trips either.
//!
//! Both limits share one timer, re-armed only when it fires and never further ahead than the
//! header-read limit, so a busy keep-alive connection touches tokio's timer wheel about once
//! every ten seconds instead of twice a request (hyper's header timer allocates and registers
//! a fresh sleep for every request it reads).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::listener::ConnectionLimits;

/// What a connection shares with the service that answers its requests.
#[derive(Clone, Default)]
pub struct Shared {
    /// Close with a TCP reset when the connection is dropped.
    pub reset: Arc<AtomicBool>,
    /// Requests in flight on this connection (the timers run only at zero).
    pub in_flight: Arc<AtomicUsize>,
    /// Requests answered on this connection so far: a change means a new wait for a head began.
    pub answered: Arc<AtomicUsize>,
}

/// Counts a request in flight for as long as it lives, and as answered when it ends.
pub struct InFlight(Shared);

impl InFlight {
    pub fn new(shared: &Shared) -> Self {
        shared.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.answered.fetch_add(1, Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream with a reset switch, an idle limit and a header-read limit. A read or write
/// only notes the time; the one timer is re-armed from those notes when it fires.
pub struct Connection {
    inner: TcpStream,
    shared: Shared,
    /// Its limits (the idle and header-read ones apply here).
    limits: ConnectionLimits,
    /// When a byte last moved (or a request was last seen in flight).
    last: Instant,
    /// When a byte was last written: after a request is answered, when its answer went out.
    last_write: Instant,
    /// When the wait for the next request's head began: the connection's opening, or when the
    /// previous answer went out.
    waiting_since: Instant,
    /// `Shared::answered` when `waiting_since` was taken.
    answered: usize,
    timer: Pin<Box<Sleep>>,
}

impl Connection {
    pub fn new(inner: TcpStream, shared: Shared, limits: ConnectionLimits) -> Self {
        let now = Instant::now();
        Self {
            inner,
            shared,
            limits,
            last: now,
            last_write: now,
            waiting_since: now,
            answered: 0,
            timer: Box::pin(tokio::time::sleep_until(
                now + limits.idle.min(limits.header_read),
            )),
        }
    }

    fn touch(&mut self) {
        self.last = Instant::now();
    }

    /// While reads wait: an error once the connection has waited too long. The timer is polled
    /// on every wait, so that it is armed even when the last read happened mid-request (hyper
    /// need not read again once the answer is out).
    fn wait_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let busy = self.shared.in_flight.load(Ordering::Relaxed) > 0;
        if busy {
            self.touch();
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            if busy {
                self.timer.as_mut().reset(now + self.limits.header_read);
                continue;
            }
            let answered = self.shared.answered.load(Ordering::Relaxed);
            if answered != self.answered {
                // Requests were answered since the wait was last noted: it began when the
                // last answer went out.
                self.answered = answered;
                self.waiting_since = self.last_write;
            }
            let idle_at = self.last + self.limits.idle;
            let head_at = self.waiting_since + self.limits.header_read;
            if idle_at <= now || head_at <= now {
                return true;
            }
            // Never further ahead than one header-read limit: a wait that begins before the
            // timer fires again is then still caught on time.
            let next = idle_at.min(head_at).min(now + self.limits.header_read);
            self.timer.as_mut().reset(next);
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
            Poll::Pending if this.wait_expired(cx) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connection waited too long for a request",
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
            this.last_write = this.last;
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
