//! What the use cases about people share: the access error, the audit `Access` of a use
//! case, a denial audited as `access_denied` (answered as not found), a route refusal audited
//! at most once per window, and a person's relationship facts for the policy.

use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::id::PatientId;
use lotse_domain::policy::PersonRelations;
use lotse_store::audit::Access;
use lotse_store::{StoreError, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// Why a request about a person was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No such record, or the policy denies it (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// The input is malformed; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The record changed meanwhile (e.g. the consent was already withdrawn).
    #[error("{0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreFailure),
}

impl From<StoreError> for AccessError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => Self::NotFound,
            StoreError::Conflict { kind, .. } => Self::Conflict(format!("the {kind} was changed meanwhile")),
            other => Self::Store(other.into()),
        }
    }
}

impl From<StoreFailure> for AccessError {
    fn from(err: StoreFailure) -> Self {
        err.into_store().into()
    }
}

pub(crate) fn access(clock: &dyn Clock, purpose: AuditPurpose) -> Access {
    Access {
        at: clock.now(),
        purpose,
    }
}

/// Audits a denied request for a record in `tx` (which may hold reads only), commits, and
/// answers `NotFound`.
pub(crate) async fn deny(
    mut tx: Tx,
    principal: &Principal,
    at: OffsetDateTime,
    kind: ObjectKind,
    id: Uuid,
) -> AccessError {
    let access = Access {
        at,
        purpose: AuditPurpose::DataProtection,
    };
    let result = async {
        lotse_store::audit::record(
            &mut tx,
            principal.scope(),
            access,
            AuditAction::AccessDenied,
            kind,
            [id],
        )
        .await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => AccessError::NotFound,
        Err(e) => AccessError::Store(e.into()),
    }
}

/// Repeated refusals of one principal's routes within this window are one audit entry.
pub const REFUSAL_WINDOW: time::Duration = time::Duration::minutes(5);

/// Audits that a route was refused because the principal never does that (403: a member's
/// role, an API client's role or scopes): `route_refused` on the principal itself
/// ([`Principal::own_object`]), at most once per principal and [`REFUSAL_WINDOW`], so a caller
/// that repeats the request cannot flood the chain.
pub async fn record_route_refused(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<(), StoreFailure> {
    let db = handle::store(db);
    let now = clock.now();
    let scope = principal.scope();
    let mut tx = db.begin().await?;
    let actor = scope.actor().reference();
    if lotse_store::audit::recent(&mut tx, scope, &actor, AuditAction::RouteRefused, now - REFUSAL_WINDOW).await? {
        return Ok(tx.commit().await?);
    }
    let access = Access {
        at: now,
        purpose: AuditPurpose::DataProtection,
    };
    let (kind, id) = principal.own_object();
    lotse_store::audit::record(&mut tx, scope, access, AuditAction::RouteRefused, kind, [id]).await?;
    Ok(tx.commit().await?)
}

/// The relationship facts of a person now ([`lotse_store::relation::of_person`]); `None` for a
/// person that does not exist (the caller answers with [`deny`], like a denial).
pub(crate) async fn relations_of(
    tx: &mut Tx,
    principal: &Principal,
    patient: PatientId,
    at: OffsetDateTime,
) -> Result<Option<PersonRelations>, AccessError> {
    match lotse_store::relation::of_person(tx, principal.scope(), patient, at).await {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
