//! Personal data: patient profile and identity, consents, cases, prescriptions and
//! questionnaire responses. Every function here writes its own audit entries.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::case::Case;
use lotse_domain::consent::Consent;
use lotse_domain::id::PatientId;
use lotse_domain::patient::{PatientIdentity, PatientProfile};
use lotse_domain::prescription::Prescription;
use lotse_domain::questionnaire::QuestionnaireResponse;
use time::Date;

use crate::audit::{self, Access, insert_created};
use crate::bulk::{self, Value};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// A person to register: derived profile and identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatient {
    /// Profile (reports).
    pub profile: PatientProfile,
    /// Identity (kept apart).
    pub identity: PatientIdentity,
}

/// Inserts patients: profile and identity rows, one audit entry each.
pub async fn insert_patients(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patients: &[NewPatient],
) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let profiles: Vec<_> = patients
        .iter()
        .map(|n| {
            vec![
                Value::Uuid(p),
                Value::Uuid(n.profile.id.as_uuid()),
                Value::Text(n.profile.age_band.clone()),
                Value::Text(n.profile.gender.code().to_owned()),
                Value::Text(n.profile.language.clone()),
                Value::Time(access.at),
            ]
        })
        .collect();
    let identities: Vec<_> = patients
        .iter()
        .map(|n| {
            vec![
                Value::Uuid(p),
                Value::Uuid(n.profile.id.as_uuid()),
                Value::Text(n.identity.given_name.clone()),
                Value::Text(n.identity.family_name.clone()),
                Value::Date(n.identity.birth_date),
                Value::OptText(n.identity.phone.clone()),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "patient",
        &[
            "programme_id",
            "patient_id",
            "age_band",
            "gender",
            "language",
            "created_at",
        ],
        &profiles,
    )
    .await?;
    let columns = [
        "programme_id",
        "patient_id",
        "given_name",
        "family_name",
        "birth_date",
        "phone",
    ];
    insert_created(
        tx,
        scope,
        access,
        ("patient_identity", &columns),
        &identities,
        "patient",
        patients.iter().map(|n| n.profile.id.as_uuid()),
    )
    .await
}

/// Reads a person's identity, auditing the read.
pub async fn get_identity(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    id: PatientId,
) -> StoreResult<PatientIdentity> {
    let row: (String, String, Date, Option<String>) = on_conn!(tx, c => sqlx::query_as(
        "select given_name, family_name, birth_date, phone from patient_identity where programme_id = $1 and patient_id = $2",
    )
    .bind(scope.programme().as_uuid())
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "patient" })?;
    audit::record(tx, scope, access, AuditAction::Read, "patient", [id.as_uuid()]).await?;
    Ok(PatientIdentity {
        given_name: row.0,
        family_name: row.1,
        birth_date: row.2,
        phone: row.3,
    })
}

/// Inserts consents, one audit entry each.
pub async fn insert_consents(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    consents: &[Consent],
) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = consents
        .iter()
        .map(|c| {
            vec![
                Value::Uuid(p),
                Value::Uuid(c.id.as_uuid()),
                Value::Uuid(c.patient.as_uuid()),
                Value::Text(c.purpose.code().to_owned()),
                Value::OptUuid(c.onward_referral.map(|o| o.as_uuid())),
                Value::Text(c.text_version.clone()),
                Value::Text(c.language.clone()),
                Value::Text(c.given_by.code().to_owned()),
                Value::Uuid(c.recorded_by.as_uuid()),
                Value::Time(c.given_at),
                Value::OptTime(c.withdrawn_at),
                Value::Int(1),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "consent_id",
        "patient_id",
        "purpose",
        "onward_referral_id",
        "text_version",
        "language",
        "given_by",
        "recorded_by",
        "given_at",
        "withdrawn_at",
        "version",
    ];
    insert_created(
        tx,
        scope,
        access,
        ("consent", &columns),
        &rows,
        "consent",
        consents.iter().map(|c| c.id.as_uuid()),
    )
    .await
}

/// Inserts cases, one audit entry each.
pub async fn insert_cases(tx: &mut Tx, scope: &ProgrammeScope, access: Access, cases: &[Case]) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = cases
        .iter()
        .map(|c| {
            vec![
                Value::Uuid(p),
                Value::Uuid(c.id.as_uuid()),
                Value::Uuid(c.patient.as_uuid()),
                Value::Uuid(c.link_facility.as_uuid()),
                Value::Time(c.opened_at),
                Value::Int(1),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "case_id",
        "patient_id",
        "link_facility_id",
        "opened_at",
        "version",
    ];
    insert_created(
        tx,
        scope,
        access,
        ("case_file", &columns),
        &rows,
        "case",
        cases.iter().map(|c| c.id.as_uuid()),
    )
    .await
}

/// Inserts prescriptions, one audit entry each. A duplicate code is [`StoreError::Duplicate`].
pub async fn insert_prescriptions(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    items: &[Prescription],
) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = items
        .iter()
        .map(|x| {
            vec![
                Value::Uuid(p),
                Value::Uuid(x.id.as_uuid()),
                Value::Text(x.code.compact()),
                Value::Uuid(x.patient.as_uuid()),
                Value::Uuid(x.practice.as_uuid()),
                Value::Uuid(x.prescriber.as_uuid()),
                Value::Text(x.need_domains.iter().map(|n| n.code()).collect::<Vec<_>>().join(",")),
                Value::Time(x.issued_at),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "prescription_id",
        "code",
        "patient_id",
        "practice_id",
        "prescriber_id",
        "need_domains",
        "issued_at",
    ];
    insert_created(
        tx,
        scope,
        access,
        ("prescription", &columns),
        &rows,
        "prescription",
        items.iter().map(|x| x.id.as_uuid()),
    )
    .await
}

/// Inserts questionnaire responses, one audit entry each.
pub async fn insert_questionnaire_responses(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    items: &[QuestionnaireResponse],
) -> StoreResult<()> {
    let p = scope.programme().as_uuid();
    let rows: Vec<_> = items
        .iter()
        .map(|q| {
            vec![
                Value::Uuid(p),
                Value::Uuid(q.id.as_uuid()),
                Value::Uuid(q.case.as_uuid()),
                Value::Text(q.answers.instrument().code().to_owned()),
                Value::Text(q.timepoint.code().to_owned()),
                Value::Json(serde_json::json!(q.answers.items())),
                Value::Time(q.answered_at),
            ]
        })
        .collect();
    let columns = [
        "programme_id",
        "response_id",
        "case_id",
        "instrument",
        "timepoint",
        "answers",
        "answered_at",
    ];
    insert_created(
        tx,
        scope,
        access,
        ("questionnaire_response", &columns),
        &rows,
        "questionnaire_response",
        items.iter().map(|q| q.id.as_uuid()),
    )
    .await
}

/// Counts people in the scope's programme.
pub async fn count_patients(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<i64> {
    Ok(
        on_conn!(tx, c => sqlx::query_scalar("select count(*) from patient where programme_id = $1")
        .bind(scope.programme().as_uuid())
        .fetch_one(c)
        .await)?,
    )
}
