//! A server killed with SIGKILL in the middle of writes restarts on the same database with
//! every acknowledged write present, and the audit chain still verifies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lotse_app::FixedClock;
use lotse_app::admin::NewUser;
use lotse_domain::user::Role;
use lotse_testkit::{fixed_now, storage_test};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

use crate::server::{csrf_pair, http, lotse, start};

const PASSWORD: &str = "crash test password";

storage_test!(async fn acknowledged_writes_survive_sigkill(db) {
    db.programme("p-one").await;
    let clock = FixedClock::new(fixed_now());
    let new = NewUser { programme: "p-one", username: "writer", display_name: "W", password: PASSWORD, role: Role::LinkWorker, organisation: None };
    lotse_app::admin::add_user(&db.db, &clock, &new).await.unwrap();
    let url = db.url.expose().to_owned();
    let mut server = start(&url, &[]).await;

    // Four clients sign in as fast as they can; every 303 with a cookie is an acknowledged write.
    let tokens = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (addr, tokens, stop) = (server.addr.clone(), tokens.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let (cookie, csrf) = csrf_pair(&addr, "/login", None).await;
            let form = format!("username=writer&password={}&csrf={csrf}", PASSWORD.replace(' ', "+"));
            let headers = [("content-type", "application/x-www-form-urlencoded"), ("cookie", cookie.as_str())];
            while !stop.load(Ordering::Relaxed) {
                let Ok(response) = http(&addr, "POST", "/login", &headers, &form).await else { break };
                if response.status == 303
                    && let Some(token) = response.head.lines().find_map(|l| l.strip_prefix("set-cookie: lotse_session=")).and_then(|v| v.split(';').next())
                {
                    tokens.lock().await.push(token.to_owned());
                }
            }
        }));
    }
    // Kill once at least 20 writes were acknowledged (deadline 60 s), while requests are in flight.
    let started = Instant::now();
    while tokens.lock().await.len() < 20 {
        assert!(started.elapsed() < Duration::from_mins(1), "too few acknowledged writes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.start_kill().unwrap(); // SIGKILL
    server.child.wait().await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let acknowledged = tokens.lock().await.clone();
    println!("{} writes acknowledged in {} ms before SIGKILL", acknowledged.len(), started.elapsed().as_millis());

    // Restart on the same database: every acknowledged session is there and works.
    let restarted = start(&url, &[]).await;
    for token in &acknowledged {
        let found = lotse_store::session::find_live_user(&db.db, &lotse_app::auth::token_hash(token), fixed_now()).await.unwrap();
        assert!(found.is_some(), "an acknowledged write was lost");
    }
    let last = acknowledged.last().unwrap();
    let cookie = format!("lotse_session={last}");
    let page = http(&restarted.addr, "GET", "/programme", &[("cookie", &cookie)], "").await.unwrap();
    assert_eq!(page.status, 200);
    drop(restarted);

    let verify = lotse().args(["audit", "verify", "--database-url", &url]).output().await.unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "audit verify failed: {out}");
    assert!(out.contains("p-one: ok"), "{out}");
});

storage_test!(async fn serve_with_demo_answers_start_page_and_health_then_stops_on_sigterm(db) {
    let url = db.url.expose().to_owned();
    let log = std::env::temp_dir().join(format!("lotse-serve-{}.log", uuid::Uuid::new_v4()));
    let mut server = crate::server::start_logging(&url, &["--demo"], Some(&log)).await;
    assert!(server.stdout.iter().any(|l| l.contains("lotsin.duesseldorf")), "{:?}", server.stdout);
    let start_page = http(&server.addr, "GET", "/", &[], "").await.unwrap();
    assert_eq!(start_page.status, 200);
    assert!(start_page.body.contains("Soziales Rezept Düsseldorf (Demo)"));
    assert!(start_page.body.contains("Sociale henvisninger Norddjurs (Demo)"));
    assert_eq!(http(&server.addr, "GET", "/healthz", &[], "").await.unwrap().status, 200);

    // Sign in, look around, and try names of people as usernames: none of it may reach the log.
    let names: Vec<(String, String)> = db.identities().await.into_iter().take(200).map(|i| (i.1, i.2)).collect();
    assert!(!names.is_empty());
    let (cookie, csrf) = csrf_pair(&server.addr, "/login", None).await;
    let form = [("content-type", "application/x-www-form-urlencoded"), ("cookie", cookie.as_str())];
    for (given, family) in names.iter().take(3) {
        let body = format!("username={given}.{family}&password=guessing+a+password&csrf={csrf}");
        assert_eq!(http(&server.addr, "POST", "/login", &form, &body).await.unwrap().status, 401);
    }
    let body = format!("username=lotsin.duesseldorf&password=lotse-demo-2026&csrf={csrf}");
    let signed_in = http(&server.addr, "POST", "/login", &form, &body).await.unwrap();
    assert_eq!(signed_in.status, 303);
    let session = signed_in.head.lines().find_map(|l| l.strip_prefix("set-cookie: ")).unwrap().split(';').next().unwrap().to_owned();
    let page = http(&server.addr, "GET", "/programme", &[("cookie", &session)], "").await.unwrap();
    assert_eq!(page.status, 200);
    // The pages about people: the worklist and a case show names (audited, never logged).
    let worklist = http(&server.addr, "GET", "/cases", &[("cookie", &session)], "").await.unwrap();
    assert_eq!(worklist.status, 200);
    // The first case linked (the intake form's link, `/cases/new`, is no case).
    let case = worklist
        .body
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|id| uuid::Uuid::parse_str(id).is_ok())
        .unwrap()
        .to_owned();
    let case_page = http(&server.addr, "GET", &format!("/cases/{case}"), &[("cookie", &session)], "").await.unwrap();
    assert_eq!(case_page.status, 200);
    let codes: Vec<String> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select code from prescription limit 3").fetch_all(p).await).unwrap();
    // Signed in, the forms carry a token bound to the session.
    let (both, csrf) = csrf_pair(&server.addr, "/cases", Some(&format!("{session}; {cookie}"))).await;
    let with_session = [form[0], ("cookie", both.as_str())];
    for code in &codes {
        let body = format!("q={code}&csrf={csrf}");
        let found = http(&server.addr, "POST", "/cases/search", &with_session, &body).await.unwrap();
        assert!(matches!(found.status, 303 | 404), "{}", found.status);
    }
    let pid = server.child.id().unwrap();
    let kill = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(kill.success());
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(30), server.child.wait()).await.expect("no exit after SIGTERM").unwrap();
    println!("stopped {} ms after SIGTERM", started.elapsed().as_millis());
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("answered"), "the log has request lines: {text}");
    for (given, family) in &names {
        assert!(!text.contains(&format!("{given}.{family}")) && !text.contains(&format!("{given} {family}")), "a person's name is in the log");
        if family.chars().count() >= 7 {
            assert!(!text.contains(family.as_str()), "family name {family} is in the log");
        }
    }
    for code in &codes {
        assert!(!text.contains(code.as_str()), "a prescription code is in the log");
    }
    assert!(text.contains("http.route=/cases/{id}"), "the case page was logged by its route template");
    std::fs::remove_file(&log).ok();
});

storage_test!(async fn a_request_in_flight_at_sigterm_is_answered_completely(db) {
    // A grace period no longer than the request timeout is refused before anything starts.
    let refused = crate::server::lotse()
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", db.url.expose()])
        .args(["--request-timeout-secs", "10", "--shutdown-grace-secs", "5"])
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("shutdown_grace_secs (5) must be longer than request_timeout_secs (10)"), "{stderr}");

    let log = std::env::temp_dir().join(format!("lotse-sigterm-{}.log", uuid::Uuid::new_v4()));
    let mut server = crate::server::start_logging(db.url.expose(), &["--request-timeout-secs", "20"], Some(&log)).await;
    // A form whose body arrives after SIGTERM. `Expect: 100-continue` makes the server say when
    // the handler starts reading the body: from then on the request is in flight.
    let body = "username=nobody&password=a+wrong+password&csrf=not-a-token";
    let mut stream = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        server.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = Vec::new();
    while !interim.ends_with(b"\r\n\r\n") {
        assert!(interim.len() < 200, "{}", String::from_utf8_lossy(&interim));
        let mut byte = [0u8; 1];
        tokio::time::timeout(Duration::from_secs(30), stream.read_exact(&mut byte)).await.expect("no 100 Continue").unwrap();
        interim.push(byte[0]);
    }
    assert!(interim.starts_with(b"HTTP/1.1 100"), "{}", String::from_utf8_lossy(&interim));
    let pid = server.child.id().unwrap();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    // Wait (at most 30 s) until the server has begun shutting down, with the request open.
    let mut waited = 0;
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("shutting down") {
        assert!(waited < 600, "no shutdown logged after SIGTERM");
        waited += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await.expect("no answer").unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, answer) = text.split_once("\r\n\r\n").expect("a complete head");
    assert!(head.starts_with("HTTP/1.1 403"), "the form was judged (no CSRF token): {head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
        .expect("a content length")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(answer.len(), length, "the whole body arrived");
    let status = tokio::time::timeout(Duration::from_mins(1), server.child.wait()).await.expect("no exit after SIGTERM").unwrap();
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("grace period over"), "{text}");
    std::fs::remove_file(&log).ok();
});
