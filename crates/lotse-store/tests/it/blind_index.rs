//! A person's blind index finds other spellings of the same name and birth date without
//! decrypting anyone, and `lotse keys rotate` (resealing) fills in a missing one.

use lotse_testkit::storage_test;
use lotse_testkit::world::World;

use crate::fixtures::access;

storage_test!(async fn a_blind_index_finds_one_person_and_resealing_fills_a_missing_one(db) {
    let world = World::build(db, "blind").await;
    let person = crate::fixtures::patient(&world.scope, "Jürgen");
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, &world.scope, access(), std::slice::from_ref(&person)).await.unwrap();
    tx.commit().await.unwrap();
    let spelt_otherwise = lotse_domain::patient::PatientIdentity {
        given_name: "JUERGEN".into(),
        ..person.identity.clone()
    };
    let find = |identity: lotse_domain::patient::PatientIdentity| {
        let scope = world.scope.clone();
        async move {
            let mut tx = db.db.begin_read().await.unwrap();
            let found = lotse_store::person::possible_duplicates(&mut tx, &scope, &identity).await.unwrap();
            tx.commit().await.unwrap();
            found
        }
    };
    assert_eq!(find(spelt_otherwise.clone()).await, [person.profile.id]);
    // A row without an index (written before migration 0026) is found after resealing.
    lotse_store::on_pool!(&db.db, p => sqlx::query("update patient_identity set blind_index = null, blind_key_id = null where patient_id = $1")
        .bind(person.profile.id.as_uuid())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    assert!(find(spelt_otherwise.clone()).await.is_empty());
    let mut tx = db.db.begin().await.unwrap();
    let resealed = lotse_store::person::reseal_identities(&mut tx, &world.scope, access()).await.unwrap();
    tx.commit().await.unwrap();
    assert!(resealed >= 1);
    assert_eq!(find(spelt_otherwise).await, [person.profile.id]);
});
