//! The streams a user's inbox reads events from, and when the user last opened it.
//!
//! [`watched`] finds, for an organisation in a role, the referrals and onward referrals that
//! changed most recently (by their rows' `updated_at`, which every event moves): a link
//! facility's referrals and the onward referrals of the cases it holds, a practice's referrals,
//! a provider's onward referrals that were sent to it and are shared with it now, the
//! programme's offers for its coordinators. The app reads their events and keeps those that are
//! news (`lotse_domain::inbox::is_news`). Nothing here is personal data: ids, kinds and times.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{CaseId, OfferId, OrganisationId, PrescriptionId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// Whose inbox: an organisation in the role its members act in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watcher {
    /// A link facility.
    Facility(OrganisationId),
    /// A practice.
    Practice(OrganisationId),
    /// A provider.
    Provider(OrganisationId),
    /// The programme's coordinators, who curate its offers.
    Curator,
}

/// A stream whose events an inbox shows, and what it links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watched {
    /// `referral`, `onward_referral` or `offer`.
    pub stream: &'static str,
    /// The referral, onward referral or offer.
    pub id: Uuid,
    /// The offer (a coordinator's inbox links to it).
    pub offer: Option<OfferId>,
    /// Its case.
    pub case: Option<CaseId>,
    /// The prescription (a practice's inbox links to it).
    pub prescription: Option<PrescriptionId>,
    /// When its row last changed.
    pub updated_at: OffsetDateTime,
}

type Row = (Uuid, Option<Uuid>, Option<Uuid>, OffsetDateTime);

fn watched_rows(stream: &'static str, rows: Vec<Row>) -> Vec<Watched> {
    rows.into_iter()
        .map(|(id, case, prescription, updated_at)| Watched {
            stream,
            id,
            offer: (stream == "offer").then(|| OfferId::from_uuid(id)),
            case: case.map(CaseId::from_uuid),
            prescription: prescription.map(PrescriptionId::from_uuid),
            updated_at,
        })
        .collect()
}

/// The `limit` referrals and onward referrals of `watcher` that changed last, newest first
/// (a facility's: up to `limit` of each kind). Erased people's are left out.
pub async fn watched(tx: &mut Tx, scope: &ProgrammeScope, watcher: Watcher, limit: i64) -> StoreResult<Vec<Watched>> {
    let key = tx.programme_key(scope.programme()).await?;
    let alive = "join patient p on p.programme_key = r.programme_key and p.patient_id = r.patient_id \
                 and p.erased_at is null";
    let mut out = Vec::new();
    match watcher {
        Watcher::Facility(facility) => {
            let referrals: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
                "select r.referral_id, r.case_id, null, r.updated_at from referral r {alive} \
                 where r.programme_key = $1 and r.link_facility_id = $2 and r.case_id is not null \
                 order by r.updated_at desc limit $3"
            ))
            .bind(key)
            .bind(facility.as_uuid())
            .bind(limit)
            .fetch_all(c)
            .await)?;
            out.extend(watched_rows("referral", referrals));
            let onward: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
                "select o.onward_referral_id, o.case_id, null, o.updated_at from onward_referral o \
                 join referral r on r.programme_key = o.programme_key and r.case_id = o.case_id {alive} \
                 where o.programme_key = $1 and r.link_facility_id = $2 and o.sent_at is not null \
                 order by o.updated_at desc limit $3"
            ))
            .bind(key)
            .bind(facility.as_uuid())
            .bind(limit)
            .fetch_all(c)
            .await)?;
            out.extend(watched_rows("onward_referral", onward));
        }
        Watcher::Practice(practice) => {
            let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
                "select r.referral_id, r.case_id, s.prescription_id, r.updated_at from prescription s \
                 join referral r on r.programme_key = s.programme_key and r.prescription_id = s.prescription_id {alive} \
                 where s.programme_key = $1 and s.practice_id = $2 \
                 order by r.updated_at desc limit $3"
            ))
            .bind(key)
            .bind(practice.as_uuid())
            .bind(limit)
            .fetch_all(c)
            .await)?;
            out.extend(watched_rows("referral", rows));
        }
        Watcher::Provider(provider) => {
            // Shared now: an active sharing consent for that onward referral (as the
            // relationship facts decide a provider's view).
            let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(
                "select o.onward_referral_id, o.case_id, null, o.updated_at from onward_referral o \
                 join offer f on f.programme_key = o.programme_key and f.offer_id = o.offer_id \
                 join case_file k on k.programme_key = o.programme_key and k.case_id = o.case_id \
                 join patient p on p.programme_key = k.programme_key and p.patient_id = k.patient_id \
                   and p.erased_at is null \
                 where o.programme_key = $1 and f.provider_id = $2 and o.sent_at is not null \
                   and exists (select 1 from consent c where c.programme_key = o.programme_key \
                     and c.onward_referral_id = o.onward_referral_id and c.purpose = 'provider_sharing' \
                     and c.withdrawn_at is null) \
                 order by o.updated_at desc limit $3",
            )
            .bind(key)
            .bind(provider.as_uuid())
            .bind(limit)
            .fetch_all(c)
            .await)?;
            out.extend(watched_rows("onward_referral", rows));
        }
        Watcher::Curator => {
            // The offers changed last (index `offer_updated`, migration 0052).
            let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(
                "select offer_id, null, null, updated_at from offer where programme_key = $1 \
                 order by updated_at desc limit $2",
            )
            .bind(key)
            .bind(limit)
            .fetch_all(c)
            .await)?;
            out.extend(watched_rows("offer", rows));
        }
    }
    Ok(out)
}

/// When the reader (a user's or an API client's id) last opened their inbox in the scope's
/// programme.
pub async fn seen_at(tx: &mut Tx, scope: &ProgrammeScope, reader: Uuid) -> StoreResult<Option<OffsetDateTime>> {
    let key = tx.programme_key(scope.programme()).await?;
    Ok(on_conn!(tx, c => sqlx::query_scalar(
        "select seen_at from inbox_seen where programme_key = $1 and reader_id = $2",
    )
    .bind(key)
    .bind(reader)
    .fetch_optional(c)
    .await)?)
}

/// Records that the reader opened their inbox at `at`.
pub async fn mark_seen(tx: &mut Tx, scope: &ProgrammeScope, reader: Uuid, at: OffsetDateTime) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    on_conn!(tx, c => sqlx::query(
        "insert into inbox_seen (programme_key, reader_id, seen_at) values ($1, $2, $3) \
         on conflict (programme_key, reader_id) do update set seen_at = excluded.seen_at",
    )
    .bind(key)
    .bind(reader)
    .bind(at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
