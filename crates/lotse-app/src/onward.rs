//! Onward referrals after the person accepted an offer: sending one to its provider with the
//! person's sharing consent, the provider's answers through its signed link, and the answers
//! the link worker records after a call.
//!
//! - **Send** ([`send`]): the link worker holding the case records the person's
//!   `provider_sharing` consent for this onward referral (which details the provider may see,
//!   who gave it), writes `Sent`, and issues a signed link for the provider
//!   ([`CapabilityPurpose::OnwardReferralAnswer`], [`LINK_LIFETIME`]); the link's token is
//!   returned once, never stored. Without that consent nothing is sent: the person contacts the
//!   offer themselves, and the link worker records what came of it ([`record_answer`]).
//! - **The signed link** ([`by_link`], [`answer_by_link`]): whoever holds it sees the offer, the
//!   link facility, where the referral stands, and of the person only the fields of an active
//!   sharing consent; the answers possible now (accept, decline with a reason, attended, did not
//!   attend, stopped) are written as `capability:<id>` with the channel `signed_link`. The link
//!   serves every answer of the referral's course (accepted, then attendance), so it is used up
//!   only when the onward referral reaches a final state.
//! - **The provider's account** ([`answer_as_provider`]): a provider user answers an onward
//!   referral shared with its organisation from its case page; channel `provider_account`.
//! - **Recorded by the link worker** ([`record_answer`]): a provider's answer given by phone, or
//!   the outcome of an offer the person contacted on their own; channel
//!   `recorded_by_link_worker`.
//!
//! The first attendance makes the case's referral `connected` (where its plan was agreed), in
//! the same transaction as the answer.
//!
//! Every answer names the version the page showed: an answer given meanwhile through another
//! channel makes it [`OnwardError::Conflict`], and nothing is written.

use lotse_domain::audit::AuditPurpose;
use lotse_domain::audit::ObjectKind;
use lotse_domain::capability::{CapabilityPurpose, CapabilityToken};
use lotse_domain::consent::{Consent, ConsentPurpose, SharedField, Sharing};
use lotse_domain::email::{EmailKind, EmailState};
use lotse_domain::field::FieldError;
use lotse_domain::id::{CaseId, ConsentId, OnwardReferralId, OrganisationId, PatientId};
use lotse_domain::onward_referral::{AnswerChannel, OnwardReferralEvent, OnwardReferralState, ProviderAnswer};
use lotse_domain::policy::{Action, LinkKind, Subject};
use lotse_domain::prescribing::CONSENT_TEXT_VERSION;
use lotse_domain::referral::{ReferralEvent, ReferralState};
use lotse_domain::user::Role;
use lotse_store::referral::Recorded;
use lotse_store::{StoreError, Tx};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::access::{AccessError, access};
use crate::acting::{NotActing, acting_member};
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;
use crate::referral_work::{WorkError, held_referral};

/// How long a provider's signed link works: the course of an onward referral (answer, first
/// attendance) takes weeks; the capability's longest.
pub const LINK_LIFETIME: Duration = Duration::days(30);

/// Why an onward-referral step was not carried out (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum OnwardError {
    /// Not the link worker holding the case, no such case or onward referral, an onward
    /// referral of another case, or a link that no longer works (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// The step is not possible where the onward referral stands.
    #[error("the onward referral is {}: this is not possible now", .0.code())]
    Refused(OnwardReferralState),
    /// Someone changed the onward referral since the caller saw it (an answer through another
    /// channel).
    #[error("the onward referral was changed meanwhile: now {} (version {version})", .state.code())]
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

impl From<StoreError> for OnwardError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for OnwardError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            AccessError::NotFound | AccessError::Invalid(_) | AccessError::Conflict(_) => Self::NotFound,
        }
    }
}

impl From<WorkError> for OnwardError {
    fn from(e: WorkError) -> Self {
        match e {
            WorkError::Store(s) => Self::Store(s),
            _ => Self::NotFound,
        }
    }
}

/// A provider's signed link, just made: its token is shown once (the link and its QR code).
#[derive(Debug)]
pub struct ProviderLink {
    /// The token for `/r/{token}`.
    pub token: CapabilityToken,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// The offer's title (the page that shows the link names it).
    pub offer: String,
    /// Whether an e-mail with a link of its own is on its way to the offer's contact address
    /// (the programme has an e-mail relay; see [`crate::email`]).
    pub emailed: bool,
}

/// One onward referral of a case as the link worker holding it sees it.
#[derive(Debug, Clone)]
pub struct OnwardDetail {
    /// Its id.
    pub id: OnwardReferralId,
    /// The offer's title.
    pub offer: String,
    /// The provider's name.
    pub provider: String,
    /// Where it stands.
    pub state: OnwardReferralState,
    /// Its version (sent back with a step).
    pub version: i64,
    /// The fields the person consented to share with the provider (active consent), if any.
    pub shared: Option<Vec<SharedField>>,
    /// The answers the link worker may record now (channel `recorded_by_link_worker`).
    pub answers: Vec<ProviderAnswer>,
    /// Whether it can be sent to its provider now (the person accepted it).
    pub sendable: bool,
    /// When the provider's working link stops working (the latest, if several), if one works.
    pub link_expires_at: Option<OffsetDateTime>,
    /// Whether a new provider link can be made now (sent, and the provider may still answer).
    pub relinkable: bool,
    /// What happened, oldest first: when, the event kind (`onward_referral.acknowledged`) and,
    /// for a provider's answer, how it came.
    pub history: Vec<(OffsetDateTime, String, Option<AnswerChannel>)>,
    /// The e-mails to the provider about it, oldest first (only where the programme has an
    /// e-mail relay).
    pub emails: Vec<ProviderEmailLine>,
}

/// One e-mail to the provider about an onward referral, as the link worker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEmailLine {
    /// The link, or a reminder.
    pub kind: EmailKind,
    /// Where it stands.
    pub state: EmailState,
    /// When it was made due.
    pub made_at: OffsetDateTime,
    /// When the relay took it.
    pub sent_at: Option<OffsetDateTime>,
    /// The address it went to (the offer's public contact address).
    pub sent_to: Option<String>,
    /// Failed tries so far.
    pub attempts: u32,
    /// Why the last try failed (`smtp_451`, `timeout`, `connection`, `tls`) or why it was
    /// dropped (`case_closed`, `answered`, `no_address`, `bad_address`).
    pub note: Option<String>,
}

/// The onward referral `onward` of `case`, for the link worker holding the case (its consents
/// and the onward referral are audited reads).
pub async fn detail(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    onward: OnwardReferralId,
) -> Result<OnwardDetail, OnwardError> {
    let now = clock.now();
    let (mut tx, patient, _, _) = open_case(
        handle::store(db).begin_read().await?,
        principal,
        Action::WorkCase,
        case,
        now,
    )
    .await?;
    held_referral(&mut tx, principal, patient, case).await?;
    let detail = detail_in(&mut tx, principal, clock, patient, case, onward).await?;
    tx.commit().await?;
    Ok(detail)
}

async fn detail_in(
    tx: &mut Tx,
    principal: &Principal,
    clock: &dyn Clock,
    patient: PatientId,
    case: CaseId,
    onward: OnwardReferralId,
) -> Result<OnwardDetail, OnwardError> {
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    match lotse_store::referral::case_of_onward(tx, scope, onward).await {
        Ok(of) if of == case => {}
        Ok(_) | Err(StoreError::NotFound { .. }) => return Err(OnwardError::NotFound),
        Err(e) => return Err(e.into()),
    }
    let line = lotse_store::record::onward_referral(tx, scope, access, onward)
        .await?
        .ok_or(OnwardError::NotFound)?;
    let state = state_of(&line)?;
    let sharing = lotse_store::record::sharing_consent(tx, scope, access, patient, onward).await?;
    let links = lotse_store::capability::working_for_object(
        tx,
        scope,
        CapabilityPurpose::OnwardReferralAnswer,
        onward.as_uuid(),
        clock.now(),
    )
    .await?;
    let relinkable = !ProviderAnswer::possible(state, AnswerChannel::SignedLink).is_empty();
    let events = lotse_store::event::list_stream(tx, scope, "onward_referral", onward.as_uuid()).await?;
    let history = events
        .into_iter()
        .map(|e| {
            let channel = serde_json::from_value::<OnwardReferralEvent>(e.payload)
                .ok()
                .and_then(|event| event.channel());
            (e.occurred_at, e.kind, channel)
        })
        .collect();
    let emails = lotse_store::email_outbox::of_onward(tx, scope, onward)
        .await?
        .into_iter()
        .map(|e| ProviderEmailLine {
            kind: e.kind,
            state: e.state,
            made_at: e.created_at,
            sent_at: e.sent_at,
            sent_to: e.sent_to,
            attempts: e.attempts,
            note: e.note,
        })
        .collect();
    Ok(OnwardDetail {
        history,
        emails,
        link_expires_at: links.iter().map(|c| c.expires_at).max(),
        relinkable,
        id: onward,
        offer: line.offer,
        provider: line.provider,
        state,
        version: line.version,
        shared: sharing.filter(|c| c.is_active_at(clock.now())).map(|c| c.shared),
        answers: ProviderAnswer::possible(state, AnswerChannel::RecordedByLinkWorker),
        sendable: state == OnwardReferralState::Accepted,
    })
}

fn state_of(line: &lotse_store::record::OnwardLine) -> Result<OnwardReferralState, OnwardError> {
    OnwardReferralState::from_codes(&line.state, line.end_reason.as_deref())
        .ok_or_else(|| StoreError::Corrupt(format!("onward referral state {:?}", line.state)).into())
}

/// What sending needs besides the ids: the person's consent, who recorded it, and the version
/// the caller saw.
#[derive(Debug, Clone)]
pub struct Send {
    /// The person's sharing consent.
    pub sharing: Sharing,
    /// For an API client: the username of the link worker of its facility who recorded the
    /// consent (else the field `recorded_by` is wrong); ignored for a signed-in member, who
    /// records it themselves.
    pub recorded_by: String,
    /// The onward referral's version as read.
    pub expected_version: i64,
}

/// Sends an accepted onward referral to its provider: records the person's sharing consent
/// (in the person's language), writes `Sent` at the expected version, and issues the
/// provider's signed link, returned once.
pub async fn send(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    onward: OnwardReferralId,
    request: Send,
) -> Result<ProviderLink, OnwardError> {
    let Send {
        sharing,
        recorded_by,
        expected_version,
    } = request;
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    // Who recorded the consent, once the case is known to be the caller's to work.
    let recorded_by = match acting_member(db, principal, &recorded_by, Role::LinkWorker).await {
        Ok(id) => id,
        Err(NotActing::Store(e)) => return Err(OnwardError::Store(e)),
        Err(NotActing::Named(problem)) => {
            return Err(OnwardError::Invalid(vec![FieldError::new("recorded_by", problem)]));
        }
        Err(NotActing::Capability) => return Err(OnwardError::NotFound),
    };
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let current = detail_in(&mut tx, principal, clock, patient, case, onward).await?;
    if current.version != expected_version {
        return Err(OnwardError::Conflict {
            state: current.state,
            version: current.version,
        });
    }
    if !current.sendable {
        return Err(OnwardError::Refused(current.state));
    }
    let language = lotse_store::record::profile(&mut tx, scope, access, patient)
        .await?
        .language;
    let consent = Consent {
        id: ConsentId::from_uuid(Uuid::now_v7()),
        programme: scope.programme(),
        patient,
        purpose: ConsentPurpose::ProviderSharing,
        onward_referral: Some(onward),
        shared: sharing.fields,
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        language,
        given_by: sharing.given_by,
        recorded_by,
        given_at: now,
        withdrawn_at: None,
        version: 1,
    };
    lotse_store::person::insert_consents(&mut tx, scope, access, std::slice::from_ref(&consent)).await?;
    let recorded = Recorded {
        event: OnwardReferralEvent::Sent,
        actor: scope.actor().reference(),
        at: now,
    };
    apply(&mut tx, principal, clock, onward, expected_version, recorded).await?;
    let emailed = crate::email::enqueue_link(&mut tx, scope, handle::relays(db), onward, now).await?;
    // The link in the same transaction: sent with its link, or nothing written.
    let issued = crate::capability::issue_in(
        &mut tx,
        clock,
        scope,
        CapabilityPurpose::OnwardReferralAnswer,
        onward.as_uuid(),
        LINK_LIFETIME,
    )
    .await?;
    tx.commit().await?;
    Ok(ProviderLink {
        token: issued.token,
        expires_at: issued.expires_at,
        offer: current.offer,
        emailed,
    })
}

/// What the link worker does with the provider's links of one onward referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkChange {
    /// Stop every working link (the provider lost it, or it reached the wrong person).
    Stop,
    /// Stop every working link and make a new one, returned once.
    Renew,
}

/// Stops the provider's working links of `onward` (each audited as `update` on the capability
/// by the link worker) and, for [`LinkChange::Renew`], issues a new one: only while the
/// provider may still answer through a link (else [`OnwardError::Refused`]). Returns the new
/// link, if one was made.
pub async fn change_links(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    onward: OnwardReferralId,
    change: LinkChange,
) -> Result<Option<ProviderLink>, OnwardError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    let current = detail_in(&mut tx, principal, clock, patient, case, onward).await?;
    if change == LinkChange::Renew && !current.relinkable {
        return Err(OnwardError::Refused(current.state));
    }
    let scope = principal.scope();
    let purpose = CapabilityPurpose::OnwardReferralAnswer;
    stop_links(&mut tx, scope, access(clock, AuditPurpose::Care), onward, now).await?;
    if change == LinkChange::Stop {
        tx.commit().await?;
        return Ok(None);
    }
    // The new link in the same transaction: the old ones stop only if the new one is made.
    let issued = crate::capability::issue_in(&mut tx, clock, scope, purpose, onward.as_uuid(), LINK_LIFETIME).await?;
    tx.commit().await?;
    Ok(Some(ProviderLink {
        token: issued.token,
        expires_at: issued.expires_at,
        offer: current.offer,
        emailed: false,
    }))
}

/// Stops (revokes) the working provider links of one onward referral, audited as one update of
/// the capabilities by the scope's actor (none: no entry). The link worker's "stop" and "renew"
/// and the follow-up job's lapse.
pub(crate) async fn stop_links(
    tx: &mut Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    access: lotse_store::audit::Access,
    onward: OnwardReferralId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    stop_links_of(tx, scope, access, &[onward], now).await
}

/// Stops every provider link still working for the case's onward referrals, in one audit
/// entry listing the links stopped (none: no entry): closing a case ends what providers may
/// read and answer through a link; their answers by account or phone stay as they were.
pub(crate) async fn stop_case_links(
    tx: &mut Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    access: lotse_store::audit::Access,
    case: CaseId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let onwards = lotse_store::referral::onward_of_case(tx, scope, case).await?;
    stop_links_of(tx, scope, access, &onwards, now).await
}

/// Revokes the working provider links of `onwards`; one audit entry lists those stopped.
async fn stop_links_of(
    tx: &mut Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    access: lotse_store::audit::Access,
    onwards: &[OnwardReferralId],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let purpose = CapabilityPurpose::OnwardReferralAnswer;
    let mut stopped = Vec::new();
    for onward in onwards {
        for link in lotse_store::capability::working_for_object(tx, scope, purpose, onward.as_uuid(), now).await? {
            if lotse_store::capability::revoke(tx, scope, link.id, now).await? {
                stopped.push(link.id.as_uuid());
            }
        }
    }
    lotse_store::audit::record(
        tx,
        scope,
        access,
        lotse_domain::audit::AuditAction::Update,
        ObjectKind::Capability,
        stopped,
    )
    .await
}

/// Applies one event at `expected_version`, turning the store's refusals into this module's.
async fn apply(
    tx: &mut Tx,
    principal: &Principal,
    clock: &dyn Clock,
    onward: OnwardReferralId,
    expected_version: i64,
    recorded: Recorded<OnwardReferralEvent>,
) -> Result<OnwardReferralState, OnwardError> {
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let at = recorded.at;
    match lotse_store::referral::apply_onward(tx, scope, access, onward, expected_version, recorded).await {
        Ok((status, _)) => {
            if status.state == OnwardReferralState::Attending {
                connect(tx, principal, access, onward, at).await?;
            }
            Ok(status.state)
        }
        Err(StoreError::Conflict { .. }) => {
            let (status, version) = lotse_store::referral::get_onward(tx, scope, onward).await?;
            Err(OnwardError::Conflict {
                state: status.state,
                version,
            })
        }
        Err(StoreError::Transition(_)) => {
            let (status, _) = lotse_store::referral::get_onward(tx, scope, onward).await?;
            Err(OnwardError::Refused(status.state))
        }
        Err(e) => Err(e.into()),
    }
}

/// The person attends an offer: the referral of the case, where its plan was agreed, becomes
/// `connected` (written by whoever recorded the attendance, in the same transaction). A
/// referral connected already, or not as far, stays as it is.
async fn connect(
    tx: &mut Tx,
    principal: &Principal,
    access: lotse_store::audit::Access,
    onward: OnwardReferralId,
    at: OffsetDateTime,
) -> Result<(), OnwardError> {
    let scope = principal.scope();
    let case = lotse_store::referral::case_of_onward(tx, scope, onward).await?;
    let (patient, _) = lotse_store::relation::of_case(tx, scope, case, at).await?;
    for (id, _) in lotse_store::record::open_referrals(tx, scope, patient).await? {
        let record = lotse_store::referral::get(tx, scope, id).await?;
        if record.case == Some(case) && record.status.state == ReferralState::PlanAgreed {
            let recorded = Recorded {
                event: ReferralEvent::Connected,
                actor: scope.actor().reference(),
                at,
            };
            lotse_store::referral::apply(tx, scope, access, id, record.version, recorded).await?;
        }
    }
    Ok(())
}

/// Records a provider's answer the link worker received (by phone, or from the person who
/// contacted the offer on their own): channel `recorded_by_link_worker`.
pub async fn record_answer(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    onward: OnwardReferralId,
    answer: ProviderAnswer,
    expected_version: i64,
) -> Result<OnwardReferralState, OnwardError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    if lotse_store::referral::case_of_onward(&mut tx, principal.scope(), onward).await? != case {
        return Err(OnwardError::NotFound);
    }
    let recorded = Recorded {
        event: answer.event(AnswerChannel::RecordedByLinkWorker),
        actor: principal.scope().actor().reference(),
        at: now,
    };
    let state = apply(&mut tx, principal, clock, onward, expected_version, recorded).await?;
    tx.commit().await?;
    Ok(state)
}

/// A provider's answer from its account (channel `provider_account`): only for an onward
/// referral shared with the provider's organisation now (`Action::AnswerOnwardReferral`: sent
/// to one of its offers, with an active sharing consent); anything else is
/// [`OnwardError::NotFound`], the denial audited. The first attendance connects the case's
/// referral, as through the other channels.
pub async fn answer_as_provider(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    onward: OnwardReferralId,
    answer: ProviderAnswer,
    expected_version: i64,
) -> Result<OnwardReferralState, OnwardError> {
    let now = clock.now();
    let scope = principal.scope();
    let mut tx = handle::store(db).begin().await?;
    let case = match lotse_store::referral::case_of_onward(&mut tx, scope, onward).await {
        Ok(case) => Some(case),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let relations = match case {
        Some(case) => Some(lotse_store::relation::of_case(&mut tx, scope, case, now).await?.1),
        None => None,
    };
    let allowed = relations.as_ref().is_some_and(|r| {
        principal
            .decide(
                Action::AnswerOnwardReferral,
                Subject::OnwardReferral(scope.programme(), onward, r),
            )
            .is_allowed()
    });
    if !allowed {
        return Err(
            crate::access::deny(tx, principal, now, ObjectKind::OnwardReferral, onward.as_uuid())
                .await
                .into(),
        );
    }
    let recorded = Recorded {
        event: answer.event(AnswerChannel::ProviderAccount),
        actor: scope.actor().reference(),
        at: now,
    };
    let state = apply(&mut tx, principal, clock, onward, expected_version, recorded).await?;
    tx.commit().await?;
    Ok(state)
}

/// What a provider's signed link shows: the offer, who sent the person, where the referral
/// stands, and of the person only what they consented to share.
#[derive(Debug, Clone)]
pub struct ProviderView {
    /// The offer's title.
    pub offer: String,
    /// The provider's name.
    pub provider: String,
    /// The link facility that sent the person: its name and phone.
    pub facility: Option<(String, Option<String>)>,
    /// Where it stands.
    pub state: OnwardReferralState,
    /// Its version (sent back with the answer).
    pub version: i64,
    /// The answers possible now through the link.
    pub answers: Vec<ProviderAnswer>,
    /// The shared details (each `None` where not consented; all `None` once the consent is
    /// withdrawn).
    pub person: SharedDetails,
}

/// The person's details a provider may see: each only where the sharing consent names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedDetails {
    /// Given and family name.
    pub name: Option<String>,
    /// Phone (`Some("")`: consented, but the person gave none).
    pub phone: Option<String>,
    /// The person's language (a BCP 47 tag).
    pub language: Option<String>,
    /// The need domains (codes) of the prescriptions that led to the case.
    pub needs: Option<Vec<String>>,
}

/// The onward referral behind a verified signed link (`principal` is the capability).
fn onward_of(principal: &Principal) -> Result<OnwardReferralId, OnwardError> {
    let Principal::Capability { capability, .. } = principal else {
        return Err(OnwardError::NotFound);
    };
    if capability.purpose() != CapabilityPurpose::OnwardReferralAnswer {
        return Err(OnwardError::NotFound);
    }
    Ok(OnwardReferralId::from_uuid(capability.object()))
}

/// What the signed link shows (reads audited as the capability).
pub async fn by_link(db: &impl Handle, clock: &dyn Clock, principal: &Principal) -> Result<ProviderView, OnwardError> {
    let onward = onward_of(principal)?;
    let mut tx = handle::store(db).begin_read().await?;
    let view = view_in(&mut tx, clock, principal, onward).await?;
    tx.commit().await?;
    Ok(view)
}

async fn view_in(
    tx: &mut Tx,
    clock: &dyn Clock,
    principal: &Principal,
    onward: OnwardReferralId,
) -> Result<ProviderView, OnwardError> {
    let scope = principal.scope();
    let now = clock.now();
    let access = access(clock, AuditPurpose::Care);
    // The line carries its case, so the page needs no read of its own for it.
    let line = lotse_store::record::onward_referral(tx, scope, access, onward)
        .await?
        .ok_or(OnwardError::NotFound)?;
    let case = line.case;
    // Only the facts this page shows: who the person is, whether erased, and who sent them.
    let holder = lotse_store::relation::case_holder(tx, scope, case).await?;
    let state = state_of(&line)?;
    let facility = holder.facility.map(|f| (f.name, f.phone));
    let mut person = SharedDetails::default();
    if !holder.erased {
        let sharing = lotse_store::record::sharing_consent(tx, scope, access, holder.patient, onward).await?;
        if let Some(sharing) = sharing.filter(|c| c.is_active_at(now)) {
            // The need domains shared are those of the case's own prescriptions: the
            // practices that prescribed it come from the person's relationship facts.
            let practices: Vec<OrganisationId> = if sharing.shared.contains(&SharedField::Needs) {
                let (_, relations) = lotse_store::relation::of_case(tx, scope, case, now).await?;
                relations
                    .links
                    .iter()
                    .filter(|l| l.kind == LinkKind::Prescribed && l.case == Some(case))
                    .map(|l| l.organisation)
                    .collect()
            } else {
                Vec::new()
            };
            person = shared_details(tx, principal, access, holder.patient, &practices, &sharing.shared).await?;
        }
    }
    Ok(ProviderView {
        offer: line.offer,
        provider: line.provider,
        facility,
        state,
        version: line.version,
        answers: ProviderAnswer::possible(state, AnswerChannel::SignedLink),
        person,
    })
}

/// Reads only the consented details (the identity read is audited; nothing is read for a
/// consent that shares neither name nor phone).
async fn shared_details(
    tx: &mut Tx,
    principal: &Principal,
    access: lotse_store::audit::Access,
    patient: PatientId,
    practices: &[OrganisationId],
    fields: &[SharedField],
) -> Result<SharedDetails, OnwardError> {
    let scope = principal.scope();
    let mut person = SharedDetails::default();
    if fields.contains(&SharedField::Name) || fields.contains(&SharedField::Phone) {
        let identity = lotse_store::person::get_identity(tx, scope, access, patient).await?;
        if fields.contains(&SharedField::Name) {
            person.name = Some(format!("{} {}", identity.given_name, identity.family_name));
        }
        if fields.contains(&SharedField::Phone) {
            person.phone = Some(identity.phone.unwrap_or_default());
        }
    }
    if fields.contains(&SharedField::Languages) {
        person.language = Some(lotse_store::record::profile(tx, scope, access, patient).await?.language);
    }
    if fields.contains(&SharedField::Needs) {
        let prescriptions = lotse_store::record::prescriptions(tx, scope, access, patient).await?;
        let mut needs: Vec<String> = Vec::new();
        let of_case = prescriptions
            .iter()
            .filter(|p| practices.iter().any(|o| o.as_uuid() == p.practice_id));
        for p in of_case {
            for need in p.need_domains.split(',').filter(|n| !n.is_empty()) {
                if !needs.iter().any(|n| n == need) {
                    needs.push(need.to_owned());
                }
            }
        }
        person.needs = Some(needs);
    }
    Ok(person)
}

/// The provider's answer through its signed link (channel `signed_link`, written as the
/// capability) at `expected_version`. The link is used up when the answer ends the onward
/// referral's course (declined, did not attend, stopped); until then it serves the next answer.
pub async fn answer_by_link(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    answer: ProviderAnswer,
    expected_version: i64,
) -> Result<OnwardReferralState, OnwardError> {
    let onward = onward_of(principal)?;
    let Principal::Capability { capability, .. } = principal else {
        return Err(OnwardError::NotFound);
    };
    let now = clock.now();
    let mut tx = handle::store(db).begin().await?;
    // Revoked or expired since the route checked it: refused like any link that does not work.
    let usable = lotse_store::capability::get(&mut tx, principal.scope(), capability.id())
        .await?
        .is_some_and(|c| c.revoked_at.is_none() && c.used_at.is_none() && now < c.expires_at);
    if !usable {
        return Err(OnwardError::NotFound);
    }
    let recorded = Recorded {
        event: answer.event(AnswerChannel::SignedLink),
        actor: principal.scope().actor().reference(),
        at: now,
    };
    let state = apply(&mut tx, principal, clock, onward, expected_version, recorded).await?;
    if state.is_final() && !crate::capability::redeem(&mut tx, now, capability).await? {
        return Err(OnwardError::NotFound);
    }
    tx.commit().await?;
    Ok(state)
}
