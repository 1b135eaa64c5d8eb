//! Starting and stopping the real binary, and a minimal HTTP/1.1 client over loopback.

use std::fmt::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

pub fn lotse() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lotse"));
    cmd.env_remove("LOTSE_DATABASE_URL")
        .env("LOTSE_DATA_KEYS", lotse_testkit::TEST_DATA_KEYS)
        .env("LOTSE_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub stdout: Vec<String>,
}

/// Starts `lotse serve` on a free port and waits (deadline 60 s) for its "listening" line.
pub async fn start(database_url: &str, extra: &[&str]) -> Server {
    start_logging(database_url, extra, None).await
}

/// Like [`start`], writing the server's log (at `debug`) to `log` when given.
pub async fn start_logging(database_url: &str, extra: &[&str], log: Option<&std::path::Path>) -> Server {
    start_with(database_url, extra, &[], log).await
}

/// Like [`start_logging`], with extra environment variables.
pub async fn start_with(
    database_url: &str,
    extra: &[&str],
    env: &[(&str, &str)],
    log: Option<&std::path::Path>,
) -> Server {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        None => Stdio::inherit(),
    };
    let mut cmd = lotse();
    if log.is_some() {
        cmd.env("LOTSE_LOG", "debug");
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", database_url])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let mut stdout = Vec::new();
    let addr = loop {
        let line = tokio::time::timeout(Duration::from_mins(1), lines.next_line())
            .await
            .expect("server start timed out")
            .unwrap()
            .expect("server exited before listening");
        stdout.push(line.clone());
        if let Some(rest) = line.strip_prefix("Lotse is listening on http://") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    println!("server listening after {} ms", started.elapsed().as_millis());
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server { child, addr, stdout }
}

pub struct HttpResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// Sends one request with `Connection: close` and reads the whole answer.
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(request, "{k}: {v}\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok(HttpResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// A CSRF cookie and form token as a browser gets them: GET `path` (with `cookie`, if any)
/// and read the pre-session cookie the answer sets (else reuse `cookie`) and the form's token.
/// Returns (the `Cookie` header to send, the `csrf` field).
pub async fn csrf_pair(addr: &str, path: &str, cookie: Option<&str>) -> (String, String) {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    let page = http(addr, "GET", path, &headers, "").await.unwrap();
    assert_eq!(page.status, 200, "{path}");
    let set = page
        .head
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|v| v.split(';').next())
        .find(|c| c.contains("lotse_csrf="))
        .map(str::to_owned);
    let cookie = match (cookie, set) {
        (Some(c), Some(s)) => format!("{c}; {s}"),
        (Some(c), None) => c.to_owned(),
        (None, Some(s)) => s,
        (None, None) => String::new(),
    };
    let token = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token")
        .to_owned();
    (cookie, token)
}
