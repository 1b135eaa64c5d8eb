//! The prescriber's minute on both engines: a prescription with transfer consent reaches the
//! facility's worklist and the practice's board; without it nothing leaves the practice;
//! duplicates are offered only among the practice's own people; bad input writes nothing; the
//! suggested facility is one for the person's age group, nearest their home.

use lotse_app::FixedClock;
use lotse_app::case_record;
use lotse_app::prescribe::{self, PrescribeError, PrescribeForm};
use lotse_domain::field::FieldProblem;
use lotse_domain::prescribing::{ConsentInput, PrescriptionInput, RegistrationInput};
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};

use crate::data_protection::as_member;

fn form(world: &World, family: &str, transfer: bool) -> PrescribeForm {
    PrescribeForm {
        patient: None,
        person: RegistrationInput {
            given_name: "Erika".into(),
            family_name: family.into(),
            birth_date: "1948-05-17".into(),
            phone: "0211 998877".into(),
            postcode: String::new(),
            language: "tr".into(),
            other_languages: vec!["de".into()],
            gender: "female".into(),
        },
        confirmed_new: false,
        prescriber: String::new(),
        prescription: PrescriptionInput {
            need_domains: vec!["loneliness".into(), "physical-activity".into()],
            reason: "Vereinsamt seit dem Umzug der Tochter".into(),
            urgency: "soon".into(),
            link_facility: if transfer {
                world.orgs.facility.to_string()
            } else {
                String::new()
            },
            consents: ConsentInput {
                transfer,
                care: transfer,
                research: false,
                given_by: "person".into(),
            },
        },
    }
}

async fn count(db: &TestDb, table: &str) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(p).await)
        .unwrap()
}

storage_test!(async fn a_prescription_with_transfer_reaches_the_facility_and_the_board(db) {
    let world = World::build(db, "rx-transfer").await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await;
    let at_facility = as_member(db, &world, "lotsin-a", Role::LinkWorker, Some(world.orgs.facility)).await;
    let elsewhere = as_member(db, &world, "lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)).await;

    let done = prescribe::prescribe(&db.db, &clock, &gp, &form(&world, "Yılmaz", true)).await.unwrap();
    let case = done.case.expect("a case at the facility");
    assert!(done.referral.is_some());

    let board = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap().rows;
    let row = board.iter().find(|r| r.prescription == done.prescription).expect("on the board");
    assert_eq!((row.state.as_deref(), row.urgency.as_str()), (Some("issued"), "soon"));
    assert_eq!(row.family_name, "Yılmaz");
    assert_eq!(row.link_facility, Some(world.orgs.facility));

    let listed = |rows: &[case_record::WorklistRow]| rows.iter().any(|r| r.case == case && r.state == "issued");
    assert!(listed(&case_record::worklist(&db.db, &clock, &at_facility, 100).await.unwrap()));
    assert!(!listed(&case_record::worklist(&db.db, &clock, &elsewhere, 100).await.unwrap()));
    let record = case_record::view_case(&db.db, &clock, &at_facility, case).await.unwrap();
    assert_eq!(record.identity.given_name, "Erika");
    assert_eq!(record.timeline.iter().filter(|t| t.kind == "referral.issued").count(), 1);
    assert_eq!(record.consents.len(), 2, "transfer and care");
    // What the prescriber asked for reaches the link worker, the reason opened for them.
    let line = &record.prescriptions[0];
    assert_eq!(
        (line.need_domains.as_str(), line.urgency.as_str(), line.reason.as_deref()),
        ("loneliness,physical-activity", "soon", Some("Vereinsamt seit dem Umzug der Tochter"))
    );
    // The prescribing practice reads its own reason; another practice's doctor sees no case.
    let from_practice = case_record::view_case(&db.db, &clock, &gp, case).await.unwrap();
    assert_eq!(from_practice.visibility, lotse_domain::policy::Visibility::Prescriber);
    assert_eq!(from_practice.prescriptions[0].reason.as_deref(), Some("Vereinsamt seit dem Umzug der Tochter"));
    let other_gp = as_member(db, &world, "dr-c", Role::Prescriber, Some(world.orgs.other_practice)).await;
    assert!(case_record::view_case(&db.db, &clock, &other_gp, case).await.is_err());

    let view = prescribe::view(&db.db, &clock, &gp, done.prescription).await.unwrap();
    assert_eq!(view.code, done.code);
    assert_eq!(view.language, "tr");
    assert_eq!(view.timeline.len(), 1);
    // The sheet prints the consents given with it (no research here), with their text's version.
    let version = lotse_domain::prescribing::CONSENT_TEXT_VERSION.to_owned();
    let (transfer, care) = (lotse_domain::consent::ConsentPurpose::Transfer, lotse_domain::consent::ConsentPurpose::Care);
    assert_eq!(view.consents, [(transfer, version.clone()), (care, version)]);

    // The reason is sealed: its bytes are not the text.
    let stored: Vec<u8> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select reason from prescription_reason")
        .fetch_one(p)
        .await)
    .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("Umzug"));
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn the_board_shows_the_latest_change_first(db) {
    let world = World::build(db, "rx-order").await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await;
    let lotsin = as_member(db, &world, "lotsin-a", Role::LinkWorker, Some(world.orgs.facility)).await;
    let mut issued = Vec::new();
    for (family, transfer) in [("Erste", true), ("Zweite", true), ("Dritte", false)] {
        issued.push(prescribe::prescribe(&db.db, &clock, &gp, &form(&world, family, transfer)).await.unwrap());
        clock.advance(time::Duration::hours(1));
    }
    let order = |board: &[lotse_app::prescribe::BoardRow]| -> Vec<String> {
        board
            .iter()
            .filter(|r| issued.iter().any(|i| i.prescription == r.prescription))
            .map(|r| r.family_name.clone())
            .collect()
    };
    let board = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap().rows;
    assert_eq!(order(&board), ["Dritte", "Zweite", "Erste"], "newest issue first");
    // The first person's referral is accepted later: it moves to the top.
    let first = issued.first().and_then(|i| i.case).unwrap();
    lotse_app::referral_work::accept(&db.db, &clock, &lotsin, first, 1).await.unwrap();
    let board = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap().rows;
    assert_eq!(order(&board), ["Erste", "Dritte", "Zweite"], "the latest change first");
    let row = board.iter().find(|r| r.family_name == "Erste").unwrap();
    assert_eq!((row.state.as_deref(), row.updated_at), (Some("accepted"), fixed_now() + time::Duration::hours(3)));
    // A limit keeps the first rows of that order.
    let top = prescribe::board(&db.db, &clock, &gp, None, 1).await.unwrap();
    assert_eq!((order(&top.rows), top.more), (vec!["Erste".to_owned()], true));
    // Page by page (one row each, after the last row shown) gives the whole board in the same
    // order, every page but the last saying that more follow.
    let whole = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap();
    assert!(!whole.more);
    let mut paged = top.rows.clone();
    let mut mores = vec![top.more];
    while let Some(cursor) = paged.last().map(|r| r.prescription).filter(|_| mores.last() == Some(&true)) {
        let page = prescribe::board(&db.db, &clock, &gp, Some(cursor), 1).await.unwrap();
        mores.push(page.more);
        paged.extend(page.rows);
    }
    let ids = |rows: &[lotse_app::prescribe::BoardRow]| rows.iter().map(|r| r.prescription).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&whole.rows));
    assert_eq!(mores.len(), whole.rows.len(), "one page per row");
    assert_eq!(mores.iter().filter(|m| **m).count(), whole.rows.len() - 1, "the last page says none follow");
    assert_eq!(order(&paged), ["Erste", "Dritte", "Zweite"]);
    let rest = prescribe::board(&db.db, &clock, &gp, issued.first().map(|i| i.prescription), 100).await.unwrap();
    assert_eq!((order(&rest.rows), rest.more), (vec!["Dritte".to_owned(), "Zweite".to_owned()], false));
    assert_eq!(ids(&rest.rows), ids(&whole.rows[1..]), "after the first row: all the others");
    // Another practice's prescription as the cursor gives nothing.
    let other = as_member(db, &world, "dr-other", Role::Prescriber, Some(world.orgs.other_practice)).await;
    let theirs = prescribe::board(&db.db, &clock, &other, issued.first().map(|i| i.prescription), 5).await.unwrap();
    assert_eq!((theirs.rows.len(), theirs.more), (0, false));
});

storage_test!(async fn without_transfer_consent_nothing_leaves_the_practice(db) {
    let world = World::build(db, "rx-local").await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await;
    let at_facility = as_member(db, &world, "lotsin-a", Role::LinkWorker, Some(world.orgs.facility)).await;
    let (cases, referrals) = (count(db, "case_file").await, count(db, "referral").await);
    let before = case_record::worklist(&db.db, &clock, &at_facility, 100).await.unwrap().len();

    let done = prescribe::prescribe(&db.db, &clock, &gp, &form(&world, "Lokal", false)).await.unwrap();
    assert_eq!((done.case, done.referral), (None, None));
    assert_eq!((count(db, "case_file").await, count(db, "referral").await), (cases, referrals));
    assert_eq!(case_record::worklist(&db.db, &clock, &at_facility, 100).await.unwrap().len(), before);
    let board = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap().rows;
    let row = board.iter().find(|r| r.prescription == done.prescription).expect("on the board");
    assert_eq!((row.state.as_deref(), row.link_facility), (None, None));
    // Another practice does not see it.
    let other = as_member(db, &world, "dr-c", Role::Prescriber, Some(world.orgs.other_practice)).await;
    let theirs = prescribe::board(&db.db, &clock, &other, None, 100).await.unwrap().rows;
    assert!(theirs.iter().all(|r| r.prescription != done.prescription));
    let peek = prescribe::view(&db.db, &clock, &other, done.prescription).await;
    assert!(matches!(peek, Err(PrescribeError::NotFound)), "{peek:?}");
});

storage_test!(async fn a_person_who_brings_the_code_is_taken_on_with_their_own_consent(db) {
    use lotse_app::intake::{self, Intake, IntakeForm};
    use lotse_app::referral_work::WorkError;

    let world = World::build(db, "rx-brought").await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await;
    let lotsin = as_member(db, &world, "lotsin-a", Role::LinkWorker, Some(world.orgs.facility)).await;
    let kept = prescribe::prescribe(&db.db, &clock, &gp, &form(&world, "Demir", false)).await.unwrap();
    let sent = prescribe::prescribe(&db.db, &clock, &gp, &form(&world, "Gesendet", true)).await.unwrap();
    let brought = |family: &str, birth_date: &str, code: &str, transfer: bool| IntakeForm {
        person: RegistrationInput {
            given_name: "ERIKA".into(),
            family_name: family.into(),
            birth_date: birth_date.into(),
            language: "tr".into(),
            ..RegistrationInput::default()
        },
        source: "prescriber".into(),
        prescription_code: code.into(),
        transfer,
        care: true,
        research: false,
        given_by: String::new(),
        confirmed_new: false,
    };
    let refused = |result: Result<Intake, WorkError>| match result {
        Err(WorkError::Invalid(errors)) => errors.into_iter().map(|e| (e.field, e.problem)).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let denials = "audit_entry where action = 'access_denied' and object_kind = 'prescription'";
    let (people, referrals) = (count(db, "patient").await, count(db, "referral").await);
    let code = kept.code.to_string();

    // No code, no transfer consent: both named; a code that is no code reads like a wrong one.
    let none = intake::register(&db.db, &clock, &lotsin, &brought("Demir", "1948-05-17", " ", false)).await;
    assert_eq!(
        refused(none),
        [
            ("consent_transfer".to_owned(), FieldProblem::ConsentRequired),
            ("prescription_code".to_owned(), FieldProblem::Required)
        ]
    );
    let garbled = intake::register(&db.db, &clock, &lotsin, &brought("Demir", "1948-05-17", "LOTSE", true)).await;
    assert_eq!(refused(garbled), [("prescription_code".to_owned(), FieldProblem::CodeNotForPerson)]);
    // The code alone opens nothing: with another birth date it is refused as an unknown code
    // would be, and the attempt is audited as a denied access to that prescription.
    let audited = count(db, denials).await;
    let other_person = intake::register(&db.db, &clock, &lotsin, &brought("Demir", "1948-05-18", &code, true)).await;
    assert_eq!(refused(other_person), [("prescription_code".to_owned(), FieldProblem::CodeNotForPerson)]);
    assert_eq!(count(db, denials).await, audited + 1);
    assert_eq!((count(db, "patient").await, count(db, "referral").await), (people, referrals), "nothing written");

    // The person's own code, name and birth date (spelt otherwise): taken on, for the person
    // the practice registered, with a referral made from the prescription.
    let Intake::Registered(case) =
        intake::register(&db.db, &clock, &lotsin, &brought("DEMIR", "17.05.1948", &code.to_lowercase(), true))
            .await
            .unwrap()
    else {
        panic!("the prescription is the person's");
    };
    assert_eq!((count(db, "patient").await, count(db, "referral").await), (people, referrals + 1));
    let (source, prescription, patient): (String, uuid::Uuid, uuid::Uuid) = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select source, prescription_id, patient_id from referral where case_id = $1")
        .bind(case.as_uuid()).fetch_one(p).await).unwrap();
    assert_eq!((source.as_str(), prescription, patient), ("prescriber", kept.prescription.as_uuid(), kept.patient.as_uuid()));
    let record = case_record::view_case(&db.db, &clock, &lotsin, case).await.unwrap();
    assert_eq!(record.identity.family_name, "Demir", "the practice's record, not a second one");
    let mut purposes: Vec<&str> = record.consents.iter().map(|c| c.purpose.code()).collect();
    purposes.sort_unstable();
    assert_eq!(purposes, ["care", "transfer"], "given at the facility");
    assert!(record.consents.iter().all(|c| c.given_at == fixed_now() && c.language == "tr"));
    assert_eq!(record.prescriptions[0].reason.as_deref(), Some("Vereinsamt seit dem Umzug der Tochter"));
    // The practice's board follows it now.
    let board = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap().rows;
    let row = board.iter().find(|r| r.prescription == kept.prescription).unwrap();
    assert_eq!((row.state.as_deref(), row.link_facility), (Some("accepted"), Some(world.orgs.facility)));

    // Once taken on, or sent by the practice already: refused, nothing written.
    let again = intake::register(&db.db, &clock, &lotsin, &brought("Demir", "1948-05-17", &code, true)).await;
    assert_eq!(refused(again), [("prescription_code".to_owned(), FieldProblem::AlreadyReferred)]);
    let sent_code = sent.code.to_string();
    let twice = intake::register(&db.db, &clock, &lotsin, &brought("Gesendet", "1948-05-17", &sent_code, true)).await;
    assert_eq!(refused(twice), [("prescription_code".to_owned(), FieldProblem::AlreadyReferred)]);
    assert_eq!((count(db, "patient").await, count(db, "referral").await), (people, referrals + 1));
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn duplicates_are_offered_only_among_the_practices_own_people(db) {
    let world = World::build(db, "rx-dup").await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await;
    let other = as_member(db, &world, "dr-c", Role::Prescriber, Some(world.orgs.other_practice)).await;
    let first = prescribe::prescribe(&db.db, &clock, &gp, &form(&world, "Müller", true)).await.unwrap();

    // The same person, spelt otherwise: offered to the practice that knows her.
    let mut again = form(&world, "MUELLER", true);
    again.person.given_name = " erika ".into();
    let reads_before = count_identity_reads(db, first.patient).await;
    let Err(PrescribeError::PossibleDuplicates(known)) = prescribe::prescribe(&db.db, &clock, &gp, &again).await else {
        panic!("expected the practice's own person to be offered");
    };
    assert_eq!(known.len(), 1);
    assert_eq!(count_identity_reads(db, first.patient).await, reads_before + 1, "showing her name is an audited read");
    assert_eq!(known[0].patient, first.patient);
    assert_eq!(known[0].name, "Erika Müller");

    // Choosing her prescribes again for the same person.
    again.patient = Some(first.patient);
    let second = prescribe::prescribe(&db.db, &clock, &gp, &again).await.unwrap();
    assert_eq!(second.patient, first.patient);
    assert_ne!(second.code, first.code);

    // Another practice is told nothing: the person is registered anew.
    let theirs = prescribe::prescribe(&db.db, &clock, &other, &form(&world, "Müller", false)).await.unwrap();
    assert_ne!(theirs.patient, first.patient);
    // And it cannot choose her by id; the attempt is audited.
    let denied_before: i64 = count_denials(db).await;
    let mut steal = form(&world, "x", false);
    steal.patient = Some(first.patient);
    let refused = prescribe::prescribe(&db.db, &clock, &other, &steal).await;
    assert!(matches!(refused, Err(PrescribeError::NotFound)), "{refused:?}");
    assert_eq!(count_denials(db).await, denied_before + 1);

    // Confirmed as someone else: registered anew.
    let mut new = form(&world, "Müller", true);
    new.confirmed_new = true;
    let twin = prescribe::prescribe(&db.db, &clock, &gp, &new).await.unwrap();
    assert_ne!(twin.patient, first.patient);
});

/// Audited reads of a person (an entry about them alone, or one listing them).
pub(crate) async fn count_identity_reads(db: &TestDb, patient: lotse_domain::id::PatientId) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from audit_entry e where e.action = 'read' and e.object_kind = 'patient' and (e.object_id = $1 \
         or exists (select 1 from audit_object o where o.programme_key = e.programme_key and o.seq = e.seq and o.object_id = $1))",
    )
    .bind(patient.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap()
}

async fn count_denials(db: &TestDb) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry where action = 'access_denied'")
        .fetch_one(p)
        .await)
    .unwrap()
}

storage_test!(async fn bad_input_names_every_field_and_writes_nothing(db) {
    let world = World::build(db, "rx-bad").await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await;
    let tables = ["patient", "prescription", "consent", "case_file", "referral", "event"];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(db, t).await);
    }

    let mut bad = form(&world, "", true);
    bad.person.birth_date = "2099-01-01".into();
    bad.prescription.need_domains = vec![];
    let Err(PrescribeError::Invalid(errors)) = prescribe::prescribe(&db.db, &clock, &gp, &bad).await else {
        panic!("expected field errors");
    };
    let named: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.problem)).collect();
    assert_eq!(
        named,
        [
            ("family_name", FieldProblem::Required),
            ("birth_date", FieldProblem::DateInFuture),
            ("need_domains", FieldProblem::Required),
        ]
    );

    // A practice is not a link facility; an unknown postcode is named.
    let mut wrong = form(&world, "Falsch", true);
    wrong.prescription.link_facility = world.orgs.practice.to_string();
    wrong.person.postcode = "99999".into();
    let Err(PrescribeError::Invalid(errors)) = prescribe::prescribe(&db.db, &clock, &gp, &wrong).await else {
        panic!("expected field errors");
    };
    let named: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.problem)).collect();
    assert_eq!(
        named,
        [("link_facility", FieldProblem::UnknownCode), ("postcode", FieldProblem::UnknownPostcode)]
    );

    // A link worker does not prescribe.
    let lotsin = as_member(db, &world, "lotsin-a", Role::LinkWorker, Some(world.orgs.facility)).await;
    let refused = prescribe::prescribe(&db.db, &clock, &lotsin, &form(&world, "Ok", true)).await;
    assert!(matches!(refused, Err(PrescribeError::NotFound)), "{refused:?}");

    for (t, n) in tables.into_iter().zip(before) {
        assert_eq!(count(db, t).await, n, "{t}: nothing half-written");
    }
});

storage_test!(async fn where_practices_do_the_link_work_the_referral_goes_to_the_practice(db) {
    let world = World::build(db, "rx-navigator").await;
    lotse_store::on_pool!(&db.db, p => sqlx::query("update programme set link_work_model = 'practice_navigator' where programme_id = $1")
        .bind(world.programme.id.as_uuid())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-n", Role::Prescriber, Some(world.orgs.practice)).await;
    let navigator = as_member(db, &world, "navigator", Role::LinkWorker, Some(world.orgs.practice)).await;

    let choices = prescribe::form_choices(&db.db, &gp).await.unwrap();
    assert_eq!(choices.facilities.iter().map(|f| f.0).collect::<Vec<_>>(), [world.orgs.practice]);

    // No facility given: the practice's own navigator takes it.
    let mut own = form(&world, "Navigator", true);
    own.prescription.link_facility = String::new();
    let done = prescribe::prescribe(&db.db, &clock, &gp, &own).await.unwrap();
    let case = done.case.expect("a case at the practice");
    let rows = case_record::worklist(&db.db, &clock, &navigator, 100).await.unwrap();
    assert!(rows.iter().any(|r| r.case == case && r.state == "issued"), "on the navigator's worklist");

    // A link facility is not where this programme's referrals go.
    let elsewhere = form(&world, "Anderswo", true);
    let Err(PrescribeError::Invalid(errors)) = prescribe::prescribe(&db.db, &clock, &gp, &elsewhere).await else {
        panic!("expected the facility to be refused");
    };
    assert_eq!(errors[0].field, "link_facility");
});

/// Two quarters on one line of longitude, about 6 km apart, each with a postcode: the facility
/// in the south, the other facility in the north.
async fn places(db: &TestDb, world: &World) {
    use lotse_domain::area::{Area, AreaKind, AreaSet, GeoPoint, Postcode, PostcodeCode};
    use lotse_domain::id::{AreaId, AreaSetId};
    let set = AreaSet {
        id: AreaSetId::from_uuid(uuid::Uuid::new_v4()),
        programme: world.programme.id,
        name: "Quartiere".into(),
    };
    let area = |name: &str, lat: f64| Area {
        id: AreaId::from_uuid(uuid::Uuid::new_v4()),
        programme: world.programme.id,
        area_set: set.id,
        parent: None,
        kind: AreaKind::Quarter,
        name: name.into(),
        centroid: GeoPoint::parse(lat, 6.78).unwrap(),
        deprivation: None,
    };
    let (south, north) = (area("Süd", 51.19), area("Nord", 51.25));
    let postcode = |code: &str, lat: f64| Postcode {
        code: PostcodeCode::parse(code).unwrap(),
        centroid: GeoPoint::parse(lat, 6.78).unwrap(),
        areas: Vec::new(),
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::directory::insert_area_sets(&mut tx, &world.scope, std::slice::from_ref(&set))
        .await
        .unwrap();
    lotse_store::directory::insert_areas(&mut tx, &world.scope, &[south.clone(), north.clone()])
        .await
        .unwrap();
    lotse_store::postcode::upsert_postcodes(
        &mut tx,
        &world.scope,
        &[postcode("40225", 51.19), postcode("40477", 51.245)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (org, area) in [(world.orgs.facility, south.id), (world.orgs.other_facility, north.id)] {
        lotse_store::on_pool!(&db.db, p => sqlx::query("update organisation set area_id = $1 where organisation_id = $2")
            .bind(area.as_uuid())
            .bind(org.as_uuid())
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
    }
}

/// The name of the facility a prescription went to.
async fn facility_of(
    db: &TestDb,
    clock: &FixedClock,
    gp: &lotse_app::principal::Principal,
    done: &prescribe::Prescribed,
) -> Option<String> {
    let view = prescribe::view(&db.db, clock, gp, done.prescription).await.unwrap();
    view.facility.map(|(name, _)| name)
}

/// A new person born on `birth_date`, living at `postcode`, with the suggested facility.
fn suggested(world: &World, family: &str, birth_date: &str, postcode: &str) -> PrescribeForm {
    let mut form = form(world, family, true);
    form.person.birth_date = birth_date.into();
    form.person.postcode = postcode.into();
    form.prescription.link_facility = lotse_domain::prescribing::SUGGEST_FACILITY.into();
    form
}

storage_test!(async fn the_suggested_facility_is_for_the_persons_age_and_nearest_their_home(db) {
    let world = World::build(db, "rx-suggest").await;
    places(db, &world).await;
    let clock = FixedClock::new(fixed_now());
    let gp = as_member(db, &world, "dr-suggest", Role::Prescriber, Some(world.orgs.practice)).await;
    let zentrum = world.programme.slug.as_str();
    lotse_app::admin::set_target_groups(&db.db, &clock, zentrum, "zentrum plus Eins", "older-people").await.unwrap();
    // An older person in the north: the zentrum plus in the south (for their age) before the
    // open place next door.
    let old_north = prescribe::prescribe(&db.db, &clock, &gp, &suggested(&world, "Alt", "1948-05-17", "40477")).await.unwrap();
    assert_eq!(facility_of(db, &clock, &gp, &old_north).await.as_deref(), Some("zentrum plus Eins"));
    // A young person in the south: not the zentrum plus next door, the open place in the north.
    let young = prescribe::prescribe(&db.db, &clock, &gp, &suggested(&world, "Jung", "2001-02-03", "40225")).await.unwrap();
    assert_eq!(facility_of(db, &clock, &gp, &young).await.as_deref(), Some("zentrum plus Zwei"));
    assert!(young.case.is_some(), "the referral went to the suggested facility");

    // Both for older people: the nearest one.
    lotse_app::admin::set_target_groups(&db.db, &clock, zentrum, "zentrum plus Zwei", "older-people, carers").await.unwrap();
    let old_south = prescribe::prescribe(&db.db, &clock, &gp, &suggested(&world, "Süd", "1940-01-01", "40225")).await.unwrap();
    assert_eq!(facility_of(db, &clock, &gp, &old_south).await.as_deref(), Some("zentrum plus Eins"));
    // A person the practice knows, chosen again: their stored age band and home decide.
    let again = PrescribeForm {
        patient: Some(old_north.patient),
        ..suggested(&world, "", "", "")
    };
    let again = prescribe::prescribe(&db.db, &clock, &gp, &again).await.unwrap();
    assert_eq!(facility_of(db, &clock, &gp, &again).await.as_deref(), Some("zentrum plus Zwei"));

    // The operator's command refuses what it does not know, and changes nothing.
    let wrong = lotse_app::admin::set_target_groups(&db.db, &clock, zentrum, "zentrum plus Eins", "pensioners").await;
    assert!(matches!(&wrong, Err(lotse_app::admin::AdminError::Invalid(m)) if m.contains("pensioners") && m.contains("older-people")), "{wrong:?}");
    let unknown = lotse_app::admin::set_target_groups(&db.db, &clock, zentrum, "zentrum plus Drei", "").await;
    assert!(matches!(unknown, Err(lotse_app::admin::AdminError::UnknownOrganisation(_))));
    db.assert_audit_chains_intact().await;
});
