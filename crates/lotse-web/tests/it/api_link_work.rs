//! `/api/v1` for prescribing and the link worker's work: a practice's software prescribes, a
//! facility's software takes the referral to a shortlist and a questionnaire, and the practice
//! reads its board; every refusal answers problem+json naming the field or saying what the
//! record is now, in the caller's language, and writes nothing.

use axum::http::Method;
use lotse_app::api_client::NewApiClient;
use lotse_domain::id::OrganisationId;
use lotse_domain::user::Role;
use lotse_testkit::world::{PERSON_PHONE, World};
use lotse_testkit::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::app::{TestApp, text};

/// A client of `organisation` with `role` and `scopes`, made like the CLI does: its bearer
/// header and its audit actor.
async fn client(
    db: &TestDb,
    world: &World,
    role: Role,
    organisation: OrganisationId,
    scopes: &str,
) -> (String, String) {
    named_client(db, world, &format!("c-{}", role.code()), role, organisation, scopes).await
}

/// Like [`client`], named `name` (a programme's clients have different names).
async fn named_client(
    db: &TestDb,
    world: &World,
    name: &str,
    role: Role,
    organisation: OrganisationId,
    scopes: &str,
) -> (String, String) {
    let organisation =
        lotse_store::directory::get_organisation(&mut db.db.begin().await.unwrap(), &world.scope, organisation)
            .await
            .unwrap()
            .0;
    let issued = lotse_app::api_client::add(
        &db.db,
        &lotse_app::clock::FixedClock::new(lotse_testkit::fixed_now()),
        &NewApiClient {
            programme: world.programme.slug.as_str(),
            name,
            role,
            organisation: Some(&organisation),
            scopes,
        },
    )
    .await
    .unwrap();
    (format!("Bearer {}", issued.token), format!("client:{}", issued.id))
}

/// Sends `body` (JSON) with the client's token in German; the status and the parsed answer.
async fn call(app: &TestApp, bearer: &str, method: Method, path: &str, body: &Value) -> (u16, Value) {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let headers = [
        ("authorization", bearer),
        ("accept-language", "de"),
        ("content-type", "application/json"),
    ];
    let response = app.request(method, path, &body, &headers).await;
    let status = response.status().as_u16();
    let page = text(response).await;
    (
        status,
        serde_json::from_str(&page).unwrap_or_else(|_| panic!("{status}: {page}")),
    )
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await).unwrap()
}

async fn audited_by(db: &TestDb, actor: &str, action: &str) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>("select count(*) from audit_entry where actor = $1 and action = $2")
        .bind(actor)
        .bind(action)
        .fetch_one(p)
        .await)
    .unwrap()
}

storage_test!(async fn a_practice_prescribes_and_a_facility_works_the_referral_through_the_api(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-link-work").await;
    let (gp, gp_actor) = client(db, &a, Role::Prescriber, a.orgs.practice, "prescription:write").await;
    let (lw, lw_actor) = client(db, &a, Role::LinkWorker, a.orgs.facility, "case:work,case:read").await;

    // Wrong fields: each named by its JSON path, in German; nothing written.
    let people = count(db, "patient").await;
    let bad = json!({
        "prescriber": "api-link-work-fixture-prescriber",
        "person": {"given_name": "Ines", "family_name": "Apitest", "birth_date": "1950-02-31", "language": "de", "nickname": "x"},
        "need_domains": ["loneliness", "no-such-need"],
        "consents": {"transfer": "yes", "given_by": ""}
    });
    let (status, problem) = call(&app, &gp, Method::POST, "/api/v1/prescriptions", &bad).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["type"], "urn:lotse:problem:invalid");
    let named = fields(&problem);
    for field in ["person.nickname", "consents.transfer"] {
        assert!(named.contains(&field.to_owned()), "{field} in {named:?}");
    }
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("person.nickname"), "{problem}");
    assert_eq!(count(db, "patient").await, people);
    let bad = json!({
        "prescriber": "api-link-work-fixture-prescriber",
        "person": {"given_name": "Ines", "family_name": "Apitest", "birth_date": "1950-02-31", "language": "de"},
        "need_domains": ["no-such-need"],
        "consents": {"transfer": true, "given_by": "neighbour"}
    });
    let (status, problem) = call(&app, &gp, Method::POST, "/api/v1/prescriptions", &bad).await;
    assert_eq!(status, 400, "{problem}");
    let named = fields(&problem);
    for field in ["person.birth_date", "need_domains", "consents.given_by", "link_facility_id"] {
        assert!(named.contains(&field.to_owned()), "{field} in {named:?}");
    }
    assert_eq!(count(db, "patient").await, people);

    // Prescribed with transfer and care consent: the referral goes to the facility.
    // The prescriber named must be one of the practice's.
    let mut prescription = json!({
        "prescriber": "nobody-here",
        "person": {"given_name": "Ines", "family_name": "Apitest", "birth_date": "1950-02-28", "language": "de"},
        "need_domains": ["loneliness"],
        "reason": "lebt allein seit dem Tod des Mannes",
        "link_facility_id": a.orgs.facility.to_string(),
        "consents": {"transfer": true, "care": true, "given_by": "person"}
    });
    let (status, problem) = call(&app, &gp, Method::POST, "/api/v1/prescriptions", &prescription).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["prescriber".to_owned()]);
    assert_eq!(count(db, "patient").await, people);
    // A prescriber of another practice is refused the same way.
    a.member(db, "dr-other-practice", Role::Prescriber, Some(a.orgs.other_practice)).await;
    prescription["prescriber"] = json!("dr-other-practice");
    let (status, problem) = call(&app, &gp, Method::POST, "/api/v1/prescriptions", &prescription).await;
    assert_eq!((status, fields(&problem)), (400, vec!["prescriber".to_owned()]), "{problem}");
    assert_eq!(count(db, "patient").await, people);
    prescription["prescriber"] = json!("api-link-work-fixture-prescriber");
    let (status, issued) = call(&app, &gp, Method::POST, "/api/v1/prescriptions", &prescription).await;
    assert_eq!(status, 201, "{issued}");
    let case = issued["case_id"].as_str().unwrap().to_owned();
    assert!(issued["code"].as_str().unwrap().len() >= 6, "{issued}");
    assert!(audited_by(db, &gp_actor, "create").await >= 1);
    // The board, a page at a time: `after` must be a prescription id; the page after the
    // newest prescription no longer holds it.
    let (status, board) = call(&app, &gp, Method::GET, "/api/v1/prescriptions", &Value::Null).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["items"][0]["prescription_id"], issued["prescription_id"], "{board}");
    assert_eq!(board["next_after"], Value::Null, "one page holds them all");
    for bad in ["newest", ""] {
        let (status, problem) = call(&app, &gp, Method::GET, &format!("/api/v1/prescriptions?after={bad}"), &Value::Null).await;
        assert_eq!((status, fields(&problem)), (400, vec!["after".to_owned()]), "{bad:?}: {problem}");
    }
    let after = format!("/api/v1/prescriptions?after={}", issued["prescription_id"].as_str().unwrap());
    let (status, older) = call(&app, &gp, Method::GET, &after, &Value::Null).await;
    assert_eq!(status, 200, "{older}");
    let listed = |page: &Value| page["items"].as_array().unwrap().iter().map(|i| i["prescription_id"].clone()).collect::<Vec<_>>();
    assert_eq!(listed(&older), listed(&board)[1..], "{older}");

    // The same name and birth date again: 409 with the person the practice knows.
    let (status, problem) = call(&app, &gp, Method::POST, "/api/v1/prescriptions", &prescription).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["type"], "urn:lotse:problem:possible-duplicates");
    assert_eq!(problem["candidates"][0]["patient_id"], issued["patient_id"]);

    // The facility: the referral is new; accept it.
    let steps = format!("/api/v1/cases/{case}/steps");
    let (status, now) = call(&app, &lw, Method::GET, &steps, &Value::Null).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(now["state"], "issued");
    assert!(now["steps"].as_array().unwrap().contains(&json!("accept")), "{now}");
    let version = now["version"].as_i64().unwrap();
    let (status, taken) = call(&app, &lw, Method::POST, &steps, &json!({"step": "accept", "version": version})).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["state"], "accepted");
    assert_eq!(taken["version"], version + 1);

    // A stale version: 409 saying what the referral is now (German), nothing written.
    let events = count(db, "event").await;
    let (status, problem) = call(&app, &lw, Method::POST, &steps, &json!({"step": "not-reached", "version": version})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("Angenommen"), "{problem}");
    assert_eq!(count(db, "event").await, events);
    // A step the state does not allow, and an unknown step or concern kind.
    let (status, problem) = call(&app, &lw, Method::POST, &steps, &json!({"step": "accept", "version": version + 1})).await;
    assert_eq!(status, 409, "{problem}");
    let (status, problem) =
        call(&app, &lw, Method::POST, &steps, &json!({"step": "raise-concern", "version": version + 1, "kind": "worried"})).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["kind".to_owned()]);
    let (status, problem) = call(&app, &lw, Method::POST, &steps, &json!({"step": "redirect", "version": version + 1})).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["facility_id".to_owned(), "reason".to_owned()]);
    assert_eq!(count(db, "event").await, events);

    // A failed and then a successful contact.
    let (_, taken) = call(&app, &lw, Method::POST, &steps, &json!({"step": "not-reached", "version": version + 1})).await;
    assert_eq!(taken["state"], "accepted", "{taken}");
    let (_, taken) = call(&app, &lw, Method::POST, &steps, &json!({"step": "reached", "version": version + 2})).await;
    assert_eq!(taken["state"], "contacted", "{taken}");

    // The shortlist: the world's offer, once; the person's answer needs a reason to decline.
    let shortlist = format!("/api/v1/cases/{case}/shortlist");
    let offer = json!({"offer_id": a.offer.as_uuid().to_string()});
    let (status, entry) = call(&app, &lw, Method::POST, &shortlist, &offer).await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["state"], "proposed");
    let (status, problem) = call(&app, &lw, Method::POST, &shortlist, &offer).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["offer_id".to_owned()]);
    let answer = format!("{shortlist}/{}", entry["onward_referral_id"].as_str().unwrap());
    let (status, problem) = call(&app, &lw, Method::POST, &answer, &json!({"version": 1, "answer": "decline"})).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["reason".to_owned()]);
    let (status, answered) = call(&app, &lw, Method::POST, &answer, &json!({"version": 1, "answer": "accept"})).await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["state"], "accepted");
    // An answer based on the version before: 409 naming the state now, nothing written.
    let (status, problem) =
        call(&app, &lw, Method::POST, &answer, &json!({"version": 1, "answer": "decline", "reason": "too_far"})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("angenommen"), "{problem}");
    let (_, record) = call(&app, &lw, Method::GET, &format!("/api/v1/cases/{case}"), &Value::Null).await;
    assert_eq!(record["onward_referrals"][0]["state"], "accepted", "{record}");
    assert_eq!(record["onward_referrals"][0]["version"], 2, "{record}");

    // A WHO-5 taken with the person: out of range is named per item; then scored as published.
    let questionnaires = format!("/api/v1/cases/{case}/questionnaires");
    let (status, problem) = call(
        &app,
        &lw,
        Method::POST,
        &questionnaires,
        &json!({"instrument": "who5", "timepoint": "baseline", "items": [6, 3, "3", 2, 3]}),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["items[2]".to_owned()]);
    let (status, problem) = call(
        &app,
        &lw,
        Method::POST,
        &questionnaires,
        &json!({"instrument": "who5", "timepoint": "baseline", "items": [6, 3, 3, 2, 3]}),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["items[0]".to_owned()]);
    let (status, recorded) = call(
        &app,
        &lw,
        Method::POST,
        &questionnaires,
        &json!({"instrument": "who5", "timepoint": "baseline", "items": [3, 3, 4, 2, 3]}),
    )
    .await;
    assert_eq!(status, 201, "{recorded}");
    let (status, found) = call(&app, &lw, Method::GET, &questionnaires, &Value::Null).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["responses"][0]["score"], 15.0, "WHO-5 raw score 0-25: 3+3+4+2+3");
    assert_eq!(found["responses"][0]["answered_by"], "link_worker_with_person");
    assert!(found["offered"].as_array().unwrap().contains(&json!("who5")));

    // A note, a plan and a self-completion link name a link worker of the facility as author.
    a.member(db, "api-lw-lotsin", Role::LinkWorker, Some(a.orgs.facility)).await;
    a.member(db, "api-lw-elsewhere", Role::LinkWorker, Some(a.orgs.other_facility)).await;
    let notes = format!("/api/v1/cases/{case}/notes");
    let (status, listed) = call(&app, &lw, Method::GET, &notes, &Value::Null).await;
    assert_eq!((status, listed["notes"].as_array().unwrap().len()), (200, 0));
    // A disabled account of the facility is refused like a stranger.
    a.member(db, "api-lw-disabled", Role::LinkWorker, Some(a.orgs.facility)).await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update user_account set disabled = $1 where username = $2")
        .bind(true)
        .bind("api-lw-disabled")
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    for (author, body, field) in [
        ("api-lw-elsewhere", "Singt gern.", "author"),
        ("api-lw-disabled", "Singt gern.", "author"),
        ("api-lw-lotsin", " ", "body"),
    ] {
        let (status, problem) = call(&app, &lw, Method::POST, &notes, &json!({"author": author, "body": body})).await;
        assert_eq!((status, fields(&problem)), (400, vec![field.to_owned()]), "{problem}");
    }
    let (status, written) =
        call(&app, &lw, Method::POST, &notes, &json!({"author": "api-lw-lotsin", "body": "Singt gern, sucht einen Chor."})).await;
    assert_eq!(status, 201, "{written}");
    let (_, listed) = call(&app, &lw, Method::GET, &notes, &Value::Null).await;
    assert_eq!(listed["notes"][0]["body"], "Singt gern, sucht einen Chor.");
    assert!(listed["notes"][0]["author"].as_str().unwrap().contains("api-lw-lotsin"), "{listed}");

    let plan_path = format!("/api/v1/cases/{case}/plan");
    let plan = json!({
        "author": "api-lw-lotsin", "version": 0, "goals": ["Wieder im Chor singen"],
        "milestones": [{"text": "Probe besuchen", "due_on": "2026-11-20"}],
        "obstacles": ["Der Weg: Busverbindung heraussuchen"], "review_on": "2026-12-15"
    });
    let mut wrong = plan.clone();
    wrong["milestones"][0]["due_on"] = json!("2026-10-01");
    wrong["goals"] = json!([]);
    let (status, problem) = call(&app, &lw, Method::POST, &plan_path, &wrong).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields(&problem), vec!["goals".to_owned(), "milestones[0].due_on".to_owned()]);
    let (status, saved) = call(&app, &lw, Method::POST, &plan_path, &plan).await;
    assert_eq!((status, saved["version"].as_i64()), (201, Some(1)), "{saved}");
    let (status, problem) = call(&app, &lw, Method::POST, &plan_path, &plan).await;
    assert_eq!(status, 409, "a second save from version 0: {problem}");
    let (_, read) = call(&app, &lw, Method::GET, &plan_path, &Value::Null).await;
    assert_eq!(read["versions"][0]["goals"], json!(["Wieder im Chor singen"]));
    assert_eq!(read["versions"][0]["milestones"][0]["due_on"], "2026-11-20");
    let (_, now) = call(&app, &lw, Method::GET, &steps, &Value::Null).await;
    assert_eq!(now["state"], "plan_agreed", "the first plan records the agreement");
    // The printed plan for the person, as the page's download.
    let printed = app.get(&format!("{plan_path}.pdf"), &[("authorization", lw.as_str())]).await;
    assert_eq!(printed.status(), 200);
    assert_eq!(printed.headers().get("content-type").unwrap(), "application/pdf");
    assert_eq!(printed.headers().get("cache-control").unwrap(), "no-store");
    assert!(text(printed).await.starts_with("%PDF"));

    let (status, link) = call(
        &app,
        &lw,
        Method::POST,
        &format!("/api/v1/cases/{case}/questionnaire-links"),
        &json!({"created_by": "api-lw-lotsin", "instrument": "who5", "timepoint": "follow_up"}),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let path = link["path"].as_str().unwrap();
    assert!(path.starts_with("/q/"), "{link}");
    let page = app.get(path, &[("accept-language", "de")]).await;
    assert_eq!(page.status(), 200, "the person opens the link without signing in");
    assert!(audited_by(db, &lw_actor, "update").await + audited_by(db, &lw_actor, "create").await >= 6);

    // The practice sees every step on its board, with the timeline.
    let (status, board) = call(&app, &gp, Method::GET, "/api/v1/prescriptions", &Value::Null).await;
    assert_eq!(status, 200, "{board}");
    let row = board["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["prescription_id"] == issued["prescription_id"])
        .unwrap()
        .clone();
    assert_eq!(row["state"], "plan_agreed", "{row}");
    let one = format!("/api/v1/prescriptions/{}", issued["prescription_id"].as_str().unwrap());
    let (status, view) = call(&app, &gp, Method::GET, &one, &Value::Null).await;
    assert_eq!(status, 200, "{view}");
    let kinds: Vec<&str> = view["timeline"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "referral.issued",
            "referral.accepted",
            "referral.contact_attempt_failed",
            "referral.contacted",
            "referral.plan_agreed"
        ],
        "{view}"
    );

    // The sheet to hand to the person, as the page's download.
    let sheet = app.get(&format!("{one}/sheet.pdf"), &[("authorization", gp.as_str())]).await;
    assert_eq!(sheet.status(), 200);
    assert_eq!(sheet.headers().get("content-type").unwrap(), "application/pdf");
    assert_eq!(sheet.headers().get("cache-control").unwrap(), "no-store");
    assert!(text(sheet).await.starts_with("%PDF"));

    // The facility's client cannot prescribe, nor the practice's work the case.
    let (status, _) = call(&app, &lw, Method::GET, "/api/v1/prescriptions", &Value::Null).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, &gp, Method::GET, &steps, &Value::Null).await;
    assert_eq!(status, 403);
});

storage_test!(async fn a_facility_registers_a_person_without_a_prescription_through_the_api(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-intake").await;
    let (lw, _) = client(db, &a, Role::LinkWorker, a.orgs.facility, "case:work").await;
    a.member(db, "api-intake-lotsin", Role::LinkWorker, Some(a.orgs.facility)).await;
    a.member(db, "api-intake-elsewhere", Role::LinkWorker, Some(a.orgs.other_facility)).await;
    let people = count(db, "patient").await;
    let intake = json!({
        "recorded_by": "api-intake-lotsin",
        "person": {"given_name": "Hasan", "family_name": "Yıldız", "birth_date": "1961-02-02", "language": "tr"},
        "source": "pharmacy",
        "consents": {"care": true}
    });

    // Every wrong field named by its JSON path; nothing written.
    let mut bad = intake.clone();
    bad["source"] = json!("prescriber");
    bad["consents"] = json!({"care": false, "witness": true});
    bad["person"]["birth_date"] = json!("1961-02-30");
    let (status, problem) = call(&app, &lw, Method::POST, "/api/v1/cases", &bad).await;
    assert_eq!(status, 400, "{problem}");
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(named, ["consents.witness"], "unknown keys first: {problem}");
    // A person who brings a sheet: its code and their own transfer consent are required.
    bad["consents"] = json!({"care": false});
    let (_, problem) = call(&app, &lw, Method::POST, "/api/v1/cases", &bad).await;
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(
        named,
        ["consents.care", "consents.transfer", "person.birth_date", "prescription_code"],
        "{problem}"
    );
    // The consent is recorded by a link worker of the client's own facility only.
    let mut stranger = intake.clone();
    stranger["recorded_by"] = json!("api-intake-elsewhere");
    let (status, problem) = call(&app, &lw, Method::POST, "/api/v1/cases", &stranger).await;
    assert_eq!((status, fields(&problem)), (400, vec!["recorded_by".to_owned()]), "{problem}");
    assert_eq!(count(db, "patient").await, people, "nothing written");

    let (status, made) = call(&app, &lw, Method::POST, "/api/v1/cases", &intake).await;
    assert_eq!(status, 201, "{made}");
    let case = made["case_id"].as_str().unwrap().to_owned();
    let (status, steps) = call(&app, &lw, Method::GET, &format!("/api/v1/cases/{case}/steps"), &Value::Null).await;
    assert_eq!((status, steps["state"].as_str()), (200, Some("accepted")), "{steps}");

    // The same person again: 409 with the facility's own case; then registered when confirmed.
    let (status, problem) = call(&app, &lw, Method::POST, "/api/v1/cases", &intake).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["type"], "urn:lotse:problem:possible-duplicates");
    assert_eq!(problem["candidates"][0]["name"], "Hasan Yıldız");
    assert_eq!(problem["candidates"][0]["case_ids"], json!([case]));
    let mut confirmed = intake.clone();
    confirmed["confirmed_new"] = json!(true);
    let (status, _) = call(&app, &lw, Method::POST, "/api/v1/cases", &confirmed).await;
    assert_eq!(status, 201);
    assert_eq!(count(db, "patient").await, people + 2);
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_facility_takes_the_person_of_a_closed_case_on_again_through_the_api(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-rerefer").await;
    let (lw, _) = client(db, &a, Role::LinkWorker, a.orgs.facility, "case:work").await;
    let (other, _) = named_client(db, &a, "c-elsewhere", Role::LinkWorker, a.orgs.other_facility, "case:work").await;
    a.member(db, "api-rerefer-lotsin", Role::LinkWorker, Some(a.orgs.facility)).await;
    let intake = json!({
        "recorded_by": "api-rerefer-lotsin",
        "person": {"given_name": "Hasan", "family_name": "Yıldız", "birth_date": "1961-02-02", "language": "tr"},
        "source": "self",
        "consents": {"care": true}
    });
    let (status, made) = call(&app, &lw, Method::POST, "/api/v1/cases", &intake).await;
    assert_eq!(status, 201, "{made}");
    let case = made["case_id"].as_str().unwrap().to_owned();
    let again = format!("/api/v1/cases/{case}/re-referrals");
    let body = json!({"recorded_by": "api-rerefer-lotsin", "source": "social-services", "consents": {"care": true}});

    // Open: 409 naming the state.
    let (status, problem) = call(&app, &lw, Method::POST, &again, &body).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("„Angenommen“"), "{problem}");
    let steps = format!("/api/v1/cases/{case}/steps");
    let (_, doc) = call(&app, &lw, Method::GET, &steps, &Value::Null).await;
    let close = json!({"step": "close", "version": doc["version"], "reason": "goals_met"});
    let (status, taken) = call(&app, &lw, Method::POST, &steps, &close).await;
    assert_eq!(status, 200, "{taken}");

    // Every wrong field named; a malformed id; another facility's client: nothing written.
    let people = count(db, "patient").await;
    let cases = count(db, "case_file").await;
    let bad = json!({"recorded_by": "api-rerefer-lotsin", "source": "prescriber", "consents": {"care": false, "transfer": true}});
    let (status, problem) = call(&app, &lw, Method::POST, &again, &bad).await;
    assert_eq!((status, fields(&problem)), (400, vec!["consents.transfer".to_owned()]), "{problem}");
    let bad = json!({"recorded_by": "api-rerefer-lotsin", "source": "prescriber", "consents": {"care": false}});
    let (_, problem) = call(&app, &lw, Method::POST, &again, &bad).await;
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(named, ["consents.care", "source"], "{problem}");
    let (status, _) = call(&app, &lw, Method::POST, "/api/v1/cases/not-an-id/re-referrals", &body).await;
    assert_eq!(status, 400);
    let (status, _) = call(&app, &other, Method::POST, &again, &body).await;
    assert_eq!(status, 404);
    assert_eq!((count(db, "patient").await, count(db, "case_file").await), (people, cases));

    let (status, made) = call(&app, &lw, Method::POST, &again, &body).await;
    assert_eq!(status, 201, "{made}");
    let new_case = made["case_id"].as_str().unwrap().to_owned();
    assert_ne!(new_case, case);
    let (status, doc) = call(&app, &lw, Method::GET, &format!("/api/v1/cases/{new_case}/steps"), &Value::Null).await;
    assert_eq!((status, doc["state"].as_str()), (200, Some("accepted")), "{doc}");
    assert_eq!((count(db, "patient").await, count(db, "case_file").await), (people, cases + 1), "the same person");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_facility_sends_an_onward_referral_and_records_the_providers_answer_through_the_api(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-onward").await;
    let (lw, actor) = client(db, &a, Role::LinkWorker, a.orgs.facility, "case:work").await;
    a.member(db, "api-onward-lotsin", Role::LinkWorker, Some(a.orgs.facility)).await;
    a.member(db, "api-onward-elsewhere", Role::LinkWorker, Some(a.orgs.other_facility)).await;
    let case = a.case;

    // The person accepts another offer of the directory.
    let mut tx = db.db.begin_read().await.unwrap();
    let offers = lotse_store::offer::load_offers(&mut tx, &a.scope).await.unwrap();
    tx.commit().await.unwrap();
    let other = offers.iter().find(|o| o.offer.id != a.offer).unwrap();
    let shortlist = format!("/api/v1/cases/{case}/shortlist");
    let offer = json!({"offer_id": other.offer.id.as_uuid().to_string()});
    let (_, entry) = call(&app, &lw, Method::POST, &shortlist, &offer).await;
    let id = entry["onward_referral_id"].as_str().unwrap().to_owned();
    let (status, _) = call(&app, &lw, Method::POST, &format!("{shortlist}/{id}"), &json!({"version": 1, "answer": "accept"})).await;
    assert_eq!(status, 200);

    let onward = format!("/api/v1/cases/{case}/onward-referrals/{id}");
    let (status, doc) = call(&app, &lw, Method::GET, &onward, &Value::Null).await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!((doc["state"].as_str(), doc["sendable"].as_bool()), (Some("accepted"), Some(true)), "{doc}");
    assert!(doc["shared_fields"].is_null(), "{doc}");
    assert_eq!(doc["answers"], json!(["decline", "attended", "did_not_attend"]));

    // Every wrong field named, nothing written; then sent with the link in the answer only.
    let capabilities = count(db, "capability").await;
    for (body, wrong) in [
        (json!({"version": 2, "shared_fields": [], "given_by": "person", "recorded_by": "api-onward-lotsin"}), vec!["shared_fields"]),
        (json!({"version": 2, "shared_fields": ["name", "iban"], "given_by": "neighbour", "recorded_by": "api-onward-lotsin"}), vec!["given_by", "shared_fields"]),
        (json!({"version": 2, "shared_fields": ["name"], "given_by": "person", "recorded_by": "api-onward-elsewhere"}), vec!["recorded_by"]),
    ] {
        let (status, problem) = call(&app, &lw, Method::POST, &format!("{onward}/send"), &body).await;
        let mut named = fields(&problem);
        named.sort();
        assert_eq!((status, named), (400, wrong.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()), "{problem}");
    }
    assert_eq!(count(db, "capability").await, capabilities);
    let send = json!({"version": 2, "shared_fields": ["phone"], "given_by": "legal_representative", "recorded_by": "api-onward-lotsin"});
    let (status, sent) = call(&app, &lw, Method::POST, &format!("{onward}/send"), &send).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!((sent["state"].as_str(), sent["version"].as_i64()), (Some("sent"), Some(3)));
    let link = sent["link_path"].as_str().unwrap().to_owned();
    assert!(link.starts_with("/r/") && link.len() == 3 + 96, "{link}");
    assert_eq!(app.get(&link, &[]).await.status(), 200, "the provider's page opens");
    let (status, problem) = call(&app, &lw, Method::POST, &format!("{onward}/send"), &send).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("jetzt „An den Träger gesendet“"), "{problem}");
    let (_, doc) = call(&app, &lw, Method::GET, &onward, &Value::Null).await;
    assert_eq!(doc["shared_fields"], json!(["phone"]));

    // The provider's own software reads the link and accepts, without an account.
    let token = link.trim_start_matches("/r/");
    let (status, shown) = call(&app, "", Method::GET, &format!("/api/v1/provider-links/{token}"), &Value::Null).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["person"], json!({"name": null, "phone": PERSON_PHONE, "language": null, "needs": null}));
    assert_eq!(shown["answers"], json!(["accept", "decline", "attended", "did_not_attend"]));
    let answers_link = format!("/api/v1/provider-links/{token}/answers");
    let (status, answered) = call(&app, "", Method::POST, &answers_link, &json!({"version": 3, "answer": "accept"})).await;
    assert_eq!((status, answered["state"].as_str()), (200, Some("acknowledged")), "{answered}");
    let (status, problem) = call(&app, "", Method::POST, &answers_link, &json!({"version": 3, "answer": "attended"})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("jetzt „Vom Träger bestätigt“"), "{problem}");
    let (status, _) = call(&app, "", Method::GET, "/api/v1/provider-links/0123", &Value::Null).await;
    assert_eq!(status, 404, "a wrong link is no link");

    // The client renews the provider's link: the old one stops, the new one works.
    let links = format!("{onward}/links");
    let (status, problem) = call(&app, &lw, Method::POST, &links, &json!({"change": "forget"})).await;
    assert_eq!((status, fields(&problem)), (400, vec!["change".to_owned()]), "{problem}");
    let (status, renewed) = call(&app, &lw, Method::POST, &links, &json!({"change": "renew"})).await;
    assert_eq!(status, 200, "{renewed}");
    let (status, _) = call(&app, "", Method::GET, &format!("/api/v1/provider-links/{token}"), &Value::Null).await;
    assert_eq!(status, 404, "the old link stopped");
    let link = renewed["link_path"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&link, &[]).await.status(), 200, "the new link opens");
    assert!(renewed["link_expires_at"].is_string());

    // The provider's answer by phone: a decline needs its reason; then recorded as the client.
    let answers = format!("{onward}/provider-answers");
    let (status, problem) = call(&app, &lw, Method::POST, &answers, &json!({"version": 4, "answer": "decline"})).await;
    assert_eq!((status, fields(&problem)), (400, vec!["reason".to_owned()]), "{problem}");
    let (status, problem) = call(&app, &lw, Method::POST, &answers, &json!({"version": 4, "answer": "maybe"})).await;
    assert_eq!((status, fields(&problem)), (400, vec!["answer".to_owned()]), "{problem}");
    let body = json!({"version": 4, "answer": "decline", "reason": "full"});
    let (status, problem) = call(&app, &lw, Method::POST, &answers, &body).await;
    assert_eq!(status, 409, "acknowledged: too late to decline: {problem}");
    let (status, answered) = call(&app, &lw, Method::POST, &answers, &json!({"version": 4, "answer": "did_not_attend"})).await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!((answered["state"].as_str(), answered["version"].as_i64()), (Some("did_not_attend"), Some(5)));
    let (status, problem) = call(&app, &lw, Method::POST, &answers, &json!({"version": 5, "answer": "attended"})).await;
    assert_eq!(status, 409, "{problem}");
    let mut tx = db.db.begin_read().await.unwrap();
    let onward_id = uuid::Uuid::parse_str(&id).unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &a.scope, "onward_referral", onward_id).await.unwrap();
    tx.commit().await.unwrap();
    let channels: Vec<(String, String)> = events
        .iter()
        .skip(3)
        .map(|e| (e.actor.clone(), e.payload["channel"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(channels[1], (actor.clone(), "recorded_by_link_worker".to_owned()));
    assert!(channels[0].0.starts_with("capability:") && channels[0].1 == "signed_link", "{channels:?}");
    // The provider's link after a final answer by phone: nothing left to answer.
    let page = text(app.get(&link, &[("accept-language", "de")]).await).await;
    assert!(page.contains("Jetzt ist nichts zu beantworten"), "{page}");
});

storage_test!(async fn a_providers_own_software_answers_an_onward_referral_with_its_account(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-provider").await;
    let (pv, actor) = client(db, &a, Role::OfferProvider, a.orgs.provider, "case:read,onward:answer").await;
    let (elsewhere, _) = named_client(db, &a, "elsewhere", Role::OfferProvider, a.orgs.other_provider, "onward:answer").await;
    let (read_only, _) = named_client(db, &a, "read-only", Role::OfferProvider, a.orgs.provider, "case:read").await;

    // The case lists the onward referral shared with the provider, with its version.
    let (status, case) = call(&app, &pv, Method::GET, &format!("/api/v1/cases/{}", a.case), &Value::Null).await;
    assert_eq!(status, 200, "{case}");
    let onward_id = a.onward.to_string();
    let line = case["onward_referrals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o.as_object().unwrap().values().any(|v| v.as_str() == Some(onward_id.as_str())))
        .unwrap_or_else(|| panic!("the onward referral in {case}"))
        .clone();
    let version = line["version"].as_i64().unwrap();
    assert_eq!(version, 4, "{line}");

    let answers = format!("/api/v1/onward-referrals/{onward_id}/answers");
    // Wrong fields are named; another provider does not find it; without the scope: 403.
    let (status, problem) = call(&app, &pv, Method::POST, &answers, &json!({"version": 4, "answer": "maybe"})).await;
    assert_eq!((status, fields(&problem)), (400, vec!["answer".to_owned()]), "{problem}");
    let (status, problem) = call(&app, &pv, Method::POST, &answers, &json!({"version": 0, "answer": "attended"})).await;
    assert_eq!((status, fields(&problem)), (400, vec!["version".to_owned()]), "{problem}");
    let (status, _) = call(&app, &elsewhere, Method::POST, &answers, &json!({"version": 4, "answer": "attended"})).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &read_only, Method::POST, &answers, &json!({"version": 4, "answer": "attended"})).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, &pv, Method::POST, "/api/v1/onward-referrals/not-an-id/answers", &json!({"version": 4, "answer": "attended"})).await;
    assert_eq!(status, 400);

    // Attendance, written as the client with the channel provider_account; then stale: 409.
    let (status, answered) = call(&app, &pv, Method::POST, &answers, &json!({"version": 4, "answer": "attended"})).await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!((answered["state"].as_str(), answered["version"].as_i64()), (Some("attending"), Some(5)));
    let (status, problem) = call(&app, &pv, Method::POST, &answers, &json!({"version": 4, "answer": "stopped"})).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("„"), "the state is named: {problem}");
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &a.scope, "onward_referral", a.onward.as_uuid()).await.unwrap();
    tx.commit().await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.actor, actor);
    assert_eq!(last.payload["channel"].as_str(), Some("provider_account"), "{}", last.payload);
});

storage_test!(async fn a_facility_reads_and_saves_the_search_profile_through_the_api(db) {
    let app = TestApp::new(db).await;
    let a = World::build(db, "api-profile").await;
    let (lw, _) = client(db, &a, Role::LinkWorker, a.orgs.facility, "case:work").await;
    let (other, _) = named_client(db, &a, "c-profile-elsewhere", Role::LinkWorker, a.orgs.other_facility, "case:work").await;
    a.member(db, "api-profile-lotsin", Role::LinkWorker, Some(a.orgs.facility)).await;
    let path = format!("/api/v1/cases/{}/search-profile", a.case);

    let (status, empty) = call(&app, &lw, Method::GET, &path, &Value::Null).await;
    assert_eq!((status, empty["version"].as_i64(), empty["max_cost"].is_null()), (200, Some(0), true), "{empty}");
    let profile = json!({
        "author": "api-profile-lotsin", "version": 0, "interests": ["sport", "group"], "max_distance_km": 5,
        "accessibility": ["step-free"], "max_cost": "reduced", "free_times": ["4-afternoon", "2-morning"]
    });
    // Every wrong field named; nothing saved.
    let mut bad = profile.clone();
    bad["max_distance_km"] = json!(0);
    bad["interests"] = json!(["opera"]);
    bad["free_times"] = json!("2-morning");
    let (status, problem) = call(&app, &lw, Method::PUT, &path, &bad).await;
    assert_eq!((status, fields(&problem)), (400, vec!["free_times".to_owned()]), "the wrong type first: {problem}");
    bad["free_times"] = json!([]);
    let (_, problem) = call(&app, &lw, Method::PUT, &path, &bad).await;
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(named, ["interests", "max_distance_km"], "{problem}");

    let (status, saved) = call(&app, &lw, Method::PUT, &path, &profile).await;
    assert_eq!((status, saved["version"].as_i64()), (200, Some(1)), "{saved}");
    let (_, read) = call(&app, &lw, Method::GET, &path, &Value::Null).await;
    assert_eq!(read["interests"], json!(["group", "sport"]), "in the order of the categories: {read}");
    assert_eq!(read["free_times"], json!(["2-morning", "4-afternoon"]), "{read}");
    assert_eq!((read["max_distance_km"].as_i64(), read["max_cost"].as_str()), (Some(5), Some("reduced")));
    // The search from the case applies it: step-free access needed, and neither offer of the
    // world says it has it; without the profile both are found.
    let (reader, _) = named_client(db, &a, "c-profile-reader", Role::LinkWorker, a.orgs.facility, "case:read").await;
    let offers = format!("/api/v1/cases/{}/offers", a.case);
    let (status, found) = call(&app, &reader, Method::GET, &offers, &Value::Null).await;
    assert_eq!((status, found["total"].as_u64()), (200, Some(0)), "{found}");
    let (status, found) = call(&app, &reader, Method::GET, &format!("{offers}?profile=off&per_page=5"), &Value::Null).await;
    assert_eq!((status, found["total"].as_u64()), (200, Some(2)), "{found}");
    let (status, problem) = call(&app, &reader, Method::GET, &format!("{offers}?profile=maybe"), &Value::Null).await;
    assert_eq!((status, fields(&problem)), (400, vec!["profile".to_owned()]), "{problem}");
    let (status, _) = call(&app, &other, Method::GET, &offers, &Value::Null).await;
    assert_eq!(status, 403, "the scope case:work does not read");
    // A stale version: 409, nothing changed.
    let (status, problem) = call(&app, &lw, Method::PUT, &path, &profile).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().to_lowercase().contains("version 1"), "{problem}");
    // Another facility's client: not found, for reading and writing.
    let (status, _) = call(&app, &other, Method::GET, &path, &Value::Null).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &other, Method::PUT, &path, &profile).await;
    assert_eq!(status, 404);
    db.assert_audit_chains_intact().await;
});
