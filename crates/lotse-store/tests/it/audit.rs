use lotse_domain::audit::ChainBreak;
use lotse_store::{Db, on_pool};
use lotse_testkit::storage_test;

use crate::fixtures::{access, issued_referral, patient};

async fn seed(db: &lotse_testkit::TestDb) -> lotse_domain::actor::ProgrammeScope {
    let (_, scope) = db.programme("p-one").await;
    issued_referral(db, &scope).await;
    // One insert per person, so each is one `create` entry (an insert of several records is
    // one entry listing them).
    for i in 0..5 {
        let mut tx = db.db.begin().await.unwrap();
        lotse_store::person::insert_patients(&mut tx, &scope, access(), &[patient(&scope, &format!("Person{i}"))])
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    scope
}

async fn exec(db: &Db, sql: &str, programme: uuid::Uuid) {
    on_pool!(db, p => sqlx::query(sql).bind(programme).execute(p).await.map(|r| r.rows_affected())).unwrap();
}

storage_test!(async fn an_intact_chain_verifies(db) {
    let scope = seed(db).await;
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.entries, 7, "1 patient + 1 referral + 5 patients");
});

storage_test!(async fn an_altered_row_is_named(db) {
    let scope = seed(db).await;
    db.skip_audit_check();
    exec(&db.db, "update audit_entry set action = 'read' where programme_key = (select programme_key from programme where programme_id = $1) and seq = 4", scope.programme().as_uuid()).await;
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, Some(ChainBreak::Altered { seq: 4 }));
    assert_eq!(report.entries, 3);
});

storage_test!(async fn a_deleted_row_is_named(db) {
    let scope = seed(db).await;
    db.skip_audit_check();
    exec(&db.db, "delete from audit_entry where programme_key = (select programme_key from programme where programme_id = $1) and seq = 2", scope.programme().as_uuid()).await;
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, Some(ChainBreak::Missing { expected: 2, found: 3 }));
});

storage_test!(async fn a_deleted_tail_is_detected(db) {
    let scope = seed(db).await;
    db.skip_audit_check();
    exec(&db.db, "delete from audit_entry where programme_key = (select programme_key from programme where programme_id = $1) and seq >= 6", scope.programme().as_uuid()).await;
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, Some(ChainBreak::Truncated { last: 5, head: 7 }));
});

storage_test!(async fn concurrent_appends_keep_one_chain(db) {
    let scope = seed(db).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (pool, scope) = (db.db.clone(), scope.clone());
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            let p = patient(&scope, &format!("Parallel{i}"));
            lotse_store::person::insert_patients(&mut tx, &scope, access(), &[p]).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.entries, 15);
});
