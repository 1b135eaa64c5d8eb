//! `/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}…` for the link worker's onward
//! referrals (scope `case:work`, the policy's `WorkCase`, the case held by the client's
//! facility): read one, send it to its provider with the person's sharing consent (the
//! provider's link is in the answer, only there), and record a provider's answer given by
//! phone; and `/api/v1/provider-links/{token}` for a provider's own software: what its signed
//! link shows and its answers (no account: the link is the credential, as on `/r/{token}`).
//! The same use cases as the pages, so the same checks, events and
//! audit entries apply. A stale version or a step its state does not allow is 409 with where it
//! stands now; a wrong field is 400 naming each field.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::onward::{self, LinkChange, OnwardError};
use lotse_app::principal::Principal;
use lotse_domain::consent::Sharing;
use lotse_domain::id::{CaseId, OnwardReferralId};
use lotse_domain::onward_referral::{OnwardReferralState, ProviderAnswer};
use lotse_domain::programme::Language;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::Reader;
use super::link_work::field_problems;
use super::{ApiContext, ApiError, json_with, parse_path_id, require_json, timestamp};
use crate::AppState;
use crate::offer_edit::problem_key;
use crate::page::onward_state_key;

fn onward_error(state: &AppState, language: Language, err: OnwardError) -> ApiError {
    let label = |now: OnwardReferralState| FluentValue::from(state.i18n.text(language, &onward_state_key(now.code())));
    match err {
        OnwardError::NotFound => ApiError::NotFound,
        OnwardError::Invalid(errors) => field_problems(&errors, str::to_owned),
        OnwardError::Refused(now) => ApiError::ConflictDetail(state.i18n.text_with(
            language,
            "onward-refused",
            &[("state", label(now))],
        )),
        OnwardError::Conflict { state: now, .. } => ApiError::ConflictDetail(state.i18n.text_with(
            language,
            "onward-conflict",
            &[("state", label(now))],
        )),
        OnwardError::Store(e) => e.into(),
    }
}

fn ids(case_id: &str, onward_id: &str) -> Result<(CaseId, OnwardReferralId), ApiError> {
    Ok((
        CaseId::from_uuid(parse_path_id("case_id", case_id)?),
        OnwardReferralId::from_uuid(parse_path_id("onward_referral_id", onward_id)?),
    ))
}

/// One onward referral of a case, as its link worker sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnwardDocument {
    /// Its id.
    #[schema(format = Uuid)]
    pub onward_referral_id: String,
    /// The offer's title.
    pub offer: String,
    /// The provider's name.
    pub provider: String,
    /// Where it stands (`proposed`, `accepted`, `sent`, `acknowledged`, `attending`, `ended`,
    /// `declined_by_person`, `declined_by_provider`, `did_not_attend`, `lapsed`).
    pub state: String,
    /// Its version (send it with the next step).
    pub version: i64,
    /// What the person shares with the provider under an active consent (`name`, `phone`,
    /// `languages`, `needs`); `null` without one.
    pub shared_fields: Option<Vec<String>>,
    /// Whether it can be sent now (the person accepted it).
    pub sendable: bool,
    /// The provider's answers the link worker may record now (`accept`, `decline`,
    /// `attended`, `did_not_attend`, `stopped`).
    pub answers: Vec<String>,
    /// The e-mails to the provider about it, oldest first (only where the programme has an
    /// e-mail relay).
    pub emails: Vec<EmailDocument>,
}

/// One e-mail to the provider about an onward referral (its link, or a reminder).
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailDocument {
    /// `provider_link` or `provider_reminder`.
    pub kind: String,
    /// `pending` (waiting for its next try), `sent`, `failed` (every try failed) or `dropped`
    /// (answered first, or the offer has no valid address).
    pub state: String,
    /// When it was made due.
    #[schema(format = DateTime)]
    pub made_at: String,
    /// When the relay took it.
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    /// The offer's contact address it went to.
    pub sent_to: Option<String>,
    /// Failed tries so far.
    pub attempts: u32,
    /// Why the last try failed (`smtp_<code>`, `timeout`, `tls`, `connection`) or why it was
    /// dropped (`case_closed`, `answered`, `no_address`, `bad_address`).
    pub note: Option<String>,
}

/// `GET /api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}`: one onward referral.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(
        ("case_id" = uuid::Uuid, Path, description = "The case id"),
        ("onward_referral_id" = uuid::Uuid, Path, description = "An onward referral of the case"),
    ),
    responses(
        (status = 200, description = "The onward referral", body = OnwardDocument, content_type = "application/json"),
        (status = 400, description = "An id is malformed", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or onward referral, or none the client's facility holds", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_onward(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path((case_id, onward_id)): Path<(String, String)>,
) -> Response {
    let (case, onward) = match ids(&case_id, &onward_id) {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match onward::detail(&state.app, state.clock.as_ref(), &ctx.principal, case, onward).await {
        Ok(d) => json_with(
            StatusCode::OK,
            &OnwardDocument {
                onward_referral_id: d.id.to_string(),
                offer: d.offer,
                provider: d.provider,
                state: d.state.code().to_owned(),
                version: d.version,
                shared_fields: d.shared.map(|f| f.iter().map(|f| f.code().to_owned()).collect()),
                sendable: d.sendable,
                answers: d.answers.iter().map(|a| a.code().to_owned()).collect(),
                emails: d
                    .emails
                    .into_iter()
                    .map(|e| EmailDocument {
                        kind: e.kind.code().to_owned(),
                        state: e.state.code().to_owned(),
                        made_at: timestamp(e.made_at),
                        sent_at: e.sent_at.map(timestamp),
                        sent_to: e.sent_to,
                        attempts: e.attempts,
                        note: e.note,
                    })
                    .collect(),
            },
        ),
        Err(e) => ctx.fail(&state, onward_error(&state, ctx.language, e)),
    }
}

/// The person's consent to send an onward referral to its provider.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The onward referral's version as read; a stale one is 409, nothing written.
    #[schema(minimum = 1)]
    pub version: i64,
    /// What the provider may see: at least one of `name`, `phone`, `languages`, `needs`.
    pub shared_fields: Vec<String>,
    /// Who gave the consent: `person`, `parent_or_guardian` or `legal_representative`.
    pub given_by: String,
    /// The username of the link worker of the client's facility who recorded the consent.
    pub recorded_by: String,
}

/// An onward referral sent: the provider's link is shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sent {
    /// `sent`.
    pub state: String,
    /// Its version now.
    pub version: i64,
    /// The path the provider opens (`/r/{token}`, on this server's address).
    pub link_path: String,
    /// When the link stops working (30 days).
    #[schema(format = DateTime)]
    pub link_expires_at: String,
    /// Whether an e-mail with a link of its own goes to the offer's contact address (the
    /// programme has an e-mail relay); see `emails` on the onward referral.
    pub emailed: bool,
}

/// `POST /api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/send`: records the
/// person's sharing consent and sends the onward referral to its provider.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/send",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(
        ("case_id" = uuid::Uuid, Path, description = "The case id"),
        ("onward_referral_id" = uuid::Uuid, Path, description = "An onward referral of the case the person accepted"),
    ),
    request_body(content = SendRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Sent; the provider's link", body = Sent, content_type = "application/json"),
        (status = 400, description = "The body or an id is malformed, or a field is wrong (none shared, an unknown field or giver, a recorder who is not a link worker of the client's facility)", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or onward referral, or none the client's facility holds", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale, or the person has not accepted it (or it was sent already): the detail says where it stands", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path((case_id, onward_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = ids(&case_id, &onward_id).and_then(|(case, onward)| {
        require_json(&headers)?;
        let fields = ["version", "shared_fields", "given_by", "recorded_by"];
        let (mut r, map) = Reader::object(&body, &fields, &fields)?;
        let version = r.version("version", map.get("version"), 1);
        let shared = r.strings("shared_fields", map.get("shared_fields"), false);
        let given_by = r.string("given_by", map.get("given_by"), false);
        let recorded_by = r.string("recorded_by", map.get("recorded_by"), false);
        match Sharing::parse(&shared, &given_by) {
            Ok(sharing) => r.finish((
                case,
                onward,
                onward::Send {
                    sharing,
                    recorded_by,
                    expected_version: version,
                },
            )),
            Err(errors) => {
                for e in errors {
                    if !r.problems.iter().any(|(f, _)| *f == e.field) {
                        r.problems.push((e.field.clone(), problem_key(e.problem)));
                    }
                }
                Err(ApiError::Invalid(r.problems))
            }
        }
    });
    let (case, onward, request) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    let version = request.expected_version;
    match onward::send(&state.app, state.clock.as_ref(), &ctx.principal, case, onward, request).await {
        Ok(link) => json_with(
            StatusCode::CREATED,
            &Sent {
                state: OnwardReferralState::Sent.code().to_owned(),
                version: version + 1,
                link_path: format!("/r/{}", link.token.text()),
                link_expires_at: timestamp(link.expires_at),
                emailed: link.emailed,
            },
        ),
        Err(e) => ctx.fail(&state, onward_error(&state, ctx.language, e)),
    }
}

/// A provider's answer the link worker was given.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderAnswerRequest {
    /// The onward referral's version as read; a stale one is 409, nothing written.
    #[schema(minimum = 1)]
    pub version: i64,
    /// `accept`, `decline`, `attended`, `did_not_attend` or `stopped` (as the onward
    /// referral's `answers` allow now).
    pub answer: String,
    /// `decline`: why (`full`, `not_suitable`, `not_running`, `other`).
    pub reason: Option<String>,
}

/// Where an onward referral stands after an answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Answered {
    /// Its state now.
    pub state: String,
    /// Its version now.
    pub version: i64,
}

/// A provider's answer and the version it was based on, from a JSON body (each wrong field
/// named).
fn answer_of(body: &Bytes) -> Result<(ProviderAnswer, i64), ApiError> {
    let (mut r, map) = Reader::object(body, &["version", "answer", "reason"], &["version", "answer"])?;
    let version = r.version("version", map.get("version"), 1);
    let answer = r.string("answer", map.get("answer"), false);
    let reason = r.string("reason", map.get("reason"), true);
    let parsed = ProviderAnswer::parse(&answer, Some(&reason));
    if parsed.is_none() && !r.problems.iter().any(|(f, _)| f == "answer") {
        let (field, key) = match (answer.as_str(), reason.is_empty()) {
            ("decline", true) => ("reason", "api-field-required"),
            ("decline", false) => ("reason", "api-field-unknown-code"),
            _ => ("answer", "api-field-unknown-code"),
        };
        r.problems.push((field.to_owned(), key));
    }
    match parsed {
        Some(answer) if r.problems.is_empty() => Ok((answer, version)),
        _ => Err(ApiError::Invalid(r.problems)),
    }
}

/// `POST /api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/provider-answers`:
/// records a provider's answer given to the link worker (channel `recorded_by_link_worker`).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/provider-answers",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(
        ("case_id" = uuid::Uuid, Path, description = "The case id"),
        ("onward_referral_id" = uuid::Uuid, Path, description = "An onward referral of the case"),
    ),
    request_body(content = ProviderAnswerRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The answer is recorded", body = Answered, content_type = "application/json"),
        (status = 400, description = "The body or an id is malformed, or a field is wrong", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or onward referral, or none the client's facility holds", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale, or the answer is not possible where it stands: the detail says where", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn record_answer(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path((case_id, onward_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = ids(&case_id, &onward_id).and_then(|(case, onward)| {
        require_json(&headers)?;
        let (answer, version) = answer_of(&body)?;
        Ok((case, onward, answer, version))
    });
    let (case, onward, answer, version) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match onward::record_answer(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        case,
        onward,
        answer,
        version,
    )
    .await
    {
        Ok(now) => json_with(
            StatusCode::OK,
            &Answered {
                state: now.code().to_owned(),
                version: version + 1,
            },
        ),
        Err(e) => ctx.fail(&state, onward_error(&state, ctx.language, e)),
    }
}

/// `POST /api/v1/onward-referrals/{onward_referral_id}/answers`: a provider's own software
/// answers an onward referral sent to its organisation (channel `provider_account`), as its
/// account does on the case page. The case (`GET /api/v1/cases/{case_id}` with `case:read`)
/// lists its onward referrals with their `version`.
#[utoipa::path(
    post,
    path = "/api/v1/onward-referrals/{onward_referral_id}/answers",
    tag = "providers",
    security(("bearer" = ["onward:answer"])),
    params(
        ("onward_referral_id" = uuid::Uuid, Path, description = "An onward referral sent to the client's organisation"),
    ),
    request_body(content = ProviderAnswerRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The answer is recorded", body = Answered, content_type = "application/json"),
        (status = 400, description = "The body or the id is malformed, or a field is wrong", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such onward referral, or none shared with the client's organisation", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale, or the answer is not possible where it stands: the detail says where", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn provider_answer(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path(onward_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = parse_path_id("onward_referral_id", &onward_id).and_then(|id| {
        require_json(&headers)?;
        let (answer, version) = answer_of(&body)?;
        Ok((OnwardReferralId::from_uuid(id), answer, version))
    });
    let (onward, answer, version) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match onward::answer_as_provider(
        &state.app,
        state.clock.as_ref(),
        &ctx.principal,
        onward,
        answer,
        version,
    )
    .await
    {
        Ok(now) => json_with(
            StatusCode::OK,
            &Answered {
                state: now.code().to_owned(),
                version: version + 1,
            },
        ),
        Err(e) => ctx.fail(&state, onward_error(&state, ctx.language, e)),
    }
}

/// A change of an onward referral's provider links.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinksRequest {
    /// `renew` (the working links stop, a new one is made) or `stop` (the working links stop).
    pub change: String,
}

/// The provider's links after a change: the new link (renew) is shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinksChanged {
    /// The path of the new link (`/r/{token}`); `null` after `stop`.
    pub link_path: Option<String>,
    /// When the new link stops working; `null` after `stop`.
    #[schema(format = DateTime)]
    pub link_expires_at: Option<String>,
}

/// `POST /api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/links`: stops the
/// provider's working links of the onward referral, and with `renew` makes a new one (while
/// the provider may still answer).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/links",
    tag = "link work",
    security(("bearer" = ["case:work"])),
    params(
        ("case_id" = uuid::Uuid, Path, description = "The case id"),
        ("onward_referral_id" = uuid::Uuid, Path, description = "An onward referral of the case"),
    ),
    request_body(content = LinksRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The links are changed; a renewed link", body = LinksChanged, content_type = "application/json"),
        (status = 400, description = "The body or an id is malformed, or `change` is unknown", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client's scopes or role do not allow this", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or onward referral, or none the client's facility holds", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A new link is not possible where it stands (not sent, or ended): the detail says where", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_links(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiContext>,
    Path((case_id, onward_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = ids(&case_id, &onward_id).and_then(|(case, onward)| {
        require_json(&headers)?;
        let (mut r, map) = Reader::object(&body, &["change"], &["change"])?;
        let change = r.string("change", map.get("change"), false);
        let parsed = match change.as_str() {
            "renew" => Some(LinkChange::Renew),
            "stop" => Some(LinkChange::Stop),
            _ => None,
        };
        if parsed.is_none() && !r.problems.iter().any(|(f, _)| f == "change") {
            r.problems.push(("change".to_owned(), "api-field-unknown-code"));
        }
        match parsed {
            Some(change) if r.problems.is_empty() => Ok((case, onward, change)),
            _ => Err(ApiError::Invalid(r.problems)),
        }
    });
    let (case, onward, change) = match parsed {
        Ok(p) => p,
        Err(e) => return ctx.fail(&state, e),
    };
    match onward::change_links(&state.app, state.clock.as_ref(), &ctx.principal, case, onward, change).await {
        Ok(link) => json_with(
            StatusCode::OK,
            &LinksChanged {
                link_path: link.as_ref().map(|l| format!("/r/{}", l.token.text())),
                link_expires_at: link.as_ref().map(|l| timestamp(l.expires_at)),
            },
        ),
        Err(e) => ctx.fail(&state, onward_error(&state, ctx.language, e)),
    }
}

/// The person's details a provider's link shows: each only where the sharing consent names it
/// (`null` otherwise; all `null` once the consent is withdrawn).
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedPerson {
    /// Given and family name.
    pub name: Option<String>,
    /// Phone (empty: consented, but the person gave none).
    pub phone: Option<String>,
    /// The person's language (a BCP 47 tag).
    pub language: Option<String>,
    /// The need domains of the prescriptions that led to the case.
    pub needs: Option<Vec<String>>,
}

/// What a provider's link shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderLinkDocument {
    /// The offer's title.
    pub offer: String,
    /// The provider's name.
    pub provider: String,
    /// The link facility that sent the person.
    pub facility: Option<String>,
    /// Its phone.
    pub facility_phone: Option<String>,
    /// Where the onward referral stands.
    pub state: String,
    /// Its version (send it with the answer).
    pub version: i64,
    /// The person, as far as they consented.
    pub person: SharedPerson,
    /// The answers possible now (`accept`, `decline`, `attended`, `did_not_attend`, `stopped`).
    pub answers: Vec<String>,
}

fn link_principal(principal: Option<Extension<Principal>>) -> Result<Principal, ApiError> {
    principal.map(|Extension(p)| p).ok_or(ApiError::NotFound)
}

/// `GET /api/v1/provider-links/{token}`: what a provider's signed link shows, for the provider's
/// own software (no account: the link is the credential).
#[utoipa::path(
    get,
    path = "/api/v1/provider-links/{token}",
    tag = "provider links",
    security(()),
    params(("token" = String, Path, description = "The token of the provider's link (`/r/{token}`)")),
    responses(
        (status = 200, description = "The onward referral behind the link", body = ProviderLinkDocument, content_type = "application/json"),
        (status = 404, description = "No such link, or it was revoked, has expired or is used up", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "The link was opened too often in a short time", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn provider_link(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let language = super::language(&headers);
    let principal = match link_principal(principal) {
        Ok(p) => p,
        Err(e) => return e.respond(&state, language, Some(uri.path())),
    };
    match onward::by_link(&state.app, state.clock.as_ref(), &principal).await {
        Ok(view) => {
            let (facility, facility_phone) = view.facility.map_or((None, None), |(name, phone)| (Some(name), phone));
            json_with(
                StatusCode::OK,
                &ProviderLinkDocument {
                    offer: view.offer,
                    provider: view.provider,
                    facility,
                    facility_phone,
                    state: view.state.code().to_owned(),
                    version: view.version,
                    person: SharedPerson {
                        name: view.person.name,
                        phone: view.person.phone,
                        language: view.person.language,
                        needs: view.person.needs,
                    },
                    answers: view.answers.iter().map(|a| a.code().to_owned()).collect(),
                },
            )
        }
        Err(e) => onward_error(&state, language, e).respond(&state, language, Some(uri.path())),
    }
}

/// `POST /api/v1/provider-links/{token}/answers`: the provider's answer through its link
/// (channel `signed_link`, written as the capability), at the version read.
#[utoipa::path(
    post,
    path = "/api/v1/provider-links/{token}/answers",
    tag = "provider links",
    security(()),
    params(("token" = String, Path, description = "The token of the provider's link (`/r/{token}`)")),
    request_body(content = ProviderAnswerRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The answer is recorded", body = Answered, content_type = "application/json"),
        (status = 400, description = "The body is malformed, or a field is wrong", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such link, or it was revoked, has expired or is used up", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version is stale (answered meanwhile through another channel), or the answer is not possible where it stands: the detail says where", body = super::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as application/json", body = super::Problem, content_type = "application/problem+json"),
        (status = 429, description = "The link was opened too often in a short time", body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn provider_link_answer(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let language = super::language(&headers);
    let parsed = link_principal(principal).and_then(|principal| {
        require_json(&headers)?;
        let (answer, version) = answer_of(&body)?;
        Ok((principal, answer, version))
    });
    let (principal, answer, version) = match parsed {
        Ok(p) => p,
        Err(e) => return e.respond(&state, language, Some(uri.path())),
    };
    match onward::answer_by_link(&state.app, state.clock.as_ref(), &principal, answer, version).await {
        Ok(now) => json_with(
            StatusCode::OK,
            &Answered {
                state: now.code().to_owned(),
                version: version + 1,
            },
        ),
        Err(e) => onward_error(&state, language, e).respond(&state, language, Some(uri.path())),
    }
}
