//! Lookups that return ids only (what the use cases need to find a record; the relationship
//! facts the policy needs are in [`crate::relation`]); they write no audit entry.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{CaseId, OrganisationId, PatientId, PrescriptionId, ReferralId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// Whether the person exists in the scope's programme.
pub async fn patient_exists(tx: &mut Tx, scope: &ProgrammeScope, patient: PatientId) -> StoreResult<bool> {
    let key = tx.programme_key(scope.programme()).await?;
    let n: i64 = on_conn!(tx, c => sqlx::query_scalar(
        "select count(*) from patient where programme_key = $1 and patient_id = $2",
    )
    .bind(key)
    .bind(patient.as_uuid())
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// The person and their case at a facility, found by a prescription code (compact form).
pub async fn find_by_code(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    code: &str,
) -> StoreResult<Option<(PatientId, Vec<(CaseId, OrganisationId)>)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let patient: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select patient_id from prescription where programme_key = $1 and code = $2",
    )
    .bind(key)
    .bind(code)
    .fetch_optional(c)
    .await)?;
    let Some(patient) = patient else { return Ok(None) };
    let order = tx.engine().time_key("opened_at");
    let cases: Vec<(Uuid, Uuid)> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select case_id, link_facility_id from case_file where programme_key = $1 and patient_id = $2 order by {order}"),
    )
    .bind(key)
    .bind(patient)
    .fetch_all(c)
    .await)?;
    Ok(Some((
        PatientId::from_uuid(patient),
        cases
            .into_iter()
            .map(|(c, f)| (CaseId::from_uuid(c), OrganisationId::from_uuid(f)))
            .collect(),
    )))
}

/// A prescription found by its code (compact form), for a person who brings it to a link
/// facility: its id, its person (not erased), and whether a referral was made from it already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodedPrescription {
    /// The prescription.
    pub id: PrescriptionId,
    /// Its person.
    pub patient: PatientId,
    /// A referral was made from it (with transfer consent, or by a facility it was brought to).
    pub referred: bool,
}

/// The prescription of a code (compact form), unless its person was erased.
pub async fn prescription_by_code(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    code: &str,
) -> StoreResult<Option<CodedPrescription>> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: Option<(Uuid, Uuid, i64)> = on_conn!(tx, c => sqlx::query_as(
        "select p.prescription_id, p.patient_id, \
         (select count(*) from referral r where r.programme_key = p.programme_key \
          and r.prescription_id = p.prescription_id) \
         from prescription p join patient t on t.programme_key = p.programme_key \
         and t.patient_id = p.patient_id and t.erased_at is null \
         where p.programme_key = $1 and p.code = $2",
    )
    .bind(key)
    .bind(code)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(id, patient, referrals)| CodedPrescription {
        id: PrescriptionId::from_uuid(id),
        patient: PatientId::from_uuid(patient),
        referred: referrals > 0,
    }))
}

/// A person's referrals that are not closed, with their versions (ids and states only).
pub async fn open_referrals(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    patient: PatientId,
) -> StoreResult<Vec<(ReferralId, i64)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("issued_at");
    let rows: Vec<(Uuid, i64)> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select referral_id, version from referral where programme_key = $1 and patient_id = $2 and state <> 'closed' \
         order by {order}"),
    )
    .bind(key)
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(id, v)| (ReferralId::from_uuid(id), v)).collect())
}

/// Every record id that belongs to a person, by audit object kind (for the person's audit view).
pub async fn object_ids(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    patient: PatientId,
) -> StoreResult<Vec<(ObjectKind, Uuid)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let id = patient.as_uuid();
    let queries: [(ObjectKind, &str); 6] = [
        (
            ObjectKind::Case,
            "select case_id from case_file where programme_key = $1 and patient_id = $2",
        ),
        (
            ObjectKind::Referral,
            "select referral_id from referral where programme_key = $1 and patient_id = $2",
        ),
        (
            ObjectKind::Prescription,
            "select prescription_id from prescription where programme_key = $1 and patient_id = $2",
        ),
        (
            ObjectKind::Consent,
            "select consent_id from consent where programme_key = $1 and patient_id = $2",
        ),
        (
            ObjectKind::OnwardReferral,
            "select r.onward_referral_id from onward_referral r join case_file k on k.programme_key = r.programme_key \
             and k.case_id = r.case_id where r.programme_key = $1 and k.patient_id = $2",
        ),
        (
            ObjectKind::QuestionnaireResponse,
            "select q.response_id from questionnaire_response q join case_file k on k.programme_key = q.programme_key \
             and k.case_id = q.case_id where q.programme_key = $1 and k.patient_id = $2",
        ),
    ];
    let mut out = vec![(ObjectKind::Patient, id)];
    for (kind, sql) in queries {
        let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(sql).bind(key).bind(id).fetch_all(c).await)?;
        out.extend(ids.into_iter().map(|i| (kind, i)));
    }
    Ok(out)
}

/// People due for anonymisation: not erased, with referrals, all of them closed, the last change
/// before `cutoff`.
pub async fn retention_due(tx: &mut Tx, scope: &ProgrammeScope, cutoff: OffsetDateTime) -> StoreResult<Vec<PatientId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let engine = tx.engine();
    let sql = format!(
        "select p.patient_id from patient p \
         join referral r on r.programme_key = p.programme_key and r.patient_id = p.patient_id \
         where p.programme_key = $1 and p.erased_at is null \
         group by p.patient_id \
         having sum(case when r.state = 'closed' then 0 else 1 end) = 0 and {} \
         order by p.patient_id",
        engine.time_cmp(&format!("max({})", engine.time_key("r.updated_at")), "<", "$2")
    );
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(&sql)
    .bind(key)
    .bind(cutoff)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(PatientId::from_uuid).collect())
}
