//! Keeping the directory current, as pages: the edit form of an offer (its provider, or a
//! coordinator: `/offers/{id}/edit`), the coordinator's buttons on it (verify, pause, resume,
//! end: `POST /offers/{id}/{verify|pause|resume|end}`), the review list (`/offers/review`) and
//! the proposed duplicates with their merge forms (`/offers/duplicates`,
//! `POST /offers/{id}/merge`). Plain forms that post and redirect; no JavaScript. A wrong field
//! answers 400 with the form as typed and a message per field; a stale version 409.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::offer_edit::{self, Curation, EditError, EditableOffer};
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::OfferId;
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, CostKind, OfferCategory, TargetGroup};
use lotse_domain::offer_edit::{OfferEdit, SessionInput};

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{
    Page, form_all as all, form_one as one, form_pairs as pairs, parse_id, render_private, safe_path, see_other,
};

impl From<EditError> for WebError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NotFound => Self::NotFound,
            EditError::Invalid(fields) => Self::BadRequest(format!("{} fields are wrong", fields.len())),
            EditError::BadVersion => Self::BadRequest("the version must be 1 or more".into()),
            EditError::Conflict { .. } => Self::Conflict("the offer was changed meanwhile".into()),
            EditError::Transition(t) => Self::Conflict(t.to_string()),
            EditError::Store(s) => s.into(),
        }
    }
}

/// A checkbox or option: (code, label, chosen).
pub struct Choice {
    code: &'static str,
    label: String,
    chosen: bool,
}

fn choices(page: &Page, prefix: &str, codes: impl Iterator<Item = &'static str>, chosen: &[String]) -> Vec<Choice> {
    codes
        .map(|code| Choice {
            code,
            label: page.t(&format!("{prefix}-{code}")),
            chosen: chosen.iter().any(|c| c == code),
        })
        .collect()
}

/// One session row of the form.
pub struct SessionRow {
    days: Vec<Choice>,
    opens_at: String,
    closes_at: String,
}

#[derive(Template)]
#[template(path = "offer_edit.html")]
struct EditPage {
    page: Page,
    id: String,
    version: i64,
    edit: OfferEdit,
    languages: String,
    categories: Vec<Choice>,
    needs: Vec<Choice>,
    targets: Vec<Choice>,
    access: Vec<Choice>,
    costs: Vec<Choice>,
    sessions: Vec<SessionRow>,
    errors: Vec<String>,
    may_curate: bool,
    status: String,
    status_code: &'static str,
    verified: String,
    merged_into: Option<String>,
}

/// The label of a field as the form names it (`sessions[1].closes_at` → "Session 2: ends").
fn field_label(page: &Page, field: &str) -> String {
    if let Some(rest) = field.strip_prefix("sessions[")
        && let Some((n, part)) = rest.split_once("].")
        && let Ok(n) = n.parse::<usize>()
    {
        return page.text_with(
            "edit-session-field",
            &[
                ("number", FluentValue::from(n + 1)),
                (
                    "part",
                    FluentValue::from(page.t(&format!("edit-field-{}", part.replace('_', "-")))),
                ),
            ],
        );
    }
    page.t(&format!("edit-field-{}", field.replace('_', "-")))
}

/// The i18n key of a field's problem (`field-error-<code>`; its message takes `$field`).
pub(crate) const fn problem_key(p: FieldProblem) -> &'static str {
    match p {
        FieldProblem::Required => "field-error-required",
        FieldProblem::TooLong => "field-error-too-long",
        FieldProblem::Number => "field-error-number",
        FieldProblem::Amount => "field-error-amount",
        FieldProblem::UnknownCode => "field-error-unknown-code",
        FieldProblem::AgesReversed => "field-error-ages-reversed",
        FieldProblem::Time => "field-error-time",
        FieldProblem::SessionEndsBeforeStart => "field-error-session-ends-before-start",
        FieldProblem::TooMany => "field-error-too-many",
        FieldProblem::Weekday => "field-error-weekday",
        FieldProblem::UnknownPostcode => "field-error-unknown-postcode",
        FieldProblem::Date => "field-error-date",
        FieldProblem::DateInFuture => "field-error-date-in-future",
        FieldProblem::DateTooEarly => "field-error-date-too-early",
        FieldProblem::Phone => "field-error-phone",
        FieldProblem::ConsentRequired => "field-error-consent-required",
        FieldProblem::AlreadyShortlisted => "field-error-already-shortlisted",
        FieldProblem::DateInPast => "field-error-date-in-past",
        FieldProblem::DateNotAfterToday => "field-error-date-not-after-today",
        FieldProblem::DateTooFar => "field-error-date-too-far",
        FieldProblem::OutOfRange => "field-error-out-of-range",
        FieldProblem::NameTaken => "field-error-name-taken",
        FieldProblem::LapseNotAfterSilence => "field-error-lapse-not-after-silence",
        FieldProblem::Email => "field-error-email",
        FieldProblem::CodeNotForPerson => "field-error-code-not-for-person",
        FieldProblem::AlreadyReferred => "field-error-already-referred",
    }
}

/// The message of one field's problem, in the page's language.
fn message(page: &Page, e: &FieldError) -> String {
    page.text_with(
        problem_key(e.problem),
        &[("field", FluentValue::from(field_label(page, &e.field)))],
    )
}

fn edit_page(page: Page, offer: &EditableOffer, edit: OfferEdit, version: i64, errors: &[FieldError]) -> EditPage {
    let errors = errors.iter().map(|e| message(&page, e)).collect();
    let mut sessions: Vec<SessionRow> = edit
        .sessions
        .iter()
        .chain([SessionInput::default(), SessionInput::default()].iter())
        .map(|s| SessionRow {
            days: (1..=7u8)
                .map(|d| Choice {
                    code: ["1", "2", "3", "4", "5", "6", "7"]
                        .get(usize::from(d - 1))
                        .copied()
                        .unwrap_or("1"),
                    label: page.t(&format!("weekday-{d}")),
                    chosen: s.weekday.trim() == d.to_string(),
                })
                .collect(),
            opens_at: s.opens_at.clone(),
            closes_at: s.closes_at.clone(),
        })
        .collect();
    sessions.truncate(lotse_domain::offer_edit::MAX_SESSIONS);
    let o = &offer.offer;
    EditPage {
        id: o.id.to_string(),
        version,
        languages: edit.languages.join(", "),
        categories: choices(
            &page,
            "category",
            OfferCategory::ALL.iter().map(|c| c.code()),
            std::slice::from_ref(&edit.category),
        ),
        needs: choices(
            &page,
            "need",
            NeedDomain::ALL.iter().map(|c| c.code()),
            &edit.need_domains,
        ),
        targets: choices(
            &page,
            "target",
            TargetGroup::ALL.iter().map(|c| c.code()),
            &edit.target_groups,
        ),
        access: choices(
            &page,
            "access",
            AccessibilityFeature::ALL.iter().map(|c| c.code()),
            &edit.accessibility,
        ),
        costs: choices(
            &page,
            "cost",
            CostKind::ALL.iter().map(|c| c.code()),
            std::slice::from_ref(&edit.cost),
        ),
        sessions,
        errors,
        may_curate: offer.may_curate,
        status: page.t(&format!("offer-status-{}", o.status.code())),
        status_code: o.status.code(),
        verified: o
            .last_verified
            .map_or_else(|| page.t("offer-never-verified"), |d| d.to_string()),
        merged_into: offer.merged_into.map(|m| m.to_string()),
        edit,
        page,
    }
}

/// `GET /offers/{id}/edit`: the form, for the offer's provider or a coordinator (others 404).
pub async fn form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = OfferId::from_uuid(parse_id(&id)?);
    let offer = offer_edit::offer_for_edit(&state.app, state.clock.as_ref(), &user.principal(), id).await?;
    let page = Page::new(&state, &headers, &format!("/offers/{id}/edit"), Some(&user), &csrf);
    let edit = OfferEdit::of(&offer.offer);
    render_private(&edit_page(page, &offer, edit, offer.version, &[]), StatusCode::OK)
}

/// The version a form carries; a missing or malformed one is 0, which the use case refuses
/// (after it has decided about the offer, so a refusal for lack of access comes first).
fn version(pairs: &[(String, String)]) -> i64 {
    one(pairs, "version").trim().parse().unwrap_or(0)
}

/// The edit as the form posts it.
fn edit_of(pairs: &[(String, String)]) -> OfferEdit {
    let days = all(pairs, "session_day");
    let opens = all(pairs, "session_opens");
    let closes = all(pairs, "session_closes");
    let n = days.len().max(opens.len()).max(closes.len()).min(100);
    let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    OfferEdit {
        title: one(pairs, "title"),
        description: one(pairs, "description"),
        category: one(pairs, "category"),
        need_domains: all(pairs, "need"),
        target_groups: all(pairs, "target"),
        languages: one(pairs, "languages")
            .split([',', ' ', ';'])
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_owned())
            .collect(),
        accessibility: all(pairs, "access"),
        min_age: one(pairs, "min_age"),
        max_age: one(pairs, "max_age"),
        cost: one(pairs, "cost"),
        cost_amount: one(pairs, "cost_amount"),
        cost_note: one(pairs, "cost_note"),
        street: one(pairs, "street"),
        postcode: one(pairs, "postcode"),
        city: one(pairs, "city"),
        phone: one(pairs, "phone"),
        email: one(pairs, "email"),
        url: one(pairs, "url"),
        open_places: one(pairs, "open_places"),
        waiting_list: one(pairs, "waiting_list"),
        sessions: (0..n)
            .map(|i| SessionInput {
                weekday: at(&days, i),
                opens_at: at(&opens, i),
                closes_at: at(&closes, i),
            })
            .collect(),
    }
}

/// `POST /offers/{id}/edit`: saves the form; back to the offer's page. A wrong field answers
/// 400 with the form as typed and each field's message; nothing is saved.
pub async fn save(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &one(&pairs, "csrf")).await?;
    let id = OfferId::from_uuid(parse_id(&id)?);
    let principal = user.principal();
    let edit = edit_of(&pairs);
    let version = version(&pairs);
    match offer_edit::edit(&state.app, state.clock.as_ref(), &principal, id, version, &edit).await {
        Ok(_) => Ok(see_other(&format!("/offers/{id}"))),
        Err(EditError::Invalid(errors)) => {
            let offer = offer_edit::offer_for_edit(&state.app, state.clock.as_ref(), &principal, id).await?;
            let page = Page::new(&state, &headers, &format!("/offers/{id}/edit"), Some(&user), &csrf);
            render_private(
                &edit_page(page, &offer, edit, version, &errors),
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn curate(
    state: &AppState,
    user: &SessionUser,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
    curation: impl FnOnce(&[(String, String)]) -> Result<Curation, WebError>,
) -> Result<Response, WebError> {
    let pairs = pairs(body)?;
    csrf::verify_signed_in(state, user, headers, &one(&pairs, "csrf")).await?;
    let id = OfferId::from_uuid(parse_id(id)?);
    let curation = curation(&pairs)?;
    offer_edit::curate(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        id,
        version(&pairs),
        curation,
    )
    .await?;
    let back = one(&pairs, "back");
    let back = if back.is_empty() {
        format!("/offers/{id}/edit")
    } else {
        safe_path(&back)
    };
    Ok(see_other(&back))
}

/// `POST /offers/{id}/verify`: a coordinator confirms the details today.
pub async fn verify(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    curate(&state, &user, &headers, &id, &body, |_| Ok(Curation::Verify)).await
}

/// `POST /offers/{id}/pause`.
pub async fn pause(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    curate(&state, &user, &headers, &id, &body, |_| Ok(Curation::Pause)).await
}

/// `POST /offers/{id}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    curate(&state, &user, &headers, &id, &body, |_| Ok(Curation::Resume)).await
}

/// `POST /offers/{id}/end`.
pub async fn end(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    curate(&state, &user, &headers, &id, &body, |_| Ok(Curation::End)).await
}

/// `POST /offers/{id}/merge` with `into`: the offer is a duplicate of `into`, which remains.
/// A missing or malformed `into` is judged like an unknown offer (404), after the offer itself
/// was decided about.
pub async fn merge(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    curate(&state, &user, &headers, &id, &body, |pairs| {
        let into = lotse_domain::id::parse_canonical(one(pairs, "into").trim()).unwrap_or_default();
        Ok(Curation::MergeInto(OfferId::from_uuid(into)))
    })
    .await
}

/// One row of the review list.
pub struct ReviewRow {
    id: String,
    title: String,
    provider: String,
    status: String,
    verified: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "offer_review.html")]
struct ReviewPage {
    page: Page,
    intro: String,
    rows: Vec<ReviewRow>,
}

/// `GET /offers/review`: the offers due for review, for coordinators.
pub async fn review(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let list = offer_edit::review_list(&state.app, &state.directories, state.clock.as_ref(), &user.principal()).await?;
    let page = Page::new(&state, &headers, "/offers/review", Some(&user), &csrf);
    let rows = list
        .items
        .iter()
        .map(|i| ReviewRow {
            id: i.id.to_string(),
            title: i.title.clone(),
            provider: i.provider_name.clone(),
            status: page.t(&format!("offer-status-{}", i.status.code())),
            verified: i
                .last_verified
                .map_or_else(|| page.t("offer-never-verified"), |d| d.to_string()),
            version: i.version,
        })
        .collect();
    let intro = page.text_with(
        "review-intro",
        &[
            ("days", FluentValue::from(list.review_days)),
            ("count", FluentValue::from(list.items.len())),
        ],
    );
    render_private(&ReviewPage { page, intro, rows }, StatusCode::OK)
}

/// One proposed pair as the page shows it.
pub struct PairRow {
    first_id: String,
    first_title: String,
    first_provider: String,
    first_version: i64,
    second_id: String,
    second_title: String,
    second_provider: String,
    second_version: i64,
    why: String,
    similar: String,
}

#[derive(Template)]
#[template(path = "offer_duplicates.html")]
struct DuplicatesPage {
    page: Page,
    pairs: Vec<PairRow>,
}

/// `GET /offers/duplicates`: the proposed duplicates, each with two merge buttons.
pub async fn duplicates(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let found = offer_edit::duplicates(&state.app, &state.directories, state.clock.as_ref(), &user.principal()).await?;
    let page = Page::new(&state, &headers, "/offers/duplicates", Some(&user), &csrf);
    let pairs = found
        .iter()
        .map(|p| {
            let why = match (p.same_provider, p.same_place) {
                (true, true) => page.t("duplicates-same-both"),
                (true, false) => page.t("duplicates-same-provider"),
                _ => page.t("duplicates-same-place"),
            };
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a similarity is between 0 and 1"
            )]
            let percent = (p.similarity * 100.0).round() as u32;
            PairRow {
                first_id: p.first.id.to_string(),
                first_title: p.first.title.clone(),
                first_provider: p.first.provider_name.clone(),
                first_version: p.first.version,
                second_id: p.second.id.to_string(),
                second_title: p.second.title.clone(),
                second_provider: p.second.provider_name.clone(),
                second_version: p.second.version,
                why,
                similar: page.text_with("duplicates-similar", &[("percent", FluentValue::from(percent))]),
            }
        })
        .collect();
    render_private(&DuplicatesPage { page, pairs }, StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_its_key() {
        for p in FieldProblem::ALL {
            assert_eq!(problem_key(p), format!("field-error-{}", p.code()));
        }
    }

    #[test]
    fn a_posted_form_becomes_an_edit_with_sessions_in_order() {
        let body = b"title=Chor&need=loneliness&need=low-mood&languages=de%2C+tr&session_day=2&session_opens=14%3A00\
&session_closes=16%3A00&session_day=&session_opens=&session_closes=&version=3";
        let pairs = pairs(body).unwrap();
        let edit = edit_of(&pairs);
        assert_eq!(edit.title, "Chor");
        assert_eq!(edit.need_domains, vec!["loneliness".to_owned(), "low-mood".to_owned()]);
        assert_eq!(edit.languages, vec!["de".to_owned(), "tr".to_owned()]);
        assert_eq!(edit.sessions.len(), 2);
        assert_eq!(edit.sessions.first().map(|s| s.closes_at.as_str()), Some("16:00"));
        assert_eq!(version(&pairs), 3);
        assert_eq!(version(&[]), 0);
    }
}
