//! Re-referral: a person whose case was closed at the link facility comes back, and a link
//! worker of that facility takes them on again ([`re_refer`]). The person is not registered a
//! second time: the same person gets a new care consent (and research consent where given), a
//! new case and a new referral with its source, issued to and accepted by the facility at once,
//! all in one transaction. The closed case stays as it was, with its message back.
//!
//! Only a closed case of the worker's own facility can be re-referred: a case still open is
//! refused naming its state; a case the facility does not hold (another facility's, a person
//! with an open referral elsewhere, an erased person) is not found, like any case the worker
//! may not see.

use lotse_domain::audit::AuditPurpose;
use lotse_domain::field::FieldError;
use lotse_domain::id::CaseId;
use lotse_domain::policy::{Action, Decision, Subject};
use lotse_domain::user::{Membership, Role};

use crate::access::access;
use crate::acting::{NotActing, acting_member};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::handle::{self, Handle};
use crate::intake::{SOURCES, TakenOn, take_on, terms};
use crate::principal::Principal;
use crate::referral_work::{WorkError, WorkStep, closed_here, held_referral};

/// The re-referral form as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReReferralForm {
    /// Where the person comes from this time (a code of [`crate::intake::SOURCES`]).
    pub source: String,
    /// Consent to be accompanied again (required).
    pub care: bool,
    /// Consent to research (optional).
    pub research: bool,
    /// Who gave the consents (`person`, `parent_or_guardian`, `legal_representative`; empty:
    /// the person).
    pub given_by: String,
}

/// Takes the person of the closed `case` on again at the link worker's facility (see the
/// module documentation); `named` as in [`crate::intake::register_for`]. Returns the new case.
/// Every wrong field is named at once ([`WorkError::Invalid`]); an open case is
/// [`WorkError::Refused`] with its state; nothing is written on any error.
pub async fn re_refer(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    named: &str,
    case: CaseId,
    form: &ReReferralForm,
) -> Result<CaseId, WorkError> {
    let scope = principal.scope();
    let facility = principal.membership().and_then(Membership::organisation);
    let allowed = principal.decide(Action::RegisterReferral, Subject::Programme(scope.programme()));
    let (Decision::Allow(_), Some(facility)) = (allowed, facility) else {
        return Err(WorkError::NotFound);
    };
    let mut errors = Vec::new();
    // A wrong `recorded_by` is named with the other fields, after the case was found: a client
    // learns nothing about a case its facility does not hold.
    let recorded_by = match acting_member(db, principal, named, Role::LinkWorker).await {
        Ok(user) => Some(user),
        Err(NotActing::Capability) => return Err(WorkError::NotFound),
        Err(NotActing::Named(problem)) => {
            errors.push(FieldError {
                field: "recorded_by".into(),
                problem,
            });
            None
        }
        Err(NotActing::Store(e)) => return Err(WorkError::Store(e)),
    };
    let (source, given_by) = terms(
        &SOURCES,
        &form.source,
        form.care,
        &form.given_by,
        &mut |field, problem| {
            errors.push(FieldError {
                field: field.to_owned(),
                problem,
            });
        },
    );
    let now = clock.now();
    let (mut tx, patient, relations, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    if relations.erased {
        return Err(WorkError::NotFound);
    }
    match held_referral(&mut tx, principal, patient, case).await {
        Ok(open) => {
            return Err(WorkError::Refused {
                state: open.status.state,
                step: WorkStep::ReRefer,
            });
        }
        Err(WorkError::NotFound) => {}
        Err(e) => return Err(e),
    }
    if closed_here(&mut tx, principal, clock, patient, case).await?.is_none() {
        return Err(WorkError::NotFound);
    }
    let (Some(source), Some(given_by), Some(recorded_by), true) = (source, given_by, recorded_by, errors.is_empty())
    else {
        return Err(WorkError::Invalid(errors));
    };
    let access = access(clock, AuditPurpose::Care);
    let profile = lotse_store::record::profile(&mut tx, scope, access, patient).await?;
    let taken_on = TakenOn {
        patient,
        facility,
        source,
        language: profile.language,
        given_by,
        recorded_by,
        research: form.research,
        prescription: None,
    };
    let new_case = take_on(&mut tx, principal, access, &taken_on).await?;
    tx.commit().await?;
    Ok(new_case)
}
