//! Slow and idle connections cannot exhaust the server: a header-read timeout, an idle
//! keep-alive timeout and a cap on open connections (answered with 503, never a hang).
//! Bounds in these tests are generous deadlines, not timings: only whether a connection was
//! closed or answered is asserted.

use std::time::Duration;

use lotse_testkit::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::{http, start_with};

/// Reads until the peer closes (EOF or reset) or `deadline` passes; returns whether it closed,
/// and what was read.
async fn closed_within(stream: &mut TcpStream, deadline: Duration) -> (bool, String) {
    let mut seen = Vec::new();
    let result = tokio::time::timeout(deadline, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    (result.is_ok(), String::from_utf8_lossy(&seen).into_owned())
}

/// Sends an incomplete request head, then one more header byte every 300 ms (at most 60),
/// until the server answers or closes. Returns (closed, what the server sent).
async fn trickle(mut stream: TcpStream, deadline: Duration) -> (bool, String) {
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
        .await
        .is_err()
    {
        return (true, String::new());
    }
    let started = tokio::time::Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    for _ in 0..60 {
        if started.elapsed() > deadline {
            break;
        }
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return (true, String::from_utf8_lossy(&seen).into_owned()),
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            },
            () = tokio::time::sleep(Duration::from_millis(300)) => {
                if stream.write_all(b"a").await.is_err() {
                    return (true, String::from_utf8_lossy(&seen).into_owned());
                }
            }
        }
    }
    (false, String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_connections_past_the_cap_get_503_and_healthz_still_answers() {
    let db = TestDb::sqlite().await;
    let url = db.url.expose().to_owned();
    let env = [
        ("LOTSE_MAX_OPEN_CONNECTIONS", "64"),
        ("LOTSE_HEADER_READ_TIMEOUT_SECS", "5"),
    ];
    let server = start_with(&url, &[], &env, None).await;
    // 300 slow clients, bounded: far past the cap of 64.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let stream = TcpStream::connect(&server.addr).await.unwrap();
        slow.push(tokio::spawn(trickle(stream, Duration::from_secs(15))));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // /healthz answers (503 while the slots are taken, or 200), it does not hang.
    let first = tokio::time::timeout(Duration::from_secs(30), http(&server.addr, "GET", "/healthz", &[], ""))
        .await
        .expect("/healthz hung while slow clients held connections")
        .expect("/healthz was not answered");
    assert!(matches!(first.status, 200 | 503), "{}", first.status);
    let mut results = Vec::new();
    for task in slow {
        results.push(task.await.unwrap());
    }
    let refused = results
        .iter()
        .filter(|(_, seen)| seen.starts_with("HTTP/1.1 503"))
        .count();
    let closed = results.iter().filter(|(closed, _)| *closed).count();
    println!("of 300 slow connections: {refused} answered 503 at once, {closed} closed by the server");
    assert!(refused >= 200, "connections past the cap are answered 503: {refused}");
    assert_eq!(
        closed, 300,
        "every slow connection is closed (cap or header-read timeout)"
    );
    // Once the slow clients are gone, /healthz is fine again.
    let after = http(&server.addr, "GET", "/healthz", &[], "").await.unwrap();
    assert_eq!(after.status, 200);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_a_complete_header_is_closed_after_the_header_read_timeout() {
    let db = TestDb::sqlite().await;
    let url = db.url.expose().to_owned();
    let env = [("LOTSE_HEADER_READ_TIMEOUT_SECS", "1")];
    let server = start_with(&url, &[], &env, None).await;
    // Silent: connects and sends nothing.
    let mut silent = TcpStream::connect(&server.addr).await.unwrap();
    let (closed, _) = closed_within(&mut silent, Duration::from_secs(10)).await;
    assert!(closed, "a silent connection stays open");
    // Trickling: a header byte every 300 ms never completes the head.
    let stream = TcpStream::connect(&server.addr).await.unwrap();
    let (closed, _) = trickle(stream, Duration::from_secs(10)).await;
    assert!(closed, "a trickling connection stays open");
    // A normal request on the same server is answered.
    assert_eq!(
        http(&server.addr, "GET", "/healthz", &[], "").await.unwrap().status,
        200
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let db = TestDb::sqlite().await;
    let url = db.url.expose().to_owned();
    let env = [
        ("LOTSE_IDLE_TIMEOUT_SECS", "1"),
        ("LOTSE_HEADER_READ_TIMEOUT_SECS", "30"),
    ];
    let server = start_with(&url, &[], &env, None).await;
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !String::from_utf8_lossy(&seen).contains("\r\n\r\nok\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before answering");
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("no answer");
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
    // Kept alive, then idle: closed well before the 30 s header-read timeout.
    let (closed, _) = closed_within(&mut stream, Duration::from_secs(15)).await;
    assert!(closed, "an idle keep-alive connection stays open");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_to_loopback_and_behind_a_proxy_only_with_the_token() {
    let db = TestDb::sqlite().await;
    let url = db.url.expose().to_owned();
    let token = "metrics-token-for-the-process-test";
    let server = start_with(&url, &[], &[("LOTSE_METRICS_TOKEN", token)], None).await;
    // The accept loop gives handlers the peer address: loopback may read.
    let local = http(&server.addr, "GET", "/metrics", &[], "").await.unwrap();
    assert_eq!(local.status, 200);
    assert!(local.body.contains("lotse_http_requests"));
    // Through a proxy (forwarded for someone else): only with the token.
    let proxied = [("x-forwarded-for", "203.0.113.5")];
    assert_eq!(
        http(&server.addr, "GET", "/metrics", &proxied, "")
            .await
            .unwrap()
            .status,
        404
    );
    let bearer = format!("Bearer {token}");
    let with_token = [proxied[0], ("authorization", bearer.as_str())];
    assert_eq!(
        http(&server.addr, "GET", "/metrics", &with_token, "")
            .await
            .unwrap()
            .status,
        200
    );
    drop(server);
}
