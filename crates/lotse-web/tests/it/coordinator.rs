//! The coordinator's power (reasons for exports and erasures, resets, the second factor),
//! cross-site actions, and refusals that must be audited.

use axum::body::Body;
use axum::http::{Request, header};
use lotse_app::Clock;
use lotse_app::admin::NewUser;
use lotse_domain::id::{ProgrammeId, UserId};
use lotse_domain::user::Role;
use lotse_testkit::world::{PERSON_FAMILY, World};
use lotse_testkit::{TestDb, fixed_now, storage_test};

use crate::app::{PASSWORD, TestApp, text};

/// A live session for a user of a world (world members have no usable password).
async fn session_of(app: &TestApp, user: UserId, programme: ProgrammeId) -> String {
    app.session_for(user, programme).await
}

async fn audit_rows(db: &TestDb) -> Vec<(String, String, Option<String>)> {
    lotse_store::on_pool!(&db.db, p => sqlx::query_as("select action, object_kind, reference from audit_entry order by programme_key, seq").fetch_all(p).await).unwrap()
}

async fn actions(db: &TestDb) -> Vec<String> {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select action from audit_entry order by programme_key, seq").fetch_all(p).await).unwrap()
}

async fn audit_count(db: &TestDb) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry").fetch_one(p).await)
        .unwrap()
}

async fn head(app: &TestApp, path: &str, cookie: &str) -> u16 {
    let request = Request::head(path)
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    app.send(request).await.status().as_u16()
}

storage_test!(async fn head_never_runs_a_use_case(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "head-a").await;
    let coordinator = world.member(db, "head-coord", Role::Coordinator, None).await;
    let cookie = session_of(&app, coordinator, world.programme.id).await;
    let before = audit_count(db).await;
    for path in [
        format!("/people/{}/export.json", world.person),
        format!("/people/{}/export", world.person),
        format!("/people/{}", world.person),
        format!("/users/{coordinator}/audit"),
        "/people".to_owned(),
    ] {
        let status = head(&app, &path, &cookie).await;
        assert!(status != 200 || path == "/people", "HEAD {path} answered {status}");
    }
    assert_eq!(audit_count(db).await, before, "HEAD wrote audit entries: {:?}", actions(db).await);
    // Public pages still answer HEAD.
    let request = Request::head("/login").body(Body::empty()).unwrap();
    assert_eq!(app.send(request).await.status(), 200);
});

storage_test!(async fn an_export_is_a_post_with_csrf_and_a_recorded_reference(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "export-a").await;
    let coordinator = world.member(db, "export-coord", Role::Coordinator, None).await;
    let cookie = session_of(&app, coordinator, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "en")];
    let json = format!("/people/{}/export.json", world.person);
    let page = format!("/people/{}/export", world.person);

    // A plain link (GET) does nothing.
    let before = audit_count(db).await;
    for path in [&json, &page] {
        let response = app.get(path, &headers).await;
        assert_eq!(response.status(), 405, "GET {path}");
        assert!(!text(response).await.contains(PERSON_FAMILY));
    }
    assert_eq!(audit_count(db).await, before);

    // Without a reference, or with one that could hold personal data: refused, translated.
    for reference in ["", "Hannelore+Matrixfrau", "a%0Ab", &"x".repeat(41)] {
        let response = app.post_form(&json, &format!("reference={reference}"), &headers).await;
        assert_eq!(response.status(), 400, "{reference:?}");
        let body = text(response).await;
        assert!(body.contains("1 to 40 characters"), "{body}");
        assert!(!body.contains(PERSON_FAMILY));
    }
    let de = app.post_form(&json, "reference=Hannelore+Matrixfrau", &[("cookie", cookie.as_str()), ("accept-language", "de")]).await;
    assert!(text(de).await.contains("1 bis 40 Zeichen"));
    assert!(!actions(db).await.iter().any(|a| a == "export"), "refused exports export nothing");

    let response = app.post_form(&json, "reference=DSR-2026%2F17", &headers).await;
    assert_eq!(response.status(), 200);
    assert!(text(response).await.contains(PERSON_FAMILY));
    let response = app.post_form(&page, "reference=DSR-2026%2F18", &headers).await;
    assert_eq!(response.status(), 200);
    let rows = audit_rows(db).await;
    let exports: Vec<_> = rows.iter().filter(|(a, _, _)| a == "export").collect();
    assert_eq!(exports.len(), 2, "{rows:?}");
    assert_eq!(exports[0].2.as_deref(), Some("DSR-2026/17"));
    assert_eq!(exports[1].2.as_deref(), Some("DSR-2026/18"));

    // A forged token is refused before anything runs.
    let forged = app
        .post_form_raw(&json, "reference=DSR-1&csrf=forged", &[("cookie", &format!("{cookie}; lotse_csrf={}", crate::app::CSRF))])
        .await;
    assert_eq!(forged.status(), 403);

    // The reference is shown in the person's trail and in the coordinator's own audit view.
    let trail = text(app.get(&format!("/people/{}", world.person), &headers).await).await;
    assert!(trail.contains("DSR-2026/17") && trail.contains("DSR-2026/18"), "{trail}");
    let mine = text(app.get(&format!("/users/{coordinator}/audit"), &headers).await).await;
    assert!(mine.contains("DSR-2026/17"), "{mine}");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn an_erasure_needs_a_recorded_reference(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "erase-a").await;
    let coordinator = world.member(db, "erase-coord", Role::Coordinator, None).await;
    let cookie = session_of(&app, coordinator, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "en")];
    let erase = format!("/people/{}/erase", world.second_person);
    let refused = app.post_form(&erase, "confirm=yes", &headers).await;
    assert_eq!(refused.status(), 400);
    assert!(!actions(db).await.iter().any(|a| a == "erase"));
    let done = app.post_form(&erase, "confirm=yes&reference=ticket-42", &headers).await;
    assert_eq!(done.status(), 303);
    let rows = audit_rows(db).await;
    assert!(rows.iter().any(|(a, _, r)| a == "erase" && r.as_deref() == Some("ticket-42")), "{rows:?}");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_refused_role_is_audited_once_per_window(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "refusal-a").await;
    let link_worker = world.member(db, "refusal-lw", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = session_of(&app, link_worker, world.programme.id).await;
    let headers = [("cookie", cookie.as_str())];
    assert_eq!(app.get(&format!("/people/{}", world.person), &headers).await.status(), 403);
    let refused = |a: &String| a == "route_refused";
    assert_eq!(actions(db).await.iter().filter(|a| refused(a)).count(), 1);
    // Repeated refusals within the window: one entry.
    for _ in 0..3 {
        assert_eq!(app.get("/people", &headers).await.status(), 403);
    }
    assert_eq!(actions(db).await.iter().filter(|a| refused(a)).count(), 1);
    app.clock.advance(time::Duration::minutes(10));
    assert_eq!(app.get("/people", &headers).await.status(), 403);
    assert_eq!(actions(db).await.iter().filter(|a| refused(a)).count(), 2);
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn withdrawing_a_random_or_anothers_consent_is_audited(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "consent-a").await;
    let link_worker = world.member(db, "consent-lw", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = session_of(&app, link_worker, world.programme.id).await;
    let headers = [("cookie", cookie.as_str())];
    let denied_before = actions(db).await.iter().filter(|a| *a == "access_denied").count();
    let random = uuid::Uuid::new_v4();
    let response = app
        .post_form(&format!("/cases/{}/consents/{random}/withdraw", world.case), "", &headers)
        .await;
    assert_eq!(response.status(), 404);
    let denied = actions(db).await.iter().filter(|a| *a == "access_denied").count();
    assert_eq!(denied, denied_before + 1, "a random consent id is audited");
    // Another person's consent (in another programme), asked for through this person's case.
    let other = World::build_with_family(db, "consent-b", "Andersfrau").await;
    let second = other.care_consent;
    let response = app
        .post_form(&format!("/cases/{}/consents/{second}/withdraw", world.case), "", &headers)
        .await;
    assert_eq!(response.status(), 404);
    let denied = actions(db).await.iter().filter(|a| *a == "access_denied").count();
    assert_eq!(denied, denied_before + 2, "another person's consent id is audited");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_withdrawal_from_a_stale_page_is_refused_and_changes_nothing(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "consent-stale").await;
    let link_worker = world.member(db, "stale-lw", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = session_of(&app, link_worker, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "en")];
    let page = crate::app::text(app.get(&format!("/cases/{}", world.case), &headers).await).await;
    assert!(page.contains(r#"name="version" value="1""#), "the form carries the version it shows: {page}");
    let path = format!("/cases/{}/consents/{}/withdraw", world.case, world.care_consent);
    let stale = app.post_form(&path, "version=0", &headers).await;
    assert_eq!(stale.status(), 409);
    let body = crate::app::text(stale).await;
    assert!(body.contains("changed in the meantime"), "{body}");
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: lotse_testkit::fixed_now(), purpose: lotse_domain::audit::AuditPurpose::Care };
    let consents = lotse_store::record::consents(&mut tx, &world.scope, access, world.person).await.unwrap();
    tx.commit().await.unwrap();
    let care = consents.iter().find(|c| c.id == world.care_consent).unwrap();
    assert!(care.withdrawn_at.is_none() && care.version == 1, "nothing changed: {care:?}");
    assert_eq!(app.post_form(&path, "version=1", &headers).await.status(), 303);
    assert_eq!(app.post_form(&path, "version=1", &headers).await.status(), 409, "a second withdrawal from the same page");
});

storage_test!(async fn a_coordinators_search_by_code_is_audited_found_or_not(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "search-a").await;
    let coordinator = world.member(db, "search-coord", Role::Coordinator, None).await;
    let cookie = session_of(&app, coordinator, world.programme.id).await;
    let headers = [("cookie", cookie.as_str())];
    let found = app.post_form("/people/search", &format!("q={}", world.code), &headers).await;
    assert_eq!(found.status(), 303);
    let missing = app.post_form("/people/search", "q=2222-2222-2", &headers).await;
    assert!(matches!(found_status(&missing), 400 | 404));
    let rows: Vec<(String, String, uuid::Uuid)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as("select action, object_kind, object_id from audit_entry where actor = $1 order by seq").bind(format!("user:{coordinator}")).fetch_all(p).await).unwrap();
    let searches = rows.iter().filter(|(a, _, _)| a == "search").count();
    assert_eq!(searches, 2, "{rows:?}");
    assert!(
        rows.iter().any(|(a, k, id)| a == "read" && k == "patient" && *id == world.person.as_uuid()),
        "the person found: {rows:?}"
    );
    let codes: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry where reference is not null").fetch_one(p).await).unwrap();
    assert_eq!(codes, 0, "no code in the audit");
});

fn found_status(response: &axum::http::Response<Body>) -> u16 {
    response.status().as_u16()
}

async fn add_user(app: &TestApp, programme: &str, username: &str, role: Role) -> uuid::Uuid {
    lotse_app::admin::add_user(
        &app.db,
        app.clock.as_ref(),
        &NewUser {
            programme,
            username,
            display_name: "Lena Lotsin",
            password: PASSWORD,
            role,
            organisation: None,
        },
    )
    .await
    .unwrap()
    .as_uuid()
}

storage_test!(async fn a_coordinator_resets_only_accounts_wholly_in_their_programme(db) {
    let app = TestApp::new(db).await;
    let lena = add_user(&app, "p-one", "lotsin", Role::Evaluator).await;
    let coordinator = app.sign_in("coord").await;
    // Lena also belongs to p-two: the coordinator of p-one may not take her account over.
    let (_, two) = db.programme("p-two").await;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::user::add_membership(&mut tx, &two, UserId::from_uuid(lena), Role::Evaluator, None, fixed_now()).await.unwrap();
    tx.commit().await.unwrap();
    let response = app.post_form(&format!("/users/{lena}/password-reset"), "", &[("cookie", &coordinator)]).await;
    assert_eq!(response.status(), 404);
    assert!(actions(db).await.iter().any(|a| a == "access_denied"));
    assert!(!actions(db).await.iter().any(|a| a == "password_reset_issued"));
});

storage_test!(async fn a_web_reset_keeps_the_second_factor_and_the_user_is_told_who_reset(db) {
    let app = TestApp::new(db).await;
    let lena = add_user(&app, "p-one", "lotsin", Role::Evaluator).await;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::credential::begin_second_factor(&mut tx, UserId::from_uuid(lena), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", fixed_now()).await.unwrap();
    tx.commit().await.unwrap();
    lotse_store::on_pool!(&db.db, p => sqlx::query("update user_second_factor set confirmed_at = created_at").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let coordinator = app.sign_in("coord").await;
    let issued = app
        .post_form(&format!("/users/{lena}/password-reset"), "reset_second_factor=yes", &[("cookie", &coordinator)])
        .await;
    assert_eq!(issued.status(), 200);
    let page = text(issued).await;
    let code: String = page.split("<p class=\"code-once\"><code>").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let new_password = "a brand new passphrase";
    let form = format!("username=lotsin&code={code}&password={0}&repeat={0}", new_password.replace(' ', "+"));
    assert_eq!(app.post_form("/password-reset", &form, &[]).await.status(), 200);
    let factor = lotse_store::credential::second_factor(&db.db, UserId::from_uuid(lena)).await.unwrap();
    assert!(factor.is_some_and(|f| f.confirmed), "a coordinator's code never removes the second factor");

    // The next sign-in (after the second factor) tells who reset the account, once.
    app.clock.advance(time::Duration::minutes(5));
    let body = format!("username=lotsin&password={}", new_password.replace(' ', "+"));
    let step = app.post_form("/login", &body, &[]).await;
    assert_eq!(step.headers()[header::LOCATION], "/login/second-factor");
    let pending = step.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let code = lotse_app::second_factor::code_at("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", app.clock.now()).unwrap();
    let done = app.post_form("/login/second-factor", &format!("code={code}"), &[("cookie", &pending)]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()[header::LOCATION], "/programme");
    let session = done
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("lotse_session="))
        .unwrap();
    let notice = app.get("/programme", &[("cookie", &session), ("accept-language", "en")]).await;
    assert_eq!(notice.status(), 200);
    let notice = text(notice).await;
    assert!(notice.contains("Cora Coordinator") && notice.contains("reset your password"), "{notice}");
    let de = text(app.get("/programme", &[("cookie", &session), ("accept-language", "de")]).await).await;
    assert!(!de.contains("Cora Coordinator"), "shown once");
});

storage_test!(async fn requiring_the_second_factor_ends_the_sessions_that_lack_one(db) {
    let app = TestApp::new(db).await;
    add_user(&app, "p-one", "lotsin", Role::LinkWorker).await;
    add_user(&app, "p-one", "evaluator", Role::Evaluator).await;
    let lena = app.sign_in("lotsin").await;
    let eva = app.sign_in("evaluator").await;
    let cora = app.sign_in("coord").await;
    lotse_app::admin::set_privacy(&db.db, app.clock.as_ref(), "p-one", Some(true), None).await.unwrap();
    for (who, cookie) in [("link worker", &lena), ("coordinator", &cora)] {
        let response = app.get("/programme", &[("cookie", cookie)]).await;
        assert_eq!(response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap()), Some("/login"), "{who}");
    }
    assert_eq!(app.get("/programme", &[("cookie", &eva)]).await.status(), 200, "counts only: no factor needed");
});
