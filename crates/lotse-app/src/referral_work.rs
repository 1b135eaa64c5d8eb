//! The link worker's first steps on a new referral: accept it, or pass it on to another link
//! facility of the programme (with a reason); record contact attempts; declare the person
//! unreachable after the programme's number of failed attempts; raise a concern with the
//! prescriber.
//!
//! Each step works on the case's open referral that the worker's facility holds, is decided by
//! the policy on the case ([`Action::WorkCase`]), and writes the event, the referral's new
//! state and its audit entry in one transaction. The caller sends the referral's version it
//! showed: if someone else changed the referral meanwhile, nothing is written and
//! [`WorkError::Conflict`] says what the referral is now.

use lotse_domain::audit::AuditPurpose;
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, OrganisationId, PatientId, ReferralId};
use lotse_domain::organisation::OrganisationKind;
use lotse_domain::policy::Action;
use lotse_domain::referral::{ClosingReason, ConcernKind, RedirectReason, ReferralEvent, ReferralState};
use lotse_domain::user::Membership;
use lotse_store::referral::{Recorded, ReferralRecord};
use lotse_store::{StoreError, Tx};

use crate::access::{AccessError, access};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// A step of the link worker's work on a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkStep {
    /// Take the referral on.
    Accept,
    /// Pass it on to another link facility.
    Redirect,
    /// Record that the person was reached.
    Reached,
    /// Record a contact attempt that did not reach the person.
    NotReached,
    /// Declare the person unreachable.
    MarkUnreachable,
    /// Raise a concern with the prescriber.
    RaiseConcern,
    /// Close the case's referral with a reason.
    Close,
    /// Take the person of a closed case on again ([`crate::re_referral::re_refer`]).
    ReRefer,
}

impl WorkStep {
    /// The stable code (the i18n key is `work-step-<code>`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Redirect => "redirect",
            Self::Reached => "reached",
            Self::NotReached => "not-reached",
            Self::MarkUnreachable => "mark-unreachable",
            Self::RaiseConcern => "raise-concern",
            Self::Close => "close",
            Self::ReRefer => "re-refer",
        }
    }
}

/// The outcome of a contact attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactOutcome {
    /// The person was reached.
    Reached,
    /// The person was not reached.
    NotReached,
}

/// A step with what it needs, as the case page and the API send it ([`take`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// [`accept`].
    Accept,
    /// [`redirect`] to the facility, with the reason.
    Redirect(OrganisationId, RedirectReason),
    /// [`record_contact`].
    Contact(ContactOutcome),
    /// [`mark_unreachable`].
    Unreachable,
    /// [`raise_concern`] of the kind.
    Concern(ConcernKind),
    /// [`close`] with the reason.
    Close(ClosingReason),
}

/// Why a step was not carried out (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    /// Not a link worker of the facility holding the case, or no such case (indistinguishable
    /// on purpose; the denial is audited).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// The step is not possible in the referral's current state.
    #[error("the referral is {}: {} is not possible now", .state.code(), .step.code())]
    Refused {
        /// Where the referral stands.
        state: ReferralState,
        /// The step refused.
        step: WorkStep,
    },
    /// Declaring the person unreachable needs more failed contact attempts.
    #[error("{failed} of {required} contact attempts have failed: not yet unreachable")]
    TooFewAttempts {
        /// Failed attempts so far.
        failed: u32,
        /// The programme's number of attempts before "unreachable".
        required: u32,
    },
    /// Someone else changed the referral since the caller saw it.
    #[error("the referral was changed meanwhile by someone else: now {} (version {version})", .state.code())]
    Conflict {
        /// Where the referral stands now.
        state: ReferralState,
        /// Its version now (send it with the next step).
        version: i64,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for WorkError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for WorkError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            // `open_case` answers a denial as not found; it refuses nothing else.
            AccessError::NotFound | AccessError::Invalid(_) | AccessError::Conflict(_) => Self::NotFound,
        }
    }
}

/// What the link worker may do next on a case (for the case page's forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSteps {
    /// The open referral's state.
    pub state: ReferralState,
    /// Its version (send it back with a step).
    pub version: i64,
    /// Failed contact attempts since acceptance.
    pub failed_attempts: u32,
    /// The programme's number of failed attempts before "unreachable".
    pub attempts_required: u32,
    /// The steps possible now, in the order shown.
    pub steps: Vec<WorkStep>,
    /// The other link facilities of the programme (id, name), by name: redirect targets.
    pub redirect_targets: Vec<(OrganisationId, String)>,
}

/// The referral's steps possible now, from its state and the programme's threshold.
fn possible_steps(record: &ReferralRecord, attempts_required: u32) -> Vec<WorkStep> {
    match record.status.state {
        ReferralState::Issued => vec![WorkStep::Accept, WorkStep::Redirect],
        ReferralState::Accepted => {
            let mut steps = vec![WorkStep::Reached, WorkStep::NotReached];
            if record.status.may_mark_unreachable(attempts_required) {
                steps.push(WorkStep::MarkUnreachable);
            }
            steps.push(WorkStep::RaiseConcern);
            steps.push(WorkStep::Close);
            steps
        }
        ReferralState::Unreachable => vec![WorkStep::Reached, WorkStep::RaiseConcern, WorkStep::Close],
        ReferralState::Contacted | ReferralState::PlanAgreed | ReferralState::Connected => {
            vec![WorkStep::RaiseConcern, WorkStep::Close]
        }
        ReferralState::Closed(_) => Vec::new(),
    }
}

/// The open referral of `case` that `principal`'s facility holds.
pub(crate) async fn held_referral(
    tx: &mut Tx,
    principal: &Principal,
    patient: PatientId,
    case: CaseId,
) -> Result<ReferralRecord, WorkError> {
    let scope = principal.scope();
    let facility = principal.membership().and_then(Membership::organisation);
    for (id, _) in lotse_store::record::open_referrals(tx, scope, patient).await? {
        let record = lotse_store::referral::get(tx, scope, id).await?;
        if record.case == Some(case) && Some(record.status.link_facility) == facility {
            return Ok(record);
        }
    }
    Err(WorkError::NotFound)
}

/// Opens, for reading, a case the principal's facility holds: the transaction, the person and
/// the held referral; `None` when the case's referral no longer lies with the facility (the
/// page then shows no link work). A case the principal may not work is [`WorkError::NotFound`].
pub(crate) async fn open_held(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<Option<(Tx, PatientId, ReferralRecord)>, WorkError> {
    let (mut tx, patient, _, _) = open_case(
        handle::store(db).begin_read().await?,
        principal,
        Action::WorkCase,
        case,
        clock.now(),
    )
    .await?;
    match held_referral(&mut tx, principal, patient, case).await {
        Ok(record) => Ok(Some((tx, patient, record))),
        Err(WorkError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The programme's number of failed contact attempts before "unreachable".
async fn attempts_required(db: &impl Handle, principal: &Principal) -> Result<u32, WorkError> {
    let programme = lotse_store::programme::get(handle::store(db), principal.scope().programme()).await?;
    Ok(programme.contact_attempts_before_unreachable)
}

/// What the link worker holding `case` may do next (`None` when the case has no open
/// referral at the worker's facility any more, e.g. after a consent withdrawal).
pub async fn next_steps(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<Option<NextSteps>, WorkError> {
    let required = attempts_required(db, principal).await?;
    let Some((mut tx, _, record)) = open_held(db, clock, principal, case).await? else {
        return Ok(None);
    };
    let steps = possible_steps(&record, required);
    let redirect_targets = if steps.contains(&WorkStep::Redirect) {
        lotse_store::directory::link_facilities(&mut tx, principal.scope())
            .await?
            .into_iter()
            .filter(|(id, _)| *id != record.status.link_facility)
            .collect()
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(Some(NextSteps {
        state: record.status.state,
        version: record.version,
        failed_attempts: record.status.failed_contact_attempts,
        attempts_required: required,
        steps,
        redirect_targets,
    }))
}

/// Writes one step's event on the case's held referral, in one transaction with its audit.
async fn work(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    expected_version: i64,
    step: WorkStep,
    event: ReferralEvent,
) -> Result<ReferralId, WorkError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    let scope = principal.scope();
    let current = match held_referral(&mut tx, principal, patient, case).await {
        // Closing a case closed already is refused with where it stands, not "not found".
        Err(WorkError::NotFound) if step == WorkStep::Close => {
            return Err(match closed_here(&mut tx, principal, clock, patient, case).await? {
                Some(state) => WorkError::Refused { state, step },
                None => WorkError::NotFound,
            });
        }
        other => other?,
    };
    if let ReferralEvent::Redirected { to, .. } = event {
        let facility = match lotse_store::directory::get_organisation(&mut tx, scope, to).await {
            Ok((_, kind)) => Some(kind),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        if facility != Some(OrganisationKind::LinkFacility) || to == current.status.link_facility {
            return Err(WorkError::Invalid(vec![FieldError {
                field: "to".into(),
                problem: FieldProblem::UnknownCode,
            }]));
        }
    }
    if current.version != expected_version {
        return Err(WorkError::Conflict {
            state: current.status.state,
            version: current.version,
        });
    }
    if let ReferralEvent::MarkedUnreachable { attempts_required } = event
        && current.status.state == ReferralState::Accepted
        && !current.status.may_mark_unreachable(attempts_required)
    {
        return Err(WorkError::TooFewAttempts {
            failed: current.status.failed_contact_attempts,
            required: attempts_required,
        });
    }
    let recorded = Recorded {
        event,
        actor: scope.actor().reference(),
        at: now,
    };
    let access = access(clock, AuditPurpose::Care);
    match lotse_store::referral::apply(&mut tx, scope, access, current.id, expected_version, recorded).await {
        Ok(_) if step == WorkStep::Close => {
            crate::onward::stop_case_links(&mut tx, scope, access, case, now).await?;
        }
        Ok(_) => {}
        Err(StoreError::Transition(_)) => {
            return Err(WorkError::Refused {
                state: current.status.state,
                step,
            });
        }
        Err(StoreError::Conflict { .. }) => {
            let now = lotse_store::referral::get(&mut tx, scope, current.id).await?;
            return Err(WorkError::Conflict {
                state: now.status.state,
                version: now.version,
            });
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(current.id)
}

/// The state of the case's referral at `principal`'s facility when it is closed (the newest
/// such referral), else `None`.
pub(crate) async fn closed_here(
    tx: &mut Tx,
    principal: &Principal,
    clock: &dyn Clock,
    patient: PatientId,
    case: CaseId,
) -> Result<Option<ReferralState>, WorkError> {
    let scope = principal.scope();
    let facility = principal.membership().and_then(Membership::organisation);
    let lines = lotse_store::record::referrals(tx, scope, access(clock, AuditPurpose::Care), patient).await?;
    for line in lines.iter().rev().filter(|l| l.state == "closed") {
        let record = lotse_store::referral::get(tx, scope, line.id).await?;
        if record.case == Some(case) && Some(record.status.link_facility) == facility {
            return Ok(Some(record.status.state));
        }
    }
    Ok(None)
}

/// Closes the case's referral with a reason (the link worker holding it, from accepted on):
/// the practice's board shows "closed" with the reason, and the prescription's page the message
/// back. The provider links of the case's onward referrals stop working in the same
/// transaction, and the follow-up job neither reminds nor lapses them afterwards. A case closed
/// already is [`WorkError::Refused`] naming its state.
pub async fn close(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    reason: ClosingReason,
    expected_version: i64,
) -> Result<(), WorkError> {
    work(
        db,
        clock,
        principal,
        case,
        expected_version,
        WorkStep::Close,
        ReferralEvent::Closed { reason },
    )
    .await
    .map(drop)
}

/// Accepts the case's issued referral.
pub async fn accept(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    expected_version: i64,
) -> Result<(), WorkError> {
    work(
        db,
        clock,
        principal,
        case,
        expected_version,
        WorkStep::Accept,
        ReferralEvent::Accepted,
    )
    .await
    .map(drop)
}

/// Passes the case's issued referral on to another link facility of the programme (`to` must be
/// one, else a field error on `to`); the case then lies with that facility, and this one no
/// longer sees it. An accepted referral is not redirected ([`WorkError::Refused`]).
pub async fn redirect(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    to: OrganisationId,
    reason: RedirectReason,
    expected_version: i64,
) -> Result<(), WorkError> {
    work(
        db,
        clock,
        principal,
        case,
        expected_version,
        WorkStep::Redirect,
        ReferralEvent::Redirected { to, reason },
    )
    .await
    .map(drop)
}

/// Records a contact attempt: `Contacted` when the person was reached, else
/// `ContactAttemptFailed`.
pub async fn record_contact(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    outcome: ContactOutcome,
    expected_version: i64,
) -> Result<(), WorkError> {
    let (step, event) = match outcome {
        ContactOutcome::Reached => (WorkStep::Reached, ReferralEvent::Contacted),
        ContactOutcome::NotReached => (WorkStep::NotReached, ReferralEvent::ContactAttemptFailed),
    };
    work(db, clock, principal, case, expected_version, step, event)
        .await
        .map(drop)
}

/// Raises a concern with the prescriber (safeguarding, or health getting worse): an event on the
/// case's referral that leaves its state as it is; the practice's board shows it at once. Not
/// before the referral is accepted, nor after it is closed ([`WorkError::Refused`]).
pub async fn raise_concern(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    kind: ConcernKind,
    expected_version: i64,
) -> Result<(), WorkError> {
    work(
        db,
        clock,
        principal,
        case,
        expected_version,
        WorkStep::RaiseConcern,
        ReferralEvent::ConcernRaised { kind },
    )
    .await
    .map(drop)
}

/// Declares the person unreachable: only after the programme's
/// `contact_attempts_before_unreachable` failed attempts ([`WorkError::TooFewAttempts`] before).
pub async fn mark_unreachable(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    expected_version: i64,
) -> Result<(), WorkError> {
    let attempts_required = attempts_required(db, principal).await?;
    work(
        db,
        clock,
        principal,
        case,
        expected_version,
        WorkStep::MarkUnreachable,
        ReferralEvent::MarkedUnreachable { attempts_required },
    )
    .await
    .map(drop)
}

/// Takes one step on the case's held referral: the use case of the step (see each).
pub async fn take(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    step: Step,
    expected_version: i64,
) -> Result<(), WorkError> {
    match step {
        Step::Accept => accept(db, clock, principal, case, expected_version).await,
        Step::Redirect(to, reason) => redirect(db, clock, principal, case, to, reason, expected_version).await,
        Step::Contact(outcome) => record_contact(db, clock, principal, case, outcome, expected_version).await,
        Step::Unreachable => mark_unreachable(db, clock, principal, case, expected_version).await,
        Step::Concern(kind) => raise_concern(db, clock, principal, case, kind, expected_version).await,
        Step::Close(reason) => close(db, clock, principal, case, reason, expected_version).await,
    }
}
