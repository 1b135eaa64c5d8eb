//! A person's questionnaire responses.

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
    /// The version of the scoring rules (none before scores were stored).
    pub instrument_version: Option<String>,
    /// The total in hundredths of a point, if scored.
    pub score_total: Option<i64>,
    /// The total's published band, if any.
    pub score_band: Option<String>,
    /// When answered.
    #[serde(with = "time::serde::rfc3339")]
    pub answered_at: OffsetDateTime,
    /// Who answered (`person`, `link_worker_with_person`; none before this was recorded).
    pub answered_by: Option<String>,
}

/// A response row as read.
type ResponseRow = (
    Uuid,
    String,
    String,
    sqlx::types::Json<serde_json::Value>,
    OffsetDateTime,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// A person's questionnaire responses (audited per response).
pub async fn responses(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    patient: PatientId,
) -> StoreResult<Vec<ResponseLine>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("q.answered_at");
    let rows: Vec<ResponseRow> = on_conn!(tx, c => sqlx::query_as(&format!(
            "select q.response_id, q.instrument, q.timepoint, q.answers, q.answered_at, q.instrument_version, \
             q.score_total, q.score_band, q.answered_by from questionnaire_response q \
             join case_file k on k.programme_key = q.programme_key and k.case_id = q.case_id \
             where q.programme_key = $1 and k.patient_id = $2 order by {order}"),
        )
        .bind(key)
        .bind(patient.as_uuid())
        .fetch_all(c)
        .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::QuestionnaireResponse, rows, |r| r.0).await?;
    Ok(rows
        .into_iter()
        .map(|r| ResponseLine {
            id: r.0,
            instrument: r.1,
            timepoint: r.2,
            answers: r.3.0,
            answered_at: r.4,
            instrument_version: r.5,
            score_total: r.6,
            score_band: r.7,
            answered_by: r.8,
        })
        .collect())
}

/// One case's scored questionnaire responses (instrument, timepoint, when, score in hundredths),
/// oldest first, audited per response; the answers themselves are not read (the message back
/// to the practice when the case closes).
pub async fn case_scores(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    case: lotse_domain::id::CaseId,
) -> StoreResult<Vec<(String, String, OffsetDateTime, Option<i64>)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let order = tx.engine().time_key("q.answered_at");
    let rows: Vec<(Uuid, String, String, OffsetDateTime, Option<i64>)> = on_conn!(tx, c => sqlx::query_as(&format!(
            "select q.response_id, q.instrument, q.timepoint, q.answered_at, q.score_total \
             from questionnaire_response q where q.programme_key = $1 and q.case_id = $2 order by {order}"),
        )
        .bind(key)
        .bind(case.as_uuid())
        .fetch_all(c)
        .await)?;
    let rows = audited_read(tx, scope, access, ObjectKind::QuestionnaireResponse, rows, |r| r.0).await?;
    Ok(rows.into_iter().map(|r| (r.1, r.2, r.3, r.4)).collect())
}
