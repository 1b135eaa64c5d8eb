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

/// One imported wording as a list shows it: which instrument, in which language, from which
/// source, imported when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedWording {
    /// The instrument.
    pub instrument: Instrument,
    /// The wording's language (a primary subtag).
    pub language: String,
    /// Where the wording comes from (the licence or publication), as imported.
    pub source: String,
    /// When it was imported.
    pub imported_at: time::OffsetDateTime,
}

/// Every wording the scope's programme imported, by instrument and language.
pub async fn list(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<ImportedWording>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(String, String, String, time::OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(
        "select instrument, language, wording, imported_at from instrument_wording where programme_key = $1 \
         order by instrument, language",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(code, language, text, imported_at)| {
            let instrument =
                Instrument::from_code(&code).ok_or_else(|| StoreError::Corrupt(format!("instrument {code:?}")))?;
            let wording: Wording =
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("instrument wording: {e}")))?;
            Ok(ImportedWording {
                instrument,
                language,
                source: wording.source,
                imported_at,
            })
        })
        .collect()
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
