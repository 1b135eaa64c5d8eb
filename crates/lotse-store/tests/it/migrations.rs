use std::collections::BTreeSet;

use lotse_store::{Db, migrate, on_pool};
use lotse_testkit::TestDb;

#[test]
fn both_engines_have_the_same_migrations() {
    assert_eq!(migrate::names(&migrate::SQLITE), migrate::names(&migrate::POSTGRES));
    assert!(!migrate::names(&migrate::SQLITE).is_empty());
}

/// (table, column, nullable) for every column of Lotse's tables.
async fn columns(db: &Db) -> BTreeSet<(String, String, bool)> {
    match db {
        Db::Sqlite(db) => {
            let pool = &db.pool;
            let tables: Vec<String> = sqlx::query_scalar(
                "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let mut out = BTreeSet::new();
            for t in tables {
                let rows: Vec<(String, i64, i64)> =
                    sqlx::query_as(&format!("select name, \"notnull\", pk from pragma_table_info('{t}')"))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                for (name, notnull, pk) in rows {
                    out.insert((t.clone(), name, notnull == 0 && pk == 0));
                }
            }
            out
        }
        Db::Postgres(db) => {
            let pool = &db.pool;
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "select table_name::text, column_name::text, is_nullable::text from information_schema.columns \
                 where table_schema = 'public' and table_name != '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            rows.into_iter().map(|(t, c, n)| (t, c, n == "YES")).collect()
        }
    }
}

async fn indexes(db: &Db) -> BTreeSet<String> {
    let names: Vec<String> = on_pool!(db, p => match db {
        Db::Sqlite(_) => sqlx::query_scalar("select name from sqlite_master where type = 'index' and name not like 'sqlite_%'").fetch_all(p).await,
        Db::Postgres(_) => sqlx::query_scalar("select indexname::text from pg_indexes where schemaname = 'public' and indexname not like '%_pkey' and indexname not like '%_key'").fetch_all(p).await,
    })
    .unwrap();
    names.into_iter().collect()
}

/// Both engines end with the same tables, columns, nullability and named indexes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_equals_sqlite_schema() {
    let Some(pg) = TestDb::postgres().await else { return };
    let lite = TestDb::sqlite().await;
    assert_eq!(columns(&lite.db).await, columns(&pg.db).await);
    assert_eq!(indexes(&lite.db).await, indexes(&pg.db).await);
}

/// Applying the migrations again changes nothing (a migrated database is up to date).
#[tokio::test]
async fn migrating_twice_applies_nothing() {
    let lite = TestDb::sqlite().await;
    assert_eq!(migrate::run(&lite.db).await.unwrap(), 0);
}
