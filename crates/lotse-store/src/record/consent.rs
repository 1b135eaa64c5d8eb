//! A person's consents, and their withdrawal.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::consent::{Consent, ConsentGiver, ConsentPurpose, SharedField};
use lotse_domain::id::{ConsentId, OnwardReferralId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audited_read;
use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

type ConsentRow = (
    Uuid,
    String,
    Option<Uuid>,
    String,
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
        shared: SharedField::split(&r.3).ok_or_else(|| StoreError::Corrupt(format!("shared fields {:?}", r.3)))?,
        text_version: r.4,
        language: r.5,
        given_by: ConsentGiver::from_code(&r.6).ok_or_else(|| StoreError::Corrupt(format!("giver {:?}", r.6)))?,
        recorded_by: UserId::from_uuid(r.7),
        given_at: r.8,
        withdrawn_at: r.9,
        version: r.10,
    })
}

/// A person's consents, oldest first (audited per consent).
pub async fn consents(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
) -> StoreResult<Vec<Consent>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("given_at");
    let rows: Vec<ConsentRow> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select consent_id, purpose, onward_referral_id, shared_fields, text_version, language, given_by, recorded_by, given_at, \
         withdrawn_at, version from consent where programme_key = $1 and patient_id = $2 order by {order}, consent_id"),
    )
    .bind(key)
    .bind(patient.as_uuid())
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::Consent, rows, |r| r.0).await?;
    rows.into_iter().map(|r| consent_from_row(scope, patient, r)).collect()
}

/// The latest provider sharing consent of one onward referral (withdrawn or not), audited as a
/// read of it; `None` if the person gave none.
pub async fn sharing_consent(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
    onward: OnwardReferralId,
) -> StoreResult<Option<Consent>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("given_at");
    let rows: Vec<ConsentRow> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select consent_id, purpose, onward_referral_id, shared_fields, text_version, language, given_by, recorded_by, \
         given_at, withdrawn_at, version from consent where programme_key = $1 and patient_id = $2 \
         and purpose = 'provider_sharing' and onward_referral_id = $3 order by {order} desc, consent_id desc limit 1"),
    )
    .bind(key)
    .bind(patient.as_uuid())
    .bind(onward.as_uuid())
    .fetch_all(c)
    .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::Consent, rows, |r| r.0).await?;
    rows.into_iter()
        .map(|r| consent_from_row(scope, patient, r))
        .next()
        .transpose()
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
    let key = tx.programme_key(scope.programme()).await?;
    let purpose: Option<String> = on_conn!(tx, c => sqlx::query_scalar(
        "update consent set withdrawn_at = $4, version = version + 1 \
         where programme_key = $1 and patient_id = $2 and consent_id = $3 and version = $5 and withdrawn_at is null \
         returning purpose",
    )
    .bind(key)
    .bind(patient.as_uuid())
    .bind(consent.as_uuid())
    .bind(access.at)
    .bind(expected_version)
    .fetch_optional(c)
    .await)?;
    let Some(purpose) = purpose else {
        let current: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
            "select version from consent where programme_key = $1 and patient_id = $2 and consent_id = $3",
        )
        .bind(key)
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
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Consent,
        [consent.as_uuid()],
    )
    .await?;
    ConsentPurpose::from_code(&purpose).ok_or_else(|| StoreError::Corrupt(format!("purpose {purpose:?}")))
}
