//! The person's shortlist: offers the link worker found with the directory's matching engine
//! (the case's offer search, ranked by the person's profile) and put to the person, who accepts
//! or declines each, with a reason. Each is an onward referral: `Proposed`, then
//! `AcceptedByPerson` or `DeclinedByPerson`, written through the store's `apply_onward`.
//!
//! Only the link worker holding the case may do this ([`Action::WorkCase`]), and only once the
//! person was reached: a shortlist follows a first conversation. The caller sends the onward
//! referral's version it showed; if it changed meanwhile, nothing is written
//! ([`ShortlistError::Conflict`]).

use lotse_domain::audit::AuditPurpose;
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, OfferId, OnwardReferralId};
use lotse_domain::offer::OfferStatus;
use lotse_domain::onward_referral::{DeclineReason, OnwardReferralEvent, OnwardReferralState};
use lotse_domain::policy::Action;
use lotse_domain::referral::ReferralState;
use lotse_store::StoreError;
use lotse_store::referral::{NewOnwardReferral, Recorded};
use uuid::Uuid;

use crate::access::{AccessError, access};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;
use crate::referral_work::{WorkError, held_referral};

/// The person's answer to one offer of the shortlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonAnswer {
    /// The person wants it.
    Accept,
    /// The person does not, for this reason.
    Decline(DeclineReason),
}

/// Why a shortlist step was not carried out (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ShortlistError {
    /// Not the link worker holding the case, no such case, or an onward referral of another
    /// case (indistinguishable on purpose; the denial is audited).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// The referral is not far enough: a shortlist needs contact with the person first.
    #[error("the referral is {}: a shortlist needs contact with the person first", .0.code())]
    NotContacted(ReferralState),
    /// The answer is not possible in the onward referral's state.
    #[error("the offer is {} on the shortlist: the person's answer is not possible now", .0.code())]
    Refused(OnwardReferralState),
    /// Someone else changed the onward referral since the caller saw it.
    #[error("the offer was changed meanwhile by someone else: now {} (version {version})", .state.code())]
    Conflict {
        /// Where it stands now.
        state: OnwardReferralState,
        /// Its version now.
        version: i64,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for ShortlistError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for ShortlistError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            AccessError::NotFound | AccessError::Invalid(_) | AccessError::Conflict(_) => Self::NotFound,
        }
    }
}

impl From<WorkError> for ShortlistError {
    fn from(e: WorkError) -> Self {
        match e {
            WorkError::Store(s) => Self::Store(s),
            _ => Self::NotFound,
        }
    }
}

fn offer_field(problem: FieldProblem) -> ShortlistError {
    ShortlistError::Invalid(vec![FieldError {
        field: "offer".into(),
        problem,
    }])
}

/// Puts an offer on the person's shortlist (`Proposed`). The offer must be listed in the
/// programme's directory (published and active; else a field error on `offer`), and not be on
/// the shortlist already unless it was declined or ended there.
pub async fn propose(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    offer: OfferId,
) -> Result<OnwardReferralId, ShortlistError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    let scope = principal.scope();
    let referral = held_referral(&mut tx, principal, patient, case).await?;
    if !matches!(
        referral.status.state,
        ReferralState::Contacted | ReferralState::PlanAgreed | ReferralState::Connected
    ) {
        return Err(ShortlistError::NotContacted(referral.status.state));
    }
    let listed = match lotse_store::offer::get_offer(&mut tx, scope, offer).await {
        Ok(stored) => {
            stored.offer.published && stored.offer.status == OfferStatus::Active && stored.merged_into.is_none()
        }
        Err(StoreError::NotFound { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    if !listed {
        return Err(offer_field(FieldProblem::UnknownCode));
    }
    let access = access(clock, AuditPurpose::Care);
    let open = lotse_store::record::onward_referrals(&mut tx, scope, access, patient, None).await?;
    let taken = open.iter().any(|o| {
        o.offer_id == offer
            && !OnwardReferralState::from_codes(&o.state, o.end_reason.as_deref())
                .is_some_and(OnwardReferralState::is_final)
    });
    if taken {
        return Err(offer_field(FieldProblem::AlreadyShortlisted));
    }
    let id = OnwardReferralId::from_uuid(Uuid::now_v7());
    let item = NewOnwardReferral {
        id,
        case,
        history: vec![Recorded {
            event: OnwardReferralEvent::Proposed { offer },
            actor: scope.actor().reference(),
            at: now,
        }],
    };
    lotse_store::referral::insert_onward_many(&mut tx, scope, access, std::slice::from_ref(&item)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records the person's answer to one offer of their shortlist: `AcceptedByPerson`, or
/// `DeclinedByPerson` with the reason. `expected_version` is the version the page showed.
pub async fn answer(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    onward: OnwardReferralId,
    answer: PersonAnswer,
    expected_version: i64,
) -> Result<(), ShortlistError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    let scope = principal.scope();
    held_referral(&mut tx, principal, patient, case).await?;
    match lotse_store::referral::case_of_onward(&mut tx, scope, onward).await {
        Ok(of) if of == case => {}
        Ok(_) | Err(StoreError::NotFound { .. }) => return Err(ShortlistError::NotFound),
        Err(e) => return Err(e.into()),
    }
    let event = match answer {
        PersonAnswer::Accept => OnwardReferralEvent::AcceptedByPerson,
        PersonAnswer::Decline(reason) => OnwardReferralEvent::DeclinedByPerson { reason },
    };
    let recorded = Recorded {
        event,
        actor: scope.actor().reference(),
        at: now,
    };
    let access = access(clock, AuditPurpose::Care);
    match lotse_store::referral::apply_onward(&mut tx, scope, access, onward, expected_version, recorded).await {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            let (status, version) = lotse_store::referral::get_onward(&mut tx, scope, onward).await?;
            return Err(ShortlistError::Conflict {
                state: status.state,
                version,
            });
        }
        Err(StoreError::Transition(_)) => {
            let (status, _) = lotse_store::referral::get_onward(&mut tx, scope, onward).await?;
            return Err(ShortlistError::Refused(status.state));
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}
