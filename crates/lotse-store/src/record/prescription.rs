//! A person's prescriptions as shown in a record.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::PatientId;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audited_read;
use crate::audit::Access;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// A prescription as shown in a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrescriptionLine {
    /// Its id.
    pub id: Uuid,
    /// The code on the sheet.
    pub code: String,
    /// The practice's name.
    pub practice: String,
    /// The practice's id.
    pub practice_id: Uuid,
    /// Need domain codes, comma-separated.
    pub need_domains: String,
    /// When issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
}

/// A person's prescriptions, oldest first (audited per prescription).
pub async fn prescriptions(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
) -> StoreResult<Vec<PrescriptionLine>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("p.issued_at");
    let rows: Vec<(Uuid, String, String, Uuid, String, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select p.prescription_id, p.code, o.name, p.practice_id, p.need_domains, p.issued_at from prescription p \
         join organisation o on o.programme_key = p.programme_key and o.organisation_id = p.practice_id \
         where p.programme_key = $1 and p.patient_id = $2 order by {order}"),
    )
    .bind(key)
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::Prescription, rows, |r| r.0).await?;
    Ok(rows
        .into_iter()
        .map(|r| PrescriptionLine {
            id: r.0,
            code: r.1,
            practice: r.2,
            practice_id: r.3,
            need_domains: r.4,
            issued_at: r.5,
        })
        .collect())
}
