//! The link worker's work after the first contact through the pages, on both engines: a
//! shortlist from the case's offer search with the person's answers, conversation notes (a
//! refused note keeps its text), and a concern that the practice's board shows at once.

use axum::http::header;
use lotse_domain::user::Role;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::app::{TestApp, text};

/// What `user` did, as audit entries, oldest first: action, kind of record, the records.
async fn audit_of(
    db: &lotse_testkit::TestDb,
    world: &World,
    user: lotse_domain::id::UserId,
) -> Vec<(String, String, Vec<uuid::Uuid>)> {
    let mut tx = db.db.begin_read().await.unwrap();
    let actor = format!("user:{}", user.as_uuid());
    let mut entries = lotse_store::audit::list_for_actor(&mut tx, &world.scope, &actor, 10_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    entries.reverse();
    entries
        .into_iter()
        .map(|e| {
            let objects = if e.entry.objects.is_empty() {
                vec![e.entry.object_id]
            } else {
                e.entry.objects
            };
            (e.entry.action, e.entry.object_kind, objects)
        })
        .collect()
}

storage_test!(async fn the_link_worker_builds_a_shortlist_from_the_offer_search(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "shortlist-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);

    // The offer search from the case has a shortlist form on each result.
    let page = text(app.get(&format!("{case}/offers"), &headers).await).await;
    assert!(page.contains(&format!("action=\"{case}/shortlist\"")), "{page}");
    assert!(page.contains("Auf die Auswahlliste"), "{page}");
    let mut tx = db.db.begin_read().await.unwrap();
    let offers = lotse_store::offer::load_offers(&mut tx, &world.scope).await.unwrap();
    tx.commit().await.unwrap();
    let other = offers.iter().find(|o| o.offer.id != world.offer).unwrap();
    assert!(page.contains(&format!("name=\"offer\" value=\"{}\"", other.offer.id)), "{page}");

    // The world's offer is on the shortlist already (acknowledged): refused, naming the field.
    let response = app.post_form(&format!("{case}/shortlist"), &format!("offer={}", world.offer), &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Angebot: Dieses Angebot steht schon auf der Auswahlliste der Person."), "{page}");
    let response = app.post_form(&format!("{case}/shortlist"), "offer=nonsense", &headers).await;
    assert_eq!(response.status(), 400);

    let response = app.post_form(&format!("{case}/shortlist"), &format!("offer={}", other.offer.id), &headers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], format!("{case}#shortlist").as_str());
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains(&other.offer.title) && page.contains("Vorgeschlagen"), "{page}");
    let start = page.find(&format!("action=\"{case}/shortlist/")).expect("an answer form");
    let onward = &page[start + format!("action=\"{case}/shortlist/").len()..][..36];

    // Declining needs a known reason; then it is declined, with the reason in the event.
    let answer = format!("{case}/shortlist/{onward}");
    let response = app.post_form(&answer, "version=1&answer=decline&reason=whatever", &headers).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("Grund"), "the field is named");
    let response = app.post_form(&answer, "version=1&answer=decline&reason=times", &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Von der Person abgelehnt"), "{page}");
    // A second tab still showing the proposal: told what it is now, nothing saved.
    let response = app.post_form(&answer, "version=1&answer=accept", &headers).await;
    assert_eq!(response.status(), 409);
    assert!(text(response).await.contains("das Angebot ist jetzt „Von der Person abgelehnt“"));

    // The prescriber sees the case but may not touch the shortlist.
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    let response = app
        .post_form(&format!("{case}/shortlist"), &format!("offer={}", other.offer.id), &[("cookie", gp_cookie.as_str())])
        .await;
    assert_eq!(response.status(), 403);
});

storage_test!(async fn notes_and_a_concern_from_the_case_page(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "notes-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);

    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Gesprächsnotizen") && page.contains(&format!("action=\"{case}/notes\"")), "{page}");
    assert!(page.contains(&format!("action=\"{case}/concerns\"")), "{page}");

    // An empty note names the field; a long one keeps the text in the form; nothing is saved.
    let response = app.post_form(&format!("{case}/notes"), "body=+++", &headers).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("Notiz"), "the field is named");
    let long = "Wald".repeat(1001);
    let response = app.post_form(&format!("{case}/notes"), &format!("body={long}"), &headers).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains(&format!(">{long}</textarea>")), "nothing typed is lost");
    let response = app.post_form(&format!("{case}/notes"), "body=Singt+gern+im+Chor.", &headers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], format!("{case}#notes").as_str());
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Singt gern im Chor."), "{page}");
    // The next conversation: not today (refused, named, the text and the day kept), then a
    // later day, shown with the note.
    let response = app.post_form(&format!("{case}/notes"), "body=Zweites+Treffen&follow_up_on=2026-11-02", &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Nächstes Gespräch") && page.contains(">Zweites Treffen</textarea>"), "{page}");
    assert!(page.contains("value=\"2026-11-02\""), "the day typed is kept");
    let response = app.post_form(&format!("{case}/notes"), "body=Zweites+Treffen&follow_up_on=2026-11-20", &headers).await;
    assert_eq!(response.status(), 303);
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Nächstes Gespräch: 2026-11-20"), "{page}");

    // The prescriber's view of the case holds no notes.
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    let gp_headers = [("cookie", gp_cookie.as_str()), ("accept-language", "de")];
    let page = text(app.get(&case, &gp_headers).await).await;
    assert!(!page.contains("Singt gern") && !page.contains("Gesprächsnotizen"), "{page}");
    let board = text(app.get("/prescriptions", &gp_headers).await).await;
    assert!(!board.contains("Sorge gemeldet"), "{board}");

    // A concern: unknown kind 400; then the practice's board shows it at once.
    let response = app.post_form(&format!("{case}/concerns"), "version=3&kind=vague", &headers).await;
    assert_eq!(response.status(), 400);
    let response = app.post_form(&format!("{case}/concerns"), "version=3&kind=safeguarding", &headers).await;
    assert_eq!(response.status(), 303);
    let board = text(app.get("/prescriptions", &gp_headers).await).await;
    assert!(board.contains("Sorge gemeldet: Gefährdung (Schutz der Person)"), "{board}");
    let page = text(app.get(&case, &gp_headers).await).await;
    assert!(page.contains("Sorge an die Praxis gemeldet"), "in the timeline: {page}");
    // Not the prescriber's to raise.
    let response = app.post_form(&format!("{case}/concerns"), "version=4&kind=safeguarding", &[("cookie", gp_cookie.as_str())]).await;
    assert_eq!(response.status(), 403);
});

storage_test!(async fn the_link_worker_agrees_a_plan_and_prints_it(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "plan-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);

    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Noch kein Plan vereinbart.") && page.contains(&format!("action=\"{case}/plan\"")), "{page}");
    let response = app.get(&format!("{case}/plan.pdf"), &headers).await;
    assert_eq!(response.status(), 404, "no plan to print yet");

    // Wrong fields: each named, the form keeps what was typed, nothing saved.
    let wrong = "version=0&goals=Singen&milestone_text=Chor&milestone_due=gestern&milestone_text=&milestone_due=&obstacles=&review_on=";
    let response = app.post_form(&format!("{case}/plan"), wrong, &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Datum von Schritt 1"), "{page}");
    assert!(page.contains("Nächste Besprechung"), "{page}");
    assert!(page.contains(">Singen</textarea>") && page.contains("value=\"gestern\""), "kept: {page}");

    let good = "version=0&goals=Wieder+singen%0AUnter+Leute&milestone_text=Chor+anschauen&milestone_due=2026-12-20&obstacles=Treppen&review_on=2027-01-15";
    let response = app.post_form(&format!("{case}/plan"), good, &headers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], format!("{case}#plan").as_str());
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Fassung 1") && page.contains("Wieder singen") && page.contains("2027-01-15"), "{page}");
    // A second save on the version seen first: told, nothing saved.
    let response = app.post_form(&format!("{case}/plan"), good, &headers).await;
    assert_eq!(response.status(), 409);
    assert!(text(response).await.contains("jetzt Fassung 1"));

    let response = app.get(&format!("{case}/plan.pdf"), &headers).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body = axum::body::to_bytes(response.into_body(), 10_000_000).await.unwrap();
    assert!(body.starts_with(b"%PDF-"));

    // The practice's board: plan agreed. The prescriber may neither read nor print the plan.
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    let gp_headers = [("cookie", gp_cookie.as_str()), ("accept-language", "de")];
    let board = text(app.get("/prescriptions", &gp_headers).await).await;
    assert!(board.contains("Plan vereinbart") || board.contains("Aktionsplan vereinbart"), "{board}");
    let page = text(app.get(&case, &gp_headers).await).await;
    assert!(!page.contains("Wieder singen"), "{page}");
    assert_eq!(app.get(&format!("{case}/plan.pdf"), &gp_headers).await.status(), 403);
});

storage_test!(async fn the_person_answers_the_who5_through_the_link_without_an_account(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "q-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de"), ("host", "lotse.example")];
    let case = format!("/cases/{}", world.case);

    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Fragebögen") && page.contains("WHO-5 (Wohlbefinden)"), "{page}");
    assert!(!page.contains("UCLA-3"), "not offered in German: {page}");
    let response = app.post_form(&format!("{case}/questionnaires/links"), "instrument=who5&timepoint=baseline", &headers).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let page = text(response).await;
    let start = page.find("http://lotse.example/q/").expect("the link");
    let token = &page[start + "http://lotse.example/q/".len()..][..96];
    assert!(page.contains("<svg"), "its QR code");
    let unknown = app.post_form(&format!("{case}/questionnaires/links"), "instrument=ucla3&timepoint=baseline", &headers).await;
    assert_eq!(unknown.status(), 400, "not offered in the person's language");

    // The person, without an account: the questionnaire and nothing about them.
    let link = format!("/q/{token}");
    let form = text(app.get(&link, &[("accept-language", "de")]).await).await;
    assert!(form.contains("Wohlbefinden") && form.contains("name=\"item-5\""), "{form}");
    assert!(!form.contains(world.person.to_string().as_str()) && !form.contains("Erika") && !form.contains("Ilse"), "{form}");
    let wrong = app.post_form(&link, "item-1=5&item-2=9", &[("accept-language", "de")]).await;
    assert_eq!(wrong.status(), 400);
    let wrong = text(wrong).await;
    assert!(wrong.contains("Frage 2: Bitte eine der Antworten wählen.") && wrong.contains("value=\"5\" checked"), "{wrong}");
    let done = app.post_form(&link, "item-1=5&item-2=4&item-3=3&item-4=4&item-5=5", &[("accept-language", "de")]).await;
    assert_eq!(done.status(), 200);
    assert!(text(done).await.contains("Vielen Dank"));
    assert_eq!(app.get(&link, &[]).await.status(), 404, "used once");
    assert_eq!(app.post_form(&link, "item-1=1", &[]).await.status(), 404, "used once");

    // The link worker sees who answered and when.
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("die Person selbst") && page.contains("beantwortet am"), "{page}");

    // A link opened too often answers 429 before it is checked.
    let response = app.post_form(&format!("{case}/questionnaires/links"), "instrument=who5&timepoint=follow_up", &headers).await;
    let page = text(response).await;
    let start = page.find("/q/").unwrap();
    let busy = format!("/q/{}", &page[start + 3..][..96]);
    let mut statuses = Vec::new();
    for _ in 0..=lotse_web::link_limit::PER_WINDOW {
        statuses.push(app.get(&busy, &[]).await.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), lotse_web::link_limit::PER_WINDOW as usize);
    assert_eq!(statuses.last(), Some(&429));
});

storage_test!(async fn the_intake_form_registers_a_person_and_opens_the_case(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "intake-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];

    let list = text(app.get("/cases", &headers).await).await;
    assert!(list.contains("href=\"/cases/new\""), "{list}");
    let form = text(app.get("/cases/new", &headers).await).await;
    assert!(form.contains("Von einer Apotheke geschickt") && !form.contains(" checked"), "nothing ticked: {form}");
    assert!(form.contains("Bringt ein Soziales Rezept mit") && form.contains("name=\"prescription_code\""), "{form}");
    // A sheet's code without the person's transfer consent: both named, the code kept.
    let brought = "given_name=Hasan&family_name=Yildiz&birth_date=02.02.1961&language=tr&source=prescriber&prescription_code=ABCD&consent_care=yes";
    let response = app.post_form("/cases/new", brought, &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("value=\"ABCD\"") && page.contains("Zu diesem Code gibt es kein Soziales Rezept"), "{page}");
    assert!(page.contains("an die Lotsenstelle: Ohne diese Einwilligung"), "{page}");
    // The consent texts in the person's language (Turkish), open and first, to read out.
    let texts = page.split("class=\"consent-texts\"").nth(1).unwrap_or_default();
    assert!(texts.starts_with(" open>") && texts.contains("<ol lang=\"tr\" dir=\"ltr\">"), "{page}");
    assert!(texts.contains("bana uygun etkinlikleri bulmamda"), "the care text in Turkish: {texts}");
    let body = "given_name=Hasan&family_name=Y%C4%B1ld%C4%B1z&birth_date=02.02.1961&language=tr&source=self";
    let response = app.post_form("/cases/new", body, &headers).await;
    assert_eq!(response.status(), 400, "care consent is required");
    let page = text(response).await;
    assert!(page.contains("value=\"Hasan\"") && page.contains("Begleitung durch eine Lotsin"), "kept: {page}");
    let response = app.post_form("/cases/new", &format!("{body}&consent_care=yes"), &headers).await;
    assert_eq!(response.status(), 303);
    let case = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains("Hasan Yıldız") && page.contains("Überweisung angenommen"), "{page}");
    // A prescriber may not register people here.
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    assert_eq!(app.get("/cases/new", &[("cookie", gp_cookie.as_str())]).await.status(), 403);
});

storage_test!(async fn the_link_worker_closes_the_case_and_the_practice_reads_the_message_back(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "close-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    let gp_headers = [("cookie", gp_cookie.as_str()), ("accept-language", "de")];
    let prescription: uuid::Uuid = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select prescription_id from prescription where code = $1"
    )
    .bind(&world.code)
    .fetch_one(p)
    .await)
    .unwrap();
    let rx = format!("/prescriptions/{prescription}");
    let page = text(app.get(&rx, &gp_headers).await).await;
    assert!(!page.contains("Rückmeldung an die Praxis"), "not before the case closes: {page}");

    let page = text(app.get(&case, &headers).await).await;
    assert!(page.contains(&format!("action=\"{case}/close\"")), "{page}");
    assert!(page.contains("<option value=\"goals_met\">Ziele erreicht</option>"), "{page}");
    // An unknown reason: 400, nothing written; the prescriber may not close.
    let response = app.post_form(&format!("{case}/close"), "version=3&reason=bored", &headers).await;
    assert_eq!(response.status(), 400);
    let response = app.post_form(&format!("{case}/close"), "version=3&reason=goals_met", &[("cookie", gp_cookie.as_str())]).await;
    assert_eq!(response.status(), 403);
    let response = app.post_form(&format!("{case}/close"), "version=3&reason=goals_met", &headers).await;
    assert_eq!(response.status(), 303);
    // Closing again is refused with where the case stands.
    let response = app.post_form(&format!("{case}/close"), "version=4&reason=other", &headers).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("den Fall abschließen"), "{page}");

    // The practice: closed with the reason on the board, the message back on the prescription.
    let board = text(app.get("/prescriptions", &gp_headers).await).await;
    assert!(board.contains("Ziele erreicht"), "{board}");
    let page = text(app.get(&rx, &gp_headers).await).await;
    for expected in ["Rückmeldung an die Praxis", "Ziele erreicht", "Angebote, die die Person wollte", "Fragebögen"] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    // In English too.
    let en = [("cookie", gp_cookie.as_str()), ("accept-language", "en")];
    let page = text(app.get(&rx, &en).await).await;
    assert!(page.contains("Message back to the practice") && page.contains("goals met"), "{page}");
});

storage_test!(async fn the_inbox_shows_what_is_new_and_marks_it_seen(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "inbox-web").await;
    let gp = world.member(db, "dr-inbox", Role::Prescriber, Some(world.orgs.practice)).await;
    let cookie = app.session_for(gp, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    // The world's referral was accepted and its person reached: news for the practice.
    let page = text(app.get("/inbox", &headers).await).await;
    assert!(page.contains("href=\"/inbox\""), "in the navigation: {page}");
    assert!(page.contains("Überweisung angenommen") && page.contains("Kontakt aufgenommen"), "{page}");
    assert!(page.contains("<strong class=\"tag\">neu</strong>"), "{page}");
    assert!(page.contains("href=\"/prescriptions/"), "{page}");
    assert!(!page.contains(lotse_testkit::world::PERSON_FAMILY), "no one is named: {page}");
    // Seen: nothing new the second time.
    let page = text(app.get("/inbox", &[("cookie", cookie.as_str()), ("accept-language", "en")]).await).await;
    assert!(page.contains("Nothing new since you last looked"), "{page}");
    assert!(!page.contains("<strong class=\"tag\">new</strong>"), "{page}");
});

storage_test!(async fn the_search_profile_is_saved_from_its_form_and_shapes_the_case_search(db) {
    let app = TestApp::new(db).await;
    let world = World::build(db, "profile-web").await;
    let lotsin = world.member(db, "lotsin-web", Role::LinkWorker, Some(world.orgs.facility)).await;
    let cookie = app.session_for(lotsin, world.programme.id).await;
    let headers = [("cookie", cookie.as_str()), ("accept-language", "de")];
    let case = format!("/cases/{}", world.case);
    let form = format!("{case}/search-profile");

    // No profile yet: the search says so and links to the form, which has nothing ticked.
    let search = text(app.get(&format!("{case}/offers"), &headers).await).await;
    assert!(search.contains("Noch kein Suchprofil") && search.contains(&format!("href=\"{form}\"")), "{search}");
    let page = text(app.get(&form, &headers).await).await;
    assert!(page.contains("Wie weit kann die Person fahren?") && !page.contains(" checked"), "{page}");
    assert!(page.contains("name=\"version\" value=\"0\""), "{page}");

    // A wrong distance: named, the ticks kept, nothing saved.
    let body = "version=0&interests=sport&max_distance_km=200&accessibility=step-free&max_cost=free&free_times=2-morning";
    let response = app.post_form(&form, body, &headers).await;
    assert_eq!(response.status(), 400);
    let page = text(response).await;
    assert!(page.contains("Wie weit kann die Person fahren? (km): Diese Zahl liegt außerhalb"), "{page}");
    assert!(page.contains("value=\"step-free\" checked") && page.contains("value=\"2-morning\" checked"), "{page}");
    // Saved: back to the search, which applies it (step-free: neither offer of the world has it).
    let response = app.post_form(&form, &body.replace("=200", "=5"), &headers).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[header::LOCATION], format!("{case}/offers").as_str());
    let before = audit_of(db, &world, lotsin).await.len();
    let search = text(app.get(&format!("{case}/offers"), &headers).await).await;
    assert!(search.contains("Interessen: Sport und Bewegung") && search.contains("braucht: stufenlos"), "{search}");
    assert!(search.contains("<h2>0 Angebote</h2>"), "{search}");
    // The page shows the profile and searches with it, reading (and auditing) each record once.
    let reads = audit_of(db, &world, lotsin).await.split_off(before);
    assert!(!reads.is_empty(), "the search page audits no read");
    let mut once = reads.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), reads.len(), "a record read twice by one page: {reads:?}");
    // The case page shows it in one line, with the way to change it.
    let record = text(app.get(&case, &headers).await).await;
    assert!(record.contains("Suchprofil der Person:</strong> Interessen: Sport und Bewegung"), "{record}");
    assert!(record.contains(&format!("href=\"{form}\">Suchprofil bearbeiten")), "{record}");
    // The same search without the profile finds them, and its form keeps the profile off.
    let off = text(app.get(&format!("{case}/offers?profile=off"), &headers).await).await;
    assert!(off.contains("Diese Suche ohne das Suchprofil") && off.contains("name=\"profile\" value=\"off\""), "{off}");
    assert!(off.contains("Spaziergruppe"), "{off}");

    // A second tab still on version 0: refused, showing what is saved now; nothing changes.
    let response = app.post_form(&form, "version=0&max_cost=paid", &headers).await;
    assert_eq!(response.status(), 409);
    let page = text(response).await;
    assert!(page.contains("jetzt Version 1") && page.contains("höchstens: kostenlos"), "{page}");
    assert!(page.contains("name=\"version\" value=\"1\"") && page.contains("value=\"paid\" selected"), "{page}");

    // The prescriber may not open it.
    let gp = world.member(db, "dr-web", Role::Prescriber, Some(world.orgs.practice)).await;
    let gp_cookie = app.session_for(gp, world.programme.id).await;
    assert_eq!(app.get(&form, &[("cookie", gp_cookie.as_str())]).await.status(), 403);
    let record = text(app.get(&case, &[("cookie", gp_cookie.as_str())]).await).await;
    assert!(!record.contains("search-profile"), "{record}");
});
