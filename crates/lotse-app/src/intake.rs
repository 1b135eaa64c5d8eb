//! Intake at the link facility: a person who comes without a prescription (on their own, sent
//! by social services or by a pharmacy) is registered by a link worker ([`Action::RegisterReferral`]):
//! the person with minimal data, their consent to be accompanied (care; research optional),
//! a case at the worker's facility and a referral with its source, issued and accepted at once
//! (the facility takes the person on as it registers them), all in one transaction.
//!
//! A person who brings a prescription sheet the practice could not send (no transfer consent at
//! the practice) is taken on with source `prescriber`: the link worker enters the sheet's code
//! and the person's name and birth date, and the person gives their own transfer consent here.
//! The code alone opens nothing: only a prescription of the programme with that code whose
//! person has the same blind index (normalised name and birth date) is taken, and an unknown
//! code and another person's code are refused alike ([`FieldProblem::CodeNotForPerson`]; a
//! mismatch with an existing code is audited as a denied access to that prescription). The
//! referral is made from the prescription, for the person the practice registered (no second
//! record), so the practice's board follows it and the link worker reads its reason. A
//! prescription that reached a facility already is refused ([`FieldProblem::AlreadyReferred`]).
//!
//! Duplicates: a new person's blind index (normalised name and birth date) is compared with
//! the programme's; people the facility already holds are offered to open instead
//! ([`Intake::PossibleDuplicates`], each name shown an audited read), unless the link worker
//! confirms a new person. Others are never shown (that would reveal who is in the programme).

use lotse_domain::audit::AuditPurpose;
use lotse_domain::case::Case;
use lotse_domain::consent::{Consent, ConsentGiver, ConsentPurpose};
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, ConsentId, OrganisationId, PatientId, PrescriptionId, ReferralId, UserId};
use lotse_domain::policy::{Action, Decision, LinkKind, Subject};
use lotse_domain::prescribing::{CONSENT_TEXT_VERSION, Registration, RegistrationInput};
use lotse_domain::prescription::{PrescriptionCode, ReferralSource};
use lotse_domain::referral::ReferralEvent;
use lotse_domain::user::Role;
use lotse_store::referral::{NewReferral, Recorded};
use uuid::Uuid;

use crate::access::{access, relations_of};
use crate::acting::{NotActing, acting_member};
use crate::clock::Clock;
use crate::handle::{self, Handle};
use crate::prescribe::{home_postcode, new_patient, programme_date};
use crate::principal::Principal;
use crate::referral_work::WorkError;

/// The sources of a person taken on anew without a prescription (intake and re-referral; a
/// prescription comes through the prescriber's form).
pub const SOURCES: [ReferralSource; 3] = [
    ReferralSource::SelfReferral,
    ReferralSource::SocialServices,
    ReferralSource::Pharmacy,
];

/// The sources of the intake form: [`SOURCES`], and a person who brings a prescription sheet
/// (`prescriber`, with its code and their own transfer consent).
pub const INTAKE_SOURCES: [ReferralSource; 4] = [
    ReferralSource::SelfReferral,
    ReferralSource::SocialServices,
    ReferralSource::Pharmacy,
    ReferralSource::Prescriber,
];

/// The intake form as sent.
#[expect(clippy::struct_excessive_bools, reason = "one per checkbox of the form")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeForm {
    /// The person.
    pub person: RegistrationInput,
    /// Where they come from (a code of [`INTAKE_SOURCES`]).
    pub source: String,
    /// The code of the prescription sheet the person brings (source `prescriber` only).
    pub prescription_code: String,
    /// The person's own consent that the facility receives the prescription from the practice
    /// and the practice sees how it goes on (required with source `prescriber`).
    pub transfer: bool,
    /// Consent to be accompanied by the link worker (required).
    pub care: bool,
    /// Consent to research (optional).
    pub research: bool,
    /// Who gave the consents (`person`, `parent_or_guardian`, `legal_representative`).
    pub given_by: String,
    /// The link worker confirmed this is not one of the people offered as possible duplicates.
    pub confirmed_new: bool,
}

/// A person the facility holds whose name and birth date match the one being registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCase {
    /// The person.
    pub patient: PatientId,
    /// Their name as stored.
    pub name: String,
    /// Their birth date.
    pub birth_date: time::Date,
    /// Their cases the facility holds (to open instead).
    pub cases: Vec<CaseId>,
}

/// What an intake did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// The person was registered; their new case.
    Registered(CaseId),
    /// Nothing was registered: the facility holds people of that name and birth date.
    PossibleDuplicates(Vec<KnownCase>),
}

/// Registers the person at the link worker's facility (see the module documentation); every
/// wrong field is named at once ([`WorkError::Invalid`]). Returns the new case, or the people
/// the facility holds who may be this person (nothing registered).
pub async fn register(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    form: &IntakeForm,
) -> Result<Intake, WorkError> {
    register_for(db, clock, principal, "", form).await
}

/// [`register`], where an API client names the link worker who records the consent: `named`
/// is the username of a link worker of the client's facility (else the field `recorded_by` is
/// wrong, and nothing is written; a member records as themself).
pub async fn register_for(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    named: &str,
    form: &IntakeForm,
) -> Result<Intake, WorkError> {
    let scope = principal.scope();
    let allowed = principal.decide(Action::RegisterReferral, Subject::Programme(scope.programme()));
    let facility = principal
        .membership()
        .and_then(lotse_domain::user::Membership::organisation);
    let (Decision::Allow(_), Some(facility)) = (allowed, facility) else {
        return Err(WorkError::NotFound);
    };
    let recorded_by = match acting_member(db, principal, named, Role::LinkWorker).await {
        Ok(user) => user,
        Err(NotActing::Capability) => return Err(WorkError::NotFound),
        Err(NotActing::Named(problem)) => {
            return Err(WorkError::Invalid(vec![FieldError {
                field: "recorded_by".into(),
                problem,
            }]));
        }
        Err(NotActing::Store(e)) => return Err(WorkError::Store(e)),
    };
    let now = clock.now();
    let programme = lotse_store::programme::get(handle::store(db), scope.programme()).await?;
    let today = programme_date(&programme, now);
    let mut errors = Vec::new();
    let registration = match Registration::parse(&form.person, today) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let mut wrong = |field: &str, problem| {
        errors.push(FieldError {
            field: field.to_owned(),
            problem,
        });
    };
    let (source, given_by) = terms(&INTAKE_SOURCES, &form.source, form.care, &form.given_by, &mut wrong);
    let brought = if source == Some(ReferralSource::Prescriber) {
        if !form.transfer {
            wrong("consent_transfer", FieldProblem::ConsentRequired);
        }
        match form.prescription_code.trim() {
            "" => {
                wrong("prescription_code", FieldProblem::Required);
                None
            }
            code => {
                let parsed = PrescriptionCode::parse(code).ok();
                if parsed.is_none() {
                    wrong("prescription_code", FieldProblem::CodeNotForPerson);
                }
                parsed
            }
        }
    } else {
        None
    };
    let mut tx = handle::store(db).begin().await?;
    let home = match home_postcode(&mut tx, scope, registration.as_ref()).await? {
        Ok(home) => home,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let (Some(registration), Some(source), Some(given_by), true) = (registration, source, given_by, errors.is_empty())
    else {
        return Err(WorkError::Invalid(errors));
    };
    let access = access(clock, AuditPurpose::Care);
    if let Some(code) = brought {
        let prescription = match brought_prescription(tx, principal, &code, &registration, now).await? {
            Ok((tx_back, prescription)) => {
                tx = tx_back;
                prescription
            }
            Err(problem) => {
                return Err(WorkError::Invalid(vec![FieldError {
                    field: "prescription_code".into(),
                    problem,
                }]));
            }
        };
        let taken_on = TakenOn {
            patient: prescription.patient,
            facility,
            source,
            language: registration.language.clone(),
            given_by,
            recorded_by,
            research: form.research,
            prescription: Some(prescription.id),
        };
        let case = take_on(&mut tx, principal, access, &taken_on).await?;
        tx.commit().await?;
        return Ok(Intake::Registered(case));
    }
    if !form.confirmed_new {
        let known = known_cases(&mut tx, principal, &registration, access).await?;
        if !known.is_empty() {
            // Nothing is written but the audit entries of the names shown: they are kept.
            tx.commit().await?;
            return Ok(Intake::PossibleDuplicates(known));
        }
    }
    let new = new_patient(scope, &registration, home.as_ref(), today);
    let patient = new.profile.id;
    lotse_store::person::insert_patients(&mut tx, scope, access, std::slice::from_ref(&new)).await?;
    let taken_on = TakenOn {
        patient,
        facility,
        source,
        language: registration.language.clone(),
        given_by,
        recorded_by,
        research: form.research,
        prescription: None,
    };
    let case = take_on(&mut tx, principal, access, &taken_on).await?;
    tx.commit().await?;
    Ok(Intake::Registered(case))
}

/// The prescription of a code the person brings, if it is theirs: a prescription of the
/// programme with that code whose person has the registration's blind index, not referred yet.
/// Else the problem with the code; a mismatch with an existing prescription is audited as a
/// denied access to it (`tx` is committed with that entry alone).
async fn brought_prescription(
    mut tx: lotse_store::Tx,
    principal: &Principal,
    code: &PrescriptionCode,
    registration: &Registration,
    now: time::OffsetDateTime,
) -> Result<Result<(lotse_store::Tx, lotse_store::record::CodedPrescription), FieldProblem>, WorkError> {
    let scope = principal.scope();
    let Some(found) = lotse_store::record::prescription_by_code(&mut tx, scope, &code.compact()).await? else {
        return Ok(Err(FieldProblem::CodeNotForPerson));
    };
    let people = lotse_store::person::possible_duplicates(&mut tx, scope, &registration.identity).await?;
    if !people.contains(&found.patient) {
        return match crate::access::deny(
            tx,
            principal,
            now,
            lotse_domain::audit::ObjectKind::Prescription,
            found.id.as_uuid(),
        )
        .await
        {
            crate::access::AccessError::Store(e) => Err(WorkError::Store(e)),
            _ => Ok(Err(FieldProblem::CodeNotForPerson)),
        };
    }
    if found.referred {
        return Ok(Err(FieldProblem::AlreadyReferred));
    }
    Ok(Ok((tx, found)))
}

/// Checks the terms of taking a person on (the source, the care consent, who gave it), naming
/// each wrong field through `wrong`; an empty `given_by` is the person.
pub(crate) fn terms(
    sources: &[ReferralSource],
    source: &str,
    care: bool,
    given_by: &str,
    wrong: &mut impl FnMut(&str, FieldProblem),
) -> (Option<ReferralSource>, Option<ConsentGiver>) {
    let source = sources.iter().copied().find(|s| s.code() == source.trim());
    if source.is_none() {
        wrong("source", FieldProblem::UnknownCode);
    }
    if !care {
        wrong("consent_care", FieldProblem::ConsentRequired);
    }
    let given_by = match given_by.trim() {
        "" => Some(ConsentGiver::Person),
        code => ConsentGiver::from_code(code),
    };
    if given_by.is_none() {
        wrong("consent_given_by", FieldProblem::UnknownCode);
    }
    (source, given_by)
}

/// A person a facility takes on: who, where, from where, and their consents' terms.
pub(crate) struct TakenOn {
    /// The person (stored already).
    pub patient: PatientId,
    /// The link worker's facility.
    pub facility: OrganisationId,
    /// Where the person comes from.
    pub source: ReferralSource,
    /// The language the consents were given in.
    pub language: String,
    /// Who gave them.
    pub given_by: ConsentGiver,
    /// The link worker who records them.
    pub recorded_by: UserId,
    /// Whether research consent was given too.
    pub research: bool,
    /// The prescription the person brought (source `prescriber`): they gave their transfer
    /// consent here, and the referral is made from it.
    pub prescription: Option<PrescriptionId>,
}

/// Writes, in `tx`, what taking a person on at the facility writes: their care consent (and
/// research consent where given; transfer consent with a prescription they brought), a new
/// case and its referral issued to and accepted by the facility at once. Returns the new case.
pub(crate) async fn take_on(
    tx: &mut lotse_store::Tx,
    principal: &Principal,
    access: lotse_store::audit::Access,
    taken_on: &TakenOn,
) -> Result<CaseId, WorkError> {
    let scope = principal.scope();
    let now = access.at;
    let consent = |purpose| Consent {
        id: ConsentId::from_uuid(Uuid::now_v7()),
        programme: scope.programme(),
        patient: taken_on.patient,
        purpose,
        onward_referral: None,
        shared: Vec::new(),
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        language: taken_on.language.clone(),
        given_by: taken_on.given_by,
        recorded_by: taken_on.recorded_by,
        given_at: now,
        withdrawn_at: None,
        version: 1,
    };
    let mut consents = vec![consent(ConsentPurpose::Care)];
    if taken_on.prescription.is_some() {
        consents.insert(0, consent(ConsentPurpose::Transfer));
    }
    if taken_on.research {
        consents.push(consent(ConsentPurpose::Research));
    }
    lotse_store::person::insert_consents(tx, scope, access, &consents).await?;
    let case = Case {
        id: CaseId::from_uuid(Uuid::now_v7()),
        programme: scope.programme(),
        patient: taken_on.patient,
        link_facility: taken_on.facility,
        opened_at: now,
    };
    lotse_store::person::insert_cases(tx, scope, access, std::slice::from_ref(&case)).await?;
    let step = |event| Recorded {
        event,
        actor: scope.actor().reference(),
        at: now,
    };
    let referral = NewReferral {
        id: ReferralId::from_uuid(Uuid::now_v7()),
        prescription: taken_on.prescription,
        case: Some(case.id),
        patient: taken_on.patient,
        source: taken_on.source,
        history: vec![
            step(ReferralEvent::Issued {
                link_facility: taken_on.facility,
            }),
            step(ReferralEvent::Accepted),
        ],
    };
    lotse_store::referral::insert_many(tx, scope, access, std::slice::from_ref(&referral)).await?;
    Ok(case.id)
}

/// The people of the programme with the registration's blind index whom the policy lets the
/// link worker see at intake (those the facility holds), with the cases it holds; each name
/// read is audited.
async fn known_cases(
    tx: &mut lotse_store::Tx,
    principal: &Principal,
    registration: &Registration,
    access: lotse_store::audit::Access,
) -> Result<Vec<KnownCase>, WorkError> {
    let scope = principal.scope();
    let facility = principal
        .membership()
        .and_then(lotse_domain::user::Membership::organisation);
    let mut known = Vec::new();
    for candidate in lotse_store::person::possible_duplicates(tx, scope, &registration.identity).await? {
        let Some(relations) = relations_of(tx, principal, candidate, access.at).await? else {
            continue;
        };
        if !principal
            .decide(Action::RegisterReferral, Subject::Person(scope.programme(), &relations))
            .is_allowed()
        {
            continue;
        }
        let cases = relations
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::Holds && Some(l.organisation) == facility)
            .filter_map(|l| l.case)
            .fold(Vec::new(), |mut cases, case| {
                if !cases.contains(&case) {
                    cases.push(case);
                }
                cases
            });
        let identity = lotse_store::person::get_identity(tx, scope, access, candidate).await?;
        known.push(KnownCase {
            patient: candidate,
            name: format!("{} {}", identity.given_name, identity.family_name),
            birth_date: identity.birth_date,
            cases,
        });
    }
    Ok(known)
}
