//! The coordinator's settings page (`/programme/settings`): the form shows the stored
//! settings; a good form saves them (audited as an update of the programme by the
//! coordinator); wrong fields answer 400 in the page's language, each field named, nothing
//! saved; a stale form answers 409 with what is stored now, nothing saved; a link worker is
//! refused (403) and changes nothing.

use lotse_domain::calendar::HolidayCalendar;
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, storage_test};

use crate::app::{TestApp, text};

fn form(version: i64, calendar: &str, first: &str, between: &str, baseline: &str, attempts: &str) -> String {
    format!(
        "version={version}&holiday_calendar={calendar}&first_contact_working_days={first}\
&working_days_between_contact_attempts={between}&baseline_questionnaire_working_days={baseline}\
&contact_attempts_before_unreachable={attempts}&provider_silent_working_days=4&onward_lapse_working_days=12&follow_up_questionnaire_weeks=8"
    )
}

async fn stored(db: &TestDb, world: &World) -> (lotse_domain::programme::Programme, i64) {
    let programme = lotse_store::programme::get(&db.db, world.programme.id).await.unwrap();
    let version = lotse_store::programme::version(&db.db, world.programme.id)
        .await
        .unwrap();
    (programme, version)
}

async fn programme_updates(db: &TestDb, actor: &str) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from audit_entry where action = 'update' and object_kind = 'programme' and actor = $1",
    )
    .bind(actor)
    .fetch_one(p)
    .await)
    .unwrap()
}

storage_test!(async fn a_coordinator_changes_the_deadlines_and_the_calendar_through_the_form(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "web-settings").await;
    let coordinator = world.member(db, "koordination", Role::Coordinator, None).await;
    let cookie = app.session_for(coordinator, world.programme.id).await;
    let lotsin = world.member(db, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let lotsin_cookie = app.session_for(lotsin, world.programme.id).await;
    let de = [("accept-language", "de"), ("cookie", cookie.as_str())];
    let en = [("accept-language", "en"), ("cookie", cookie.as_str())];
    let (before, version) = stored(db, &world).await;

    // The form holds what is stored, with the nav entry.
    let response = app.get("/programme/settings", &de).await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains("<option value=\"de-nw\" selected>"), "{page}");
    assert!(page.contains("name=\"first_contact_working_days\" type=\"number\" min=\"1\" max=\"30\" step=\"1\" required value=\"5\""), "{page}");
    assert!(page.contains("href=\"/programme/settings\""), "{page}");
    assert!(page.contains("Das Programm hat keine Fragebogentexte importiert."), "{page}");

    // A link worker: 403 for both, nothing changes; the nav has no entry for them.
    let as_lotsin = [("accept-language", "de"), ("cookie", lotsin_cookie.as_str())];
    assert_eq!(app.get("/programme/settings", &as_lotsin).await.status(), 403);
    let good = form(version, "dk", "3", "1", "15", "4");
    assert_eq!(app.post_form("/programme/settings", &good, &as_lotsin).await.status(), 403);
    assert_eq!(stored(db, &world).await, (before.clone(), version));
    let page = text(app.get("/cases", &as_lotsin).await).await;
    assert!(!page.contains("/programme/settings"), "{page}");

    // Wrong fields: 400, each named in the page's language, the form as typed, nothing saved.
    let wrong = form(version, "bayern", "31", "zwei", "", "0");
    let response = app.post_form("/programme/settings", &wrong, &de).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    for expected in [
        "Feiertagskalender: Ein Wert gehört nicht zur Auswahl.",
        "Erstkontakt fällig nach Annahme, in Arbeitstagen (1 bis 30): Diese Zahl liegt außerhalb des Bereichs",
        "Nächster Kontaktversuch fällig nach einem erfolglosen, in Arbeitstagen (1 bis 20): Bitte eine ganze Zahl",
        "Erster Fragebogen fällig nach dem Kontakt, in Arbeitstagen (1 bis 60): Bitte ausfüllen.",
        "bevor eine Person als nicht erreichbar gelten darf (1 bis 10): Diese Zahl liegt außerhalb",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert!(page.contains("value=\"zwei\""), "the form as typed: {page}");
    // The lapse must come after the provider's silence.
    let lapse_first = good.replace("onward_lapse_working_days=12", "onward_lapse_working_days=4");
    let response = app.post_form("/programme/settings", &lapse_first, &de).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(
        page.contains("Vermittlung verfällt ohne Antwort des Trägers nach dem Versand, nach Arbeitstagen (2 bis 60, mehr als die Frist davor): Die Vermittlung kann erst verfallen, nachdem der Träger als still gilt"),
        "{page}"
    );
    let response = app.post_form("/programme/settings", &form(version, "dk", "3", "1", "15", "31"), &en).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(
        page.contains("Failed contact attempts before a person may be marked unreachable (1 to 10): this number is outside the range"),
        "{page}"
    );
    assert_eq!(stored(db, &world).await, (before.clone(), version));
    assert_eq!(programme_updates(db, &format!("user:{coordinator}")).await, 0);

    // A good form: saved, back to the form with a notice; audited as the coordinator.
    let response = app.post_form("/programme/settings", &good, &de).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/programme/settings?saved");
    let (after, new_version) = stored(db, &world).await;
    assert_eq!(new_version, version + 1);
    assert_eq!(after.holiday_calendar, HolidayCalendar::Denmark);
    assert_eq!(after.next_action.first_contact_working_days, 3);
    assert_eq!(after.next_action.working_days_between_contact_attempts, 1);
    assert_eq!(after.next_action.baseline_questionnaire_working_days, 15);
    assert_eq!(after.contact_attempts_before_unreachable, 4);
    assert_eq!(
        (after.next_action.provider_silent_working_days, after.next_action.onward_lapse_working_days),
        (4, 12)
    );
    assert_eq!(after.next_action.follow_up_questionnaire_weeks, 8);
    assert_eq!(programme_updates(db, &format!("user:{coordinator}")).await, 1);
    let page = text(app.get("/programme/settings?saved", &de).await).await;
    assert!(page.contains("Die Einstellungen sind gespeichert."), "{page}");
    assert!(page.contains("<option value=\"dk\" selected>"), "{page}");

    // An imported wording is listed with its source and date.
    let wording = serde_json::json!({
        "source": "SWEMWBS, Lizenz des Programms (Platzhaltertexte)",
        "items": (1..=7).map(|n| format!("Aussage {n}")).collect::<Vec<_>>(),
        "responses": (1..=5).map(|v| (v, format!("Antwort {v}"))).collect::<Vec<_>>(),
    })
    .to_string();
    let clock = lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now());
    lotse_app::questionnaires::import_wording(&db.db, &clock, world.programme.slug.as_str(), "swemwbs", "de", &wording)
        .await
        .unwrap();
    let page = text(app.get("/programme/settings", &de).await).await;
    let row = format!(
        "<tr><td>SWEMWBS (seelisches Wohlbefinden)</td><td>de</td><td>SWEMWBS, Lizenz des Programms (Platzhaltertexte)</td><td>{}</td></tr>",
        lotse_testkit::fixed_now().date()
    );
    assert!(page.contains(&row), "{row}: {page}");

    // The old form again: 409, what is stored now is listed, nothing changes.
    let stale = form(version, "de-nw", "5", "2", "10", "3");
    let response = app.post_form("/programme/settings", &stale, &en).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("someone changed the settings meanwhile"), "{page}");
    assert!(page.contains("Holiday calendar: Denmark (public holidays)"), "{page}");
    assert!(page.contains("First contact due after acceptance, in working days (1 to 30): 3"), "{page}");
    assert!(page.contains(&format!("name=\"version\" value=\"{new_version}\"")), "{page}");
    assert_eq!(stored(db, &world).await, (after, new_version));
});

/// One area ("Carlstadt") in the world's programme; its id.
async fn an_area(db: &TestDb, world: &World) -> lotse_domain::id::AreaId {
    use lotse_domain::area::{Area, AreaKind, AreaSet, GeoPoint};
    use lotse_domain::id::{AreaId, AreaSetId};
    let set = AreaSet {
        id: AreaSetId::from_uuid(uuid::Uuid::new_v4()),
        programme: world.programme.id,
        name: "Quartiere".into(),
    };
    let area = Area {
        id: AreaId::from_uuid(uuid::Uuid::new_v4()),
        programme: world.programme.id,
        area_set: set.id,
        parent: None,
        kind: AreaKind::Quarter,
        name: "Carlstadt".into(),
        centroid: GeoPoint::parse(51.222, 6.771).unwrap(),
        deprivation: None,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::directory::insert_area_sets(&mut tx, &world.scope, std::slice::from_ref(&set))
        .await
        .unwrap();
    lotse_store::directory::insert_areas(&mut tx, &world.scope, std::slice::from_ref(&area))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    area.id
}

async fn places(db: &TestDb, world: &World) -> Vec<lotse_domain::facility_choice::FacilityPlace> {
    let mut tx = db.db.begin_read().await.unwrap();
    let places = lotse_store::directory::link_facility_places(&mut tx, &world.scope)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    places
}

fn facility_form(version: Option<i64>, name: &str, area: &str, targets: &[&str], phone: &str) -> String {
    let mut body = format!(
        "name={}&area={area}&address=Bilker+Stra%C3%9Fe+36%0D%0A40213+D%C3%BCsseldorf&phone={}\
&opening_hours=Mo%E2%80%93Fr+9%E2%80%9313+Uhr",
        name.replace(' ', "+"),
        phone.replace(' ', "+")
    );
    for t in targets {
        body.push_str("&target=");
        body.push_str(t);
    }
    if let Some(v) = version {
        body.push_str("&version=");
        body.push_str(&v.to_string());
    }
    body
}

storage_test!(async fn a_coordinator_adds_a_link_facility_places_it_and_changes_it(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "web-facilities").await;
    let other = World::build_with_family(db, "web-facilities-b", "Andersprogramm").await;
    let area = an_area(db, &world).await;
    let coordinator = world.member(db, "koordination", Role::Coordinator, None).await;
    let cookie = app.session_for(coordinator, world.programme.id).await;
    let de = [("accept-language", "de"), ("cookie", cookie.as_str())];
    let before = places(db, &world).await;
    assert_eq!(before.len(), 2);

    // The list shows the world's two facilities and the form to add one.
    let page = text(app.get("/programme/facilities", &de).await).await;
    assert!(page.contains("zentrum plus Eins") && page.contains("zentrum plus Zwei"), "{page}");
    assert!(page.contains(&format!("<option value=\"{area}\">Carlstadt</option>")), "{page}");

    // Wrong fields: 400, each named, the form as typed, nothing added.
    let wrong = facility_form(None, "zentrum plus eins", "nonsense", &["teenagers"], "12");
    let response = app.post_form("/programme/facilities", &wrong, &de).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    for expected in [
        "Name: Diesen Namen trägt schon eine andere Organisation des Programms.",
        "Quartier: Ein Wert gehört nicht zur Auswahl.",
        "Für wen: Ein Wert gehört nicht zur Auswahl.",
        "Telefon: Bitte eine Telefonnummer mit 6 bis 20 Ziffern",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert!(page.contains("value=\"zentrum plus eins\""), "the form as typed: {page}");
    assert_eq!(places(db, &world).await, before);

    // A good form: added with its place and groups, which the prescription form's suggestion reads.
    let good = facility_form(None, "zentrum plus Carlstadt", &area.to_string(), &["older-people", "carers"], "0211 89-12345");
    let response = app.post_form("/programme/facilities", &good, &de).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/programme/facilities?saved");
    let after = places(db, &world).await;
    let added = after.iter().find(|p| p.name == "zentrum plus Carlstadt").expect("added");
    assert_eq!(
        added.target_groups,
        vec![lotse_domain::offer::TargetGroup::OlderPeople, lotse_domain::offer::TargetGroup::Carers]
    );
    let place = added.location.expect("the area's centroid");
    assert!((place.lat() - 51.222).abs() < 1e-9 && (place.lon() - 6.771).abs() < 1e-9);
    let mut tx = db.db.begin_read().await.unwrap();
    let contact = lotse_store::directory::organisation_contact(&mut tx, &world.scope, added.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(contact.address_lines, vec!["Bilker Straße 36", "40213 Düsseldorf"]);
    assert_eq!(contact.phone.as_deref(), Some("0211 89-12345"));
    assert_eq!(contact.opening_hours, vec!["Mo–Fr 9–13 Uhr"]);
    assert_eq!(programme_updates(db, &format!("user:{coordinator}")).await, 1);
    let page = text(app.get("/programme/facilities?saved", &de).await).await;
    assert!(page.contains("Gespeichert.") && page.contains("Ältere, pflegende Angehörige"), "{page}");

    // Its form; a change at the version read is saved.
    let path = format!("/programme/facilities/{}", added.id);
    let page = text(app.get(&path, &de).await).await;
    assert!(page.contains("name=\"version\" value=\"1\""), "{page}");
    assert!(page.contains("value=\"older-people\" checked"), "{page}");
    let renamed = facility_form(Some(1), "zentrum plus Carlstadt-Altstadt", &area.to_string(), &["older-people"], "0211 89-99999");
    assert_eq!(app.post_form(&path, &renamed, &de).await.status(), 303);
    let changed = places(db, &world).await.into_iter().find(|p| p.id == added.id).unwrap();
    assert_eq!(changed.name, "zentrum plus Carlstadt-Altstadt");
    assert_eq!(changed.target_groups, vec![lotse_domain::offer::TargetGroup::OlderPeople]);

    // The old form again: 409 with what is stored now; nothing changes.
    let stale = facility_form(Some(1), "zentrum plus Carlstadt", &area.to_string(), &["older-people"], "0211 89-12345");
    let response = app.post_form(&path, &stale, &de).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("Jemand hat diese Lotsenstelle inzwischen geändert"), "{page}");
    assert!(page.contains("<li>Name: zentrum plus Carlstadt-Altstadt</li>"), "{page}");
    assert!(page.contains("<li>Telefon: 0211 89-99999</li>"), "{page}");
    assert!(!page.contains("<li>Quartier:"), "the area is the same: {page}");
    assert!(page.contains("name=\"version\" value=\"2\""), "{page}");
    assert_eq!(places(db, &world).await.into_iter().find(|p| p.id == added.id).unwrap(), changed);

    // Another programme's coordinator: 404 for this facility, which stays as it is.
    let theirs = other.member(db, "koordination-b", Role::Coordinator, None).await;
    let their_cookie = app.session_for(theirs, other.programme.id).await;
    let as_them = [("accept-language", "de"), ("cookie", their_cookie.as_str())];
    assert_eq!(app.get(&path, &as_them).await.status(), 404);
    let takeover = facility_form(Some(2), "Übernommen", "", &[], "");
    assert_eq!(app.post_form(&path, &takeover, &as_them).await.status(), 404);
    assert_eq!(places(db, &world).await.into_iter().find(|p| p.id == added.id).unwrap(), changed);
    let page = text(app.get("/programme/facilities", &as_them).await).await;
    assert!(!page.contains("Carlstadt"), "{page}");
});
