//! Planner statistics: `Db::optimize` leaves statistics the planner reads, on both engines,
//! and on SQLite every connection of the pool plans with them.

use lotse_store::{Db, Engine, on_conn, on_pool};
use lotse_testkit::{TestDb, storage_test};

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

const PROBE: &str = "explain query plan select a.id, b.id from probe_a a join probe_b b on a.x = b.y";

/// The plan a connection makes for a join of the probe tables: the smaller one outside, by the
/// sizes the connection has loaded.
async fn probe_plan(c: &mut sqlx::SqliteConnection) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(PROBE).fetch_all(&mut *c).await.unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
}

/// Waits (at most 5 s) until `n` connections are back in the pool: a dropped connection goes
/// back by a task of its own.
async fn idle(pool: &sqlx::SqlitePool, n: usize) {
    for _ in 0..500 {
        if pool.num_idle() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn optimize_reaches_every_sqlite_connection_not_only_its_own() {
    let lite = TestDb::sqlite().await;
    let Db::Sqlite(sqlite) = &lite.db else { unreachable!() };
    let pool = sqlite.pool();
    sqlx::raw_sql(
        "create table probe_a (id integer primary key, x integer not null); create index probe_a_x on probe_a (x); \
         create table probe_b (id integer primary key, y integer not null); create index probe_b_y on probe_b (y); \
         with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000) insert into probe_a (x) select i from n; \
         with recursive n(i) as (select 1 union all select i + 1 from n where i < 20) insert into probe_b (y) select i from n;",
    )
    .execute(pool)
    .await
    .unwrap();
    lite.db.optimize().await.unwrap();
    // A connection of the pool with these sizes: probe_b is the small one.
    let mut held = pool.acquire().await.unwrap();
    sqlx::query("ANALYZE sqlite_schema").execute(&mut *held).await.unwrap();
    let plan = probe_plan(&mut held).await;
    assert!(plan.starts_with("SCAN b"), "{plan}");
    // probe_b grows ten-thousandfold, while the connection is idle in the pool (and the read
    // pool has connections of its own, opened now).
    let second = pool.acquire().await.unwrap();
    drop((held, second));
    let reads = vec![lite.db.begin_read().await.unwrap(), lite.db.begin_read().await.unwrap()];
    drop(reads);
    idle(pool, 2).await;
    sqlx::raw_sql(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 200000) insert into probe_b (y) select i from n;",
    )
    .execute(pool)
    .await
    .unwrap();
    lite.db.optimize().await.unwrap();
    idle(pool, 2).await;
    // Whichever connection ran the ANALYZE, each of the pool plans with the new sizes.
    let mut all = Vec::new();
    while let Some(mut c) = pool.try_acquire() {
        let plan = probe_plan(&mut c).await;
        assert!(plan.starts_with("SCAN a"), "stale statistics: {plan}");
        all.push(c);
    }
    assert!(all.len() >= 2, "the pool held {} connections", all.len());
    // So does each connection of the read pool, which still refuses to write.
    let mut reads = vec![lite.db.begin_read().await.unwrap(), lite.db.begin_read().await.unwrap()];
    for tx in &mut reads {
        let rows: Vec<(i64, i64, i64, String)> = on_conn!(tx, c => sqlx::query_as(PROBE).fetch_all(c).await).unwrap();
        let plan = rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ");
        assert!(
            plan.starts_with("SCAN a"),
            "stale statistics in a read transaction: {plan}"
        );
        let refused = on_conn!(tx, c => sqlx::query("delete from probe_a").execute(c).await.map(|_| ()));
        assert!(
            refused.is_err(),
            "a read transaction wrote after the statistics were reloaded"
        );
    }
}
