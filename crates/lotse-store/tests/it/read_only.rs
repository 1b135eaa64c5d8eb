//! Read transactions refuse writes on both engines, and leave no connection read-only.

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
