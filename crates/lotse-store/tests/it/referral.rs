use lotse_domain::referral::{ClosingReason, ReferralEvent, ReferralState};
use lotse_store::StoreError;
use lotse_testkit::storage_test;

use crate::fixtures::{access, issued_referral, recorded};

storage_test!(async fn a_transition_writes_state_and_event_together(db) {
    let (_, scope) = db.programme("p-one").await;
    let (id, _) = issued_referral(db, &scope).await;
    let mut tx = db.db.begin().await.unwrap();
    let after = lotse_store::referral::apply(&mut tx, &scope, access(), id, 1, recorded(ReferralEvent::Accepted, 5)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(after.status.state, ReferralState::Accepted);
    assert_eq!(after.version, 2);
    let mut tx = db.db.begin().await.unwrap();
    let stored = lotse_store::referral::get(&mut tx, &scope, id).await.unwrap();
    let replayed = lotse_store::referral::replay(&mut tx, &scope, id).await.unwrap();
    assert_eq!(stored.status, replayed, "the projection equals the fold of the events");
    assert_eq!(stored.version, 2);
});

storage_test!(async fn a_stale_update_conflicts_and_changes_nothing(db) {
    let (_, scope) = db.programme("p-one").await;
    let (id, _) = issued_referral(db, &scope).await;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::referral::apply(&mut tx, &scope, access(), id, 1, recorded(ReferralEvent::Accepted, 5)).await.unwrap();
    tx.commit().await.unwrap();
    // A second writer still holding version 1:
    let mut tx = db.db.begin().await.unwrap();
    let err = lotse_store::referral::apply(
        &mut tx,
        &scope,
        access(),
        id,
        1,
        recorded(ReferralEvent::Closed { reason: ClosingReason::Declined }, 6),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { current_version: 2, .. }), "{err:?}");
    drop(tx);
    let mut tx = db.db.begin().await.unwrap();
    let stored = lotse_store::referral::get(&mut tx, &scope, id).await.unwrap();
    assert_eq!(stored.status.state, ReferralState::Accepted);
    assert_eq!(lotse_store::referral::replay(&mut tx, &scope, id).await.unwrap(), stored.status);
});

storage_test!(async fn an_invalid_transition_is_refused_and_writes_nothing(db) {
    let (_, scope) = db.programme("p-one").await;
    let (id, _) = issued_referral(db, &scope).await;
    let mut tx = db.db.begin().await.unwrap();
    let err = lotse_store::referral::apply(&mut tx, &scope, access(), id, 1, recorded(ReferralEvent::Connected, 5))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "referral.connected is not allowed when the referral is issued");
    drop(tx);
    let mut tx = db.db.begin().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &scope, "referral", id.as_uuid()).await.unwrap();
    assert_eq!(events.len(), 1);
});

storage_test!(async fn a_batch_with_one_invalid_history_writes_nothing(db) {
    let (_, scope) = db.programme("p-one").await;
    let (_, facility) = issued_referral(db, &scope).await;
    let p = crate::fixtures::patient(&scope, "Hans");
    let good = lotse_store::referral::NewReferral {
        id: lotse_domain::id::ReferralId::from_uuid(uuid::Uuid::new_v4()),
        prescription: None,
        case: None,
        patient: p.profile.id,
        source: lotse_domain::prescription::ReferralSource::Pharmacy,
        history: vec![recorded(ReferralEvent::Issued { link_facility: facility }, 0)],
    };
    let mut bad = good.clone();
    bad.id = lotse_domain::id::ReferralId::from_uuid(uuid::Uuid::new_v4());
    bad.history.push(recorded(ReferralEvent::PlanAgreed, 1));
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, &scope, access(), &[p]).await.unwrap();
    let err = lotse_store::referral::insert_many(&mut tx, &scope, access(), &[good, bad]).await.unwrap_err();
    assert!(matches!(err, StoreError::Transition(_)), "{err:?}");
    drop(tx); // rolled back: patient, referral, events and audit entries all gone
    let mut tx = db.db.begin().await.unwrap();
    assert_eq!(lotse_store::person::count_patients(&mut tx, &scope).await.unwrap(), 1);
    drop(tx);
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
});

/// The row of an onward referral as the directory reads it: state, end reason, version, reply
/// times.
async fn onward_row(
    db: &lotse_testkit::TestDb,
    id: lotse_domain::id::OnwardReferralId,
) -> (
    String,
    Option<String>,
    i64,
    Option<time::OffsetDateTime>,
    Option<time::OffsetDateTime>,
) {
    lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select state, end_reason, version, sent_at, answered_at from onward_referral where onward_referral_id = $1",
    )
    .bind(id.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap()
}

storage_test!(async fn an_onward_referral_applied_step_by_step_equals_its_history_inserted_whole(db) {
    use lotse_domain::id::{CaseId, OnwardReferralId};
    use lotse_domain::onward_referral::{AnswerChannel, EndReason, OnwardReferralEvent as E};
    use lotse_store::referral::{NewOnwardReferral, Recorded};

    let world = lotse_testkit::world::World::build(db, "onward-apply").await;
    let at = |m: i64| lotse_testkit::fixed_now() + time::Duration::minutes(m);
    let step = |event: E, m: i64| Recorded { event, actor: "system:admin".to_owned(), at: at(m) };
    let channel = AnswerChannel::SignedLink;
    let history = [
        step(E::Proposed { offer: world.offer }, 0),
        step(E::AcceptedByPerson, 10),
        step(E::Sent, 20),
        step(E::Acknowledged { channel }, 80),
        step(E::AttendanceStarted { channel }, 200),
        step(E::Ended { reason: EndReason::Completed, channel: None }, 900),
    ];
    let new = |id: OnwardReferralId, case: CaseId, history: Vec<Recorded<E>>| NewOnwardReferral { id, case, history };
    let (whole, stepped) = (OnwardReferralId::from_uuid(uuid::Uuid::now_v7()), OnwardReferralId::from_uuid(uuid::Uuid::now_v7()));
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::referral::insert_onward_many(
        &mut tx,
        &world.scope,
        access(),
        &[new(whole, world.case, history.to_vec()), new(stepped, world.second_case, history[..1].to_vec())],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (version, recorded) in (1..).zip(history[1..].iter()) {
        let mut tx = db.db.begin().await.unwrap();
        let (_, now) = lotse_store::referral::apply_onward(&mut tx, &world.scope, access(), stepped, version, recorded.clone())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(now, version + 1);
    }
    // The same row either way; written out: sent at minute 20, first answer at minute 80.
    let row = onward_row(db, stepped).await;
    assert_eq!(row, onward_row(db, whole).await);
    assert_eq!(row, ("ended".to_owned(), Some("completed".to_owned()), 6, Some(at(20)), Some(at(80))));
    let mut tx = db.db.begin().await.unwrap();
    let (stored, _) = lotse_store::referral::get_onward(&mut tx, &world.scope, stepped).await.unwrap();
    assert_eq!(stored, lotse_store::referral::replay_onward(&mut tx, &world.scope, stepped).await.unwrap());
    // The offer's answer figures count both (and the world's own acknowledged one).
    let stats = lotse_store::offer_answers::answer_stats(&mut tx, &world.scope).await.unwrap();
    assert_eq!(stats[&world.offer].answered, 3, "{:?}", stats[&world.offer]);
    // Ended is final: a further event is refused and writes nothing; a stale version conflicts.
    let refused = lotse_store::referral::apply_onward(&mut tx, &world.scope, access(), stepped, 6, step(E::Lapsed, 901))
        .await
        .unwrap_err();
    assert_eq!(refused.to_string(), "onward_referral.lapsed is not allowed when the onward_referral is ended");
    let stale = lotse_store::referral::apply_onward(&mut tx, &world.scope, access(), stepped, 3, step(E::Lapsed, 901))
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { current_version: 6, .. }), "{stale:?}");
    drop(tx);
    assert_eq!(onward_row(db, stepped).await.2, 6);
    db.assert_audit_chains_intact().await;
});

/// The next action kept on the row of a case's referral.
async fn next_action_kind(db: &lotse_testkit::TestDb, case: lotse_domain::id::CaseId) -> Option<String> {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select next_action_kind from referral where case_id = $1")
        .bind(case.as_uuid())
        .fetch_one(p)
        .await)
    .unwrap()
}

storage_test!(async fn a_batch_of_onward_changes_applies_in_order_refuses_in_place_and_refreshes_the_figures(db) {
    use lotse_domain::id::OnwardReferralId;
    use lotse_domain::onward_referral::{OnwardReferralEvent as E, OnwardReferralState as S};
    use lotse_store::referral::{NewOnwardReferral, OnwardChange, Recorded};

    let world = lotse_testkit::world::World::build(db, "onward-batch").await;
    let at = |m: i64| lotse_testkit::fixed_now() + time::Duration::minutes(m);
    let step = |event: E, m: i64| Recorded { event, actor: "system:follow-up".to_owned(), at: at(m) };
    // Two more onward referrals of the world's case, sent to the world's offer five days
    // before the case's contact and unanswered (the world's own one is acknowledged).
    let (a, b) = (OnwardReferralId::from_uuid(uuid::Uuid::now_v7()), OnwardReferralId::from_uuid(uuid::Uuid::now_v7()));
    let sent = |id| NewOnwardReferral {
        id,
        case: world.case,
        history: vec![
            step(E::Proposed { offer: world.offer }, -50_400),
            step(E::AcceptedByPerson, -50_399),
            step(E::Sent, -50_398),
        ],
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::referral::insert_onward_many(&mut tx, &world.scope, access(), &[sent(a), sent(b)]).await.unwrap();
    tx.commit().await.unwrap();
    // Written out from the rules: a provider silent 5 working days after sending comes before
    // the baseline questionnaire 10 working days after the contact.
    assert_eq!(next_action_kind(db, world.case).await.as_deref(), Some("provider_silent"));

    let change = |id, expected_version| OnwardChange { id, expected_version, recorded: step(E::Lapsed, 900) };
    let mut tx = db.db.begin().await.unwrap();
    let results = lotse_store::referral::apply_onward_many(
        &mut tx,
        &world.scope,
        access(),
        vec![change(a, 3), change(b, 2), change(a, 4), change(b, 3)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // In order: a lapses; b at a stale version conflicts; a again is refused (it has lapsed, a
    // change sees the ones before it); b at its version lapses.
    assert_eq!(results.len(), 4);
    assert!(matches!(&results[0], Ok((status, 4)) if status.state == S::Lapsed), "{:?}", results[0]);
    assert!(matches!(results[1], Err(StoreError::Conflict { current_version: 3, .. })), "{:?}", results[1]);
    assert!(matches!(results[2], Err(StoreError::Transition(_))), "{:?}", results[2]);
    assert!(matches!(&results[3], Ok((status, 4)) if status.state == S::Lapsed), "{:?}", results[3]);
    assert_eq!(onward_row(db, a).await.2, 4);
    assert_eq!(onward_row(db, b).await.2, 4);
    // The figures computed once after the batch: the offer counts both lapses (and the world's
    // acknowledged one as answered), and with nothing unanswered left the case waits for its
    // baseline questionnaire.
    let mut tx = db.db.begin().await.unwrap();
    let stats = lotse_store::offer_answers::answer_stats(&mut tx, &world.scope).await.unwrap();
    drop(tx);
    assert_eq!((stats[&world.offer].lapsed, stats[&world.offer].answered), (2, 1), "{:?}", stats[&world.offer]);
    assert_eq!(next_action_kind(db, world.case).await.as_deref(), Some("questionnaire_due"));
    db.assert_audit_chains_intact().await;
});

storage_test!(async fn a_concern_is_kept_on_the_referral_row_and_changes_no_state(db) {
    use lotse_domain::referral::ConcernKind;
    let (_, scope) = db.programme("p-one").await;
    let (id, _) = issued_referral(db, &scope).await;
    let mut tx = db.db.begin().await.unwrap();
    let refused = lotse_store::referral::apply(
        &mut tx,
        &scope,
        access(),
        id,
        1,
        recorded(ReferralEvent::ConcernRaised { kind: ConcernKind::Safeguarding }, 2),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.to_string(), "referral.concern_raised is not allowed when the referral is issued");
    drop(tx);
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::referral::apply(&mut tx, &scope, access(), id, 1, recorded(ReferralEvent::Accepted, 5)).await.unwrap();
    let after = lotse_store::referral::apply(
        &mut tx,
        &scope,
        access(),
        id,
        2,
        recorded(ReferralEvent::ConcernRaised { kind: ConcernKind::HealthWorse }, 7),
    )
    .await
    .unwrap();
    assert_eq!((after.status.state, after.version), (ReferralState::Accepted, 3));
    lotse_store::referral::apply(&mut tx, &scope, access(), id, 3, recorded(ReferralEvent::Contacted, 9)).await.unwrap();
    tx.commit().await.unwrap();
    let row: (String, Option<String>, Option<time::OffsetDateTime>) = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select state, concern_kind, concern_raised_at from referral where referral_id = $1",
    )
    .bind(id.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap();
    let at7 = recorded(ReferralEvent::Accepted, 7).at;
    assert_eq!(row, ("contacted".to_owned(), Some("health_worse".to_owned()), Some(at7)), "a later event keeps the concern");
});
