use axum::http::header;
use lotse_testkit::storage_test;

use crate::app::{TestApp, text};

storage_test!(async fn signing_in_opens_a_session_and_audits_it(db) {
    let app = TestApp::new(db).await;
    let cookie = app.sign_in("Coord").await;
    assert!(cookie.starts_with("lotse_session="));
    let response = app.get("/programme", &[("cookie", &cookie), ("accept-language", "en")]).await;
    assert_eq!(response.status(), 200);
    let body = text(response).await;
    assert!(body.contains("Test programme p-one"), "{body}");
    assert!(body.contains("Welcome, Cora Coordinator. You are signed in as Programme coordinator."), "{body}");
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 1);
    let reports = lotse_app::admin::verify_audit(&db.db).await.unwrap();
    assert!(reports.iter().all(|(_, r)| r.broken.is_none()));
    assert_eq!(reports[0].1.entries, 2, "user created, session started");
});

storage_test!(async fn the_session_cookie_is_http_only_and_same_site(db) {
    let app = TestApp::new(db).await;
    let response = app.post_form("/login", "username=coord&password=a+long+enough+password", &[]).await;
    let set_cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/programme");
});

storage_test!(async fn a_wrong_password_and_an_unknown_user_get_the_same_answer(db) {
    let app = TestApp::new(db).await;
    for body in ["username=coord&password=wrong+password+here", "username=nobody&password=wrong+password+here", "username=%00&password=x"] {
        let response = app.post_form("/login", body, &[("accept-language", "de")]).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        let page = text(response).await;
        assert!(page.contains("Benutzername oder Passwort ist falsch."), "{page}");
    }
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 0);
});

storage_test!(async fn a_malformed_login_form_is_a_clean_4xx(db) {
    let app = TestApp::new(db).await;
    let response = app.post_form("/login", "username=coord", &[("accept-language", "en")]).await;
    assert_eq!(response.status(), 422, "a well-formed form without its password field");
    assert!(text(response).await.contains("Request not understood"));
    let response = app.send(
        axum::http::Request::post("/login").header("content-type", "text/plain").body(axum::body::Body::from("x")).unwrap(),
    ).await;
    assert_eq!(response.status(), 415);
    assert!(text(response).await.contains("Anfrage nicht verstanden"), "German without Accept-Language");
});

storage_test!(async fn an_oversized_body_is_refused_with_413(db) {
    let app = TestApp::new(db).await;
    let big = format!("username=coord&password={}", "x".repeat(70 * 1024));
    let response = app.post_form("/login", &big, &[("accept-language", "en")]).await;
    assert_eq!(response.status(), 413);
    assert!(text(response).await.contains("Request too large"));
});

storage_test!(async fn signing_out_ends_the_session(db) {
    let app = TestApp::new(db).await;
    let cookie = app.sign_in("coord").await;
    let response = app.post_form("/logout", "", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 303);
    assert!(response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 0);
    let response = app.get("/programme", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 303, "the old cookie no longer works");
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/login");
});

storage_test!(async fn a_forged_session_token_is_ignored(db) {
    let app = TestApp::new(db).await;
    let response = app.get("/programme", &[("cookie", "lotse_session=00ff00ff")]).await;
    assert_eq!(response.status(), 303);
});

storage_test!(async fn forms_without_the_csrf_token_are_refused(db) {
    let app = TestApp::new(db).await;
    let login = "username=coord&password=a+long+enough+password";
    // No token at all, a token without its cookie, and a token that differs from the cookie.
    let other = "f".repeat(64);
    let attempts = [
        (login.to_owned(), String::new()),
        (format!("{login}&csrf={}", crate::app::CSRF), String::new()),
        (format!("{login}&csrf={other}"), format!("lotse_csrf={}", crate::app::CSRF)),
    ];
    for (body, cookie) in attempts {
        let mut headers = vec![("accept-language", "en")];
        if !cookie.is_empty() {
            headers.push(("cookie", cookie.as_str()));
        }
        let response = app.post_form_raw("/login", &body, &headers).await;
        assert_eq!(response.status(), 403, "{body}");
        assert!(response.headers().get(header::SET_COOKIE).is_none_or(|c| !c.to_str().unwrap().starts_with("lotse_session")));
        assert!(text(response).await.contains("Not allowed"));
    }
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 0);
    // A forged sign-out cannot end a session either.
    let cookie = app.sign_in("coord").await;
    let response = app.post_form_raw("/logout", "", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 1);
});

storage_test!(async fn pages_hand_out_a_strict_csrf_cookie_and_embed_it(db) {
    let app = TestApp::new(db).await;
    let response = app.get("/login", &[]).await;
    let set_cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("lotse_csrf=") && set_cookie.contains("SameSite=Strict") && set_cookie.contains("HttpOnly"));
    let value = set_cookie.trim_start_matches("lotse_csrf=").split(';').next().unwrap().to_owned();
    let page = text(response).await;
    let token = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(token.len(), 64, "{page}");
    assert_ne!(token, value, "the form carries a token derived from the cookie, not the cookie itself");
    // With the cookie present, no new one is set and the same token is embedded.
    let response = app.get("/login", &[("cookie", &format!("lotse_csrf={value}"))]).await;
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    assert!(text(response).await.contains(&token));
});

async fn audit_actions(db: &lotse_testkit::TestDb) -> Vec<String> {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select action from audit_entry order by seq").fetch_all(p).await).unwrap()
}

storage_test!(async fn repeated_failures_lock_the_account_name_for_a_while(db) {
    let app = TestApp::new(db).await;
    let wrong = "username=coord&password=not+the+password";
    for _ in 0..5 {
        assert_eq!(app.post_form("/login", wrong, &[]).await.status(), 401);
    }
    // Locked: even the right password is refused, with 429 and no session.
    let right = "username=coord&password=a+long+enough+password";
    let response = app.post_form("/login", right, &[("accept-language", "en")]).await;
    assert_eq!(response.status(), 429);
    assert!(text(response).await.contains("Too many attempts"));
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 0);
    let actions = audit_actions(db).await;
    assert_eq!(actions.iter().filter(|a| *a == "sign_in_failed").count(), 4, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "sign_in_locked").count(), 1, "{actions:?}");
    // After the lockout the right password works, and the counter starts again.
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(app.post_form("/login", right, &[]).await.status(), 303);
    assert_eq!(app.post_form("/login", wrong, &[]).await.status(), 401);
    let reports = lotse_app::admin::verify_audit(&db.db).await.unwrap();
    assert!(reports.iter().all(|(_, r)| r.broken.is_none()));
});

storage_test!(async fn unknown_names_are_throttled_the_same_way(db) {
    let app = TestApp::new(db).await;
    for _ in 0..5 {
        assert_eq!(app.post_form("/login", "username=nobody&password=whatever+it+is", &[]).await.status(), 401);
    }
    assert_eq!(app.post_form("/login", "username=nobody&password=whatever+it+is", &[]).await.status(), 429);
    // Another name is not affected.
    assert_eq!(app.post_form("/login", "username=coord&password=a+long+enough+password", &[]).await.status(), 303);
});

storage_test!(async fn signing_out_everywhere_ends_every_session_of_the_user(db) {
    let app = TestApp::new(db).await;
    let first = app.sign_in("coord").await;
    let second = app.sign_in("coord").await;
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 2);
    let response = app.post_form("/logout/everywhere", "", &[("cookie", &first)]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 0);
    assert_eq!(app.get("/programme", &[("cookie", &second)]).await.status(), 303, "the other device is signed out");
    assert!(audit_actions(db).await.contains(&"sessions_revoked".to_owned()));
    // Without a session there is nothing to end: back to the sign-in page.
    let response = app.post_form("/logout/everywhere", "", &[]).await;
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/login");
});

fn peer(ip: &str) -> std::net::SocketAddr {
    std::net::SocketAddr::new(ip.parse().unwrap(), 40_000)
}

storage_test!(async fn parallel_wrong_passwords_lock_after_exactly_the_limit(db) {
    let app = TestApp::new(db).await;
    let statuses = app.post_form_parallel(50, "/login", "username=coord&password=not+the+password").await;
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "exactly the limit is checked: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 45, "{statuses:?}");
    let right = app.post_form("/login", "username=coord&password=a+long+enough+password", &[]).await;
    assert_eq!(right.status(), 429, "locked: the right password is refused");
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 0);
    let actions = audit_actions(db).await;
    assert_eq!(actions.iter().filter(|a| *a == "sign_in_failed").count(), 4, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "sign_in_locked").count(), 1, "{actions:?}");
});

storage_test!(async fn one_client_address_is_limited_across_names(db) {
    let throttle = lotse_app::auth::Throttle { address_max_failures: 3, ..lotse_app::auth::Throttle::default() };
    let config = lotse_web::WebConfig { throttle, trusted_proxies: vec!["192.0.2.9".parse().unwrap()], ..lotse_web::WebConfig::default() };
    let app = TestApp::with_config(db, config).await;
    let attacker = peer("192.0.2.1");
    for name in ["anna", "bert", "carl"] {
        let response = app.post_form_from(attacker, "/login", &format!("username={name}&password=wrong+password+x"), &[]).await;
        assert_eq!(response.status(), 401, "{name}");
    }
    let right = "username=coord&password=a+long+enough+password";
    assert_eq!(app.post_form_from(attacker, "/login", "username=dora&password=wrong+password+x", &[]).await.status(), 429);
    assert_eq!(app.post_form_from(attacker, "/login", right, &[]).await.status(), 429, "the address is locked, whatever the name");
    // A forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
    let forged = app.post_form_from(attacker, "/login", right, &[("x-forwarded-for", "198.51.100.7")]).await;
    assert_eq!(forged.status(), 429);
    // Another client signs in; the account itself is not locked.
    assert_eq!(app.post_form_from(peer("192.0.2.2"), "/login", right, &[]).await.status(), 303);
    // Behind the trusted proxy, the forwarded address counts.
    let proxy = peer("192.0.2.9");
    let via = app.post_form_from(proxy, "/login", right, &[("x-forwarded-for", "198.51.100.7, 192.0.2.1")]).await;
    assert_eq!(via.status(), 429, "the client behind the proxy is the locked one");
    let other = app.post_form_from(proxy, "/login", right, &[("x-forwarded-for", "192.0.2.1, 198.51.100.7")]).await;
    assert_eq!(other.status(), 303, "the address the proxy saw is the rightmost untrusted one");
    // Without a known address (no connection info) only the account lock applies.
    assert_eq!(app.post_form("/login", right, &[]).await.status(), 303);
});

storage_test!(async fn answers_during_a_lock_are_audited_once_a_minute(db) {
    let app = TestApp::new(db).await;
    let wrong = "username=coord&password=not+the+password";
    for _ in 0..5 {
        assert_eq!(app.post_form("/login", wrong, &[]).await.status(), 401);
    }
    for _ in 0..3 {
        assert_eq!(app.post_form("/login", wrong, &[]).await.status(), 429);
    }
    let refused = |actions: Vec<String>| actions.iter().filter(|a| *a == "sign_in_refused").count();
    assert_eq!(refused(audit_actions(db).await), 1, "one entry for the refusals of a minute");
    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(app.post_form("/login", wrong, &[]).await.status(), 429);
    assert_eq!(refused(audit_actions(db).await), 2);
    // Unknown names are refused alike, without an audit entry (there is no account).
    for _ in 0..6 {
        app.post_form("/login", "username=nobody&password=not+the+password", &[]).await;
    }
    assert_eq!(refused(audit_actions(db).await), 2);
});

storage_test!(async fn expired_counters_are_deleted(db) {
    let app = TestApp::new(db).await;
    for name in ["nobody", "noone", "coord"] {
        assert_eq!(app.post_form("/login", &format!("username={name}&password=not+the+password"), &[]).await.status(), 401);
    }
    let rows = || async { lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>("select count(*) from login_attempt").fetch_one(p).await).unwrap() };
    assert_eq!(rows().await, 3);
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(app.post_form("/login", "username=somebody&password=not+the+password", &[]).await.status(), 401);
    assert_eq!(rows().await, 1, "only the fresh counter is left");
});
