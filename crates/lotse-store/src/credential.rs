//! Credentials beyond the password: the TOTP second factor, pending sign-ins (password right,
//! second factor not yet shown) and one-time password-reset codes. Installation-wide tables,
//! like `user_account` and `session`; tokens and codes are stored only as SHA-256 hashes.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{ProgrammeId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreResult;
use crate::{on_conn, on_pool};

/// A user's TOTP factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The shared secret, base32.
    pub secret: String,
    /// Set once a first code was shown; until then the factor is being set up.
    pub confirmed: bool,
    /// The last time step accepted (a code is accepted once).
    pub last_used_step: i64,
}

/// The user's factor, if any.
pub async fn second_factor(db: &Db, user: UserId) -> StoreResult<Option<SecondFactor>> {
    let row: Option<(String, Option<OffsetDateTime>, i64)> = on_pool!(db, p => sqlx::query_as(
        "select secret, confirmed_at, last_used_step from user_second_factor where user_id = $1",
    )
    .bind(user.as_uuid())
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(secret, confirmed_at, last_used_step)| SecondFactor {
        secret,
        confirmed: confirmed_at.is_some(),
        last_used_step,
    }))
}

/// Starts setting up a factor (replacing an unconfirmed one; a confirmed one stays).
pub async fn begin_second_factor(tx: &mut Tx, user: UserId, secret: &str, now: OffsetDateTime) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from user_second_factor where user_id = $1 and confirmed_at is null")
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    on_conn!(tx, c => sqlx::query(
        "insert into user_second_factor (user_id, secret, confirmed_at, last_used_step, created_at) \
         values ($1, $2, null, 0, $3)",
    )
    .bind(user.as_uuid())
    .bind(secret)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Accepts a time step once: true if it is later than every step used before (and records
/// it, confirming the factor), false for a replayed or older code.
pub async fn use_step(tx: &mut Tx, user: UserId, step: i64, now: OffsetDateTime) -> StoreResult<bool> {
    let changed = on_conn!(tx, c => sqlx::query(
        "update user_second_factor set last_used_step = $2, confirmed_at = coalesce(confirmed_at, $3) \
         where user_id = $1 and last_used_step < $2",
    )
    .bind(user.as_uuid())
    .bind(step)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Removes the factor (a coordinator's reset with "also the second factor").
pub async fn delete_second_factor(tx: &mut Tx, user: UserId) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from user_second_factor where user_id = $1")
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A pending sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// Who.
    pub user: UserId,
    /// The programme the session will be for.
    pub programme: ProgrammeId,
    /// Wrong codes so far.
    pub failures: i64,
}

/// Stores a pending sign-in (by token hash).
pub async fn insert_pending(
    tx: &mut Tx,
    token_hash: &str,
    pending: &PendingSignIn,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "insert into pending_sign_in (token_hash, user_id, programme_id, expires_at, failures) values ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(pending.user.as_uuid())
    .bind(pending.programme.as_uuid())
    .bind(expires_at)
    .bind(pending.failures)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A live pending sign-in for a token hash.
pub async fn find_pending(db: &Db, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<PendingSignIn>> {
    let row: Option<(Uuid, Uuid, i64)> = on_pool!(db, p => sqlx::query_as(
        "select user_id, programme_id, failures from pending_sign_in where token_hash = $1 and expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(user, programme, failures)| PendingSignIn {
        user: UserId::from_uuid(user),
        programme: ProgrammeId::from_uuid(programme),
        failures,
    }))
}

/// Counts a code for a live pending sign-in before it is checked, in one statement: `Some`
/// (codes so far, this one included) while fewer than `max_codes` were counted, else `None`
/// (unknown, expired, or used up).
pub async fn pending_attempt(
    tx: &mut Tx,
    token_hash: &str,
    now: OffsetDateTime,
    max_codes: i64,
) -> StoreResult<Option<i64>> {
    Ok(on_conn!(tx, c => sqlx::query_scalar(
        "update pending_sign_in set failures = failures + 1 \
         where token_hash = $1 and expires_at > $2 and failures < $3 returning failures",
    )
    .bind(token_hash)
    .bind(now)
    .bind(max_codes)
    .fetch_optional(c)
    .await)?)
}

/// Ends every pending sign-in of a user (password reset, signing out everywhere).
pub async fn delete_pending_of_user(tx: &mut Tx, user: UserId) -> StoreResult<u64> {
    Ok(
        on_conn!(tx, c => sqlx::query("delete from pending_sign_in where user_id = $1")
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

/// Deletes expired pending sign-ins.
pub async fn delete_expired_pending(tx: &mut Tx, now: OffsetDateTime) -> StoreResult<u64> {
    Ok(
        on_conn!(tx, c => sqlx::query("delete from pending_sign_in where expires_at <= $1")
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

/// Ends a pending sign-in.
pub async fn delete_pending(tx: &mut Tx, token_hash: &str) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from pending_sign_in where token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A reset code as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetCode {
    /// For whom.
    pub user: UserId,
    /// In which programme it was issued.
    pub programme: ProgrammeId,
    /// Whether redeeming it also removes the second factor.
    pub reset_second_factor: bool,
}

/// Stores a new reset code for a user, replacing their unused ones.
pub async fn insert_reset_code(
    tx: &mut Tx,
    code_hash: &str,
    code: &ResetCode,
    issued_by: UserId,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("delete from password_reset_code where user_id = $1 and used_at is null")
        .bind(code.user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    on_conn!(tx, c => sqlx::query(
        "insert into password_reset_code (code_hash, user_id, programme_id, issued_by, reset_second_factor, created_at, \
         expires_at, used_at) values ($1, $2, $3, $4, $5, $6, $7, null)",
    )
    .bind(code_hash)
    .bind(code.user.as_uuid())
    .bind(code.programme.as_uuid())
    .bind(issued_by.as_uuid())
    .bind(code.reset_second_factor)
    .bind(now)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes an unused, unexpired code of `user` (marking it used); `None` if there is none.
pub async fn take_reset_code(
    tx: &mut Tx,
    code_hash: &str,
    user: UserId,
    now: OffsetDateTime,
) -> StoreResult<Option<ResetCode>> {
    let row: Option<(Uuid, bool)> = on_conn!(tx, c => sqlx::query_as(
        "update password_reset_code set used_at = $3 \
         where code_hash = $1 and user_id = $2 and used_at is null and expires_at > $3 \
         returning programme_id, reset_second_factor",
    )
    .bind(code_hash)
    .bind(user.as_uuid())
    .bind(now)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(programme, reset_second_factor)| ResetCode {
        user,
        programme: ProgrammeId::from_uuid(programme),
        reset_second_factor,
    }))
}

/// One account of a programme, for the coordinator's user list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    /// The account.
    pub user: UserId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Organisation name, if any.
    pub organisation: Option<String>,
    /// Whether a second factor is set up.
    pub second_factor: bool,
}

/// The accounts with a membership in the scope's programme, by display name.
pub async fn members(db: &Db, scope: &ProgrammeScope) -> StoreResult<Vec<MemberLine>> {
    let rows: Vec<(Uuid, String, String, String, Option<String>, bool)> = on_pool!(db, p => sqlx::query_as(
        "select u.user_id, u.username, u.display_name, m.role, o.name, \
         exists (select 1 from user_second_factor f where f.user_id = u.user_id and f.confirmed_at is not null) \
         from membership m join user_account u on u.user_id = m.user_id \
         left join organisation o on o.programme_id = m.programme_id and o.organisation_id = m.organisation_id \
         where m.programme_id = $1 order by u.display_name, u.username",
    )
    .bind(scope.programme().as_uuid())
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| MemberLine {
            user: UserId::from_uuid(r.0),
            username: r.1,
            display_name: r.2,
            role: r.3,
            organisation: r.4,
            second_factor: r.5,
        })
        .collect())
}
