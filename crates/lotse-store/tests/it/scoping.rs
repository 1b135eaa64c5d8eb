use lotse_domain::audit::{AuditAction, AuditPurpose};
use lotse_store::StoreError;
use lotse_testkit::storage_test;

use crate::fixtures::{access, issued_referral, patient};

storage_test!(async fn another_programme_cannot_see_a_referral(db) {
    let (_, one) = db.programme("p-one").await;
    let (_, two) = db.programme("p-two").await;
    let (id, facility) = issued_referral(db, &one).await;
    let mut tx = db.db.begin().await.unwrap();
    let err = lotse_store::referral::get(&mut tx, &two, id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "referral" }), "{err:?}");
    let err = lotse_store::directory::get_organisation(&mut tx, &two, facility).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(lotse_store::referral::list_ids(&mut tx, &two).await.unwrap().is_empty());
    assert_eq!(lotse_store::referral::list_ids(&mut tx, &one).await.unwrap(), vec![id]);
});

storage_test!(async fn reading_an_identity_is_audited_and_scoped(db) {
    let (_, one) = db.programme("p-one").await;
    let (_, two) = db.programme("p-two").await;
    let p = patient(&one, "Erika");
    let id = p.profile.id;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, &one, access(), &[p]).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.db.begin().await.unwrap();
    let identity = lotse_store::person::get_identity(&mut tx, &one, access(), id).await.unwrap();
    assert_eq!(identity.given_name, "Erika");
    tx.commit().await.unwrap();
    let mut tx = db.db.begin().await.unwrap();
    assert!(lotse_store::person::get_identity(&mut tx, &two, access(), id).await.is_err());
    drop(tx);

    let mut tx = db.db.begin().await.unwrap();
    let entries = lotse_store::audit::list_for_object(&mut tx, &one, lotse_domain::audit::ObjectKind::Patient, id.as_uuid()).await.unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, [AuditAction::Read.code(), AuditAction::Create.code()]);
    assert!(entries.iter().all(|e| e.entry.purpose == AuditPurpose::Care.code()));
    assert!(entries.iter().all(|e| !format!("{e:?}").contains("Erika")), "no personal data in audit entries");
    let other = lotse_store::audit::list_for_object(&mut tx, &two, lotse_domain::audit::ObjectKind::Patient, id.as_uuid()).await.unwrap();
    assert!(other.is_empty());
});

storage_test!(async fn a_duplicate_prescription_code_is_refused(db) {
    use lotse_domain::id::{PrescriptionId, UserId};
    use lotse_domain::prescription::{Prescription, PrescriptionCode};
    let (_, scope) = db.programme("p-one").await;
    let (_, facility) = issued_referral(db, &scope).await;
    let p = patient(&scope, "Else");
    let user = UserId::from_uuid(uuid::Uuid::new_v4());
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::user::insert(&mut tx, user, &lotse_domain::user::Username::parse("dr.a").unwrap(), "Dr. A", "x", lotse_testkit::fixed_now()).await.unwrap();
    lotse_store::person::insert_patients(&mut tx, &scope, access(), std::slice::from_ref(&p)).await.unwrap();
    let rx = |n| Prescription {
        id: PrescriptionId::from_uuid(uuid::Uuid::new_v4()),
        programme: scope.programme(),
        code: PrescriptionCode::from_values([1, 2, 3, 4, 5, 6, 7, n]),
        patient: p.profile.id,
        practice: facility,
        prescriber: user,
        need_domains: vec![lotse_domain::need::NeedDomain::Loneliness],
        issued_at: lotse_testkit::fixed_now(),
        urgency: lotse_domain::prescription::Urgency::Routine,
            link_facility: None,
    };
    lotse_store::person::insert_prescriptions(&mut tx, &scope, access(), &[rx(8)]).await.unwrap();
    tx.commit().await.unwrap();
    // A batch whose second code is taken: the store does not draw codes (callers do, and the
    // demo draws a colliding one again); it refuses the batch with an error naming the code
    // key, and nothing of the batch is written.
    let mut tx = db.db.begin().await.unwrap();
    let err = lotse_store::person::insert_prescriptions(&mut tx, &scope, access(), &[rx(9), rx(8)]).await.unwrap_err();
    match &err {
        StoreError::Duplicate { constraint } => assert!(constraint.contains("code"), "{constraint}"),
        other => panic!("expected a duplicate code, got {other:?}"),
    }
    drop(tx);
    let stored: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from prescription where programme_key = (select programme_key from programme where programme_id = $1)")
        .bind(scope.programme().as_uuid()).fetch_one(p).await).unwrap();
    assert_eq!(stored, 1, "the refused batch wrote nothing");
});

storage_test!(async fn a_read_transaction_refuses_writes_and_does_not_block_writers(db) {
    let (_, scope) = db.programme("p-one").await;
    let mut read = db.db.begin_read().await.unwrap();
    assert!(lotse_store::referral::list_ids(&mut read, &scope).await.unwrap().is_empty());
    // A writer commits while the read transaction is open.
    issued_referral(db, &scope).await;
    drop(read);
    if db.engine() == lotse_store::Engine::Postgres {
        let mut read = db.db.begin_read().await.unwrap();
        let p = patient(&scope, "Nora");
        let err = lotse_store::person::insert_patients(&mut read, &scope, access(), &[p]).await.unwrap_err();
        assert!(err.to_string().contains("read-only"), "{err}");
    }
});
