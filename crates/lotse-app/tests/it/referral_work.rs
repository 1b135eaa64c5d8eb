//! The link worker's first steps on a new referral, on both engines: accept, contact attempts,
//! redirect to another facility, unreachable after the programme's attempts, concurrent saves,
//! and nobody else may do any of it.

use lotse_app::FixedClock;
use lotse_app::case_record;
use lotse_app::principal::Principal;
use lotse_app::referral_work::{self, ContactOutcome, WorkError, WorkStep};
use lotse_domain::field::FieldProblem;
use lotse_domain::id::ReferralId;
use lotse_domain::referral::{RedirectReason, ReferralEvent, ReferralState};
use lotse_domain::user::Role;
use lotse_store::event::StoredEvent;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};

use crate::data_protection::as_member;

async fn events(db: &TestDb, world: &World, referral: ReferralId) -> Vec<StoredEvent> {
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "referral", referral.as_uuid())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    events
}

async fn kinds(db: &TestDb, world: &World, referral: ReferralId) -> Vec<String> {
    events(db, world, referral).await.into_iter().map(|e| e.kind).collect()
}

async fn link_worker(db: &TestDb, world: &World, name: &str) -> Principal {
    as_member(db, world, name, Role::LinkWorker, Some(world.orgs.facility)).await
}

storage_test!(async fn accept_then_a_failed_attempt_then_contact(db) {
    let world = World::build(db, "work-happy").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let issued = world.issued_case(db, "Neu", world.orgs.facility).await;

    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!((next.state, next.version), (ReferralState::Issued, 1));
    assert_eq!(next.steps, vec![WorkStep::Accept, WorkStep::Redirect]);
    assert!(next.redirect_targets.iter().any(|(id, _)| *id == world.orgs.other_facility));
    assert!(next.redirect_targets.iter().all(|(id, _)| *id != world.orgs.facility), "not itself");

    referral_work::accept(&db.db, &clock, &lotsin, issued.case, 1).await.unwrap();
    clock.advance(time::Duration::hours(2));
    referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::NotReached, 2).await.unwrap();
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!((next.state, next.failed_attempts, next.attempts_required), (ReferralState::Accepted, 1, 3));
    assert_eq!(
        next.steps,
        vec![WorkStep::Reached, WorkStep::NotReached, WorkStep::RaiseConcern, WorkStep::Close],
        "not yet unreachable"
    );
    referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::Reached, 3).await.unwrap();

    assert_eq!(
        kinds(db, &world, issued.referral).await,
        [
            "referral.issued",
            "referral.accepted",
            "referral.contact_attempt_failed",
            "referral.contacted"
        ]
    );
    let stored = events(db, &world, issued.referral).await;
    assert!(stored[1..].iter().all(|e| e.actor == lotsin.scope().actor().reference()), "recorded as the worker");
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!((next.state, next.version), (ReferralState::Contacted, 4));
    assert_eq!(next.steps, vec![WorkStep::RaiseConcern, WorkStep::Close], "from here on the shortlist and the plan");
    let page = case_record::view_case(&db.db, &clock, &lotsin, issued.case).await.unwrap();
    assert_eq!(page.referrals[0].state, "contacted");
    // Contact made: an earlier step is refused, naming the state.
    let again = referral_work::accept(&db.db, &clock, &lotsin, issued.case, 4).await;
    assert!(
        matches!(again, Err(WorkError::Refused { state: ReferralState::Contacted, step: WorkStep::Accept })),
        "{again:?}"
    );
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_redirect_moves_the_case_to_the_other_facility(db) {
    let world = World::build(db, "work-redirect").await;
    let clock = FixedClock::new(fixed_now());
    let at_a = link_worker(db, &world, "lotsin-a").await;
    let at_b = as_member(db, &world, "lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let issued = world.issued_case(db, "Weiter", world.orgs.facility).await;

    // Only another link facility of the programme: not itself, not a practice.
    for to in [world.orgs.facility, world.orgs.practice, world.orgs.provider] {
        let wrong = referral_work::redirect(&db.db, &clock, &at_a, issued.case, to, RedirectReason::Capacity, 1).await;
        match wrong {
            Err(WorkError::Invalid(fields)) => {
                assert_eq!((fields[0].field.as_str(), fields[0].problem), ("to", FieldProblem::UnknownCode));
            }
            other => panic!("{other:?}"),
        }
    }
    let before = referral_work::next_steps(&db.db, &clock, &at_b, issued.case).await;
    assert!(matches!(before, Err(WorkError::NotFound)), "B does not hold it yet: {before:?}");

    referral_work::redirect(
        &db.db,
        &clock,
        &at_a,
        issued.case,
        world.orgs.other_facility,
        RedirectReason::WrongArea,
        1,
    )
    .await
    .unwrap();

    let stored = events(db, &world, issued.referral).await;
    assert_eq!(stored.len(), 2);
    let event: ReferralEvent = lotse_domain::event::from_payload(stored[1].payload.clone()).unwrap();
    assert_eq!(
        event,
        ReferralEvent::Redirected {
            to: world.orgs.other_facility,
            reason: RedirectReason::WrongArea
        }
    );
    // A lost it: its page, its steps and accepting at the old facility are refused as not found.
    let page = case_record::view_case(&db.db, &clock, &at_a, issued.case).await;
    assert!(page.is_err(), "{page:?}");
    let late = referral_work::accept(&db.db, &clock, &at_a, issued.case, 2).await;
    assert!(matches!(late, Err(WorkError::NotFound)), "{late:?}");
    let stale = referral_work::accept(&db.db, &clock, &at_a, issued.case, 1).await;
    assert!(matches!(stale, Err(WorkError::NotFound)), "{stale:?}");
    // B has it, still issued, and takes it on.
    let next = referral_work::next_steps(&db.db, &clock, &at_b, issued.case).await.unwrap().unwrap();
    assert_eq!((next.state, next.version), (ReferralState::Issued, 2));
    assert!(next.redirect_targets.iter().any(|(id, _)| *id == world.orgs.facility), "back to A is possible");
    referral_work::accept(&db.db, &clock, &at_b, issued.case, 2).await.unwrap();
    // An accepted referral is not redirected: the transition is refused, naming the state.
    let moved = referral_work::redirect(
        &db.db,
        &clock,
        &at_b,
        issued.case,
        world.orgs.facility,
        RedirectReason::PersonAsked,
        3,
    )
    .await;
    assert!(
        matches!(moved, Err(WorkError::Refused { state: ReferralState::Accepted, step: WorkStep::Redirect })),
        "{moved:?}"
    );
    assert_eq!(kinds(db, &world, issued.referral).await.len(), 3);
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn unreachable_only_after_the_programmes_attempts(db) {
    let world = World::build(db, "work-unreachable").await;
    let clock = FixedClock::new(fixed_now());
    let lotsin = link_worker(db, &world, "lotsin-a").await;
    let issued = world.issued_case(db, "Fern", world.orgs.facility).await;
    assert_eq!(world.programme.contact_attempts_before_unreachable, 3);

    let early = referral_work::mark_unreachable(&db.db, &clock, &lotsin, issued.case, 1).await;
    assert!(
        matches!(early, Err(WorkError::Refused { state: ReferralState::Issued, step: WorkStep::MarkUnreachable })),
        "{early:?}"
    );
    referral_work::accept(&db.db, &clock, &lotsin, issued.case, 1).await.unwrap();
    let mut version = 2;
    for failed in 1..=3 {
        let refused = referral_work::mark_unreachable(&db.db, &clock, &lotsin, issued.case, version).await;
        assert!(
            matches!(refused, Err(WorkError::TooFewAttempts { failed: f, required: 3 }) if f == failed - 1),
            "{refused:?}"
        );
        referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::NotReached, version)
            .await
            .unwrap();
        version += 1;
    }
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert!(next.steps.contains(&WorkStep::MarkUnreachable), "{next:?}");
    referral_work::mark_unreachable(&db.db, &clock, &lotsin, issued.case, version).await.unwrap();
    let stored = events(db, &world, issued.referral).await;
    let last: ReferralEvent = lotse_domain::event::from_payload(stored.last().unwrap().payload.clone()).unwrap();
    assert_eq!(last, ReferralEvent::MarkedUnreachable { attempts_required: 3 });
    let next = referral_work::next_steps(&db.db, &clock, &lotsin, issued.case).await.unwrap().unwrap();
    assert_eq!(
        (next.state, next.steps),
        (ReferralState::Unreachable, vec![WorkStep::Reached, WorkStep::RaiseConcern, WorkStep::Close])
    );
    // Reached after all.
    referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::Reached, version + 1)
        .await
        .unwrap();
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn the_second_of_two_saves_on_one_version_gets_a_conflict(db) {
    let world = World::build(db, "work-conflict").await;
    let clock = FixedClock::new(fixed_now());
    let first = link_worker(db, &world, "lotsin-a").await;
    let second = link_worker(db, &world, "lotsin-b").await;
    let issued = world.issued_case(db, "Doppelt", world.orgs.facility).await;

    // Both saw version 1; both accept at once.
    let (a, b) = tokio::join!(
        referral_work::accept(&db.db, &clock, &first, issued.case, 1),
        referral_work::accept(&db.db, &clock, &second, issued.case, 1),
    );
    // Whichever ran second was told what the referral is now; exactly one change is stored.
    let conflict = match (a, b) {
        (Ok(()), other) | (other, Ok(())) => other,
        other => panic!("{other:?}"),
    };
    assert!(
        matches!(conflict, Err(WorkError::Conflict { state: ReferralState::Accepted, version: 2 })),
        "{conflict:?}"
    );
    assert_eq!(kinds(db, &world, issued.referral).await, ["referral.issued", "referral.accepted"]);

    // The same step twice from version 2: the second is a conflict naming the state now.
    let (a, b) = tokio::join!(
        referral_work::record_contact(&db.db, &clock, &first, issued.case, ContactOutcome::Reached, 2),
        referral_work::record_contact(&db.db, &clock, &second, issued.case, ContactOutcome::NotReached, 2),
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let conflict = if a.is_ok() { b } else { a };
    match conflict {
        Err(WorkError::Conflict { version: 3, state }) => {
            assert!(matches!(state, ReferralState::Accepted | ReferralState::Contacted));
            let message = WorkError::Conflict { state, version: 3 }.to_string();
            assert!(message.contains("changed meanwhile"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(kinds(db, &world, issued.referral).await.len(), 3, "exactly one change");
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn nobody_but_the_holding_link_worker_may_work_the_case(db) {
    let world = World::build(db, "work-denied").await;
    let clock = FixedClock::new(fixed_now());
    let issued = world.issued_case(db, "Fremd", world.orgs.facility).await;
    let others = [
        as_member(db, &world, "dr-b", Role::Prescriber, Some(world.orgs.practice)).await,
        as_member(db, &world, "provider", Role::OfferProvider, Some(world.orgs.provider)).await,
        as_member(db, &world, "lotsin-b", Role::LinkWorker, Some(world.orgs.other_facility)).await,
        as_member(db, &world, "coord", Role::Coordinator, None).await,
    ];
    for who in &others {
        let results = [
            referral_work::accept(&db.db, &clock, who, issued.case, 1).await,
            referral_work::redirect(
                &db.db,
                &clock,
                who,
                issued.case,
                world.orgs.other_facility,
                RedirectReason::Other,
                1,
            )
            .await,
            referral_work::record_contact(&db.db, &clock, who, issued.case, ContactOutcome::Reached, 1).await,
            referral_work::mark_unreachable(&db.db, &clock, who, issued.case, 1).await,
        ];
        for result in results {
            assert!(matches!(result, Err(WorkError::NotFound)), "{result:?}");
        }
        let next = referral_work::next_steps(&db.db, &clock, who, issued.case).await;
        assert!(matches!(next, Err(WorkError::NotFound)), "{next:?}");
    }
    assert_eq!(kinds(db, &world, issued.referral).await, ["referral.issued"], "nothing written");
    // Each denial is audited as such.
    let denied: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from audit_entry where action = 'access_denied'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(denied >= 20, "{denied}");
    db.assert_audit_chains_intact().await;
});
