//! Offers with everything that hangs off them (need domains, target groups, languages,
//! accessibility, weekly sessions, further-language texts), written and read for one
//! programme. One offer row plus one row per child value; [`load_offers`] reads a whole
//! programme in one query per table, which is what the search index is built from.

use std::collections::HashMap;

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::area::GeoPoint;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::id::{AreaId, OfferId, OrganisationId};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{
    AccessibilityFeature, Address, AgeRange, Capacity, Cost, CostKind, Offer, OfferCategory, OfferContact, OfferStatus,
    OfferText, Session, TargetGroup,
};
use lotse_domain::offer_edit::OfferEvent;
use sqlx::Row as _;
use time::{Date, OffsetDateTime, Time, Weekday};
use uuid::Uuid;

use crate::audit::Access;
use crate::bulk::{self, table_row};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::event::NewEvent;
use crate::on_conn;

table_row! {
    /// An offer.
    OfferRow => "offer" {
        programme_key: i64,
        offer_id: Uuid,
        provider_id: Uuid,
        title: String,
        description: String,
        language: String,
        area_id: Option<Uuid>,
        lat: Option<f64>,
        lon: Option<f64>,
        status: String,
        published: bool,
        last_verified: Option<Date>,
        version: i64,
        updated_at: OffsetDateTime,
        category: String,
        min_age: Option<i64>,
        max_age: Option<i64>,
        cost: String,
        cost_amount_cents: Option<i64>,
        cost_note: Option<String>,
        street: Option<String>,
        postcode: Option<String>,
        city: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        url: Option<String>,
        open_places: Option<i64>,
        waiting_list: i64,
    }
}

table_row! {
    /// A need domain of an offer.
    NeedRow => "offer_need" { programme_key: i64, offer_id: Uuid, need_domain: String }
}

table_row! {
    /// A target group of an offer.
    TargetGroupRow => "offer_target_group" { programme_key: i64, offer_id: Uuid, target_group: String }
}

table_row! {
    /// A language spoken at an offer.
    LanguageRow => "offer_language" { programme_key: i64, offer_id: Uuid, language: String }
}

table_row! {
    /// An accessibility feature of an offer.
    AccessibilityRow => "offer_accessibility" { programme_key: i64, offer_id: Uuid, feature: String }
}

table_row! {
    /// A weekly session of an offer (minutes after midnight).
    SessionRow => "offer_session" {
        programme_key: i64,
        offer_id: Uuid,
        weekday: i64,
        opens_at: i64,
        closes_at: i64,
    }
}

table_row! {
    /// A title and description in a further language.
    TextRow => "offer_text" {
        programme_key: i64,
        offer_id: Uuid,
        language: String,
        title: String,
        description: String,
    }
}

fn minutes(t: Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

fn from_minutes(m: i64) -> Option<Time> {
    let (h, mi) = (u8::try_from(m / 60).ok()?, u8::try_from(m % 60).ok()?);
    if h == 24 && mi == 0 {
        return Time::from_hms(23, 59, 59).ok();
    }
    Time::from_hms(h, mi, 0).ok()
}

fn end_minutes(t: Time) -> i64 {
    if (t.hour(), t.minute(), t.second()) == (23, 59, 59) {
        1440
    } else {
        minutes(t)
    }
}

fn offer_row(key: i64, o: &Offer, version: i64) -> OfferRow {
    let address = o.address.clone().unwrap_or_default();
    let text = |s: String| (!s.is_empty()).then_some(s);
    OfferRow {
        programme_key: key,
        offer_id: o.id.as_uuid(),
        provider_id: o.provider.as_uuid(),
        title: o.title.clone(),
        description: o.description.clone(),
        language: o.language.clone(),
        area_id: o.area.map(|a| a.as_uuid()),
        lat: o.location.map(GeoPoint::lat),
        lon: o.location.map(GeoPoint::lon),
        status: o.status.code().to_owned(),
        published: o.published,
        last_verified: o.last_verified,
        version,
        updated_at: o.updated_at,
        category: o.category.code().to_owned(),
        min_age: o.ages.min.map(i64::from),
        max_age: o.ages.max.map(i64::from),
        cost: o.cost.kind.code().to_owned(),
        cost_amount_cents: o.cost.amount_cents.map(i64::from),
        cost_note: o.cost.note.clone(),
        street: text(address.street),
        postcode: text(address.postcode),
        city: text(address.city),
        phone: o.contact.phone.clone(),
        email: o.contact.email.clone(),
        url: o.contact.url.clone(),
        open_places: o.capacity.open_places.map(i64::from),
        waiting_list: i64::from(o.capacity.waiting_list),
    }
}

async fn insert_children(tx: &mut Tx, key: i64, offers: &[Offer]) -> StoreResult<()> {
    let id = |o: &Offer| o.id.as_uuid();
    let needs: Vec<_> = offers
        .iter()
        .flat_map(|o| {
            o.need_domains.iter().map(move |n| NeedRow {
                programme_key: key,
                offer_id: id(o),
                need_domain: n.code().to_owned(),
            })
        })
        .collect();
    bulk::insert_rows(tx, needs).await?;
    let groups: Vec<_> = offers
        .iter()
        .flat_map(|o| {
            o.target_groups.iter().map(move |g| TargetGroupRow {
                programme_key: key,
                offer_id: id(o),
                target_group: g.code().to_owned(),
            })
        })
        .collect();
    bulk::insert_rows(tx, groups).await?;
    let languages: Vec<_> = offers
        .iter()
        .flat_map(|o| {
            o.languages.iter().map(move |l| LanguageRow {
                programme_key: key,
                offer_id: id(o),
                language: l.clone(),
            })
        })
        .collect();
    bulk::insert_rows(tx, languages).await?;
    let features: Vec<_> = offers
        .iter()
        .flat_map(|o| {
            o.accessibility.iter().map(move |f| AccessibilityRow {
                programme_key: key,
                offer_id: id(o),
                feature: f.code().to_owned(),
            })
        })
        .collect();
    bulk::insert_rows(tx, features).await?;
    let sessions: Vec<_> = offers
        .iter()
        .flat_map(|o| {
            o.schedule.iter().map(move |s| SessionRow {
                programme_key: key,
                offer_id: id(o),
                weekday: i64::from(s.weekday.number_from_monday()),
                opens_at: minutes(s.opens_at),
                closes_at: end_minutes(s.closes_at),
            })
        })
        .collect();
    bulk::insert_rows(tx, sessions).await?;
    let texts: Vec<_> = offers
        .iter()
        .flat_map(|o| {
            o.translations.iter().map(move |t| TextRow {
                programme_key: key,
                offer_id: id(o),
                language: t.language.clone(),
                title: t.title.clone(),
                description: t.description.clone(),
            })
        })
        .collect();
    bulk::insert_rows(tx, texts).await?;
    Ok(())
}

/// Inserts new offers (version 1) with everything that hangs off them.
pub async fn insert_offers(tx: &mut Tx, scope: &ProgrammeScope, offers: &[Offer]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    tx.changes_public_counts();
    let rows: Vec<_> = offers.iter().map(|o| offer_row(key, o, 1)).collect();
    bulk::insert_rows(tx, rows).await?;
    insert_children(tx, key, offers).await
}

const CHILD_TABLES: [&str; 6] = [
    "offer_need",
    "offer_target_group",
    "offer_language",
    "offer_accessibility",
    "offer_session",
    "offer_text",
];

/// Replaces an offer whose stored version is `expected_version`; returns the new version.
/// Another version is [`StoreError::Conflict`]; an unknown offer is [`StoreError::NotFound`].
/// It writes no event and no audit entry: use cases change offers through [`change`], which
/// calls it (by convention; this one is left public for imports and test set-up).
pub async fn update_offer(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    offer: &Offer,
    expected_version: i64,
) -> StoreResult<i64> {
    let key = tx.programme_key(scope.programme()).await?;
    tx.changes_public_counts();
    let current: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
        "select version from offer where programme_key = $1 and offer_id = $2",
    )
    .bind(key)
    .bind(offer.id.as_uuid())
    .fetch_optional(c)
    .await)?;
    match current {
        None => return Err(StoreError::NotFound { kind: "offer" }),
        Some(v) if v != expected_version => {
            return Err(StoreError::Conflict {
                kind: "offer",
                current_version: v,
            });
        }
        Some(_) => {}
    }
    for table in CHILD_TABLES {
        let sql = format!("delete from {table} where programme_key = $1 and offer_id = $2");
        on_conn!(tx, c => sqlx::query(&sql).bind(key).bind(offer.id.as_uuid()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    let next = expected_version + 1;
    let row = offer_row(key, offer, next);
    let done = on_conn!(tx, c => sqlx::query(
        "update offer set provider_id = $3, title = $4, description = $5, language = $6, area_id = $7, \
         lat = $8, lon = $9, status = $10, published = $11, last_verified = $12, version = $13, updated_at = $14, \
         category = $15, min_age = $16, max_age = $17, cost = $18, cost_amount_cents = $19, cost_note = $20, \
         street = $21, postcode = $22, city = $23, phone = $24, email = $25, url = $26, open_places = $27, \
         waiting_list = $28 where programme_key = $1 and offer_id = $2 and version = $29",
    )
    .bind(key)
    .bind(row.offer_id)
    .bind(row.provider_id)
    .bind(&row.title)
    .bind(&row.description)
    .bind(&row.language)
    .bind(row.area_id)
    .bind(row.lat)
    .bind(row.lon)
    .bind(&row.status)
    .bind(row.published)
    .bind(row.last_verified)
    .bind(row.version)
    .bind(row.updated_at)
    .bind(&row.category)
    .bind(row.min_age)
    .bind(row.max_age)
    .bind(&row.cost)
    .bind(row.cost_amount_cents)
    .bind(&row.cost_note)
    .bind(&row.street)
    .bind(&row.postcode)
    .bind(&row.city)
    .bind(&row.phone)
    .bind(&row.email)
    .bind(&row.url)
    .bind(row.open_places)
    .bind(row.waiting_list)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if done != 1 {
        return Err(StoreError::Conflict {
            kind: "offer",
            current_version: expected_version,
        });
    }
    insert_children(tx, key, std::slice::from_ref(offer)).await?;
    Ok(next)
}

/// Writes one change of an offer: the offer as it is to be stored (read at
/// `expected_version`), its event and an audit entry (`update` on the offer, by the scope's
/// actor), all in `tx`; returns the new version. The event's place in the offer's stream is
/// the new version (an offer inserted at version 1 without an event starts its stream at 2).
/// For [`OfferEvent::Merged`] the offer also names the offer that remains, which must be
/// another offer of the programme ([`StoreError::NotFound`] otherwise). A stale version is
/// [`StoreError::Conflict`]; the caller has checked the transition ([`OfferEvent::apply`]).
pub async fn change(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    offer: &Offer,
    expected_version: i64,
    event: &OfferEvent,
) -> StoreResult<i64> {
    let payload = lotse_domain::event::to_payload(event)?;
    if crate::event::kind(OfferEvent::STREAM, &payload) != event.kind() {
        return Err(StoreError::Corrupt(format!(
            "event {} would be read back otherwise",
            event.kind()
        )));
    }
    let key = tx.programme_key(scope.programme()).await?;
    let mut ids = vec![offer.id.as_uuid()];
    if let OfferEvent::Merged { into } = event {
        let survivor: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
            "select version from offer where programme_key = $1 and offer_id = $2 and offer_id <> $3",
        )
        .bind(key)
        .bind(into.as_uuid())
        .bind(offer.id.as_uuid())
        .fetch_optional(c)
        .await)?;
        if survivor.is_none() {
            return Err(StoreError::NotFound { kind: "offer" });
        }
        ids.push(into.as_uuid());
    }
    let version = update_offer(tx, scope, offer, expected_version).await?;
    if let OfferEvent::Merged { into } = event {
        on_conn!(tx, c => sqlx::query(
            "update offer set merged_into = $3 where programme_key = $1 and offer_id = $2",
        )
        .bind(key)
        .bind(offer.id.as_uuid())
        .bind(into.as_uuid())
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    crate::event::append(
        tx,
        scope,
        &[NewEvent {
            stream: OfferEvent::STREAM,
            stream_id: offer.id.as_uuid(),
            stream_version: version,
            payload,
            actor: scope.actor().reference(),
            occurred_at: access.at,
        }],
    )
    .await?;
    crate::audit::record(tx, scope, access, AuditAction::Update, ObjectKind::Offer, ids).await?;
    Ok(version)
}

const OFFER_COLUMNS: &str = "offer_id, provider_id, title, description, language, area_id, lat, lon, status, \
     published, last_verified, version, updated_at, category, min_age, max_age, cost, cost_amount_cents, \
     cost_note, street, postcode, city, phone, email, url, open_places, waiting_list, merged_into";

fn corrupt(what: &str, value: &impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("offer {what} {value:?}"))
}

fn small(value: Option<i64>, what: &str) -> StoreResult<Option<u8>> {
    value
        .map(|v| u8::try_from(v).map_err(|_| corrupt(what, &v)))
        .transpose()
}

fn count(value: Option<i64>, what: &str) -> StoreResult<Option<u32>> {
    value
        .map(|v| u32::try_from(v).map_err(|_| corrupt(what, &v)))
        .transpose()
}

/// An offer as stored, with its version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOffer {
    /// The offer.
    pub offer: Offer,
    /// Its version, for optimistic concurrency.
    pub version: i64,
    /// For an offer merged into another as its duplicate: the offer that remains.
    pub merged_into: Option<OfferId>,
}

macro_rules! offer_from_row {
    ($scope:expr, $r:expr) => {{
        let r = $r;
        let (lat, lon): (Option<f64>, Option<f64>) = (r.try_get(6)?, r.try_get(7)?);
        let location = match (lat, lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint::parse(lat, lon).map_err(|e| corrupt("point", &e))?),
            _ => None,
        };
        let status: String = r.try_get(8)?;
        let category: String = r.try_get(13)?;
        let cost: String = r.try_get(16)?;
        let (street, postcode, city): (Option<String>, Option<String>, Option<String>) =
            (r.try_get(19)?, r.try_get(20)?, r.try_get(21)?);
        let address = (street.is_some() || postcode.is_some() || city.is_some()).then(|| Address {
            street: street.unwrap_or_default(),
            postcode: postcode.unwrap_or_default(),
            city: city.unwrap_or_default(),
        });
        let ages = AgeRange::parse(small(r.try_get(14)?, "min_age")?, small(r.try_get(15)?, "max_age")?)
            .map_err(|e| corrupt("ages", &e))?;
        StoredOffer {
            version: r.try_get(11)?,
            merged_into: r.try_get::<Option<Uuid>, _>(27)?.map(OfferId::from_uuid),
            offer: Offer {
                id: OfferId::from_uuid(r.try_get(0)?),
                programme: $scope.programme(),
                provider: OrganisationId::from_uuid(r.try_get(1)?),
                title: r.try_get(2)?,
                description: r.try_get(3)?,
                language: r.try_get(4)?,
                translations: Vec::new(),
                category: OfferCategory::from_code(&category).ok_or_else(|| corrupt("category", &category))?,
                need_domains: Vec::new(),
                target_groups: Vec::new(),
                languages: Vec::new(),
                ages,
                area: r.try_get::<Option<Uuid>, _>(5)?.map(AreaId::from_uuid),
                location,
                address,
                contact: OfferContact {
                    phone: r.try_get(22)?,
                    email: r.try_get(23)?,
                    url: r.try_get(24)?,
                },
                schedule: Vec::new(),
                cost: Cost {
                    kind: CostKind::from_code(&cost).ok_or_else(|| corrupt("cost", &cost))?,
                    amount_cents: count(r.try_get(17)?, "cost_amount_cents")?,
                    note: r.try_get(18)?,
                },
                accessibility: Vec::new(),
                capacity: Capacity {
                    open_places: count(r.try_get(25)?, "open_places")?,
                    waiting_list: count(Some(r.try_get(26)?), "waiting_list")?.unwrap_or(0),
                },
                status: OfferStatus::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
                published: r.try_get(9)?,
                last_verified: r.try_get(10)?,
                updated_at: r.try_get(12)?,
            },
        }
    }};
}

/// Reads offers of the scope's programme: all of them, or those in `only`.
async fn read(tx: &mut Tx, scope: &ProgrammeScope, only: Option<OfferId>) -> StoreResult<Vec<StoredOffer>> {
    let key = tx.programme_key(scope.programme()).await?;
    let filter = if only.is_some() { " and offer_id = $2" } else { "" };
    let sql = format!("select {OFFER_COLUMNS} from offer where programme_key = $1{filter} order by offer_id");
    let only_id = only.map(|o| o.as_uuid());
    let mut offers: Vec<StoredOffer> = on_conn!(tx, c => {
        let mut q = sqlx::query(&sql).bind(key);
        if let Some(id) = only_id {
            q = q.bind(id);
        }
        // Row by row: at 100,000 offers, holding every raw row until all are read doubled the
        // memory of an index build.
        let mut rows = q.fetch(c);
        let mut out = Vec::new();
        while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            out.push(offer_from_row!(scope, &r));
        }
        Ok::<_, StoreError>(out)
    })?;
    let index: HashMap<Uuid, usize> = offers
        .iter()
        .enumerate()
        .map(|(i, o)| (o.offer.id.as_uuid(), i))
        .collect();
    let child = |table: &str, columns: &str| {
        format!("select offer_id, {columns} from {table} where programme_key = $1{filter} order by offer_id, {columns}")
    };
    for (table, column) in [
        ("offer_need", "need_domain"),
        ("offer_target_group", "target_group"),
        ("offer_language", "language"),
        ("offer_accessibility", "feature"),
    ] {
        let sql = child(table, column);
        let rows: Vec<(Uuid, String)> = on_conn!(tx, c => {
            let mut q = sqlx::query_as(&sql).bind(key);
            if let Some(id) = only_id {
                q = q.bind(id);
            }
            q.fetch_all(c).await
        })?;
        for (id, code) in rows {
            let Some(o) = index.get(&id).and_then(|&i| offers.get_mut(i)) else {
                continue;
            };
            let o = &mut o.offer;
            match table {
                "offer_need" => o
                    .need_domains
                    .push(NeedDomain::from_code(&code).ok_or_else(|| corrupt("need domain", &code))?),
                "offer_target_group" => o
                    .target_groups
                    .push(TargetGroup::from_code(&code).ok_or_else(|| corrupt("target group", &code))?),
                "offer_language" => o.languages.push(code),
                _ => o
                    .accessibility
                    .push(AccessibilityFeature::from_code(&code).ok_or_else(|| corrupt("feature", &code))?),
            }
        }
    }
    let sql = child("offer_session", "weekday, opens_at, closes_at");
    let sessions: Vec<(Uuid, i64, i64, i64)> = on_conn!(tx, c => {
        let mut q = sqlx::query_as(&sql).bind(key);
        if let Some(id) = only_id {
            q = q.bind(id);
        }
        q.fetch_all(c).await
    })?;
    for (id, weekday, opens, closes) in sessions {
        let Some(o) = index.get(&id).and_then(|&i| offers.get_mut(i)) else {
            continue;
        };
        let weekday = weekday_from_number(weekday).ok_or_else(|| corrupt("weekday", &weekday))?;
        let (opens_at, closes_at) = (
            from_minutes(opens).ok_or_else(|| corrupt("opens_at", &opens))?,
            from_minutes(closes).ok_or_else(|| corrupt("closes_at", &closes))?,
        );
        o.offer
            .schedule
            .push(Session::parse(weekday, opens_at, closes_at).map_err(|e| corrupt("session", &e))?);
    }
    let sql = child("offer_text", "language, title, description");
    let texts: Vec<(Uuid, String, String, String)> = on_conn!(tx, c => {
        let mut q = sqlx::query_as(&sql).bind(key);
        if let Some(id) = only_id {
            q = q.bind(id);
        }
        q.fetch_all(c).await
    })?;
    for (id, language, title, description) in texts {
        if let Some(o) = index.get(&id).and_then(|&i| offers.get_mut(i)) {
            o.offer.translations.push(OfferText {
                language,
                title,
                description,
            });
        }
    }
    for o in &mut offers {
        o.offer.normalise();
    }
    Ok(offers)
}

/// A weekday from its number, Monday = 1.
pub fn weekday_from_number(n: i64) -> Option<Weekday> {
    let mut day = Weekday::Sunday;
    for _ in 0..u8::try_from(n).ok().filter(|n| (1..=7).contains(n))? {
        day = day.next();
    }
    Some(day)
}

/// Every offer of the scope's programme (any status, published or not), in id order.
pub async fn load_offers(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<StoredOffer>> {
    read(tx, scope, None).await
}

/// One offer of the scope's programme.
pub async fn get_offer(tx: &mut Tx, scope: &ProgrammeScope, id: OfferId) -> StoreResult<StoredOffer> {
    read(tx, scope, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound { kind: "offer" })
}

/// A number that grows with every insert, update and delete of the programme's offers, kept by
/// database triggers in one row (`offer_stamp`, migration 0024): a process compares it to see
/// whether another process changed offers. Every offer change bumps the offer's version, so
/// changes to its child tables count too. 0 for a programme that never had an offer.
pub async fn directory_stamp(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<i64> {
    let key = tx.programme_key(scope.programme()).await?;
    let stamp: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
        "select changes from offer_stamp where programme_key = $1",
    )
    .bind(key)
    .fetch_optional(c)
    .await)?;
    Ok(stamp.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_are_numbered_from_monday() {
        let table = [
            (1, Some(Weekday::Monday)),
            (3, Some(Weekday::Wednesday)),
            (7, Some(Weekday::Sunday)),
            (0, None),
            (8, None),
            (-1, None),
        ];
        for (n, day) in table {
            assert_eq!(weekday_from_number(n), day, "{n}");
        }
    }

    #[test]
    fn session_times_round_trip_through_minutes() {
        let t = Time::from_hms(14, 30, 0).unwrap_or(Time::MIDNIGHT);
        assert_eq!(minutes(t), 870);
        assert_eq!(from_minutes(870), Some(t));
        assert_eq!(end_minutes(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)), 1440);
        assert_eq!(from_minutes(1500), None);
    }
}
