//! A person's referrals as shown in a record.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{PatientId, ReferralId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audited_read;
use crate::audit::Access;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// A referral as shown in a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferralLine {
    /// Its id.
    pub id: ReferralId,
    /// Where it came from.
    pub source: String,
    /// The link facility's name.
    pub facility: String,
    /// State code.
    pub state: String,
    /// Closing reason code, once closed.
    pub closing_reason: Option<String>,
    /// When issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A person's referrals, oldest first (audited per referral).
pub async fn referrals(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
) -> StoreResult<Vec<ReferralLine>> {
    type Row = (
        Uuid,
        String,
        String,
        String,
        Option<String>,
        OffsetDateTime,
        OffsetDateTime,
    );
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("r.issued_at");
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select r.referral_id, r.source, o.name, r.state, r.closing_reason, r.issued_at, r.updated_at from referral r \
         join organisation o on o.programme_key = r.programme_key and o.organisation_id = r.link_facility_id \
         where r.programme_key = $1 and r.patient_id = $2 order by {order}"),
    )
    .bind(key)
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::Referral, rows, |r| r.0).await?;
    Ok(rows
        .into_iter()
        .map(|r| ReferralLine {
            id: ReferralId::from_uuid(r.0),
            source: r.1,
            facility: r.2,
            state: r.3,
            closing_reason: r.4,
            issued_at: r.5,
            updated_at: r.6,
        })
        .collect())
}
