//! A person's derived attributes (no identity).

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::PatientId;
use time::OffsetDateTime;

use crate::audit::{self, Access};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

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
    /// Home postcode (cleared by erasure).
    pub home_postcode: Option<String>,
    /// Home area.
    pub home_area: Option<uuid::Uuid>,
}

/// A person's derived attributes (audited as a read of the patient).
pub async fn profile(tx: &mut Tx, scope: &ProgrammeScope, access: Access, patient: PatientId) -> StoreResult<Profile> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: (
        String,
        String,
        String,
        OffsetDateTime,
        Option<OffsetDateTime>,
        Option<String>,
        Option<uuid::Uuid>,
    ) = on_conn!(tx, c => sqlx::query_as(
        "select age_band, gender, language, created_at, erased_at, home_postcode, home_area_id from patient \
         where programme_key = $1 and patient_id = $2",
    )
    .bind(key)
    .bind(patient.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "patient" })?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        ObjectKind::Patient,
        [patient.as_uuid()],
    )
    .await?;
    Ok(Profile {
        age_band: row.0,
        gender: row.1,
        language: row.2,
        created_at: row.3,
        erased_at: row.4,
        home_postcode: row.5,
        home_area: row.6,
    })
}
