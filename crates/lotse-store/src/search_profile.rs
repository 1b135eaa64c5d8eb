//! A case's search profile (what the person looks for in an offer: interests, travel distance,
//! accessibility, cost, free times; `lotse_domain::search_profile`): one per case, versioned
//! for conflicts, its content sealed as one JSON value bound to the case. Reading it is audited
//! as a read of the case, writing it as an update (like the plan: part of the case file).
//! Erasure deletes a person's profiles (`record::erasure`), and `lotse keys rotate` seals them
//! again.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::id::{CaseId, UserId};
use lotse_domain::search_profile::SearchProfile;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::bulk::table_row;
use crate::crypto::Slot;
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

table_row! {
    /// A profile as stored: its content sealed.
    ProfileRow => "search_profile" {
        programme_key: i64,
        case_id: Uuid,
        version: i64,
        updated_by: Uuid,
        updated_at: OffsetDateTime,
        body: Vec<u8>,
    }
}

fn slot(programme: Uuid, case: Uuid) -> Slot<'static> {
    Slot {
        programme,
        record: case,
        column: "search_profile",
    }
}

fn seal(tx: &Tx, programme: Uuid, case: Uuid, profile: &SearchProfile) -> StoreResult<Vec<u8>> {
    let json = serde_json::to_string(profile).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.keys()?.seal(slot(programme, case), &json)
}

/// The case's profile opened, with its version (none: never saved); a profile read is audited
/// as a read of the case.
pub async fn get(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    case: CaseId,
) -> StoreResult<Option<(SearchProfile, i64)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: Option<(i64, Vec<u8>)> = on_conn!(tx, c => sqlx::query_as(
        "select version, body from search_profile where programme_key = $1 and case_id = $2",
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_optional(c)
    .await)?;
    let Some((version, body)) = row else { return Ok(None) };
    audit::record(tx, scope, access, AuditAction::Read, ObjectKind::Case, [case.as_uuid()]).await?;
    let json = tx
        .keys()?
        .open(slot(scope.programme().as_uuid(), case.as_uuid()), &body)?;
    let profile = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("search profile: {e}")))?;
    Ok(Some((profile, version)))
}

/// Saves the case's profile. `expected_version` is the version the writer saw (0: none yet);
/// if another save came first, nothing is written and [`StoreError::Conflict`] names the
/// version now. Returns the new version; audited as an update of the case.
pub async fn save(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    case: CaseId,
    expected_version: i64,
    author: UserId,
    profile: &SearchProfile,
) -> StoreResult<i64> {
    let key = tx.programme_key(scope.programme()).await?;
    let current = version_of(tx, key, case).await?;
    if current != expected_version {
        return Err(StoreError::Conflict {
            kind: "search profile",
            current_version: current,
        });
    }
    let body = seal(tx, scope.programme().as_uuid(), case.as_uuid(), profile)?;
    let version = expected_version + 1;
    if expected_version == 0 {
        let row = ProfileRow {
            programme_key: key,
            case_id: case.as_uuid(),
            version,
            updated_by: author.as_uuid(),
            updated_at: access.at,
            body,
        };
        match crate::bulk::insert_rows(tx, vec![row]).await {
            Ok(_) => {}
            // Two first saves at once: the second meets the first's row (on PostgreSQL the
            // transaction reads nothing more after the error; the version now is the first's).
            Err(StoreError::Duplicate { .. }) => {
                return Err(StoreError::Conflict {
                    kind: "search profile",
                    current_version: version,
                });
            }
            Err(e) => return Err(e),
        }
    } else {
        let written = on_conn!(tx, c => sqlx::query(
            "update search_profile set version = $4, updated_by = $5, updated_at = $6, body = $7 \
             where programme_key = $1 and case_id = $2 and version = $3",
        )
        .bind(key)
        .bind(case.as_uuid())
        .bind(expected_version)
        .bind(version)
        .bind(author.as_uuid())
        .bind(access.at)
        .bind(&body)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if written == 0 {
            return Err(StoreError::Conflict {
                kind: "search profile",
                current_version: version_of(tx, key, case).await?,
            });
        }
    }
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Case,
        [case.as_uuid()],
    )
    .await?;
    Ok(version)
}

/// The version of the case's profile (0: none).
async fn version_of(tx: &mut Tx, key: i64, case: CaseId) -> StoreResult<i64> {
    let current: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
        "select version from search_profile where programme_key = $1 and case_id = $2",
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_optional(c)
    .await)?;
    Ok(current.unwrap_or(0))
}

/// A first profile to store in bulk (the demo): version 1 of its case.
#[derive(Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// The case.
    pub case: CaseId,
    /// Who wrote it.
    pub author: UserId,
    /// When.
    pub written_at: OffsetDateTime,
    /// What it says.
    pub profile: SearchProfile,
}

impl std::fmt::Debug for NewProfile {
    /// Never prints what the person needs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewProfile({})", self.case)
    }
}

/// Stores first profiles (version 1) of cases that have none, sealed; one audit entry lists
/// the cases. A case that has one already is [`StoreError::Duplicate`], and nothing is written.
pub async fn insert_first(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    profiles: &[NewProfile],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let p = scope.programme().as_uuid();
    let rows = profiles
        .iter()
        .map(|n| {
            Ok(ProfileRow {
                programme_key: key,
                case_id: n.case.as_uuid(),
                version: 1,
                updated_by: n.author.as_uuid(),
                updated_at: n.written_at,
                body: seal(tx, p, n.case.as_uuid(), &n.profile)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let cases = profiles.iter().map(|n| n.case.as_uuid());
    audit::insert_created(tx, scope, access, rows, ObjectKind::Case, cases).await?;
    Ok(())
}

/// Seals again every profile of the scope's programme not sealed with the current key; returns
/// how many. Each case is audited as an update.
pub async fn reseal(tx: &mut Tx, scope: &ProgrammeScope, access: Access) -> StoreResult<usize> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let rows: Vec<(Uuid, Vec<u8>)> = on_conn!(tx, c => sqlx::query_as(
        "select case_id, body from search_profile where programme_key = $1",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let mut changed = Vec::new();
    for (case, body) in rows {
        if keys.is_current(&body) {
            continue;
        }
        let sealed = keys.seal(slot(p, case), &keys.open(slot(p, case), &body)?)?;
        on_conn!(tx, c => sqlx::query("update search_profile set body = $3 where programme_key = $1 and case_id = $2")
            .bind(key)
            .bind(case)
            .bind(&sealed)
            .execute(c)
            .await
            .map(drop))?;
        changed.push(case);
    }
    let n = changed.len();
    audit::record(tx, scope, access, AuditAction::Update, ObjectKind::Case, changed).await?;
    Ok(n)
}
