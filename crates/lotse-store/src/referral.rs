//! Referrals and onward referrals. The row's state is a projection of the stream's events,
//! written in the same transaction; `version` equals the number of events.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::ObjectKind;
use lotse_domain::event::{Lifecycle, from_payload, to_payload};
use lotse_domain::id::{CaseId, OfferId, OnwardReferralId, OrganisationId, PatientId, PrescriptionId, ReferralId};
use lotse_domain::onward_referral::{OnwardReferralEvent, OnwardReferralState, OnwardReferralStatus};
use lotse_domain::prescription::ReferralSource;
use lotse_domain::referral::{ReferralEvent, ReferralState, ReferralStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use lotse_domain::audit::AuditAction;

use crate::audit::{self, Access};
use crate::bulk::table_row;
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::event::{self, NewEvent};
use crate::next_action;
use crate::on_conn;

table_row! {
    /// A referral with its state (the fold of its events).
    ReferralInsertRow => "referral" {
        programme_key: i64,
        referral_id: Uuid,
        prescription_id: Option<Uuid>,
        case_id: Option<Uuid>,
        patient_id: Uuid,
        source: String,
        link_facility_id: Uuid,
        state: String,
        closing_reason: Option<String>,
        failed_contact_attempts: i64,
        version: i64,
        issued_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        concern_kind: Option<String>,
        concern_raised_at: Option<OffsetDateTime>,
        accepted_at: Option<OffsetDateTime>,
        last_attempt_at: Option<OffsetDateTime>,
        contacted_at: Option<OffsetDateTime>,
    }
}

/// The time of the latest event of a referral's history that `is` matches.
fn latest(history: &[Recorded<ReferralEvent>], is: impl Fn(&ReferralEvent) -> bool) -> Option<OffsetDateTime> {
    history.iter().rev().find(|h| is(&h.event)).map(|h| h.at)
}

/// The row's times of the latest acceptance, failed contact attempt and contact that `event`
/// sets (the worklist's next-action facts): one of the three, or none.
const fn fact_times(event: &ReferralEvent) -> (bool, bool, bool) {
    (
        matches!(event, ReferralEvent::Accepted),
        matches!(event, ReferralEvent::ContactAttemptFailed),
        matches!(event, ReferralEvent::Contacted),
    )
}

/// The latest concern raised in a referral's history (its kind code and when), as
/// [`apply`] keeps it on the row.
fn latest_concern(history: &[Recorded<ReferralEvent>]) -> Option<(String, OffsetDateTime)> {
    history.iter().rev().find_map(|h| match h.event {
        ReferralEvent::ConcernRaised { kind } => Some((kind.code().to_owned(), h.at)),
        _ => None,
    })
}

table_row! {
    /// An onward referral with its state (the fold of its events).
    OnwardInsertRow => "onward_referral" {
        programme_key: i64,
        onward_referral_id: Uuid,
        case_id: Uuid,
        offer_id: Uuid,
        state: String,
        end_reason: Option<String>,
        version: i64,
        created_at: OffsetDateTime,
        updated_at: OffsetDateTime,
        sent_at: Option<OffsetDateTime>,
        answered_at: Option<OffsetDateTime>,
    }
}

/// When an onward referral was sent and when its provider first answered after that, from its
/// history (kept on the row, so that the directory reads reply times without the events).
pub fn reply_times(history: &[Recorded<OnwardReferralEvent>]) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
    let sent = history.iter().position(|h| h.event == OnwardReferralEvent::Sent);
    let sent_at = sent.and_then(|i| history.get(i)).map(|h| h.at);
    let answered_at = sent
        .and_then(|i| history.get(i + 1..))
        .and_then(|rest| rest.iter().find(|h| h.event.is_provider_answer()))
        .map(|h| h.at);
    (sent_at, answered_at)
}

/// One event with who recorded it and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<E> {
    /// The domain event.
    pub event: E,
    /// `user:<uuid>` or `system:<job>`.
    pub actor: String,
    /// When it happened.
    pub at: OffsetDateTime,
}

/// A referral with its history so far (at least the `Issued` event).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReferral {
    /// Its id.
    pub id: ReferralId,
    /// The prescription it came from, if any.
    pub prescription: Option<PrescriptionId>,
    /// The case it belongs to once accepted.
    pub case: Option<CaseId>,
    /// The person.
    pub patient: PatientId,
    /// Where it came from.
    pub source: ReferralSource,
    /// Its events, oldest first.
    pub history: Vec<Recorded<ReferralEvent>>,
}

/// A referral's stored projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralRecord {
    /// Its id.
    pub id: ReferralId,
    /// The case it belongs to, if any.
    pub case: Option<CaseId>,
    /// The folded status.
    pub status: ReferralStatus,
    /// Equals the number of events.
    pub version: i64,
}

fn to_events<E: serde::Serialize>(
    stream: &'static str,
    stream_id: Uuid,
    from_version: i64,
    history: &[Recorded<E>],
    kind: impl Fn(&E) -> &'static str,
) -> StoreResult<Vec<NewEvent>> {
    history
        .iter()
        .zip(from_version..)
        .map(|(r, version)| {
            let payload = to_payload(&r.event)?;
            // The kind is not stored: it is read back as the stream and the payload's `type`.
            if crate::event::kind(stream, &payload) != kind(&r.event) {
                return Err(StoreError::Corrupt(format!(
                    "event {} would be read back as {}",
                    kind(&r.event),
                    crate::event::kind(stream, &payload)
                )));
            }
            Ok(NewEvent {
                stream,
                stream_id,
                stream_version: version,
                payload,
                actor: r.actor.clone(),
                occurred_at: r.at,
            })
        })
        .collect()
}

/// Inserts referrals with their histories; each row's state is the fold of its events, so a
/// history with an invalid transition is refused and nothing is written.
pub async fn insert_many(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    referrals: &[NewReferral],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let mut rows = Vec::with_capacity(referrals.len());
    let mut events = Vec::new();
    for r in referrals {
        let status = ReferralStatus::replay(r.history.iter().map(|h| &h.event))?;
        let (Some(first), Some(last)) = (r.history.first(), r.history.last()) else {
            return Err(StoreError::Corrupt("a referral needs at least one event".into()));
        };
        rows.push(ReferralInsertRow {
            programme_key: key,
            referral_id: r.id.as_uuid(),
            prescription_id: r.prescription.map(|p| p.as_uuid()),
            case_id: r.case.map(|c| c.as_uuid()),
            patient_id: r.patient.as_uuid(),
            source: r.source.code().to_owned(),
            link_facility_id: status.link_facility.as_uuid(),
            state: status.state.code().to_owned(),
            closing_reason: status.state.closing_reason().map(|c| c.code().to_owned()),
            failed_contact_attempts: i64::from(status.failed_contact_attempts),
            version: r.history.len() as i64,
            issued_at: first.at,
            updated_at: last.at,
            concern_kind: latest_concern(&r.history).map(|c| c.0),
            concern_raised_at: latest_concern(&r.history).map(|c| c.1),
            accepted_at: latest(&r.history, |e| fact_times(e).0),
            last_attempt_at: latest(&r.history, |e| fact_times(e).1),
            contacted_at: latest(&r.history, |e| fact_times(e).2),
        });
        events.extend(to_events(
            "referral",
            r.id.as_uuid(),
            1,
            &r.history,
            ReferralEvent::kind,
        )?);
    }
    event::append(tx, scope, &events).await?;
    let ids: Vec<Uuid> = referrals.iter().map(|r| r.id.as_uuid()).collect();
    let moved: Vec<(Uuid, OffsetDateTime)> = rows
        .iter()
        .filter_map(|r| Some((r.prescription_id?, r.updated_at)))
        .collect();
    audit::insert_created(tx, scope, access, rows, ObjectKind::Referral, ids.iter().copied()).await?;
    for (prescription, at) in moved {
        touch_prescription(tx, key, prescription, at).await?;
    }
    next_action::refresh(tx, key, next_action::Which::Referrals(&ids)).await?;
    Ok(())
}

/// Moves a prescription's place on its practice's board to its referral's last change.
async fn touch_prescription(tx: &mut Tx, key: i64, prescription: Uuid, at: OffsetDateTime) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("update prescription set board_at = $3 where programme_key = $1 and prescription_id = $2")
        .bind(key)
        .bind(prescription)
        .bind(at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    case_id: Option<Uuid>,
    link_facility_id: Uuid,
    state: String,
    closing_reason: Option<String>,
    failed_contact_attempts: i64,
    version: i64,
}

/// A referral's stored state; it must exist in the scope's programme.
pub async fn get(tx: &mut Tx, scope: &ProgrammeScope, id: ReferralId) -> StoreResult<ReferralRecord> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: ReferralRow = on_conn!(tx, c => sqlx::query_as(
        "select case_id, link_facility_id, state, closing_reason, failed_contact_attempts, version \
         from referral where programme_key = $1 and referral_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "referral" })?;
    let state = ReferralState::from_codes(&row.state, row.closing_reason.as_deref())
        .ok_or_else(|| StoreError::Corrupt(format!("referral state {:?}", row.state)))?;
    Ok(ReferralRecord {
        id,
        case: row.case_id.map(CaseId::from_uuid),
        status: ReferralStatus {
            state,
            link_facility: OrganisationId::from_uuid(row.link_facility_id),
            failed_contact_attempts: u32::try_from(row.failed_contact_attempts)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        },
        version: row.version,
    })
}

/// Applies one event to a referral whose caller last saw `expected_version`.
///
/// The transition is checked by the domain; the row is updated only if its version is still
/// `expected_version` (else [`StoreError::Conflict`]); the event is appended in the same
/// transaction.
pub async fn apply(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    id: ReferralId,
    expected_version: i64,
    recorded: Recorded<ReferralEvent>,
) -> StoreResult<ReferralRecord> {
    let key = tx.programme_key(scope.programme()).await?;
    let current = get(tx, scope, id).await?;
    if current.version != expected_version {
        return Err(StoreError::Conflict {
            kind: "referral",
            current_version: current.version,
        });
    }
    let next = current.status.apply(&recorded.event)?;
    // A concern is kept on the row (the latest one) for the practice's board.
    let concern = match recorded.event {
        ReferralEvent::ConcernRaised { kind } => Some(kind.code()),
        _ => None,
    };
    let (accepted, attempt_failed, contacted) = fact_times(&recorded.event);
    // The row's prescription comes back with the update (its board place moves below): no
    // second read. No row: the version moved on.
    let updated: Option<(Option<Uuid>,)> = on_conn!(tx, c => sqlx::query_as(
        "update referral set state = $3, closing_reason = $4, link_facility_id = $5, failed_contact_attempts = $6, \
         version = version + 1, updated_at = $7, \
         concern_kind = coalesce(cast($9 as text), concern_kind), \
         concern_raised_at = case when cast($9 as text) is null then concern_raised_at else $7 end, \
         accepted_at = case when $10 then $7 else accepted_at end, \
         last_attempt_at = case when $11 then $7 else last_attempt_at end, \
         contacted_at = case when $12 then $7 else contacted_at end \
         where programme_key = $1 and referral_id = $2 and version = $8 returning prescription_id",
    )
    .bind(key)
    .bind(id.as_uuid())
    .bind(next.state.code())
    .bind(next.state.closing_reason().map(lotse_domain::referral::ClosingReason::code))
    .bind(next.link_facility.as_uuid())
    .bind(i64::from(next.failed_contact_attempts))
    .bind(recorded.at)
    .bind(expected_version)
    .bind(concern)
    .bind(accepted)
    .bind(attempt_failed)
    .bind(contacted)
    .fetch_optional(c)
    .await)?;
    let Some((prescription,)) = updated else {
        let now = get(tx, scope, id).await?;
        return Err(StoreError::Conflict {
            kind: "referral",
            current_version: now.version,
        });
    };
    let events = to_events(
        "referral",
        id.as_uuid(),
        expected_version + 1,
        std::slice::from_ref(&recorded),
        ReferralEvent::kind,
    )?;
    event::append(tx, scope, &events).await?;
    if let Some(prescription) = prescription {
        touch_prescription(tx, key, prescription, recorded.at).await?;
    }
    next_action::refresh(tx, key, next_action::Which::Referrals(&[id.as_uuid()])).await?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Referral,
        [id.as_uuid()],
    )
    .await?;
    Ok(ReferralRecord {
        id,
        case: current.case,
        status: next,
        version: expected_version + 1,
    })
}

/// Recomputes a referral's status from its events (to check the projection).
pub async fn replay(tx: &mut Tx, scope: &ProgrammeScope, id: ReferralId) -> StoreResult<ReferralStatus> {
    replay_stream(tx, scope, id.as_uuid()).await
}

/// Folds a stream's stored events into its lifecycle state.
async fn replay_stream<L: Lifecycle>(tx: &mut Tx, scope: &ProgrammeScope, stream_id: Uuid) -> StoreResult<L> {
    let stored = event::list_stream(tx, scope, L::STREAM, stream_id).await?;
    let events = stored
        .into_iter()
        .map(|e| from_payload::<L::Event>(e.payload))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(L::replay(&events)?)
}

/// Referral counts per state code in the scope's programme.
pub async fn count_by_state(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<(String, i64)>> {
    let key = tx.programme_key(scope.programme()).await?;
    Ok(on_conn!(tx, c => sqlx::query_as(
        "select state, count(*) from referral where programme_key = $1 group by state order by state",
    )
    .bind(key)
    .fetch_all(c)
    .await)?)
}

/// An onward referral with its history so far (at least `Proposed`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewOnwardReferral {
    /// Its id.
    pub id: OnwardReferralId,
    /// The case.
    pub case: CaseId,
    /// Its events, oldest first.
    pub history: Vec<Recorded<OnwardReferralEvent>>,
}

/// Inserts onward referrals with their histories (state = fold of events), and computes the
/// answer figures of their offers again (`offer_answers`).
pub async fn insert_onward_many(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    items: &[NewOnwardReferral],
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let mut rows = Vec::with_capacity(items.len());
    let mut events = Vec::new();
    for o in items {
        let status = OnwardReferralStatus::replay(o.history.iter().map(|h| &h.event))?;
        let (Some(first), Some(last)) = (o.history.first(), o.history.last()) else {
            return Err(StoreError::Corrupt(
                "an onward referral needs at least one event".into(),
            ));
        };
        rows.push(OnwardInsertRow {
            programme_key: key,
            onward_referral_id: o.id.as_uuid(),
            case_id: o.case.as_uuid(),
            offer_id: status.offer.as_uuid(),
            state: status.state.code().to_owned(),
            end_reason: status.state.end_reason().map(|r| r.code().to_owned()),
            version: o.history.len() as i64,
            created_at: first.at,
            updated_at: last.at,
            sent_at: reply_times(&o.history).0,
            answered_at: reply_times(&o.history).1,
        });
        events.extend(to_events(
            "onward_referral",
            o.id.as_uuid(),
            1,
            &o.history,
            OnwardReferralEvent::kind,
        )?);
    }
    event::append(tx, scope, &events).await?;
    let offers: Vec<Uuid> = rows.iter().map(|r| r.offer_id).collect();
    let mut cases: Vec<Uuid> = rows.iter().map(|r| r.case_id).collect();
    cases.sort_unstable();
    cases.dedup();
    let ids = items.iter().map(|o| o.id.as_uuid());
    audit::insert_created(tx, scope, access, rows, ObjectKind::OnwardReferral, ids).await?;
    crate::offer_answers::refresh(tx, key, &offers).await?;
    next_action::refresh(tx, key, next_action::Which::Cases(&cases)).await?;
    Ok(())
}

/// An onward referral's stored state and version; it must exist in the scope's programme.
pub async fn get_onward(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OnwardReferralId,
) -> StoreResult<(OnwardReferralStatus, i64)> {
    let key = tx.programme_key(scope.programme()).await?;
    let row: (Uuid, String, Option<String>, i64) = on_conn!(tx, c => sqlx::query_as(
        "select offer_id, state, end_reason, version from onward_referral where programme_key = $1 and onward_referral_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "onward referral" })?;
    let state = OnwardReferralState::from_codes(&row.1, row.2.as_deref())
        .ok_or_else(|| StoreError::Corrupt(format!("onward referral state {:?}", row.1)))?;
    Ok((
        OnwardReferralStatus {
            state,
            offer: OfferId::from_uuid(row.0),
        },
        row.3,
    ))
}

/// Applies one event to an onward referral whose caller last saw `expected_version`.
///
/// As [`apply`] for referrals: the domain checks the transition, the row changes only if its
/// version is still `expected_version` (else [`StoreError::Conflict`]), and the event and the
/// audit entry are written in the same transaction. The row's reply times follow the events as
/// [`reply_times`] computes them from a whole history: `sent_at` is set by `Sent`, `answered_at`
/// by the first provider answer after it. The offer's answer figures and the case's next action
/// are computed again.
pub async fn apply_onward(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    id: OnwardReferralId,
    expected_version: i64,
    recorded: Recorded<OnwardReferralEvent>,
) -> StoreResult<(OnwardReferralStatus, i64)> {
    let key = tx.programme_key(scope.programme()).await?;
    let applied = apply_onward_row(
        tx,
        scope,
        key,
        access,
        OnwardChange {
            id,
            expected_version,
            recorded,
        },
    )
    .await?;
    refresh_after_onward(tx, key, &[applied.offer], &[applied.case]).await?;
    Ok((applied.status, applied.version))
}

/// One event for one onward referral, in a batch for [`apply_onward_many`].
#[derive(Debug, Clone)]
pub struct OnwardChange {
    /// The onward referral.
    pub id: OnwardReferralId,
    /// The version its caller last saw.
    pub expected_version: i64,
    /// The event.
    pub recorded: Recorded<OnwardReferralEvent>,
}

/// Applies each change as [`apply_onward`] does, in order, and then computes the answer
/// figures of their offers and the next actions of their cases once for the whole batch (an
/// offer or a case met by several changes is computed once, not once per change). A change
/// refused for its version ([`StoreError::Conflict`]) or its state
/// ([`StoreError::Transition`]) writes nothing and is reported in its place; any other error
/// ends the call, and the caller's transaction is not to be committed.
pub async fn apply_onward_many(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    changes: Vec<OnwardChange>,
) -> StoreResult<Vec<StoreResult<(OnwardReferralStatus, i64)>>> {
    let key = tx.programme_key(scope.programme()).await?;
    let mut results = Vec::with_capacity(changes.len());
    let mut offers = Vec::new();
    let mut cases = Vec::new();
    for change in changes {
        match apply_onward_row(tx, scope, key, access, change).await {
            Ok(applied) => {
                offers.push(applied.offer);
                cases.push(applied.case);
                results.push(Ok((applied.status, applied.version)));
            }
            Err(e @ (StoreError::Conflict { .. } | StoreError::Transition(_))) => results.push(Err(e)),
            Err(e) => return Err(e),
        }
    }
    cases.sort_unstable();
    cases.dedup();
    refresh_after_onward(tx, key, &offers, &cases).await?;
    Ok(results)
}

/// What [`apply_onward_row`] wrote: the new status and version, and the offer and case whose
/// figures follow from it.
struct AppliedOnward {
    status: OnwardReferralStatus,
    version: i64,
    offer: Uuid,
    case: Uuid,
}

/// The row, the event and the audit entry of one change, without the figures computed from
/// them ([`refresh_after_onward`]).
async fn apply_onward_row(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    key: i64,
    access: Access,
    change: OnwardChange,
) -> StoreResult<AppliedOnward> {
    let OnwardChange {
        id,
        expected_version,
        recorded,
    } = change;
    let (current, version) = get_onward(tx, scope, id).await?;
    if version != expected_version {
        return Err(StoreError::Conflict {
            kind: "onward referral",
            current_version: version,
        });
    }
    let next = current.apply(&recorded.event)?;
    let sent = recorded.event == OnwardReferralEvent::Sent;
    let answer = recorded.event.is_provider_answer();
    let case: Option<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "update onward_referral set state = $3, end_reason = $4, version = version + 1, updated_at = $5, \
         sent_at = case when $7 then $5 else sent_at end, \
         answered_at = case when $8 and sent_at is not null and answered_at is null then $5 else answered_at end \
         where programme_key = $1 and onward_referral_id = $2 and version = $6 returning case_id",
    )
    .bind(key)
    .bind(id.as_uuid())
    .bind(next.state.code())
    .bind(next.state.end_reason().map(lotse_domain::onward_referral::EndReason::code))
    .bind(recorded.at)
    .bind(expected_version)
    .bind(sent)
    .bind(answer)
    .fetch_optional(c)
    .await)?;
    let Some(case) = case else {
        let (_, now) = get_onward(tx, scope, id).await?;
        return Err(StoreError::Conflict {
            kind: "onward referral",
            current_version: now,
        });
    };
    let events = to_events(
        "onward_referral",
        id.as_uuid(),
        expected_version + 1,
        std::slice::from_ref(&recorded),
        OnwardReferralEvent::kind,
    )?;
    event::append(tx, scope, &events).await?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::OnwardReferral,
        [id.as_uuid()],
    )
    .await?;
    Ok(AppliedOnward {
        status: next,
        version: expected_version + 1,
        offer: current.offer.as_uuid(),
        case,
    })
}

/// The figures that follow from onward referrals: their offers' answer figures and their
/// cases' next actions.
async fn refresh_after_onward(tx: &mut Tx, key: i64, offers: &[Uuid], cases: &[Uuid]) -> StoreResult<()> {
    crate::offer_answers::refresh(tx, key, offers).await?;
    next_action::refresh(tx, key, next_action::Which::Cases(cases)).await?;
    Ok(())
}

/// The case an onward referral belongs to; it must exist in the scope's programme.
pub async fn case_of_onward(tx: &mut Tx, scope: &ProgrammeScope, id: OnwardReferralId) -> StoreResult<CaseId> {
    let key = tx.programme_key(scope.programme()).await?;
    let case: Uuid = on_conn!(tx, c => sqlx::query_scalar(
        "select case_id from onward_referral where programme_key = $1 and onward_referral_id = $2",
    )
    .bind(key)
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound {
        kind: "onward referral",
    })?;
    Ok(CaseId::from_uuid(case))
}

/// The ids of a case's onward referrals, oldest first (index `onward_referral_case`): ids only,
/// for the use cases that act on all of them (closing a case stops their provider links).
pub async fn onward_of_case(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> StoreResult<Vec<OnwardReferralId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select onward_referral_id from onward_referral where programme_key = $1 and case_id = $2 \
         order by onward_referral_id",
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(OnwardReferralId::from_uuid).collect())
}

/// Recomputes an onward referral's status from its events.
pub async fn replay_onward(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: OnwardReferralId,
) -> StoreResult<OnwardReferralStatus> {
    replay_stream(tx, scope, id.as_uuid()).await
}

/// Every referral id in the scope's programme (for consistency checks), in id order.
pub async fn list_ids(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<Vec<ReferralId>> {
    let key = tx.programme_key(scope.programme()).await?;
    let ids: Vec<Uuid> = on_conn!(tx, c => sqlx::query_scalar(
        "select referral_id from referral where programme_key = $1 order by referral_id",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    Ok(ids.into_iter().map(ReferralId::from_uuid).collect())
}
