//! The accept loop of `lotse serve`, with the limits `axum::serve` lacks: a header-read
//! timeout, an idle timeout, and a cap on open connections that answers 503 instead of hanging.
//! Each request gets `ConnectInfo<SocketAddr>` (the peer address), as with
//! `into_make_service_with_connect_info::<SocketAddr>()`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest a client may take to send a complete request head (also the longest a
    /// keep-alive connection waits for the next request).
    pub header_read_timeout: Duration,
    /// A connection on which nothing is read or written for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most; more are answered 503 and closed.
    pub max_open: usize,
}

/// Connections past the cap that are still being told 503 at most (beyond that, they are
/// closed at once).
const MAX_REFUSING: usize = 256;

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
content-length: 32\r\nretry-after: 1\r\nconnection: close\r\ncache-control: no-store\r\n\r\n\
too many connections, try again\n";

/// Serves `app` on `listener` until `signal` completes, then stops accepting, lets open
/// connections finish their requests and returns when every connection is closed.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, signal: impl Future<Output = ()>) {
    let open = Arc::new(Semaphore::new(limits.max_open));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut signal = std::pin::pin!(signal);
    loop {
        let accepted = tokio::select! {
            () = &mut signal => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors, or the peer gave up: wait a little, go on.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if let Ok(permit) = open.clone().try_acquire_owned() {
            let (app, stop) = (app.clone(), stop_rx.clone());
            tokio::spawn(async move {
                connection(stream, peer, app, limits, stop).await;
                drop(permit);
            });
        } else if let Ok(permit) = refusing.clone().try_acquire_owned() {
            tokio::spawn(async move {
                refuse(stream).await;
                drop(permit);
            });
        } else {
            drop(stream);
        }
    }
    let _ = stop_tx.send(true);
    // Every connection holds a permit: all of them back means all connections are closed.
    let all = u32::try_from(limits.max_open).unwrap_or(u32::MAX);
    let _ = open.acquire_many(all).await;
}

/// Tells a connection past the cap that the server is busy, and closes it.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(BUSY).await?;
        stream.shutdown().await
    })
    .await;
}

/// One connection: HTTP/1.1 with the header-read timeout, closed when idle or on shutdown.
async fn connection(stream: TcpStream, peer: SocketAddr, app: Router, limits: Limits, mut stop: watch::Receiver<bool>) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        tower::Service::call(&mut app.clone(), request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection closed");
                }
                return;
            }
            changed = stop.changed(), if !closing => {
                let _ = changed;
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = activity.idle_for(limits.idle_timeout), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last read or wrote anything.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn since_last(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Completes once nothing has happened for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let since = self.since_last();
            if since >= limit {
                return;
            }
            tokio::time::sleep(limit.saturating_sub(since)).await;
        }
    }
}

/// A stream that records activity.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Raises the soft limit on open files to the hard limit the operator allows (many
/// connections each need one), and returns the soft limit now in force.
pub fn raise_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft)
        }
    }
}

/// The default cap on open connections: 1,024, or less when the file limit is low (a quarter
/// of the limit is kept for the database, logs and refusing connections past the cap).
pub fn default_max_open(file_limit: Option<u64>) -> usize {
    let Some(limit) = file_limit else { return 1024 };
    let usable = limit.saturating_sub(limit / 4).min(1024);
    usize::try_from(usable.max(16)).unwrap_or(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_follows_a_low_file_limit() {
        assert_eq!(default_max_open(None), 1024);
        assert_eq!(default_max_open(Some(1_048_576)), 1024);
        assert_eq!(default_max_open(Some(1024)), 768);
        assert_eq!(default_max_open(Some(8)), 16);
    }

    #[test]
    fn the_busy_answer_has_the_right_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())), "{text}");
    }
}
