//! Planner statistics: `Db::optimize` leaves statistics the planner reads, on both engines.

use lotse_store::{Engine, on_pool};
use lotse_testkit::storage_test;

use crate::fixtures::issued_referral;

storage_test!(async fn optimize_leaves_statistics_for_the_planner(db) {
    let (_, scope) = db.programme("p-one").await;
    issued_referral(db, &scope).await;
    db.db.optimize().await.unwrap();
    let analysed: i64 = match db.engine() {
        // sqlite_stat1 exists only once ANALYZE (run by PRAGMA optimize) has written it.
        Engine::Sqlite => on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from sqlite_stat1 where tbl = 'referral'").fetch_one(p).await).unwrap(),
        Engine::Postgres => on_pool!(&db.db, p => sqlx::query_scalar(
            "select count(*) from pg_stat_user_tables where relname = 'referral' and last_analyze is not null",
        ).fetch_one(p).await).unwrap(),
    };
    assert!(analysed >= 1, "statistics for referral: {analysed}");
    if db.engine() == Engine::Sqlite {
        // Sampled key values would make SQLite re-plan parameterised statements at every
        // binding: the optimiser keeps sizes only.
        let samples: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from sqlite_stat4").fetch_one(p).await).unwrap();
        assert_eq!(samples, 0, "sqlite_stat4 rows left");
    }
});
