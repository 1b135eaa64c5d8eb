//! A person's onward referrals as shown in a record.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{CaseId, OfferId, OnwardReferralId, OrganisationId, PatientId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audited_read;
use crate::audit::Access;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// An onward referral as shown in a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OnwardLine {
    /// Its id.
    pub id: OnwardReferralId,
    /// The offer's title.
    pub offer: String,
    /// The provider's id.
    pub provider_id: OrganisationId,
    /// The provider's name.
    pub provider: String,
    /// State code.
    pub state: String,
    /// End reason code, once ended.
    pub end_reason: Option<String>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Its version (the number of its events; sent back with the person's answer).
    #[serde(skip)]
    pub version: i64,
    /// The offer's id.
    #[serde(skip)]
    pub offer_id: OfferId,
    /// The case it belongs to.
    #[serde(skip)]
    pub case: CaseId,
}

/// One onward referral, audited as a read of it (a provider's signed link reads only its own).
pub async fn onward_referral(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    id: OnwardReferralId,
) -> StoreResult<Option<OnwardLine>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
        "{SELECT} where r.programme_key = $1 and r.onward_referral_id = $2"),
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::OnwardReferral, rows, |r| r.0).await?;
    Ok(rows.into_iter().map(line).next())
}

/// The columns of an [`OnwardLine`], in [`Row`]'s order, from `onward_referral r` with its
/// offer and provider.
const SELECT: &str = "select r.onward_referral_id, f.title, f.provider_id, o.name, r.state, r.end_reason, r.updated_at, \
     r.version, r.offer_id, r.case_id from onward_referral r \
     join case_file k on k.programme_key = r.programme_key and k.case_id = r.case_id \
     join offer f on f.programme_key = r.programme_key and f.offer_id = r.offer_id \
     join organisation o on o.programme_key = f.programme_key and o.organisation_id = f.provider_id";

type Row = (
    Uuid,
    String,
    Uuid,
    String,
    String,
    Option<String>,
    OffsetDateTime,
    i64,
    Uuid,
    Uuid,
);

fn line(r: Row) -> OnwardLine {
    OnwardLine {
        id: OnwardReferralId::from_uuid(r.0),
        offer: r.1,
        provider_id: OrganisationId::from_uuid(r.2),
        provider: r.3,
        state: r.4,
        end_reason: r.5,
        updated_at: r.6,
        version: r.7,
        offer_id: OfferId::from_uuid(r.8),
        case: CaseId::from_uuid(r.9),
    }
}

/// A person's onward referrals (all of them, or only those to one provider), audited per item.
pub async fn onward_referrals(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
    only_provider: Option<OrganisationId>,
) -> StoreResult<Vec<OnwardLine>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("r.created_at");
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
        "{SELECT} where r.programme_key = $1 and k.patient_id = $2 and ($3 is null or f.provider_id = $3) \
         order by {order}"),
    )
    .bind(key)
    .bind(patient.as_uuid())
    .bind(only_provider.map(|o| o.as_uuid()))
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::OnwardReferral, rows, |r| r.0).await?;
    Ok(rows.into_iter().map(line).collect())
}

/// One case's onward referrals, oldest first, audited per item (the message back to the
/// practice when the case closes).
pub async fn onward_referrals_of_case(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    case: CaseId,
) -> StoreResult<Vec<OnwardLine>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("r.created_at");
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
        "{SELECT} where r.programme_key = $1 and r.case_id = $2 order by {order}"),
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::OnwardReferral, rows, |r| r.0).await?;
    Ok(rows.into_iter().map(line).collect())
}
