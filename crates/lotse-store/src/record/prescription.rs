//! A person's prescriptions as shown in a record.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{CaseId, PatientId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audited_read;
use crate::audit::Access;
use crate::crypto::Slot;
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
    /// Urgency code (`routine`, `soon`).
    pub urgency: String,
    /// The prescriber's short reason, opened: only where the use case lets the reader see it
    /// (`None` here; [`prescription_reasons`] opens them).
    pub reason: Option<String>,
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
    let rows: Vec<(Uuid, String, String, Uuid, String, String, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select p.prescription_id, p.code, o.name, p.practice_id, p.need_domains, p.urgency, p.issued_at from prescription p \
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
            urgency: r.5,
            reason: None,
            issued_at: r.6,
        })
        .collect())
}

/// The reasons of those of `prescriptions` that have one (a prescriber may leave it out),
/// opened, each from its prescription's own slot. Not audited here: the use case shows them
/// only beside the prescriptions [`prescriptions`] read in the same transaction, whose audit
/// entry lists each of them.
pub async fn prescription_reasons(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    prescriptions: &[Uuid],
) -> StoreResult<Vec<(Uuid, String)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let mut opened = Vec::new();
    for &id in prescriptions {
        let sealed: Option<Vec<u8>> = on_conn!(tx, c => sqlx::query_scalar(
            "select reason from prescription_reason where programme_key = $1 and prescription_id = $2",
        )
        .bind(key)
        .bind(id)
        .fetch_optional(c)
        .await)?;
        if let Some(sealed) = sealed {
            let slot = Slot {
                programme: scope.programme().as_uuid(),
                record: id,
                column: "reason",
            };
            opened.push((id, tx.keys()?.open(slot, &sealed)?));
        }
    }
    Ok(opened)
}

/// The prescription behind a case's referral, if it came from one (a self-referral did not).
pub async fn prescription_of_case(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> StoreResult<Option<Uuid>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("issued_at");
    let found: Option<Option<Uuid>> = on_conn!(tx, c => sqlx::query_scalar(&format!(
        "select prescription_id from referral where programme_key = $1 and case_id = $2 \
         order by {order}, referral_id limit 1"),
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_optional(c)
    .await)?;
    Ok(found.flatten())
}
