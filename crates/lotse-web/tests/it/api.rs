//! `/api/v1`: bearer clients, problem+json in the caller's language, the audit under
//! `client:<id>`, revocation, and the OpenAPI document (generated, and its committed snapshot).

use axum::http::{Method, header};
use lotse_app::api_client::NewApiClient;
use lotse_domain::user::Role;
use lotse_testkit::world::{PERSON_FAMILY, World};
use lotse_testkit::{TestDb, storage_test};

use crate::app::{TestApp, text};

async fn audit(db: &TestDb) -> Vec<(String, String, String)> {
    lotse_store::on_pool!(&db.db, p => sqlx::query_as("select actor, action, object_kind from audit_entry order by programme_key, seq").fetch_all(p).await).unwrap()
}

/// A link-worker client of the world's facility with the given scopes, made like the CLI does.
async fn link_worker_client(db: &TestDb, world: &World, name: &str, scopes: &str) -> (String, String) {
    let facility =
        lotse_store::directory::get_organisation(&mut db.db.begin().await.unwrap(), &world.scope, world.orgs.facility)
            .await
            .unwrap()
            .0;
    let issued = lotse_app::api_client::add(
        &db.db,
        &lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now()),
        &NewApiClient {
            programme: world.programme.slug.as_str(),
            name,
            role: Role::LinkWorker,
            organisation: Some(&facility),
            scopes,
        },
    )
    .await
    .unwrap();
    (format!("Bearer {}", issued.token), format!("client:{}", issued.id))
}

storage_test!(async fn api_reads_are_audited_under_the_client_and_a_denial_like_the_pages(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-audit").await;
    let (bearer, actor) = link_worker_client(db, &a, "his-bridge", "case:read,worklist:read").await;
    let headers = [("authorization", bearer.as_str())];
    let response = app.get(&format!("/api/v1/cases/{}", a.case), &headers).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/json");
    let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(body["identity"]["family_name"], PERSON_FAMILY);
    assert_eq!(body["visibility"], "case");
    let rows = audit(db).await;
    assert!(rows.iter().any(|(who, action, _)| who == &actor && action == "read"), "{rows:?}");

    // A case of the same programme without a relationship: 404, audited as access_denied.
    let response = app.get(&format!("/api/v1/cases/{}", a.second_case), &headers).await;
    let status = response.status();
    let page = text(response).await;
    if status == 404 {
        let rows = audit(db).await;
        assert!(
            rows.iter().any(|(who, action, kind)| who == &actor && action == "access_denied" && kind == "case"),
            "{rows:?}"
        );
        assert!(page.contains("urn:lotse:problem:not-found"), "{page}");
    }
    // A random case id: 404 problem, audited as access_denied.
    let denials = |rows: &[(String, String, String)]| rows.iter().filter(|(who, action, _)| who == &actor && action == "access_denied").count();
    let before = audit(db).await;
    let response = app.get(&format!("/api/v1/cases/{}", uuid::Uuid::new_v4()), &headers).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    let rows = audit(db).await;
    assert_eq!(rows.len(), before.len() + 1);
    assert_eq!(denials(&rows), denials(&before) + 1);

    // Without the scope: 403 problem, audited once as route_refused.
    let response = app
        .request(Method::POST, &format!("/api/v1/cases/{}/consent-withdrawals", a.case), &format!("{{\"consent_id\":\"{}\",\"version\":1}}", a.care_consent), &headers)
        .await;
    assert_eq!(response.status(), 403);
    let rows = audit(db).await;
    assert!(rows.contains(&(actor.clone(), "route_refused".to_owned(), "api_client".to_owned())), "{rows:?}");
});

storage_test!(async fn bad_input_is_a_field_precise_problem_in_the_callers_language_and_changes_nothing(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-bad").await;
    let (bearer, _) = link_worker_client(db, &a, "his-bridge", "consent:write").await;
    let path = format!("/api/v1/cases/{}/consent-withdrawals", a.case);
    let before = audit(db).await.len();
    for (lang, body, field, message) in [
        ("de", r#"{"consent":"x"}"#, "consent", "consent ist kein bekanntes Feld."),
        ("de", r#"{"consent":"x"}"#, "consent_id", "consent_id ist erforderlich."),
        ("da", r#"{"consent_id":7}"#, "consent_id", "consent_id skal være en tekststreng."),
        ("en", r#"{"consent_id":"NOT-AN-ID","version":1}"#, "consent_id", "consent_id must be an id in lower-case hyphenated form"),
        ("en", r#"{"consent_id":"00000000-0000-0000-0000-000000000000","version":0}"#, "version", "version must be the whole number (1 or more)"),
        ("en", "[1]", "", "The body must be a JSON object."),
        ("en", "{", "", "The body must be JSON."),
    ] {
        let headers = [("authorization", bearer.as_str()), ("accept-language", lang)];
        let response = app.request(Method::POST, &path, body, &headers).await;
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
        let problem: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
        assert_eq!(problem["status"], 400);
        assert_eq!(problem["type"], "urn:lotse:problem:invalid");
        assert_eq!(problem["instance"], path.as_str());
        let errors = problem["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["field"] == field && e["message"].as_str().unwrap().starts_with(message)),
            "{lang} {body}: {problem}"
        );
        if lang == "de" {
            assert_eq!(problem["title"], "Ungültige Anfrage");
        }
    }
    let response = app
        .request(Method::POST, "/api/v1/cases/NOT-AN-ID/consent-withdrawals", r#"{"consent_id":"x"}"#, &[("authorization", bearer.as_str())])
        .await;
    assert_eq!(response.status(), 400);
    let problem = text(response).await;
    assert!(problem.contains(r#""field":"case_id""#), "{problem}");
    // A body not declared as JSON, and one over the size limit: problems too.
    let response = app.send(
        axum::http::Request::post(&path)
            .header("authorization", bearer.as_str())
            .header("content-type", "text/plain")
            .body(axum::body::Body::from(format!("{{\"consent_id\":\"{}\"}}", a.care_consent)))
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), 415);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    let huge = format!("{{\"consent_id\":\"{}\"}}", "a".repeat(200 * 1024));
    let response = app.request(Method::POST, &path, &huge, &[("authorization", bearer.as_str())]).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    assert_eq!(audit(db).await.len(), before, "bad input writes nothing");

    // The withdrawal itself, then again: 409 problem.
    let body = format!("{{\"consent_id\":\"{}\",\"version\":1}}", a.care_consent);
    let headers = [("authorization", bearer.as_str())];
    let response = app.request(Method::POST, &path, &body, &headers).await;
    assert_eq!(response.status(), 200);
    let response = app.request(Method::POST, &path, &body, &headers).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
});

storage_test!(async fn a_revoked_client_is_refused_at_once(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-revoke").await;
    let (bearer, _) = link_worker_client(db, &a, "his-bridge", "worklist:read").await;
    let headers = [("authorization", bearer.as_str()), ("accept-language", "da")];
    assert_eq!(app.get("/api/v1/worklist", &headers).await.status(), 200);
    lotse_app::api_client::revoke(&db.db, &lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now()), a.programme.slug.as_str(), "his-bridge")
        .await
        .unwrap();
    let response = app.get("/api/v1/worklist", &headers).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers().get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let problem: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(problem["title"], "Godkendelse påkrævet");
    // A session cookie is no API credential.
    let response = app.get("/api/v1/worklist", &[("cookie", "lotse_session=whatever")]).await;
    assert_eq!(response.status(), 401);
});

storage_test!(async fn a_facilitys_worklist_carries_each_next_action_its_counts_and_a_filter(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-next").await;
    let issued = a.issued_case(db, "Neu", a.orgs.facility).await;
    let (bearer, _) = link_worker_client(db, &a, "his-next", "worklist:read").await;
    let headers = [("authorization", bearer.as_str()), ("accept-language", "en")];
    let get = |path: String| {
        let app = &app;
        async move {
            let response = app.get(&path, &headers).await;
            let status = response.status().as_u16();
            (status, serde_json::from_str::<serde_json::Value>(&text(response).await).unwrap())
        }
    };

    let (status, all) = get("/api/v1/worklist".into()).await;
    assert_eq!(status, 200, "{all}");
    let kinds: Vec<&str> = all["counts"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 9, "every kind, zeros included: {all}");
    assert_eq!(kinds[0], "first_contact_overdue", "in priority order");
    assert!(all["today"].as_str().is_some_and(|d| d.len() == 10), "{all}");
    // The case just issued is new: its next action says so, with its day, overdue when that
    // lies before today.
    let row = all["items"].as_array().unwrap().iter().find(|i| i["case_id"] == issued.case.to_string()).unwrap();
    let next = &row["next_action"];
    assert_eq!(next["kind"].as_str(), Some("new"), "{row}");
    let (due_on, today) = (next["due_on"].as_str().unwrap(), all["today"].as_str().unwrap());
    assert_eq!(next["overdue"].as_bool(), Some(due_on < today), "{row} on {today}");
    let new_count = all["counts"].as_array().unwrap().iter().find(|c| c["kind"] == "new").unwrap()["count"].as_u64().unwrap();

    // Kept to one kind: only those rows, and the counts still over all open cases.
    let (status, only_new) = get("/api/v1/worklist?next_action=new".into()).await;
    assert_eq!(status, 200);
    let items = only_new["items"].as_array().unwrap();
    assert_eq!(items.len() as u64, new_count, "{only_new}");
    assert!(items.iter().all(|i| i["next_action"]["kind"] == "new"), "{only_new}");
    assert_eq!(only_new["counts"], all["counts"]);

    // A kind that does not exist, an unknown parameter, the filter twice: 400 naming why.
    for (query, says) in [
        ("next_action=soon", "the kinds are"),
        ("sort=name", "unknown query parameter"),
        ("next_action=new&next_action=new", "once"),
    ] {
        let (status, problem) = get(format!("/api/v1/worklist?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(problem["detail"].as_str().unwrap().contains(says), "{query}: {problem}");
    }
});

storage_test!(async fn the_served_openapi_document_is_the_generated_one(db) {
    let app = TestApp::new(db).await;
    let response = app.get("/api/openapi.json", &[]).await;
    assert_eq!(response.status(), 200);
    let served = text(response).await;
    assert_eq!(served, lotse_web::api::openapi_json());
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    for path in [
        "/api/v1/worklist",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/consent-withdrawals",
        "/api/v1/people/{person_id}/export",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // An unknown API path is a problem too, not an HTML page.
    let response = app.get("/api/v1/nothing-here", &[("accept-language", "de")]).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
});

/// The committed snapshot `docs/api/openapi.json` must equal the generated document: a change
/// of the API shows in review. To update it after a deliberate change, run
/// `UPDATE_OPENAPI=1 cargo test -p lotse-web --test integration openapi_snapshot`.
#[test]
fn openapi_snapshot_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/openapi.json");
    let generated = lotse_web::api::openapi_json() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/api/openapi.json differs from the document the code generates. If the API change is \
         deliberate, update the snapshot with `UPDATE_OPENAPI=1 cargo test -p lotse-web --test \
         integration openapi_snapshot` and commit it."
    );
}

storage_test!(async fn the_person_export_names_an_api_client_as_a_recipient_by_role_and_organisation(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-recipient").await;
    let (bearer, actor) = link_worker_client(db, &a, "his-bridge", "case:read").await;
    let response = app.get(&format!("/api/v1/cases/{}", a.case), &[("authorization", bearer.as_str())]).await;
    assert_eq!(response.status(), 200);
    let coordinator = lotse_app::api_client::add(
        &db.db,
        &lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now()),
        &NewApiClient {
            programme: a.programme.slug.as_str(),
            name: "dsr-desk",
            role: Role::Coordinator,
            organisation: None,
            scopes: "export:read",
        },
    )
    .await
    .unwrap();
    let bearer = format!("Bearer {}", coordinator.token);
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/people/{}/export", a.person),
            r#"{"reference":"DSR-2026/77"}"#,
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(response.status(), 200);
    let export: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    let line = export["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["actor"] == actor.as_str())
        .unwrap_or_else(|| panic!("the client's read is among the accesses: {export}"));
    let recipient = line["recipient"].as_str().unwrap();
    assert!(
        recipient.starts_with("link-worker · ") && recipient.ends_with("(API client)"),
        "{recipient}"
    );
});

storage_test!(async fn the_offer_search_answers_with_explanations_in_the_caller_s_language_and_names_a_bad_parameter(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-offers").await;
    let (bearer, _) = link_worker_client(db, &a, "finder", "directory:read").await;
    let de = [("authorization", bearer.as_str()), ("accept-language", "de")];
    // "Spaziergrupe": a letter missing, found all the same, with why.
    let response = app.get("/api/v1/offers?q=Spaziergrupe&need=loneliness", &de).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(body["offers"][0]["offer_id"], a.offer.as_uuid().to_string());
    assert_eq!(body["offers"][0]["title"], "Spaziergruppe");
    let explanation: Vec<&str> = body["offers"][0]["explanation"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(explanation.contains(&"kostenlos"), "{explanation:?}");
    assert!(body["facets"].as_array().unwrap().iter().any(|f| f["facet"] == "need" && f["value"] == "loneliness" && f["count"] == 1));

    // A bad parameter: 400, named, in the caller's language.
    let response = app.get("/api/v1/offers?q=Chor&radius=500", &de).await;
    assert_eq!(response.status(), 400);
    let problem: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(problem["errors"][0]["field"], "radius", "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("500"), "{problem}");
    let response = app.get("/api/v1/offers?radius=5", &de).await;
    assert_eq!(response.status(), 400, "a radius without a point");
    // Without the scope: 403; without a token: 401.
    let (other, _) = link_worker_client(db, &a, "reader", "worklist:read").await;
    assert_eq!(app.get("/api/v1/offers", &[("authorization", other.as_str())]).await.status(), 403);
    assert_eq!(app.get("/api/v1/offers", &[]).await.status(), 401);
});

storage_test!(async fn a_facilitys_software_reads_what_is_new_and_marks_it_read(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-inbox").await;
    let (bearer, _) = link_worker_client(db, &a, "his-inbox", "worklist:read").await;
    let headers = [("authorization", bearer.as_str())];
    let response = app.get("/api/v1/inbox", &headers).await;
    assert_eq!(response.status(), 200);
    let first: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    // The world's referral came to the facility and its provider acknowledged the offer.
    let kinds: Vec<&str> = first["items"].as_array().unwrap().iter().filter_map(|i| i["kind"].as_str()).collect();
    assert!(kinds.contains(&"referral.issued") && kinds.contains(&"onward_referral.acknowledged"), "{first}");
    assert_eq!(first["seen_before"], serde_json::Value::Null);
    assert_eq!(first["new"].as_u64().unwrap(), u64::try_from(kinds.len()).unwrap(), "all new the first time");
    assert!(first["items"][0]["case_id"].is_string() && first["items"][0]["prescription_id"].is_null());
    let again: serde_json::Value = serde_json::from_str(&text(app.get("/api/v1/inbox", &headers).await).await).unwrap();
    assert_eq!(again["new"], 0);
    assert!(again["seen_before"].is_string());
});
