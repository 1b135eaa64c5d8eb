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
