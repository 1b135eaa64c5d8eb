//! Capabilities: single-use links of one programme, for one purpose and one object. Only the
//! SHA-256 of a link's secret is stored. A link names its capability's id, so [`find`] reaches
//! it without a scope (like an API client's token hash); everything else is scoped.
//!
//! A use is one conditional update ([`redeem`]): it succeeds only while the capability is
//! unused, unrevoked and unexpired, so of two parallel uses exactly one succeeds.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::capability::{CapabilityPurpose, StoredCapability};
use lotse_domain::id::{CapabilityId, ProgrammeId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{on_conn, on_pool};

/// A capability to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCapability {
    /// Its id (the link names it).
    pub id: CapabilityId,
    /// What it allows.
    pub purpose: CapabilityPurpose,
    /// The object it is for.
    pub object: Uuid,
    /// SHA-256 of the secret (hex).
    pub secret_hash: String,
    /// When issued.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// Stores a new capability in the scope's programme; `created_by` is the scope's actor.
pub async fn insert(tx: &mut Tx, scope: &ProgrammeScope, new: &NewCapability) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "insert into capability (programme_id, capability_id, purpose, object_id, secret_hash, created_by, \
         created_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(scope.programme().as_uuid())
    .bind(new.id.as_uuid())
    .bind(new.purpose.code())
    .bind(new.object)
    .bind(&new.secret_hash)
    .bind(scope.actor().reference())
    .bind(new.created_at)
    .bind(new.expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type Row = (
    Uuid,
    Uuid,
    String,
    Uuid,
    String,
    String,
    OffsetDateTime,
    OffsetDateTime,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
);

fn stored(
    (programme, id, purpose, object, secret_hash, created_by, created_at, expires_at, revoked_at, used_at): Row,
) -> StoreResult<StoredCapability> {
    Ok(StoredCapability {
        id: CapabilityId::from_uuid(id),
        programme: ProgrammeId::from_uuid(programme),
        purpose: CapabilityPurpose::from_code(&purpose)
            .ok_or_else(|| StoreError::Corrupt(format!("capability purpose {purpose:?}")))?,
        object,
        secret_hash,
        created_by,
        created_at,
        expires_at,
        revoked_at,
        used_at,
    })
}

/// The capability a link names (live or not: the caller checks), in whatever programme.
pub async fn find(db: &Db, id: CapabilityId) -> StoreResult<Option<StoredCapability>> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(
        "select programme_id, capability_id, purpose, object_id, secret_hash, created_by, created_at, \
         expires_at, revoked_at, used_at from capability where capability_id = $1",
    )
    .bind(id.as_uuid())
    .fetch_optional(p)
    .await)?;
    row.map(stored).transpose()
}

/// One of the programme's capabilities (live or not).
pub async fn get(tx: &mut Tx, scope: &ProgrammeScope, id: CapabilityId) -> StoreResult<Option<StoredCapability>> {
    let row: Option<Row> = on_conn!(tx, c => sqlx::query_as(
        "select programme_id, capability_id, purpose, object_id, secret_hash, created_by, created_at, \
         expires_at, revoked_at, used_at from capability where programme_id = $1 and capability_id = $2",
    )
    .bind(scope.programme().as_uuid())
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?;
    row.map(stored).transpose()
}

/// Uses a capability once, in one statement: marks it used only if it is unused, unrevoked and
/// unexpired at `now`, and says whether it did. Of two parallel uses exactly one gets `true`.
pub async fn redeem(tx: &mut Tx, scope: &ProgrammeScope, id: CapabilityId, now: OffsetDateTime) -> StoreResult<bool> {
    let sql = format!(
        "update capability set used_at = $3 where programme_id = $1 and capability_id = $2 \
         and used_at is null and revoked_at is null and {}",
        tx.engine().time_cmp("expires_at", ">", "$3")
    );
    let affected = on_conn!(tx, c => sqlx::query(&sql)
    .bind(scope.programme().as_uuid())
    .bind(id.as_uuid())
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// Revokes a capability of the programme that is not revoked yet; says whether it did.
pub async fn revoke(tx: &mut Tx, scope: &ProgrammeScope, id: CapabilityId, now: OffsetDateTime) -> StoreResult<bool> {
    let affected = on_conn!(tx, c => sqlx::query(
        "update capability set revoked_at = $3 where programme_id = $1 and capability_id = $2 and revoked_at is null",
    )
    .bind(scope.programme().as_uuid())
    .bind(id.as_uuid())
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// The capabilities of `purpose` for one object of the scope's programme that still work at
/// `now` (unrevoked, unused, unexpired), newest first (index `capability_by_object`).
pub async fn working_for_object(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    purpose: CapabilityPurpose,
    object: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<StoredCapability>> {
    let sql = format!(
        "select programme_id, capability_id, purpose, object_id, secret_hash, created_by, created_at, \
         expires_at, revoked_at, used_at from capability where programme_id = $1 and object_id = $2 \
         and purpose = $3 and revoked_at is null and used_at is null and {} order by {} desc",
        tx.engine().time_cmp("expires_at", ">", "$4"),
        tx.engine().time_key("created_at")
    );
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&sql)
    .bind(scope.programme().as_uuid())
    .bind(object)
    .bind(purpose.code())
    .bind(now)
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(stored).collect()
}
