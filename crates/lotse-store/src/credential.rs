//! Credentials beyond the password: the TOTP second factor, pending sign-ins (password right,
//! second factor not yet shown) and one-time password-reset codes. Installation-wide tables,
//! like `user_account` and `session`; tokens and codes are stored only as SHA-256 hashes.
//!
//! The TOTP secret is a shared secret (both sides compute codes from it), so it cannot be
//! hashed: it is sealed with the data keys ([`crate::crypto`]) and bound to its account and
//! column ([`secret_slot`]). A secret stored before sealing existed is refused when read (never
//! taken as plain text) and sealed by [`reseal_secrets`], which `lotse` runs at every start with
//! data keys and in `lotse keys rotate`. Without data keys the second factor is refused with
//! [`StoreError::NoDataKey`].

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{ProgrammeId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::{DataKeys, Slot};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
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

/// Where a TOTP secret is sealed: installation-wide (the nil programme: accounts are not a
/// programme's records), bound to the account and the column.
fn secret_slot(user: UserId) -> Slot<'static> {
    Slot {
        programme: Uuid::nil(),
        record: user.as_uuid(),
        column: "user_second_factor.secret",
    }
}

fn open_secret(keys: &DataKeys, user: UserId, stored: &[u8]) -> StoreResult<String> {
    if !DataKeys::is_sealed(stored) {
        return Err(StoreError::Corrupt(
            "a TOTP secret is stored unencrypted: run `lotse keys rotate` (or restart lotse) to seal it".into(),
        ));
    }
    keys.open(secret_slot(user), stored)
}

/// The user's factor, if any (its secret opened with the data keys).
pub async fn second_factor(db: &Db, user: UserId) -> StoreResult<Option<SecondFactor>> {
    let row: Option<(Vec<u8>, Option<OffsetDateTime>, i64)> = on_pool!(db, p => sqlx::query_as(
        "select secret, confirmed_at, last_used_step from user_second_factor where user_id = $1",
    )
    .bind(user.as_uuid())
    .fetch_optional(p)
    .await)?;
    let Some((stored, confirmed_at, last_used_step)) = row else {
        return Ok(None);
    };
    let keys = db.keys()?;
    Ok(Some(SecondFactor {
        secret: open_secret(&keys, user, &stored)?,
        confirmed: confirmed_at.is_some(),
        last_used_step,
    }))
}

/// Seals every TOTP secret not sealed with the first data key (plain ones from before sealing
/// existed, and ones under an older key), in one transaction; returns how many
/// (`lotse keys rotate`).
pub async fn reseal_secrets(db: &Db) -> StoreResult<u64> {
    reseal(db, false).await
}

/// Seals the TOTP secrets stored as plain text (from before sealing existed), in one
/// transaction; returns how many (run at every start with data keys).
pub async fn seal_plain_secrets(db: &Db) -> StoreResult<u64> {
    // Runs at every start: look first, so a database with nothing to seal takes no write lock
    // (one row per account with a second factor).
    let stored: Vec<Vec<u8>> = on_pool!(db, p => sqlx::query_scalar("select secret from user_second_factor")
        .fetch_all(p)
        .await)?;
    if stored.iter().all(|s| DataKeys::is_sealed(s)) {
        return Ok(0);
    }
    reseal(db, true).await
}

async fn reseal(db: &Db, plain_only: bool) -> StoreResult<u64> {
    let keys = db.keys()?;
    let mut tx = db.begin().await?;
    let rows: Vec<(Uuid, Vec<u8>)> = on_conn!(&mut tx, c => sqlx::query_as(
        "select user_id, secret from user_second_factor order by user_id",
    )
    .fetch_all(c)
    .await)?;
    let mut count = 0;
    for (user, stored) in rows {
        if keys.is_current(&stored) || (plain_only && DataKeys::is_sealed(&stored)) {
            continue;
        }
        let user = UserId::from_uuid(user);
        let secret = keys.open_or_plain(secret_slot(user), &stored)?;
        let sealed = keys.seal(secret_slot(user), &secret)?;
        on_conn!(&mut tx, c => sqlx::query("update user_second_factor set secret = $2 where user_id = $1")
            .bind(user.as_uuid())
            .bind(&sealed)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        count += 1;
    }
    tx.commit().await?;
    Ok(count)
}

/// Starts setting up a factor (replacing an unconfirmed one; a confirmed one stays); the
/// secret is sealed with the data keys.
pub async fn begin_second_factor(tx: &mut Tx, user: UserId, secret: &str, now: OffsetDateTime) -> StoreResult<()> {
    let sealed = tx.keys()?.seal(secret_slot(user), secret)?;
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
    .bind(&sealed)
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
    let sql = format!(
        "select user_id, programme_id, failures from pending_sign_in where token_hash = $1 and {}",
        db.engine().time_cmp("expires_at", ">", "$2")
    );
    let row: Option<(Uuid, Uuid, i64)> = on_pool!(db, p => sqlx::query_as(&sql)
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
    let sql = format!(
        "update pending_sign_in set failures = failures + 1 \
         where token_hash = $1 and {} and failures < $3 returning failures",
        tx.engine().time_cmp("expires_at", ">", "$2")
    );
    Ok(on_conn!(tx, c => sqlx::query_scalar(&sql)
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
    let expired = format!(
        "delete from pending_sign_in where {}",
        tx.engine().time_cmp("expires_at", "<=", "$1")
    );
    Ok(on_conn!(tx, c => sqlx::query(&expired)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?)
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
    /// Whether redeeming it also removes the second factor (only codes of the installation
    /// administrator, `lotse user reset --second-factor`).
    pub reset_second_factor: bool,
    /// Who issued it, as an actor reference: `user:<id>` (a coordinator) or `system:admin`.
    pub issuer: String,
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
         expires_at, used_at, issuer) values ($1, $2, $3, $4, $5, $6, $7, null, $8)",
    )
    .bind(code_hash)
    .bind(code.user.as_uuid())
    .bind(code.programme.as_uuid())
    .bind(issued_by.as_uuid())
    .bind(code.reset_second_factor)
    .bind(now)
    .bind(expires_at)
    .bind(&code.issuer)
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
    let sql = format!(
        "update password_reset_code set used_at = $3 \
         where code_hash = $1 and user_id = $2 and used_at is null and {} \
         returning programme_id, reset_second_factor, issuer, issued_by",
        tx.engine().time_cmp("expires_at", ">", "$3")
    );
    let row: Option<(Uuid, bool, Option<String>, Uuid)> = on_conn!(tx, c => sqlx::query_as(&sql)
    .bind(code_hash)
    .bind(user.as_uuid())
    .bind(now)
    .fetch_optional(c)
    .await)?;
    Ok(
        row.map(|(programme, reset_second_factor, issuer, issued_by)| ResetCode {
            user,
            programme: ProgrammeId::from_uuid(programme),
            reset_second_factor,
            issuer: issuer.unwrap_or_else(|| format!("user:{issued_by}")),
        }),
    )
}

/// Remembers that `user`'s account was reset, to tell them at their next sign-in.
pub async fn set_reset_notice(tx: &mut Tx, user: UserId, reset_by: &str, at: OffsetDateTime) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "insert into account_notice (user_id, reset_by, reset_at) values ($1, $2, $3) \
         on conflict (user_id) do update set reset_by = excluded.reset_by, reset_at = excluded.reset_at",
    )
    .bind(user.as_uuid())
    .bind(reset_by)
    .bind(at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes (and deletes) the notice of a reset of `user`'s account: who (actor reference), when.
pub async fn take_reset_notice(db: &Db, user: UserId) -> StoreResult<Option<(String, OffsetDateTime)>> {
    let row: Option<(String, OffsetDateTime)> = on_pool!(db, p => sqlx::query_as(
        "delete from account_notice where user_id = $1 returning reset_by, reset_at",
    )
    .bind(user.as_uuid())
    .fetch_optional(p)
    .await)?;
    Ok(row)
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
    let key = db.programme_key(scope.programme()).await?;
    let rows: Vec<(Uuid, String, String, String, Option<String>, bool)> = on_pool!(db, p => sqlx::query_as(
        "select u.user_id, u.username, u.display_name, m.role, o.name, \
         exists (select 1 from user_second_factor f where f.user_id = u.user_id and f.confirmed_at is not null) \
         from membership m join user_account u on u.user_id = m.user_id \
         left join organisation o on o.programme_key = m.programme_key and o.organisation_id = m.organisation_id \
         where m.programme_key = $1 order by u.display_name, u.username",
    )
    .bind(key)
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
