//! A programme's link facilities as their coordinator keeps them: name, area, whom they are
//! for and their public contact details, each facility at a version (`organisation.version`).
//! Reading them whole ([`list`]) or one ([`get`]), adding one ([`insert`]) and changing one at the version read
//! ([`update`], else [`StoreError::Conflict`]). The suggestion of the prescription form reads
//! the same columns (`directory::link_facility_places`), the sheet the contact
//! (`directory::organisation_contact`).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{AreaId, OrganisationId};
use lotse_domain::organisation::{FacilityDetails, OrganisationContact};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::directory::{stored_lines, target_groups_of};
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// A link facility as stored, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFacility {
    /// Its id.
    pub id: OrganisationId,
    /// Its details.
    pub details: FacilityDetails,
    /// Its version (raised by every change).
    pub version: i64,
}

type FacilityRow = (
    Uuid,
    String,
    Option<Uuid>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn facility(row: FacilityRow) -> StoreResult<StoredFacility> {
    let (id, name, area, groups, address, phone, hours, version) = row;
    let target_groups = target_groups_of(&groups)?;
    Ok(StoredFacility {
        id: OrganisationId::from_uuid(id),
        details: FacilityDetails {
            name,
            area: area.map(AreaId::from_uuid),
            target_groups,
            contact: OrganisationContact {
                address_lines: stored_lines(address),
                phone: phone.filter(|p| !p.trim().is_empty()),
                opening_hours: stored_lines(hours),
            },
        },
        version,
    })
}

/// The scope's programme's link facilities, by name.
pub async fn list(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<StoredFacility>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<FacilityRow> = on_conn!(tx, c => sqlx::query_as(
        "select organisation_id, name, area_id, target_groups, address, phone, opening_hours, version \
         from organisation where programme_key = $1 and kind = 'link_facility' order by name, organisation_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(facility).collect()
}

/// One of the scope's programme's link facilities (`None`: no link facility of the programme
/// has this id).
pub async fn get(tx: &mut Tx, scope: &ProgrammeScope, id: OrganisationId) -> StoreResult<Option<StoredFacility>> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: Option<FacilityRow> = on_conn!(tx, c => sqlx::query_as(
        "select organisation_id, name, area_id, target_groups, address, phone, opening_hours, version \
         from organisation where programme_key = $1 and organisation_id = $2 and kind = 'link_facility'",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?;
    row.map(facility).transpose()
}

/// The details' columns as bound: target groups, address, phone, opening hours.
fn columns(details: &FacilityDetails) -> (String, String, Option<String>, String) {
    let codes: Vec<&str> = details.target_groups.iter().map(|g| g.code()).collect();
    (
        codes.join(","),
        details.contact.address_lines.join("\n"),
        details.contact.phone.clone(),
        details.contact.opening_hours.join("\n"),
    )
}

/// Adds a link facility to the scope's programme, at version 1.
pub async fn insert(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OrganisationId,
    details: &FacilityDetails,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let (groups, address, phone, hours) = columns(details);
    on_conn!(tx, c => sqlx::query(
        "insert into organisation (programme_key, organisation_id, kind, name, area_id, version, created_at, \
           target_groups, address, phone, opening_hours) \
         values ($1, $2, 'link_facility', $3, $4, 1, $5, $6, $7, $8, $9)",
    )
    .bind(key)
    .bind(id.as_uuid())
    .bind(&details.name)
    .bind(details.area.map(|a| a.as_uuid()))
    .bind(now)
    .bind(groups)
    .bind(address)
    .bind(phone)
    .bind(hours)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Stores a link facility's details if it is still at `expected_version`, and raises its
/// version. A facility not in the scope's programme (or not a link facility) is
/// [`StoreError::NotFound`]; a stale version [`StoreError::Conflict`] with the version stored
/// now. Nothing is changed in either case.
pub async fn update(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OrganisationId,
    details: &FacilityDetails,
    expected_version: i64,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let (groups, address, phone, hours) = columns(details);
    let changed = on_conn!(tx, c => sqlx::query(
        "update organisation set name = $3, area_id = $4, target_groups = $5, address = $6, phone = $7, \
           opening_hours = $8, version = version + 1 \
         where programme_key = $1 and organisation_id = $2 and kind = 'link_facility' and version = $9",
    )
    .bind(key)
    .bind(id.as_uuid())
    .bind(&details.name)
    .bind(details.area.map(|a| a.as_uuid()))
    .bind(groups)
    .bind(address)
    .bind(phone)
    .bind(hours)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 1 {
        return Ok(());
    }
    let current: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
        "select version from organisation where programme_key = $1 and organisation_id = $2 and kind = 'link_facility'",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?;
    Err(match current {
        None => StoreError::NotFound { kind: "organisation" },
        Some(current_version) => StoreError::Conflict {
            kind: "organisation",
            current_version,
        },
    })
}
