//! Licensed instruments' wordings a programme imported (`instrument_wording`, migration 0031):
//! one per instrument and language, replaced by a new import. Plain text (the licensee's
//! copy of the questionnaire, no personal data); an import is audited as an update of the
//! programme.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::questionnaire::Instrument;
use lotse_domain::questionnaire::wording::Wording;

use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// Stores (or replaces) the wording of `instrument` in `language` for the scope's programme.
pub async fn import(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    instrument: Instrument,
    language: &str,
    wording: &Wording,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let text = serde_json::to_string(wording).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    on_conn!(tx, c => sqlx::query(
        "delete from instrument_wording where programme_key = $1 and instrument = $2 and language = $3",
    )
    .bind(key)
    .bind(instrument.code())
    .bind(language)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_conn!(tx, c => sqlx::query(
        "insert into instrument_wording (programme_key, instrument, language, wording, imported_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(key)
    .bind(instrument.code())
    .bind(language)
    .bind(&text)
    .bind(access.at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Programme,
        [scope.programme().as_uuid()],
    )
    .await
}

/// The imported wording of `instrument` in `language`, if the programme has one.
pub async fn get(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    instrument: Instrument,
    language: &str,
) -> StoreResult<Option<Wording>> {
    let key = tx.programme_key(scope.programme()).await?;
    let text: Option<String> = on_conn!(tx, c => sqlx::query_scalar(
        "select wording from instrument_wording where programme_key = $1 and instrument = $2 and language = $3",
    )
    .bind(key)
    .bind(instrument.code())
    .bind(language)
    .fetch_optional(c)
    .await)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("instrument wording: {e}"))))
        .transpose()
}

/// The instruments the programme imported a wording of in `language`.
pub async fn imported_in(tx: &mut Tx, scope: &ProgrammeScope, language: &str) -> StoreResult<Vec<Instrument>> {
    let key = tx.programme_key(scope.programme()).await?;
    let codes: Vec<String> = on_conn!(tx, c => sqlx::query_scalar(
        "select instrument from instrument_wording where programme_key = $1 and language = $2 order by instrument",
    )
    .bind(key)
    .bind(language)
    .fetch_all(c)
    .await)?;
    codes
        .iter()
        .map(|c| Instrument::from_code(c).ok_or_else(|| StoreError::Corrupt(format!("instrument {c:?}"))))
        .collect()
}
