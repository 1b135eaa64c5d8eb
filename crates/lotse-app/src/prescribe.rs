//! The prescriber's minute: register a person (or choose one the practice prescribed for
//! before), record the consents given, issue the prescription; the practice's board; the
//! prescription page and the content of its sheet.
//!
//! One transaction writes the person (if new), the consents, the prescription and its sealed
//! reason, and — with transfer consent — the case at the chosen link facility and the referral
//! with its `referral.issued` event; each with its audit entries. Without transfer consent the
//! prescription stays in the practice: no case, no referral, nothing the link facility sees.
//!
//! The link facility is one of the programme's link facilities; where the practices do the
//! link work themselves (`LinkWorkModel::PracticeNavigator`, Norddjurs) it is the prescriber's
//! own practice, chosen when none is given, and no other organisation is accepted. Asked for
//! the suggestion (`SUGGEST_FACILITY`, the form's first choice), the use case takes the first
//! of `facility_choice::rank` for the person's age band and home postcode: a facility for
//! their age group, nearest first (the practice itself in the navigator model).
//!
//! Duplicates: a new person's blind index is compared with the programme's. People the
//! practice prescribed for before are offered to choose ([`PrescribeError::PossibleDuplicates`]);
//! others are never shown to the practice (that would reveal who is in the programme): the new
//! person is registered, and the equal blind index remains for the coordinator.

use lotse_domain::area::PostcodeCode;
use lotse_domain::audit::AuditPurpose;
use lotse_domain::calendar::{HolidayCalendar, WorkingDays};
use lotse_domain::case::Case;
use lotse_domain::consent::{Consent, ConsentPurpose};
use lotse_domain::facility_choice;
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, ConsentId, OrganisationId, PatientId, PrescriptionId, ReferralId};
use lotse_domain::message_back::{ScoreChange, ScoredResponse, score_changes};
use lotse_domain::need::NeedDomain;
use lotse_domain::onward_referral::OnwardReferralState;
use lotse_domain::organisation::{OrganisationContact, OrganisationKind};
use lotse_domain::patient::{PatientProfile, age_band};
use lotse_domain::policy::{Action, Decision, Subject};
use lotse_domain::prescribing::{
    CONSENT_TEXT_VERSION, PrescriptionInput, PrescriptionRequest, Registration, RegistrationInput,
};
use lotse_domain::prescription::{Prescription, PrescriptionCode, ReferralSource};
use lotse_domain::programme::{LinkWorkModel, Programme};
use lotse_domain::questionnaire::{Instrument, Timepoint};
use lotse_domain::referral::{ClosingReason, ReferralEvent};
use lotse_store::StoreError;
pub use lotse_store::board::{BoardPage, BoardRow};
use lotse_store::person::NewPatient;
use lotse_store::referral::{NewReferral, Recorded};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{AccessError, access, relations_of};
use crate::acting::{NotActing, acting_member};
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// Why a prescription was not issued (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum PrescribeError {
    /// Only a prescriber of a practice prescribes; or the person chosen is not one of the
    /// practice's (indistinguishable from an unknown id).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// People the practice prescribed for before have this name and birth date: choose one,
    /// or confirm that this is someone else.
    #[error("{} possible duplicates", .0.len())]
    PossibleDuplicates(Vec<KnownPerson>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for PrescribeError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<AccessError> for PrescribeError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Store(s) => Self::Store(s),
            _ => Self::NotFound,
        }
    }
}

/// A person the practice already knows (offered when a new registration matches them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPerson {
    /// Their id (send it back as `patient` to prescribe for them).
    pub patient: PatientId,
    /// Name as shown.
    pub name: String,
    /// Birth date.
    pub birth_date: Date,
}

/// What the prescriber sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrescribeForm {
    /// A person the practice prescribed for before (then `person` is ignored).
    pub patient: Option<PatientId>,
    /// A new person.
    pub person: RegistrationInput,
    /// Register as a new person even though the practice knows someone of that name and
    /// birth date.
    pub confirmed_new: bool,
    /// The prescription and consents.
    pub prescription: PrescriptionInput,
    /// For an API client (a practice's software): the username of the prescriber who
    /// prescribes, a prescriber of the client's practice. A signed-in member prescribes as
    /// themself and this is ignored.
    pub prescriber: String,
}

/// What was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prescribed {
    /// The prescription.
    pub prescription: PrescriptionId,
    /// Its code.
    pub code: PrescriptionCode,
    /// The person.
    pub patient: PatientId,
    /// The case at the link facility (with transfer consent).
    pub case: Option<CaseId>,
    /// The referral (with transfer consent).
    pub referral: Option<ReferralId>,
}

/// What the prescription form offers: the programme's link facilities and need domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormChoices {
    /// Link facilities (id, name), by name.
    pub facilities: Vec<(OrganisationId, String)>,
    /// Need domains in taxonomy order.
    pub need_domains: Vec<NeedDomain>,
}

fn practice_of(principal: &Principal) -> Result<OrganisationId, PrescribeError> {
    let allowed = principal.decide(Action::Prescribe, Subject::Programme(principal.scope().programme()));
    match (
        allowed,
        principal
            .membership()
            .and_then(lotse_domain::user::Membership::organisation),
    ) {
        (Decision::Allow(_), Some(org)) => Ok(org),
        _ => Err(PrescribeError::NotFound),
    }
}

/// The choices of the prescription form (for a prescriber only).
/// In a programme whose practices do the link work themselves
/// ([`LinkWorkModel::PracticeNavigator`]), the practice is the only choice; else the
/// programme's link facilities.
pub async fn form_choices(db: &impl Handle, principal: &Principal) -> Result<FormChoices, PrescribeError> {
    let practice = practice_of(principal)?;
    let programme = lotse_store::programme::get(handle::store(db), principal.scope().programme()).await?;
    let mut tx = handle::store(db).begin_read().await?;
    let facilities = match programme.link_work_model {
        LinkWorkModel::PracticeNavigator => {
            let (name, _) = lotse_store::directory::get_organisation(&mut tx, principal.scope(), practice).await?;
            vec![(practice, name)]
        }
        LinkWorkModel::LinkFacility => lotse_store::directory::link_facilities(&mut tx, principal.scope()).await?,
    };
    tx.commit().await?;
    Ok(FormChoices {
        facilities,
        need_domains: NeedDomain::ALL.to_vec(),
    })
}

/// The programme's date at `now` (its time zone).
pub(crate) fn programme_date(programme: &Programme, now: OffsetDateTime) -> Date {
    // The holiday calendar does not matter for a date; an unknown zone falls back to UTC.
    WorkingDays::new(HolidayCalendar::WeekendsOnly, &programme.time_zone).map_or(now.date(), |w| w.local_date(now))
}

fn random_code() -> PrescriptionCode {
    let mut values = [0u32; lotse_domain::prescription::CODE_DATA_LEN];
    for v in &mut values {
        *v = rand::random_range(0..29);
    }
    PrescriptionCode::from_values(values)
}

/// The prescriber who prescribes: the signed-in member; for an API client, the prescriber of
/// its practice it names (`form.prescriber`; else the field is wrong). A capability never
/// prescribes.
async fn prescriber_of(
    db: &impl Handle,
    principal: &Principal,
    form: &PrescribeForm,
) -> Result<lotse_domain::id::UserId, PrescribeError> {
    acting_member(db, principal, &form.prescriber, lotse_domain::user::Role::Prescriber)
        .await
        .map_err(|e| match e {
            NotActing::Capability => PrescribeError::NotFound,
            NotActing::Named(problem) => PrescribeError::Invalid(vec![FieldError {
                field: "prescriber".into(),
                problem,
            }]),
            NotActing::Store(e) => PrescribeError::Store(e),
        })
}

/// Issues a prescription (see the module documentation). Every wrong field is named at once;
/// a person chosen who is not the practice's is [`PrescribeError::NotFound`] (audited as a
/// denial); a new person matching people the practice knows is
/// [`PrescribeError::PossibleDuplicates`] unless `confirmed_new`.
pub async fn prescribe(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    form: &PrescribeForm,
) -> Result<Prescribed, PrescribeError> {
    let practice = practice_of(principal)?;
    let prescriber = prescriber_of(db, principal, form).await?;
    let now = clock.now();
    let programme = lotse_store::programme::get(handle::store(db), principal.scope().programme()).await?;
    let today = programme_date(&programme, now);
    let scope = principal.scope();
    let navigator = programme.link_work_model == LinkWorkModel::PracticeNavigator;
    // Where the practice does the link work itself, the referral goes to the practice.
    let mut prescription_input = form.prescription.clone();
    if navigator && prescription_input.link_facility.trim().is_empty() {
        prescription_input.link_facility = practice.to_string();
    }
    let registration = match form.patient {
        Some(_) => None,
        None => Some(Registration::parse(&form.person, today)),
    };
    let request = PrescriptionRequest::parse(&prescription_input);
    let mut errors = Vec::new();
    let registration = match registration {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            errors.extend(e);
            None
        }
        None => None,
    };
    let request = match request {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let Some(mut request) = request.filter(|_| errors.is_empty()) else {
        return Err(PrescribeError::Invalid(errors));
    };
    let access = access(clock, AuditPurpose::Care);
    let mut tx = handle::store(db).begin().await?;
    if let Some(facility) = request.link_facility {
        match lotse_store::directory::get_organisation(&mut tx, scope, facility).await {
            Ok((_, OrganisationKind::LinkFacility)) if !navigator => {}
            Ok((_, OrganisationKind::Practice)) if navigator && facility == practice => {}
            Ok(_) | Err(StoreError::NotFound { .. }) => errors.push(FieldError {
                field: "link_facility".into(),
                problem: FieldProblem::UnknownCode,
            }),
            Err(e) => return Err(e.into()),
        }
    }
    let home = match home_postcode(&mut tx, scope, registration.as_ref()).await? {
        Ok(home) => home,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(PrescribeError::Invalid(errors));
    }
    // The person: chosen among the practice's, or new; with their age band and home, which
    // the facility suggestion reads.
    let (patient, language, band, home_point) = match (form.patient, &registration) {
        (Some(chosen), _) => {
            let known = match relations_of(&mut tx, principal, chosen, now).await? {
                Some(relations) => principal
                    .decide(Action::Prescribe, Subject::Person(scope.programme(), &relations))
                    .is_allowed(),
                None => false,
            };
            if !known {
                return Err(crate::access::deny(
                    tx,
                    principal,
                    now,
                    lotse_domain::audit::ObjectKind::Patient,
                    chosen.as_uuid(),
                )
                .await
                .into());
            }
            let profile = lotse_store::record::profile(&mut tx, scope, access, chosen).await?;
            let home_point = match profile.home_postcode.as_deref().map(PostcodeCode::parse) {
                Some(Ok(code)) => lotse_store::postcode::find_postcode(&mut tx, scope, &code)
                    .await?
                    .map(|p| p.centroid),
                _ => None,
            };
            (chosen, profile.language, Some(profile.age_band), home_point)
        }
        (None, Some(reg)) => {
            if !form.confirmed_new {
                let known = known_people(&mut tx, principal, reg, now).await?;
                if !known.is_empty() {
                    // Nothing is written yet but the audit entries of the names shown: they
                    // are kept.
                    tx.commit().await?;
                    return Err(PrescribeError::PossibleDuplicates(known));
                }
            }
            let new = new_patient(scope, reg, home.as_ref(), today);
            let id = new.profile.id;
            lotse_store::person::insert_patients(&mut tx, scope, access, std::slice::from_ref(&new)).await?;
            (
                id,
                reg.language.clone(),
                Some(new.profile.age_band.clone()),
                home.as_ref().map(|p| p.centroid),
            )
        }
        (None, None) => return Err(PrescribeError::NotFound),
    };
    if request.suggest_facility {
        // The practice itself where it does the link work; else the first of the suggestion.
        request.link_facility = if navigator {
            Some(practice)
        } else {
            let places = lotse_store::directory::link_facility_places(&mut tx, scope).await?;
            facility_choice::rank(&places, home_point, band.as_deref())
                .first()
                .map(|r| r.id)
        };
        if request.link_facility.is_none() {
            // No link facility in the programme: nothing is written (the transaction is dropped).
            return Err(PrescribeError::Invalid(vec![FieldError {
                field: "link_facility".into(),
                problem: FieldProblem::Required,
            }]));
        }
    }
    let mut consents = Vec::new();
    for (given, purpose) in [
        (request.transfer, ConsentPurpose::Transfer),
        (request.care, ConsentPurpose::Care),
        (request.research, ConsentPurpose::Research),
    ] {
        if given {
            consents.push(Consent {
                id: ConsentId::from_uuid(Uuid::now_v7()),
                programme: scope.programme(),
                patient,
                purpose,
                onward_referral: None,
                shared: Vec::new(),
                text_version: CONSENT_TEXT_VERSION.to_owned(),
                language: language.clone(),
                given_by: request.given_by,
                recorded_by: prescriber,
                given_at: now,
                withdrawn_at: None,
                version: 1,
            });
        }
    }
    lotse_store::person::insert_consents(&mut tx, scope, access, &consents).await?;
    let code = loop {
        let code = random_code();
        if lotse_store::record::find_by_code(&mut tx, scope, &code.compact())
            .await?
            .is_none()
        {
            break code;
        }
    };
    let prescription = Prescription {
        id: PrescriptionId::from_uuid(Uuid::now_v7()),
        programme: scope.programme(),
        code: code.clone(),
        patient,
        practice,
        prescriber,
        need_domains: request.need_domains.clone(),
        issued_at: now,
        urgency: request.urgency,
        link_facility: request.link_facility,
    };
    lotse_store::person::insert_prescriptions(&mut tx, scope, access, std::slice::from_ref(&prescription)).await?;
    if let Some(reason) = &request.reason {
        lotse_store::person::insert_prescription_reason(&mut tx, scope, prescription.id, reason).await?;
    }
    let (mut case_id, mut referral_id) = (None, None);
    if let Some(facility) = request.link_facility.filter(|_| request.transfer) {
        let case = Case {
            id: CaseId::from_uuid(Uuid::now_v7()),
            programme: scope.programme(),
            patient,
            link_facility: facility,
            opened_at: now,
        };
        lotse_store::person::insert_cases(&mut tx, scope, access, std::slice::from_ref(&case)).await?;
        let referral = NewReferral {
            id: ReferralId::from_uuid(Uuid::now_v7()),
            prescription: Some(prescription.id),
            case: Some(case.id),
            patient,
            source: ReferralSource::Prescriber,
            history: vec![Recorded {
                event: ReferralEvent::Issued {
                    link_facility: facility,
                },
                actor: scope.actor().reference(),
                at: now,
            }],
        };
        lotse_store::referral::insert_many(&mut tx, scope, access, std::slice::from_ref(&referral)).await?;
        case_id = Some(case.id);
        referral_id = Some(referral.id);
    }
    tx.commit().await?;
    Ok(Prescribed {
        prescription: prescription.id,
        code,
        patient,
        case: case_id,
        referral: referral_id,
    })
}

/// The registration's postcode looked up in the programme's table: none given is `None`; one
/// the programme does not know is a field error on `postcode`.
pub(crate) async fn home_postcode(
    tx: &mut lotse_store::Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    registration: Option<&Registration>,
) -> Result<Result<Option<lotse_domain::area::Postcode>, FieldError>, StoreError> {
    let Some(code) = registration.and_then(|r| r.postcode.as_deref()) else {
        return Ok(Ok(None));
    };
    let found = match PostcodeCode::parse(code) {
        Ok(code) => lotse_store::postcode::find_postcode(tx, scope, &code).await?,
        Err(_) => None,
    };
    Ok(found.map(Some).ok_or(FieldError {
        field: "postcode".into(),
        problem: FieldProblem::UnknownPostcode,
    }))
}

/// A new person from a registration: the profile (age band on `today`, home from the postcode)
/// and the identity.
pub(crate) fn new_patient(
    scope: &lotse_domain::actor::ProgrammeScope,
    reg: &Registration,
    home: Option<&lotse_domain::area::Postcode>,
    today: time::Date,
) -> NewPatient {
    NewPatient {
        profile: PatientProfile {
            id: PatientId::from_uuid(Uuid::now_v7()),
            programme: scope.programme(),
            age_band: age_band(reg.identity.birth_date, today).to_owned(),
            gender: reg.gender,
            language: reg.language.clone(),
            home_postcode: home.map(|p| p.code.as_str().to_owned()),
            home_area: home.and_then(|p| p.areas.last().map(|(_, area)| *area)),
            languages: reg.languages.clone(),
        },
        identity: reg.identity.clone(),
    }
}

/// The people the practice prescribed for before whose blind index equals the new person's,
/// with their names (an audited read of those people only).
async fn known_people(
    tx: &mut lotse_store::Tx,
    principal: &Principal,
    registration: &Registration,
    now: OffsetDateTime,
) -> Result<Vec<KnownPerson>, PrescribeError> {
    let scope = principal.scope();
    let mut known = Vec::new();
    for candidate in lotse_store::person::possible_duplicates(tx, scope, &registration.identity).await? {
        let Some(relations) = relations_of(tx, principal, candidate, now).await? else {
            continue;
        };
        if principal
            .decide(Action::Prescribe, Subject::Person(scope.programme(), &relations))
            .is_allowed()
        {
            let identity = lotse_store::person::get_identity(
                tx,
                scope,
                lotse_store::audit::Access {
                    at: now,
                    purpose: AuditPurpose::Care,
                },
                candidate,
            )
            .await?;
            known.push(KnownPerson {
                patient: candidate,
                name: format!("{} {}", identity.given_name, identity.family_name),
                birth_date: identity.birth_date,
            });
        }
    }
    Ok(known)
}

/// The practice's board: its prescriptions, newest change first, at most `limit`; with
/// `after`, the page that follows that prescription (the id the previous page ended with).
pub async fn board(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    after: Option<PrescriptionId>,
    limit: i64,
) -> Result<BoardPage, PrescribeError> {
    let practice = practice_of(principal)?;
    let mut tx = handle::store(db).begin_read().await?;
    let page = lotse_store::board::for_practice(
        &mut tx,
        principal.scope(),
        access(clock, AuditPurpose::Care),
        practice,
        after.map_or(lotse_store::board::Slice::First, lotse_store::board::Slice::After),
        limit,
    )
    .await?;
    tx.commit().await?;
    Ok(page)
}

/// One prescription as its practice sees it: the board row, the facility's name and contact
/// details (for the sheet), and the referral's timeline (oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct PrescriptionView {
    /// The row.
    pub row: BoardRow,
    /// The code, printed form.
    pub code: PrescriptionCode,
    /// The person's language (the sheet's).
    pub language: String,
    /// The practice's name.
    pub practice_name: String,
    /// The facility it lies with now (name and contact), if it left the practice.
    pub facility: Option<(String, OrganisationContact)>,
    /// The referral's events: (when, kind), oldest first.
    pub timeline: Vec<(OffsetDateTime, String)>,
    /// Once the case is closed: the message back to the practice.
    pub message_back: Option<MessageBack>,
    /// The consents the person had given when it was issued and has not withdrawn (transfer,
    /// care, research; in that order), each with the version of its text, for the sheet.
    pub consents: Vec<(ConsentPurpose, String)>,
}

/// The message back to the practice when its prescription's case closed (see
/// [`lotse_domain::message_back`]): why and when, what was agreed, what came of the offers the
/// person agreed to, and the outcome scores with their change.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageBack {
    /// When the case was closed.
    pub closed_at: OffsetDateTime,
    /// Why.
    pub reason: ClosingReason,
    /// The goals of the latest plan, in the person's words (none without a plan).
    pub goals: Vec<String>,
    /// The offers the person agreed to, oldest first: (title, provider, where it ended up).
    pub offers: Vec<(String, String, OnwardReferralState)>,
    /// Each instrument's baseline and follow-up score and their change.
    pub scores: Vec<ScoreChange>,
}

/// The message back of a closed case: its plan (one audited read of the case), its onward
/// referrals and its scored responses (each read audited).
async fn message_back(
    tx: &mut lotse_store::Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    access: lotse_store::audit::Access,
    case: CaseId,
    closed_at: OffsetDateTime,
    reason: ClosingReason,
) -> Result<MessageBack, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(what.to_owned());
    let goals = lotse_store::action_plan::versions(tx, scope, access, case)
        .await?
        .into_iter()
        .next()
        .map(|plan| plan.content.goals)
        .unwrap_or_default();
    let mut offers = Vec::new();
    for line in lotse_store::record::onward_referrals_of_case(tx, scope, access, case).await? {
        let state = OnwardReferralState::from_codes(&line.state, line.end_reason.as_deref())
            .ok_or_else(|| corrupt("onward referral state"))?;
        if !matches!(
            state,
            OnwardReferralState::Proposed | OnwardReferralState::DeclinedByPerson
        ) {
            offers.push((line.offer, line.provider, state));
        }
    }
    let mut responses = Vec::new();
    for (instrument, timepoint, answered_at, score) in lotse_store::record::case_scores(tx, scope, access, case).await?
    {
        responses.push(ScoredResponse {
            instrument: Instrument::from_code(&instrument).ok_or_else(|| corrupt("instrument"))?,
            timepoint: Timepoint::from_code(&timepoint).ok_or_else(|| corrupt("timepoint"))?,
            answered_at,
            score,
        });
    }
    Ok(MessageBack {
        closed_at,
        reason,
        goals,
        offers,
        scores: score_changes(&responses),
    })
}

/// The prescription page (and the sheet's content): only the issuing practice's prescribers.
pub async fn view(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    id: PrescriptionId,
) -> Result<PrescriptionView, PrescribeError> {
    let practice = practice_of(principal)?;
    let now = clock.now();
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let mut tx = handle::store(db).begin_read().await?;
    let page =
        lotse_store::board::for_practice(&mut tx, scope, access, practice, lotse_store::board::Slice::Only(id), 1)
            .await?;
    let Some(row) = page.rows.into_iter().next() else {
        return Err(crate::access::deny(
            tx,
            principal,
            now,
            lotse_domain::audit::ObjectKind::Prescription,
            id.as_uuid(),
        )
        .await
        .into());
    };
    let code = PrescriptionCode::parse(&row.code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let profile = lotse_store::record::profile(&mut tx, scope, access, row.patient).await?;
    let given = lotse_store::record::consents(&mut tx, scope, access, row.patient).await?;
    let consents = [ConsentPurpose::Transfer, ConsentPurpose::Care, ConsentPurpose::Research]
        .into_iter()
        .filter_map(|purpose| {
            given
                .iter()
                .filter(|c| c.purpose == purpose && c.withdrawn_at.is_none() && c.given_at <= row.issued_at)
                .max_by_key(|c| c.given_at)
                .map(|c| (purpose, c.text_version.clone()))
        })
        .collect();
    let (practice_name, _) = lotse_store::directory::get_organisation(&mut tx, scope, practice).await?;
    let facility = match row.link_facility {
        Some(f) => {
            let (name, _) = lotse_store::directory::get_organisation(&mut tx, scope, f).await?;
            Some((
                name,
                lotse_store::directory::organisation_contact(&mut tx, scope, f).await?,
            ))
        }
        None => None,
    };
    let timeline = match row.referral {
        Some(r) => lotse_store::event::list_stream(&mut tx, scope, "referral", r.as_uuid())
            .await?
            .into_iter()
            .map(|e| (e.occurred_at, e.kind))
            .collect(),
        None => Vec::new(),
    };
    let closing = row.closing_reason.as_deref().and_then(ClosingReason::from_code);
    let message_back = match (row.state.as_deref(), row.case, closing) {
        (Some("closed"), Some(case), Some(reason)) => {
            Some(message_back(&mut tx, scope, access, case, row.updated_at, reason).await?)
        }
        _ => None,
    };
    tx.commit().await?;
    Ok(PrescriptionView {
        row,
        code,
        language: profile.language,
        practice_name,
        facility,
        timeline,
        message_back,
        consents,
    })
}
