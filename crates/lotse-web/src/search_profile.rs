//! The person's search profile (`/cases/{id}/search-profile`): what they look for in an offer
//! beyond needs and languages, entered by the link worker holding the case. Saved, the case's
//! offer search (`/cases/{id}/offers`) applies it. A wrong field shows the form again with
//! everything entered and one message per field (400); a save that meets someone else's newer
//! version is refused (409), showing what is saved now, with the entries kept.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::search_profile::{self, ProfileError};
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::CaseId;
use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory};
use lotse_domain::search_profile::{SearchProfile, SearchProfileInput, free_time_code};
use time::Weekday;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{Page, form_all, form_one, form_pairs, parse_id, render_private, see_other};

/// One checkbox or option: value, label, chosen.
type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "search_profile.html")]
struct ProfilePage {
    page: Page,
    case_id: String,
    version: i64,
    errors: Vec<String>,
    notice: Option<String>,
    interests: Vec<Choice>,
    max_distance_km: String,
    accessibility: Vec<Choice>,
    costs: Vec<Choice>,
    /// Per weekday: its name and its three parts of the day.
    free_times: Vec<(String, Vec<Choice>)>,
}

fn coded<T: Copy>(page: &Page, all: &[T], code: fn(T) -> &'static str, prefix: &str, chosen: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|x| {
            let c = code(*x);
            (
                c.to_owned(),
                page.t(&format!("{prefix}-{c}")),
                chosen.iter().any(|v| v == c),
            )
        })
        .collect()
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

fn profile_page(
    page: Page,
    case: CaseId,
    input: &SearchProfileInput,
    version: i64,
    errors: &[FieldError],
    notice: Option<String>,
) -> ProfilePage {
    let free_times = WEEK
        .iter()
        .map(|day| {
            let parts = DayPart::ALL
                .iter()
                .map(|part| {
                    let code = free_time_code(*day, *part);
                    let chosen = input.free_times.contains(&code);
                    (code, page.t(&format!("daypart-{}", part.code())), chosen)
                })
                .collect();
            (page.t(&format!("weekday-{}", day.number_from_monday())), parts)
        })
        .collect();
    ProfilePage {
        case_id: case.to_string(),
        version,
        errors: errors.iter().map(|e| message(&page, e)).collect(),
        notice,
        interests: coded(
            &page,
            OfferCategory::ALL,
            OfferCategory::code,
            "category",
            &input.interests,
        ),
        max_distance_km: input.max_distance_km.clone(),
        accessibility: coded(
            &page,
            AccessibilityFeature::ALL,
            AccessibilityFeature::code,
            "access",
            &input.accessibility,
        ),
        costs: coded(
            &page,
            CostKind::ALL,
            CostKind::code,
            "cost",
            std::slice::from_ref(&input.max_cost),
        ),
        free_times,
        page,
    }
}

fn message(page: &Page, e: &FieldError) -> String {
    let label = page.t(&format!("sp-field-{}", e.field.replace('_', "-")));
    page.text_with(problem_key(e.problem), &[("field", FluentValue::from(label))])
}

/// The profile in one line of the reader's language, for the case's offer search.
pub(crate) fn summary(page: &Page, p: &SearchProfile) -> String {
    if p.is_empty() {
        return page.t("sp-none");
    }
    let labels = |prefix: &str, codes: Vec<&str>| {
        codes
            .into_iter()
            .map(|c| page.t(&format!("{prefix}-{c}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !p.interests.is_empty() {
        let likes = labels("category", p.interests.iter().map(|c| c.code()).collect());
        parts.push(page.text_with("sp-sum-interests", &[("list", FluentValue::from(likes))]));
    }
    if let Some(km) = p.max_distance_km {
        parts.push(page.text_with("sp-sum-distance", &[("km", FluentValue::from(km))]));
    }
    if !p.accessibility.is_empty() {
        let needs = labels("access", p.accessibility.iter().map(|a| a.code()).collect());
        parts.push(page.text_with("sp-sum-access", &[("list", FluentValue::from(needs))]));
    }
    if let Some(cost) = p.max_cost {
        let label = page.t(&format!("cost-{}", cost.code()));
        parts.push(page.text_with("sp-sum-cost", &[("cost", FluentValue::from(label))]));
    }
    if !p.free_times.is_empty() {
        let times = p
            .free_times
            .iter()
            .map(|(day, part)| {
                format!(
                    "{} {}",
                    page.t(&format!("weekday-{}", day.number_from_monday())),
                    page.t(&format!("daypart-{}", part.code()))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(page.text_with("sp-sum-times", &[("list", FluentValue::from(times))]));
    }
    // A line of its own: it starts with a capital letter in every language.
    let line = parts.join(" · ");
    let mut chars = line.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `GET /cases/{id}/search-profile`: the form, filled with the saved profile (an audited read).
pub async fn form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let (profile, version) = search_profile::get(&state.app, state.clock.as_ref(), &user.principal(), case)
        .await
        .map_err(profile_error)?;
    let page = Page::new(
        &state,
        &headers,
        &format!("/cases/{case}/search-profile"),
        Some(&user),
        &csrf,
    );
    render_private(
        &profile_page(page, case, &profile.input(), version, &[], None),
        StatusCode::OK,
    )
}

fn profile_error(e: ProfileError) -> WebError {
    match e {
        ProfileError::Store(s) => s.into(),
        _ => WebError::NotFound,
    }
}

/// `POST /cases/{id}/search-profile`: saves it and returns to the case's offer search (303).
pub async fn save(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let input = SearchProfileInput {
        interests: form_all(&pairs, "interests"),
        max_distance_km: form_one(&pairs, "max_distance_km"),
        accessibility: form_all(&pairs, "accessibility"),
        max_cost: form_one(&pairs, "max_cost"),
        free_times: form_all(&pairs, "free_times"),
    };
    let principal = user.principal();
    let Ok(version) = form_one(&pairs, "version").trim().parse::<i64>() else {
        let page = Page::new(
            &state,
            &headers,
            &format!("/cases/{case}/search-profile"),
            Some(&user),
            &csrf,
        );
        let wrong = [FieldError::new("version", FieldProblem::Number)];
        return render_private(
            &profile_page(page, case, &input, 0, &wrong, None),
            StatusCode::BAD_REQUEST,
        );
    };
    let saved = search_profile::save(&state.app, state.clock.as_ref(), &principal, case, &input, version).await;
    let Err(refused) = saved else {
        return Ok(see_other(&format!("/cases/{case}/offers")));
    };
    let page = Page::new(
        &state,
        &headers,
        &format!("/cases/{case}/search-profile"),
        Some(&user),
        &csrf,
    );
    match refused {
        ProfileError::Invalid(errors) => render_private(
            &profile_page(page, case, &input, version, &errors, None),
            StatusCode::BAD_REQUEST,
        ),
        ProfileError::Conflict(_) => {
            // What is saved now, so the worker sees what changed; their entries stay.
            let (saved, now) = search_profile::get(&state.app, state.clock.as_ref(), &principal, case)
                .await
                .map_err(profile_error)?;
            let notice = page.text_with(
                "sp-conflict",
                &[
                    ("version", FluentValue::from(now)),
                    ("saved", FluentValue::from(summary(&page, &saved))),
                ],
            );
            render_private(
                &profile_page(page, case, &input, now, &[], Some(notice)),
                StatusCode::CONFLICT,
            )
        }
        e => Err(profile_error(e)),
    }
}
