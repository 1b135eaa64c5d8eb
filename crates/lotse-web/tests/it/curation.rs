//! Keeping the directory current through the front door: the edit form (a provider's own
//! offer; another provider 404, a link worker 403), per-field messages in the page's language
//! with nothing saved, a stale form 409, the coordinator's buttons, the review list and the
//! duplicates page; and `PUT /api/v1/offers/{id}` with 409 on a stale version and 400 naming
//! each wrong field.

use axum::http::{Method, header};
use lotse_domain::id::OfferId;
use lotse_domain::offer::OfferStatus;
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, storage_test};

use crate::app::{TestApp, text};

async fn stored(db: &TestDb, world: &World, id: OfferId) -> lotse_store::offer::StoredOffer {
    let mut tx = db.db.begin_read().await.unwrap();
    let s = lotse_store::offer::get_offer(&mut tx, &world.scope, id).await.unwrap();
    tx.commit().await.unwrap();
    s
}

async fn cookie(
    app: &TestApp,
    world: &World,
    db: &TestDb,
    name: &str,
    role: Role,
    org: Option<lotse_domain::id::OrganisationId>,
) -> String {
    let user = world.member(db, name, role, org).await;
    app.session_for(user, world.programme.id).await
}

/// The form as the page posts it, with some fields changed.
fn form(version: i64, title: &str, min_age: &str, max_age: &str) -> String {
    format!(
        "version={version}&title={title}&description=W%C3%B6chentlich&category=group&need=loneliness&target=everyone\
&languages=de%2C+tr&min_age={min_age}&max_age={max_age}&cost=free&cost_amount=&cost_note=&street=&postcode=&city=\
&phone=&email=&url=&open_places=&waiting_list=&session_day=2&session_opens=14%3A00&session_closes=16%3A00\
&session_day=&session_opens=&session_closes="
    )
}

storage_test!(async fn a_provider_edits_its_offer_through_the_form_and_others_cannot(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "web-edit").await;
    let provider = cookie(&app, &world, db, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let other = cookie(&app, &world, db, "andere", Role::OfferProvider, Some(world.orgs.other_provider)).await;
    let link_worker = cookie(&app, &world, db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let id = world.offer.as_uuid();
    let edit = format!("/offers/{id}/edit");
    let as_provider = [("accept-language", "en"), ("cookie", provider.as_str())];
    let as_other = [("accept-language", "en"), ("cookie", other.as_str())];

    // The offer page links to the form for its provider only.
    let page = text(app.get(&format!("/offers/{id}"), &as_provider).await).await;
    assert!(page.contains(&edit), "{page}");
    let page = text(app.get(&format!("/offers/{id}"), &as_other).await).await;
    assert!(!page.contains(&edit), "{page}");

    let response = app.get(&edit, &as_provider).await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains("value=\"Spaziergruppe\""), "{page}");
    assert!(!page.contains("/verify"), "a provider gets no curation buttons: {page}");

    // Another provider: 404; a link worker: 403; neither changes anything.
    assert_eq!(app.get(&edit, &as_other).await.status(), 404);
    assert_eq!(app.post_form(&edit, &form(1, "Meins", "", ""), &as_other).await.status(), 404);
    let as_lw = [("accept-language", "en"), ("cookie", link_worker.as_str())];
    assert_eq!(app.post_form(&edit, &form(1, "Meins", "", ""), &as_lw).await.status(), 403);
    assert_eq!(stored(db, &world, world.offer).await.version, 1);

    // Wrong fields: 400, each named in the page's language, the form as typed, nothing saved.
    let de = [("accept-language", "de"), ("cookie", provider.as_str())];
    let response = app.post_form(&edit, &form(1, "", "70", "20"), &de).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Titel: Bitte ausfüllen."), "{page}");
    assert!(page.contains("Höchstalter: Das Höchstalter darf nicht unter dem Mindestalter liegen."), "{page}");
    assert!(page.contains("value=\"70\""), "{page}");
    let response = app
        .post_form(&edit, &form(1, "Chor", "", "").replace("session_closes=16%3A00", "session_closes=13%3A00"), &as_provider)
        .await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("Time 1, ends: a meeting must end after it starts."));
    assert_eq!(stored(db, &world, world.offer).await.version, 1, "nothing saved");

    // The right form saves and leads back to the offer; the search finds the new title.
    let response = app.post_form(&edit, &form(1, "Spaziergruppe+am+Rhein", "60", ""), &as_provider).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), &format!("/offers/{id}"));
    let after = stored(db, &world, world.offer).await;
    assert_eq!((after.version, after.offer.title.as_str(), after.offer.ages.min), (2, "Spaziergruppe am Rhein", Some(60)));
    let page = text(app.get("/offers?q=Rhein", &as_provider).await).await;
    assert!(page.contains("Spaziergruppe am Rhein"), "{page}");

    // The same form again is stale: 409, nothing changed.
    let response = app.post_form(&edit, &form(1, "Alt", "", ""), &as_provider).await;
    assert_eq!(response.status(), 409);
    assert_eq!(stored(db, &world, world.offer).await.version, 2);
});

storage_test!(async fn a_coordinator_curates_from_the_form_the_review_list_and_the_duplicates(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "web-curate").await;
    let coordinator = cookie(&app, &world, db, "koordination", Role::Coordinator, None).await;
    let provider = cookie(&app, &world, db, "anbieter", Role::OfferProvider, Some(world.orgs.provider)).await;
    let as_c = [("accept-language", "en"), ("cookie", coordinator.as_str())];
    let as_p = [("accept-language", "en"), ("cookie", provider.as_str())];
    let id = world.offer.as_uuid();

    // Never verified: both offers are due for review.
    let page = text(app.get("/offers/review", &as_c).await).await;
    assert!(page.contains("2 offers have not been verified for more than 365 days."), "{page}");
    assert_eq!(app.get("/offers/review", &as_p).await.status(), 403);
    let response = app.post_form(&format!("/offers/{id}/verify"), "version=1&back=/offers/review", &as_c).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/offers/review");
    let page = text(app.get("/offers/review", &as_c).await).await;
    assert!(page.contains("1 offer has not been verified"), "{page}");
    assert!(!page.contains(&format!("/offers/{id}/edit")), "{page}");

    // A provider cannot pause; a coordinator can, and a stale button is 409.
    assert_eq!(app.post_form(&format!("/offers/{id}/pause"), "version=2", &as_p).await.status(), 403);
    assert_eq!(app.post_form(&format!("/offers/{id}/pause"), "version=2", &as_c).await.status(), 303);
    assert_eq!(app.post_form(&format!("/offers/{id}/end"), "version=2", &as_c).await.status(), 409);
    assert_eq!(stored(db, &world, world.offer).await.offer.status, OfferStatus::Paused);
    let page = text(app.get(&format!("/offers/{id}/edit"), &as_c).await).await;
    assert!(page.contains("/resume") && !page.contains("/pause"), "{page}");
    assert_eq!(app.post_form(&format!("/offers/{id}/resume"), "version=3", &as_c).await.status(), 303);

    // A look-alike of the same provider is proposed; merging ends it and names the survivor.
    let mut copy = stored(db, &world, world.offer).await.offer;
    copy.id = OfferId::from_uuid(uuid::Uuid::new_v4());
    copy.title = "Spaziergruppe (neu)".into();
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::offer::insert_offers(&mut tx, &world.scope, std::slice::from_ref(&copy)).await.unwrap();
    tx.commit().await.unwrap();
    let page = text(app.get("/offers/duplicates", &as_c).await).await;
    assert!(page.contains("Spaziergruppe (neu)") && page.contains("same provider"), "{page}");
    let body = format!("version=1&into={id}&back=/offers/duplicates");
    let response = app.post_form(&format!("/offers/{}/merge", copy.id.as_uuid()), &body, &as_c).await;
    assert_eq!(response.status(), 303);
    let merged = stored(db, &world, copy.id).await;
    assert_eq!((merged.offer.status, merged.merged_into), (OfferStatus::Ended, Some(world.offer)));
    let page = text(app.get("/offers/duplicates", &as_c).await).await;
    assert!(page.contains("No possible duplicates."), "{page}");
});

/// A provider's API client of the world with the offer scope; returns the `Authorization` value.
async fn client(db: &TestDb, world: &World, name: &str, role: Role, org: lotse_domain::id::OrganisationId) -> String {
    let organisation = lotse_store::directory::get_organisation(&mut db.db.begin().await.unwrap(), &world.scope, org)
        .await
        .unwrap()
        .0;
    let issued = lotse_app::api_client::add(
        &db.db,
        &lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now()),
        &lotse_app::api_client::NewApiClient {
            programme: world.programme.slug.as_str(),
            name,
            role,
            organisation: Some(&organisation),
            scopes: "offer:write",
        },
    )
    .await
    .unwrap();
    format!("Bearer {}", issued.token)
}

storage_test!(async fn the_api_reads_and_replaces_an_offer_with_its_version(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "api-edit").await;
    let bearer = client(db, &world, "vereinssoftware", Role::OfferProvider, world.orgs.provider).await;
    let other = client(db, &world, "fremd", Role::OfferProvider, world.orgs.other_provider).await;
    let path = format!("/api/v1/offers/{}", world.offer.as_uuid());
    let h = [("accept-language", "en"), ("authorization", bearer.as_str())];

    let response = app.request(Method::GET, &path, "", &h).await;
    assert_eq!(response.status(), 200);
    let mut doc: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["title"], "Spaziergruppe");
    for read_only in ["offer_id", "provider_id", "status", "last_verified", "merged_into"] {
        doc.as_object_mut().unwrap().remove(read_only);
    }
    doc["title"] = "Spaziergruppe am Rhein".into();
    doc["open_places"] = 3.into();
    doc["sessions"] = serde_json::json!([{"weekday": 3, "opens_at": "10:00", "closes_at": "11:30"}]);
    let response = app.request(Method::PUT, &path, &doc.to_string(), &h).await;
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!((answer["version"].clone(), answer["title"].clone()), (2.into(), "Spaziergruppe am Rhein".into()));
    assert_eq!(answer["sessions"][0]["closes_at"], "11:30");

    // Stale: 409 problem+json, nothing changed.
    let response = app.request(Method::PUT, &path, &doc.to_string(), &h).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    assert_eq!(stored(db, &world, world.offer).await.version, 2);

    // Wrong fields: 400 naming each, in the caller's language.
    doc["version"] = 2.into();
    doc["title"] = "".into();
    doc["min_age"] = 70.into();
    doc["max_age"] = 20.into();
    doc["waiting_list"] = (-1).into();
    doc["need_domains"] = serde_json::json!(["boredom"]);
    let response = app.request(Method::PUT, &path, &doc.to_string(), &h).await;
    assert_eq!(response.status(), 400);
    let problem: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "need_domains", "max_age", "waiting_list"], "{problem}");
    assert_eq!(problem["errors"][0]["message"], "title: please fill this in.");
    doc["title"] = 7.into();
    doc["colour"] = "red".into();
    let response = app.request(Method::PUT, &path, &doc.to_string(), &[("accept-language", "de"), ("authorization", bearer.as_str())]).await;
    assert_eq!(response.status(), 400);
    let problem = text(response).await;
    assert!(problem.contains("colour"), "{problem}");
    assert_eq!(stored(db, &world, world.offer).await.version, 2, "nothing saved");

    // Another provider's client: 404, like an offer that does not exist.
    let ho = [("accept-language", "en"), ("authorization", other.as_str())];
    assert_eq!(app.request(Method::GET, &path, "", &ho).await.status(), 404);
    doc["title"] = "Fremd".into();
    doc.as_object_mut().unwrap().remove("colour");
    assert_eq!(app.request(Method::PUT, &path, &doc.to_string(), &ho).await.status(), 404);
});
