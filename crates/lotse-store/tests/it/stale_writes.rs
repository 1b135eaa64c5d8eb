//! No silent overwrite: a write naming a version that is no longer stored is refused with the
//! version now stored, and changes nothing (programme settings, consent withdrawal).

use lotse_store::StoreError;
use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::fixtures::access;

storage_test!(async fn a_stale_programme_settings_write_is_refused_and_changes_nothing(db) {
    let (programme, _) = db.programme("p-stale").await;
    let read_at = lotse_store::programme::version(&db.db, programme.id).await.unwrap();
    // Someone else changes the settings first.
    let mut first = programme.clone();
    first.retention_days = 400;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::programme::update_privacy(&mut tx, &first, read_at).await.unwrap();
    tx.commit().await.unwrap();
    // The write based on the old read is refused.
    let mut second = programme.clone();
    second.second_factor_required = !programme.second_factor_required;
    second.retention_days = 900;
    let mut tx = db.db.begin().await.unwrap();
    let err = lotse_store::programme::update_privacy(&mut tx, &second, read_at).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { kind: "programme", current_version } if current_version == read_at + 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("reload"), "{err}");
    drop(tx);
    let stored = lotse_store::programme::get(&db.db, programme.id).await.unwrap();
    assert_eq!(stored.retention_days, 400, "the first write stands");
    assert_eq!(stored.second_factor_required, programme.second_factor_required);
    assert_eq!(lotse_store::programme::version(&db.db, programme.id).await.unwrap(), read_at + 1);
});

storage_test!(async fn a_stale_consent_withdrawal_is_refused_and_changes_nothing(db) {
    let world = World::build(db, "stale-consent").await;
    let mut tx = db.db.begin().await.unwrap();
    let shown = lotse_store::record::consents(&mut tx, &world.scope, access(), world.person).await.unwrap();
    let care = shown.iter().find(|c| c.id == world.care_consent).unwrap().clone();
    assert_eq!(care.version, 1);
    // A version the page never showed (e.g. from before another change) is refused.
    let err = lotse_store::record::withdraw_consent(&mut tx, &world.scope, access(), world.person, care.id, 0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { kind: "consent", current_version: 1 }), "{err:?}");
    let after = lotse_store::record::consents(&mut tx, &world.scope, access(), world.person).await.unwrap();
    assert_eq!(after, shown, "nothing changed");
    // The version shown withdraws it once; the same version again is stale.
    lotse_store::record::withdraw_consent(&mut tx, &world.scope, access(), world.person, care.id, 1).await.unwrap();
    let err = lotse_store::record::withdraw_consent(&mut tx, &world.scope, access(), world.person, care.id, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { kind: "consent", current_version: 2 }), "{err:?}");
    tx.commit().await.unwrap();
});
