//! The action plan the link worker agrees with the person: written on the case page, versioned
//! (every save is a new version, the old ones stay), and printed for the person in their
//! language. Only the link workers of the facility holding the case write and read it
//! ([`Action::WorkCase`]); a plan needs contact with the person first. The first plan agreed
//! moves the referral to `plan_agreed` (the practice's board shows it), in the same transaction.

use lotse_domain::action_plan::{ActionPlanContent, ActionPlanInput};
use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditPurpose;
use lotse_domain::calendar::{HolidayCalendar, WorkingDays};
use lotse_domain::field::FieldError;
use lotse_domain::id::CaseId;
use lotse_domain::onward_referral::OnwardReferralState;
use lotse_domain::organisation::OrganisationContact;
use lotse_domain::policy::Action;
use lotse_domain::referral::{ReferralEvent, ReferralState};
pub use lotse_store::action_plan::StoredPlan;
use lotse_store::referral::Recorded;
use lotse_store::{StoreError, Tx};
use time::Date;

use crate::access::{AccessError, access};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;
use crate::referral_work::{WorkError, held_referral, open_held};

/// Why a plan was not saved (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Not the link worker holding the case, or no such case (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// A plan needs contact with the person first.
    #[error("the referral is {}: a plan needs contact with the person first", .0.code())]
    NotContacted(ReferralState),
    /// Someone else saved a version since the writer saw the plan.
    #[error("the plan was changed meanwhile by someone else: now version {0}")]
    Conflict(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for PlanError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for PlanError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            AccessError::NotFound | AccessError::Invalid(_) | AccessError::Conflict(_) => Self::NotFound,
        }
    }
}

impl From<WorkError> for PlanError {
    fn from(e: WorkError) -> Self {
        match e {
            WorkError::Store(s) => Self::Store(s),
            _ => Self::NotFound,
        }
    }
}

/// The programme's local date now (its time zone).
pub(crate) async fn today(db: &impl Handle, clock: &dyn Clock, principal: &Principal) -> Result<Date, StoreError> {
    let programme = lotse_store::programme::get(handle::store(db), principal.scope().programme()).await?;
    let now = clock.now();
    Ok(WorkingDays::new(HolidayCalendar::WeekendsOnly, &programme.time_zone).map_or(now.date(), |w| w.local_date(now)))
}

/// Saves a new version of the case's plan. `expected_version` is the latest version the page
/// showed (0: none yet). The first plan of a contacted referral also records `PlanAgreed`, and
/// then `Connected` when one of the case's onward referrals already has attendance.
pub async fn save(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    input: &ActionPlanInput,
    expected_version: i64,
) -> Result<i64, PlanError> {
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
    input: &ActionPlanInput,
    expected_version: i64,
) -> Result<i64, PlanError> {
    let today = today(db, clock, principal).await?;
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    let referral = held_referral(&mut tx, principal, patient, case).await?;
    let state = referral.status.state;
    if !matches!(
        state,
        ReferralState::Contacted | ReferralState::PlanAgreed | ReferralState::Connected
    ) {
        return Err(PlanError::NotContacted(state));
    }
    let content = ActionPlanContent::parse(input, today).map_err(PlanError::Invalid)?;
    // A plan has a person as its author.
    let author = match crate::acting::acting_member(db, principal, named, lotse_domain::user::Role::LinkWorker).await {
        Ok(id) => id,
        Err(crate::acting::NotActing::Capability) => return Err(PlanError::NotFound),
        Err(crate::acting::NotActing::Named(problem)) => {
            return Err(PlanError::Invalid(vec![FieldError {
                field: "author".into(),
                problem,
            }]));
        }
        Err(crate::acting::NotActing::Store(e)) => return Err(PlanError::Store(e)),
    };
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let version =
        match lotse_store::action_plan::save(&mut tx, scope, access, case, expected_version, author, &content).await {
            Ok(version) => version,
            Err(StoreError::Conflict { current_version, .. }) => return Err(PlanError::Conflict(current_version)),
            Err(e) => return Err(e.into()),
        };
    if state == ReferralState::Contacted {
        let recorded = Recorded {
            event: ReferralEvent::PlanAgreed,
            actor: scope.actor().reference(),
            at: now,
        };
        let agreed =
            lotse_store::referral::apply(&mut tx, scope, access, referral.id, referral.version, recorded).await?;
        // The person may have started at an offer before the plan was written down (a
        // shortlist can be sent from "contacted"): the referral is connected at once then.
        if attended(&mut tx, scope, case).await? {
            let recorded = Recorded {
                event: ReferralEvent::Connected,
                actor: scope.actor().reference(),
                at: now,
            };
            lotse_store::referral::apply(&mut tx, scope, access, referral.id, agreed.version, recorded).await?;
        }
    }
    tx.commit().await?;
    Ok(version)
}

/// Whether one of the case's onward referrals has had attendance (attending, or ended after
/// attending).
async fn attended(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> Result<bool, StoreError> {
    for onward in lotse_store::referral::onward_of_case(tx, scope, case).await? {
        let (status, _) = lotse_store::referral::get_onward(tx, scope, onward).await?;
        if matches!(
            status.state,
            OnwardReferralState::Attending | OnwardReferralState::Ended(_)
        ) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every version of the case's plan, newest first, for the link worker holding it (`None` when
/// the case's referral no longer lies with the reader's facility). Audited as a read of the case.
pub async fn versions(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<Option<Vec<StoredPlan>>, WorkError> {
    let Some((mut tx, _, _)) = open_held(db, clock, principal, case).await? else {
        return Ok(None);
    };
    let access = access(clock, AuditPurpose::Care);
    let versions = lotse_store::action_plan::versions(&mut tx, principal.scope(), access, case).await?;
    tx.commit().await?;
    Ok(Some(versions))
}

/// What the printed plan needs: the latest version, the person's language, and the facility.
#[derive(Debug, Clone)]
pub struct PrintablePlan {
    /// The latest version.
    pub plan: StoredPlan,
    /// The person's language (a tag; the printout falls back to German where it has none).
    pub language: String,
    /// The facility's name.
    pub facility_name: String,
    /// The facility's contact details.
    pub facility: OrganisationContact,
}

/// The latest plan to print for the person (`None`: no plan yet). The link worker holding the
/// case only; audited as a read of the case and of the person's profile.
pub async fn printable(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<Option<PrintablePlan>, WorkError> {
    let now = clock.now();
    let (mut tx, patient, _, _) = open_case(
        handle::store(db).begin_read().await?,
        principal,
        Action::WorkCase,
        case,
        now,
    )
    .await?;
    let referral = held_referral(&mut tx, principal, patient, case).await?;
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let Some(plan) = lotse_store::action_plan::versions(&mut tx, scope, access, case)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let profile = lotse_store::record::profile(&mut tx, scope, access, patient).await?;
    let facility = referral.status.link_facility;
    let (facility_name, _) = lotse_store::directory::get_organisation(&mut tx, scope, facility).await?;
    let contact = lotse_store::directory::organisation_contact(&mut tx, scope, facility).await?;
    tx.commit().await?;
    Ok(Some(PrintablePlan {
        plan,
        language: profile.language,
        facility_name,
        facility: contact,
    }))
}
