//! Audited reads at load: reads of personal data in read transactions, one entry per list view,
//! group commit through the appender.

use std::time::Duration;

use lotse_domain::audit::{AuditAction, ChainBreak};
use lotse_domain::id::PatientId;
use lotse_store::{Db, on_pool};
use lotse_testkit::storage_test;
use uuid::Uuid;

use crate::fixtures::{access, patient};

async fn people(db: &lotse_testkit::TestDb, scope: &lotse_domain::actor::ProgrammeScope, n: usize) -> Vec<Uuid> {
    let people: Vec<_> = (0..n).map(|i| patient(scope, &format!("Person{i}"))).collect();
    let ids = people.iter().map(|p| p.profile.id.as_uuid()).collect();
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, scope, access(), &people)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    ids
}

async fn count(db: &Db, sql: &str, programme: Uuid) -> i64 {
    on_pool!(db, p => sqlx::query_scalar(sql).bind(programme).fetch_one(p).await).unwrap()
}

storage_test!(async fn a_read_of_several_records_is_one_entry_that_lists_them(db) {
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 5).await;
    let (before, _) = lotse_store::audit::head(&db.db, &scope).await.unwrap();
    assert_eq!(before, 1, "the insert of five people is one `create` entry");

    let mut tx = db.db.begin_read().await.unwrap();
    lotse_store::audit::record(&mut tx, &scope, access(), AuditAction::Read, lotse_domain::audit::ObjectKind::Patient, ids.iter().rev().copied())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (after, _) = lotse_store::audit::head(&db.db, &scope).await.unwrap();
    assert_eq!(after, 2, "one entry for the whole view");
    let p = scope.programme().as_uuid();
    assert_eq!(count(&db.db, "select count(*) from audit_object where programme_key = (select programme_key from programme where programme_id = $1) and seq = 2", p).await, 5);
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    // "Who saw this person?" finds the list entry from each person listed.
    let mut tx = db.db.begin_read().await.unwrap();
    for id in &ids {
        let entries = lotse_store::audit::list_for_object(&mut tx, &scope, lotse_domain::audit::ObjectKind::Patient, *id).await.unwrap();
        let actions: Vec<_> = entries.iter().map(|e| (e.seq, e.entry.action.as_str())).collect();
        assert_eq!(actions, [(2, "read"), (1, "create")]);
        assert_eq!(entries[0].entry.objects, sorted, "the records, in id order");
        assert!(entries[0].entry.object_id.is_nil());
    }
    // Nobody else is named by it.
    let stranger = lotse_store::audit::list_for_object(&mut tx, &scope, lotse_domain::audit::ObjectKind::Patient, Uuid::new_v4()).await.unwrap();
    assert!(stranger.is_empty());
    drop(tx);
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!((report.entries, report.broken), (2, None));
});

storage_test!(async fn a_changed_or_removed_record_of_a_list_entry_breaks_the_chain(db) {
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 3).await;
    db.skip_audit_check();
    let p = scope.programme().as_uuid();
    on_pool!(&db.db, c => sqlx::query("update audit_object set object_id = $2 where programme_key = (select programme_key from programme where programme_id = $1) and object_id = $3")
        .bind(p).bind(Uuid::new_v4()).bind(ids[1]).execute(c).await.map(|r| r.rows_affected())).unwrap();
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, Some(ChainBreak::Listed { seq: 1 }), "another id in the list");

    on_pool!(&db.db, c => sqlx::query("delete from audit_object where programme_key = (select programme_key from programme where programme_id = $1) and object_id = $2")
        .bind(p).bind(ids[0]).execute(c).await.map(|r| r.rows_affected())).unwrap();
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, Some(ChainBreak::Listed { seq: 1 }), "an id removed from the list");
});

storage_test!(async fn a_listed_record_without_its_entry_is_never_shown(db) {
    // audit_object has no foreign key to audit_entry (migration 0016): a row whose entry does
    // not exist must not make "who saw this person?" name anyone.
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 1).await;
    let p = scope.programme().as_uuid();
    on_pool!(&db.db, c => sqlx::query("insert into audit_object (programme_key, seq, object_id) values ((select programme_key from programme where programme_id = $1), 1000, $2)")
        .bind(p).bind(ids[0]).execute(c).await.map(|r| r.rows_affected())).unwrap();
    let mut tx = db.db.begin_read().await.unwrap();
    let entries = lotse_store::audit::list_for_object(&mut tx, &scope, lotse_domain::audit::ObjectKind::Patient, ids[0]).await.unwrap();
    drop(tx);
    let seqs: Vec<_> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1], "only the entry that created the person");
    // `audit verify` names the row that no entry lists.
    db.skip_audit_check();
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!(report.broken, Some(ChainBreak::Listed { seq: 1000 }));
});

storage_test!(async fn parallel_audited_reads_are_all_written_in_one_gap_free_chain(db) {
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 4).await;
    let (other_programme, other) = db.programme("p-two").await;
    let _ = other_programme;
    let reads = 120;
    let mut tasks = Vec::new();
    for i in 0..reads {
        let (pool, scope, other, ids) = (db.db.clone(), scope.clone(), other.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin_read().await.unwrap();
            let n = 1 + i % ids.len();
            lotse_store::audit::record(&mut tx, &scope, access(), AuditAction::Read, lotse_domain::audit::ObjectKind::Patient, ids[..n].to_vec())
                .await
                .unwrap();
            if i % 3 == 0 {
                // A denial in the other programme, in the same transaction.
                lotse_store::audit::record(&mut tx, &other, access(), AuditAction::AccessDenied, lotse_domain::audit::ObjectKind::Patient, [Uuid::new_v4()])
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Every commit returned after its entries were durable: all are there now.
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!((report.entries, report.broken), (i64::try_from(1 + reads).unwrap(), None));
    let report = lotse_store::audit::verify(&db.db, &other).await.unwrap();
    assert_eq!((report.entries, report.broken), (i64::try_from(reads.div_ceil(3)).unwrap(), None));
    let p = scope.programme().as_uuid();
    // 120 reads of 1, 2, 3, 4 people in turn: 30 single entries, 90 list entries.
    let listed = count(&db.db, "select count(*) from audit_object where programme_key = (select programme_key from programme where programme_id = $1) and seq > 1", p).await;
    assert_eq!(listed, 30 * (2 + 3 + 4));
});

storage_test!(async fn a_read_transaction_that_is_not_committed_writes_no_entry(db) {
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 2).await;
    let mut tx = db.db.begin_read().await.unwrap();
    lotse_store::audit::record(&mut tx, &scope, access(), AuditAction::Read, lotse_domain::audit::ObjectKind::Patient, ids.clone())
        .await
        .unwrap();
    drop(tx);
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::audit::record(&mut tx, &scope, access(), AuditAction::Read, lotse_domain::audit::ObjectKind::Patient, ids)
        .await
        .unwrap();
    drop(tx);
    let (head, _) = lotse_store::audit::head(&db.db, &scope).await.unwrap();
    assert_eq!(head, 1, "only the `create` entry");
});

storage_test!(async fn an_open_read_does_not_hold_the_chain_head(db) {
    // A request's reads run while other requests append: the chain-head row is locked only
    // inside the appender's short transaction (before, an audited read held it, on PostgreSQL,
    // for the whole request).
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 2).await;
    let mut slow = db.db.begin_read().await.unwrap();
    let patient = PatientId::from_uuid(ids[0]);
    lotse_store::person::get_identity(&mut slow, &scope, access(), patient).await.unwrap();

    let pool = db.db.clone();
    let other_scope = scope.clone();
    let other = tokio::time::timeout(Duration::from_secs(5), async move {
        let mut tx = pool.begin_read().await.unwrap();
        lotse_store::person::get_identity(&mut tx, &other_scope, access(), PatientId::from_uuid(ids[1])).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        lotse_store::person::insert_patients(&mut tx, &other_scope, access(), &[patient_named(&other_scope)]).await.unwrap();
        tx.commit().await.unwrap();
    })
    .await;
    assert!(other.is_ok(), "another request's read and write waited for an open read");
    slow.commit().await.unwrap();
    let report = lotse_store::audit::verify(&db.db, &scope).await.unwrap();
    assert_eq!((report.entries, report.broken), (4, None), "create, read, create, read");
});

fn patient_named(scope: &lotse_domain::actor::ProgrammeScope) -> lotse_store::person::NewPatient {
    patient(scope, "Later")
}

storage_test!(async fn a_write_transaction_appends_its_entries_with_its_change(db) {
    let (_, scope) = db.programme("p-one").await;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, &scope, access(), &[patient(&scope, "A")]).await.unwrap();
    drop(tx);
    assert_eq!(lotse_store::audit::head(&db.db, &scope).await.unwrap().0, 0, "rolled back: no entry");
    let p = scope.programme().as_uuid();
    assert_eq!(count(&db.db, "select count(*) from patient where programme_key = (select programme_key from programme where programme_id = $1)", p).await, 0);
    people(db, &scope, 1).await;
    assert_eq!(lotse_store::audit::head(&db.db, &scope).await.unwrap().0, 1);
    assert_eq!(count(&db.db, "select count(*) from patient where programme_key = (select programme_key from programme where programme_id = $1)", p).await, 1);
});

storage_test!(async fn a_person_s_trail_shows_an_entry_once_however_many_of_their_records_it_lists(db) {
    // An entry listing two of the records asked about (a case page reads a person's consents
    // as one entry) is one line of "who saw this person?", not one per record.
    let (_, scope) = db.programme("p-one").await;
    let ids = people(db, &scope, 2).await;
    let mut tx = db.db.begin_read().await.unwrap();
    lotse_store::audit::record(&mut tx, &scope, access(), AuditAction::Read, lotse_domain::audit::ObjectKind::Patient, ids.clone())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let objects: Vec<_> = ids.iter().map(|id| (lotse_domain::audit::ObjectKind::Patient, *id)).collect();
    let mut tx = db.db.begin_read().await.unwrap();
    let trail = lotse_store::audit::list_for_objects(&mut tx, &scope, &objects, 50).await.unwrap();
    drop(tx);
    let seqs: Vec<_> = trail.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 1], "the read and the create, each once, newest first");
});
