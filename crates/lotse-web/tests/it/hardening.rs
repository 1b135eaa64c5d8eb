//! Hardening against the outside attack on the foundation: bounded metrics that only the
//! operator may read, request ids that cannot inject log fields, client values escaped in logs,
//! CSRF tokens bound to the session, and one canonical spelling of ids.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use lotse_domain::id::{ProgrammeId, UserId};
use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

/// A GET as if from `peer` (what `into_make_service_with_connect_info` gives a handler).
fn get_from(path: &str, peer: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(path);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn metrics_lines(app: &TestApp) -> usize {
    let response = app.send(get_from("/metrics", "127.0.0.1:40000", &[])).await;
    assert_eq!(response.status(), 200);
    text(response).await.lines().count()
}

storage_test!(async fn random_methods_and_paths_leave_the_metrics_bounded(db) {
    let app = TestApp::new(db).await;
    // Warm up the series a normal visitor creates.
    for path in ["/", "/login", "/healthz", "/nope"] {
        app.get(path, &[]).await;
    }
    let before = metrics_lines(&app).await;
    for i in 0..1000u32 {
        let method = format!("M{i}X");
        let path = if i % 2 == 0 { format!("/random/{i}") } else { "/login".to_owned() };
        let request = Request::builder().method(method.as_str()).uri(path).body(Body::empty()).unwrap();
        let response = app.send(request).await;
        assert!(response.status().is_client_error(), "{method}: {}", response.status());
    }
    let after = metrics_lines(&app).await;
    println!("/metrics: {before} lines before, {after} after 1,000 odd requests");
    assert!(after <= before + 60, "the series grew with client input: {before} -> {after} lines");
});

storage_test!(async fn metrics_are_refused_to_other_addresses_without_the_token(db) {
    let app = TestApp::new(db).await;
    for peer in ["203.0.113.5:5000", "[2001:db8::1]:5000", "10.0.0.2:80"] {
        let response = app.send(get_from("/metrics", peer, &[])).await;
        assert_eq!(response.status(), 404, "{peer}");
        assert!(!text(response).await.contains("lotse_http_requests"), "{peer}");
    }
    // No peer address known (as in oneshot): refused too.
    let response = app.get("/metrics", &[]).await;
    assert_eq!(response.status(), 404);
    // A proxy on the same machine forwards outside requests from loopback: refused.
    let response = app.send(get_from("/metrics", "127.0.0.1:5000", &[("x-forwarded-for", "203.0.113.5")])).await;
    assert_eq!(response.status(), 404);
    let response = app.send(get_from("/metrics", "[::1]:5000", &[])).await;
    assert_eq!(response.status(), 200, "loopback may read the metrics");
});

storage_test!(async fn metrics_are_answered_with_the_metrics_token(db) {
    let config = lotse_web::WebConfig {
        metrics_token: Some("a-long-metrics-token-for-tests".to_owned()),
        ..lotse_web::WebConfig::default()
    };
    let app = TestApp::with_config(db, config).await;
    let peer = "203.0.113.5:5000";
    let ok = app.send(get_from("/metrics", peer, &[("authorization", "Bearer a-long-metrics-token-for-tests")])).await;
    assert_eq!(ok.status(), 200);
    assert!(text(ok).await.contains("lotse_db_pool_connections"));
    for wrong in ["Bearer a-long-metrics-token-for-test", "Bearer ", "Basic a-long-metrics-token-for-tests", "a-long-metrics-token-for-tests"] {
        let response = app.send(get_from("/metrics", peer, &[("authorization", wrong)])).await;
        assert_eq!(response.status(), 404, "{wrong}");
    }
});

storage_test!(async fn hostile_request_ids_are_replaced_and_safe_ones_kept(db) {
    let app = TestApp::new(db).await;
    let safe = "req-2026.12_02-abc";
    let response = app.get("/healthz", &[("x-request-id", safe)]).await;
    assert_eq!(response.headers()["x-request-id"], safe);
    let long = "a".repeat(65);
    for hostile in ["evil id", "x\"y", "k=v", "a b=\"c\"", "tab\there", long.as_str(), "ünïcode", "<script>"] {
        let response = app.get("/healthz", &[("x-request-id", hostile)]).await;
        let used = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(used, hostile);
        assert!(
            (1..=64).contains(&used.len()) && used.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{hostile:?} -> {used:?}"
        );
    }
    let response = app.get("/healthz", &[("x-request-id", "")]).await;
    assert!(!response.headers()["x-request-id"].is_empty());
});

/// Collects what a `fmt` subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

storage_test!(async fn client_values_in_log_lines_are_escaped(db) {
    let app = TestApp::new(db).await;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // A language tag that tries to end the field and add one of its own.
    let response = app
        .get("/lang/%22%20user=admin%20x=%22", &[("x-request-id", "id\" forged=\"1")])
        .await;
    assert_eq!(response.status(), 400);
    drop(guard);
    let mut out = captured.clone();
    out.flush().unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    println!("{log}");
    let line = log.lines().find(|l| l.contains("bad request")).expect("a bad-request line");
    assert!(line.contains("reason=\"unknown language \\\""), "the reason is one quoted, escaped value: {line}");
    // The value is one quoted string to the end of the line: every quote inside is escaped,
    // so `user=admin` is text in it, not a field of its own.
    let value = line.split_once(" reason=").unwrap().1;
    assert!(value.len() >= 2 && value.starts_with('"') && value.ends_with('"'), "{line}");
    let mut escaped = false;
    for c in value[1..value.len() - 1].chars() {
        assert!(escaped || c != '"', "an unescaped quote ends the value early: {line}");
        escaped = !escaped && c == '\\';
    }
    assert!(!log.contains("forged=\"1"), "the hostile request id is not logged: {log}");
});

async fn session(app: &TestApp, user: UserId, programme: ProgrammeId) -> String {
    app.session_for(user, programme).await
}

/// The CSRF cookie a response sets (name=value), and the token its page embeds.
async fn form_token(app: &TestApp, path: &str, cookie: Option<&str>) -> (Option<String>, String) {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    let response = app.get(path, &headers).await;
    assert_eq!(response.status(), 200, "{path}");
    let set = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.contains("csrf"));
    let page = text(response).await;
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    (set, token)
}

storage_test!(async fn a_csrf_token_of_another_session_is_refused(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "bind").await;
    let victim = world.member(db, "victim", Role::LinkWorker, Some(world.orgs.facility)).await;
    let attacker = world.member(db, "attacker", Role::LinkWorker, Some(world.orgs.facility)).await;
    let victim_session = session(&app, victim, world.programme.id).await;
    let attacker_session = session(&app, attacker, world.programme.id).await;
    // The attacker reads the token of their own session, with their own CSRF cookie ...
    let (csrf_cookie, token) = form_token(&app, "/cases", Some(&attacker_session)).await;
    let csrf_cookie = csrf_cookie.expect("a CSRF cookie");
    let own = app
        .post_form_raw("/cases/search", &format!("q=NOPE&csrf={token}"), &[("cookie", &format!("{attacker_session}; {csrf_cookie}"))])
        .await;
    assert_ne!(own.status(), 403, "the attacker's own pair works in their own session");
    // ... and plants cookie and field in the victim's browser: refused.
    let planted = app
        .post_form_raw("/cases/search", &format!("q=NOPE&csrf={token}"), &[("cookie", &format!("{victim_session}; {csrf_cookie}"))])
        .await;
    assert_eq!(planted.status(), 403, "a token from another session");
});

storage_test!(async fn a_matching_cookie_and_field_not_derived_from_the_session_are_refused(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "pair").await;
    let user = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = session(&app, user, world.programme.id).await;
    let made_up = "c".repeat(64);
    for name in ["lotse_csrf", "__Host-lotse_csrf"] {
        let response = app
            .post_form_raw("/cases/search", &format!("q=NOPE&csrf={made_up}"), &[("cookie", &format!("{cookie}; {name}={made_up}"))])
            .await;
        assert_eq!(response.status(), 403, "{name}");
    }
    // Signed out: a pair made up by the attacker does not pass /login either.
    let response = app
        .post_form_raw("/login", &format!("username=coord&password=a+long+enough+password&csrf={made_up}"), &[("cookie", &format!("lotse_csrf={made_up}"))])
        .await;
    assert_eq!(response.status(), 403);
    // The pre-session pair a real browser got works.
    let (csrf_cookie, token) = form_token(&app, "/login", None).await;
    let csrf_cookie = csrf_cookie.expect("a CSRF cookie");
    let response = app
        .post_form_raw("/login", &format!("username=coord&password=a+long+enough+password&csrf={token}"), &[("cookie", &csrf_cookie)])
        .await;
    assert_eq!(response.status(), 303);
});

storage_test!(async fn a_csrf_token_holds_across_instances_with_the_same_data_keys(db) {
    let app = TestApp::new(db).await;
    assert!(db.db.has_keys());
    // A second instance on the same database and data keys (as behind a load balancer).
    let state = lotse_web::AppState::new(lotse_app::App::new(db.db.clone()), app.clock.clone(), lotse_web::WebConfig::default()).unwrap();
    let other = lotse_web::router(state);
    let (cookie, token) = form_token(&app, "/login", None).await;
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie.unwrap())
        .body(Body::from(format!("username=coord&password=a+long+enough+password&csrf={token}")))
        .unwrap();
    let response = tower::ServiceExt::oneshot(other, request).await.unwrap();
    assert_eq!(response.status(), 303, "the other instance accepts the token");
});

storage_test!(async fn the_csrf_cookie_is_host_prefixed_when_cookies_are_secure(db) {
    let config = lotse_web::WebConfig { secure_cookies: true, ..lotse_web::WebConfig::default() };
    let app = TestApp::with_config(db, config).await;
    let response = app.get("/login", &[]).await;
    let set = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(set.starts_with("__Host-lotse_csrf=") && set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let (cookie, token) = form_token(&app, "/login", None).await;
    let cookie = cookie.unwrap();
    let response = app
        .post_form_raw("/login", &format!("username=coord&password=a+long+enough+password&csrf={token}"), &[("cookie", &cookie)])
        .await;
    assert_eq!(response.status(), 303);
    // The unprefixed name, which a sibling domain could set, is not read.
    let plain = cookie.replace("__Host-", "");
    let response = app
        .post_form_raw("/login", &format!("username=coord&password=a+long+enough+password&csrf={token}"), &[("cookie", &plain)])
        .await;
    assert_eq!(response.status(), 403);
});

storage_test!(async fn the_session_cookie_is_host_prefixed_when_cookies_are_secure(db) {
    let config = lotse_web::WebConfig { secure_cookies: true, ..lotse_web::WebConfig::default() };
    let app = TestApp::with_config(db, config).await;
    let response = app.post_form("/login", "username=coord&password=a+long+enough+password", &[]).await;
    assert_eq!(response.status(), 303);
    let set = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.contains("lotse_session="))
        .unwrap();
    assert!(set.starts_with("__Host-lotse_session=") && set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let cookie = set.split(';').next().unwrap().to_owned();
    assert_eq!(app.get("/programme", &[("cookie", &cookie)]).await.status(), 200);
    // The unprefixed name, which a sibling domain could set, opens nothing.
    let plain = cookie.replace("__Host-", "");
    assert_eq!(app.get("/programme", &[("cookie", &plain)]).await.status(), 303);
    // Signing out clears the prefixed cookie (a clearing cookie must be Secure too).
    let response = app.post_form("/logout", "", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 303);
    let cleared = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cleared.starts_with("__Host-lotse_session=;") && cleared.contains("Max-Age=0") && cleared.contains("; Secure"), "{cleared}");
});

storage_test!(async fn ids_in_other_spellings_are_not_found(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "spell").await;
    let link_worker = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let coordinator = world.member(db, "koordination", Role::Coordinator, None).await;
    let lw = session(&app, link_worker, world.programme.id).await;
    let co = session(&app, coordinator, world.programme.id).await;
    let case = world.case.as_uuid();
    let person = world.person.as_uuid();
    let spellings = |u: uuid::Uuid| {
        vec![
            u.hyphenated().to_string().to_uppercase(),
            format!("{{{}}}", u.hyphenated()),
            u.urn().to_string(),
            u.simple().to_string(),
            format!("%7B{}%7D", u.hyphenated()),
        ]
    };
    let routes: Vec<(&str, String, uuid::Uuid)> = vec![
        ("/cases/", String::new(), case),
        ("/people/", String::new(), person),
        ("/users/", "/audit".to_owned(), link_worker.as_uuid()),
    ];
    for (prefix, suffix, id) in routes {
        let cookie = if prefix == "/cases/" { &lw } else { &co };
        let canonical = format!("{prefix}{id}{suffix}");
        let response = app.get(&canonical, &[("cookie", cookie)]).await;
        assert_eq!(response.status(), 200, "{canonical}");
        for spelling in spellings(id) {
            let path = format!("{prefix}{spelling}{suffix}");
            let response = app.get(&path, &[("cookie", cookie)]).await;
            assert_eq!(response.status(), 404, "{path}");
        }
    }
});
