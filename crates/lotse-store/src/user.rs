//! User accounts (installation-wide) and their memberships (programme-scoped).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{OrganisationId, ProgrammeId, UserId};
use lotse_domain::user::{Membership, Role, User, Username};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{on_conn, on_pool};

/// What a login check needs: the account and its password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub user_id: UserId,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
}

/// Inserts an account.
pub async fn insert(
    tx: &mut Tx,
    id: UserId,
    username: &Username,
    display_name: &str,
    password_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "insert into user_account (user_id, username, display_name, password_hash, disabled, version, created_at) \
         values ($1, $2, $3, $4, $5, 1, $6)",
    )
    .bind(id.as_uuid())
    .bind(username.as_str())
    .bind(display_name)
    .bind(password_hash)
    .bind(false)
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives an account a role in the scope's programme, optionally for one organisation.
pub async fn add_membership(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    user: UserId,
    role: Role,
    organisation: Option<OrganisationId>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    on_conn!(tx, c => sqlx::query(
        "insert into membership (programme_key, user_id, role, organisation_id, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(key)
    .bind(user.as_uuid())
    .bind(role.code())
    .bind(organisation.map(|o| o.as_uuid()))
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The credentials for a username, if the account exists.
pub async fn find_credentials(db: &Db, username: &Username) -> StoreResult<Option<Credentials>> {
    let row: Option<(Uuid, String, bool)> = on_pool!(db, p => sqlx::query_as(
        "select user_id, password_hash, disabled from user_account where username = $1",
    )
    .bind(username.as_str())
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(id, password_hash, disabled)| Credentials {
        user_id: UserId::from_uuid(id),
        password_hash,
        disabled,
    }))
}

/// One stored membership.
#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    pub(crate) programme_id: Uuid,
    pub(crate) organisation_id: Option<Uuid>,
    pub(crate) role: String,
}

/// An account with all its memberships; it must exist.
pub async fn get(db: &Db, id: UserId) -> StoreResult<User> {
    let (username, display_name): (String, String) = on_pool!(db, p => sqlx::query_as(
        "select username, display_name from user_account where user_id = $1",
    )
    .bind(id.as_uuid())
    .fetch_optional(p)
    .await)?
    .ok_or(StoreError::NotFound { kind: "user" })?;
    let rows: Vec<MembershipRow> = on_pool!(db, p => sqlx::query_as(
        "select p.programme_id, m.organisation_id, m.role from membership m \
         join programme p on p.programme_key = m.programme_key where m.user_id = $1 order by p.programme_id, m.role",
    )
    .bind(id.as_uuid())
    .fetch_all(p)
    .await)?;
    account(id, &username, display_name, rows)
}

/// An account from its stored row and membership rows (the membership rows in
/// `programme_id, role` order).
pub(crate) fn account(id: UserId, username: &str, display_name: String, rows: Vec<MembershipRow>) -> StoreResult<User> {
    let memberships = rows
        .into_iter()
        .map(|r| {
            Ok(Membership::from_storage(
                ProgrammeId::from_uuid(r.programme_id),
                r.organisation_id.map(OrganisationId::from_uuid),
                Role::from_code(&r.role).ok_or_else(|| StoreError::Corrupt(format!("role {:?}", r.role)))?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(User::from_storage(
        id,
        Username::parse(username).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        display_name,
        memberships,
    ))
}

/// Replaces an account's password hash.
pub async fn set_password_hash(tx: &mut Tx, id: UserId, password_hash: &str) -> StoreResult<()> {
    let n = on_conn!(tx, c => sqlx::query(
        "update user_account set password_hash = $2, version = version + 1 where user_id = $1",
    )
    .bind(id.as_uuid())
    .bind(password_hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound { kind: "user" });
    }
    Ok(())
}

/// Counts accounts (for the demo's "is the database empty" check).
pub async fn count(db: &Db) -> StoreResult<i64> {
    Ok(on_pool!(db, p => sqlx::query_scalar("select count(*) from user_account").fetch_one(p).await)?)
}
