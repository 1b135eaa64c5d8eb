//! `/api/v1/cases/{case_id}/…` for the link worker's work on a case its facility holds (scope
//! `case:work`, the policy's `WorkCase`): the referral's next steps and taking one, the
//! person's shortlist and their answer to each offer, questionnaires taken with the person, and
//! reading the conversation notes and the plan's versions. Each endpoint runs the same use case
//! as its form on the case page, so the same checks, events and audit entries apply.
//!
//! A step names the version it was based on: a stale one, or a step the state does not allow,
//! is 409 with what the record is now, in the caller's language, and nothing is written. A
//! wrong field is 400 naming each field.
//!
//! A note, a plan version and a self-completion link name a person as their author: on the
//! page the signed-in link worker; through the API the client names a link worker of its
//! facility by username (`author`, `created_by`), checked against the account's memberships.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::action_plan::{self, PlanError, StoredPlan};
use lotse_app::conversation;
use lotse_app::questionnaires;
use lotse_app::referral_work::{self, ContactOutcome, Step, WorkError, WorkStep};
use lotse_app::shortlist::{self, PersonAnswer, ShortlistError};
use lotse_domain::action_plan::ActionPlanInput;
use lotse_domain::field::FieldError;
use lotse_domain::id::{CaseId, OfferId, OnwardReferralId, OrganisationId};
use lotse_domain::onward_referral::{DeclineReason, OnwardReferralState};
use lotse_domain::programme::Language;
use lotse_domain::questionnaire::{Instrument, Timepoint};
use lotse_domain::referral::{ClosingReason, ConcernKind, RedirectReason, ReferralState};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::Reader;
use super::{ApiContext, ApiError, json_with, parse_path_id, require_json, timestamp};
use crate::AppState;
use crate::offer_edit::problem_key;
use crate::page::{onward_state_key, state_key};

/// Each field's problem as the API names it: (field, i18n key of the message).
pub(super) fn field_problems(errors: &[FieldError], rename: impl Fn(&str) -> String) -> ApiError {
    ApiError::Invalid(
        errors
            .iter()
            .map(|e| (rename(&e.field), problem_key(e.problem)))
            .collect(),
    )
}

fn referral_state(state: &AppState, language: Language, now: ReferralState) -> FluentValue<'static> {
    FluentValue::from(state.i18n.text(language, &state_key(now.code())))
}

fn onward_state(state: &AppState, language: Language, now: OnwardReferralState) -> FluentValue<'static> {
    FluentValue::from(state.i18n.text(language, &onward_state_key(now.code())))
}

/// A refused or stale step as the API answers it (the messages the case page shows).
pub(super) fn work_error(state: &AppState, language: Language, err: WorkError) -> ApiError {
    let i18n = &state.i18n;
    match err {
        WorkError::NotFound => ApiError::NotFound,
        WorkError::Invalid(errors) => field_problems(&errors, redirect_field),
        WorkError::Conflict { state: now, .. } => ApiError::ConflictDetail(i18n.text_with(
            language,
            "work-conflict",
            &[("state", referral_state(state, language, now))],
        )),
        WorkError::Refused { state: now, step } => ApiError::ConflictDetail(i18n.text_with(
            language,
            "work-refused",
            &[
                ("state", referral_state(state, language, now)),
                (
                    "step",
                    FluentValue::from(i18n.text(language, &format!("work-step-{}", step.code()))),
                ),
            ],
        )),
        WorkError::TooFewAttempts { failed, required } => ApiError::ConflictDetail(i18n.text_with(
            language,
            "work-too-few-attempts",
            &[
                ("failed", FluentValue::from(failed)),
                ("required", FluentValue::from(required)),
            ],
        )),
        WorkError::Store(e) => e.into(),
    }
}

/// The API's names of the fields the use cases name.
fn redirect_field(field: &str) -> String {
    match field {
        "to" => "facility_id".to_owned(),
        "items" => "items".to_owned(),
        other => other.to_owned(),
    }
}

fn shortlist_error(state: &AppState, language: Language, err: ShortlistError) -> ApiError {
    let i18n = &state.i18n;
    match err {
        ShortlistError::NotFound => ApiError::NotFound,
        ShortlistError::Invalid(errors) => field_problems(&errors, |f| {
            if f == "offer" {
                "offer_id".to_owned()
            } else {
                f.to_owned()
            }
        }),
        ShortlistError::NotContacted(now) => ApiError::ConflictDetail(i18n.text_with(
            language,
            "shortlist-not-contacted",
            &[("state", referral_state(state, language, now))],
        )),
        ShortlistError::Refused(now) => ApiError::ConflictDetail(i18n.text_with(
            language,
            "shortlist-refused",
            &[("state", onward_state(state, language, now))],
        )),
        ShortlistError::Conflict { state: now, .. } => ApiError::ConflictDetail(i18n.text_with(
            language,
            "shortlist-conflict",
            &[("state", onward_state(state, language, now))],
        )),
        ShortlistError::Store(e) => e.into(),
    }
}

fn case_of(case_id: &str) -> Result<CaseId, ApiError> {
    parse_path_id("case_id", case_id).map(CaseId::from_uuid)
}

/// What the link worker may do next on the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextStepsDocument {
    /// The case.
    #[schema(format = Uuid)]
    pub case_id: String,
    /// The open referral's state (`issued`, `accepted`, `contacted`, `plan_agreed`, …).
    pub state: String,
    /// Its version: send it with the next step.
    pub version: i64,
    /// Failed contact attempts since acceptance.
    pub failed_attempts: u32,
    /// The programme's number of failed attempts before "unreachable".
    pub attempts_required: u32,
    /// The steps possible now (`accept`, `redirect`, `reached`, `not-reached`,
    /// `mark-unreachable`, `raise-concern`).
    pub steps: Vec<String>,
    /// The other link facilities of the programme: where a redirect may go.
    pub redirect_targets: Vec<FacilityDocument>,
}

/// A link facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityDocument {
    /// Its id.
    #[schema(format = Uuid)]
    pub facility_id: String,
    /// Its name.
    pub name: String,
}

/// `GET /api/v1/cases/{case_id}/steps`: the referral's state, version and the steps possible
/// now (404 when the case's referral does not lie with the client's facility).
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/steps",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The next steps", body = NextStepsDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn next_steps(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_of(&case_id) {
        Ok(c) => c,
        Err(e) => return ctx.fail(&state, e),
    };
    match steps_document(&state, &ctx, case).await {
        Ok(Some(doc)) => json_with(StatusCode::OK, &doc),
        Ok(None) => ctx.fail(&state, ApiError::NotFound),
        Err(e) => ctx.fail(&state, e),
    }
}

async fn steps_document(
    state: &AppState,
    ctx: &ApiContext,
    case: CaseId,
) -> Result<Option<NextStepsDocument>, ApiError> {
    let steps = referral_work::next_steps(&state.app, state.clock.as_ref(), &ctx.principal, case)
        .await
        .map_err(|e| work_error(state, ctx.language, e))?;
    Ok(steps.map(|s| NextStepsDocument {
        case_id: case.to_string(),
        state: s.state.code().to_owned(),
        version: s.version,
        failed_attempts: s.failed_attempts,
        attempts_required: s.attempts_required,
        steps: s.steps.iter().map(|w| w.code().to_owned()).collect(),
        redirect_targets: s
            .redirect_targets
            .into_iter()
            .map(|(id, name)| FacilityDocument {
                facility_id: id.to_string(),
                name,
            })
            .collect(),
    }))
}

/// A step on the case's referral.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `accept`, `redirect`, `reached`, `not-reached`, `mark-unreachable`, `raise-concern` or
    /// `close`.
    pub step: String,
    /// The referral's version as read (`GET …/steps`); a stale one is 409, nothing written.
    #[schema(minimum = 1)]
    pub version: i64,
    /// `redirect`: the link facility it goes to (one of `redirect_targets`).
    #[schema(format = Uuid)]
    pub facility_id: Option<String>,
    /// `redirect`: why (`wrong_area`, `target_group`, `capacity`, `person_asked`, `other`);
    /// `close`: why (`goals_met`, `declined`, `no_contact`, `moved`, `referred_to_other_care`,
    /// `consent_withdrawn`, `died`, `other`).
    pub reason: Option<String>,
    /// `raise-concern`: its kind (`safeguarding`, `health_worse`).
    pub kind: Option<String>,
}

/// The referral after a step.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepTaken {
    /// The case.
    #[schema(format = Uuid)]
    pub case_id: String,
    /// The step taken.
    pub step: String,
    /// The referral's state now; `null` once it no longer lies with the client's facility
    /// (after a redirect).
    pub state: Option<String>,
    /// Its version now (send it with the next step); `null` with `state`.
    pub version: Option<i64>,
}

fn parse_step(body: &[u8]) -> Result<(WorkStep, Step, i64), ApiError> {
    let (mut r, map) = Reader::object(
        body,
        &["step", "version", "facility_id", "reason", "kind"],
        &["step", "version"],
    )?;
    let code = r.string("step", map.get("step"), false);
    let version = r.version("version", map.get("version"), 1);
    let facility = r.string("facility_id", map.get("facility_id"), true);
    let reason = r.string("reason", map.get("reason"), true);
    let kind = r.string("kind", map.get("kind"), true);
    // A malformed id is wrong whatever the step (a field sent is checked, not ignored).
    let to = lotse_domain::id::parse_canonical(&facility).map(OrganisationId::from_uuid);
    if to.is_none() && !facility.is_empty() {
        r.problems.push(("facility_id".to_owned(), "api-field-not-id"));
    }
    let step = [
        WorkStep::Accept,
        WorkStep::Redirect,
        WorkStep::Reached,
        WorkStep::NotReached,
        WorkStep::MarkUnreachable,
        WorkStep::RaiseConcern,
        WorkStep::Close,
    ]
    .into_iter()
    .find(|s| s.code() == code);
    let mut required = |field: &str, value: &str| {
        if value.is_empty() && !r.problems.iter().any(|(f, _)| f == field) {
            r.problems.push((field.to_owned(), "api-field-required"));
        }
    };
    let parsed = match step {
        Some(WorkStep::Accept) => Some(Step::Accept),
        Some(WorkStep::Reached) => Some(Step::Contact(ContactOutcome::Reached)),
        Some(WorkStep::NotReached) => Some(Step::Contact(ContactOutcome::NotReached)),
        Some(WorkStep::MarkUnreachable) => Some(Step::Unreachable),
        Some(WorkStep::Redirect) => {
            required("facility_id", &facility);
            required("reason", &reason);
            let why = RedirectReason::from_code(&reason);
            if why.is_none() && !reason.is_empty() {
                r.problems.push(("reason".to_owned(), "api-field-unknown-code"));
            }
            to.zip(why).map(|(to, why)| Step::Redirect(to, why))
        }
        Some(WorkStep::RaiseConcern) => {
            required("kind", &kind);
            let parsed = ConcernKind::from_code(&kind);
            if parsed.is_none() && !kind.is_empty() {
                r.problems.push(("kind".to_owned(), "api-field-unknown-code"));
            }
            parsed.map(Step::Concern)
        }
        Some(WorkStep::Close) => {
            required("reason", &reason);
            let why = ClosingReason::from_code(&reason);
            if why.is_none() && !reason.is_empty() {
                r.problems.push(("reason".to_owned(), "api-field-unknown-code"));
            }
            why.map(Step::Close)
        }
        // Taking the person on again is its own call (`POST …/re-referrals`), not a step.
        Some(WorkStep::ReRefer) | None => {
            if !r.problems.iter().any(|(f, _)| f == "step") {
                r.problems.push(("step".to_owned(), "api-field-unknown-code"));
            }
            None
        }
    };
    match (step, parsed) {
        (Some(code), Some(parsed)) if r.problems.is_empty() => Ok((code, parsed, version)),
        _ => Err(ApiError::Invalid(r.problems)),
    }
}

/// `POST /api/v1/cases/{case_id}/steps`: takes a step on the case's referral (accept, pass it on
/// to another link facility, record a contact attempt, declare the person unreachable, raise a
/// concern with the prescriber, close the case with a reason), as the case page's forms do.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/steps",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = StepRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The step is recorded", body = StepTaken, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, or a field is wrong", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale, or the step is not possible now: the detail says what the referral is now", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn take_step(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        let (code, step, version) = parse_step(&body)?;
        Ok((case, code, step, version))
    });
    let (case, code, step, version) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    let (app, clock, principal) = (&state.app, state.clock.as_ref(), &ctx.principal);
    let result = referral_work::take(app, clock, principal, case, step, version).await;
    if let Err(e) = result {
        return ctx.fail(&state, work_error(&state, ctx.language, e));
    }
    match steps_document(&state, &ctx, case).await {
        Ok(now) => json_with(
            StatusCode::OK,
            &StepTaken {
                case_id: case.to_string(),
                step: code.code().to_owned(),
                version: now.as_ref().map(|n| n.version),
                state: now.map(|n| n.state),
            },
        ),
        Err(e) => ctx.fail(&state, e),
    }
}

/// An offer to put on the person's shortlist.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortlistRequest {
    /// A listed offer of the programme (from `GET /api/v1/offers`).
    #[schema(format = Uuid)]
    pub offer_id: String,
}

/// An onward referral on the shortlist.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortlistEntry {
    /// The onward referral.
    #[schema(format = Uuid)]
    pub onward_referral_id: String,
    /// Its state (`proposed`, `accepted` by the person, `declined_by_person`).
    pub state: String,
    /// Its version now (send it with the next change).
    pub version: i64,
}

/// `POST /api/v1/cases/{case_id}/shortlist`: puts an offer on the person's shortlist (an
/// onward referral `proposed`), after the first contact.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/shortlist",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = ShortlistRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The offer is on the shortlist", body = ShortlistEntry, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, the offer is not listed, or it is on the shortlist already", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person was not contacted yet: the detail says where the referral stands", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn propose(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        let (mut r, map) = Reader::object(&body, &["offer_id"], &["offer_id"])?;
        let offer = r.string("offer_id", map.get("offer_id"), false);
        r.finish(())?;
        let offer = parse_path_id("offer_id", &offer)?;
        Ok((case, OfferId::from_uuid(offer)))
    });
    let (case, offer) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match shortlist::propose(&state.app, state.clock.as_ref(), &ctx.principal, case, offer).await {
        Ok(onward) => json_with(
            StatusCode::CREATED,
            &ShortlistEntry {
                onward_referral_id: onward.to_string(),
                state: OnwardReferralState::Proposed.code().to_owned(),
                version: 1,
            },
        ),
        Err(e) => ctx.fail(&state, shortlist_error(&state, ctx.language, e)),
    }
}

/// The person's answer to one offer of their shortlist.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortlistAnswer {
    /// The onward referral's version as read (the case's `onward_referrals`); a stale one is
    /// 409, nothing written.
    #[schema(minimum = 1)]
    pub version: i64,
    /// `accept` or `decline`.
    pub answer: String,
    /// `decline`: why (`not_interested`, `times`, `too_far`, `cost`, `health`, `other`).
    pub reason: Option<String>,
}

/// `POST /api/v1/cases/{case_id}/shortlist/{onward_referral_id}`: records the person's answer
/// (accepted by the person, or declined with a reason).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/shortlist/{onward_referral_id}",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(
        ("case_id" = uuid::Uuid, Path, description = "The case id"),
        ("onward_referral_id" = uuid::Uuid, Path, description = "The onward referral on the case's shortlist"),
    ),
    request_body(content = ShortlistAnswer, content_type = "application/json"),
    responses(
        (status = 200, description = "The answer is recorded", body = ShortlistEntry, content_type = "application/json"),
        (status = 400, description = "The body or an id is malformed, or a field is wrong", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or onward referral, or none the client's facility holds", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale, or the person answered already: the detail says what the onward referral is now", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path((case_id, onward_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        let onward = OnwardReferralId::from_uuid(parse_path_id("onward_referral_id", &onward_id)?);
        require_json(&headers)?;
        let (mut r, map) = Reader::object(&body, &["version", "answer", "reason"], &["version", "answer"])?;
        let version = r.version("version", map.get("version"), 1);
        let answer = r.string("answer", map.get("answer"), false);
        let reason = r.string("reason", map.get("reason"), true);
        let parsed = match answer.as_str() {
            "accept" => Some(PersonAnswer::Accept),
            "decline" => {
                let reason_code = DeclineReason::from_code(&reason);
                if reason_code.is_none() {
                    let key = if reason.is_empty() {
                        "api-field-required"
                    } else {
                        "api-field-unknown-code"
                    };
                    r.problems.push(("reason".to_owned(), key));
                }
                reason_code.map(PersonAnswer::Decline)
            }
            _ => {
                if !r.problems.iter().any(|(f, _)| f == "answer") {
                    r.problems.push(("answer".to_owned(), "api-field-unknown-code"));
                }
                None
            }
        };
        match parsed {
            Some(answer) if r.problems.is_empty() => Ok((case, onward, answer, version)),
            _ => Err(ApiError::Invalid(r.problems)),
        }
    });
    let (case, onward, answer, version) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    let result = shortlist::answer(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        onward,
        answer,
        version,
    )
    .await;
    match result {
        Ok(()) => json_with(
            StatusCode::OK,
            &ShortlistEntry {
                onward_referral_id: onward.to_string(),
                state: match answer {
                    PersonAnswer::Accept => OnwardReferralState::Accepted,
                    PersonAnswer::Decline(_) => OnwardReferralState::DeclinedByPerson,
                }
                .code()
                .to_owned(),
                version: version + 1,
            },
        ),
        Err(e) => ctx.fail(&state, shortlist_error(&state, ctx.language, e)),
    }
}

/// Answers taken with the person.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireAnswers {
    /// `who5`, `ucla3`, `djg6`, `ons4`, or `swemwbs` where the programme imported its licensed
    /// wording (offered in the person's language; `GET …/questionnaires` lists them).
    pub instrument: String,
    /// `baseline` or `follow_up`.
    pub timepoint: String,
    /// One answer per item in order, each in the instrument's range, or `null` for an item not
    /// answered (the instrument's rule for missing items decides the score).
    pub items: Vec<Option<i64>>,
}

/// A recorded questionnaire.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseRecorded {
    /// The response.
    #[schema(format = Uuid)]
    pub response_id: String,
}

/// `POST /api/v1/cases/{case_id}/questionnaires`: records a questionnaire the link worker took
/// with the person (answered by the link worker with the person).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/questionnaires",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = QuestionnaireAnswers, content_type = "application/json"),
    responses(
        (status = 201, description = "The answers are recorded and scored", body = ResponseRecorded, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, the instrument is not offered in the person's language, or an answer is out of range", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn record_questionnaire(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        let (mut r, map) = Reader::object(
            &body,
            &["instrument", "timepoint", "items"],
            &["instrument", "timepoint", "items"],
        )?;
        let instrument = r.code("instrument", map.get("instrument"), Instrument::from_code);
        let timepoint = r.code("timepoint", map.get("timepoint"), Timepoint::from_code);
        let items = if let Some(Value::Array(items)) = map.get("items") {
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Null => String::new(),
                    Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
                    _ => r.wrong(&format!("items[{i}]")),
                })
                .collect()
        } else {
            r.wrong("items");
            Vec::new()
        };
        match (instrument, timepoint) {
            (Some(i), Some(t)) if r.problems.is_empty() => Ok((case, i, t, items)),
            _ => Err(ApiError::Invalid(r.problems)),
        }
    });
    let (case, instrument, timepoint, items) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match questionnaires::record(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        instrument,
        timepoint,
        &items,
    )
    .await
    {
        Ok(id) => json_with(
            StatusCode::CREATED,
            &ResponseRecorded {
                response_id: id.to_string(),
            },
        ),
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}

/// The case's questionnaires.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnairesDocument {
    /// The person's language (the questionnaires are offered in it).
    pub language: String,
    /// The instruments offered in that language.
    pub offered: Vec<String>,
    /// The responses, oldest first (each read audited).
    pub responses: Vec<ResponseDocument>,
    /// The self-completion links made on the case page, newest first (never their tokens).
    pub links: Vec<LinkDocument>,
}

/// A scored response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseDocument {
    /// The response.
    #[schema(format = Uuid)]
    pub response_id: String,
    /// The instrument.
    pub instrument: String,
    /// The instrument's version the score follows.
    pub instrument_version: Option<String>,
    /// `baseline` or `follow_up`.
    pub timepoint: String,
    /// The answers, one per item (`null`: not answered).
    #[schema(value_type = Vec<Option<i64>>)]
    pub items: Value,
    /// The score as published (`null` when too many items are missing), to two decimals.
    pub score: Option<f64>,
    /// The score's band, where the instrument has cut-offs.
    pub score_band: Option<String>,
    /// When.
    #[schema(format = DateTime)]
    pub answered_at: String,
    /// `person` (self-completion) or `link_worker_with_person`.
    pub answered_by: Option<String>,
}

/// A self-completion link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkDocument {
    /// The instrument.
    pub instrument: String,
    /// The timepoint.
    pub timepoint: String,
    /// When it was made.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it stops working.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// When the person answered through it.
    #[schema(format = DateTime)]
    pub answered_at: Option<String>,
}

/// `GET /api/v1/cases/{case_id}/questionnaires`: the instruments offered, the scored responses
/// and the self-completion links of the case.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/questionnaires",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The case's questionnaires", body = QuestionnairesDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn questionnaires(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_of(&case_id) {
        Ok(c) => c,
        Err(e) => return ctx.fail(&state, e),
    };
    let found = match questionnaires::for_case(&state.app, state.clock.as_ref(), &ctx.principal, case).await {
        Ok(Some(q)) => q,
        Ok(None) => return ctx.fail(&state, ApiError::NotFound),
        Err(e) => return ctx.fail(&state, work_error(&state, ctx.language, e)),
    };
    json_with(
        StatusCode::OK,
        &QuestionnairesDocument {
            language: found.language,
            offered: found.offered.iter().map(|i| i.code().to_owned()).collect(),
            responses: found
                .responses
                .into_iter()
                .map(|r| ResponseDocument {
                    response_id: r.id.to_string(),
                    instrument: r.instrument,
                    instrument_version: r.instrument_version,
                    timepoint: r.timepoint,
                    items: r.answers,
                    score: r
                        .score_total
                        .and_then(|hundredths| i32::try_from(hundredths).ok())
                        .map(|hundredths| f64::from(hundredths) / 100.0),
                    score_band: r.score_band,
                    answered_at: timestamp(r.answered_at),
                    answered_by: r.answered_by,
                })
                .collect(),
            links: found
                .invitations
                .iter()
                .map(|i| LinkDocument {
                    instrument: i.instrument.code().to_owned(),
                    timepoint: i.timepoint.code().to_owned(),
                    created_at: timestamp(i.created_at),
                    expires_at: timestamp(i.expires_at),
                    answered_at: i.answered_at.map(timestamp),
                })
                .collect(),
        },
    )
}

/// The case's conversation notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotesDocument {
    /// Newest first (each read audited).
    pub notes: Vec<NoteDocument>,
}

/// A conversation note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteDocument {
    /// The note.
    #[schema(format = Uuid)]
    pub note_id: String,
    /// Who wrote it (`null` once the account is gone).
    pub author: Option<String>,
    /// When.
    #[schema(format = DateTime)]
    pub written_at: String,
    /// The text (sealed at rest).
    pub body: String,
    /// The day of the next conversation named with it (`YYYY-MM-DD`), if any.
    #[schema(format = Date)]
    pub follow_up_on: Option<String>,
}

/// `GET /api/v1/cases/{case_id}/notes`: the conversation notes ("what matters to you?"), each
/// read audited.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/notes",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The notes", body = NotesDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn notes(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_of(&case_id) {
        Ok(c) => c,
        Err(e) => return ctx.fail(&state, e),
    };
    match conversation::notes(&state.app, state.clock.as_ref(), &ctx.principal, case).await {
        Ok(Some(notes)) => json_with(
            StatusCode::OK,
            &NotesDocument {
                notes: notes
                    .into_iter()
                    .map(|n| NoteDocument {
                        note_id: n.id.to_string(),
                        author: n.author_name,
                        written_at: timestamp(n.written_at),
                        body: n.body,
                        follow_up_on: n.follow_up_on.map(|d| d.to_string()),
                    })
                    .collect(),
            },
        ),
        Ok(None) => ctx.fail(&state, ApiError::NotFound),
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}

/// The plan's versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDocument {
    /// Newest first; empty before a plan is agreed.
    pub versions: Vec<PlanVersion>,
}

/// One version of the action plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersion {
    /// From 1.
    pub version: i64,
    /// Who wrote it (`null` once the account is gone).
    pub author: Option<String>,
    /// When.
    #[schema(format = DateTime)]
    pub written_at: String,
    /// Goals in the person's words.
    pub goals: Vec<String>,
    /// Milestones with their dates.
    pub milestones: Vec<MilestoneDocument>,
    /// Obstacles and how to meet them.
    pub obstacles: Vec<String>,
    /// When the plan is reviewed (`YYYY-MM-DD`).
    #[schema(format = Date)]
    pub review_on: String,
}

/// A milestone.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneDocument {
    /// What.
    pub text: String,
    /// By when (`YYYY-MM-DD`).
    #[schema(format = Date)]
    pub due_on: String,
}

fn plan_version(p: StoredPlan) -> PlanVersion {
    PlanVersion {
        version: p.version,
        author: p.author_name,
        written_at: timestamp(p.written_at),
        goals: p.content.goals,
        milestones: p
            .content
            .milestones
            .into_iter()
            .map(|m| MilestoneDocument {
                text: m.text,
                due_on: m.due_on.to_string(),
            })
            .collect(),
        obstacles: p.content.obstacles,
        review_on: p.content.review_on.to_string(),
    }
}

/// `GET /api/v1/cases/{case_id}/plan`: every version of the action plan, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/plan",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The plan's versions", body = PlanDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plan(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_of(&case_id) {
        Ok(c) => c,
        Err(e) => return ctx.fail(&state, e),
    };
    match action_plan::versions(&state.app, state.clock.as_ref(), &ctx.principal, case).await {
        Ok(Some(versions)) => json_with(
            StatusCode::OK,
            &PlanDocument {
                versions: versions.into_iter().map(plan_version).collect(),
            },
        ),
        Ok(None) => ctx.fail(&state, ApiError::NotFound),
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}

/// `GET /api/v1/cases/{case_id}/plan.pdf`: the latest version of the action plan printed for
/// the person, in their language, as the page's download. Never cached.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/plan.pdf",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The printed plan", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, none whose referral lies with the client's facility, or no plan yet", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plan_pdf(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_of(&case_id) {
        Ok(c) => c,
        Err(e) => return ctx.fail(&state, e),
    };
    let printable = match action_plan::printable(&state.app, state.clock.as_ref(), &ctx.principal, case).await {
        Ok(Some(printable)) => printable,
        Ok(None) => return ctx.fail(&state, ApiError::NotFound),
        Err(e) => return ctx.fail(&state, work_error(&state, ctx.language, e)),
    };
    match crate::case_work::render_plan(printable).await {
        Ok(bytes) => crate::prescriptions::pdf_response(bytes, "plan.pdf"),
        Err(reason) => {
            tracing::error!(%reason, "plan not rendered");
            ctx.fail(&state, ApiError::Internal)
        }
    }
}

/// A conversation note.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The username of the link worker who wrote it (one of the client's facility).
    pub author: String,
    /// The text (1 to 4,000 characters; sealed at rest).
    pub body: String,
    /// The day of the next conversation with the person (`YYYY-MM-DD`, after today, within 366
    /// days; absent or null: none). While this is the case's latest note, the worklist shows
    /// "follow-up due" on that day.
    #[schema(format = Date)]
    pub follow_up_on: Option<String>,
}

/// A note written.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteWritten {
    /// The note.
    #[schema(format = Uuid)]
    pub note_id: String,
}

/// `POST /api/v1/cases/{case_id}/notes`: writes a conversation note in the name of a link
/// worker of the client's facility.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/notes",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = NoteRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The note is written", body = NoteWritten, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, the author is not a link worker of the client's facility, the text is empty or too long, or the next conversation is not a date after today within 366 days", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_note(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        let (mut r, map) = Reader::object(&body, &["author", "body", "follow_up_on"], &["author", "body"])?;
        let author = r.string("author", map.get("author"), false);
        let text = r.string("body", map.get("body"), false);
        let follow_up_on = r.string("follow_up_on", map.get("follow_up_on"), true);
        r.finish((case, author, text, follow_up_on))
    });
    let (case, author, text, follow_up_on) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match conversation::add_note_for(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        &author,
        &text,
        &follow_up_on,
    )
    .await
    {
        Ok(id) => json_with(
            StatusCode::CREATED,
            &NoteWritten {
                note_id: id.to_string(),
            },
        ),
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}

/// A milestone as sent.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRequest {
    /// What.
    pub text: String,
    /// By when (`YYYY-MM-DD`, after today, within 366 days).
    #[schema(format = Date)]
    pub due_on: String,
}

/// A new version of the action plan.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// The username of the link worker who agreed it with the person (one of the client's
    /// facility).
    pub author: String,
    /// The latest version read (`GET …/plan`; 0 before the first): a stale one is 409.
    #[schema(minimum = 0)]
    pub version: i64,
    /// Goals in the person's words (1 to 10, each up to 300 characters).
    pub goals: Vec<String>,
    /// Milestones with their dates (up to 10).
    pub milestones: Vec<MilestoneRequest>,
    /// Obstacles and how to meet them (up to 10).
    pub obstacles: Vec<String>,
    /// When the plan is reviewed (`YYYY-MM-DD`, after today, within 366 days).
    #[schema(format = Date)]
    pub review_on: String,
}

/// A plan version saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSaved {
    /// The version now.
    pub version: i64,
}

fn parse_plan(body: &[u8]) -> Result<(String, i64, ActionPlanInput), ApiError> {
    const FIELDS: [&str; 6] = ["author", "version", "goals", "milestones", "obstacles", "review_on"];
    let (mut r, map) = Reader::object(body, &FIELDS, &FIELDS)?;
    let author = r.string("author", map.get("author"), false);
    let version = r.version("version", map.get("version"), 0);
    let goals = r.strings("goals", map.get("goals"), false);
    let obstacles = r.strings("obstacles", map.get("obstacles"), false);
    let review_on = r.string("review_on", map.get("review_on"), false);
    let mut milestones = Vec::new();
    if let Some(Value::Array(items)) = map.get("milestones") {
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else {
                r.wrong(&format!("milestones[{i}]"));
                continue;
            };
            if let Some(extra) = m.keys().find(|k| !["text", "due_on"].contains(&k.as_str())) {
                r.problems
                    .push((format!("milestones[{i}].{extra}"), "api-field-unknown"));
            }
            milestones.push((
                r.string(&format!("milestones[{i}].text"), m.get("text"), false),
                r.string(&format!("milestones[{i}].due_on"), m.get("due_on"), false),
            ));
        }
    } else {
        r.wrong("milestones");
    }
    // Lines are how the form sends lists; a line break inside one item would split it.
    let joined = |items: &[String], field: &str, r: &mut Reader| {
        if items.iter().any(|i| i.contains(['\n', '\r'])) {
            r.problems.push((field.to_owned(), "api-field-wrong-type"));
        }
        items.join("\n")
    };
    let input = ActionPlanInput {
        goals: joined(&goals, "goals", &mut r),
        milestones,
        obstacles: joined(&obstacles, "obstacles", &mut r),
        review_on,
    };
    r.finish((author, version, input))
}

/// `POST /api/v1/cases/{case_id}/plan`: saves a new version of the action plan (the first one
/// after contact also records "plan agreed"), in the name of a link worker of the client's
/// facility.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/plan",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = PlanRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The version is saved", body = PlanSaved, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, or a field is wrong: each is named", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another version was saved since, or the person was not contacted yet", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn save_plan(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        Ok((case, parse_plan(&body)?))
    });
    let (case, (author, version, input)) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    let saved = action_plan::save_for(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        &author,
        &input,
        version,
    )
    .await;
    let i18n = &state.i18n;
    let language = ctx.language;
    match saved {
        Ok(version) => json_with(StatusCode::CREATED, &PlanSaved { version }),
        Err(PlanError::NotFound) => ctx.fail(&state, ApiError::NotFound),
        Err(PlanError::Invalid(errors)) => ctx.fail(&state, field_problems(&errors, str::to_owned)),
        Err(PlanError::NotContacted(now)) => ctx.fail(
            &state,
            ApiError::ConflictDetail(i18n.text_with(
                language,
                "plan-not-contacted",
                &[("state", referral_state(&state, language, now))],
            )),
        ),
        Err(PlanError::Conflict(now)) => ctx.fail(
            &state,
            ApiError::ConflictDetail(i18n.text_with(language, "plan-conflict", &[("version", FluentValue::from(now))])),
        ),
        Err(PlanError::Store(e)) => ctx.fail(&state, e),
    }
}

/// A self-completion link to make.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The username of the link worker who makes it (one of the client's facility).
    pub created_by: String,
    /// The instrument (offered in the person's language).
    pub instrument: String,
    /// `baseline` or `follow_up`.
    pub timepoint: String,
}

/// A self-completion link made: its token is shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkMade {
    /// The path the person opens (`/q/{token}`, on this server's address).
    pub path: String,
    /// When it stops working (14 days).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// `POST /api/v1/cases/{case_id}/questionnaire-links`: makes a self-completion link for one
/// questionnaire of the person, in the name of a link worker of the client's facility.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/questionnaire-links",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = LinkRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The link is made", body = LinkMade, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, the instrument is not offered in the person's language, or the maker is not a link worker of the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn make_link(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        let fields = ["created_by", "instrument", "timepoint"];
        let (mut r, map) = Reader::object(&body, &fields, &fields)?;
        let created_by = r.string("created_by", map.get("created_by"), false);
        let instrument = r.code("instrument", map.get("instrument"), Instrument::from_code);
        let timepoint = r.code("timepoint", map.get("timepoint"), Timepoint::from_code);
        match (instrument, timepoint) {
            (Some(i), Some(t)) if r.problems.is_empty() => Ok((case, created_by, i, t)),
            _ => Err(ApiError::Invalid(r.problems)),
        }
    });
    let (case, created_by, instrument, timepoint) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    let made = questionnaires::invite_for(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        &created_by,
        instrument,
        timepoint,
    )
    .await;
    match made {
        Ok(link) => json_with(
            StatusCode::CREATED,
            &LinkMade {
                path: format!("/q/{}", link.token.text()),
                expires_at: timestamp(link.expires_at),
            },
        ),
        Err(e) => ctx.fail(&state, work_error(&state, ctx.language, e)),
    }
}
