//! Areas, organisations and offers of a programme: the directory's raw material.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::area::{Area, AreaSet};
use lotse_domain::id::OrganisationId;
use lotse_domain::organisation::{Organisation, OrganisationKind};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bulk::table_row;
use crate::bulk::{self};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

table_row! {
    /// An area set.
    AreaSetRow => "area_set" {
        programme_key: i64,
        area_set_id: Uuid,
        name: String,
    }
}

table_row! {
    /// An area.
    AreaRow => "area" {
        programme_key: i64,
        area_id: Uuid,
        area_set_id: Uuid,
        parent_id: Option<Uuid>,
        kind: String,
        name: String,
        lat: f64,
        lon: f64,
        deprivation: Option<f64>,
    }
}

table_row! {
    /// An organisation.
    OrganisationRow => "organisation" {
        programme_key: i64,
        organisation_id: Uuid,
        kind: String,
        name: String,
        area_id: Option<Uuid>,
        version: i64,
        created_at: OffsetDateTime,
    }
}

/// Inserts area sets.
pub async fn insert_area_sets(tx: &mut Tx, scope: &ProgrammeScope, sets: &[AreaSet]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<_> = sets
        .iter()
        .map(|s| AreaSetRow {
            programme_key: key,
            area_set_id: s.id.as_uuid(),
            name: s.name.clone(),
        })
        .collect();
    bulk::insert_rows(tx, rows).await?;
    Ok(())
}

/// Inserts areas; parents must come before their children.
pub async fn insert_areas(tx: &mut Tx, scope: &ProgrammeScope, areas: &[Area]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    tx.changes_public_counts();
    let rows: Vec<_> = areas
        .iter()
        .map(|a| AreaRow {
            programme_key: key,
            area_id: a.id.as_uuid(),
            area_set_id: a.area_set.as_uuid(),
            parent_id: a.parent.map(|x| x.as_uuid()),
            kind: a.kind.code().to_owned(),
            name: a.name.clone(),
            lat: a.centroid.lat(),
            lon: a.centroid.lon(),
            deprivation: a.deprivation.map(lotse_domain::area::DeprivationIndex::value),
        })
        .collect();
    bulk::insert_rows(tx, rows).await?;
    Ok(())
}

/// Inserts organisations.
pub async fn insert_organisations(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    organisations: &[Organisation],
    now: OffsetDateTime,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<_> = organisations
        .iter()
        .map(|o| OrganisationRow {
            programme_key: key,
            organisation_id: o.id.as_uuid(),
            kind: o.kind.code().to_owned(),
            name: o.name.clone(),
            area_id: o.area.map(|a| a.as_uuid()),
            version: 1,
            created_at: now,
        })
        .collect();
    bulk::insert_rows(tx, rows).await?;
    Ok(())
}

/// An organisation's name and kind; it must exist in the scope's programme.
pub async fn get_organisation(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OrganisationId,
) -> StoreResult<(String, OrganisationKind)> {
    let key = tx.programme_key(scope.programme()).await?;
    let (name, kind): (String, String) = on_conn!(tx, c => sqlx::query_as(
        "select name, kind from organisation where programme_key = $1 and organisation_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "organisation" })?;
    let kind =
        OrganisationKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("organisation kind {kind:?}")))?;
    Ok((name, kind))
}

/// Counts of what a programme holds, for its overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectoryCounts {
    /// Areas.
    pub areas: i64,
    /// Organisations.
    pub organisations: i64,
    /// Published, active offers.
    pub published_offers: i64,
}

/// Counts areas, organisations and published active offers.
pub async fn counts(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<DirectoryCounts> {
    let key = tx.programme_key(scope.programme()).await?;
    let (areas, organisations, published_offers): (i64, i64, i64) = on_conn!(tx, c => sqlx::query_as(
        "select (select count(*) from area where programme_key = $1), \
                (select count(*) from organisation where programme_key = $1), \
                (select count(*) from offer where programme_key = $1 and published = $2 and status = 'active')",
    )
    .bind(key)
    .bind(true)
    .fetch_one(c)
    .await)?;
    Ok(DirectoryCounts {
        areas,
        organisations,
        published_offers,
    })
}

/// Organisations in the scope's programme whose name equals `name` (case-insensitive).
pub async fn find_organisations_by_name(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    name: &str,
) -> StoreResult<Vec<OrganisationId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select organisation_id from organisation where programme_key = $1 and lower(name) = lower($2)",
    )
    .bind(key)
    .bind(name)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(OrganisationId::from_uuid).collect())
}

/// The area sets of the scope's programme, by name.
pub async fn list_area_sets(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<AreaSet>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(Uuid, String)> = on_conn!(tx, c => sqlx::query_as(
        "select area_set_id, name from area_set where programme_key = $1 order by name, area_set_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| AreaSet {
            id: lotse_domain::id::AreaSetId::from_uuid(id),
            programme: scope.programme(),
            name,
        })
        .collect())
}

type AreaColumns = (Uuid, Uuid, Option<Uuid>, String, String, f64, f64, Option<f64>);

/// The areas of the scope's programme, parents before their children, then by name.
pub async fn list_areas(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<Area>> {
    use lotse_domain::area::{AreaKind, DeprivationIndex, GeoPoint};
    use lotse_domain::id::{AreaId, AreaSetId};
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<AreaColumns> = on_conn!(tx, c => sqlx::query_as(
        "select area_id, area_set_id, parent_id, kind, name, lat, lon, deprivation from area \
         where programme_key = $1 order by name, area_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let mut areas = Vec::with_capacity(rows.len());
    for (id, set, parent, kind, name, lat, lon, deprivation) in rows {
        areas.push(Area {
            id: AreaId::from_uuid(id),
            programme: scope.programme(),
            area_set: AreaSetId::from_uuid(set),
            parent: parent.map(AreaId::from_uuid),
            kind: AreaKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("area kind {kind:?}")))?,
            name,
            centroid: GeoPoint::parse(lat, lon).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            deprivation: deprivation.and_then(DeprivationIndex::parse),
        });
    }
    // Parents first: repeat passes over the rest, taking areas whose parent is placed.
    let mut placed = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(areas.len());
    while !areas.is_empty() {
        let (ready, rest): (Vec<Area>, Vec<Area>) = areas
            .into_iter()
            .partition(|a| a.parent.is_none_or(|p| placed.contains(&p)));
        if ready.is_empty() {
            return Err(StoreError::Corrupt(
                "areas form a cycle or name a missing parent".into(),
            ));
        }
        placed.extend(ready.iter().map(|a| a.id));
        ordered.extend(ready);
        areas = rest;
    }
    Ok(ordered)
}

/// Changes an area's parent, kind, centroid and deprivation index (its set and name stay).
pub async fn update_area(tx: &mut Tx, scope: &ProgrammeScope, area: &Area) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    tx.changes_public_counts();
    let changed = on_conn!(tx, c => sqlx::query(
        "update area set parent_id = $3, kind = $4, lat = $5, lon = $6, deprivation = $7 \
         where programme_key = $1 and area_id = $2",
    )
    .bind(key)
    .bind(area.id.as_uuid())
    .bind(area.parent.map(|p| p.as_uuid()))
    .bind(area.kind.code())
    .bind(area.centroid.lat())
    .bind(area.centroid.lon())
    .bind(area.deprivation.map(lotse_domain::area::DeprivationIndex::value))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound { kind: "area" })
    }
}

/// Every organisation of the scope's programme with its name.
pub async fn organisation_names(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<(OrganisationId, String)>> {
    named(
        tx,
        scope,
        "select organisation_id, name from organisation where programme_key = $1 order by organisation_id",
    )
    .await
}

/// Organisations (id, name) by a query whose only parameter is the programme.
async fn named(tx: &mut Tx, scope: &ProgrammeScope, sql: &'static str) -> StoreResult<Vec<(OrganisationId, String)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(Uuid, String)> = on_conn!(tx, c => sqlx::query_as(sql)
    .bind(key)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (OrganisationId::from_uuid(id), name))
        .collect())
}

/// The link facilities of the scope's programme (id and name), by name.
pub async fn link_facilities(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<(OrganisationId, String)>> {
    named(
        tx,
        scope,
        "select organisation_id, name from organisation where programme_key = $1 and kind = 'link_facility' \
         order by name, organisation_id",
    )
    .await
}

/// A link facility's id, name, area centroid (latitude, longitude) and target group codes.
type FacilityPlaceRow = (Uuid, String, Option<f64>, Option<f64>, String);

/// The programme's link facilities as the facility suggestion sees them: name, place (the
/// centroid of the organisation's area, if it has one) and target groups (stored as codes;
/// an unknown code is [`StoreError::Corrupt`]), by name.
pub async fn link_facility_places(
    tx: &mut Tx,
    scope: &ProgrammeScope,
) -> StoreResult<Vec<lotse_domain::facility_choice::FacilityPlace>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<FacilityPlaceRow> = on_conn!(tx, c => sqlx::query_as(
        "select o.organisation_id, o.name, a.lat, a.lon, o.target_groups from organisation o \
         left join area a on a.programme_key = o.programme_key and a.area_id = o.area_id \
         where o.programme_key = $1 and o.kind = 'link_facility' order by o.name, o.organisation_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id, name, lat, lon, groups)| {
            Ok(lotse_domain::facility_choice::FacilityPlace {
                id: OrganisationId::from_uuid(id),
                name,
                location: match (lat, lon) {
                    (Some(lat), Some(lon)) => lotse_domain::area::GeoPoint::parse(lat, lon).ok(),
                    _ => None,
                },
                target_groups: target_groups_of(&groups)?,
            })
        })
        .collect()
}

/// Text stored one line per line break (none, or blank lines: nothing).
pub(crate) fn stored_lines(text: Option<String>) -> Vec<String> {
    text.map(|t| t.lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect())
        .unwrap_or_default()
}

/// Target group codes as stored (comma-separated; empty: none).
pub(crate) fn target_groups_of(stored: &str) -> StoreResult<Vec<lotse_domain::offer::TargetGroup>> {
    stored
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            lotse_domain::offer::TargetGroup::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("target group {code:?}")))
        })
        .collect()
}

/// Sets whom organisations are for (the demo, and `lotse organisation set`); each must exist
/// in the scope's programme, else [`StoreError::NotFound`].
pub async fn set_target_groups(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    groups: &[(OrganisationId, Vec<lotse_domain::offer::TargetGroup>)],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    for (id, groups) in groups {
        let codes: Vec<&str> = groups.iter().map(|g| g.code()).collect();
        let n = on_conn!(tx, c => sqlx::query(
            "update organisation set target_groups = $3, version = version + 1 \
             where programme_key = $1 and organisation_id = $2",
        )
        .bind(key)
        .bind(id.as_uuid())
        .bind(codes.join(","))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound { kind: "organisation" });
        }
    }
    Ok(())
}

/// An organisation's public contact details; it must exist in the scope's programme.
pub async fn organisation_contact(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OrganisationId,
) -> StoreResult<lotse_domain::organisation::OrganisationContact> {
    let key = tx.programme_key(scope.programme()).await?;
    let (address, phone, hours): (Option<String>, Option<String>, Option<String>) = on_conn!(tx, c => sqlx::query_as(
        "select address, phone, opening_hours from organisation where programme_key = $1 and organisation_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "organisation" })?;
    Ok(lotse_domain::organisation::OrganisationContact {
        address_lines: stored_lines(address),
        phone,
        opening_hours: stored_lines(hours),
    })
}

/// Sets organisations' public contact details (the demo, and a coordinator's settings later).
pub async fn set_organisation_contacts(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    contacts: &[(OrganisationId, lotse_domain::organisation::OrganisationContact)],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    for (id, contact) in contacts {
        let n = on_conn!(tx, c => sqlx::query(
            "update organisation set address = $3, phone = $4, opening_hours = $5 \
             where programme_key = $1 and organisation_id = $2",
        )
        .bind(key)
        .bind(id.as_uuid())
        .bind(contact.address_lines.join("\n"))
        .bind(contact.phone.as_deref())
        .bind(contact.opening_hours.join("\n"))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound { kind: "organisation" });
        }
    }
    Ok(())
}
