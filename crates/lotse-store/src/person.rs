//! Personal data: patient profile and identity, consents, cases, prescriptions and
//! questionnaire responses. Every function here writes its own audit entries.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::case::Case;
use lotse_domain::consent::{Consent, SharedField};
use lotse_domain::id::PatientId;
use lotse_domain::patient::{PatientIdentity, PatientProfile};
use lotse_domain::prescribing::blind_index_text;
use lotse_domain::prescription::Prescription;
use lotse_domain::questionnaire::QuestionnaireResponse;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Access, insert_created};
use crate::bulk::table_row;
use crate::bulk::{self};
use crate::crypto::{DataKeys, Sealed, Slot};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

table_row! {
    /// A person's derived attributes.
    PatientRow => "patient" {
        programme_key: i64,
        patient_id: Uuid,
        age_band: String,
        gender: String,
        language: String,
        created_at: OffsetDateTime,
        home_postcode: Option<String>,
        home_area_id: Option<Uuid>,
        languages: String,
    }
}

table_row! {
    /// A person's identity, sealed.
    PatientIdentityRow => "patient_identity" {
        programme_key: i64,
        patient_id: Uuid,
        given_name: Vec<u8>,
        family_name: Vec<u8>,
        birth_date: Vec<u8>,
        phone: Option<Vec<u8>>,
        blind_index: Option<Vec<u8>>,
        blind_key_id: Option<String>,
    }
}

table_row! {
    /// A consent.
    ConsentRow => "consent" {
        programme_key: i64,
        consent_id: Uuid,
        patient_id: Uuid,
        purpose: String,
        onward_referral_id: Option<Uuid>,
        shared_fields: String,
        text_version: String,
        language: String,
        given_by: String,
        recorded_by: Uuid,
        given_at: OffsetDateTime,
        withdrawn_at: Option<OffsetDateTime>,
        version: i64,
    }
}

table_row! {
    /// A case.
    CaseRow => "case_file" {
        programme_key: i64,
        case_id: Uuid,
        patient_id: Uuid,
        link_facility_id: Uuid,
        opened_at: OffsetDateTime,
        version: i64,
    }
}

table_row! {
    /// A prescription.
    PrescriptionRow => "prescription" {
        programme_key: i64,
        prescription_id: Uuid,
        code: String,
        patient_id: Uuid,
        practice_id: Uuid,
        prescriber_id: Uuid,
        need_domains: String,
        issued_at: OffsetDateTime,
        urgency: String,
        link_facility_id: Option<Uuid>,
        board_at: OffsetDateTime,
    }
}

table_row! {
    /// A prescription's reason, sealed (a row of its own: erasure deletes it).
    PrescriptionReasonRow => "prescription_reason" {
        programme_key: i64,
        prescription_id: Uuid,
        reason: Vec<u8>,
    }
}

table_row! {
    /// A questionnaire response.
    ResponseRow => "questionnaire_response" {
        programme_key: i64,
        response_id: Uuid,
        case_id: Uuid,
        instrument: String,
        timepoint: String,
        answers: serde_json::Value,
        answered_at: OffsetDateTime,
        instrument_version: Option<String>,
        score_total: Option<i64>,
        score_band: Option<String>,
        score_measures: serde_json::Value,
        answered_by: Option<String>,
    }
}

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
    let key = tx.programme_key(scope.programme()).await?;
    let p = scope.programme().as_uuid();
    let profiles: Vec<_> = patients
        .iter()
        .map(|n| PatientRow {
            programme_key: key,
            patient_id: n.profile.id.as_uuid(),
            age_band: n.profile.age_band.clone(),
            gender: n.profile.gender.code().to_owned(),
            language: n.profile.language.clone(),
            created_at: access.at,
            home_postcode: n.profile.home_postcode.clone(),
            home_area_id: n.profile.home_area.map(|a| a.as_uuid()),
            languages: n.profile.languages.join(","),
        })
        .collect();
    let keys = tx.keys()?;
    let blind = BlindIndex::new(&keys);
    let identities = patients
        .iter()
        .map(|n| {
            let sealed = seal_identity(&keys, p, n.profile.id.as_uuid(), &n.identity)?;
            Ok(PatientIdentityRow {
                programme_key: key,
                patient_id: n.profile.id.as_uuid(),
                given_name: sealed.0,
                family_name: sealed.1,
                birth_date: sealed.2,
                phone: sealed.3,
                blind_index: Some(blind.of(&n.identity)),
                blind_key_id: Some(keys.current_id().to_owned()),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    bulk::insert_rows(tx, profiles).await?;
    insert_created(
        tx,
        scope,
        access,
        identities,
        ObjectKind::Patient,
        patients.iter().map(|n| n.profile.id.as_uuid()),
    )
    .await
}

/// A person's blind index: HMAC-SHA256 of [`blind_index_text`] under a secret derived from the
/// first data key (`DataKeys::derive("blind-index")`), so equal names and birth dates meet
/// without decrypting anyone, and the index says nothing without the key. Rows keep the id of
/// the key it came from; `lotse keys rotate` recomputes them with the new key.
pub(crate) struct BlindIndex([u8; 32]);

impl BlindIndex {
    /// The index under the current first key.
    pub(crate) fn new(keys: &DataKeys) -> Self {
        Self(keys.derive("blind-index"))
    }

    /// One person's index.
    pub(crate) fn of(&self, identity: &PatientIdentity) -> Vec<u8> {
        use hmac::{Hmac, Mac};
        let text = blind_index_text(identity);
        match <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mut mac) => {
                mac.update(text.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            // HMAC takes keys of any length: not reached.
            Err(_) => Vec::new(),
        }
    }
}

/// The people of the scope's programme (not erased) whose blind index equals that of
/// `identity`: possible duplicates, found without decrypting anyone. No audit entry: ids only;
/// the caller decides which of them the user may see and audits what it shows.
pub async fn possible_duplicates(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    identity: &PatientIdentity,
) -> StoreResult<Vec<PatientId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let index = BlindIndex::new(&*tx.keys()?).of(identity);
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select i.patient_id from patient_identity i \
         join patient p on p.programme_key = i.programme_key and p.patient_id = i.patient_id and p.erased_at is null \
         where i.programme_key = $1 and i.blind_index = $2 order by p.created_at, i.patient_id",
    )
    .bind(key)
    .bind(index)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(PatientId::from_uuid).collect())
}

/// Stores a prescription's reason, sealed for the prescription (audited with the
/// prescription's creation: one row written in the same transaction).
pub async fn insert_prescription_reason(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    prescription: lotse_domain::id::PrescriptionId,
    reason: &str,
) -> StoreResult<()> {
    insert_prescription_reasons(tx, scope, &[(prescription, reason.to_owned())]).await
}

/// Stores prescriptions' reasons, each sealed for its prescription, in one statement per batch
/// (the demo's path; audited with the prescriptions' creation in the same transaction).
pub async fn insert_prescription_reasons(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    items: &[(lotse_domain::id::PrescriptionId, String)],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let rows = items
        .iter()
        .map(|(prescription, reason)| {
            let sealed = keys.seal(
                Slot {
                    programme: scope.programme().as_uuid(),
                    record: prescription.as_uuid(),
                    column: "reason",
                },
                reason,
            )?;
            Ok(PrescriptionReasonRow {
                programme_key: key,
                prescription_id: prescription.as_uuid(),
                reason: sealed,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    bulk::insert_rows(tx, rows).await?;
    Ok(())
}

/// Seals again every prescription reason of the scope's programme not sealed with the current
/// key; returns how many. Each prescription is audited as an update.
pub async fn reseal_prescription_reasons(tx: &mut Tx, scope: &ProgrammeScope, access: Access) -> StoreResult<usize> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let rows: Vec<(Uuid, Vec<u8>)> = on_conn!(tx, c => sqlx::query_as(
        "select prescription_id, reason from prescription_reason where programme_key = $1",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let mut changed = Vec::new();
    for (id, reason) in rows {
        if keys.is_current(&reason) {
            continue;
        }
        let slot = || Slot {
            programme: p,
            record: id,
            column: "reason",
        };
        let sealed = keys.seal(slot(), &keys.open(slot(), &reason)?)?;
        on_conn!(tx, c => sqlx::query(
            "update prescription_reason set reason = $3 where programme_key = $1 and prescription_id = $2",
        )
        .bind(key)
        .bind(id)
        .bind(&sealed)
        .execute(c)
        .await
        .map(drop))?;
        changed.push(id);
    }
    let n = changed.len();
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Prescription,
        changed,
    )
    .await?;
    Ok(n)
}

/// The identity columns as stored: (given name, family name, birth date, phone), each sealed
/// for its person and column.
pub(crate) type SealedIdentity = (Sealed, Sealed, Sealed, Option<Sealed>);

fn slot(programme: uuid::Uuid, patient: uuid::Uuid, column: &str) -> Slot<'_> {
    Slot {
        programme,
        record: patient,
        column,
    }
}

/// Opens one sealed identity column of a person (a worklist's or a board's names).
pub(crate) fn open_column(
    keys: &DataKeys,
    programme: uuid::Uuid,
    patient: uuid::Uuid,
    column: &str,
    value: &[u8],
) -> StoreResult<String> {
    keys.open(slot(programme, patient, column), value)
}

/// Seals an identity for storage.
pub(crate) fn seal_identity(
    keys: &DataKeys,
    programme: uuid::Uuid,
    patient: uuid::Uuid,
    identity: &PatientIdentity,
) -> StoreResult<SealedIdentity> {
    let birth = identity.birth_date.to_string();
    Ok((
        keys.seal(slot(programme, patient, "given_name"), &identity.given_name)?,
        keys.seal(slot(programme, patient, "family_name"), &identity.family_name)?,
        keys.seal(slot(programme, patient, "birth_date"), &birth)?,
        identity
            .phone
            .as_deref()
            .map(|phone| keys.seal(slot(programme, patient, "phone"), phone))
            .transpose()?,
    ))
}

/// Opens a stored identity.
pub(crate) fn open_identity(
    keys: &DataKeys,
    programme: uuid::Uuid,
    patient: uuid::Uuid,
    stored: &SealedIdentity,
) -> StoreResult<PatientIdentity> {
    open_identity_by(|slot, value| keys.open(slot, value), programme, patient, stored)
}

/// Opens an identity through `open` (sealed values only, or for rotation also plain ones).
fn open_identity_by(
    open: impl Fn(Slot<'_>, &[u8]) -> StoreResult<String>,
    programme: uuid::Uuid,
    patient: uuid::Uuid,
    stored: &SealedIdentity,
) -> StoreResult<PatientIdentity> {
    let birth = open(slot(programme, patient, "birth_date"), &stored.2)?;
    let birth_date = Date::parse(&birth, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| StoreError::Corrupt(format!("birth date: {e}")))?;
    Ok(PatientIdentity {
        given_name: open(slot(programme, patient, "given_name"), &stored.0)?,
        family_name: open(slot(programme, patient, "family_name"), &stored.1)?,
        birth_date,
        phone: stored
            .3
            .as_deref()
            .map(|phone| open(slot(programme, patient, "phone"), phone))
            .transpose()?,
    })
}

/// Reads a person's identity, auditing the read.
pub async fn get_identity(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    id: PatientId,
) -> StoreResult<PatientIdentity> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let row: SealedIdentity = on_conn!(tx, c => sqlx::query_as(
        "select given_name, family_name, birth_date, phone from patient_identity where programme_key = $1 and patient_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "patient" })?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        ObjectKind::Patient,
        [id.as_uuid()],
    )
    .await?;
    open_identity(&keys, scope.programme().as_uuid(), id.as_uuid(), &row)
}

/// A stored identity row: the person, the sealed identity columns, the blind index's key id.
type StoredIdentity = (uuid::Uuid, Sealed, Sealed, Sealed, Option<Sealed>, Option<String>);

/// Re-seals every identity of the scope's programme that is not sealed with the current key
/// (also values written before encryption); returns how many people were re-sealed. Each is
/// audited as an update.
pub async fn reseal_identities(tx: &mut Tx, scope: &ProgrammeScope, access: Access) -> StoreResult<usize> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let blind = BlindIndex::new(&keys);
    let rows: Vec<StoredIdentity> = on_conn!(tx, c => sqlx::query_as(
        "select patient_id, given_name, family_name, birth_date, phone, blind_key_id from patient_identity \
         where programme_key = $1",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let mut changed = Vec::new();
    for (patient, given, family, birth, phone, blind_key_id) in rows {
        let current = [Some(&given), Some(&family), Some(&birth), phone.as_ref()]
            .into_iter()
            .flatten()
            .all(|v| keys.is_current(v))
            && blind_key_id.as_deref() == Some(keys.current_id());
        if current {
            continue;
        }
        // The one reader of values written before encryption: it seals them now.
        let identity = open_identity_by(
            |slot, value| keys.open_or_plain(slot, value),
            p,
            patient,
            &(given, family, birth, phone),
        )?;
        let sealed = seal_identity(&keys, p, patient, &identity)?;
        on_conn!(tx, c => sqlx::query(
            "update patient_identity set given_name = $3, family_name = $4, birth_date = $5, phone = $6, \
             blind_index = $7, blind_key_id = $8 where programme_key = $1 and patient_id = $2",
        )
        .bind(key)
        .bind(patient)
        .bind(&sealed.0)
        .bind(&sealed.1)
        .bind(&sealed.2)
        .bind(&sealed.3)
        .bind(blind.of(&identity))
        .bind(keys.current_id())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        changed.push(patient);
    }
    let n = changed.len();
    audit::record(tx, scope, access, AuditAction::Update, ObjectKind::Patient, changed).await?;
    Ok(n)
}

/// Inserts consents, one audit entry each.
pub async fn insert_consents(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    consents: &[Consent],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<_> = consents
        .iter()
        .map(|c| ConsentRow {
            programme_key: key,
            consent_id: c.id.as_uuid(),
            patient_id: c.patient.as_uuid(),
            purpose: c.purpose.code().to_owned(),
            onward_referral_id: c.onward_referral.map(|o| o.as_uuid()),
            shared_fields: SharedField::join(&c.shared),
            text_version: c.text_version.clone(),
            language: c.language.clone(),
            given_by: c.given_by.code().to_owned(),
            recorded_by: c.recorded_by.as_uuid(),
            given_at: c.given_at,
            withdrawn_at: c.withdrawn_at,
            version: 1,
        })
        .collect();
    insert_created(
        tx,
        scope,
        access,
        rows,
        ObjectKind::Consent,
        consents.iter().map(|c| c.id.as_uuid()),
    )
    .await
}

/// Inserts cases, one audit entry each.
pub async fn insert_cases(tx: &mut Tx, scope: &ProgrammeScope, access: Access, cases: &[Case]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<_> = cases
        .iter()
        .map(|c| CaseRow {
            programme_key: key,
            case_id: c.id.as_uuid(),
            patient_id: c.patient.as_uuid(),
            link_facility_id: c.link_facility.as_uuid(),
            opened_at: c.opened_at,
            version: 1,
        })
        .collect();
    insert_created(
        tx,
        scope,
        access,
        rows,
        ObjectKind::Case,
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
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<_> = items
        .iter()
        .map(|x| PrescriptionRow {
            programme_key: key,
            prescription_id: x.id.as_uuid(),
            code: x.code.compact(),
            patient_id: x.patient.as_uuid(),
            practice_id: x.practice.as_uuid(),
            prescriber_id: x.prescriber.as_uuid(),
            need_domains: x.need_domains.iter().map(|n| n.code()).collect::<Vec<_>>().join(","),
            issued_at: x.issued_at,
            urgency: x.urgency.code().to_owned(),
            link_facility_id: x.link_facility.map(|f| f.as_uuid()),
            // Its last change; the referral's events move it on (`referral::insert_many`, `apply`).
            board_at: x.issued_at,
        })
        .collect();
    insert_created(
        tx,
        scope,
        access,
        rows,
        ObjectKind::Prescription,
        items.iter().map(|x| x.id.as_uuid()),
    )
    .await
}

/// Inserts questionnaire responses, one audit entry each, each scored by the published rules
/// (`Answers::score`) and stored with the rules' version; answers those rules leave unscored
/// (missing items) keep the version and no total.
pub async fn insert_questionnaire_responses(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    items: &[QuestionnaireResponse],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<_> = items
        .iter()
        .map(|q| {
            let score = q.answers.score().ok();
            ResponseRow {
                programme_key: key,
                response_id: q.id.as_uuid(),
                case_id: q.case.as_uuid(),
                instrument: q.answers.instrument().code().to_owned(),
                timepoint: q.timepoint.code().to_owned(),
                answers: serde_json::json!(q.answers.items()),
                answered_at: q.answered_at,
                instrument_version: Some(q.answers.instrument().version().to_owned()),
                score_total: score.as_ref().and_then(|s| s.total).map(|t| i64::from(t.hundredths())),
                score_band: score.as_ref().and_then(|s| s.band).map(|b| b.code().to_owned()),
                score_measures: serde_json::Value::Array(
                    score
                        .iter()
                        .flat_map(|s| &s.measures)
                        .map(|m| {
                            serde_json::json!({
                                "code": m.code,
                                "hundredths": m.value.map(lotse_domain::questionnaire::ScoreValue::hundredths),
                                "band": m.band.map(lotse_domain::questionnaire::Band::code),
                            })
                        })
                        .collect(),
                ),
                answered_by: Some(q.answered_by.code().to_owned()),
            }
        })
        .collect();
    insert_created(
        tx,
        scope,
        access,
        rows,
        ObjectKind::QuestionnaireResponse,
        items.iter().map(|q| q.id.as_uuid()),
    )
    .await?;
    // A response changes what is due next on its case (the baseline done, the next follow-up
    // questionnaire counted from it).
    let mut cases: Vec<Uuid> = items.iter().map(|q| q.case.as_uuid()).collect();
    cases.sort_unstable();
    cases.dedup();
    crate::next_action::refresh(tx, key, crate::next_action::Which::Cases(&cases)).await?;
    Ok(())
}

/// Counts people in the scope's programme.
pub async fn count_patients(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<i64> {
    let key = tx.programme_key(scope.programme()).await?;
    Ok(
        on_conn!(tx, c => sqlx::query_scalar("select count(*) from patient where programme_key = $1")
        .bind(key)
        .fetch_one(c)
        .await)?,
    )
}
