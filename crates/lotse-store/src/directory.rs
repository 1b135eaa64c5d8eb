//! Areas, organisations and offers of a programme: the directory's raw material.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::area::{Area, AreaSet};
use lotse_domain::id::OrganisationId;
use lotse_domain::offer::Offer;
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

table_row! {
    /// An offer.
    OfferRow => "offer" {
        programme_key: i64,
        offer_id: Uuid,
        provider_id: Uuid,
        title: String,
        description: String,
        language: String,
        need_domains: String,
        area_id: Option<Uuid>,
        lat: Option<f64>,
        lon: Option<f64>,
        free: bool,
        status: String,
        published: bool,
        last_verified: Option<time::Date>,
        version: i64,
        updated_at: OffsetDateTime,
    }
}

fn join_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes.into_iter().collect::<Vec<_>>().join(",")
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

/// Inserts offers.
pub async fn insert_offers(tx: &mut Tx, scope: &ProgrammeScope, offers: &[Offer]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    tx.changes_public_counts();
    let rows: Vec<_> = offers
        .iter()
        .map(|o| OfferRow {
            programme_key: key,
            offer_id: o.id.as_uuid(),
            provider_id: o.provider.as_uuid(),
            title: o.title.clone(),
            description: o.description.clone(),
            language: o.language.clone(),
            need_domains: join_codes(o.need_domains.iter().map(|n| n.code())),
            area_id: o.area.map(|a| a.as_uuid()),
            lat: o.location.map(lotse_domain::area::GeoPoint::lat),
            lon: o.location.map(lotse_domain::area::GeoPoint::lon),
            free: o.free,
            status: o.status.code().to_owned(),
            published: o.published,
            last_verified: o.last_verified,
            version: 1,
            updated_at: o.updated_at,
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
