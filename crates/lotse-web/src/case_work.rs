//! The link worker's work on a case after the first contact: the person's shortlist (put an
//! offer on it from the case's offer search; record the person's answer to each), the
//! conversation notes, and the action plan (saved as a new version; printed for the person). Each handler is behind the route guard (`Member(WorkCase)`) and checks
//! the CSRF token; a refused step shows the case page again with a notice (400 or 409) and
//! writes nothing.

use axum::Extension;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::action_plan::{self, PlanError};
use lotse_app::auth::SessionUser;
use lotse_app::conversation;
use lotse_app::referral_work::WorkError;
use lotse_app::shortlist::{self, PersonAnswer, ShortlistError};
use lotse_domain::action_plan::ActionPlanInput;
use lotse_domain::field::FieldError;
use lotse_domain::id::{CaseId, OfferId, OnwardReferralId};
use lotse_domain::onward_referral::DeclineReason;
use lotse_pdf::{Contact, PlanContent, SheetLanguage};

use crate::AppState;
use crate::cases::{Draft, render_case, render_case_with_draft};
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{Page, form_all, form_one, form_pairs, onward_state_key, parse_id, see_other, state_key};

/// The label of a field on the case page: `case-field-<name>`, and for a plan's milestone
/// (`milestones[2].due_on`) its row, counted from 1.
fn field_label(page: &Page, field: &str) -> String {
    let row = field
        .strip_prefix("milestones[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(i, part)| Some((i.parse::<usize>().ok()? + 1, part)));
    match row {
        Some((n, part)) => page.text_with(
            &format!("case-field-milestone-{}", part.replace('_', "-")),
            &[("n", FluentValue::from(n))],
        ),
        None => page.t(&format!("case-field-{field}")),
    }
}

/// The message of one field's problem on the case page.
fn field_message(page: &Page, e: &FieldError) -> String {
    page.text_with(
        problem_key(e.problem),
        &[("field", FluentValue::from(field_label(page, &e.field)))],
    )
}

/// The case page again with a notice, or the error page for what is not the user's to fix.
async fn shortlist_outcome(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    case: CaseId,
    result: Result<(), ShortlistError>,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, "/cases", Some(user), csrf);
    let notice = match result {
        Ok(()) => return Ok(see_other(&format!("/cases/{case}#shortlist"))),
        Err(ShortlistError::Invalid(errors)) => (
            errors
                .iter()
                .map(|e| field_message(&page, e))
                .collect::<Vec<_>>()
                .join(" "),
            StatusCode::BAD_REQUEST,
        ),
        Err(ShortlistError::NotContacted(now)) => (
            page.text_with(
                "shortlist-not-contacted",
                &[("state", FluentValue::from(page.t(&state_key(now.code()))))],
            ),
            StatusCode::CONFLICT,
        ),
        Err(ShortlistError::Refused(now)) => (
            page.text_with(
                "shortlist-refused",
                &[("state", FluentValue::from(page.t(&onward_state_key(now.code()))))],
            ),
            StatusCode::CONFLICT,
        ),
        Err(ShortlistError::Conflict { state: now, .. }) => (
            page.text_with(
                "shortlist-conflict",
                &[("state", FluentValue::from(page.t(&onward_state_key(now.code()))))],
            ),
            StatusCode::CONFLICT,
        ),
        Err(ShortlistError::NotFound) => return Err(WebError::NotFound),
        Err(ShortlistError::Store(e)) => return Err(e.into()),
    };
    render_case(state, headers, user, csrf, case, Some(notice)).await
}

/// The form that puts an offer on the shortlist.
#[derive(Debug, serde::Deserialize)]
pub struct ProposeForm {
    /// The CSRF token (missing counts as wrong: 403).
    #[serde(default)]
    csrf: String,
    /// The offer's id.
    #[serde(default)]
    offer: String,
}

/// `POST /cases/{id}/shortlist`: puts an offer (`offer`, its id) on the person's shortlist.
pub async fn propose(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ProposeForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let result = match lotse_domain::id::parse_canonical(&form.offer).map(OfferId::from_uuid) {
        Some(offer) => shortlist::propose(&state.app, state.clock.as_ref(), &user.principal(), case, offer)
            .await
            .map(drop),
        None => Err(ShortlistError::Invalid(vec![FieldError {
            field: "offer".into(),
            problem: lotse_domain::field::FieldProblem::UnknownCode,
        }])),
    };
    shortlist_outcome(&state, &headers, &user, &csrf, case, result).await
}

/// The person's answer to one offer of the shortlist.
#[derive(Debug, serde::Deserialize)]
pub struct AnswerForm {
    /// The CSRF token (missing counts as wrong: 403).
    #[serde(default)]
    csrf: String,
    /// The version shown (missing: refused as stale).
    #[serde(default)]
    version: i64,
    /// `accept` or `decline`.
    #[serde(default)]
    answer: String,
    /// Declining: the reason's code.
    #[serde(default)]
    reason: String,
}

/// `POST /cases/{id}/shortlist/{onward}`: records the person's answer (`answer`: `accept`, or
/// `decline` with a `reason` code).
pub async fn answer(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, onward)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let onward = OnwardReferralId::from_uuid(parse_id(&onward)?);
    let answer = match (form.answer.as_str(), DeclineReason::from_code(&form.reason)) {
        ("accept", _) => Some(PersonAnswer::Accept),
        ("decline", Some(reason)) => Some(PersonAnswer::Decline(reason)),
        _ => None,
    };
    let result = match answer {
        Some(answer) => {
            shortlist::answer(
                &state.app,
                state.clock.as_ref(),
                &user.principal(),
                case,
                onward,
                answer,
                form.version,
            )
            .await
        }
        None => Err(ShortlistError::Invalid(vec![FieldError {
            field: if form.answer == "decline" { "reason" } else { "answer" }.into(),
            problem: lotse_domain::field::FieldProblem::UnknownCode,
        }])),
    };
    shortlist_outcome(&state, &headers, &user, &csrf, case, result).await
}

/// A conversation note.
#[derive(Debug, serde::Deserialize)]
pub struct NoteForm {
    /// The CSRF token (missing counts as wrong: 403).
    #[serde(default)]
    csrf: String,
    /// The text.
    #[serde(default)]
    body: String,
    /// The day of the next conversation with the person (optional).
    #[serde(default)]
    follow_up_on: String,
}

/// `POST /cases/{id}/notes`: writes a conversation note (sealed at rest).
pub async fn add_note(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<NoteForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    match conversation::add_note(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        case,
        &form.body,
        &form.follow_up_on,
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/cases/{case}#notes"))),
        Err(WorkError::Invalid(errors)) => {
            let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
            let text = errors
                .iter()
                .map(|e| field_message(&page, e))
                .collect::<Vec<_>>()
                .join(" ");
            let notice = Some((text, StatusCode::BAD_REQUEST));
            let draft = Draft {
                note: form.body,
                follow_up_on: form.follow_up_on,
                plan: None,
            };
            render_case_with_draft(&state, &headers, &user, &csrf, case, notice, draft).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /cases/{id}/plan`: saves a new version of the action plan (`goals`, repeated
/// `milestone_text` and `milestone_due`, `obstacles`, `review_on`, and the `version` shown).
/// Wrong fields: 400 with the form as sent and one message per field; another save first: 409.
pub async fn save_plan(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let texts = form_all(&pairs, "milestone_text");
    let dues = form_all(&pairs, "milestone_due");
    let rows = texts.len().max(dues.len());
    let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    let input = ActionPlanInput {
        goals: form_one(&pairs, "goals"),
        milestones: (0..rows).map(|i| (at(&texts, i), at(&dues, i))).collect(),
        obstacles: form_one(&pairs, "obstacles"),
        review_on: form_one(&pairs, "review_on"),
    };
    let version = form_one(&pairs, "version").parse::<i64>().unwrap_or(-1);
    let result = action_plan::save(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        case,
        &input,
        version,
    )
    .await;
    let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
    let notice = match result {
        Ok(_) => return Ok(see_other(&format!("/cases/{case}#plan"))),
        Err(PlanError::Invalid(errors)) => (
            errors
                .iter()
                .map(|e| field_message(&page, e))
                .collect::<Vec<_>>()
                .join(" "),
            StatusCode::BAD_REQUEST,
        ),
        Err(PlanError::NotContacted(now)) => (
            page.text_with(
                "plan-not-contacted",
                &[("state", FluentValue::from(page.t(&state_key(now.code()))))],
            ),
            StatusCode::CONFLICT,
        ),
        Err(PlanError::Conflict(now)) => (
            page.text_with("plan-conflict", &[("version", FluentValue::from(now))]),
            StatusCode::CONFLICT,
        ),
        Err(PlanError::NotFound) => return Err(WebError::NotFound),
        Err(PlanError::Store(e)) => return Err(e.into()),
    };
    let draft = Draft {
        plan: Some(input),
        ..Draft::default()
    };
    render_case_with_draft(&state, &headers, &user, &csrf, case, Some(notice), draft).await
}

/// `GET /cases/{id}/plan.pdf`: the latest plan printed for the person, in their language
/// (German where it has none). Never cached; 404 without a plan.
pub async fn plan_pdf(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let printable = action_plan::printable(&state.app, state.clock.as_ref(), &user.principal(), case)
        .await?
        .ok_or(WebError::NotFound)?;
    let bytes = render_plan(printable).await.map_err(WebError::Internal)?;
    Ok(crate::prescriptions::pdf_response(bytes, "plan.pdf"))
}

/// The printed plan (the page's download and the API's): the latest version in the person's
/// language (German where it has none), with the facility's contact.
pub(crate) async fn render_plan(printable: action_plan::PrintablePlan) -> Result<Vec<u8>, String> {
    let plan = &printable.plan;
    let content = PlanContent {
        language: SheetLanguage::from_tag(&printable.language).unwrap_or(SheetLanguage::De),
        version: plan.version,
        written_on: plan.written_at.date(),
        link_worker: plan.author_name.clone().unwrap_or_default(),
        facility: Contact {
            name: printable.facility_name.clone(),
            address_lines: printable.facility.address_lines.clone(),
            phone: printable.facility.phone.clone().unwrap_or_default(),
            opening_hours: printable.facility.opening_hours.clone(),
        },
        goals: plan.content.goals.clone(),
        milestones: plan
            .content
            .milestones
            .iter()
            .map(|m| (m.text.clone(), m.due_on))
            .collect(),
        obstacles: plan.content.obstacles.clone(),
        review_on: plan.content.review_on,
    };
    tokio::task::spawn_blocking(move || lotse_pdf::action_plan(&content))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}
