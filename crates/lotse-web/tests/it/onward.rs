//! Onward referrals through the pages, on both engines: the link worker sends an accepted offer
//! with the person's sharing consent and gets the provider's link once; the provider answers
//! through it without an account and sees only what the person shared; the link worker records
//! an answer given by phone; stale answers from another channel are 409, wrong links 404.

use axum::http::header;
use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::{PERSON_BIRTH_DATE, PERSON_FAMILY, PERSON_GIVEN, PERSON_PHONE, World};

use crate::app::{TestApp, text};

/// The first id after `prefix` in a page.
fn id_after<'a>(page: &'a str, prefix: &str) -> &'a str {
    let start = page.find(prefix).unwrap_or_else(|| panic!("{prefix} in {page}"));
    &page[start + prefix.len()..][..36]
}

storage_test!(async fn the_link_worker_sees_the_emails_to_the_provider(db) {
    let world = World::build(db, "onward-email").await;
    let sink = lotse_testkit::smtp_sink::SmtpSink::start().await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update offer set email = 'verein@example.org'").execute(p).await.map(|r| r.rows_affected())).unwrap();
    let relay = lotse_app::email::Relay::new(&sink.url(), "Lotse <lotse@example.org>").unwrap();
    let relays = lotse_app::email::Relays::resolve(&db.db, "https://lotse.test", vec![(world.programme.slug.as_str().to_owned(), relay)])
        .await
        .unwrap();
    let app = TestApp::new(db).await.with_email(relays.clone());
    let lotsin = world.member(db, "lotsin-email", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);
    let mut tx = db.db.begin_read().await.unwrap();
    let offers = lotse_store::offer::load_offers(&mut tx, &world.scope).await.unwrap();
    tx.commit().await.unwrap();
    let other = offers.iter().find(|o| o.offer.id != world.offer).unwrap();
    let response = app.post_form(&format!("{case}/shortlist"), &format!("offer={}", other.offer.id), &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    let onward = id_after(&page, &format!("action=\"{case}/shortlist/")).to_owned();
    let response = app.post_form(&format!("{case}/shortlist/{onward}"), "version=1&answer=accept", &headers).await;
    assert_eq!(response.status(), 303);
    let detail = format!("{case}/onward/{onward}");
    let response = app
        .post_form(&format!("{detail}/send"), "version=2&shared_fields=name&given_by=person", &headers)
        .await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains("außerdem eine E-Mail mit einem eigenen Link"), "{page}");
    let page = text(app.get(&detail, &headers).await).await;
    assert!(page.contains("E-Mails an den Träger") && page.contains("wartet auf den Versand"), "{page}");

    let reports = lotse_app::email::deliver(&db.db, app.clock.as_ref(), &relays).await.unwrap();
    assert_eq!(reports.iter().map(|r| r.sent).sum::<usize>(), 1);
    assert_eq!(sink.received().len(), 1);
    let page = text(app.get(&detail, &headers).await).await;
    assert!(page.contains("gesendet am") && page.contains("(verein@example.org)"), "{page}");
    // In English too.
    let english = [("cookie", cookie.as_str()), ("accept-language", "en")];
    assert!(text(app.get(&detail, &english).await).await.contains("E-mails to the provider"));
});

storage_test!(async fn an_offer_goes_to_its_provider_and_comes_back_through_the_link(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "onward-web").await;
    let lotsin = world.member(db, "lotsin-onward", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);

    // The person accepts another offer of the directory.
    let mut tx = db.db.begin_read().await.unwrap();
    let offers = lotse_store::offer::load_offers(&mut tx, &world.scope).await.unwrap();
    tx.commit().await.unwrap();
    let other = offers.iter().find(|o| o.offer.id != world.offer).unwrap();
    let response = app.post_form(&format!("{case}/shortlist"), &format!("offer={}", other.offer.id), &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    let onward = id_after(&page, &format!("action=\"{case}/shortlist/")).to_owned();
    let response = app.post_form(&format!("{case}/shortlist/{onward}"), "version=1&answer=accept", &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    let detail = format!("{case}/onward/{onward}");
    assert!(page.contains(&format!("href=\"{detail}\"")), "the offer links to its page: {page}");

    // Its page: not shared yet, the sending form, the outcome form without "acknowledged".
    let page = text(app.get(&detail, &headers).await).await;
    assert!(page.contains("nichts (keine Einwilligung zur Weitergabe)"), "{page}");
    assert!(page.contains(&format!("action=\"{detail}/send\"")), "{page}");
    assert!(!page.contains("value=\"accept\""), "not sent: the provider cannot have acknowledged");

    // Nothing ticked: 400 naming the field, nothing sent.
    let response = app.post_form(&format!("{detail}/send"), "version=2&given_by=person", &headers).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("Was der Träger sehen darf"), "the field is named");
    let response = app
        .post_form(
            &format!("{detail}/send"),
            "version=2&shared_fields=name&shared_fields=languages&given_by=person",
            &headers,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let page = text(response).await;
    assert!(page.contains("Link für den Träger") && page.contains("<svg"), "{page}");
    let start = page.find("/r/").expect("the link");
    let mut token = page[start + 3..][..96].to_owned();
    let page = text(app.get(&detail, &headers).await).await;
    assert!(page.contains("An den Träger gesendet") && page.contains("Name, Sprache"), "{page}");

    // The provider lost it: a new link, and the first stops working.
    let page = text(app.get(&detail, &headers).await).await;
    assert!(page.contains("Der Link des Trägers gilt bis"), "{page}");
    let response = app.post_form(&format!("{detail}/links"), "change=renew", &headers).await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    let start = page.find("/r/").expect("a new link");
    let first = std::mem::replace(&mut token, page[start + 3..][..96].to_owned());
    assert_eq!(app.get(&format!("/r/{first}"), &[]).await.status(), 404, "the old link stopped");
    let link = format!("/r/{token}");

    // The provider, without an account: the name and language, nothing else of the person.
    let provider = [("accept-language", "de")];
    let response = app.get(&link, &provider).await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains(&format!("{PERSON_GIVEN} {PERSON_FAMILY}")) && page.contains("Deutsch"), "{page}");
    for hidden in [PERSON_PHONE, PERSON_BIRTH_DATE, "Unterstützung bei"] {
        assert!(!page.contains(hidden), "{hidden} is not shared: {page}");
    }
    assert!(page.contains(&other.offer.title), "{page}");
    let response = app.post_form(&link, "version=3&answer=accept", &provider).await;
    assert_eq!(response.status(), 200);
    assert!(text(response).await.contains("Eingetragen: „Vom Träger bestätigt“"));
    // A second tab of the link, still at the sent version: told what it is now.
    let response = app.post_form(&link, "version=3&answer=did_not_attend", &provider).await;
    assert_eq!(response.status(), 409);
    assert!(text(response).await.contains("jetzt „Vom Träger bestätigt“"));
    let response = app.post_form(&link, "version=4&answer=decline&reason=whenever", &provider).await;
    assert_eq!(response.status(), 400);

    // The link worker hears by phone that the person came; no answer chosen is named.
    let response = app.post_form(&format!("{detail}/answer"), "version=4&answer=&reason=other", &headers).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("Antwort"), "the field is named");
    let response = app.post_form(&format!("{detail}/answer"), "version=4&answer=stopped&reason=other", &headers).await;
    assert_eq!(response.status(), 409, "not attending yet");
    let response = app.post_form(&format!("{detail}/answer"), "version=4&answer=attended&reason=other", &headers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], format!("{detail}?saved").as_str());
    let page = text(app.get(&format!("{detail}?saved"), &headers).await).await;
    assert!(page.contains("Gespeichert.") && page.contains("Nimmt teil"), "{page}");
    // Its history says how each answer came.
    for step in ["Vom Träger bestätigt</td><td>über den Link des Trägers", "Teilnahme begonnen</td><td>von der Lotsin / dem Lotsen eingetragen"] {
        assert!(page.contains(step), "{step}: {page}");
    }

    // The link then offers only "stopped"; that ends the course and uses the link up.
    let page = text(app.get(&link, &provider).await).await;
    assert!(page.contains("value=\"stopped\"") && !page.contains("value=\"accept\""), "{page}");
    let response = app.post_form(&link, "version=5&answer=stopped", &provider).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.get(&link, &provider).await.status(), 404, "used up");

    // Wrong links are unknown pages; a prescriber may not send.
    let mut tampered = token.clone();
    tampered.replace_range(95.., if token.ends_with('0') { "1" } else { "0" });
    assert_eq!(app.get(&format!("/r/{tampered}"), &provider).await.status(), 404);
    assert_eq!(app.get("/r/short", &provider).await.status(), 404);
    let gp = world.member(db, "dr-onward", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    let response = app
        .post_form(&format!("{detail}/send"), "version=2&shared_fields=name&given_by=person", &[("cookie", gp_cookie.as_str())])
        .await;
    assert_eq!(response.status(), 403);
});

storage_test!(async fn a_provider_answers_from_its_account_on_the_case_page(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "onward-account-web").await;
    let provider = world.member(db, "anbieter-web", Role::OfferProvider, Some(world.orgs.provider)).await;
    let cookie = app.session_for(provider, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);
    let action = format!("{case}/onward/{}/provider-answer", world.onward);
    let version: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select version from onward_referral where onward_referral_id = $1"
    )
    .bind(world.onward.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap();

    // The world's onward referral was acknowledged: the provider may record attendance.
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Ihre Antwort als Träger"), "{page}");
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    assert!(page.contains("value=\"attended\"") && page.contains("value=\"did_not_attend\""), "{page}");
    assert!(!page.contains("value=\"accept\""), "accepted already: {page}");

    // A wrong answer 400, another provider 404, then attendance; the old page again is 409.
    let response = app.post_form(&action, &format!("version={version}&answer=maybe"), &headers).await;
    assert_eq!(response.status(), 400);
    let other = world.member(db, "anbieter-anders", Role::OfferProvider, Some(world.orgs.other_provider)).await;
    let other_cookie = app.session_for(other, world.programme.id).await;
    let response = app
        .post_form(&action, &format!("version={version}&answer=attended"), &[("cookie", other_cookie.as_str())])
        .await;
    assert_eq!(response.status(), 404);
    let response = app.post_form(&action, &format!("version={version}&answer=attended"), &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Nimmt teil"), "{page}");
    let response = app.post_form(&action, &format!("version={version}&answer=did_not_attend"), &headers).await;
    assert_eq!(response.status(), 409);
    assert!(text(response).await.contains("Inzwischen geändert"), "the conflict is named");
    // A link worker is not a provider: 403.
    let lotsin = world.member(db, "lotsin-account", Role::LinkWorker, Some(world.orgs.facility)).await;
    let lotsin_cookie = app.session_for(lotsin, world.programme.id).await;
    let response = app
        .post_form(&action, &format!("version={}&answer=stopped", version + 1), &[("cookie", lotsin_cookie.as_str())])
        .await;
    assert_eq!(response.status(), 403);
});
