//! Attacks through the router: CSRF on every state-changing route, stored and reflected XSS,
//! SQL injection in forms, session fixation, expired sessions, tampered ids, path traversal.

use axum::http::{Method, header};
use lotse_domain::id::{ProgrammeId, UserId};
use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

async fn session(app: &TestApp, user: UserId, programme: ProgrammeId) -> String {
    app.session_for(user, programme).await
}

async fn audit_count(app: &TestApp) -> i64 {
    lotse_store::on_pool!(&app.db, p => sqlx::query_scalar("select count(*) from audit_entry").fetch_one(p).await)
        .unwrap()
}

storage_test!(async fn every_state_changing_route_refuses_a_missing_or_forged_csrf_token(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "csrf").await;
    let link_worker = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let coordinator = world.member(db, "koordination", Role::Coordinator, None).await;
    let prescriber = world.member(db, "praxis", Role::Prescriber, Some(world.orgs.practice)).await;
    let provider = world.member(db, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let posts: Vec<_> = lotse_web::routes::specs().into_iter().filter(|s| s.method == Method::POST).collect();
    assert!(posts.len() >= 6, "{posts:?}");
    for spec in posts {
        let (user, id) = if spec.path.starts_with("/people") || spec.path.starts_with("/users") {
            (coordinator, world.person.to_string())
        } else if spec.path.starts_with("/prescriptions") {
            (prescriber, String::new())
        } else if spec.path.starts_with("/offers") {
            (coordinator, world.offer.as_uuid().to_string())
        } else if spec.path.starts_with("/programme") {
            (coordinator, world.orgs.facility.to_string())
        } else if spec.path.ends_with("/provider-answer") {
            (provider, world.case.to_string())
        } else {
            (link_worker, world.case.to_string())
        };
        let cookie = session(&app, user, world.programme.id).await;
        // A capability route gets a live link of its purpose.
        let token = match spec.access {
            lotse_web::routes::Access::Capability(purpose) => {
                let object = crate::access_matrix::capability_object(db, &world, purpose).await;
                lotse_app::capability::issue(&db.db, app.clock.as_ref(), &world.scope, purpose, object, time::Duration::hours(1))
                    .await
                    .unwrap()
                    .token
                    .text()
            }
            _ => String::new(),
        };
        let path = spec
            .path
            .replace("{id}", &id)
            .replace("{consent}", &world.care_consent.to_string())
            .replace("{onward}", &world.onward.to_string())
            .replace("{token}", &token);
        let before = audit_count(&app).await;
        let fields = "username=coord&password=a+long+enough+password&confirm=yes&q=X";
        for (body, cookie_token) in [
            (fields.to_owned(), None),
            (format!("{fields}&csrf={}", "f".repeat(64)), Some("0".repeat(64))),
            (format!("{fields}&csrf="), Some(String::new())),
        ] {
            let cookies = match cookie_token {
                Some(t) => format!("{cookie}; lotse_csrf={t}"),
                None => cookie.clone(),
            };
            let response = app.post_form_raw(&path, &body, &[("cookie", &cookies)]).await;
            // An API route takes no cookies at all: a browser session is no credential there
            // (401), so a cross-site form cannot drive it.
            // A provider's link on the API takes JSON only, which a cross-site form cannot send
            // without a preflight: the form is refused as the wrong media type (415).
            let refused = match (spec.access, spec.surface) {
                (lotse_web::routes::Access::ApiClient(_), _) => 401,
                (lotse_web::routes::Access::Capability(_), lotse_web::routes::Surface::Api) => 415,
                _ => 403,
            };
            assert_eq!(response.status(), refused, "{} {path} with {body:?}", spec.method);
        }
        // A public route has no one to audit; an API route saw no client (401, like a page
        // without a session).
        // A capability's refused form is not audited (the link holder is not signed in).
        let refusals = match spec.access {
            lotse_web::routes::Access::Public
            | lotse_web::routes::Access::ApiClient(_)
            | lotse_web::routes::Access::Capability(_) => 0,
            lotse_web::routes::Access::Member(_) => 3,
            lotse_web::routes::Access::Metrics => panic!("{path}: no POST route is a metrics route"),
        };
        assert_eq!(audit_count(&app).await, before + refusals, "{path}: nothing done, each refusal of a signed-in form audited");
    }
    assert!(lotse_store::session::count(&db.db).await.unwrap() > 0, "no session was ended by a forged logout");
    let refused: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry where action = 'request_refused'").fetch_one(p).await).unwrap();
    assert!(refused >= 15, "the refused forms are audited: {refused}");
});

/// The payload shown as text: `<` and `>` escaped (askama writes `&#60;` / `&#62;`).
fn escaped(page: &str) -> bool {
    page.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
}

storage_test!(async fn names_are_escaped_wherever_they_are_shown(db) {
    let app = TestApp::new(db).await;
    let payload = "<script>alert(1)</script>";
    let world = World::build_with_family(db, "xss", payload).await;
    let link_worker = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let coordinator = world.member(db, "koordination", Role::Coordinator, None).await;
    let cookie = session(&app, link_worker, world.programme.id).await;
    for path in ["/cases".to_owned(), format!("/cases/{}", world.case)] {
        let page = text(app.get(&path, &[("cookie", &cookie)]).await).await;
        assert!(escaped(&page), "{path}: {page}");
        assert!(!page.contains(payload), "{path}: stored XSS");
    }
    let cookie = session(&app, coordinator, world.programme.id).await;
    let page = text(app.post_form(&format!("/people/{}/export", world.person), "reference=DSR-1", &[("cookie", &cookie)]).await).await;
    assert!(!page.contains(payload) && escaped(&page), "export page: stored XSS");
    let json = app.post_form(&format!("/people/{}/export.json", world.person), "reference=DSR-1", &[("cookie", &cookie)]).await;
    assert_eq!(json.headers().get(header::CONTENT_TYPE).unwrap(), "application/json", "never sniffed as HTML");
});

storage_test!(async fn reflected_input_is_escaped_and_injection_is_only_a_bad_code(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "reflect").await;
    let link_worker = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = session(&app, link_worker, world.programme.id).await;
    for q in ["\"><script>alert(1)</script>", "' OR '1'='1", "1; drop table patient; --", "K7QM' UNION SELECT given_name FROM patient_identity --"] {
        let encoded = q.bytes().fold(String::new(), |mut out, b| {
            use std::fmt::Write as _;
            let _ = write!(out, "%{b:02X}");
            out
        });
        let response = app.post_form("/cases/search", &format!("q={encoded}"), &[("cookie", &cookie), ("accept-language", "en")]).await;
        assert_eq!(response.status(), 400, "{q}");
        let page = text(response).await;
        assert!(page.contains("not a valid prescription code"), "{page}");
        assert!(!page.contains("<script>alert"), "reflected XSS with {q}");
    }
    let response = app.post_form("/login", "username=%27+OR+1%3D1+--&password=%27+OR+%271%27%3D%271", &[]).await;
    assert_eq!(response.status(), 401);
    let response = app.post_form("/login", "username=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&password=x", &[]).await;
    let page = text(response).await;
    assert!(!page.contains("<script>alert"), "the username is reflected escaped");
    assert_eq!(lotse_store::session::count(&db.db).await.unwrap(), 1, "only the test's own session");
});

storage_test!(async fn a_planted_session_cookie_is_never_adopted(db) {
    let app = TestApp::new(db).await;
    let planted = "lotse_session=attacker-chosen-value-0000000000000000";
    assert_eq!(app.get("/programme", &[("cookie", planted)]).await.headers()[header::LOCATION], "/login");
    let response = app
        .post_form("/login", "username=coord&password=a+long+enough+password", &[("cookie", planted)])
        .await;
    assert_eq!(response.status(), 303);
    let issued = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(!issued.contains("attacker-chosen"), "a fresh token is issued: {issued}");
    let response = app.get("/programme", &[("cookie", planted)]).await;
    assert_eq!(response.headers()[header::LOCATION], "/login", "the planted value still opens nothing");
});

storage_test!(async fn an_expired_session_leads_to_the_sign_in_page(db) {
    let app = TestApp::new(db).await;
    let cookie = app.sign_in("coord").await;
    assert_eq!(app.get("/programme", &[("cookie", &cookie)]).await.status(), 200);
    app.clock.advance(lotse_app::auth::SESSION_LIFETIME + time::Duration::seconds(1));
    let response = app.get("/programme", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], "/login");
});

storage_test!(async fn tampered_ids_are_not_found_and_audited(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "ids").await;
    let link_worker = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = session(&app, link_worker, world.programme.id).await;
    let random = uuid::Uuid::new_v4();
    for path in [
        "/cases/not-a-uuid".to_owned(),
        format!("/cases/{random}"),
        format!("/cases/{}", world.person),
        format!("/cases/{}", world.second_case).replace('-', "_"),
        "/cases/%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_owned(),
    ] {
        let response = app.get(&path, &[("cookie", &cookie), ("accept-language", "en")]).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(!text(response).await.contains("Matrixfrau"));
    }
    let denied: Vec<uuid::Uuid> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select object_id from audit_entry where action = 'access_denied'").fetch_all(p).await).unwrap();
    assert!(denied.contains(&random), "the probe for a random id is audited");
});

storage_test!(async fn paths_cannot_climb_out_of_static_files_or_language_choice(db) {
    let app = TestApp::new(db).await;
    for path in ["/static/../Cargo.toml", "/static/%2e%2e/Cargo.toml", "/static/..%2f..%2fCargo.toml", "/static/lotse.css/../../README.md"] {
        let response = app.get(path, &[]).await;
        assert!(matches!(response.status().as_u16(), 400 | 404), "{path}: {}", response.status());
        assert!(!text(response).await.contains("[workspace]"));
    }
    let response = app.get("/lang/..%2f..%2fetc", &[]).await;
    assert_eq!(response.status(), 400);
    let response = app.get("/lang/en?back=//evil.example/x", &[]).await;
    assert_eq!(response.headers()[header::LOCATION], "/");
});

storage_test!(async fn onward_referral_states_are_translated_on_the_worklist_and_the_case_page(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "onward-i18n").await;
    let provider = world.member(db, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let link_worker = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    for (user, path) in [(provider, "/cases".to_owned()), (link_worker, format!("/cases/{}", world.case))] {
        let cookie = session(&app, user, world.programme.id).await;
        let page = text(app.get(&path, &[("cookie", &cookie), ("accept-language", "en")]).await).await;
        assert!(page.contains("Acknowledged by the provider"), "{path}: {page}");
        assert!(!page.contains("<td>acknowledged</td>") && !page.contains("state-"), "{path}: a raw code: {page}");
    }
});
