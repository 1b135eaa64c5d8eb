use sqlx::migrate::Migrator;

use crate::db::Db;
use crate::error::StoreResult;

/// SQLite migrations, embedded at build time.
pub static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
/// PostgreSQL migrations, embedded at build time; the same names as [`SQLITE`].
pub static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// Applies pending migrations, then the upkeep they left for Rust
/// ([`crate::next_action::fill_pending`]); returns how many migrations were applied.
pub async fn run(db: &Db) -> StoreResult<usize> {
    let before = applied(db).await?;
    match db {
        Db::Sqlite(db) => SQLITE.run(&db.pool).await,
        Db::Postgres(db) => POSTGRES.run(&db.pool).await,
    }
    .map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => crate::StoreError::from(inner),
        other => crate::StoreError::Corrupt(format!("migration failed: {other}")),
    })?;
    crate::next_action::fill_pending(db).await?;
    Ok(applied(db).await?.saturating_sub(before))
}

async fn applied(db: &Db) -> StoreResult<usize> {
    let exists: bool = match db {
        Db::Sqlite(db) => {
            let pool = &db.pool;
            sqlx::query_scalar::<_, i64>(
                "select count(*) from sqlite_master where type = 'table' and name = '_sqlx_migrations'",
            )
            .fetch_one(pool)
            .await?
                > 0
        }
        Db::Postgres(db) => {
            let pool = &db.pool;
            sqlx::query_scalar::<_, bool>("select to_regclass('_sqlx_migrations') is not null")
                .fetch_one(pool)
                .await?
        }
    };
    if !exists {
        return Ok(0);
    }
    let n: i64 = crate::on_pool!(db, p => sqlx::query_scalar("select count(*) from _sqlx_migrations where success").fetch_one(p).await)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The migration names, in order, for the pairing test.
pub fn names(migrator: &Migrator) -> Vec<String> {
    migrator
        .iter()
        .map(|m| format!("{:04}_{}", m.version, m.description))
        .collect()
}
