//! The addresses members gave for the e-mail that says only "something new is waiting", and
//! when each was last told. An address is the member's personal data: the app audits every read
//! and write of it.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{OrganisationId, UserId};
use lotse_domain::user::Role;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// A member who asked for the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// The member.
    pub user: UserId,
    /// Where the notice goes.
    pub address: String,
    /// When the member gave it (nothing before is news to the notice).
    pub set_at: OffsetDateTime,
    /// When the last notice went out.
    pub notified_at: Option<OffsetDateTime>,
    /// Not before this, after a failed one.
    pub retry_at: Option<OffsetDateTime>,
}

/// The member's address in the scope's programme, if they gave one.
pub async fn address(tx: &mut Tx, scope: &ProgrammeScope, user: UserId) -> StoreResult<Option<String>> {
    let key = tx.programme_key(scope.programme()).await?;
    Ok(on_conn!(tx, c => sqlx::query_scalar(
        "select address from notification_email where programme_key = $1 and user_id = $2",
    )
    .bind(key)
    .bind(user.as_uuid())
    .fetch_optional(c)
    .await)?)
}

/// Sets the member's address (a new one is told of what comes after `now`), or removes it.
pub async fn set(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    user: UserId,
    address: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    on_conn!(tx, c => sqlx::query("delete from notification_email where programme_key = $1 and user_id = $2")
        .bind(key)
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if let Some(address) = address {
        on_conn!(tx, c => sqlx::query(
            "insert into notification_email (programme_key, user_id, address, set_at) values ($1, $2, $3, $4)",
        )
        .bind(key)
        .bind(user.as_uuid())
        .bind(address)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

type SubscriberRow = (
    Uuid,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
);

/// The scope's programme's members who asked for the notice.
pub async fn subscribers(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<Subscriber>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<SubscriberRow> = on_conn!(tx, c => sqlx::query_as(
        "select user_id, address, set_at, notified_at, retry_at from notification_email \
         where programme_key = $1 order by user_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(user, address, set_at, notified_at, retry_at)| Subscriber {
            user: UserId::from_uuid(user),
            address,
            set_at,
            notified_at,
            retry_at,
        })
        .collect())
}

/// Writes what became of a notice: sent at `notified_at`, or to be tried again at `retry_at`.
pub async fn mark(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    user: UserId,
    notified_at: Option<OffsetDateTime>,
    retry_at: Option<OffsetDateTime>,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    on_conn!(tx, c => sqlx::query(
        "update notification_email set notified_at = coalesce($3, notified_at), retry_at = $4 \
         where programme_key = $1 and user_id = $2",
    )
    .bind(key)
    .bind(user.as_uuid())
    .bind(notified_at)
    .bind(retry_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The member's memberships in the scope's programme: (role, organisation).
pub async fn memberships(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    user: UserId,
) -> StoreResult<Vec<(Role, Option<OrganisationId>)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(String, Option<Uuid>)> = on_conn!(tx, c => sqlx::query_as(
        "select role, organisation_id from membership where programme_key = $1 and user_id = $2 order by role",
    )
    .bind(key)
    .bind(user.as_uuid())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(role, org)| {
            Ok((
                Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
                org.map(OrganisationId::from_uuid),
            ))
        })
        .collect()
}
