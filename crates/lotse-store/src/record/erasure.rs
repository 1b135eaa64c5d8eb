//! Erasure by anonymisation.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::PatientId;
use uuid::Uuid;

use super::lookup::patient_exists;
use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// Erases a person by anonymisation: the identity row is overwritten (names blanked, birth date
/// set to the first of its year's January — reports use the stored age band —, phone removed;
/// sealed again, so nothing of the old ciphertext remains),
/// prescription codes are replaced by fresh random ones (a code held by the practice no longer
/// leads here) and the prescriptions marked `patient_erased` (the practice's board leaves them
/// out without reading the person), the reasons for prescribing, the blind index, the action
/// plans and the conversation notes are deleted, the person's self-completion links not used
/// yet are revoked, and `erased_at` is set. Questionnaire answers are item scores without free
/// text and stay, now attached to an anonymous person. States, events and derived attributes
/// stay, so counts do not change. Returns false if the person was already erased.
pub async fn erase(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
    fresh_codes: &mut (dyn FnMut() -> String + Send),
    reference: Option<&lotse_domain::audit::RequestReference>,
) -> StoreResult<bool> {
    let key = tx.programme_key(scope.programme()).await?;
    let (p, id) = (scope.programme().as_uuid(), patient.as_uuid());
    let marked = on_conn!(tx, c => sqlx::query(
        "update patient set erased_at = $3, home_postcode = null where programme_key = $1 and patient_id = $2 and erased_at is null",
    )
    .bind(key)
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
    let stored: Option<crate::person::SealedIdentity> = on_conn!(tx, c => sqlx::query_as(
        "select given_name, family_name, birth_date, phone from patient_identity where programme_key = $1 and patient_id = $2",
    )
    .bind(key)
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
            "update patient_identity set given_name = $3, family_name = $4, birth_date = $5, phone = null, \
             blind_index = null, blind_key_id = null where programme_key = $1 and patient_id = $2",
        )
        .bind(key)
        .bind(id)
        .bind(&sealed.0)
        .bind(&sealed.1)
        .bind(&sealed.2)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let prescriptions: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select prescription_id from prescription where programme_key = $1 and patient_id = $2",
    )
    .bind(key)
    .bind(id)
    .fetch_all(c)
    .await)?;
    for prescription in &prescriptions {
        on_conn!(tx, c => sqlx::query(
            "update prescription set code = $3, patient_erased = true where programme_key = $1 and prescription_id = $2",
        )
            .bind(key)
            .bind(prescription)
            .bind(fresh_codes())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    // The person's free text is gone: the reasons for prescribing, the action plans (their
    // words), the link workers' conversation notes, and what they look for in an offer.
    for delete in [
        "delete from prescription_reason where programme_key = $1 and prescription_id in \
         (select prescription_id from prescription where programme_key = $1 and patient_id = $2)",
        "delete from action_plan where programme_key = $1 and case_id in \
         (select case_id from case_file where programme_key = $1 and patient_id = $2)",
        "delete from case_note where programme_key = $1 and case_id in \
         (select case_id from case_file where programme_key = $1 and patient_id = $2)",
        "delete from search_profile where programme_key = $1 and case_id in \
         (select case_id from case_file where programme_key = $1 and patient_id = $2)",
    ] {
        on_conn!(tx, c => sqlx::query(delete)
            .bind(key)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    // Nobody is to be contacted about an erased person: no next action on their referrals.
    crate::next_action::clear_patient(tx, key, id).await?;
    // A self-completion link not used yet stops working: nobody answers for an erased person.
    on_conn!(tx, c => sqlx::query(
        "update capability set revoked_at = $3 where programme_id = $4 and purpose = 'questionnaire_answer' \
         and revoked_at is null and used_at is null and object_id in (select invitation_id from questionnaire_invitation \
         where programme_key = $1 and case_id in (select case_id from case_file where programme_key = $1 and patient_id = $2))",
    )
    .bind(key)
    .bind(id)
    .bind(access.at)
    .bind(p)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record_referenced(
        tx,
        scope,
        access,
        AuditAction::Erase,
        ObjectKind::Patient,
        id,
        reference,
    )
    .await?;
    Ok(true)
}
