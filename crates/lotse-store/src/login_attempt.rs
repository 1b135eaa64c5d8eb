//! Failed sign-in counters (installation-wide), for throttling and temporary lockout: one per
//! account name and one per client address in `login_attempt`, and one per account for wrong
//! second-factor codes in `second_factor_attempt`.
//!
//! Every attempt is counted *before* the password or code is checked, in one statement that
//! also says whether the key is locked: parallel requests cannot all slip through between a
//! read and a write.

use lotse_domain::id::UserId;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreResult;
use crate::{on_conn, on_pool};

/// The counter for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Failures counted in the current window.
    pub failures: i64,
    /// When the window began.
    pub first_failure_at: OffsetDateTime,
    /// Locked until then, if locked.
    pub locked_until: Option<OffsetDateTime>,
}

/// The limits for one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Attempts allowed within the window; the one that reaches it locks the key.
    pub max_failures: i64,
    /// The window in which failures are counted.
    pub window: time::Duration,
    /// How long the key stays locked.
    pub lockout: time::Duration,
}

/// What counting an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Attempts in the window, this one included.
    pub failures: i64,
    /// Locked until then, if this attempt found or made the key locked.
    pub locked_until: Option<OffsetDateTime>,
    /// Whether the key was locked already: this attempt must be refused unchecked.
    pub refused: bool,
}

impl Counted {
    /// Whether this attempt reached the limit (and locked the key), if it turns out wrong.
    pub const fn locks(&self, limits: &Limits) -> bool {
        !self.refused && self.failures >= limits.max_failures
    }
}

/// The counter for a key, if any.
pub async fn find(db: &Db, key: &str) -> StoreResult<Option<Attempts>> {
    let row: Option<(i64, OffsetDateTime, Option<OffsetDateTime>)> = on_pool!(db, p => sqlx::query_as(
        "select failures, first_failure_at, locked_until from login_attempt where username_hash = $1",
    )
    .bind(key)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(failures, first_failure_at, locked_until)| Attempts {
        failures,
        first_failure_at,
        locked_until,
    }))
}

/// Counts an attempt for `key` and says whether it may be checked, in one statement.
///
/// A locked key counts on and stays locked ([`Counted::refused`]). Otherwise the attempt
/// joins the running window (or starts a new one once the window or a lock has passed), and
/// the attempt that reaches `max_failures` locks the key for `lockout`.
pub async fn count(tx: &mut Tx, key: &str, now: OffsetDateTime, limits: &Limits) -> StoreResult<Counted> {
    // Inside the update every expression sees the old row. "locked": locked_until > now;
    // "running": not locked before and the window still open.
    let engine = tx.engine();
    let locked = engine.time_cmp("login_attempt.locked_until", ">", "$2");
    let running = engine.time_cmp("login_attempt.first_failure_at", ">", "$3");
    let sql = format!(
        "insert into login_attempt (username_hash, failures, first_failure_at, locked_until) \
         values ($1, 1, $2, case when 1 >= $4 then $5 else null end) \
         on conflict (username_hash) do update set \
         failures = case when {locked} then login_attempt.failures + 1 \
             when login_attempt.locked_until is null and {running} \
             then login_attempt.failures + 1 else 1 end, \
         first_failure_at = case when {locked} then login_attempt.first_failure_at \
             when login_attempt.locked_until is null and {running} \
             then login_attempt.first_failure_at else $2 end, \
         locked_until = case when {locked} then login_attempt.locked_until \
             when login_attempt.locked_until is null and {running} \
             then (case when login_attempt.failures + 1 >= $4 then $5 else null end) \
             else (case when 1 >= $4 then $5 else null end) end \
         returning failures, locked_until"
    );
    let row: (i64, Option<OffsetDateTime>) = on_conn!(tx, c => sqlx::query_as(&sql)
    .bind(key)
    .bind(now)
    .bind(now - limits.window)
    .bind(limits.max_failures)
    .bind(now + limits.lockout)
    .fetch_one(c)
    .await)?;
    let (failures, locked_until) = row;
    Ok(Counted {
        failures,
        locked_until,
        refused: locked_until.is_some_and(|until| until > now) && failures > limits.max_failures,
    })
}

/// Takes back one counted attempt (a right password from an address that is not locked); a
/// lock this attempt made is lifted again.
pub async fn uncount(tx: &mut Tx, key: &str, limits: &Limits) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "update login_attempt set failures = failures - 1, \
         locked_until = case when failures - 1 < $2 then null else locked_until end \
         where username_hash = $1 and failures > 0",
    )
    .bind(key)
    .bind(limits.max_failures)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets the counter (after a successful sign-in).
pub async fn clear(tx: &mut Tx, key: &str) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from login_attempt where username_hash = $1")
        .bind(key)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether a refusal for `key` should be audited now: true at most once per `every` (the
/// first caller in each period wins).
pub async fn take_refusal_audit(
    tx: &mut Tx,
    key: &str,
    now: OffsetDateTime,
    every: time::Duration,
) -> StoreResult<bool> {
    let sql = format!(
        "update login_attempt set refusal_audited_at = $2 \
         where username_hash = $1 and (refusal_audited_at is null or {})",
        tx.engine().time_cmp("refusal_audited_at", "<=", "$3")
    );
    let changed = on_conn!(tx, c => sqlx::query(&sql)
    .bind(key)
    .bind(now)
    .bind(now - every)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Deletes counters whose window and lock have passed (names that do not exist included), so
/// the table holds only what still matters. Returns how many were deleted.
pub async fn delete_expired(tx: &mut Tx, now: OffsetDateTime, window: time::Duration) -> StoreResult<u64> {
    let engine = tx.engine();
    let sql = format!(
        "delete from login_attempt where {} and (locked_until is null or {})",
        engine.time_cmp("first_failure_at", "<=", "$1"),
        engine.time_cmp("locked_until", "<=", "$2")
    );
    Ok(on_conn!(tx, c => sqlx::query(&sql)
    .bind(now - window)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// What counting a second-factor code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCounted {
    /// Codes counted since the last right one, this one included.
    pub failures: i64,
    /// The factor was locked already: refuse unchecked.
    pub refused: bool,
}

/// Counts a second-factor code of `user` before it is checked; the attempt that reaches
/// `max_failures` locks the factor (until [`unlock_second_factor`]).
pub async fn count_code(tx: &mut Tx, user: UserId, now: OffsetDateTime, max_failures: i64) -> StoreResult<CodeCounted> {
    let row: (i64, Option<OffsetDateTime>) = on_conn!(tx, c => sqlx::query_as(
        "insert into second_factor_attempt (user_id, failures, locked_at) \
         values ($1, 1, case when 1 >= $3 then $2 else null end) \
         on conflict (user_id) do update set failures = second_factor_attempt.failures + 1, \
         locked_at = case when second_factor_attempt.locked_at is not null then second_factor_attempt.locked_at \
             when second_factor_attempt.failures + 1 >= $3 then $2 else null end \
         returning failures, locked_at",
    )
    .bind(user.as_uuid())
    .bind(now)
    .bind(max_failures)
    .fetch_one(c)
    .await)?;
    Ok(CodeCounted {
        failures: row.0,
        refused: row.1.is_some() && row.0 > max_failures,
    })
}

/// Forgets the wrong codes of `user` (after a right code).
pub async fn clear_codes(tx: &mut Tx, user: UserId) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from second_factor_attempt where user_id = $1")
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Lifts a second-factor lock; returns whether the factor was locked.
pub async fn unlock_second_factor(tx: &mut Tx, user: UserId) -> StoreResult<bool> {
    let n = on_conn!(tx, c => sqlx::query("delete from second_factor_attempt where user_id = $1 and locked_at is not null")
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Whether a refusal of `user`'s locked factor should be audited now (once per `every`).
pub async fn take_code_refusal_audit(
    tx: &mut Tx,
    user: UserId,
    now: OffsetDateTime,
    every: time::Duration,
) -> StoreResult<bool> {
    let sql = format!(
        "update second_factor_attempt set refusal_audited_at = $2 \
         where user_id = $1 and (refusal_audited_at is null or {})",
        tx.engine().time_cmp("refusal_audited_at", "<=", "$3")
    );
    let changed = on_conn!(tx, c => sqlx::query(&sql)
    .bind(user.as_uuid())
    .bind(now)
    .bind(now - every)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// The accounts whose second factor is locked (for the coordinator's user list).
pub async fn locked_second_factors(db: &Db) -> StoreResult<Vec<UserId>> {
    let rows: Vec<Uuid> = on_pool!(db, p => sqlx::query_scalar(
        "select user_id from second_factor_attempt where locked_at is not null",
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(UserId::from_uuid).collect())
}
