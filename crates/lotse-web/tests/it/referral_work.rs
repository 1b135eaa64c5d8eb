//! The link worker's first steps through the case page on both engines: the forms offered,
//! accept and a failed attempt (303 back to the case), a stale form (409 saying what changed,
//! nothing saved), a refused step, and a redirect that moves the case to the other facility.

use axum::http::header;
use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

storage_test!(async fn the_link_worker_works_a_new_referral_from_the_case_page(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "work-web").await;
    let issued = world.issued_case(db, "Neuling", world.orgs.facility).await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let other = world.member(db, "lotsin-b-web", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", issued.case);

    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains(&format!("action=\"{case}/accept\"")), "{page}");
    assert!(page.contains("Annehmen") && page.contains("Weiterleiten an…"), "{page}");
    assert!(page.contains(&world.orgs.other_facility.to_string()), "the other facility is offered");
    assert!(page.contains("name=\"version\" value=\"1\""), "{page}");
    assert!(!page.contains("Als nicht erreichbar markieren"), "not before the attempts");

    let response = app.post_form(&format!("{case}/accept"), "version=1", &headers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], case.as_str());
    // A second tab still showing version 1: told what changed, nothing saved.
    let response = app.post_form(&format!("{case}/accept"), "version=1", &headers).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("Inzwischen von jemand anderem geändert"), "{page}");
    assert!(page.contains("„Angenommen“"), "the state now: {page}");
    assert!(page.contains("0 von 3 Kontaktversuchen ohne Erfolg"), "attempts so far: {page}");
    // A refused step (redirecting an accepted referral) names the state, in English too.
    let en = [("cookie", cookie.as_str()), ("accept-language", "en")];
    let body = format!("version=2&to={}&reason=capacity", world.orgs.other_facility);
    let response = app.post_form(&format!("{case}/redirect"), &body, &en).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("The referral is “Accepted”: passing on is not possible now"), "{page}");
    // A failed attempt, then contact.
    let response = app.post_form(&format!("{case}/contacts"), "version=2&outcome=not_reached", &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("1 von 3 Kontaktversuchen ohne Erfolg"), "{page}");
    let response = app.post_form(&format!("{case}/unreachable"), "version=3", &headers).await;
    assert_eq!(response.status(), 409, "too early");
    let response = app.post_form(&format!("{case}/contacts"), "version=3&outcome=wrong", &headers).await;
    assert_eq!(response.status(), 400);
    let response = app.post_form(&format!("{case}/contacts"), "version=3&outcome=reached", &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Kontakt aufgenommen"), "{page}");

    // Neither the prescriber nor another facility may work it.
    for (user, status) in [(gp, 403), (other, 404)] {
        let cookie = app.session_for(user, world.programme.id).await;
        let response = app.post_form(&format!("{case}/contacts"), "version=4&outcome=reached", &[("cookie", cookie.as_str())]).await;
        assert_eq!(response.status(), status);
    }
});

storage_test!(async fn a_redirect_hands_the_case_to_the_other_facility(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "work-web-redirect").await;
    let issued = world.issued_case(db, "Weitergabe", world.orgs.facility).await;
    let at_a = world.member(db, "lotsin-a-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let at_b = world.member(db, "lotsin-b-web", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let a = app.session_for(at_a, world.programme.id).await;
    let b = app.session_for(at_b, world.programme.id).await;
    let case = format!("/cases/{}", issued.case);

    let body = format!("version=1&to={}&reason=nonsense", world.orgs.other_facility);
    let response = app.post_form(&format!("{case}/redirect"), &body, &[("cookie", a.as_str())]).await;
    assert_eq!(response.status(), 400, "an unknown reason");
    let body = format!("version=1&to={}&reason=wrong_area", world.orgs.practice);
    let response = app.post_form(&format!("{case}/redirect"), &body, &[("cookie", a.as_str())]).await;
    assert_eq!(response.status(), 400, "a practice is no link facility");
    assert_eq!(app.get(&case, &[("cookie", b.as_str())]).await.status(), 404);

    let body = format!("version=1&to={}&reason=wrong_area", world.orgs.other_facility);
    let response = app.post_form(&format!("{case}/redirect"), &body, &[("cookie", a.as_str())]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.get(&case, &[("cookie", a.as_str())]).await.status(), 404, "A lost it");
    let page = text(app.get(&case, &[("cookie", b.as_str()), ("accept-language", "de")]).await).await;
    assert!(page.contains("An eine andere Lotsenstelle weitergegeben"), "{page}");
    assert!(page.contains("name=\"version\" value=\"2\""), "{page}");
    let response = app.post_form(&format!("{case}/accept"), "version=2", &[("cookie", a.as_str())]).await;
    assert_eq!(response.status(), 404, "the old facility cannot accept it any more");
    let response = app.post_form(&format!("{case}/accept"), "version=2", &[("cookie", b.as_str())]).await;
    assert_eq!(response.status(), 303);
});

storage_test!(async fn a_closed_case_is_taken_on_again_from_its_page(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "rerefer-web").await;
    let issued = world.issued_case(db, "Wiederkehr", world.orgs.facility).await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", issued.case);
    let link = format!("href=\"{case}/re-refer\"");

    assert_eq!(app.post_form(&format!("{case}/accept"), "version=1", &headers).await.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(!page.contains(&link), "not while the case is open: {page}");
    // Open: refused, naming the state.
    let response = app.post_form(&format!("{case}/re-refer"), "source=self&consent_care=yes", &headers).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("„Angenommen“") && page.contains("die Person erneut aufnehmen"), "{page}");

    assert_eq!(app.post_form(&format!("{case}/close"), "version=2&reason=other", &headers).await.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains(&link) && page.contains("Erneut aufnehmen (neuer Fall)"), "{page}");
    let form = text(app.get(&format!("{case}/re-refer"), &headers).await).await;
    assert!(form.contains("Vom Sozialdienst geschickt") && !form.contains(" checked"), "nothing ticked: {form}");
    // Without the care consent: 400, the choice kept, nothing written.
    let response = app.post_form(&format!("{case}/re-refer"), "source=pharmacy", &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("value=\"pharmacy\" checked"), "kept: {page}");
    assert!(page.contains("Ohne diese Einwilligung ist dieser Schritt nicht möglich."), "the field named: {page}");
    let response = app
        .post_form(&format!("{case}/re-refer"), "source=pharmacy&consent_care=yes", &headers)
        .await;
    assert_eq!(response.status(), 303);
    let new_case = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_ne!(new_case, case);
    let page = text(app.get(&new_case, &headers).await).await;
    assert!(page.contains("Ilse Wiederkehr") && page.contains(&format!("action=\"{new_case}/contacts\"")), "{page}");

    // A prescriber may not; another facility finds nothing.
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let other = world.member(db, "lotsin-b-web", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    for (user, status) in [(gp, 403), (other, 404)] {
        let cookie = app.session_for(user, world.programme.id).await;
        let response = app
            .post_form(&format!("{case}/re-refer"), "source=self&consent_care=yes", &[("cookie", cookie.as_str())])
            .await;
        assert_eq!(response.status(), status);
    }
});
