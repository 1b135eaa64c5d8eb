//! The link worker's work on a case after the first contact: the person's shortlist (put an
//! offer on it from the case's offer search; record the person's answer to each) and the
//! conversation notes. Each handler is behind the route guard (`Member(WorkCase)`) and checks
//! the CSRF token; a refused step shows the case page again with a notice (400 or 409) and
//! writes nothing.

use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::conversation;
use lotse_app::referral_work::WorkError;
use lotse_app::shortlist::{self, PersonAnswer, ShortlistError};
use lotse_domain::field::FieldError;
use lotse_domain::id::{CaseId, OfferId, OnwardReferralId};
use lotse_domain::onward_referral::DeclineReason;

use crate::AppState;
use crate::cases::{render_case, render_case_with_draft};
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{Page, onward_state_key, parse_id, see_other, state_key};

/// The message of one field's problem on the case page (`case-field-<name>` labels the field).
fn field_message(page: &Page, e: &FieldError) -> String {
    page.text_with(
        problem_key(e.problem),
        &[("field", FluentValue::from(page.t(&format!("case-field-{}", e.field))))],
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
    match conversation::add_note(&state.app, state.clock.as_ref(), &user.principal(), case, &form.body).await {
        Ok(_) => Ok(see_other(&format!("/cases/{case}#notes"))),
        Err(WorkError::Invalid(errors)) => {
            let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
            let text = errors
                .iter()
                .map(|e| field_message(&page, e))
                .collect::<Vec<_>>()
                .join(" ");
            let notice = Some((text, StatusCode::BAD_REQUEST));
            render_case_with_draft(&state, &headers, &user, &csrf, case, notice, form.body).await
        }
        Err(e) => Err(e.into()),
    }
}
