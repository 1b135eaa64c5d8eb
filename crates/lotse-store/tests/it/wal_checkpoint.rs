//! SQLite's WAL checkpoints: never inside a commit (where a read waiting for its audit entries
//! would wait for the appender's checkpoint too), always by the database's checkpoint task.

use std::time::{Duration, Instant};

use lotse_store::db::Db;
use lotse_testkit::TestDb;

#[tokio::test]
async fn sqlite_commits_never_checkpoint_and_the_task_does() {
    let lite = TestDb::sqlite().await;
    let Db::Sqlite(sqlite) = &lite.db else { unreachable!() };
    let pool = sqlite.pool();
    let path = lite.url.sqlite_path().expect("a file");
    // The connections leave the checkpoint to the task.
    let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(auto, 0, "a commit may run a checkpoint");
    // 3,000 pages in one commit: SQLite's default would checkpoint in this commit (past 1,000).
    let size_before = std::fs::metadata(&path).unwrap().len();
    sqlx::raw_sql(
        "create table probe_wal (id integer primary key, filler blob not null); \
         with recursive n(i) as (select 1 union all select i + 1 from n where i < 3000) \
         insert into probe_wal (filler) select zeroblob(3500) from n;",
    )
    .execute(pool)
    .await
    .unwrap();
    // The rows reach the database file only by a checkpoint: the task's, within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let size = std::fs::metadata(&path).unwrap().len();
        if size >= size_before + 3000 * 3500 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no checkpoint in 20 s: the file has {size} bytes, {size_before} before"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
