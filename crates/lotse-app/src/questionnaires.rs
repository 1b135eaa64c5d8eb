//! Questionnaires on a case: the instruments offered in the person's language (only where a
//! validated wording exists, `questionnaire::items`), answers the link worker records with the
//! person, and self-completion links the person answers on their own phone.
//!
//! A self-completion link is a capability of purpose `QuestionnaireAnswer` for one invitation
//! (one instrument, timepoint and language of one case): long and random, expiring after
//! [`LINK_LIFETIME`], used once, needing no account. Answering it writes the response (answered
//! by the person), marks the invitation answered and uses the link, in one transaction; wrong
//! answers write nothing and leave the link usable. The link worker sees when it was answered,
//! and by whom.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditPurpose;
use lotse_domain::capability::{CapabilityPurpose, CapabilityToken};
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, QuestionnaireResponseId};
use lotse_domain::policy::Action;
use lotse_domain::questionnaire::items;
use lotse_domain::questionnaire::wording::{ImportError, Wording};
use lotse_domain::questionnaire::{AnsweredBy, Answers, Instrument, QuestionnaireResponse, Timepoint};
use lotse_store::StoreError;
pub use lotse_store::invitation::Invitation;
pub use lotse_store::record::ResponseLine;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::access::access;
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::handle::{self, Handle};
use crate::principal::Principal;
use crate::referral_work::{WorkError, held_referral, open_held};

/// How long a self-completion link works.
pub const LINK_LIFETIME: Duration = Duration::days(14);

/// The instruments with a built-in validated wording in a language. SWEMWBS has no wording in
/// the code (a licensed programme imports it: [`offered_in`]), so it is never offered here.
pub fn offered(language: &str) -> Vec<Instrument> {
    Instrument::ALL
        .into_iter()
        .filter(|i| items::item_set(*i, language).is_some())
        .collect()
}

/// The instruments the programme offers in a language: the built-in wordings ([`offered`])
/// and the licensed ones it imported in that language, in [`Instrument::ALL`] order.
pub(crate) async fn offered_in(
    tx: &mut lotse_store::Tx,
    scope: &ProgrammeScope,
    language: &str,
) -> Result<Vec<Instrument>, WorkError> {
    let imported = lotse_store::wording::imported_in(tx, scope, language).await?;
    Ok(Instrument::ALL
        .into_iter()
        .filter(|i| items::item_set(*i, language).is_some() || (i.is_licensed() && imported.contains(i)))
        .collect())
}

/// The wording of `instrument` in `language` for the programme: built in, or imported for a
/// licensed instrument; `None` where it is not offered.
pub(crate) async fn wording_in(
    tx: &mut lotse_store::Tx,
    scope: &ProgrammeScope,
    instrument: Instrument,
    language: &str,
) -> Result<Option<Wording>, WorkError> {
    if let Some(set) = items::item_set(instrument, language) {
        return Ok(Some(Wording::from(set)));
    }
    if !instrument.is_licensed() {
        return Ok(None);
    }
    Ok(lotse_store::wording::get(tx, scope, instrument, language).await?)
}

/// A case's questionnaires as its link worker sees them.
#[derive(Debug, Clone)]
pub struct CaseQuestionnaires {
    /// The person's language.
    pub language: String,
    /// The instruments offered in it.
    pub offered: Vec<Instrument>,
    /// The person's responses, oldest first (each read audited).
    pub responses: Vec<ResponseLine>,
    /// The case's self-completion invitations, newest first.
    pub invitations: Vec<Invitation>,
}

/// The case's questionnaires for the link worker holding it (`None` when the case's referral
/// no longer lies with the reader's facility).
pub async fn for_case(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<Option<CaseQuestionnaires>, WorkError> {
    let Some((mut tx, patient, _)) = open_held(db, clock, principal, case).await? else {
        return Ok(None);
    };
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let profile = lotse_store::record::profile(&mut tx, scope, access, patient).await?;
    let responses = lotse_store::record::responses(&mut tx, scope, access, patient).await?;
    let invitations = lotse_store::invitation::of_case(&mut tx, scope, case).await?;
    let offered = offered_in(&mut tx, scope, &profile.language).await?;
    tx.commit().await?;
    Ok(Some(CaseQuestionnaires {
        offered,
        language: profile.language,
        responses,
        invitations,
    }))
}

fn invalid(field: &str, problem: FieldProblem) -> WorkError {
    WorkError::Invalid(vec![FieldError {
        field: field.to_owned(),
        problem,
    }])
}

/// Checks answers as the form sends them (`items[i]`: a number in the instrument's range, or
/// empty for an item not answered); every wrong item is named.
pub fn parse_answers(instrument: Instrument, answers: &[String]) -> Result<Answers, WorkError> {
    let range = instrument.answer_range();
    let mut items = Vec::with_capacity(instrument.items());
    let mut errors = Vec::new();
    for i in 0..instrument.items() {
        let value = answers.get(i).map_or("", |a| a.trim());
        if value.is_empty() {
            items.push(None);
            continue;
        }
        match value.parse::<u8>() {
            Ok(v) if range.contains(&v) => items.push(Some(v)),
            _ => {
                errors.push(FieldError {
                    field: format!("items[{i}]"),
                    problem: FieldProblem::Number,
                });
                items.push(None);
            }
        }
    }
    if items.iter().all(Option::is_none) && errors.is_empty() {
        return Err(invalid("items", FieldProblem::Required));
    }
    if !errors.is_empty() {
        return Err(WorkError::Invalid(errors));
    }
    Answers::parse(instrument, items).map_err(|_| invalid("items", FieldProblem::Number))
}

/// The wording of `instrument` in the person's language, for the form the link worker fills in
/// with the person (`None` when the case's referral no longer lies with the reader's facility,
/// or when the instrument is not offered in that language): the language and the wording.
pub async fn form_wording(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    instrument: Instrument,
) -> Result<Option<(String, Wording)>, WorkError> {
    let Some((mut tx, patient, _)) = open_held(db, clock, principal, case).await? else {
        return Ok(None);
    };
    let scope = principal.scope();
    let profile = lotse_store::record::profile(&mut tx, scope, access(clock, AuditPurpose::Care), patient).await?;
    let wording = wording_in(&mut tx, scope, instrument, &profile.language).await?;
    tx.commit().await?;
    Ok(wording.map(|w| (profile.language, w)))
}

/// Records answers the link worker took with the person (answered by the link worker with the
/// person). The instrument must be offered in the person's language.
pub async fn record(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    instrument: Instrument,
    timepoint: Timepoint,
    answers: &[String],
) -> Result<QuestionnaireResponseId, WorkError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let profile = lotse_store::record::profile(&mut tx, scope, access, patient).await?;
    if !offered_in(&mut tx, scope, &profile.language)
        .await?
        .contains(&instrument)
    {
        return Err(invalid("instrument", FieldProblem::UnknownCode));
    }
    let answers = parse_answers(instrument, answers)?;
    let id = QuestionnaireResponseId::from_uuid(Uuid::now_v7());
    let response = QuestionnaireResponse {
        id,
        programme: scope.programme(),
        case,
        timepoint,
        answers,
        answered_at: now,
        answered_by: AnsweredBy::LinkWorkerWithPerson,
    };
    lotse_store::person::insert_questionnaire_responses(&mut tx, scope, access, &[response]).await?;
    tx.commit().await?;
    Ok(id)
}

/// A self-completion link just made: its token is shown once (in the link and its QR code).
#[derive(Debug)]
pub struct IssuedLink {
    /// The token for `/q/{token}`.
    pub token: CapabilityToken,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// Makes a self-completion link for one questionnaire of the case, in the person's language.
pub async fn invite(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    instrument: Instrument,
    timepoint: Timepoint,
) -> Result<IssuedLink, WorkError> {
    invite_for(db, clock, principal, case, "", instrument, timepoint).await
}

/// [`invite`], where an API client names who makes the link: `named` is the username of a
/// link worker of the client's facility (else the field `created_by` is wrong).
pub async fn invite_for(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    named: &str,
    instrument: Instrument,
    timepoint: Timepoint,
) -> Result<IssuedLink, WorkError> {
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    let author = match crate::acting::acting_member(db, principal, named, lotse_domain::user::Role::LinkWorker).await {
        Ok(id) => id,
        Err(crate::acting::NotActing::Capability) => return Err(WorkError::NotFound),
        Err(crate::acting::NotActing::Named(problem)) => {
            return Err(WorkError::Invalid(vec![FieldError {
                field: "created_by".into(),
                problem,
            }]));
        }
        Err(crate::acting::NotActing::Store(e)) => return Err(WorkError::Store(e)),
    };
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::Care);
    let profile = lotse_store::record::profile(&mut tx, scope, access, patient).await?;
    if !offered_in(&mut tx, scope, &profile.language)
        .await?
        .contains(&instrument)
    {
        return Err(invalid("instrument", FieldProblem::UnknownCode));
    }
    let invitation = Invitation {
        id: Uuid::now_v7(),
        case,
        instrument,
        timepoint,
        language: profile.language,
        created_by: author,
        created_at: now,
        expires_at: now + LINK_LIFETIME,
        response: None,
        answered_at: None,
    };
    lotse_store::invitation::insert(&mut tx, scope, access, &invitation).await?;
    // The capability with the invitation, in one transaction: a link always names a stored
    // invitation, and an invitation is never left without its link.
    let issued = crate::capability::issue_in(
        &mut tx,
        clock,
        scope,
        CapabilityPurpose::QuestionnaireAnswer,
        invitation.id,
        LINK_LIFETIME,
    )
    .await
    .map_err(|e| match e {
        crate::access::AccessError::Store(s) => WorkError::Store(s),
        _ => WorkError::NotFound,
    })?;
    tx.commit().await?;
    Ok(IssuedLink {
        token: issued.token,
        expires_at: issued.expires_at,
    })
}

/// What the self-completion page shows: the questionnaire only, never who it is for.
#[derive(Debug, Clone)]
pub struct SelfCompletion {
    /// The questionnaire.
    pub instrument: Instrument,
    /// Its wording in the invitation's language (validated and built in, or the programme's
    /// licensed import).
    pub items: Wording,
    /// That language (the page's).
    pub language: String,
}

async fn invitation_of(tx: &mut lotse_store::Tx, principal: &Principal) -> Result<Invitation, WorkError> {
    let Principal::Capability { capability, scope } = principal else {
        return Err(WorkError::NotFound);
    };
    if capability.purpose() != CapabilityPurpose::QuestionnaireAnswer {
        return Err(WorkError::NotFound);
    }
    match lotse_store::invitation::get(tx, scope, capability.object()).await {
        Ok(invitation) if invitation.answered_at.is_none() => Ok(invitation),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(WorkError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The questionnaire behind a self-completion link (the capability guard has checked it).
pub async fn self_completion(db: &impl Handle, principal: &Principal) -> Result<SelfCompletion, WorkError> {
    let mut tx = handle::store(db).begin_read().await?;
    let invitation = invitation_of(&mut tx, principal).await?;
    let items = wording_in(&mut tx, principal.scope(), invitation.instrument, &invitation.language)
        .await?
        .ok_or(WorkError::NotFound)?;
    tx.commit().await?;
    Ok(SelfCompletion {
        instrument: invitation.instrument,
        items,
        language: invitation.language,
    })
}

/// The person's answers through the link: the response (answered by the person), the
/// invitation answered and the link used, together; wrong answers write nothing.
pub async fn answer_self_completion(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    answers: &[String],
) -> Result<(), WorkError> {
    let Principal::Capability { capability, scope } = principal else {
        return Err(WorkError::NotFound);
    };
    let now = clock.now();
    let mut tx = handle::store(db).begin().await?;
    let invitation = invitation_of(&mut tx, principal).await?;
    let answers = parse_answers(invitation.instrument, answers)?;
    if !crate::capability::redeem(&mut tx, now, capability).await? {
        return Err(WorkError::NotFound);
    }
    let id = QuestionnaireResponseId::from_uuid(Uuid::now_v7());
    let response = QuestionnaireResponse {
        id,
        programme: scope.programme(),
        case: invitation.case,
        timepoint: invitation.timepoint,
        answers,
        answered_at: now,
        answered_by: AnsweredBy::Person,
    };
    let access = access(clock, AuditPurpose::Care);
    lotse_store::person::insert_questionnaire_responses(&mut tx, scope, access, &[response]).await?;
    if !lotse_store::invitation::mark_answered(&mut tx, scope, access, invitation.id, id).await? {
        return Err(WorkError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Why an import of a licensed wording was refused (nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum WordingImportError {
    /// No such programme, or a language tag that is not one.
    #[error(transparent)]
    Admin(#[from] crate::admin::AdminError),
    /// The file or the instrument.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] lotse_store::StoreError),
}

/// `lotse import instrument`: stores a licensed instrument's wording in one language for a
/// programme (replacing an earlier import), checked first ([`Wording::parse_import`]); from
/// then on the instrument is offered to that programme's people of that language.
pub async fn import_wording(
    db: &lotse_store::Db,
    clock: &dyn Clock,
    programme: &str,
    instrument: &str,
    language: &str,
    file: &str,
) -> Result<(), WordingImportError> {
    use crate::admin::AdminError;
    let slug =
        lotse_domain::programme::ProgrammeSlug::parse(programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let found = lotse_store::programme::find_by_slug(db, &slug)
        .await
        .map_err(AdminError::from)?
        .ok_or_else(|| AdminError::UnknownProgramme(slug.as_str().to_owned()))?;
    let instrument = Instrument::from_code(instrument).ok_or_else(|| {
        AdminError::Invalid(format!(
            "unknown instrument {instrument:?}: the instruments are {}",
            Instrument::ALL.map(Instrument::code).join(", ")
        ))
    })?;
    let language = language.trim().to_ascii_lowercase();
    let valid_tag = (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase());
    if !valid_tag {
        return Err(AdminError::Invalid(format!(
            "language {language:?}: give a primary language subtag such as en, de, da"
        ))
        .into());
    }
    let wording = Wording::parse_import(instrument, file)?;
    let scope = crate::jobs::JobToken::start_job(lotse_domain::actor::SystemJob::Admin).scope(found.id);
    let mut tx = db.begin().await?;
    let access = lotse_store::audit::Access {
        at: clock.now(),
        purpose: AuditPurpose::Administration,
    };
    lotse_store::wording::import(&mut tx, &scope, access, instrument, &language, &wording).await?;
    tx.commit().await?;
    Ok(())
}
