//! API clients: a tenant table (each row belongs to one programme, `programme_key` first in its
//! keys), reached without a scope only by the SHA-256 of the bearer token, like a session. The
//! token itself is never stored.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::api_client::{ApiClient, ApiScope};
use lotse_domain::id::{ApiClientId, OrganisationId, ProgrammeId};
use lotse_domain::user::{Membership, Role};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{on_conn, on_pool};

/// A client as listed (live or revoked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClientLine {
    /// Its id.
    pub id: ApiClientId,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its organisation.
    pub organisation: Option<OrganisationId>,
    /// Its scopes.
    pub scopes: Vec<ApiScope>,
    /// When made.
    pub created_at: OffsetDateTime,
    /// When revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

fn scopes_text(scopes: &[ApiScope]) -> String {
    scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(" ")
}

fn parse_scopes(text: &str) -> StoreResult<Vec<ApiScope>> {
    text.split(' ')
        .filter(|c| !c.is_empty())
        .map(|c| ApiScope::from_code(c).ok_or_else(|| StoreError::Corrupt(format!("scope {c:?}"))))
        .collect()
}

fn parse_role(code: &str) -> StoreResult<Role> {
    Role::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("role {code:?}")))
}

/// Stores a new client (`Duplicate` when the name is taken in the programme).
pub async fn insert(tx: &mut Tx, scope: &ProgrammeScope, token_hash: &str, line: &ApiClientLine) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    on_conn!(tx, c => sqlx::query(
        "insert into api_client (token_hash, programme_key, client_id, name, role, organisation_id, scopes, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash)
    .bind(key)
    .bind(line.id.as_uuid())
    .bind(&line.name)
    .bind(line.role.code())
    .bind(line.organisation.map(|o| o.as_uuid()))
    .bind(scopes_text(&line.scopes))
    .bind(line.created_at)
    .execute(c)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

type Row<P> = (
    P,
    Uuid,
    String,
    String,
    Option<Uuid>,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

/// The live (not revoked) client for a token hash.
pub async fn find_live(db: &Db, token_hash: &str) -> StoreResult<Option<ApiClient>> {
    let row: Option<Row<Uuid>> = on_pool!(db, p => sqlx::query_as(
        "select p.programme_id, a.client_id, a.name, a.role, a.organisation_id, a.scopes, a.created_at, a.revoked_at \
         from api_client a join programme p on p.programme_key = a.programme_key \
         where a.token_hash = $1 and a.revoked_at is null",
    )
    .bind(token_hash)
    .fetch_optional(p)
    .await)?;
    row.map(|(programme, id, name, role, organisation, scopes, _, _)| {
        Ok(ApiClient::from_storage(
            ApiClientId::from_uuid(id),
            name,
            Membership::from_storage(
                ProgrammeId::from_uuid(programme),
                organisation.map(OrganisationId::from_uuid),
                parse_role(&role)?,
            ),
            parse_scopes(&scopes)?,
        ))
    })
    .transpose()
}

/// The programme's clients, by name.
pub async fn list(db: &Db, scope: &ProgrammeScope) -> StoreResult<Vec<ApiClientLine>> {
    let key = db.programme_key(scope.programme()).await?;
    let rows: Vec<Row<i64>> = on_pool!(db, p => sqlx::query_as(
        "select programme_key, client_id, name, role, organisation_id, scopes, created_at, revoked_at \
         from api_client where programme_key = $1 order by name",
    )
    .bind(key)
    .fetch_all(p)
    .await)?;
    rows.into_iter().map(line).collect()
}

/// Revokes a live client by name; returns its id, or `None` when there is no live client of
/// that name.
pub async fn revoke(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    name: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<ApiClientId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let id: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "update api_client set revoked_at = $3 where programme_key = $1 and name = $2 and revoked_at is null \
         returning client_id",
    )
    .bind(key)
    .bind(name)
    .bind(now)
    .fetch_optional(c)
    .await)?;
    Ok(id.map(ApiClientId::from_uuid))
}

/// A stored row as a client line.
fn line((_, id, name, role, organisation, scopes, created_at, revoked_at): Row<i64>) -> StoreResult<ApiClientLine> {
    Ok(ApiClientLine {
        id: ApiClientId::from_uuid(id),
        name,
        role: parse_role(&role)?,
        organisation: organisation.map(OrganisationId::from_uuid),
        scopes: parse_scopes(&scopes)?,
        created_at,
        revoked_at,
    })
}

/// One of the programme's clients (live or revoked) by id.
pub async fn get(db: &Db, scope: &ProgrammeScope, id: ApiClientId) -> StoreResult<Option<ApiClientLine>> {
    let key = db.programme_key(scope.programme()).await?;
    let row: Option<Row<i64>> = on_pool!(db, p => sqlx::query_as(
        "select programme_key, client_id, name, role, organisation_id, scopes, created_at, revoked_at \
         from api_client where programme_key = $1 and client_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(p)
    .await)?;
    row.map(line).transpose()
}
