//! Reading one person's record (case view, worklists, data-subject requests) and erasing it.
//!
//! Functions that return personal data write one `read` audit entry per kind of record they
//! return, listing the records (see [`crate::audit::record`]); functions that return only ids
//! (to find a person or a case) do not. The relationship facts the policy needs come from
//! [`crate::relation`].

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::consent::{Consent, ConsentGiver, ConsentPurpose};
use lotse_domain::id::{CaseId, ConsentId, OnwardReferralId, OrganisationId, PatientId, ReferralId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// The person a case belongs to.
pub async fn patient_of_case(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> StoreResult<Option<PatientId>> {
    let id: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select patient_id from case_file where programme_id = $1 and case_id = $2",
    )
    .bind(scope.programme().as_uuid())
    .bind(case.as_uuid())
    .fetch_optional(c)
    .await)?;
    Ok(id.map(PatientId::from_uuid))
}

/// Whether the person exists in the scope's programme.
pub async fn patient_exists(tx: &mut Tx, scope: &ProgrammeScope, patient: PatientId) -> StoreResult<bool> {
    let n: i64 = on_conn!(tx, c => sqlx::query_scalar(
        "select count(*) from patient where programme_id = $1 and patient_id = $2",
    )
    .bind(scope.programme().as_uuid())
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
    let p = scope.programme().as_uuid();
    let patient: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select patient_id from prescription where programme_id = $1 and code = $2",
    )
    .bind(p)
    .bind(code)
    .fetch_optional(c)
    .await)?;
    let Some(patient) = patient else { return Ok(None) };
    let cases: Vec<(Uuid, Uuid)> = on_conn!(tx, c => sqlx::query_as(
        "select case_id, link_facility_id from case_file where programme_id = $1 and patient_id = $2 order by opened_at",
    )
    .bind(p)
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

/// The derived attributes of a person (no identity): what reports count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Profile {
    /// Age band at registration.
    pub age_band: String,
    /// Gender code.
    pub gender: String,
    /// Preferred language.
    pub language: String,
    /// When registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the identity was erased, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub erased_at: Option<OffsetDateTime>,
}

/// A person's derived attributes (audited as a read of the patient).
pub async fn profile(tx: &mut Tx, scope: &ProgrammeScope, access: Access, patient: PatientId) -> StoreResult<Profile> {
    let row: (String, String, String, OffsetDateTime, Option<OffsetDateTime>) = on_conn!(tx, c => sqlx::query_as(
        "select age_band, gender, language, created_at, erased_at from patient where programme_id = $1 and patient_id = $2",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "patient" })?;
    audit::record(tx, scope, access, AuditAction::Read, "patient", [patient.as_uuid()]).await?;
    Ok(Profile {
        age_band: row.0,
        gender: row.1,
        language: row.2,
        created_at: row.3,
        erased_at: row.4,
    })
}

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
    let rows: Vec<(Uuid, String, String, Uuid, String, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(
        "select p.prescription_id, p.code, o.name, p.practice_id, p.need_domains, p.issued_at from prescription p \
         join organisation o on o.programme_id = p.programme_id and o.organisation_id = p.practice_id \
         where p.programme_id = $1 and p.patient_id = $2 order by p.issued_at",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        "prescription",
        rows.iter().map(|r| r.0),
    )
    .await?;
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
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(
        "select r.referral_id, r.source, o.name, r.state, r.closing_reason, r.issued_at, r.updated_at from referral r \
         join organisation o on o.programme_id = r.programme_id and o.organisation_id = r.link_facility_id \
         where r.programme_id = $1 and r.patient_id = $2 order by r.issued_at",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        "referral",
        rows.iter().map(|r| r.0),
    )
    .await?;
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
}

/// A person's onward referrals (all of them, or only those to one provider), audited per item.
pub async fn onward_referrals(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
    only_provider: Option<OrganisationId>,
) -> StoreResult<Vec<OnwardLine>> {
    type Row = (Uuid, String, Uuid, String, String, Option<String>, OffsetDateTime);
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(
        "select r.onward_referral_id, f.title, f.provider_id, o.name, r.state, r.end_reason, r.updated_at \
         from onward_referral r \
         join case_file k on k.programme_id = r.programme_id and k.case_id = r.case_id \
         join offer f on f.programme_id = r.programme_id and f.offer_id = r.offer_id \
         join organisation o on o.programme_id = f.programme_id and o.organisation_id = f.provider_id \
         where r.programme_id = $1 and k.patient_id = $2 and ($3 is null or f.provider_id = $3) \
         order by r.created_at",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .bind(only_provider.map(|o| o.as_uuid()))
    .fetch_all(c)
    .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        "onward_referral",
        rows.iter().map(|r| r.0),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OnwardLine {
            id: OnwardReferralId::from_uuid(r.0),
            offer: r.1,
            provider_id: OrganisationId::from_uuid(r.2),
            provider: r.3,
            state: r.4,
            end_reason: r.5,
            updated_at: r.6,
        })
        .collect())
}

type ConsentRow = (
    Uuid,
    String,
    Option<Uuid>,
    String,
    String,
    String,
    Uuid,
    OffsetDateTime,
    Option<OffsetDateTime>,
    i64,
);

fn consent_from_row(scope: &ProgrammeScope, patient: PatientId, r: ConsentRow) -> StoreResult<Consent> {
    Ok(Consent {
        id: ConsentId::from_uuid(r.0),
        programme: scope.programme(),
        patient,
        purpose: ConsentPurpose::from_code(&r.1).ok_or_else(|| StoreError::Corrupt(format!("purpose {:?}", r.1)))?,
        onward_referral: r.2.map(OnwardReferralId::from_uuid),
        text_version: r.3,
        language: r.4,
        given_by: ConsentGiver::from_code(&r.5).ok_or_else(|| StoreError::Corrupt(format!("giver {:?}", r.5)))?,
        recorded_by: UserId::from_uuid(r.6),
        given_at: r.7,
        withdrawn_at: r.8,
        version: r.9,
    })
}

/// A person's consents, oldest first (audited per consent).
pub async fn consents(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
) -> StoreResult<Vec<Consent>> {
    let rows: Vec<ConsentRow> = on_conn!(tx, c => sqlx::query_as(
        "select consent_id, purpose, onward_referral_id, text_version, language, given_by, recorded_by, given_at, \
         withdrawn_at, version from consent where programme_id = $1 and patient_id = $2 order by given_at, consent_id",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        "consent",
        rows.iter().map(|r| r.0),
    )
    .await?;
    rows.into_iter().map(|r| consent_from_row(scope, patient, r)).collect()
}

/// Records a withdrawal of the consent at `expected_version` (the version the user saw): sets
/// `withdrawn_at` and audits the update; returns the consent's purpose. A stale version, or a
/// consent already withdrawn, is [`StoreError::Conflict`] with the version now stored, and
/// nothing is changed. The caller appends the timeline event in the same transaction.
pub async fn withdraw_consent(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
    consent: ConsentId,
    expected_version: i64,
) -> StoreResult<ConsentPurpose> {
    let purpose: Option<String> = on_conn!(tx, c => sqlx::query_scalar(
        "update consent set withdrawn_at = $4, version = version + 1 \
         where programme_id = $1 and patient_id = $2 and consent_id = $3 and version = $5 and withdrawn_at is null \
         returning purpose",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .bind(consent.as_uuid())
    .bind(access.at)
    .bind(expected_version)
    .fetch_optional(c)
    .await)?;
    let Some(purpose) = purpose else {
        let current: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
            "select version from consent where programme_id = $1 and patient_id = $2 and consent_id = $3",
        )
        .bind(scope.programme().as_uuid())
        .bind(patient.as_uuid())
        .bind(consent.as_uuid())
        .fetch_optional(c)
        .await)?;
        return Err(match current {
            None => StoreError::NotFound { kind: "consent" },
            Some(current_version) => StoreError::Conflict {
                kind: "consent",
                current_version,
            },
        });
    };
    audit::record(tx, scope, access, AuditAction::Update, "consent", [consent.as_uuid()]).await?;
    ConsentPurpose::from_code(&purpose).ok_or_else(|| StoreError::Corrupt(format!("purpose {purpose:?}")))
}

/// A person's referrals that are not closed, with their versions (ids and states only).
pub async fn open_referrals(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    patient: PatientId,
) -> StoreResult<Vec<(ReferralId, i64)>> {
    let rows: Vec<(Uuid, i64)> = on_conn!(tx, c => sqlx::query_as(
        "select referral_id, version from referral where programme_id = $1 and patient_id = $2 and state <> 'closed' \
         order by issued_at",
    )
    .bind(scope.programme().as_uuid())
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(id, v)| (ReferralId::from_uuid(id), v)).collect())
}

/// A questionnaire response in an export.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResponseLine {
    /// Its id.
    pub id: Uuid,
    /// Instrument code.
    pub instrument: String,
    /// Timepoint code.
    pub timepoint: String,
    /// The answers as recorded.
    pub answers: serde_json::Value,
    /// When answered.
    #[serde(with = "time::serde::rfc3339")]
    pub answered_at: OffsetDateTime,
}

/// A person's questionnaire responses (audited per response).
pub async fn responses(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
) -> StoreResult<Vec<ResponseLine>> {
    let rows: Vec<(
        Uuid,
        String,
        String,
        sqlx::types::Json<serde_json::Value>,
        OffsetDateTime,
    )> = on_conn!(tx, c => sqlx::query_as(
            "select q.response_id, q.instrument, q.timepoint, q.answers, q.answered_at from questionnaire_response q \
             join case_file k on k.programme_id = q.programme_id and k.case_id = q.case_id \
             where q.programme_id = $1 and k.patient_id = $2 order by q.answered_at",
        )
        .bind(scope.programme().as_uuid())
        .bind(patient.as_uuid())
        .fetch_all(c)
        .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        "questionnaire_response",
        rows.iter().map(|r| r.0),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ResponseLine {
            id: r.0,
            instrument: r.1,
            timepoint: r.2,
            answers: r.3.0,
            answered_at: r.4,
        })
        .collect())
}

/// Every record id that belongs to a person, by audit object kind (for the person's audit view).
pub async fn object_ids(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    patient: PatientId,
) -> StoreResult<Vec<(&'static str, Uuid)>> {
    let (p, id) = (scope.programme().as_uuid(), patient.as_uuid());
    let queries: [(&'static str, &str); 6] = [
        (
            "case",
            "select case_id from case_file where programme_id = $1 and patient_id = $2",
        ),
        (
            "referral",
            "select referral_id from referral where programme_id = $1 and patient_id = $2",
        ),
        (
            "prescription",
            "select prescription_id from prescription where programme_id = $1 and patient_id = $2",
        ),
        (
            "consent",
            "select consent_id from consent where programme_id = $1 and patient_id = $2",
        ),
        (
            "onward_referral",
            "select r.onward_referral_id from onward_referral r join case_file k on k.programme_id = r.programme_id \
             and k.case_id = r.case_id where r.programme_id = $1 and k.patient_id = $2",
        ),
        (
            "questionnaire_response",
            "select q.response_id from questionnaire_response q join case_file k on k.programme_id = q.programme_id \
             and k.case_id = q.case_id where q.programme_id = $1 and k.patient_id = $2",
        ),
    ];
    let mut out = vec![("patient", id)];
    for (kind, sql) in queries {
        let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(sql).bind(p).bind(id).fetch_all(c).await)?;
        out.extend(ids.into_iter().map(|i| (kind, i)));
    }
    Ok(out)
}

/// Erases a person by anonymisation: the identity row is overwritten (names blanked, birth date
/// set to the first of its year's January — reports use the stored age band —, phone removed;
/// sealed again, so nothing of the old ciphertext remains),
/// prescription codes are replaced by fresh random ones (a code held by the practice no longer
/// leads here), and `erased_at` is set. Questionnaire answers are item scores without free text
/// and stay, now attached to an anonymous person. States, events and derived attributes stay, so counts do not change.
/// Returns false if the person was already erased.
pub async fn erase(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
    fresh_codes: &mut (dyn FnMut() -> String + Send),
    reference: Option<&lotse_domain::audit::RequestReference>,
) -> StoreResult<bool> {
    let (p, id) = (scope.programme().as_uuid(), patient.as_uuid());
    let marked = on_conn!(tx, c => sqlx::query(
        "update patient set erased_at = $3 where programme_id = $1 and patient_id = $2 and erased_at is null",
    )
    .bind(p)
    .bind(id)
    .bind(access.at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if marked == 0 {
        return if patient_exists(tx, scope, patient).await? {
            Ok(false)
        } else {
            Err(StoreError::NotFound { kind: "patient" })
        };
    }
    let keys = tx.keys()?;
    let stored: Option<(String, String, String, Option<String>)> = on_conn!(tx, c => sqlx::query_as(
        "select given_name, family_name, birth_date, phone from patient_identity where programme_id = $1 and patient_id = $2",
    )
    .bind(p)
    .bind(id)
    .fetch_optional(c)
    .await)?;
    if let Some(stored) = stored {
        let identity = crate::person::open_identity(&keys, p, id, &stored)?;
        let anonymous = lotse_domain::patient::PatientIdentity {
            given_name: String::new(),
            family_name: String::new(),
            birth_date: time::Date::from_calendar_date(identity.birth_date.year(), time::Month::January, 1)
                .unwrap_or(time::Date::MIN),
            phone: None,
        };
        let sealed = crate::person::seal_identity(&keys, p, id, &anonymous)?;
        on_conn!(tx, c => sqlx::query(
            "update patient_identity set given_name = $3, family_name = $4, birth_date = $5, phone = null \
             where programme_id = $1 and patient_id = $2",
        )
        .bind(p)
        .bind(id)
        .bind(&sealed.0)
        .bind(&sealed.1)
        .bind(&sealed.2)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let prescriptions: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select prescription_id from prescription where programme_id = $1 and patient_id = $2",
    )
    .bind(p)
    .bind(id)
    .fetch_all(c)
    .await)?;
    for prescription in &prescriptions {
        on_conn!(tx, c => sqlx::query("update prescription set code = $3 where programme_id = $1 and prescription_id = $2")
            .bind(p)
            .bind(prescription)
            .bind(fresh_codes())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    audit::record_referenced(tx, scope, access, AuditAction::Erase, "patient", id, reference).await?;
    Ok(true)
}

/// People due for anonymisation: not erased, with referrals, all of them closed, the last change
/// before `cutoff`.
pub async fn retention_due(tx: &mut Tx, scope: &ProgrammeScope, cutoff: OffsetDateTime) -> StoreResult<Vec<PatientId>> {
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select p.patient_id from patient p \
         join referral r on r.programme_id = p.programme_id and r.patient_id = p.patient_id \
         where p.programme_id = $1 and p.erased_at is null \
         group by p.patient_id \
         having sum(case when r.state = 'closed' then 0 else 1 end) = 0 and max(r.updated_at) < $2 \
         order by p.patient_id",
    )
    .bind(scope.programme().as_uuid())
    .bind(cutoff)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(PatientId::from_uuid).collect())
}
