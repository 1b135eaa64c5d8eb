//! What a research export may contain: only people with an active research consent, never an
//! identity, and dates to the day. Every person included is an audited read (purpose research).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::PatientId;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// People with a research consent active at `access.at`, not erased; audited as read for
/// research. Withdrawal before `access.at` leaves a person out.
pub async fn cohort(tx: &mut Tx, scope: &ProgrammeScope, access: Access) -> StoreResult<Vec<PatientId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let engine = tx.engine();
    let sql = format!(
        "select distinct p.patient_id from patient p \
         join consent s on s.programme_key = p.programme_key and s.patient_id = p.patient_id \
         where p.programme_key = $1 and p.erased_at is null and s.purpose = 'research' \
         and {} and (s.withdrawn_at is null or {}) \
         order by p.patient_id",
        engine.time_cmp("s.given_at", "<=", "$2"),
        engine.time_cmp("s.withdrawn_at", ">", "$2")
    );
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(&sql)
    .bind(key)
    .bind(access.at)
    .fetch_all(c)
    .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        ObjectKind::Patient,
        ids.iter().copied(),
    )
    .await?;
    Ok(ids.into_iter().map(PatientId::from_uuid).collect())
}

/// A person's derived attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// Internal id (the export replaces it by a pseudonym).
    pub patient: PatientId,
    /// Age band.
    pub age_band: String,
    /// Gender code.
    pub gender: String,
    /// Language.
    pub language: String,
}

/// A referral's course, to the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRow {
    /// The person.
    pub patient: PatientId,
    /// Source code.
    pub source: String,
    /// State code.
    pub state: String,
    /// Closing reason code.
    pub closing_reason: Option<String>,
    /// Day issued.
    pub issued_on: Date,
    /// Day of the last change.
    pub updated_on: Date,
}

/// A questionnaire response's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRow {
    /// The person.
    pub patient: PatientId,
    /// Instrument code.
    pub instrument: String,
    /// Timepoint code.
    pub timepoint: String,
    /// Item scores as recorded (JSON array).
    pub answers: serde_json::Value,
    /// Day answered.
    pub answered_on: Date,
}

/// The rows of the given people (the cohort), in three tables.
pub async fn rows(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    people: &[PatientId],
) -> StoreResult<(Vec<PersonRow>, Vec<ReferralRow>, Vec<ResponseRow>)> {
    let key = tx.programme_key(scope.programme()).await?;
    let wanted: std::collections::HashSet<Uuid> = people.iter().map(PatientId::as_uuid).collect();
    let persons: Vec<(Uuid, String, String, String)> = on_conn!(tx, c => sqlx::query_as(
        "select patient_id, age_band, gender, language from patient where programme_key = $1 order by patient_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let (issued, answered) = (tx.engine().time_key("issued_at"), tx.engine().time_key("q.answered_at"));
    let referrals: Vec<(Uuid, String, String, Option<String>, OffsetDateTime, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(&format!(
            "select patient_id, source, state, closing_reason, issued_at, updated_at from referral \
             where programme_key = $1 order by patient_id, {issued}"),
        )
        .bind(key)
        .fetch_all(c)
        .await)?;
    let responses: Vec<(
        Uuid,
        String,
        String,
        sqlx::types::Json<serde_json::Value>,
        OffsetDateTime,
    )> = on_conn!(tx, c => sqlx::query_as(&format!(
            "select k.patient_id, q.instrument, q.timepoint, q.answers, q.answered_at from questionnaire_response q \
             join case_file k on k.programme_key = q.programme_key and k.case_id = q.case_id \
             where q.programme_key = $1 order by k.patient_id, {answered}"),
        )
        .bind(key)
        .fetch_all(c)
        .await)?;
    Ok((
        persons
            .into_iter()
            .filter(|r| wanted.contains(&r.0))
            .map(|r| PersonRow {
                patient: PatientId::from_uuid(r.0),
                age_band: r.1,
                gender: r.2,
                language: r.3,
            })
            .collect(),
        referrals
            .into_iter()
            .filter(|r| wanted.contains(&r.0))
            .map(|r| ReferralRow {
                patient: PatientId::from_uuid(r.0),
                source: r.1,
                state: r.2,
                closing_reason: r.3,
                issued_on: r.4.date(),
                updated_on: r.5.date(),
            })
            .collect(),
        responses
            .into_iter()
            .filter(|r| wanted.contains(&r.0))
            .map(|r| ResponseRow {
                patient: PatientId::from_uuid(r.0),
                instrument: r.1,
                timepoint: r.2,
                answers: r.3.0,
                answered_on: r.4.date(),
            })
            .collect(),
    ))
}
