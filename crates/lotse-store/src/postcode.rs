//! Postcodes of a programme: centroid and the area they fall in per area set, imported from
//! the programme's own tables (`lotse import areas`); no outside geocoder.

use std::collections::BTreeMap;

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::area::{GeoPoint, Postcode, PostcodeCode};
use lotse_domain::id::{AreaId, AreaSetId};
use uuid::Uuid;

use crate::bulk::{self, table_row};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

table_row! {
    /// A postcode's centroid.
    PostcodeRow => "postcode" { programme_key: i64, postcode: String, lat: f64, lon: f64 }
}

table_row! {
    /// The area a postcode falls in, in one set.
    PostcodeAreaRow => "postcode_area" {
        programme_key: i64,
        postcode: String,
        area_set_id: Uuid,
        area_id: Uuid,
    }
}

/// Writes postcodes, replacing those already stored under the same code (with their areas).
pub async fn upsert_postcodes(tx: &mut Tx, scope: &ProgrammeScope, postcodes: &[Postcode]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    for p in postcodes {
        for table in ["postcode_area", "postcode"] {
            let sql = format!("delete from {table} where programme_key = $1 and postcode = $2");
            on_conn!(tx, c => sqlx::query(&sql)
                .bind(key)
                .bind(p.code.as_str())
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    let rows: Vec<_> = postcodes
        .iter()
        .map(|p| PostcodeRow {
            programme_key: key,
            postcode: p.code.as_str().to_owned(),
            lat: p.centroid.lat(),
            lon: p.centroid.lon(),
        })
        .collect();
    bulk::insert_rows(tx, rows).await?;
    let areas: Vec<_> = postcodes
        .iter()
        .flat_map(|p| {
            p.areas.iter().map(move |(set, area)| PostcodeAreaRow {
                programme_key: key,
                postcode: p.code.as_str().to_owned(),
                area_set_id: set.as_uuid(),
                area_id: area.as_uuid(),
            })
        })
        .collect();
    bulk::insert_rows(tx, areas).await?;
    Ok(())
}

fn assemble(points: Vec<(String, f64, f64)>, areas: Vec<(String, Uuid, Uuid)>) -> StoreResult<Vec<Postcode>> {
    let mut by_code: BTreeMap<String, Postcode> = BTreeMap::new();
    for (code, lat, lon) in points {
        let parsed = PostcodeCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let centroid = GeoPoint::parse(lat, lon).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        by_code.insert(
            code,
            Postcode {
                code: parsed,
                centroid,
                areas: Vec::new(),
            },
        );
    }
    for (code, set, area) in areas {
        if let Some(p) = by_code.get_mut(&code) {
            p.areas.push((AreaSetId::from_uuid(set), AreaId::from_uuid(area)));
        }
    }
    Ok(by_code.into_values().collect())
}

/// Every postcode of the scope's programme, in code order.
pub async fn list_postcodes(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<Postcode>> {
    let key = tx.programme_key(scope.programme()).await?;
    let points: Vec<(String, f64, f64)> = on_conn!(tx, c => sqlx::query_as(
        "select postcode, lat, lon from postcode where programme_key = $1 order by postcode",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let areas: Vec<(String, Uuid, Uuid)> = on_conn!(tx, c => sqlx::query_as(
        "select postcode, area_set_id, area_id from postcode_area where programme_key = $1 order by postcode, area_set_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    assemble(points, areas)
}

/// One postcode of the scope's programme, if it is known.
pub async fn find_postcode(tx: &mut Tx, scope: &ProgrammeScope, code: &PostcodeCode) -> StoreResult<Option<Postcode>> {
    let key = tx.programme_key(scope.programme()).await?;
    let points: Vec<(String, f64, f64)> = on_conn!(tx, c => sqlx::query_as(
        "select postcode, lat, lon from postcode where programme_key = $1 and postcode = $2",
    )
    .bind(key)
    .bind(code.as_str())
    .fetch_all(c)
    .await)?;
    let areas: Vec<(String, Uuid, Uuid)> = on_conn!(tx, c => sqlx::query_as(
        "select postcode, area_set_id, area_id from postcode_area where programme_key = $1 and postcode = $2 \
         order by area_set_id",
    )
    .bind(key)
    .bind(code.as_str())
    .fetch_all(c)
    .await)?;
    Ok(assemble(points, areas)?.into_iter().next())
}
