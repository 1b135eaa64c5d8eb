//! A person's record as each relationship may see it: the worklist, finding a case by
//! prescription code, the case page, and recording a consent withdrawal.
//!
//! Every function takes the [`SessionUser`] and asks [`policy::decide`] before it reads; a
//! denial about a person is answered as [`AccessError::NotFound`] and audited as
//! `access_denied` on the requested id.

use lotse_domain::audit::{AuditAction, AuditPurpose};
use lotse_domain::consent::{self, Consent, ConsentPurpose};
use lotse_domain::id::{CaseId, ConsentId, PatientId};
use lotse_domain::patient::PatientIdentity;
use lotse_domain::policy::{self, Action, Decision, Subject, Visibility};
use lotse_domain::prescription::PrescriptionCode;
use lotse_domain::referral::{ClosingReason, ReferralEvent};
use lotse_store::audit::Access;
use lotse_store::event::{NewEvent, StoredEvent};
use lotse_store::record::{self, OnwardLine, PrescriptionLine, ReferralLine};
use lotse_store::referral::Recorded;
use lotse_store::{Db, StoreError, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::SessionUser;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};

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
pub(crate) async fn deny(mut tx: Tx, user: &SessionUser, at: OffsetDateTime, kind: &str, id: Uuid) -> AccessError {
    let access = Access {
        at,
        purpose: AuditPurpose::DataProtection,
    };
    let result = async {
        lotse_store::audit::record(&mut tx, &user.scope, access, AuditAction::AccessDenied, kind, [id]).await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => AccessError::NotFound,
        Err(e) => AccessError::Store(e.into()),
    }
}

/// Repeated refusals of one user's routes within this window are one audit entry.
pub const REFUSAL_WINDOW: time::Duration = time::Duration::minutes(5);

/// Audits that a route was refused because the user's role never does that (403):
/// `route_refused` on the user, at most once per user and [`REFUSAL_WINDOW`], so a client
/// that repeats the request cannot flood the chain.
pub async fn record_route_refused(db: &impl Handle, clock: &dyn Clock, user: &SessionUser) -> Result<(), StoreFailure> {
    let db = handle::store(db);
    let now = clock.now();
    let mut tx = db.begin().await?;
    let actor = user.scope.actor().reference();
    if lotse_store::audit::recent(
        &mut tx,
        &user.scope,
        &actor,
        AuditAction::RouteRefused,
        now - REFUSAL_WINDOW,
    )
    .await?
    {
        return Ok(tx.commit().await?);
    }
    let access = Access {
        at: now,
        purpose: AuditPurpose::DataProtection,
    };
    lotse_store::audit::record_user(&mut tx, &user.scope, access, AuditAction::RouteRefused, user.user.id()).await?;
    Ok(tx.commit().await?)
}

/// Loads a person's relations and asks the policy. `None` is a denial (also for a person that
/// does not exist): the caller answers with [`deny`].
pub(crate) async fn authorize_person(
    tx: &mut Tx,
    user: &SessionUser,
    action: Action,
    patient: PatientId,
    at: OffsetDateTime,
) -> Result<Option<Visibility>, AccessError> {
    let relations = match record::relations(tx, &user.scope, patient, at).await {
        Ok(r) => r,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(
        match policy::decide(
            &user.membership,
            action,
            Subject::Person(user.scope.programme(), &relations),
        ) {
            Decision::Allow(visibility) => Some(visibility),
            Decision::Deny(_) => None,
        },
    )
}

/// Opens a write transaction and finds the person of a case the user may act on.
async fn open_case(
    db: &Db,
    user: &SessionUser,
    action: Action,
    case: CaseId,
    at: OffsetDateTime,
) -> Result<(Tx, PatientId, Visibility), AccessError> {
    let mut tx = db.begin().await?;
    let Some(patient) = record::patient_of_case(&mut tx, &user.scope, case).await? else {
        return Err(deny(tx, user, at, "case", case.as_uuid()).await);
    };
    match authorize_person(&mut tx, user, action, patient, at).await? {
        Some(visibility) => Ok((tx, patient, visibility)),
        None => Err(deny(tx, user, at, "case", case.as_uuid()).await),
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// When.
    pub at: OffsetDateTime,
    /// The event kind (`referral.accepted`, `consent.withdrawn`).
    pub kind: String,
}

/// A person's record as the reader's relationship allows.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// The case.
    pub case: CaseId,
    /// How much is shown.
    pub visibility: Visibility,
    /// Identity (for a provider: names and phone only; the birth date is withheld).
    pub identity: PatientIdentity,
    /// Prescriptions (not for providers).
    pub prescriptions: Vec<PrescriptionLine>,
    /// Referrals (not for providers).
    pub referrals: Vec<ReferralLine>,
    /// Onward referrals (a provider: only its own, with active sharing consent).
    pub onward: Vec<OnwardLine>,
    /// Consents (link worker only).
    pub consents: Vec<Consent>,
    /// Events, newest first.
    pub timeline: Vec<TimelineEntry>,
}

/// The case page: reads only what the visibility allows, audited per record, in one read
/// transaction (plus the audit writes).
pub async fn view_case(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
    case: CaseId,
) -> Result<CaseRecord, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let (mut tx, patient, visibility) = open_case(db, user, Action::ViewCase, case, now).await?;
    let access = access(clock, AuditPurpose::Care);
    let scope = &user.scope;
    let mut identity = lotse_store::person::get_identity(&mut tx, scope, access, patient).await?;
    let mut result = CaseRecord {
        case,
        visibility,
        identity: identity.clone(),
        prescriptions: Vec::new(),
        referrals: Vec::new(),
        onward: Vec::new(),
        consents: Vec::new(),
        timeline: Vec::new(),
    };
    match visibility {
        Visibility::Case | Visibility::Prescriber => {
            result.prescriptions = record::prescriptions(&mut tx, scope, access, patient).await?;
            result.referrals = record::referrals(&mut tx, scope, access, patient).await?;
            result.onward = record::onward_referrals(&mut tx, scope, access, patient, None).await?;
            if visibility == Visibility::Case {
                result.consents = record::consents(&mut tx, scope, access, patient).await?;
            }
        }
        Visibility::Provider => {
            let consents = record::consents(&mut tx, scope, access, patient).await?;
            let own = record::onward_referrals(&mut tx, scope, access, patient, user.membership.organisation()).await?;
            result.onward = own
                .into_iter()
                .filter(|o| consent::permits(&consents, ConsentPurpose::ProviderSharing, Some(o.id), now))
                .collect();
            identity.birth_date = time::Date::MIN;
            result.identity = identity;
        }
        Visibility::Administration => return Err(AccessError::NotFound),
    }
    result.timeline = timeline(&mut tx, user, &result).await?;
    tx.commit().await?;
    Ok(result)
}

async fn timeline(tx: &mut Tx, user: &SessionUser, record: &CaseRecord) -> Result<Vec<TimelineEntry>, StoreError> {
    let mut streams: Vec<(&'static str, Uuid)> = Vec::new();
    streams.extend(record.referrals.iter().map(|r| ("referral", r.id.as_uuid())));
    streams.extend(record.onward.iter().map(|o| ("onward_referral", o.id.as_uuid())));
    streams.extend(record.consents.iter().map(|c| ("consent", c.id.as_uuid())));
    let mut entries = Vec::new();
    for (stream, id) in streams {
        let events: Vec<StoredEvent> = lotse_store::event::list_stream(tx, &user.scope, stream, id).await?;
        entries.extend(events.into_iter().map(|e| TimelineEntry {
            at: e.occurred_at,
            kind: e.kind,
        }));
    }
    entries.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.kind.cmp(&b.kind)));
    Ok(entries)
}

/// One row of a worklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklistRow {
    /// The case to open.
    pub case: CaseId,
    /// Name as shown.
    pub name: String,
    /// The latest referral state, or the onward referral state for providers.
    pub state: String,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// The people the user's organisation works with now (newest change first, at most `limit`):
/// a link facility's open cases, a practice's prescriptions, a provider's shared onward
/// referrals. Each name shown is an audited read.
pub async fn worklist(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
    limit: i64,
) -> Result<Vec<WorklistRow>, AccessError> {
    let db = handle::store(db);
    let decision = policy::decide(
        &user.membership,
        Action::ViewWorklist,
        Subject::Programme(user.scope.programme()),
    );
    let (Decision::Allow(_), Some(org)) = (decision, user.membership.organisation()) else {
        return Ok(Vec::new());
    };
    let mut tx = db.begin().await?;
    let rows = lotse_store::worklist::for_organisation(
        &mut tx,
        &user.scope,
        access(clock, AuditPurpose::Care),
        user.membership.role(),
        org,
        limit,
    )
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| WorklistRow {
            case: r.case,
            name: format!("{} {}", r.given_name, r.family_name),
            state: r.state,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Finds the case of a person at the link worker's facility by prescription code. An unknown
/// code and a person of another facility get the same answer.
pub async fn find_case(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
    code: &str,
) -> Result<CaseId, AccessError> {
    let db = handle::store(db);
    let decision = policy::decide(
        &user.membership,
        Action::SearchCases,
        Subject::Programme(user.scope.programme()),
    );
    if !decision.is_allowed() {
        return Err(AccessError::NotFound);
    }
    let code = PrescriptionCode::parse(code).map_err(|e| AccessError::Invalid(e.to_string()))?;
    let mut tx = db.begin().await?;
    let Some((patient, cases)) = record::find_by_code(&mut tx, &user.scope, &code.compact()).await? else {
        return Err(AccessError::NotFound);
    };
    let mine = cases
        .into_iter()
        .find(|(_, facility)| Some(*facility) == user.membership.organisation());
    match mine {
        Some((case, _)) => Ok(case),
        None => Err(deny(tx, user, clock.now(), "patient", patient.as_uuid()).await),
    }
}

/// Records that the person withdrew a consent: honoured at once (sharing: the provider view
/// closes; research: later exports leave the person out; care: every open referral closes
/// with reason `consent_withdrawn`), shown on the timeline as `consent.withdrawn`, and audited. Only the link worker of the person's facility may record it.
/// `expected_version` is the consent's version the user saw: a consent changed (or withdrawn)
/// meanwhile is [`AccessError::Conflict`] and nothing is changed.
pub async fn withdraw_consent(
    db: &impl Handle,
    clock: &dyn Clock,
    user: &SessionUser,
    case: CaseId,
    consent_id: ConsentId,
    expected_version: i64,
) -> Result<(), AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let (mut tx, patient, _) = open_case(db, user, Action::WithdrawConsent, case, now).await?;
    let access = access(clock, AuditPurpose::Care);
    let purpose =
        match record::withdraw_consent(&mut tx, &user.scope, access, patient, consent_id, expected_version).await {
            Ok(purpose) => purpose,
            // A random id or another person's consent: refused like a record the user may not see,
            // and audited with the id asked for.
            Err(StoreError::NotFound { .. }) => return Err(deny(tx, user, now, "consent", consent_id.as_uuid()).await),
            Err(e) => return Err(e.into()),
        };
    if purpose == ConsentPurpose::Care {
        // Without consent to care, link work stops: every open referral closes, and the
        // prescriber sees why.
        for (referral, version) in record::open_referrals(&mut tx, &user.scope, patient).await? {
            let closed = Recorded {
                event_id: Uuid::new_v4(),
                event: ReferralEvent::Closed {
                    reason: ClosingReason::ConsentWithdrawn,
                },
                actor: user.scope.actor().reference(),
                at: now,
            };
            lotse_store::referral::apply(&mut tx, &user.scope, access, referral, version, closed).await?;
        }
    }
    let version = lotse_store::event::list_stream(&mut tx, &user.scope, "consent", consent_id.as_uuid())
        .await?
        .len();
    let event = NewEvent {
        event_id: Uuid::new_v4(),
        stream: "consent",
        stream_id: consent_id.as_uuid(),
        stream_version: i64::try_from(version).unwrap_or(i64::MAX - 1) + 1,
        kind: lotse_domain::consent::WITHDRAWN_EVENT,
        payload: serde_json::json!({ "type": "withdrawn" }),
        actor: user.scope.actor().reference(),
        occurred_at: now,
    };
    lotse_store::event::append(&mut tx, &user.scope, &[event]).await?;
    tx.commit().await?;
    Ok(())
}
