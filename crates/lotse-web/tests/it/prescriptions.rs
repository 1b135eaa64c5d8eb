//! The prescriber's pages through the real router on both engines: the form names wrong
//! fields in the user's language and keeps what was entered; a prescription is issued and
//! shows on the board; its sheet is a PDF.

use axum::http::header;
use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

storage_test!(async fn a_gp_prescribes_through_the_form_and_downloads_the_sheet(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "rx-web").await;
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let cookie = app.session_for(gp, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];

    let form = text(app.get("/prescriptions/new", &headers).await).await;
    assert!(form.contains("Soziales Rezept ausstellen"), "{form}");
    assert!(form.contains(&world.orgs.facility.to_string()), "the facility is offered");

    // Wrong: no family name, a birth date in the future, no need. Named in German; kept.
    let bad = "given_name=Ay%C5%9Fe&family_name=&birth_date=2999-01-01&language=tr&consent_transfer=yes";
    let response = app.post_form("/prescriptions", bad, &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Nachname"), "{page}");
    assert!(page.contains("Dieses Datum liegt in der Zukunft"), "{page}");
    assert!(page.contains("value=\"Ayşe\""), "what was entered stays");
    // The consent texts in the person's language (Turkish), open and first, to read out.
    let texts = page.split("class=\"consent-texts\"").nth(1).unwrap_or_default();
    assert!(texts.starts_with(" open>"), "{page}");
    let turkish = texts.find("<ol lang=\"tr\" dir=\"ltr\">").expect("the Turkish texts");
    assert!(texts.find("<ol lang=\"ar\" dir=\"rtl\">").is_some_and(|arabic| turkish < arabic), "{texts}");
    assert!(texts.contains("sır saklama yükümlülüğünden muaf tutuyorum"), "{texts}");
    assert!(!texts.contains("<ol lang=\"de\""), "the page's own language is shown inline: {texts}");

    let good = format!(
        "given_name=Ay%C5%9Fe&family_name=Demir&birth_date=14.03.1950&language=tr&need=loneliness&need=nature\
         &reason=allein&urgent=yes&link_facility={}&consent_transfer=yes&consent_care=yes&consent_given_by=person",
        world.orgs.facility
    );
    let response = app.post_form("/prescriptions", &good, &headers).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/prescriptions/"), "{location}");

    let board = text(app.get("/prescriptions", &headers).await).await;
    assert!(board.contains("Ayşe Demir"), "{board}");
    assert!(board.contains("Ausgestellt"), "the state: issued");
    let shown = text(app.get(&location, &headers).await).await;
    // The timeline: the prescription, then its referral to the link facility.
    let issued = shown.find("Soziales Rezept ausgestellt").expect("the prescription in the timeline");
    let referred = shown.find("Überweisung an die Lotsenstelle").expect("the referral in the timeline");
    assert!(issued < referred, "the prescription first: {shown}");
    assert!(shown.contains("Türkisch"), "the sheet's language");

    let sheet = app.get(&format!("{location}/sheet.pdf"), &headers).await;
    assert_eq!(sheet.status(), 200);
    assert_eq!(sheet.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(sheet.headers()[header::CACHE_CONTROL], "no-store");
    let bytes = axum::body::to_bytes(sheet.into_body(), 1 << 22).await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    // The same person again: the practice is asked whether it is her (409, the form again).
    let response = app.post_form("/prescriptions", &good.replace("Ay%C5%9Fe", "ayse"), &headers).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("Ayşe Demir (1950-03-14)"), "{page}");
});

storage_test!(async fn the_board_shows_fifty_at_a_time_with_a_link_to_older_changes(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "rx-board-pages").await;
    let gp = world.member(db, "dr-pages", Role::Prescriber, Some(world.orgs.practice)).await;
    let cookie = app.session_for(gp, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let before = text(app.get("/prescriptions", &headers).await).await;
    assert!(!before.contains("Ältere Änderungen"), "{before}");
    // Fifty-one people.
    for i in 0..51 {
        let form = format!(
            "given_name=Seite&family_name=Person{i:02}&birth_date=01.01.1950&language=de&need=loneliness\
             &link_facility={}&consent_transfer=yes&consent_care=yes&consent_given_by=person",
            world.orgs.facility
        );
        let response = app.post_form("/prescriptions", &form, &headers).await;
        assert_eq!(response.status(), 303, "{i}");
    }
    let first = text(app.get("/prescriptions", &headers).await).await;
    assert_eq!(first.matches("<tr><td>").count(), 50, "{first}");
    let older = first
        .split("href=\"/prescriptions?after=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older changes")
        .to_owned();
    let second = text(app.get(&format!("/prescriptions?after={older}"), &headers).await).await;
    assert!(second.contains("Zu den neuesten Änderungen"), "{second}");
    assert!(!second.contains("Ältere Änderungen"), "the last page: {second}");
    // Every person on exactly one of the two pages (the clock stands still here, so the
    // order among them is by prescription id).
    for i in 0..51 {
        let name = format!("Seite Person{i:02}<");
        assert_eq!(
            (first.contains(&name), second.contains(&name)),
            (first.contains(&name), !first.contains(&name)),
            "{name}"
        );
    }
    // Anything but a prescription id is refused.
    let response = app.get("/prescriptions?after=gestern", &headers).await;
    assert_eq!(response.status(), 400);
});
