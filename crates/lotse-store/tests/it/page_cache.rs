//! SQLite's page cache as Lotse builds it (`.cargo/config.toml`, `LIBSQLITE3_FLAGS`): one cache
//! per connection, allocated in one piece, instead of the bundled default's shared cache that
//! allocates every page on its own (BENCHMARKS.md: a provider's inbox served 1.2-1.7x the requests).

use lotse_store::on_pool;
use lotse_testkit::TestDb;

#[tokio::test]
async fn sqlite_keeps_one_page_cache_per_connection_in_one_piece() {
    let lite = TestDb::sqlite().await;
    let options: Vec<String> =
        on_pool!(&lite.db, p => sqlx::query_scalar("select compile_options from pragma_compile_options").fetch_all(p).await)
            .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_PCACHE_INITSZ=1000"),
        "the page cache is not allocated in one piece: {options:?}"
    );
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "connections share one page cache again: {options:?}"
    );
}
