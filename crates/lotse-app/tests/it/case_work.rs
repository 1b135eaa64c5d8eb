//! The link worker's work after the first contact, on both engines: the shortlist from the
//! matching engine with the person's answers, conversation notes (sealed, each read audited,
//! erased with the person), and a concern raised that the practice's board shows at once. Each
//! with the denials: nobody but the link worker holding the case.

use lotse_app::FixedClock;
use lotse_app::action_plan::{self, PlanError};
use lotse_app::case_record;
use lotse_app::clock::Clock;
use lotse_app::conversation;
use lotse_app::directory::{self, Directories};
use lotse_app::offer_search::SearchRequest;
use lotse_app::prescribe;
use lotse_app::principal::Principal;
use lotse_app::questionnaires;
use lotse_app::referral_work::{self, ContactOutcome, WorkError, WorkStep};
use lotse_app::shortlist::{self, PersonAnswer, ShortlistError};
use lotse_domain::action_plan::ActionPlanInput;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::field::FieldProblem;
use lotse_domain::id::{OfferId, OnwardReferralId};
use lotse_domain::next_action::NextActionKind;
use lotse_domain::onward_referral::{DeclineReason, OnwardReferralEvent, OnwardReferralState};
use lotse_domain::referral::{ConcernKind, ReferralEvent, ReferralState};
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};
use uuid::Uuid;

use crate::data_protection::as_member;

async fn link_worker(db: &TestDb, world: &World, name: &str) -> Principal {
    as_member(db, world, name, Role::LinkWorker, Some(world.orgs.facility)).await
}

async fn onward_kinds(db: &TestDb, world: &World, id: OnwardReferralId) -> Vec<String> {
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "onward_referral", id.as_uuid())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    events.into_iter().map(|e| e.kind).collect()
}

/// How many read entries name each note.
async fn note_reads(db: &TestDb, world: &World, notes: &[lotse_store::note::Note]) -> Vec<usize> {
    let mut tx = db.db.begin_read().await.unwrap();
    let mut reads = Vec::new();
    for note in notes {
        let entries =
            lotse_store::audit::list_for_object(&mut tx, &world.scope, ObjectKind::CaseNote, note.id.as_uuid())
                .await
                .unwrap();
        assert!(
            entries.iter().any(|e| e.entry.action == AuditAction::Create.code()),
            "its creation is audited"
        );
        reads.push(
            entries
                .iter()
                .filter(|e| e.entry.action == AuditAction::Read.code())
                .count(),
        );
    }
    tx.commit().await.unwrap();
    reads
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

storage_test!(async fn a_shortlist_from_the_matching_engine_and_the_persons_answers(db) {
    let world = World::build(db, "shortlist").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let issued = world.issued_case(db, "Auswahl", world.orgs.facility).await;

    // The matching engine ranks the programme's offers for the person.
    let dirs = Directories::default();
    let (_, answer) = directory::search_for_case(&db.db, &dirs, &clock, &lotsin, issued.case, &SearchRequest {
        per_page: 10,
        page: 1,
        ..SearchRequest::default()
    }, true)
    .await
    .unwrap();
    let found: Vec<OfferId> = answer.matches.iter().map(|m| m.listing.offer.id).collect();
    assert_eq!(found.len(), 2, "both listed offers of the world");

    // Not before the person was reached: nothing is written.
    let early = shortlist::propose(&db.db, &clock, &lotsin, issued.case, found[0]).await;
    assert!(matches!(early, Err(ShortlistError::NotContacted(ReferralState::Issued))), "{early:?}");
    referral_work::accept(&db.db, &clock, &lotsin, issued.case, 1).await.unwrap();
    referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::Reached, 2).await.unwrap();

    let first = shortlist::propose(&db.db, &clock, &lotsin, issued.case, found[0]).await.unwrap();
    let second = shortlist::propose(&db.db, &clock, &lotsin, issued.case, found[1]).await.unwrap();
    // The same offer again, an unknown offer: a field error on `offer`, nothing written.
    let twice = shortlist::propose(&db.db, &clock, &lotsin, issued.case, found[0]).await;
    let unknown = shortlist::propose(&db.db, &clock, &lotsin, issued.case, OfferId::from_uuid(Uuid::now_v7())).await;
    for (result, problem) in [(twice, FieldProblem::AlreadyShortlisted), (unknown, FieldProblem::UnknownCode)] {
        match result {
            Err(ShortlistError::Invalid(fields)) => {
                assert_eq!((fields[0].field.as_str(), fields[0].problem), ("offer", problem));
            }
            other => panic!("{other:?}"),
        }
    }

    shortlist::answer(&db.db, &clock, &lotsin, issued.case, first, PersonAnswer::Accept, 1).await.unwrap();
    shortlist::answer(
        &db.db,
        &clock,
        &lotsin,
        issued.case,
        second,
        PersonAnswer::Decline(DeclineReason::TooFar),
        1,
    )
    .await
    .unwrap();
    assert_eq!(onward_kinds(db, &world, first).await, ["onward_referral.proposed", "onward_referral.accepted_by_person"]);
    assert_eq!(
        onward_kinds(db, &world, second).await,
        ["onward_referral.proposed", "onward_referral.declined_by_person"]
    );
    // The reason is in the event; the row equals the fold of the events.
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "onward_referral", second.as_uuid())
        .await
        .unwrap();
    let declined: OnwardReferralEvent = lotse_domain::event::from_payload(events[1].payload.clone()).unwrap();
    assert_eq!(declined, OnwardReferralEvent::DeclinedByPerson { reason: DeclineReason::TooFar });
    for id in [first, second] {
        let (row, version) = lotse_store::referral::get_onward(&mut tx, &world.scope, id).await.unwrap();
        let replayed = lotse_store::referral::replay_onward(&mut tx, &world.scope, id).await.unwrap();
        assert_eq!((row, version), (replayed, 2));
    }
    tx.commit().await.unwrap();

    // A stale version is a conflict naming the state now; an answer given is not given again.
    let stale = shortlist::answer(&db.db, &clock, &lotsin, issued.case, first, PersonAnswer::Accept, 1).await;
    assert!(
        matches!(stale, Err(ShortlistError::Conflict { state: OnwardReferralState::Accepted, version: 2 })),
        "{stale:?}"
    );
    let again = shortlist::answer(&db.db, &clock, &lotsin, issued.case, first, PersonAnswer::Accept, 2).await;
    assert!(matches!(again, Err(ShortlistError::Refused(OnwardReferralState::Accepted))), "{again:?}");
    // A declined offer may be proposed again later.
    shortlist::propose(&db.db, &clock, &lotsin, issued.case, found[1]).await.unwrap();
    // An onward referral of another case, through this case's path: not found.
    let foreign = shortlist::answer(&db.db, &clock, &lotsin, issued.case, world.onward, PersonAnswer::Accept, 1).await;
    assert!(matches!(foreign, Err(ShortlistError::NotFound)), "{foreign:?}");
    assert_eq!(onward_kinds(db, &world, first).await.len(), 2, "nothing more written");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn nobody_but_the_holding_link_worker_builds_the_shortlist(db) {
    let world = World::build(db, "shortlist-denied").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    // `world.case` is contacted at the facility; its person has one onward referral already.
    let proposed = shortlist::propose(&db.db, &clock, &lotsin, world.case, world.offer).await;
    assert!(matches!(proposed, Err(ShortlistError::Invalid(_))), "already on it: {proposed:?}");
    let before = count(db, "select count(*) from onward_referral").await;
    let others = [
        as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await,
        as_member(db, &world, "provider", Role::OfferProvider, Some(world.orgs.provider)).await,
        as_member(db, &world, "lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)).await,
        as_member(db, &world, "coord", Role::Coordinator, None).await,
    ];
    let mut tx = db.db.begin_read().await.unwrap();
    let offers = lotse_store::offer::load_offers(&mut tx, &world.scope).await.unwrap();
    tx.commit().await.unwrap();
    let other_offer = offers.iter().map(|o| o.offer.id).find(|id| *id != world.offer).unwrap();
    for who in &others {
        let propose = shortlist::propose(&db.db, &clock, who, world.case, other_offer).await;
        assert!(matches!(propose, Err(ShortlistError::NotFound)), "{propose:?}");
        let answer = shortlist::answer(&db.db, &clock, who, world.case, world.onward, PersonAnswer::Accept, 2).await;
        assert!(matches!(answer, Err(ShortlistError::NotFound)), "{answer:?}");
    }
    assert_eq!(count(db, "select count(*) from onward_referral").await, before, "nothing written");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn notes_are_sealed_each_read_is_audited_and_erasure_deletes_them(db) {
    let world = World::build(db, "notes").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let text = "Möchte wieder singen; der Hund ist ihr wichtig.";
    conversation::add_note(&db.db, &clock, &lotsin, world.case, text, "").await.unwrap();
    clock.advance(time::Duration::minutes(5));
    conversation::add_note(&db.db, &clock, &lotsin, world.case, "  Zweites Gespräch.  ", "").await.unwrap();

    // Sealed at rest: the text is in no column as written.
    let bodies: Vec<Vec<u8>> =
        lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select body from case_note").fetch_all(p).await).unwrap();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|b| !String::from_utf8_lossy(b).contains("singen") && !String::from_utf8_lossy(b).contains("Zweites")));

    let notes = conversation::notes(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap();
    let shown: Vec<&str> = notes.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(shown, ["Zweites Gespräch.", text], "newest first, trimmed");
    assert!(notes[0].author_name.as_deref().is_some_and(|n| n.contains("lotsin-a")), "{:?}", notes[0].author_name);
    // Each note names its reader's read, and its writer's creation.
    let reads = note_reads(db, &world, &notes).await;
    assert_eq!(reads, [1, 1], "one read of each note by its reader");
    // Wrong input names the field; nothing is written.
    for (body, problem) in [("   ", FieldProblem::Required), (&"x".repeat(4001)[..], FieldProblem::TooLong)] {
        match conversation::add_note(&db.db, &clock, &lotsin, world.case, body, "").await {
            Err(WorkError::Invalid(fields)) => assert_eq!((fields[0].field.as_str(), fields[0].problem), ("body", problem)),
            other => panic!("{other:?}"),
        }
    }
    // Nobody else writes or reads them: not the prescriber, provider, other facility, coordinator.
    for (name, role, org) in [
        ("dr-b", Role::Prescriber, Some(world.orgs.practice)),
        ("provider", Role::OfferProvider, Some(world.orgs.provider)),
        ("lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)),
        ("coord", Role::Coordinator, None),
    ] {
        let who = as_member(db, &world, name, role, org).await;
        let read = conversation::notes(&db.db, &clock, &who, world.case).await;
        assert!(matches!(read, Err(WorkError::NotFound)), "{name}: {read:?}");
        let write = conversation::add_note(&db.db, &clock, &who, world.case, "nein", "").await;
        assert!(matches!(write, Err(WorkError::NotFound)), "{name}: {write:?}");
    }
    assert_eq!(count(db, "select count(*) from case_note").await, 2, "nothing else written");
    assert_eq!(note_reads(db, &world, &notes).await, [1, 1], "refused readers read nothing");

    // Sealed with the current key already: resealing changes nothing.
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: fixed_now(), purpose: lotse_domain::audit::AuditPurpose::Administration };
    assert_eq!(lotse_store::note::reseal(&mut tx, &world.scope, access).await.unwrap(), 0);
    // Erasure deletes the person's notes.
    lotse_store::record::erase(&mut tx, &world.scope, access, world.person, &mut || "ERASED1".to_owned(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(db, "select count(*) from case_note").await, 0);
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_concern_shows_on_the_practices_board_at_once(db) {
    let world = World::build(db, "concern").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let doctor = as_member(db, &world, "dr-a", Role::Prescriber, Some(world.orgs.practice)).await;
    let issued = world.issued_case(db, "Sorge", world.orgs.facility).await;

    // Not before the referral is taken on.
    let early = referral_work::raise_concern(&db.db, &clock, &lotsin, issued.case, ConcernKind::Safeguarding, 1).await;
    assert!(
        matches!(early, Err(WorkError::Refused { state: ReferralState::Issued, step: WorkStep::RaiseConcern })),
        "{early:?}"
    );
    referral_work::accept(&db.db, &clock, &lotsin, issued.case, 1).await.unwrap();
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert!(next.steps.contains(&WorkStep::RaiseConcern), "{next:?}");
    // The prescriber may not raise one (nor anyone but the holding link worker).
    let doctor_try = referral_work::raise_concern(&db.db, &clock, &doctor, issued.case, ConcernKind::HealthWorse, 2).await;
    assert!(matches!(doctor_try, Err(WorkError::NotFound)), "{doctor_try:?}");

    let board = prescribe::board(&db.db, &clock, &doctor, None, 50).await.unwrap().rows;
    let row = board.iter().find(|r| r.referral == Some(issued.referral)).unwrap();
    assert_eq!(row.concern, None);

    clock.advance(time::Duration::hours(1));
    referral_work::raise_concern(&db.db, &clock, &lotsin, issued.case, ConcernKind::HealthWorse, 2).await.unwrap();
    let board = prescribe::board(&db.db, &clock, &doctor, None, 50).await.unwrap().rows;
    let row = board.iter().find(|r| r.referral == Some(issued.referral)).unwrap();
    assert_eq!(row.concern, Some(("health_worse".to_owned(), clock.now())));
    assert_eq!(row.state.as_deref(), Some("accepted"), "the state does not change");

    // It is an event (without personal data), and audited as a change of the referral.
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "referral", issued.referral.as_uuid())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.payload, serde_json::json!({"type": "concern_raised", "kind": "health_worse"}));
    let event: ReferralEvent = lotse_domain::event::from_payload(last.payload.clone()).unwrap();
    assert_eq!(event, ReferralEvent::ConcernRaised { kind: ConcernKind::HealthWorse });
    assert_eq!(last.actor, lotsin.scope().actor().reference());
    let updates = count(
        db,
        &format!(
            "select count(*) from audit_entry where object_kind = 'referral' and action = 'update' and actor = '{}'",
            lotsin.scope().actor().reference()
        ),
    )
    .await;
    assert_eq!(updates, 2, "accepted, concern raised");
    // A later concern replaces the shown one; the state still does not change.
    clock.advance(time::Duration::hours(1));
    referral_work::raise_concern(&db.db, &clock, &lotsin, issued.case, ConcernKind::Safeguarding, 3).await.unwrap();
    let board = prescribe::board(&db.db, &clock, &doctor, None, 50).await.unwrap().rows;
    let row = board.iter().find(|r| r.referral == Some(issued.referral)).unwrap();
    assert_eq!(row.concern, Some(("safeguarding".to_owned(), clock.now())));
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn rotating_the_key_seals_notes_and_reasons_again(db) {
    let world = World::build(db, "notes-rotate").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    conversation::add_note(&db.db, &clock, &lotsin, world.case, "Mag Schach.", "").await.unwrap();
    // A reason for one of the world's prescriptions, written under the test key.
    let existing: Uuid = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select prescription_id from prescription limit 1").fetch_one(p).await)
        .unwrap();
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_prescription_reason(
        &mut tx,
        &world.scope,
        lotse_domain::id::PrescriptionId::from_uuid(existing),
        "Einsam seit dem Tod des Mannes.",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // A new first key; the old one stays for reading.
    let rotated = db.db.clone().with_keys(
        lotse_store::crypto::DataKeys::parse(&format!(
            "next:{},{}",
            "1f".repeat(32),
            lotse_testkit::TEST_DATA_KEYS
        ))
        .unwrap(),
    );
    let (n_notes, n_reasons) = {
        let access = lotse_store::audit::Access { at: fixed_now(), purpose: lotse_domain::audit::AuditPurpose::Administration };
        let mut tx = rotated.begin().await.unwrap();
        let notes = lotse_store::note::reseal(&mut tx, &world.scope, access).await.unwrap();
        let reasons = lotse_store::person::reseal_prescription_reasons(&mut tx, &world.scope, access).await.unwrap();
        tx.commit().await.unwrap();
        (notes, reasons)
    };
    assert_eq!((n_notes, n_reasons), (1, 1));
    // Only the new key is needed now: the note reads back under it alone.
    let only_new = db.db.clone().with_keys(lotse_store::crypto::DataKeys::parse(&format!("next:{}", "1f".repeat(32))).unwrap());
    let mut tx = only_new.begin_read().await.unwrap();
    let access = lotse_store::audit::Access { at: fixed_now(), purpose: lotse_domain::audit::AuditPurpose::Care };
    let notes = lotse_store::note::of_case(&mut tx, &world.scope, access, world.case).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(notes.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(), ["Mag Schach."]);
    // Done: a second run seals nothing.
    let mut tx = rotated.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: fixed_now(), purpose: lotse_domain::audit::AuditPurpose::Administration };
    assert_eq!(lotse_store::note::reseal(&mut tx, &world.scope, access).await.unwrap(), 0);
    assert_eq!(lotse_store::person::reseal_prescription_reasons(&mut tx, &world.scope, access).await.unwrap(), 0);
    tx.commit().await.unwrap();
});

fn plan_input(review_on: &str) -> ActionPlanInput {
    ActionPlanInput {
        goals: "Wieder im Chor singen\nJede Woche unter Leute".into(),
        milestones: vec![
            ("Chorprobe anschauen".into(), "10.11.2026".into()),
            (String::new(), String::new()),
        ],
        obstacles: "Treppen – Chor im Erdgeschoss".into(),
        review_on: review_on.into(),
    }
}

storage_test!(async fn a_plan_needs_contact_is_versioned_sealed_and_sets_the_review(db) {
    let world = World::build(db, "plan").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let issued = world.issued_case(db, "Plan", world.orgs.facility).await;
    referral_work::accept(&db.db, &clock, &lotsin, issued.case, 1).await.unwrap();

    // Not before contact: nothing written.
    let early = action_plan::save(&db.db, &clock, &lotsin, issued.case, &plan_input("2026-11-03"), 0).await;
    assert!(matches!(early, Err(PlanError::NotContacted(ReferralState::Accepted))), "{early:?}");
    referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::Reached, 2).await.unwrap();
    // Every wrong field at once (today is 2026-11-02 in Düsseldorf).
    let wrong = ActionPlanInput {
        goals: String::new(),
        milestones: vec![("Gestern".into(), "01.11.2026".into())],
        obstacles: String::new(),
        review_on: "02.11.2026".into(),
    };
    match action_plan::save(&db.db, &clock, &lotsin, issued.case, &wrong, 0).await {
        Err(PlanError::Invalid(errors)) => assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.problem)).collect::<Vec<_>>(),
            [
                ("goals", FieldProblem::Required),
                ("milestones[0].due_on", FieldProblem::DateInPast),
                ("review_on", FieldProblem::DateNotAfterToday)
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(action_plan::save(&db.db, &clock, &lotsin, issued.case, &plan_input("03.11.2026"), 0).await.unwrap(), 1);
    // The first plan agrees it: the referral moves on, the board shows it.
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!(next.state, ReferralState::PlanAgreed);
    // A second tab still on "no plan": a conflict naming the version now; nothing written.
    let stale = action_plan::save(&db.db, &clock, &lotsin, issued.case, &plan_input("04.11.2026"), 0).await;
    assert!(matches!(stale, Err(PlanError::Conflict(1))), "{stale:?}");
    clock.advance(time::Duration::hours(1));
    let mut changed = plan_input("05.11.2026");
    changed.goals.push_str("\nSchach spielen");
    assert_eq!(action_plan::save(&db.db, &clock, &lotsin, issued.case, &changed, 1).await.unwrap(), 2);
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "referral", issued.referral.as_uuid()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "referral.plan_agreed").count(), 1, "agreed once");

    // Both versions stay, newest first; the text is sealed at rest.
    let versions = action_plan::versions(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(versions[0].content.goals.last().map(String::as_str), Some("Schach spielen"));
    assert_eq!(versions[1].content.review_on, time::macros::date!(2026 - 11 - 03));
    let bodies: Vec<Vec<u8>> =
        lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select body from action_plan").fetch_all(p).await).unwrap();
    assert!(bodies.iter().all(|b| !String::from_utf8_lossy(b).contains("Chor")));

    // The worklist shows the review as the next step on its date (before the baseline
    // questionnaire, due ten working days after contact).
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 50, None).await.unwrap();
    let row = list.rows.iter().find(|r| r.case == issued.case).unwrap();
    let next = row.next.unwrap();
    assert_eq!((next.kind, next.due_on), (NextActionKind::PlanReviewDue, time::macros::date!(2026 - 11 - 05)));

    // The printout has the latest version, the person's language and the facility.
    let printable = action_plan::printable(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!((printable.plan.version, printable.language.as_str()), (2, "de"));
    assert!(!printable.facility_name.is_empty());
    // Nobody else reads or writes it.
    for (name, role, org) in [
        ("dr-b", Role::Prescriber, Some(world.orgs.practice)),
        ("lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)),
        ("coord", Role::Coordinator, None),
    ] {
        let who = as_member(db, &world, name, role, org).await;
        let save = action_plan::save(&db.db, &clock, &who, issued.case, &plan_input("05.11.2026"), 2).await;
        assert!(matches!(save, Err(PlanError::NotFound)), "{name}: {save:?}");
        let read = action_plan::versions(&db.db, &clock, &who, issued.case).await;
        assert!(matches!(read, Err(WorkError::NotFound)), "{name}: {read:?}");
        let print = action_plan::printable(&db.db, &clock, &who, issued.case).await;
        assert!(matches!(print, Err(WorkError::NotFound)), "{name}: {print:?}");
    }
    // Erasure deletes the plans.
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: fixed_now(), purpose: lotse_domain::audit::AuditPurpose::DataProtection };
    lotse_store::record::erase(&mut tx, &world.scope, access, issued.person, &mut || "ERASED2".to_owned(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(db, "select count(*) from action_plan").await, 0);
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_self_completion_link_is_answered_once_by_the_person(db) {
    use lotse_domain::capability::CapabilityPurpose;
    use lotse_domain::questionnaire::{Instrument, Timepoint};

    let world = World::build(db, "self-completion").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    // The world's person speaks German: WHO-5 has a validated German wording, UCLA-3 has not.
    let offered = questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap();
    assert_eq!(offered.offered, [Instrument::Who5]);
    let refused = questionnaires::invite(&db.db, &clock, &lotsin, world.case, Instrument::Ucla3, Timepoint::Baseline).await;
    assert!(matches!(refused, Err(WorkError::Invalid(_))), "{refused:?}");

    let link = questionnaires::invite(&db.db, &clock, &lotsin, world.case, Instrument::Who5, Timepoint::Baseline).await.unwrap();
    assert_eq!(link.token.text().len(), 96, "long and random");
    assert_eq!(link.expires_at, fixed_now() + questionnaires::LINK_LIFETIME);
    let verify = |token: String| {
        let clock = &clock;
        async move {
            lotse_app::capability::verify(&db.db, clock, &token, CapabilityPurpose::QuestionnaireAnswer).await.unwrap()
        }
    };
    let person = Principal::capability(verify(link.token.text()).await.unwrap());
    let form = questionnaires::self_completion(&db.db, &person).await.unwrap();
    assert_eq!((form.instrument, form.language.as_str(), form.items.items.len()), (Instrument::Who5, "de", 5));

    // Out of range: named per item, nothing written, the link still works.
    let wrong = ["5", "9", "", "x", "3"].map(String::from);
    match questionnaires::answer_self_completion(&db.db, &clock, &person, &wrong).await {
        Err(WorkError::Invalid(errors)) => assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["items[1]", "items[3]"]
        ),
        other => panic!("{other:?}"),
    }
    let person = Principal::capability(verify(link.token.text()).await.expect("still usable"));
    let good = ["5", "4", "3", "4", "5"].map(String::from);
    questionnaires::answer_self_completion(&db.db, &clock, &person, &good).await.unwrap();
    // Used once: the link is refused now, and answering again through it writes nothing.
    assert!(verify(link.token.text()).await.is_none(), "used");
    let again = questionnaires::answer_self_completion(&db.db, &clock, &person, &good).await;
    assert!(matches!(again, Err(WorkError::NotFound)), "{again:?}");

    // The link worker sees it: scored, answered by the person, when.
    let seen = questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap();
    let response = seen.responses.iter().find(|r| r.answered_by.as_deref() == Some("person")).unwrap();
    assert_eq!((response.instrument.as_str(), response.timepoint.as_str(), response.score_total), ("who5", "baseline", Some(2100)));
    assert_eq!(seen.invitations[0].answered_at, Some(fixed_now()));
    // The response is written as the capability, never as a user.
    let actor: String = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select actor from audit_entry where object_kind = 'questionnaire_response' and action = 'create' order by seq desc limit 1"
    ).fetch_one(p).await).unwrap();
    assert!(actor.starts_with("capability:"), "{actor}");

    // Another link expires unanswered.
    let late = questionnaires::invite(&db.db, &clock, &lotsin, world.case, Instrument::Who5, Timepoint::FollowUp).await.unwrap();
    clock.advance(questionnaires::LINK_LIFETIME + time::Duration::minutes(1));
    assert!(verify(late.token.text()).await.is_none(), "expired");

    // With the person: answers recorded as the link worker's, with the person.
    questionnaires::record(&db.db, &clock, &lotsin, world.case, Instrument::Who5, Timepoint::FollowUp, &good).await.unwrap();
    let seen = questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap();
    assert!(seen.responses.iter().any(|r| r.answered_by.as_deref() == Some("link_worker_with_person")));
    // Nobody else makes links or records answers.
    for (name, role, org) in [
        ("dr-b", Role::Prescriber, Some(world.orgs.practice)),
        ("lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)),
        ("coord", Role::Coordinator, None),
    ] {
        let who = as_member(db, &world, name, role, org).await;
        let invite = questionnaires::invite(&db.db, &clock, &who, world.case, Instrument::Who5, Timepoint::Baseline).await;
        assert!(matches!(invite, Err(WorkError::NotFound)), "{name}: {invite:?}");
        let record = questionnaires::record(&db.db, &clock, &who, world.case, Instrument::Who5, Timepoint::Baseline, &good).await;
        assert!(matches!(record, Err(WorkError::NotFound)), "{name}: {record:?}");
    }
    // Erasing the person revokes the links not used yet.
    let open = questionnaires::invite(&db.db, &clock, &lotsin, world.case, Instrument::Who5, Timepoint::FollowUp).await.unwrap();
    assert!(verify(open.token.text()).await.is_some(), "usable before the erasure");
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: clock.now(), purpose: lotse_domain::audit::AuditPurpose::DataProtection };
    lotse_store::record::erase(&mut tx, &world.scope, access, world.person, &mut || "ERASED3".to_owned(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(verify(open.token.text()).await.is_none(), "revoked with the erasure");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_link_worker_registers_a_person_who_comes_without_a_prescription(db) {
    use lotse_app::intake::{self, Intake, IntakeForm};
    use lotse_domain::prescribing::RegistrationInput;

    let world = World::build(db, "intake").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let form = IntakeForm {
        person: RegistrationInput {
            given_name: "Hasan".into(),
            family_name: "Yıldız".into(),
            birth_date: "02.02.1961".into(),
            language: "tr".into(),
            ..RegistrationInput::default()
        },
        source: "pharmacy".into(),
        prescription_code: String::new(),
        transfer: false,
        care: true,
        research: false,
        given_by: String::new(),
        confirmed_new: false,
    };
    // Every wrong field at once; nothing is written.
    let before = count(db, "select count(*) from patient").await;
    let wrong = IntakeForm {
        person: RegistrationInput {
            birth_date: "31.02.1961".into(),
            ..form.person.clone()
        },
        source: "doctor".into(),
        care: false,
        ..form.clone()
    };
    match intake::register(&db.db, &clock, &lotsin, &wrong).await {
        Err(WorkError::Invalid(errors)) => assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.problem)).collect::<Vec<_>>(),
            [
                ("birth_date", FieldProblem::Date),
                ("source", FieldProblem::UnknownCode),
                ("consent_care", FieldProblem::ConsentRequired)
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(db, "select count(*) from patient").await, before);

    let Intake::Registered(case) = intake::register(&db.db, &clock, &lotsin, &form).await.unwrap() else {
        panic!("nobody of that name is known yet");
    };
    // The case lies with the worker's facility, accepted, from a pharmacy, with care consent.
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, case).await.unwrap().unwrap();
    assert_eq!(next.state, ReferralState::Accepted);
    let record = case_record::view_case(&db.db, &clock, &lotsin, case).await.unwrap();
    assert_eq!(record.identity.family_name, "Yıldız");
    assert_eq!(record.consents.iter().map(|c| c.purpose.code()).collect::<Vec<_>>(), ["care"]);
    let source: String = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select source from referral where case_id = $1")
        .bind(case.as_uuid()).fetch_one(p).await).unwrap();
    assert_eq!(source, "pharmacy");
    let list = case_record::next_action_worklist(&db.db, &clock, &lotsin, 50, None).await.unwrap();
    assert!(list.rows.iter().any(|r| r.case == case), "on the facility's worklist");
    // No one but a link worker registers people.
    for (name, role, org) in [
        ("dr-b", Role::Prescriber, Some(world.orgs.practice)),
        ("provider", Role::OfferProvider, Some(world.orgs.provider)),
        ("coord", Role::Coordinator, None),
    ] {
        let who = as_member(db, &world, name, role, org).await;
        let refused = intake::register(&db.db, &clock, &who, &form).await;
        assert!(matches!(refused, Err(WorkError::NotFound)), "{name}: {refused:?}");
    }
    assert_eq!(count(db, "select count(*) from patient").await, before + 1);

    // The same person again, spelt otherwise: the facility's own case is offered, an audited
    // read of the name; nothing is registered.
    let patient: uuid::Uuid = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select patient_id from case_file where case_id = $1")
        .bind(case.as_uuid()).fetch_one(p).await).unwrap();
    let patient = lotse_domain::id::PatientId::from_uuid(patient);
    let reads = crate::prescribing::count_identity_reads(db, patient).await;
    let again = IntakeForm {
        person: RegistrationInput {
            given_name: " HASAN ".into(),
            family_name: "Yildiz".into(),
            ..form.person.clone()
        },
        ..form.clone()
    };
    let Intake::PossibleDuplicates(known) = intake::register(&db.db, &clock, &lotsin, &again).await.unwrap() else {
        panic!("the facility's own person must be offered");
    };
    assert_eq!(known.len(), 1);
    assert_eq!((known[0].patient, known[0].name.as_str(), known[0].cases.as_slice()), (patient, "Hasan Yıldız", &[case][..]));
    assert_eq!(crate::prescribing::count_identity_reads(db, patient).await, reads + 1);
    assert_eq!(count(db, "select count(*) from patient").await, before + 1, "nothing registered");
    // Another facility is told nothing: the person is registered there anew.
    let elsewhere = as_member(db, &world, "lotsin-other", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    assert!(matches!(intake::register(&db.db, &clock, &elsewhere, &again).await, Ok(Intake::Registered(_))));
    // Confirmed as someone else: registered anew.
    let confirmed = IntakeForm { confirmed_new: true, ..again };
    let Intake::Registered(twin) = intake::register(&db.db, &clock, &lotsin, &confirmed).await.unwrap() else {
        panic!("a confirmed new person is registered");
    };
    assert_ne!(twin, case);
    assert_eq!(count(db, "select count(*) from patient").await, before + 3);
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn swemwbs_is_offered_only_where_the_programme_imported_its_licensed_wording(db) {
    use lotse_domain::questionnaire::{Instrument, Timepoint};

    let world = World::build(db, "swemwbs").await;
    let other = World::build(db, "swemwbs-other").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    // Placeholder texts: the licensed wording is never in the repository.
    let wording = |word: &str| {
        serde_json::json!({
            "source": "SWEMWBS, the programme's licence (placeholder texts)",
            "items": (1..=7).map(|n| format!("{word} {n}")).collect::<Vec<_>>(),
            "responses": (1..=5).map(|v| (v, format!("Antwort {v}"))).collect::<Vec<_>>(),
        })
        .to_string()
    };
    // Not imported: not offered, no link, no answers.
    assert_eq!(questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap().offered, [Instrument::Who5]);
    let refused = questionnaires::invite(&db.db, &clock, &lotsin, world.case, Instrument::Swemwbs, Timepoint::Baseline).await;
    assert!(matches!(refused, Err(WorkError::Invalid(_))), "{refused:?}");
    // A wrong file changes nothing.
    let slug = world.programme.slug.as_str();
    let wrong = questionnaires::import_wording(&db.db, &clock, slug, "swemwbs", "de", "{}").await;
    assert!(wrong.is_err());
    assert_eq!(questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap().offered, [Instrument::Who5]);

    questionnaires::import_wording(&db.db, &clock, slug, "swemwbs", "de", &wording("Aussage")).await.unwrap();
    assert_eq!(questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap().offered, [Instrument::Who5, Instrument::Swemwbs]);
    let (language, shown) = questionnaires::form_wording(&db.db, &clock, &lotsin, world.case, Instrument::Swemwbs)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((language.as_str(), shown.items.first().map(String::as_str)), ("de", Some("Aussage 1")));
    let answers = ["4", "4", "4", "4", "4", "4", "4"].map(String::from);
    questionnaires::record(&db.db, &clock, &lotsin, world.case, Instrument::Swemwbs, Timepoint::Baseline, &answers)
        .await
        .unwrap();
    let seen = questionnaires::for_case(&db.db, &clock, &lotsin, world.case).await.unwrap().unwrap();
    let response = seen.responses.iter().find(|r| r.instrument == "swemwbs").unwrap();
    assert_eq!(response.instrument_version.as_deref(), Some(Instrument::Swemwbs.version()));
    // The person's link shows the imported wording; a new import replaces it.
    questionnaires::import_wording(&db.db, &clock, slug, "swemwbs", "de", &wording("Satz")).await.unwrap();
    let link = questionnaires::invite(&db.db, &clock, &lotsin, world.case, Instrument::Swemwbs, Timepoint::FollowUp)
        .await
        .unwrap();
    let capability = lotse_app::capability::verify(
        &db.db,
        &clock,
        &link.token.text(),
        lotse_domain::capability::CapabilityPurpose::QuestionnaireAnswer,
    )
    .await
    .unwrap()
    .unwrap();
    let form = questionnaires::self_completion(&db.db, &Principal::capability(capability)).await.unwrap();
    assert_eq!(form.items.items.last().map(String::as_str), Some("Satz 7"));
    // Another programme, and another language, have no wording.
    let elsewhere = link_worker(db, &other, "lotsin-b").await;
    let theirs = questionnaires::for_case(&db.db, &clock, &elsewhere, other.case).await.unwrap().unwrap();
    assert_eq!(theirs.offered, [Instrument::Who5]);
    assert!(questionnaires::offered("en").iter().all(|i| *i != Instrument::Swemwbs));
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_search_profile_is_sealed_versioned_audited_and_narrows_the_case_search(db) {
    use lotse_app::search_profile::{self, ProfileError};
    use lotse_domain::search_profile::{SearchProfile, SearchProfileInput};

    let world = World::build(db, "search-profile").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let issued = world.issued_case(db, "Profil", world.orgs.facility).await;
    let dirs = Directories::default();
    let found = |use_profile: bool| {
        let (db, dirs, clock, lotsin) = (&db.db, &dirs, &clock, &lotsin);
        async move {
            let request = SearchRequest { per_page: 10, page: 1, ..SearchRequest::default() };
            directory::search_for_case(db, dirs, clock, lotsin, issued.case, &request, use_profile)
                .await
                .unwrap()
                .1
                .total
        }
    };
    let v = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();

    // None yet: empty, version 0; both offers of the world are found.
    let (empty, version) = search_profile::get(&db.db, &clock, &lotsin, issued.case).await.unwrap();
    assert_eq!((empty.is_empty(), version), (true, 0));
    assert_eq!(found(true).await, 2);

    // Every wrong field named at once; nothing written.
    let wrong = SearchProfileInput {
        interests: v(&["opera"]),
        max_distance_km: "0".into(),
        free_times: v(&["9-morning"]),
        ..SearchProfileInput::default()
    };
    match search_profile::save(&db.db, &clock, &lotsin, issued.case, &wrong, 0).await {
        Err(ProfileError::Invalid(errors)) => assert_eq!(
            errors.iter().map(|e| (e.field.as_str(), e.problem)).collect::<Vec<_>>(),
            [
                ("interests", FieldProblem::UnknownCode),
                ("max_distance_km", FieldProblem::OutOfRange),
                ("free_times", FieldProblem::UnknownCode)
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(db, "select count(*) from search_profile").await, 0);

    // Free offers only: the world's two are free.
    let free = SearchProfileInput {
        interests: v(&["sport"]),
        max_cost: "free".into(),
        free_times: v(&["2-morning"]),
        ..SearchProfileInput::default()
    };
    assert_eq!(search_profile::save(&db.db, &clock, &lotsin, issued.case, &free, 0).await.unwrap(), 1);
    assert_eq!(found(true).await, 2);
    // Step-free access needed: neither offer says it has it, so none is found; without the
    // profile both are.
    let step_free = SearchProfileInput {
        accessibility: v(&["step-free"]),
        ..free.clone()
    };
    assert_eq!(search_profile::save(&db.db, &clock, &lotsin, issued.case, &step_free, 1).await.unwrap(), 2);
    assert_eq!((found(true).await, found(false).await), (0, 2));
    let (saved, version) = search_profile::get(&db.db, &clock, &lotsin, issued.case).await.unwrap();
    assert_eq!((saved, version), (SearchProfile::parse(&step_free).unwrap(), 2));

    // A save on a version someone else replaced: refused with the version now; nothing changes.
    let stale = search_profile::save(&db.db, &clock, &lotsin, issued.case, &free, 1).await;
    assert!(matches!(stale, Err(ProfileError::Conflict(2))), "{stale:?}");
    let first_again = search_profile::save(&db.db, &clock, &lotsin, issued.case, &free, 0).await;
    assert!(matches!(first_again, Err(ProfileError::Conflict(2))), "{first_again:?}");
    assert_eq!(search_profile::get(&db.db, &clock, &lotsin, issued.case).await.unwrap().1, 2);

    // Sealed at rest; each read and write audited as the case's.
    let body: Vec<u8> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select body from search_profile")
        .fetch_one(p).await).unwrap();
    assert!(!String::from_utf8_lossy(&body).contains("step-free"));
    let audited = |action: &'static str| {
        let sql = format!(
            "select count(*) from audit_entry where action = '{action}' and object_kind = 'case' and actor like 'user:%'"
        );
        async move { count(db, &sql).await }
    };
    assert!(audited("update").await >= 2 && audited("read").await >= 2);

    // Nobody but the link worker holding the case reads or writes it.
    for (name, role, org) in [
        ("lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)),
        ("dr-b", Role::Prescriber, Some(world.orgs.practice)),
        ("coord", Role::Coordinator, None),
        ("provider", Role::OfferProvider, Some(world.orgs.provider)),
    ] {
        let who = as_member(db, &world, name, role, org).await;
        let read = search_profile::get(&db.db, &clock, &who, issued.case).await;
        assert!(matches!(read, Err(ProfileError::NotFound)), "{name}: {read:?}");
        let write = search_profile::save(&db.db, &clock, &who, issued.case, &free, 2).await;
        assert!(matches!(write, Err(ProfileError::NotFound)), "{name}: {write:?}");
    }

    // Key rotation finds nothing to seal again; erasure deletes it.
    let mut tx = db.db.begin().await.unwrap();
    let access = lotse_store::audit::Access { at: clock.now(), purpose: lotse_domain::audit::AuditPurpose::Administration };
    assert_eq!(lotse_store::search_profile::reseal(&mut tx, &world.scope, access).await.unwrap(), 0);
    let access = lotse_store::audit::Access { at: clock.now(), purpose: lotse_domain::audit::AuditPurpose::DataProtection };
    lotse_store::record::erase(&mut tx, &world.scope, access, issued.person, &mut || "ERASED9".to_owned(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(db, "select count(*) from search_profile").await, 0);
    db.assert_audit_chains_intact().await;
});
