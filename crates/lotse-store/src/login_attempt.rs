//! Failed sign-in counters (installation-wide), for throttling and temporary lockout.

use time::OffsetDateTime;

use crate::db::{Db, Tx};
use crate::error::StoreResult;
use crate::{on_conn, on_pool};

/// The counter for one account name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Failures counted in the current window.
    pub failures: i64,
    /// When the window began.
    pub first_failure_at: OffsetDateTime,
    /// Locked until then, if locked.
    pub locked_until: Option<OffsetDateTime>,
}

/// The counter for a name hash, if any.
pub async fn find(db: &Db, username_hash: &str) -> StoreResult<Option<Attempts>> {
    let row: Option<(i64, OffsetDateTime, Option<OffsetDateTime>)> = on_pool!(db, p => sqlx::query_as(
        "select failures, first_failure_at, locked_until from login_attempt where username_hash = $1",
    )
    .bind(username_hash)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(failures, first_failure_at, locked_until)| Attempts {
        failures,
        first_failure_at,
        locked_until,
    }))
}

/// Stores the counter for a name hash (insert or replace).
pub async fn save(tx: &mut Tx, username_hash: &str, attempts: &Attempts) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "insert into login_attempt (username_hash, failures, first_failure_at, locked_until) values ($1, $2, $3, $4) \
         on conflict (username_hash) do update set failures = excluded.failures, \
         first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until",
    )
    .bind(username_hash)
    .bind(attempts.failures)
    .bind(attempts.first_failure_at)
    .bind(attempts.locked_until)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets the counter (after a successful sign-in).
pub async fn clear(tx: &mut Tx, username_hash: &str) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from login_attempt where username_hash = $1")
        .bind(username_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
