//! Read transactions refuse writes on both engines, and leave no connection read-only (nor
//! inside a transaction when the caller went away while it began).

use lotse_store::StoreError;
use lotse_testkit::storage_test;

storage_test!(async fn a_write_inside_a_read_transaction_fails_and_the_pool_stays_writable(db) {
    // Every connection of the pool (4) in a read transaction at once, each trying to write.
    let mut reads = Vec::new();
    for _ in 0..4 {
        reads.push(db.db.begin_read().await.unwrap());
    }
    for tx in &mut reads {
        let err: StoreError = lotse_store::on_conn!(tx, c => sqlx::query("delete from session").execute(c).await.map(|_| ()))
            .map_err(StoreError::from)
            .expect_err("a write inside begin_read must fail");
        let message = err.to_string();
        assert!(message.contains("read-only") || message.contains("readonly"), "{message}");
    }
    drop(reads);
    // Afterwards every connection writes again (the read-only mode was reset).
    lotse_store::on_pool!(&db.db, p => {
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(p.acquire().await.unwrap());
        }
        for c in &mut conns {
            sqlx::query("delete from session").execute(&mut **c).await.unwrap();
        }
    });
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::on_conn!(&mut tx, c => sqlx::query("delete from session").execute(c).await.map(|_| ())).unwrap();
    tx.commit().await.unwrap();
});

/// Polls `fut` up to `polls` times, yielding to the runtime between polls, then drops it
/// unfinished: a request whose client went away at that point.
async fn abandon<F: std::future::Future>(fut: F, polls: usize) {
    let mut fut = std::pin::pin!(fut);
    for _ in 0..polls {
        let ready = std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx).is_ready())).await;
        if ready {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// A second handle on the test's database with one connection per pool, so that the next
/// transaction gets the connection an abandoned one had.
async fn one_connection(db: &lotse_testkit::TestDb) -> lotse_store::Db {
    let settings = lotse_store::db::PoolSettings {
        max_connections: 1,
        ..lotse_store::db::PoolSettings::default()
    };
    lotse_store::Db::connect(&db.url, settings).await.unwrap()
}

storage_test!(async fn a_transaction_abandoned_while_it_begins_leaves_no_transaction_behind(db) {
    // One connection, so the next transaction gets the connection the abandoned one had. A
    // read transaction dropped while its `BEGIN READ ONLY` is on the wire must not leave the
    // connection inside it: the next write transaction would then be read-only.
    let one = one_connection(db).await;
    for polls in 1..=30 {
        abandon(one.begin_read(), polls).await;
        let mut tx = one.begin().await.unwrap();
        lotse_store::on_conn!(&mut tx, c => sqlx::query("delete from session").execute(c).await.map(|_| ()))
            .unwrap_or_else(|e| panic!("after abandoning a read transaction at poll {polls}: {e}"));
        tx.commit().await.unwrap();
    }
});

storage_test!(async fn a_write_transaction_abandoned_while_it_begins_leaves_no_transaction_behind(db) {
    // One connection per pool, so the next transaction gets the connection the abandoned one
    // had. A write transaction dropped while its `BEGIN` (on SQLite `BEGIN IMMEDIATE`, which
    // takes the write lock) is under way must not leave the connection inside it: every later
    // write would then fail ("database is locked", or a transaction that cannot begin).
    let one = one_connection(db).await;
    for polls in 1..=30 {
        abandon(one.begin(), polls).await;
        let mut tx = one.begin().await
            .unwrap_or_else(|e| panic!("after abandoning a write transaction at poll {polls}: {e}"));
        lotse_store::on_conn!(&mut tx, c => sqlx::query("delete from session").execute(c).await.map(|_| ()))
            .unwrap_or_else(|e| panic!("after abandoning a write transaction at poll {polls}: {e}"));
        tx.commit().await.unwrap();
        abandon(one.begin_read(), polls).await;
        let tx = one.begin_read().await
            .unwrap_or_else(|e| panic!("after abandoning a read transaction at poll {polls}: {e}"));
        tx.commit().await.unwrap();
    }
});
