//! The second factor and the coordinator's password reset, through the router.

use axum::http::header;
use lotse_app::Clock;
use lotse_app::admin::NewUser;
use lotse_domain::user::Role;
use lotse_testkit::storage_test;

use crate::app::{PASSWORD, TestApp, text};

async fn add_link_worker(app: &TestApp) {
    lotse_app::admin::add_user(
        &app.db,
        app.clock.as_ref(),
        &NewUser {
            programme: "p-one",
            username: "lotsin",
            display_name: "Lena Lotsin",
            password: PASSWORD,
            role: Role::LinkWorker,
            organisation: None,
        },
    )
    .await
    .unwrap();
}

fn set_cookies(response: &axum::http::Response<axum::body::Body>) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect()
}

async fn password_step(app: &TestApp, username: &str, password: &str) -> axum::http::Response<axum::body::Body> {
    let body = format!("username={username}&password={}", password.replace(' ', "+"));
    app.post_form("/login", &body, &[]).await
}

storage_test!(async fn a_programme_that_requires_it_sets_up_the_second_factor_at_sign_in(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update programme set second_factor_required = true").execute(p).await.map(|r| r.rows_affected())).unwrap();

    let response = password_step(&app, "lotsin", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/login/enrol");
    let pending = set_cookies(&response).into_iter().find(|c| c.starts_with("lotse_pending=")).unwrap();
    assert!(!set_cookies(&response).iter().any(|c| c.starts_with("lotse_session=")), "no session yet");

    let page = app.get("/login/enrol", &[("cookie", &pending), ("accept-language", "en")]).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let page = text(page).await;
    assert!(page.contains("<svg") && page.contains("Scan this QR code"), "{page}");
    let secret: String = page
        .split("<code class=\"secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let stored: Vec<u8> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select secret from user_second_factor").fetch_one(p).await).unwrap();
    assert!(
        lotse_store::crypto::DataKeys::is_sealed(&stored) && !stored.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the secret is sealed at rest: {stored:?}"
    );

    let wrong = app.post_form("/login/enrol", "code=000000", &[("cookie", &pending), ("accept-language", "en")]).await;
    assert_eq!(wrong.status(), 401);
    assert!(text(wrong).await.contains("This code is not right"));

    let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let done = app.post_form("/login/enrol", &format!("code={code}"), &[("cookie", &pending)]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()[header::LOCATION], "/programme");
    let cookies = set_cookies(&done);
    let session = cookies.iter().find(|c| c.starts_with("lotse_session=")).unwrap();
    assert!(cookies.iter().any(|c| c == "lotse_pending="), "the pending cookie is cleared");
    assert_eq!(app.get("/programme", &[("cookie", session)]).await.status(), 200);

    // Next sign-in: the code step; the code already used is refused (replay), the next one works.
    let response = password_step(&app, "lotsin", PASSWORD).await;
    assert_eq!(response.headers()[header::LOCATION], "/login/second-factor");
    let pending = set_cookies(&response).into_iter().find(|c| c.starts_with("lotse_pending=")).unwrap();
    let replay = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending)]).await;
    assert_eq!(replay.status(), 401, "a code is accepted once");
    app.clock.advance(time::Duration::seconds(30));
    let next = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let ok = app.post_form("/login/second-factor", &format!("code={next}"), &[("cookie", &pending)]).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()[header::LOCATION], "/programme");

    let actions: Vec<String> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select action from audit_entry order by seq").fetch_all(p).await).unwrap();
    for expected in ["second_factor_failed", "second_factor_enrolled", "session_start"] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
});

storage_test!(async fn five_wrong_codes_end_the_pending_sign_in(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update programme set second_factor_required = true").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let response = password_step(&app, "lotsin", PASSWORD).await;
    let pending = set_cookies(&response).into_iter().find(|c| c.starts_with("lotse_pending=")).unwrap();
    for attempt in 1..=5 {
        let response = app.post_form("/login/enrol", "code=999999", &[("cookie", &pending)]).await;
        let expected = if attempt < 5 { 401 } else { 303 };
        assert_eq!(response.status(), expected, "attempt {attempt}");
    }
    let after = app.get("/login/enrol", &[("cookie", &pending)]).await;
    assert_eq!(after.headers()[header::LOCATION], "/login", "start again with the password");
    let no_cookie = app.get("/login/second-factor", &[]).await;
    assert_eq!(no_cookie.headers()[header::LOCATION], "/login");
});

storage_test!(async fn a_coordinator_issues_a_one_time_reset_code(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    let coordinator = app.sign_in("coord").await;
    let users = text(app.get("/users", &[("cookie", &coordinator), ("accept-language", "en")]).await).await;
    assert!(users.contains("Lena Lotsin") && users.contains("Issue reset code"), "{users}");
    let lena: uuid::Uuid = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select user_id from user_account where username = 'lotsin'").fetch_one(p).await).unwrap();
    assert!(users.contains(&format!("action=\"/users/{lena}/password-reset\"")), "{users}");
    let lena_session = app.sign_in("lotsin").await;

    let issued = app.post_form(&format!("/users/{lena}/password-reset"), "", &[("cookie", &coordinator), ("accept-language", "en")]).await;
    assert_eq!(issued.status(), 200);
    assert_eq!(issued.headers()[header::CACHE_CONTROL], "no-store");
    let page = text(issued).await;
    let code: String = page.split("<p class=\"code-once\"><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(code.len(), 19, "{code}");

    let new_password = "a brand new passphrase";
    let form = |code: &str, password: &str, repeat: &str| {
        format!("username=lotsin&code={code}&password={}&repeat={}", password.replace(' ', "+"), repeat.replace(' ', "+"))
    };
    let short = app.post_form("/password-reset", &form(&code, "short", "short"), &[("accept-language", "en")]).await;
    assert_eq!(short.status(), 400);
    let differ = app.post_form("/password-reset", &form(&code, new_password, "something else entirely"), &[]).await;
    assert_eq!(differ.status(), 400);
    let wrong = app.post_form("/password-reset", &form("AAAA-BBBB-CCCC-DDDD", new_password, new_password), &[("accept-language", "en")]).await;
    assert_eq!(wrong.status(), 401);
    assert!(text(wrong).await.contains("the reset code is not right"));

    let typed = code.to_lowercase().replace('-', "+");
    let done = app.post_form("/password-reset", &form(&typed, new_password, new_password), &[("accept-language", "en")]).await;
    assert_eq!(done.status(), 200);
    assert!(text(done).await.contains("Your password has been changed"));
    assert_eq!(app.get("/programme", &[("cookie", &lena_session)]).await.headers()[header::LOCATION], "/login", "sessions ended");
    assert_eq!(password_step(&app, "lotsin", PASSWORD).await.status(), 401, "the old password is gone");
    assert_eq!(password_step(&app, "lotsin", new_password).await.status(), 303);
    let again = app.post_form("/password-reset", &form(&code, "yet another passphrase", "yet another passphrase"), &[]).await;
    assert_eq!(again.status(), 401, "a code works once");

    let issued = app.post_form(&format!("/users/{lena}/password-reset"), "", &[("cookie", &coordinator)]).await;
    let page = text(issued).await;
    let late: String = page.split("<p class=\"code-once\"><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    app.clock.advance(time::Duration::hours(25));
    let expired = app.post_form("/password-reset", &form(&late, "yet another passphrase", "yet another passphrase"), &[]).await;
    assert_eq!(expired.status(), 401, "codes expire after 24 hours");

    let actions: Vec<String> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select action from audit_entry order by seq").fetch_all(p).await).unwrap();
    assert_eq!(actions.iter().filter(|a| *a == "password_reset_issued").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "password_reset").count(), 1);
});

storage_test!(async fn anyone_may_set_up_a_second_factor_and_is_then_asked_for_it(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    let session = app.sign_in("lotsin").await;
    let headers = [("cookie", session.as_str()), ("accept-language", "en")];
    assert!(text(app.get("/account", &headers).await).await.contains("No second factor is set up"));
    let started = app.post_form("/account/second-factor", "", &headers).await;
    assert_eq!(started.status(), 200);
    let page = text(started).await;
    assert!(page.contains("<svg"), "{page}");
    let secret: String = page.split("<code class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().replace(' ', "");
    let wrong = app.post_form("/account/second-factor/confirm", "code=000000", &headers).await;
    assert_eq!(wrong.status(), 400);
    let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let done = app.post_form("/account/second-factor/confirm", &format!("code={code}"), &headers).await;
    assert_eq!(done.headers()[header::LOCATION], "/account");
    assert!(text(app.get("/account", &headers).await).await.contains("A second factor is set up"));
    let again = password_step(&app, "lotsin", PASSWORD).await;
    assert_eq!(again.headers()[header::LOCATION], "/login/second-factor", "the next sign-in asks for it");
});

storage_test!(async fn a_required_second_factor_covers_the_coordinator(db) {
    let app = TestApp::new(db).await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update programme set second_factor_required = true").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let response = password_step(&app, "coord", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/login/enrol", "no session on a password alone");
    assert!(!set_cookies(&response).iter().any(|c| c.starts_with("lotse_session=")));
});

async fn audit_actions(db: &lotse_testkit::TestDb) -> Vec<String> {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select action from audit_entry order by seq").fetch_all(p).await).unwrap()
}

async fn user_id(db: &lotse_testkit::TestDb, username: &str) -> uuid::Uuid {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select user_id from user_account where username = $1").bind(username).fetch_one(p).await).unwrap()
}

/// Gives `lotsin` a confirmed second factor; returns its secret.
async fn confirmed_factor(app: &TestApp, db: &lotse_testkit::TestDb) -> String {
    let user = lotse_domain::id::UserId::from_uuid(user_id(db, "lotsin").await);
    let secret = lotse_app::second_factor::new_secret();
    let mut tx = app.db.begin().await.unwrap();
    lotse_store::credential::begin_second_factor(&mut tx, user, &secret, app.clock.now())
        .await
        .unwrap();
    assert!(
        lotse_store::credential::use_step(&mut tx, user, 1, app.clock.now())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    secret
}

async fn pending_cookie(app: &TestApp) -> String {
    let response = password_step(app, "lotsin", PASSWORD).await;
    assert_eq!(response.headers()[header::LOCATION], "/login/second-factor");
    set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("lotse_pending="))
        .unwrap()
}

storage_test!(async fn wrong_codes_count_per_account_across_pending_sign_ins(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    let secret = confirmed_factor(&app, db).await;
    // "Password, 4 wrong codes, password again": the right password does not reset the count.
    let mut wrong = 0;
    for _ in 0..3 {
        let pending = pending_cookie(&app).await;
        for _ in 0..4 {
            let response = app.post_form("/login/second-factor", "code=999999", &[("cookie", &pending)]).await;
            wrong += 1;
            let expected = if wrong <= 10 { 401 } else { 429 };
            assert_eq!(response.status(), expected, "wrong code {wrong}");
        }
    }
    let pending = pending_cookie(&app).await;
    let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let right = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending), ("accept-language", "en")]).await;
    assert_eq!(right.status(), 429, "locked: even the right code is refused");
    assert!(text(right).await.contains("ask your programme coordinator to unlock it"));
    let actions = audit_actions(db).await;
    assert_eq!(actions.iter().filter(|a| *a == "second_factor_failed").count(), 9, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "second_factor_locked").count(), 1, "{actions:?}");

    // The coordinator sees the lock and lifts it (audited); then the right code works.
    let coordinator = app.sign_in("coord").await;
    let users = text(app.get("/users", &[("cookie", &coordinator), ("accept-language", "en")]).await).await;
    let lena = user_id(db, "lotsin").await;
    assert!(users.contains(&format!("action=\"/users/{lena}/second-factor/unlock\"")), "{users}");
    assert!(users.contains("locked"), "{users}");
    let forged = app.post_form_raw(&format!("/users/{lena}/second-factor/unlock"), "", &[("cookie", &coordinator)]).await;
    assert_eq!(forged.status(), 403, "CSRF-protected");
    let unlocked = app.post_form(&format!("/users/{lena}/second-factor/unlock"), "", &[("cookie", &coordinator)]).await;
    assert_eq!(unlocked.status(), 303);
    assert_eq!(unlocked.headers()[header::LOCATION], "/users");
    assert!(audit_actions(db).await.contains(&"second_factor_unlocked".to_owned()));
    app.clock.advance(time::Duration::seconds(30));
    let pending = pending_cookie(&app).await;
    let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let right = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending)]).await;
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()[header::LOCATION], "/programme");
});

storage_test!(async fn parallel_codes_for_one_pending_sign_in_are_capped(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    confirmed_factor(&app, db).await;
    let pending = pending_cookie(&app).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, pending) = (app.clone(), pending.clone());
            tokio::spawn(async move { app.post_form("/login/second-factor", "code=999999", &[("cookie", &pending)]).await.status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let actions = audit_actions(db).await;
    assert_eq!(actions.iter().filter(|a| *a == "second_factor_failed").count(), 5, "at most five codes checked: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 4, "{statuses:?}");
});

storage_test!(async fn a_password_reset_and_signing_out_everywhere_end_pending_sign_ins(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    let secret = confirmed_factor(&app, db).await;
    // Signing out everywhere.
    let pending = pending_cookie(&app).await;
    let session = app.sign_in("coord").await;
    let lena_session = {
        let pending = pending_cookie(&app).await;
        let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
        let done = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending)]).await;
        set_cookies(&done).into_iter().find(|c| c.starts_with("lotse_session=")).unwrap()
    };
    assert_eq!(app.post_form("/logout/everywhere", "", &[("cookie", &lena_session)]).await.status(), 303);
    app.clock.advance(time::Duration::seconds(30));
    let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let late = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending)]).await;
    assert_eq!(late.headers()[header::LOCATION], "/login", "the pending sign-in ended with the sessions");
    // A password reset.
    let pending = pending_cookie(&app).await;
    let lena = user_id(db, "lotsin").await;
    let issued = text(app.post_form(&format!("/users/{lena}/password-reset"), "", &[("cookie", &session)]).await).await;
    let reset: String = issued.split("<p class=\"code-once\"><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let form = format!("username=lotsin&code={reset}&password=a+brand+new+passphrase&repeat=a+brand+new+passphrase");
    assert_eq!(app.post_form("/password-reset", &form, &[]).await.status(), 200);
    app.clock.advance(time::Duration::seconds(30));
    let code = lotse_app::second_factor::code_at(&secret, app.clock.now()).unwrap();
    let late = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending)]).await;
    assert_eq!(late.headers()[header::LOCATION], "/login", "the pending sign-in ended with the reset");
});

storage_test!(async fn a_reset_for_an_unknown_name_hashes_like_one_for_a_known_name(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    let form = |name: &str| format!("username={name}&code=AAAA-BBBB-CCCC-DDDD&password=a+brand+new+passphrase&repeat=a+brand+new+passphrase");
    let (known, known_hashes) = lotse_app::password::count_hashes(app.post_form("/password-reset", &form("lotsin"), &[])).await;
    let (unknown, unknown_hashes) = lotse_app::password::count_hashes(app.post_form("/password-reset", &form("nobody"), &[])).await;
    assert_eq!((known.status(), unknown.status()), (axum::http::StatusCode::UNAUTHORIZED, axum::http::StatusCode::UNAUTHORIZED));
    assert!(known_hashes >= 1, "{known_hashes}");
    assert_eq!(known_hashes, unknown_hashes, "the same argon2 work for both");
    // The sign-in does the same.
    let login = |name: &str| format!("username={name}&password=not+the+password");
    let (_, known_login) = lotse_app::password::count_hashes(app.post_form("/login", &login("lotsin"), &[])).await;
    let (_, unknown_login) = lotse_app::password::count_hashes(app.post_form("/login", &login("nobody"), &[])).await;
    assert_eq!((known_login, unknown_login), (1, 1));
});

storage_test!(async fn starting_a_voluntary_set_up_is_audited(db) {
    let app = TestApp::new(db).await;
    add_link_worker(&app).await;
    let session = app.sign_in("lotsin").await;
    let started = app.post_form("/account/second-factor", "", &[("cookie", &session)]).await;
    assert_eq!(started.status(), 200);
    assert_eq!(audit_actions(db).await.iter().filter(|a| *a == "second_factor_setup_started").count(), 1);
});

storage_test!(async fn a_member_asks_for_the_notice_email_on_the_account_page(db) {
    let world = lotse_testkit::world::World::build(db, "account-notice").await;
    let lotsin = world
        .member(db, "lotsin-notice", lotse_domain::user::Role::LinkWorker, Some(world.orgs.facility))
        .await;
    // Without a relay the page says so and offers no form.
    let plain = TestApp::new(db).await;
    let cookie = plain.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let page = text(plain.get("/account", &headers).await).await;
    assert!(page.contains("Ihr Programm versendet keine E-Mails") && !page.contains("/account/notifications"), "{page}");

    let relay = lotse_app::email::Relay::new("smtp://127.0.0.1:2525", "Lotse <lotse@example.org>").unwrap();
    let relays = lotse_app::email::Relays::resolve(&db.db, "https://lotse.test", vec![(world.programme.slug.as_str().to_owned(), relay)])
        .await
        .unwrap();
    let app = plain.with_email(relays);
    let page = text(app.get("/account", &headers).await).await;
    assert!(page.contains("action=\"/account/notifications\"") && page.contains("E-Mail bei Neuigkeiten"), "{page}");
    // A wrong address: 400, named, kept in the field, nothing saved.
    let response = app.post_form("/account/notifications", "address=lotsin%40", &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Das ist keine E-Mail-Adresse") && page.contains("value=\"lotsin@\""), "{page}");
    let response = app.post_form("/account/notifications", "address=lotsin%40example.org", &headers).await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains("Gespeichert.") && page.contains("value=\"lotsin@example.org\""), "{page}");
    let page = text(app.get("/account", &[("cookie", cookie.as_str()), ("accept-language", "en")]).await).await;
    assert!(page.contains("E-mail when something is new") && page.contains("value=\"lotsin@example.org\""), "{page}");
    // Emptied: off.
    let response = app.post_form("/account/notifications", "address=", &headers).await;
    assert_eq!(response.status(), 200);
    assert!(!text(response).await.contains("value=\"lotsin@example.org\""));
});
