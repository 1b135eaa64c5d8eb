//! A person's record as each relationship may see it: the worklist, finding a case by
//! prescription code, the case page, and recording a consent withdrawal.
//!
//! Every function takes the [`Principal`] (a signed-in member or an API client) and asks the
//! policy ([`Principal::decide`]) before it reads; a denial about a person is answered as
//! [`AccessError::NotFound`] and audited as `access_denied` on the requested id.

use lotse_domain::audit::{AuditPurpose, ObjectKind};
use lotse_domain::calendar::WorkingDays;
use lotse_domain::consent::{Consent, ConsentPurpose};
use lotse_domain::id::{CaseId, ConsentId, PatientId};
use lotse_domain::next_action::{NextAction, NextActionKind};
use lotse_domain::patient::PatientIdentity;
use lotse_domain::policy::{Action, Decision, PersonRelations, Subject, Visibility};
use lotse_domain::prescription::PrescriptionCode;
use lotse_domain::referral::{ClosingReason, ReferralEvent};
use lotse_domain::user::{Membership, Role};
use lotse_store::event::NewEvent;
use lotse_store::record::{self, OnwardLine, PrescriptionLine, ReferralLine};
use lotse_store::referral::Recorded;
use lotse_store::{StoreError, Tx};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{AccessError, access, deny, relations_of};
use crate::clock::Clock;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// Finds, in `tx` (a read transaction to view, a write transaction to change), the person of a
/// case the principal may act on (the policy decides on the case, from the person's
/// relationship facts).
pub(crate) async fn open_case(
    mut tx: Tx,
    principal: &Principal,
    action: Action,
    case: CaseId,
    at: OffsetDateTime,
) -> Result<(Tx, PatientId, PersonRelations, Visibility), AccessError> {
    let (patient, relations) = match lotse_store::relation::of_case(&mut tx, principal.scope(), case, at).await {
        Ok(found) => found,
        Err(StoreError::NotFound { .. }) => {
            return Err(deny(tx, principal, at, ObjectKind::Case, case.as_uuid()).await);
        }
        Err(e) => return Err(e.into()),
    };
    match principal.decide(action, Subject::Case(principal.scope().programme(), case, &relations)) {
        Decision::Allow(visibility) => Ok((tx, patient, relations, visibility)),
        Decision::Deny(_) => Err(deny(tx, principal, at, ObjectKind::Case, case.as_uuid()).await),
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

/// The case page: reads only what the visibility allows, in one read transaction; each kind
/// of record read is one audit entry listing the records, written by the group-commit
/// appender before this returns.
pub async fn view_case(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<CaseRecord, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let (mut tx, patient, relations, visibility) =
        open_case(db.begin_read().await?, principal, Action::ViewCase, case, now).await?;
    let access = access(clock, AuditPurpose::Care);
    let scope = principal.scope();
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
    // Which onward referrals the reader sees is the policy's decision on each of them.
    let shown = |id| {
        principal
            .decide(
                Action::ViewCase,
                Subject::OnwardReferral(scope.programme(), id, &relations),
            )
            .is_allowed()
    };
    match visibility {
        Visibility::Case | Visibility::Prescriber => {
            result.prescriptions = record::prescriptions(&mut tx, scope, access, patient).await?;
            open_reasons(&mut tx, principal, visibility, case, &mut result.prescriptions).await?;
            result.referrals = record::referrals(&mut tx, scope, access, patient).await?;
            let onward = record::onward_referrals(&mut tx, scope, access, patient, None).await?;
            result.onward = onward.into_iter().filter(|o| shown(o.id)).collect();
            if visibility == Visibility::Case {
                result.consents = record::consents(&mut tx, scope, access, patient).await?;
            }
        }
        Visibility::Provider => {
            let organisation = principal.membership().and_then(Membership::organisation);
            let own = record::onward_referrals(&mut tx, scope, access, patient, organisation).await?;
            result.onward = own.into_iter().filter(|o| shown(o.id)).collect();
            identity.birth_date = time::Date::MIN;
            result.identity = identity;
        }
        Visibility::Administration => return Err(AccessError::NotFound),
    }
    result.timeline = timeline(&mut tx, principal, &result).await?;
    tx.commit().await?;
    Ok(result)
}

/// Opens the prescribers' reasons the reader may see: the link worker holding the case, that of
/// the prescription its referral came from (sent with the person's transfer consent); a
/// prescriber, those of their own practice's prescriptions. Nobody else, and no other
/// prescription's.
async fn open_reasons(
    tx: &mut Tx,
    principal: &Principal,
    visibility: Visibility,
    case: CaseId,
    lines: &mut [record::PrescriptionLine],
) -> Result<(), StoreError> {
    let scope = principal.scope();
    let readable: Vec<Uuid> = match visibility {
        Visibility::Case => record::prescription_of_case(tx, scope, case)
            .await?
            .into_iter()
            .collect(),
        Visibility::Prescriber => {
            let practice = principal.membership().and_then(Membership::organisation);
            lines
                .iter()
                .filter(|l| Some(l.practice_id) == practice.map(|p| p.as_uuid()))
                .map(|l| l.id)
                .collect()
        }
        Visibility::Provider | Visibility::Administration => Vec::new(),
    };
    let readable: Vec<Uuid> = readable
        .into_iter()
        .filter(|id| lines.iter().any(|l| l.id == *id))
        .collect();
    for (id, reason) in record::prescription_reasons(tx, scope, &readable).await? {
        if let Some(line) = lines.iter_mut().find(|l| l.id == id) {
            line.reason = Some(reason);
        }
    }
    Ok(())
}

async fn timeline(tx: &mut Tx, principal: &Principal, record: &CaseRecord) -> Result<Vec<TimelineEntry>, StoreError> {
    let mut streams: Vec<(&'static str, Uuid)> = Vec::new();
    streams.extend(record.referrals.iter().map(|r| ("referral", r.id.as_uuid())));
    streams.extend(record.onward.iter().map(|o| ("onward_referral", o.id.as_uuid())));
    streams.extend(record.consents.iter().map(|c| ("consent", c.id.as_uuid())));
    let events = lotse_store::event::list_streams(tx, principal.scope(), &streams).await?;
    let mut entries: Vec<TimelineEntry> = events
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.occurred_at,
            kind: e.kind,
        })
        .collect();
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
    /// What the link worker must do next and by when (link workers only; `None` for the other
    /// roles, and for cases with nothing due).
    pub next: Option<NextAction>,
}

/// A link worker's worklist, ordered by next action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worklist {
    /// The rows shown: those of the filter's kind (or all), earliest due first (ties by kind
    /// priority, then case id), cases with nothing due last (newest change first); at most the
    /// limit.
    pub rows: Vec<WorklistRow>,
    /// How many of the facility's open cases have each kind of next action (every kind, in
    /// priority order, zeros included), before the filter and the limit.
    pub counts: Vec<(NextActionKind, usize)>,
    /// The kind filtered on, if any.
    pub kind: Option<NextActionKind>,
    /// The programme's local date the actions were computed for (overdue: due before it).
    pub today: Date,
}

/// Parses a next-action filter (`first_contact_overdue`); an unknown code is
/// [`AccessError::Invalid`] naming the codes allowed.
pub fn parse_kind(code: &str) -> Result<NextActionKind, AccessError> {
    NextActionKind::from_code(code).ok_or_else(|| {
        let known: Vec<&str> = NextActionKind::ALL.iter().map(|k| k.code()).collect();
        AccessError::Invalid(format!(
            "unknown next action {code:?}; the kinds are {}",
            known.join(", ")
        ))
    })
}

/// The people the user's organisation works with now (at most `limit`): a link facility's open
/// cases it holds, ordered by next action (see [`next_action_worklist`]); a practice's
/// prescriptions and a provider's shared onward referrals, newest change first: the same
/// relationship facts the policy decides a case page on (`lotse_store::relation`). Read in a
/// read transaction; the view is one audit entry listing the people shown.
pub async fn worklist(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    limit: i64,
) -> Result<Vec<WorklistRow>, AccessError> {
    if principal.membership().map(Membership::role) == Some(Role::LinkWorker) {
        return Ok(next_action_worklist(db, clock, principal, limit, None).await?.rows);
    }
    let db = handle::store(db);
    let decision = principal.decide(Action::ViewWorklist, Subject::Programme(principal.scope().programme()));
    let (Decision::Allow(_), Some(membership)) = (decision, principal.membership()) else {
        return Ok(Vec::new());
    };
    let Some(org) = membership.organisation() else {
        return Ok(Vec::new());
    };
    let mut tx = db.begin_read().await?;
    let rows = lotse_store::worklist::for_organisation(
        &mut tx,
        principal.scope(),
        access(clock, AuditPurpose::Care),
        membership.role(),
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
            next: None,
        })
        .collect())
}

/// The link worker's worklist: the facility's open cases ordered by the next action each
/// referral keeps on its row (`lotse_store::next_action`: [`schedule`] with the programme's
/// working days, its time zone and holiday calendar, and the default
/// [`NextActionSettings`], kept by the writes that change it), seen on `today`, the
/// programme's local date at the clock's now (a first contact due before it is overdue);
/// `kind` keeps only cases with that kind of next action. Counts are per kind over all the
/// open cases. The rows and the counts are read from indexes (no case is classified on the
/// request); only the rows shown have their names opened and audited. Other roles get an
/// empty worklist here.
///
/// [`schedule`]: lotse_domain::next_action::schedule
/// [`NextActionSettings`]: lotse_domain::next_action::NextActionSettings
pub async fn next_action_worklist(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    limit: i64,
    kind: Option<NextActionKind>,
) -> Result<Worklist, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let decision = principal.decide(Action::ViewWorklist, Subject::Programme(principal.scope().programme()));
    let facility = match (decision, principal.membership()) {
        (Decision::Allow(_), Some(m)) if m.role() == Role::LinkWorker => m.organisation(),
        _ => None,
    };
    let programme = lotse_store::programme::get(db, principal.scope().programme()).await?;
    let working_days = WorkingDays::new(programme.holiday_calendar, &programme.time_zone)
        .map_err(|e| AccessError::from(StoreError::Corrupt(e.to_string())))?;
    let today = working_days.local_date(now);
    let Some(facility) = facility else {
        return Ok(Worklist {
            rows: Vec::new(),
            counts: NextActionKind::ALL.iter().map(|k| (*k, 0)).collect(),
            kind,
            today,
        });
    };
    let mut tx = db.begin_read().await?;
    let list = lotse_store::worklist::for_link_facility(
        &mut tx,
        principal.scope(),
        access(clock, AuditPurpose::Care),
        facility,
        today,
        kind,
        limit.max(0),
    )
    .await?;
    tx.commit().await?;
    let rows = list
        .rows
        .into_iter()
        .map(|(r, next)| WorklistRow {
            case: r.case,
            name: format!("{} {}", r.given_name, r.family_name),
            state: r.state,
            updated_at: r.updated_at,
            next,
        })
        .collect();
    Ok(Worklist {
        rows,
        counts: list.counts,
        kind,
        today,
    })
}

/// Finds the case of a person that the link worker's facility holds, by prescription code (the
/// policy decides on each of the person's cases). An unknown code and a person of another
/// facility get the same answer.
pub async fn find_case(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    code: &str,
) -> Result<CaseId, AccessError> {
    let db = handle::store(db);
    let decision = principal.decide(Action::SearchCases, Subject::Programme(principal.scope().programme()));
    if !decision.is_allowed() {
        return Err(AccessError::NotFound);
    }
    let code = PrescriptionCode::parse(code).map_err(|e| AccessError::Invalid(e.to_string()))?;
    let now = clock.now();
    let mut tx = db.begin_read().await?;
    let Some((patient, cases)) = record::find_by_code(&mut tx, principal.scope(), &code.compact()).await? else {
        return Err(AccessError::NotFound);
    };
    let Some(relations) = relations_of(&mut tx, principal, patient, now).await? else {
        return Err(deny(tx, principal, now, ObjectKind::Patient, patient.as_uuid()).await);
    };
    // The first of the person's cases (oldest first) that the policy lets the principal open.
    let mine = cases.into_iter().map(|(case, _)| case).find(|case| {
        principal
            .decide(
                Action::ViewCase,
                Subject::Case(principal.scope().programme(), *case, &relations),
            )
            .is_allowed()
    });
    match mine {
        Some(case) => Ok(case),
        None => Err(deny(tx, principal, now, ObjectKind::Patient, patient.as_uuid()).await),
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
    principal: &Principal,
    case: CaseId,
    consent_id: ConsentId,
    expected_version: i64,
) -> Result<(), AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let (mut tx, patient, _, _) = open_case(db.begin().await?, principal, Action::WithdrawConsent, case, now).await?;
    let access = access(clock, AuditPurpose::Care);
    let purpose = match record::withdraw_consent(
        &mut tx,
        principal.scope(),
        access,
        patient,
        consent_id,
        expected_version,
    )
    .await
    {
        Ok(purpose) => purpose,
        // A random id or another person's consent: refused like a record the user may not see,
        // and audited with the id asked for.
        Err(StoreError::NotFound { .. }) => {
            return Err(deny(tx, principal, now, ObjectKind::Consent, consent_id.as_uuid()).await);
        }
        Err(e) => return Err(e.into()),
    };
    if purpose == ConsentPurpose::Care {
        // Without consent to care, link work stops: every open referral closes, and the
        // prescriber sees why.
        for (referral, version) in record::open_referrals(&mut tx, principal.scope(), patient).await? {
            let closed = Recorded {
                event: ReferralEvent::Closed {
                    reason: ClosingReason::ConsentWithdrawn,
                },
                actor: principal.scope().actor().reference(),
                at: now,
            };
            lotse_store::referral::apply(&mut tx, principal.scope(), access, referral, version, closed).await?;
        }
    }
    let version = lotse_store::event::list_stream(&mut tx, principal.scope(), "consent", consent_id.as_uuid())
        .await?
        .len();
    let event = NewEvent {
        stream: "consent",
        stream_id: consent_id.as_uuid(),
        stream_version: i64::try_from(version).unwrap_or(i64::MAX - 1) + 1,
        payload: serde_json::json!({ "type": "withdrawn" }),
        actor: principal.scope().actor().reference(),
        occurred_at: now,
    };
    lotse_store::event::append(&mut tx, principal.scope(), &[event]).await?;
    tx.commit().await?;
    Ok(())
}
