//! `lotse migrate`: a SQLite database it migrated has fresh planner statistics, so a command
//! run before the next `serve` (a cron job) plans with the indexes the migrations added.

use std::str::FromStr as _;

use crate::server::lotse;

#[tokio::test]
async fn migrating_a_sqlite_database_refreshes_its_planner_statistics() {
    let dir = std::env::temp_dir().join(format!("lotse-migrate-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lotse.db");
    let url = format!("sqlite:{}", file.display());
    let out = lotse()
        .args(["migrate", "--database-url", &url])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .unwrap()
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    // ANALYZE (run by `PRAGMA optimize`) creates sqlite_stat1; nothing else does.
    let analysed: i64 = sqlx::query_scalar("select count(*) from sqlite_schema where name = 'sqlite_stat1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(analysed, 1, "no planner statistics after the migrations");
    std::fs::remove_dir_all(&dir).ok();
}
