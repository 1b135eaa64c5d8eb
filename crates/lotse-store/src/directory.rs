//! Areas, organisations and offers of a programme: the directory's raw material.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::area::{Area, AreaSet};
use lotse_domain::id::OrganisationId;
use lotse_domain::offer::Offer;
use lotse_domain::organisation::{Organisation, OrganisationKind};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bulk::{self, Value};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

fn join_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes.into_iter().collect::<Vec<_>>().join(",")
}

/// Inserts area sets.
pub async fn insert_area_sets(tx: &mut Tx, scope: &ProgrammeScope, sets: &[AreaSet]) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = sets
        .iter()
        .map(|s| vec![Value::Uuid(p), Value::Uuid(s.id.as_uuid()), Value::Text(s.name.clone())])
        .collect();
    bulk::insert(tx, "area_set", &["programme_id", "area_set_id", "name"], &rows).await?;
    Ok(())
}

/// Inserts areas; parents must come before their children.
pub async fn insert_areas(tx: &mut Tx, scope: &ProgrammeScope, areas: &[Area]) -> StoreResult<()> {
    tx.changes_public_counts();
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = areas
        .iter()
        .map(|a| {
            vec![
                Value::Uuid(p),
                Value::Uuid(a.id.as_uuid()),
                Value::Uuid(a.area_set.as_uuid()),
                Value::OptUuid(a.parent.map(|x| x.as_uuid())),
                Value::Text(a.kind.code().to_owned()),
                Value::Text(a.name.clone()),
                Value::Real(a.centroid.lat()),
                Value::Real(a.centroid.lon()),
                Value::OptReal(a.deprivation.map(lotse_domain::area::DeprivationIndex::value)),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "area_id",
        "area_set_id",
        "parent_id",
        "kind",
        "name",
        "lat",
        "lon",
        "deprivation",
    ];
    bulk::insert(tx, "area", &columns, &rows).await?;
    Ok(())
}

/// Inserts organisations.
pub async fn insert_organisations(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    organisations: &[Organisation],
    now: OffsetDateTime,
) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = organisations
        .iter()
        .map(|o| {
            vec![
                Value::Uuid(p),
                Value::Uuid(o.id.as_uuid()),
                Value::Text(o.kind.code().to_owned()),
                Value::Text(o.name.clone()),
                Value::OptUuid(o.area.map(|a| a.as_uuid())),
                Value::Int(1),
                Value::Time(now),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "organisation_id",
        "kind",
        "name",
        "area_id",
        "version",
        "created_at",
    ];
    bulk::insert(tx, "organisation", &columns, &rows).await?;
    Ok(())
}

/// Inserts offers.
pub async fn insert_offers(tx: &mut Tx, scope: &ProgrammeScope, offers: &[Offer]) -> StoreResult<()> {
    tx.changes_public_counts();
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = offers
        .iter()
        .map(|o| {
            vec![
                Value::Uuid(p),
                Value::Uuid(o.id.as_uuid()),
                Value::Uuid(o.provider.as_uuid()),
                Value::Text(o.title.clone()),
                Value::Text(o.description.clone()),
                Value::Text(o.language.clone()),
                Value::Text(join_codes(o.need_domains.iter().map(|n| n.code()))),
                Value::OptUuid(o.area.map(|a| a.as_uuid())),
                Value::OptReal(o.location.map(lotse_domain::area::GeoPoint::lat)),
                Value::OptReal(o.location.map(lotse_domain::area::GeoPoint::lon)),
                Value::Bool(o.free),
                Value::Text(o.status.code().to_owned()),
                Value::Bool(o.published),
                Value::OptDate(o.last_verified),
                Value::Int(1),
                Value::Time(o.updated_at),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "offer_id",
        "provider_id",
        "title",
        "description",
        "language",
        "need_domains",
        "area_id",
        "lat",
        "lon",
        "free",
        "status",
        "published",
        "last_verified",
        "version",
        "updated_at",
    ];
    bulk::insert(tx, "offer", &columns, &rows).await?;
    Ok(())
}

/// An organisation's name and kind; it must exist in the scope's programme.
pub async fn get_organisation(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OrganisationId,
) -> StoreResult<(String, OrganisationKind)> {
    let (name, kind): (String, String) = on_conn!(tx, c => sqlx::query_as(
        "select name, kind from organisation where programme_id = $1 and organisation_id = $2",
    )
    .bind(scope.programme().as_uuid())
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
    let p: Uuid = scope.programme().as_uuid();
    let (areas, organisations, published_offers): (i64, i64, i64) = on_conn!(tx, c => sqlx::query_as(
        "select (select count(*) from area where programme_id = $1), \
                (select count(*) from organisation where programme_id = $1), \
                (select count(*) from offer where programme_id = $1 and published = $2 and status = 'active')",
    )
    .bind(p)
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
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select organisation_id from organisation where programme_id = $1 and lower(name) = lower($2)",
    )
    .bind(scope.programme().as_uuid())
    .bind(name)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(OrganisationId::from_uuid).collect())
}
