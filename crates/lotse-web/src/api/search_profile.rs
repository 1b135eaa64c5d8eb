//! `/api/v1/cases/{case_id}/search-profile` (scope `case:work`, the policy's `WorkCase`): the
//! person's search profile, read and saved with the page's use case
//! (`lotse_app::search_profile`): the same checks, audit entries and version conflicts. Saving
//! names the link worker of the client's facility who wrote it (`author`).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::search_profile::{self, ProfileError};
use lotse_domain::id::CaseId;
use lotse_domain::search_profile::SearchProfileInput;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::Reader;
use super::link_work::field_problems;
use super::{ApiContext, ApiError, json_with, parse_path_id, require_json};
use crate::AppState;

/// A person's search profile: what they look for in an offer beyond needs and languages. The
/// case's offer search applies it: distance, accessibility and cost limit the results,
/// interests and free times rank matching offers higher.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchProfileDocument {
    /// 0 before the first save; send it with the next save.
    pub version: i64,
    /// Offer categories the person likes (`group`, `sport`, …).
    pub interests: Vec<String>,
    /// How far from home they can travel, in whole km (1 to 100), or `null`.
    pub max_distance_km: Option<u16>,
    /// Accessibility features an offer must have (`step-free`, …).
    pub accessibility: Vec<String>,
    /// The most they can pay: `free`, `reduced`, `paid`, or `null`.
    pub max_cost: Option<String>,
    /// When they are free: `<weekday 1–7>-<morning|afternoon|evening>`, e.g. `2-morning`.
    pub free_times: Vec<String>,
}

/// A search profile to save (every field replaces the saved one).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchProfileRequest {
    /// The username of the link worker who wrote it (one of the client's facility).
    pub author: String,
    /// The version read (`GET`; 0 before the first): a stale one is 409.
    #[schema(minimum = 0)]
    pub version: i64,
    /// Offer categories the person likes (absent: none).
    pub interests: Option<Vec<String>>,
    /// How far they can travel, in whole km from 1 to 100, or `null` for no limit.
    #[schema(minimum = 1, maximum = 100)]
    pub max_distance_km: Option<i64>,
    /// Accessibility features an offer must have (absent: none).
    pub accessibility: Option<Vec<String>>,
    /// The most they can pay (`free`, `reduced`, `paid`), or `null` for no limit.
    pub max_cost: Option<String>,
    /// When they are free (`2-morning` …; at most 21; absent: none).
    pub free_times: Option<Vec<String>>,
}

/// A profile saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchProfileSaved {
    /// The version now.
    pub version: i64,
}

fn case_of(case_id: &str) -> Result<CaseId, ApiError> {
    parse_path_id("case_id", case_id).map(CaseId::from_uuid)
}

fn profile_error(state: &AppState, ctx: &ApiContext, e: ProfileError) -> Response {
    match e {
        ProfileError::NotFound => ctx.fail(state, ApiError::NotFound),
        ProfileError::Invalid(errors) => ctx.fail(state, field_problems(&errors, str::to_owned)),
        ProfileError::Conflict(now) => ctx.fail(
            state,
            ApiError::ConflictDetail(state.i18n.text_with(
                ctx.language,
                "sp-conflict-api",
                &[("version", FluentValue::from(now))],
            )),
        ),
        ProfileError::Store(e) => ctx.fail(state, e),
    }
}

/// `GET /api/v1/cases/{case_id}/search-profile`: the person's search profile (empty, version 0,
/// before the first save); an audited read of the case.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/search-profile",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The search profile", body = SearchProfileDocument, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_profile(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match case_of(&case_id) {
        Ok(c) => c,
        Err(e) => return ctx.fail(&state, e),
    };
    match search_profile::get(&state.app, state.clock.as_ref(), &ctx.principal, case).await {
        Ok((profile, version)) => {
            let codes = profile.input();
            json_with(
                StatusCode::OK,
                &SearchProfileDocument {
                    version,
                    interests: codes.interests,
                    max_distance_km: profile.max_distance_km,
                    accessibility: codes.accessibility,
                    max_cost: profile.max_cost.map(|c| c.code().to_owned()),
                    free_times: codes.free_times,
                },
            )
        }
        Err(e) => profile_error(&state, &ctx, e),
    }
}

fn parse(body: &[u8]) -> Result<(String, i64, SearchProfileInput), ApiError> {
    const FIELDS: [&str; 7] = [
        "author",
        "version",
        "interests",
        "max_distance_km",
        "accessibility",
        "max_cost",
        "free_times",
    ];
    let (mut r, map) = Reader::object(body, &FIELDS, &["author", "version"])?;
    let author = r.string("author", map.get("author"), false);
    let version = r.version("version", map.get("version"), 0);
    let input = SearchProfileInput {
        interests: r.strings("interests", map.get("interests"), true),
        max_distance_km: r.integer("max_distance_km", map.get("max_distance_km"), true),
        accessibility: r.strings("accessibility", map.get("accessibility"), true),
        max_cost: r.string("max_cost", map.get("max_cost"), true),
        free_times: r.strings("free_times", map.get("free_times"), true),
    };
    r.finish((author, version, input))
}

/// `PUT /api/v1/cases/{case_id}/search-profile`: saves the person's search profile in the name
/// of a link worker of the client's facility.
#[utoipa::path(
    put,
    path = "/api/v1/cases/{case_id}/search-profile",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = SearchProfileRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The profile is saved", body = SearchProfileSaved, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed, or a field is wrong: each is named", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another version was saved since", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_profile(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = case_of(&case_id).and_then(|case| {
        require_json(&headers)?;
        Ok((case, parse(&body)?))
    });
    let (case, (author, version, input)) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match search_profile::save_for(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        &author,
        &input,
        version,
    )
    .await
    {
        Ok(version) => json_with(StatusCode::OK, &SearchProfileSaved { version }),
        Err(e) => profile_error(&state, &ctx, e),
    }
}
