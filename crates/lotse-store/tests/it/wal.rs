//! SQLite's write-ahead log: checkpointed beside the writer, and kept in bounds.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lotse_testkit::TestDb;

use crate::fixtures::{access, patient};

fn sqlite_path(db: &TestDb) -> PathBuf {
    db.url.sqlite_path().expect("a SQLite file")
}

/// Inserts one person in a write transaction of its own.
async fn insert_one(db: &TestDb, scope: &lotse_domain::actor::ProgrammeScope, i: usize) {
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::person::insert_patients(&mut tx, scope, access(), &[patient(scope, &format!("Person{i}"))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The number of people in the database file alone, read from a copy of it without its log:
/// what a checkpoint has copied into the file. `None` while a checkpoint is writing the file
/// (a copy taken then may be torn).
async fn people_in_file(path: &Path) -> Option<i64> {
    let copy = std::env::temp_dir().join(format!("lotse-wal-copy-{}.db", uuid::Uuid::new_v4()));
    std::fs::copy(path, &copy).ok()?;
    let url = format!("sqlite:{}?mode=ro", copy.display());
    let counted = async {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.ok()?;
        sqlx::query_scalar::<_, i64>("select count(*) from patient")
            .fetch_one(&mut c)
            .await
            .ok()
    }
    .await;
    std::fs::remove_file(&copy).ok();
    counted
}

fn wal_size(path: &Path) -> u64 {
    std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len())
}

/// A few pages written are far below SQLite's own checkpoint threshold (1,000 pages), so
/// without the checkpoint task they would stay in the log until the last connection closes.
#[tokio::test]
async fn a_committed_write_reaches_the_sqlite_file_without_waiting_for_the_logs_limit() {
    let db = TestDb::sqlite().await;
    let (_, scope) = db.programme("p-wal").await;
    let path = sqlite_path(&db);
    insert_one(&db, &scope, 0).await;
    insert_one(&db, &scope, 1).await;
    let mut seen = None;
    for _ in 0..100 {
        seen = people_in_file(&path).await;
        if seen == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, Some(2), "both people are in the database file itself within 10 s");
    assert!(
        wal_size(&path) > 0,
        "the log is still open: the task copied it, it did not close it"
    );
}

/// Writers still run SQLite's own checkpoints: they finish the log while no other write can
/// add to it, so that the next write starts it over. Without that the log only grows
/// (2,000 transactions of several pages each would make a log of tens of megabytes).
#[tokio::test]
async fn the_sqlite_log_starts_over_under_a_stream_of_writes() {
    let db = TestDb::sqlite().await;
    let (_, scope) = db.programme("p-wal").await;
    let path = sqlite_path(&db);
    let mut largest = 0;
    for i in 0..2_000 {
        insert_one(&db, &scope, i).await;
        largest = largest.max(wal_size(&path));
    }
    // SQLite's threshold is 1,000 pages of 4 KiB (and the frame headers): a log that starts
    // over stays within twice that.
    assert!(largest < 8 * 1024 * 1024, "the log grew to {largest} bytes");
    let people: i64 =
        lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from patient").fetch_one(p).await)
            .unwrap();
    assert_eq!(people, 2_000);
}
