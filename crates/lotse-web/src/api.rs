//! `/api/v1`: JSON for API clients (bearer tokens, see [`lotse_app::api_client`]), each endpoint
//! the same use case as its page. Errors are `application/problem+json` (RFC 9457) with
//! field-precise `errors`, translated by `Accept-Language` (de, da, en; English when none
//! matches). The OpenAPI 3.1 document at `/api/openapi.json` is generated from this module.
//!
//! The route table declares each endpoint as `Access::ApiClient(scope)`; [`guard`] finds the
//! client (else 401 with `WWW-Authenticate: Bearer`), checks that its scopes and role allow the
//! scope's action (else 403, audited as `route_refused`), and the use case then asks the
//! policy about the record (a record without a relationship is 404, audited as
//! `access_denied`, exactly like the pages). No cookies, so no CSRF.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use lotse_app::access::AccessError;
use lotse_app::case_record;
use lotse_app::principal::Principal;
use lotse_app::{FailureKind, StoreFailure};
use lotse_domain::api_client::ApiScope;
use lotse_domain::audit::RequestReference;
use lotse_domain::id::{CaseId, ConsentId, PatientId};
use lotse_domain::policy::Visibility;
use lotse_domain::programme::Language;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;

/// Reading a JSON body field by field.
mod body;
/// Intake at the link facility through the API.
pub mod intake;
/// `/api/v1/cases/{case_id}/…`: the link worker's work on a case its facility holds.
pub mod link_work;
/// `/api/v1/offers/{offer_id}`: reading and changing an offer of the directory.
pub mod offer;
/// The link worker's onward referrals: read one, send it with the person's consent, record a
/// provider's answer.
pub mod onward;
/// `/api/v1/prescriptions`: the practice's board, and prescribing.
pub mod prescribing;
/// `/api/v1/cases/{case_id}/search-profile`: the person's search profile.
pub mod search_profile;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:lotse:problem:<kind>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary in the caller's language.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong and what to do, in the caller's language.
    pub detail: String,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// One entry per field that was wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
    /// A new person matching people the practice knows (`POST /api/v1/prescriptions`: send
    /// one's `patient_id`, or `confirmed_new: true`) or the facility holds (`POST
    /// /api/v1/cases`: open one of their `case_ids`, or send `confirmed_new: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<Candidate>>,
}

/// A person the practice prescribed for before (or the facility holds), with the same name and
/// birth date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Candidate {
    /// Their id.
    #[schema(format = Uuid)]
    pub patient_id: String,
    /// Their name.
    pub name: String,
    /// Their birth date.
    #[schema(format = Date)]
    pub birth_date: String,
    /// At intake: their cases the facility holds (to open instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ids: Option<Vec<String>>,
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field (`consent_id`, or a path parameter such as `case_id`; empty for the body).
    pub field: String,
    /// The problem, in the caller's language.
    pub message: String,
}

/// Why an API request failed.
#[derive(Debug)]
pub enum ApiError {
    /// No valid bearer token (401).
    Unauthorized,
    /// The client's scopes or role do not allow this (403).
    Forbidden,
    /// No such record, or the policy denies it (404, indistinguishable on purpose).
    NotFound,
    /// Bad input: (field, i18n key of the message) per field (400).
    Invalid(Vec<(String, &'static str)>),
    /// Bad input the use case found, with its (English) message (400).
    InvalidDetail(String),
    /// Bad parameters with their messages, already in the caller's language (400).
    InvalidFields(Vec<FieldProblem>),
    /// The record changed meanwhile, or the change was already made (409).
    Conflict,
    /// The step is not possible now, or the record changed meanwhile, with what it is now,
    /// already in the caller's language (409).
    ConflictDetail(String),
    /// A new person who may be someone the practice knows already (409).
    PossibleDuplicates(Vec<Candidate>),
    /// A body that is not declared as `application/json` (415).
    UnsupportedMediaType,
    /// The database is unreachable (503).
    Unavailable,
    /// Anything else (500).
    Internal,
}

impl ApiError {
    const fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found"),
            Self::Invalid(_) | Self::InvalidDetail(_) | Self::InvalidFields(_) => (StatusCode::BAD_REQUEST, "invalid"),
            Self::Conflict | Self::ConflictDetail(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PossibleDuplicates(_) => (StatusCode::CONFLICT, "possible-duplicates"),
            Self::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The problem document in `language`.
    pub fn problem(&self, state: &AppState, language: Language, instance: Option<&str>) -> Problem {
        let (status, kind) = self.parts();
        let i18n = &state.i18n;
        let errors = match self {
            Self::Invalid(fields) => Some(
                fields
                    .iter()
                    .map(|(field, key)| FieldProblem {
                        field: field.clone(),
                        message: i18n.text_with(language, key, &[("field", FluentValue::from(field.as_str()))]),
                    })
                    .collect(),
            ),
            Self::InvalidFields(fields) => Some(fields.clone()),
            _ => None,
        };
        let detail = match self {
            Self::InvalidDetail(message) | Self::ConflictDetail(message) => message.clone(),
            _ => i18n.text(language, &format!("api-{kind}")),
        };
        Problem {
            kind: format!("urn:lotse:problem:{kind}"),
            title: i18n.text(language, &format!("api-{kind}-title")),
            status: status.as_u16(),
            detail,
            instance: instance.map(str::to_owned),
            errors,
            candidates: match self {
                Self::PossibleDuplicates(people) => Some(people.clone()),
                _ => None,
            },
        }
    }

    /// The response: problem+json, with `WWW-Authenticate: Bearer` on 401.
    pub fn respond(&self, state: &AppState, language: Language, instance: Option<&str>) -> Response {
        let (status, _) = self.parts();
        match self {
            Self::Unavailable => tracing::warn!("database unavailable"),
            Self::Internal => tracing::error!("internal error"),
            Self::InvalidDetail(reason) => tracing::info!(reason = ?reason, "bad request"),
            _ => {}
        }
        let problem = self.problem(state, language, instance);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, [(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => Self::NotFound,
            AccessError::Invalid(message) => Self::InvalidDetail(message),
            AccessError::Conflict(_) => Self::Conflict,
            AccessError::Store(e) => match e.kind() {
                // `AccessError` has its own variants for these; kept for completeness.
                FailureKind::NotFound => Self::NotFound,
                FailureKind::Conflict => Self::Conflict,
                FailureKind::Unavailable => Self::Unavailable,
                FailureKind::Internal => {
                    tracing::error!(error = %e, "store error");
                    Self::Internal
                }
            },
        }
    }
}

impl From<StoreFailure> for ApiError {
    fn from(err: StoreFailure) -> Self {
        AccessError::from(err).into()
    }
}

/// The caller's language: the best match in `Accept-Language`, else English.
pub fn language(headers: &HeaderMap) -> Language {
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    crate::i18n::negotiate(None, accept, Some(Language::English))
}

/// What the guard hands to a handler.
#[derive(Debug, Clone)]
pub struct ApiContext {
    /// The client, as the principal of the use cases (audited as `client:<id>`).
    pub principal: Principal,
    /// The caller's language.
    pub language: Language,
    /// The request path (the problem's `instance`).
    pub path: String,
}

impl ApiContext {
    fn fail(&self, state: &AppState, err: impl Into<ApiError>) -> Response {
        err.into().respond(state, self.language, Some(&self.path))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The gate of an API route: a live client (else 401), whose scopes and role allow the
/// scope's action (else 403, audited as `route_refused` once per client and window).
pub async fn guard(scope: ApiScope, State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let language = language(request.headers());
    let path = request.uri().path().to_owned();
    let principal = match bearer(request.headers()) {
        None => None,
        Some(token) => match lotse_app::api_client::authenticate(&state.app, token).await {
            Ok(found) => found,
            Err(e) => return ApiError::from(e).respond(&state, language, Some(&path)),
        },
    };
    let Some(principal) = principal else {
        return ApiError::Unauthorized.respond(&state, language, Some(&path));
    };
    if !principal.may(scope.action()) {
        if let Err(e) = lotse_app::access::record_route_refused(&state.app, state.clock.as_ref(), &principal).await {
            return ApiError::from(e).respond(&state, language, Some(&path));
        }
        return ApiError::Forbidden.respond(&state, language, Some(&path));
    }
    request.extensions_mut().insert(ApiContext {
        principal,
        language,
        path,
    });
    next.run(request).await
}

/// Turns an error answer of an API path that is not problem+json yet (413 from the body limit,
/// 408, 405, an unknown path …) into one.
pub fn ensure_problem(state: &AppState, headers: &HeaderMap, path: &str, response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !status.is_client_error() && !status.is_server_error() || is_problem {
        return response;
    }
    let language = language(headers);
    let (kind, detail_key) = match status {
        StatusCode::NOT_FOUND => ("not-found", "api-not-found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "api-method-not-allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "api-too-large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "api-unsupported-media-type"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "api-unavailable"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "api-unauthorized"),
        StatusCode::FORBIDDEN => ("forbidden", "api-forbidden"),
        s if s.is_server_error() => ("internal", "api-internal"),
        _ => ("invalid", "api-invalid"),
    };
    let problem = Problem {
        kind: format!("urn:lotse:problem:{kind}"),
        title: state.i18n.text(language, &format!("{detail_key}-title")),
        status: status.as_u16(),
        detail: state.i18n.text(language, detail_key),
        instance: Some(path.to_owned()),
        errors: None,
        candidates: None,
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut out = (status, [(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], body).into_response();
    for name in [ALLOW, WWW_AUTHENTICATE] {
        if let Some(v) = response.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

pub(crate) fn parse_path_id(field: &'static str, text: &str) -> Result<uuid::Uuid, ApiError> {
    lotse_domain::id::parse_canonical(text)
        .ok_or_else(|| ApiError::Invalid(vec![(field.to_owned(), "api-field-not-id")]))
}

/// A body must be declared as JSON (`application/json`, parameters allowed).
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// Reads a JSON object body with exactly the given string fields, each field's problem named.
/// The body's fields, each a JSON string (integers too for the fields named in
/// `INTEGER_FIELDS`, given as their decimal text for the caller to parse).
fn json_fields<const N: usize>(body: &[u8], fields: [&'static str; N]) -> Result<[String; N], ApiError> {
    let integer_fields = INTEGER_FIELDS;
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::Invalid(vec![(String::new(), "api-body-not-json")]))?;
    let serde_json::Value::Object(map) = value else {
        return Err(ApiError::Invalid(vec![(String::new(), "api-body-not-object")]));
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if !fields.contains(&key.as_str()) {
            problems.push((key.clone(), "api-field-unknown"));
        }
    }
    let out = fields.map(|field| match map.get(field) {
        None | Some(serde_json::Value::Null) => {
            problems.push((field.to_owned(), "api-field-required"));
            String::new()
        }
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) if integer_fields.contains(&field) => n.to_string(),
        Some(_) => {
            problems.push((field.to_owned(), "api-field-not-string"));
            String::new()
        }
    });
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// Body fields that are JSON integers.
const INTEGER_FIELDS: [&str; 1] = ["version"];

pub(crate) fn timestamp(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn json<T: Serialize>(value: &T) -> Response {
    json_with(StatusCode::OK, value)
}

/// A JSON answer with `status` (201 for a record made).
pub(crate) fn json_with<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct Worklist {
    /// The people the client's organisation works with now: a link facility's open cases by
    /// next action (the most pressing first), a practice's and a provider's newest change
    /// first.
    pub items: Vec<WorklistItem>,
    /// A link facility's client: how many of its open cases have each kind of next action
    /// (every kind, in priority order, zeros included), before the filter and the limit.
    pub counts: Option<Vec<NextActionCount>>,
    /// A link facility's client: the programme's local date the next actions were computed for
    /// (a first contact due before it is overdue).
    #[schema(format = Date)]
    pub today: Option<String>,
}

/// One worklist row.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistItem {
    /// The case (for `GET /api/v1/cases/{case_id}`).
    #[schema(format = Uuid)]
    pub case_id: String,
    /// The person's name.
    pub name: String,
    /// The latest referral state (for providers: the onward referral's).
    pub state: String,
    /// The last change.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// A link facility's client: what is to be done next and by when (`null`: nothing due).
    pub next_action: Option<NextActionDocument>,
}

/// What the link worker does next on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextActionDocument {
    /// In priority order: `first_contact_overdue`, `new`, `first_contact_due`,
    /// `contact_attempt_due`, `provider_silent`, `next_offer_due`, `plan_review_due`,
    /// `follow_up_due`, `questionnaire_due`.
    pub kind: String,
    /// When it is due (the programme's local date).
    #[schema(format = Date)]
    pub due_on: String,
    /// Due before `today`.
    pub overdue: bool,
}

/// How many open cases have one kind of next action.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextActionCount {
    /// The kind.
    pub kind: String,
    /// How many.
    pub count: usize,
}

/// The most rows a worklist answer holds (as the page).
const WORKLIST_LIMIT: i64 = 200;

/// The query of `GET /api/v1/worklist`: nothing, or `next_action=<kind>`.
fn worklist_filter(query: Option<&str>) -> Result<Option<lotse_domain::next_action::NextActionKind>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| ApiError::InvalidDetail("the query string is not url-encoded".into()))?;
    let mut kind = None;
    for (name, value) in pairs {
        match name.as_str() {
            "next_action" if kind.is_none() => {
                kind = Some(case_record::parse_kind(&value).map_err(ApiError::from)?);
            }
            "next_action" => return Err(ApiError::InvalidDetail("next_action may be given once".into())),
            other => {
                return Err(ApiError::InvalidDetail(format!(
                    "unknown query parameter {other:?}; the worklist takes next_action"
                )));
            }
        }
    }
    Ok(kind)
}

/// `GET /api/v1/worklist`: the same use case as the page `/cases`; a link facility's client
/// gets each case's next action and the counts per kind, and may keep one kind
/// (`next_action`).
#[utoipa::path(
    get,
    path = "/api/v1/worklist",
    tag = "worklist",
    security(("bearer" = ["worklist:read"])),
    params(("next_action" = Option<String>, Query, description = "A link facility's client: only cases with this kind of next action (`first_contact_overdue` …; see `NextActionDocument`)")),
    responses(
        (status = 200, description = "The worklist", body = Worklist, content_type = "application/json"),
        (status = 400, description = "An unknown next action or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn worklist(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let kind = match worklist_filter(query.as_deref()) {
        Ok(kind) => kind,
        Err(e) => return ctx.fail(&state, e),
    };
    let link_worker = ctx.principal.membership().map(lotse_domain::user::Membership::role)
        == Some(lotse_domain::user::Role::LinkWorker);
    let item = |r: case_record::WorklistRow, today: Option<time::Date>| WorklistItem {
        case_id: r.case.to_string(),
        name: r.name,
        state: r.state,
        updated_at: timestamp(r.updated_at),
        next_action: r.next.map(|n| NextActionDocument {
            kind: n.kind.code().to_owned(),
            due_on: n.due_on.to_string(),
            overdue: today.is_some_and(|t| n.is_overdue(t)),
        }),
    };
    if link_worker {
        return match case_record::next_action_worklist(
            &state.app,
            state.clock.as_ref(),
            &ctx.principal,
            WORKLIST_LIMIT,
            kind,
        )
        .await
        {
            Ok(list) => json(&Worklist {
                items: list.rows.into_iter().map(|r| item(r, Some(list.today))).collect(),
                counts: Some(
                    list.counts
                        .into_iter()
                        .map(|(kind, count)| NextActionCount {
                            kind: kind.code().to_owned(),
                            count,
                        })
                        .collect(),
                ),
                today: Some(list.today.to_string()),
            }),
            Err(e) => ctx.fail(&state, e),
        };
    }
    match case_record::worklist(&state.app, state.clock.as_ref(), &ctx.principal, WORKLIST_LIMIT).await {
        Ok(rows) => json(&Worklist {
            items: rows.into_iter().map(|r| item(r, None)).collect(),
            counts: None,
            today: None,
        }),
        Err(e) => ctx.fail(&state, e),
    }
}

/// What is new for the client (as the page `/inbox` for a user).
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxDocument {
    /// The items, newest first (at most 50).
    pub items: Vec<InboxEntry>,
    /// How many of them are new.
    pub new: usize,
    /// When the client read its inbox before (`null`: never).
    #[schema(format = DateTime)]
    pub seen_before: Option<String>,
}

/// One thing that happened to a referral or onward referral of the client's organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxEntry {
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// The event's kind (`referral.accepted`, `onward_referral.lapsed` …).
    pub kind: String,
    /// Whether it happened after the client's previous read.
    pub new: bool,
    /// The case (for a link facility's and a provider's client).
    #[schema(format = Uuid)]
    pub case_id: Option<String>,
    /// The prescription (for a practice's client).
    #[schema(format = Uuid)]
    pub prescription_id: Option<String>,
}

/// `GET /api/v1/inbox`: what is new for the client's organisation (derived from the events,
/// the client's own steps left out); reading it marks it read.
#[utoipa::path(
    get,
    path = "/api/v1/inbox",
    tag = "worklist",
    security(("bearer" = ["worklist:read"])),
    responses(
        (status = 200, description = "The inbox", body = InboxDocument, content_type = "application/json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn inbox(State(state): State<AppState>, Extension(ctx): Extension<ApiContext>) -> Response {
    use lotse_app::inbox::InboxLink;
    match lotse_app::inbox::open(&state.app, state.clock.as_ref(), &ctx.principal).await {
        Ok(opened) => json(&InboxDocument {
            new: opened.new,
            seen_before: opened.seen_before.map(timestamp),
            items: opened
                .items
                .into_iter()
                .map(|item| {
                    let (case_id, prescription_id) = match item.link {
                        InboxLink::Case(case) => (Some(case.to_string()), None),
                        InboxLink::Prescription(p) => (None, Some(p.to_string())),
                        // A coordinator's (offers): no client reads it, `worklist:read` being
                        // for care roles only.
                        InboxLink::Offer(_) => (None, None),
                    };
                    InboxEntry {
                        at: timestamp(item.at),
                        kind: item.kind,
                        new: item.new,
                        case_id,
                        prescription_id,
                    }
                })
                .collect(),
        }),
        Err(e) => ctx.fail(&state, e),
    }
}

/// A case record as the client's relationship allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    /// The case.
    #[schema(format = Uuid)]
    pub case_id: String,
    /// How much is shown: `case`, `prescriber`, `provider` or `administration`.
    pub visibility: String,
    /// The person's identity (a provider gets no birth date).
    pub identity: IdentityView,
    /// Prescriptions (not for providers), each with its `need_domains` (codes, comma-separated),
    /// `urgency` (`routine`, `soon`) and `reason`: the prescriber's short reason for the link
    /// worker holding the case (the prescription its referral came from) and for the prescribing
    /// practice, else null.
    #[schema(value_type = Vec<Object>)]
    pub prescriptions: Vec<serde_json::Value>,
    /// Referrals (not for providers).
    #[schema(value_type = Vec<Object>)]
    pub referrals: Vec<serde_json::Value>,
    /// Onward referrals (the shortlist and beyond), each with its `version` (sent back with
    /// the person's answer) and `offer_id`.
    #[schema(value_type = Vec<Object>)]
    pub onward_referrals: Vec<serde_json::Value>,
    /// Consents (link worker only).
    pub consents: Vec<ConsentView>,
    /// Events, newest first.
    pub timeline: Vec<TimelineView>,
}

/// Identity as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityView {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Birth date (ISO 8601), withheld from providers.
    #[schema(format = Date)]
    pub birth_date: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A consent as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    /// Its id (for a withdrawal).
    #[schema(format = Uuid)]
    pub consent_id: String,
    /// Purpose code.
    pub purpose: String,
    /// The onward referral it covers (sharing with a provider).
    pub onward_referral_id: Option<String>,
    /// When given.
    #[schema(format = DateTime)]
    pub given_at: String,
    /// When withdrawn.
    #[schema(format = DateTime)]
    pub withdrawn_at: Option<String>,
    /// Its version (a withdrawal names the version it was based on).
    pub version: i64,
}

/// A timeline line.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// Event kind (`referral.accepted` …).
    pub kind: String,
}

fn values<T: Serialize>(items: &[T]) -> Vec<serde_json::Value> {
    items.iter().filter_map(|i| serde_json::to_value(i).ok()).collect()
}

const fn visibility_code(v: Visibility) -> &'static str {
    match v {
        Visibility::Case => "case",
        Visibility::Prescriber => "prescriber",
        Visibility::Provider => "provider",
        Visibility::Administration => "administration",
    }
}

/// `GET /api/v1/cases/{case_id}`: the same use case as the page `/cases/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}",
    tag = "cases",
    security(("bearer" = ["case:read"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "The case record", body = CaseView, content_type = "application/json"),
        (status = 400, description = "The id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none the client may see", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn case(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
) -> Response {
    let case = match parse_path_id("case_id", &case_id) {
        Ok(id) => CaseId::from_uuid(id),
        Err(e) => return ctx.fail(&state, e),
    };
    let record = match case_record::view_case(&state.app, state.clock.as_ref(), &ctx.principal, case).await {
        Ok(r) => r,
        Err(e) => return ctx.fail(&state, e),
    };
    json(&CaseView {
        case_id: record.case.to_string(),
        visibility: visibility_code(record.visibility).to_owned(),
        identity: IdentityView {
            given_name: record.identity.given_name.clone(),
            family_name: record.identity.family_name.clone(),
            birth_date: (record.visibility != Visibility::Provider).then(|| record.identity.birth_date.to_string()),
            phone: record.identity.phone.clone(),
        },
        prescriptions: values(&record.prescriptions),
        referrals: values(&record.referrals),
        onward_referrals: record
            .onward
            .iter()
            .filter_map(|o| {
                let mut value = serde_json::to_value(o).ok()?;
                if let Some(fields) = value.as_object_mut() {
                    fields.insert("version".to_owned(), o.version.into());
                    fields.insert("offer_id".to_owned(), o.offer_id.to_string().into());
                }
                Some(value)
            })
            .collect(),
        consents: record
            .consents
            .iter()
            .map(|c| ConsentView {
                consent_id: c.id.to_string(),
                purpose: c.purpose.code().to_owned(),
                onward_referral_id: c.onward_referral.map(|o| o.to_string()),
                given_at: timestamp(c.given_at),
                withdrawn_at: c.withdrawn_at.map(timestamp),
                version: c.version,
            })
            .collect(),
        timeline: record
            .timeline
            .iter()
            .map(|t| TimelineView {
                at: timestamp(t.at),
                kind: t.kind.clone(),
            })
            .collect(),
    })
}

/// A consent withdrawal.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentWithdrawal {
    /// The consent the person withdrew (one of the case's consents).
    #[schema(format = Uuid)]
    pub consent_id: String,
    /// The consent's version as read (a stale version is refused with 409, nothing changed).
    #[schema(minimum = 1)]
    pub version: i64,
}

/// A recorded withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalRecorded {
    /// The case.
    #[schema(format = Uuid)]
    pub case_id: String,
    /// The consent, now withdrawn.
    #[schema(format = Uuid)]
    pub consent_id: String,
}

/// `POST /api/v1/cases/{case_id}/consent-withdrawals`: the same use case as the page's
/// withdrawal form.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/consent-withdrawals",
    tag = "cases",
    security(("bearer" = ["consent:write"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    request_body(content = ConsentWithdrawal, content_type = "application/json"),
    responses(
        (status = 200, description = "The withdrawal is recorded", body = WithdrawalRecorded, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or consent, or none the client may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The consent was withdrawn already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = parse_path_id("case_id", &case_id).and_then(|case| {
        require_json(&headers)?;
        let [consent, version] = json_fields(&body, ["consent_id", "version"])?;
        let consent = parse_path_id("consent_id", &consent)?;
        let version = version
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| ApiError::Invalid(vec![("version".to_owned(), "api-field-not-version")]))?;
        Ok((CaseId::from_uuid(case), ConsentId::from_uuid(consent), version))
    });
    let (case, consent, version) = match parsed {
        Ok(ids) => ids,
        Err(e) => return ctx.fail(&state, e),
    };
    match case_record::withdraw_consent(&state.app, state.clock.as_ref(), &ctx.principal, case, consent, version).await
    {
        Ok(()) => json(&WithdrawalRecorded {
            case_id: case.to_string(),
            consent_id: consent.to_string(),
        }),
        Err(e) => ctx.fail(&state, e),
    }
}

/// An export request: the data-subject request's reference (as on the page).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// The data-subject request's reference: 1 to 40 of letters A-Z, digits and - _ / .
    #[schema(pattern = "^[A-Za-z0-9_./-]{1,40}$")]
    pub reference: String,
}

/// Everything Lotse holds about a person (format `lotse-person-export/1`, as the page's JSON
/// download).
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct PersonExportDocument(serde_json::Value);

/// `POST /api/v1/people/{person_id}/export`: the same use case as the page's export, with the
/// same reference rule.
#[utoipa::path(
    post,
    path = "/api/v1/people/{person_id}/export",
    tag = "people",
    security(("bearer" = ["export:read"])),
    params(("person_id" = uuid::Uuid, Path, description = "The person's id")),
    request_body(content = ExportRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The person's data", body = PersonExportDocument, content_type = "application/json"),
        (status = 400, description = "The body or id is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person, or none the client may see", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(person_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = parse_path_id("person_id", &person_id).and_then(|person| {
        require_json(&headers)?;
        let [reference] = json_fields(&body, ["reference"])?;
        let reference = RequestReference::parse(&reference)
            .map_err(|_| ApiError::Invalid(vec![("reference".to_owned(), "api-field-reference")]))?;
        Ok((PatientId::from_uuid(person), reference))
    });
    let (person, reference) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match lotse_app::data_subject::export(&state.app, state.clock.as_ref(), &ctx.principal, person, &reference).await {
        Ok(export) => json(&export),
        Err(e) => ctx.fail(&state, e),
    }
}

/// A page of the offer search.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferResults {
    /// Offers matching, over all pages.
    pub total: usize,
    /// This page, from 1.
    pub page: u32,
    /// Offers per page.
    pub per_page: u32,
    /// This page's offers, best match first (or nearest first with `sort=distance`).
    pub offers: Vec<OfferResult>,
    /// Counts of the matching offers per facet value.
    pub facets: Vec<FacetCount>,
}

/// One offer found, with why it was chosen.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferResult {
    /// The offer.
    #[schema(format = Uuid)]
    pub offer_id: String,
    /// Its title in its own language.
    pub title: String,
    /// The provider.
    pub provider: String,
    /// Its area (Quartier / område).
    pub area: Option<String>,
    /// Metres from the search's point or postcode.
    pub distance_m: Option<u32>,
    /// `active`, `paused` or `ended`.
    pub status: String,
    /// Whether its details are due for review.
    pub needs_review: bool,
    /// Why it was chosen, each part in the caller's language.
    pub explanation: Vec<String>,
}

/// A facet value and how many matching offers have it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    /// `need`, `category`, `lang`, `access`, `cost`, `target` or `area` (the query parameter
    /// that filters by it).
    pub facet: String,
    /// The value (a code, a language tag, an area id).
    pub value: String,
    /// Matching offers with it.
    pub count: u32,
}

const SEARCH_PARAMS: [(&str, &str); 16] = [
    (
        "q",
        "Words (German, Danish, English; typos and spelling variants are forgiven)",
    ),
    ("postcode", "Measure distances from this postcode of the programme"),
    ("lat", "Measure from this point (with lon)"),
    ("lon", "Measure from this point (with lat)"),
    ("radius", "Only offers within this many kilometres (0.1 to 100)"),
    ("need", "A need domain code (repeatable)"),
    ("category", "A category code (repeatable)"),
    ("lang", "A language spoken at the offer (repeatable)"),
    ("access", "An accessibility feature every result has (repeatable)"),
    ("target", "A target group code (repeatable)"),
    ("cost", "The highest cost: free, reduced or paid"),
    ("day", "A weekday, 1 (Monday) to 7 (repeatable)"),
    ("part", "A part of the day: morning, afternoon, evening (repeatable)"),
    ("age", "Only offers admitting this age (0 to 120)"),
    ("sort", "relevance (default) or distance"),
    ("page", "Page from 1; per_page 1 to 100 (larger is clamped)"),
];

fn search_params() -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut params: Vec<_> = SEARCH_PARAMS
        .iter()
        .chain(&[
            ("per_page", "Offers per page, 1 to 100 (larger is clamped)"),
            ("area", "An area id (repeatable)"),
        ])
        .map(|(name, description)| {
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .description(Some(*description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build()
        })
        .collect();
    params.sort_by(|a, b| a.name.cmp(&b.name));
    params
}

struct SearchParams;

impl Modify for SearchParams {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(item) = openapi.paths.paths.get_mut("/api/v1/offers")
            && let Some(get) = item.get.as_mut()
        {
            get.parameters = Some(search_params());
        }
        // The search from a case: its path's id, the same parameters, and `profile`.
        if let Some(item) = openapi.paths.paths.get_mut("/api/v1/cases/{case_id}/offers")
            && let Some(get) = item.get.as_mut()
        {
            use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
            use utoipa::openapi::schema::{ObjectBuilder, Type};
            let mut params = get.parameters.take().unwrap_or_default();
            params.extend(search_params());
            params.push(
                ParameterBuilder::new()
                    .name("profile")
                    .parameter_in(ParameterIn::Query)
                    .description(Some(
                        "on (default): the person's search profile fills the radius, accessibility and cost left open, and ranks by their interests and free times; off: leave it out",
                    ))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(["on", "off"])),
                    ))
                    .build(),
            );
            get.parameters = Some(params);
        }
    }
}

/// `GET /api/v1/offers`: the same search as the page `/offers` (parameters as its form).
#[utoipa::path(
    get,
    path = "/api/v1/offers",
    tag = "directory",
    security(("bearer" = ["directory:read"])),
    responses(
        (status = 200, description = "A page of offers with their explanations and facet counts", body = OfferResults, content_type = "application/json"),
        (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn offers(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let (app, directories, clock, principal) = (&state.app, &state.directories, state.clock.as_ref(), &ctx.principal);
    offer_results(&state, &ctx, query.as_deref(), |request| async move {
        lotse_app::directory::search(app, directories, clock, principal, &request).await
    })
    .await
}

/// `GET /api/v1/cases/{case_id}/offers`: the search from a case, as the page
/// `/cases/{id}/offers`: measured from the person's home, ranked by their needs and language,
/// with their age as a limit, and their search profile applied (`profile=off` leaves it out).
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/offers",
    tag = "directory",
    security(("bearer" = ["case:read"])),
    params(("case_id" = uuid::Uuid, Path, description = "The case id")),
    responses(
        (status = 200, description = "A page of offers for the person with their explanations and facet counts", body = OfferResults, content_type = "application/json"),
        (status = 400, description = "A parameter or the id is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or none whose referral lies with the client's facility", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn case_offers(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(case_id): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let case = match parse_path_id("case_id", &case_id) {
        Ok(id) => CaseId::from_uuid(id),
        Err(e) => return ctx.fail(&state, e),
    };
    let mut use_profile = true;
    for pair in query.as_deref().unwrap_or_default().split('&') {
        match pair.strip_prefix("profile=") {
            Some("off") => use_profile = false,
            Some("on") => use_profile = true,
            Some(_) => {
                let problem = FieldProblem {
                    field: "profile".to_owned(),
                    message: state.i18n.text(ctx.language, "sp-param-wrong"),
                };
                return ctx.fail(&state, ApiError::InvalidFields(vec![problem]));
            }
            None => {}
        }
    }
    let (app, directories, clock, principal) = (&state.app, &state.directories, state.clock.as_ref(), &ctx.principal);
    offer_results(&state, &ctx, query.as_deref(), |request| async move {
        lotse_app::directory::search_for_case(app, directories, clock, principal, case, &request, use_profile)
            .await
            .map(|(_, answer)| answer)
    })
    .await
}

/// Parses the search parameters, runs the search and answers the page of results (a wrong
/// parameter is 400 naming it; a case the caller may not search from is 404).
async fn offer_results<F, Fut>(state: &AppState, ctx: &ApiContext, query: Option<&str>, run: F) -> Response
where
    F: FnOnce(lotse_app::offer_search::SearchRequest) -> Fut,
    Fut: std::future::Future<
            Output = Result<lotse_app::offer_search::SearchAnswer, lotse_app::directory::DirectoryError>,
        >,
{
    let page = crate::page::Page::for_language(state, ctx.language);
    let (form, bad) = crate::directory::parse_search(query);
    if let Some(b) = bad {
        let problem = FieldProblem {
            message: crate::directory::bad_message(&page, &b),
            field: b.param,
        };
        return ctx.fail(state, ApiError::InvalidFields(vec![problem]));
    }
    let request = &form.request;
    let answer = run(request.clone()).await;
    let answer = match answer {
        Ok(a) => a,
        Err(lotse_app::directory::DirectoryError::Search(e)) => {
            let field = match e {
                lotse_app::offer_search::SearchError::RadiusWithoutOrigin => "radius",
                lotse_app::offer_search::SearchError::DistanceWithoutOrigin => "sort",
                lotse_app::offer_search::SearchError::UnknownArea(_) => "area",
                _ => "postcode",
            };
            let problem = FieldProblem {
                field: field.to_owned(),
                message: crate::directory::search_error(&page, &e, &form),
            };
            return ctx.fail(state, ApiError::InvalidFields(vec![problem]));
        }
        Err(lotse_app::directory::DirectoryError::NotFound) => return ctx.fail(state, ApiError::NotFound),
        Err(lotse_app::directory::DirectoryError::Store(e)) => return ctx.fail(state, e),
    };
    let mut facets = Vec::new();
    let mut add = |facet: &str, value: String, count: u32| {
        facets.push(FacetCount {
            facet: facet.to_owned(),
            value,
            count,
        });
    };
    answer
        .needs
        .iter()
        .for_each(|(v, n)| add("need", v.code().to_owned(), *n));
    answer
        .categories
        .iter()
        .for_each(|(v, n)| add("category", v.code().to_owned(), *n));
    answer.languages.iter().for_each(|(v, n)| add("lang", v.clone(), *n));
    answer
        .accessibility
        .iter()
        .for_each(|(v, n)| add("access", v.code().to_owned(), *n));
    answer
        .costs
        .iter()
        .for_each(|(v, n)| add("cost", v.code().to_owned(), *n));
    answer
        .target_groups
        .iter()
        .for_each(|(v, n)| add("target", v.code().to_owned(), *n));
    answer
        .areas
        .iter()
        .for_each(|(v, n)| add("area", v.as_uuid().to_string(), *n));
    let per_page = if request.per_page == 0 {
        lotse_app::offer_search::DEFAULT_PER_PAGE
    } else {
        request.per_page.min(lotse_app::offer_search::MAX_PER_PAGE)
    };
    json(&OfferResults {
        total: answer.total,
        page: request.page.max(1),
        per_page,
        offers: answer
            .matches
            .iter()
            .map(|m| {
                let o = &m.listing.offer;
                OfferResult {
                    offer_id: o.id.as_uuid().to_string(),
                    title: o.title.clone(),
                    provider: m.listing.provider_name.clone(),
                    area: m.listing.area_name.clone(),
                    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "metres on Earth")]
                    distance_m: m.distance_m.map(|d| d.round() as u32),
                    status: o.status.code().to_owned(),
                    needs_review: m.listing.needs_review,
                    explanation: crate::directory::explain(&page, &m.reasons),
                }
            })
            .collect(),
        facets,
    })
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, generated from the handlers above.
#[derive(OpenApi)]
#[openapi(
    info(title = "Lotse API", description = "Social prescribing with a closed loop: the API for clients of one programme."),
    paths(
        worklist,
        inbox,
        case,
        withdraw_consent,
        export,
        offers,
        case_offers,
        offer::get_offer,
        offer::put_offer,
        link_work::next_steps,
        link_work::take_step,
        link_work::propose,
        link_work::answer,
        link_work::questionnaires,
        link_work::record_questionnaire,
        link_work::notes,
        link_work::add_note,
        link_work::plan,
        link_work::save_plan,
        link_work::plan_pdf,
        link_work::make_link,
        search_profile::get_profile,
        search_profile::put_profile,
        onward::get_onward,
        onward::send,
        onward::record_answer,
        onward::change_links,
        onward::provider_answer,
        onward::provider_link,
        onward::provider_link_answer,
        intake::register,
        intake::re_refer,
        prescribing::board,
        prescribing::prescription,
        prescribing::sheet,
        prescribing::prescribe,
    ),
    components(schemas(Problem, FieldProblem, Candidate)),
    modifiers(&BearerAuth, &SearchParams),
)]
pub struct ApiDoc;

/// The document as pretty JSON (what `/api/openapi.json` serves and the snapshot holds): the
/// generated `/api/v1` part with the `/hsds` part added ([`crate::hsds_openapi`]).
pub fn openapi_json() -> String {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let Ok(mut doc) = serde_json::to_value(ApiDoc::openapi()) else {
            return String::new();
        };
        crate::hsds_openapi::merge(&mut doc);
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    })
    .clone()
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        openapi_json(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_failures_answer_by_their_kind() {
        use lotse_store::StoreError;
        let status = |e: StoreError| ApiError::from(StoreFailure::from(e)).parts().0;
        assert_eq!(status(StoreError::NotFound { kind: "case" }), StatusCode::NOT_FOUND);
        let stale = StoreError::Conflict {
            kind: "consent",
            current_version: 3,
        };
        assert_eq!(status(stale), StatusCode::CONFLICT);
        assert_eq!(
            status(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(status(StoreError::NoDataKey), StatusCode::INTERNAL_SERVER_ERROR);
    }

    /// The field messages' keys (the code names them where it finds the problem).
    const FIELD_KEYS: [&str; 9] = [
        "api-field-wrong-type",
        "api-field-required",
        "api-field-not-version",
        "api-field-not-string",
        "api-field-not-id",
        "api-field-unknown",
        "api-field-reference",
        "api-body-not-json",
        "api-body-not-object",
    ];

    #[test]
    fn every_problem_text_exists_in_de_da_and_en() {
        let i18n = crate::i18n::I18n::load().unwrap();
        let errors = [
            ApiError::Unauthorized,
            ApiError::Forbidden,
            ApiError::NotFound,
            ApiError::Invalid(Vec::new()),
            ApiError::Conflict,
            ApiError::UnsupportedMediaType,
            ApiError::Unavailable,
            ApiError::Internal,
        ];
        let kinds = errors
            .iter()
            .map(|e| e.parts().1)
            .chain(["method-not-allowed", "too-large"]);
        let mut keys: Vec<String> = kinds
            .flat_map(|kind| [format!("api-{kind}"), format!("api-{kind}-title")])
            .collect();
        keys.extend(FIELD_KEYS.map(str::to_owned));
        for language in Language::ALL {
            for key in &keys {
                assert!(i18n.has(language, key), "{key} missing in {}", language.tag());
            }
        }
    }

    #[test]
    fn only_a_bearer_scheme_yields_a_token() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwdw=="));
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer lotse_abc"));
        assert_eq!(bearer(&headers), Some("lotse_abc"));
    }
}
