//! The person's search profile (`lotse_domain::search_profile`): what they look for in an offer
//! beyond their needs and languages, agreed with the link worker. The case's offer search
//! reads it (`directory::search_for_case`): distance, accessibility and cost limit the
//! results, interests and free times rank matching offers higher. Only the link workers of the
//! facility holding the case read and write it ([`Action::WorkCase`]), on an open referral; the
//! caller sends the version it showed, and a save meeting a newer one writes nothing
//! ([`ProfileError::Conflict`]).

use lotse_domain::audit::AuditPurpose;
use lotse_domain::field::FieldError;
use lotse_domain::id::CaseId;
use lotse_domain::policy::Action;
use lotse_domain::search_profile::{SearchProfile, SearchProfileInput};
use lotse_store::StoreError;

use crate::access::{AccessError, access};
use crate::acting::{NotActing, acting_member};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;
use crate::referral_work::{WorkError, held_referral};

/// Why a profile was not read or saved (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Not a link worker of the facility holding the case, or no such case (indistinguishable
    /// on purpose; the denial is audited).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// Someone else saved the profile since the writer saw it: its version now.
    #[error("the search profile was changed meanwhile by someone else: now version {0}")]
    Conflict(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for ProfileError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for ProfileError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            AccessError::NotFound | AccessError::Invalid(_) | AccessError::Conflict(_) => Self::NotFound,
        }
    }
}

impl From<WorkError> for ProfileError {
    fn from(e: WorkError) -> Self {
        match e {
            WorkError::Store(s) => Self::Store(s),
            _ => Self::NotFound,
        }
    }
}

/// The case's profile and its version (an empty profile and 0 before the first save); an
/// audited read of the case.
pub async fn get(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<(SearchProfile, i64), ProfileError> {
    let (mut tx, patient, _, _) = open_case(
        handle::store(db).begin_read().await?,
        principal,
        Action::WorkCase,
        case,
        clock.now(),
    )
    .await?;
    held_referral(&mut tx, principal, patient, case).await?;
    let found =
        lotse_store::search_profile::get(&mut tx, principal.scope(), access(clock, AuditPurpose::Care), case).await?;
    tx.commit().await?;
    Ok(found.unwrap_or_default())
}

/// Saves the case's profile; `expected_version` is the version the writer saw (0: none yet).
/// Returns the new version.
pub async fn save(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    input: &SearchProfileInput,
    expected_version: i64,
) -> Result<i64, ProfileError> {
    save_for(db, clock, principal, case, "", input, expected_version).await
}

/// [`save`], where an API client names the author: `named` is the username of a link worker
/// of the client's facility (else the field `author` is wrong; a member writes as themself).
pub async fn save_for(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    named: &str,
    input: &SearchProfileInput,
    expected_version: i64,
) -> Result<i64, ProfileError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    let mut errors = Vec::new();
    let profile = SearchProfile::parse(input).map_err(|e| errors.extend(e)).ok();
    let author = match acting_member(db, principal, named, lotse_domain::user::Role::LinkWorker).await {
        Ok(id) => Some(id),
        Err(NotActing::Capability) => return Err(ProfileError::NotFound),
        Err(NotActing::Named(problem)) => {
            errors.push(FieldError::new("author", problem));
            None
        }
        Err(NotActing::Store(e)) => return Err(ProfileError::Store(e)),
    };
    let (Some(profile), Some(author), true) = (profile, author, errors.is_empty()) else {
        return Err(ProfileError::Invalid(errors));
    };
    let scope = principal.scope();
    let saved = lotse_store::search_profile::save(
        &mut tx,
        scope,
        access(clock, AuditPurpose::Care),
        case,
        expected_version,
        author,
        &profile,
    )
    .await;
    let version = match saved {
        Ok(version) => version,
        Err(StoreError::Conflict { current_version, .. }) => return Err(ProfileError::Conflict(current_version)),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(version)
}
