//! Pages about people: the worklist, the case page, consent withdrawal (care roles); finding a
//! person, their audit trail, export and erasure, and a user's audit trail (coordinators).
//!
//! Every handler here is behind the route guard (see `routes.rs`) and gets the signed-in user
//! as an extension; the use case it calls asks the policy about the record. Ids in paths are
//! opaque UUIDs; searches by prescription code are POST forms that redirect to them.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lotse_app::auth::SessionUser;
use lotse_app::case_record::{self, AccessError, CaseRecord, WorklistRow};
use lotse_app::data_subject::{self, PersonExport, PersonOverview};
use lotse_domain::audit::{AuditEntry, RequestReference};
use lotse_domain::id::{CaseId, ConsentId, PatientId, UserId};
use lotse_domain::policy::Visibility;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{
    self, Page, consent_key, event_key, no_store, onward_state_key, render, render_private, see_other, state_key,
};

/// How many rows a worklist shows.
const WORKLIST_LIMIT: i64 = 50;

impl From<AccessError> for WebError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => Self::NotFound,
            AccessError::Invalid(message) => Self::BadRequest(message),
            AccessError::Conflict(message) => Self::Conflict(message),
            AccessError::Store(e) => e.into(),
        }
    }
}

/// An id from a path: anything that is not a UUID in its canonical spelling (lower case,
/// hyphenated) is simply not found.
pub(crate) fn parse_id(raw: &str) -> Result<Uuid, WebError> {
    lotse_domain::id::parse_canonical(raw).ok_or(WebError::NotFound)
}

/// A stored (compact) prescription code in its printed form, `XXXX-XXXX-C`.
fn printed_code(compact: &str) -> String {
    lotse_domain::prescription::PrescriptionCode::parse(compact).map_or_else(|_| compact.to_owned(), |c| c.to_string())
}

/// A timestamp to the second, UTC.
fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}:{:02}", date(at), at.hour(), at.minute(), at.second())
}

fn date(at: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day())
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    page: Page,
    rows: Vec<(String, String, String, String)>,
    can_search: bool,
    notice: Option<String>,
    code: String,
}

/// Worklist rows; a provider's rows hold onward referral states, the others referral states.
fn worklist_rows(page: &Page, rows: Vec<WorklistRow>, onward: bool) -> Vec<(String, String, String, String)> {
    let key = if onward { onward_state_key } else { state_key };
    rows.into_iter()
        .map(|r| (r.case.to_string(), r.name, page.t(&key(&r.state)), date(r.updated_at)))
        .collect()
}

async fn render_worklist(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    notice: Option<(&str, StatusCode)>,
    code: String,
) -> Result<Response, WebError> {
    let rows = case_record::worklist(&state.app, state.clock.as_ref(), &user.principal(), WORKLIST_LIMIT).await?;
    let page = Page::new(state, headers, "/cases", Some(user), csrf);
    let rows = worklist_rows(
        &page,
        rows,
        user.membership.role() == lotse_domain::user::Role::OfferProvider,
    );
    let can_search = lotse_domain::policy::role_may(user.membership.role(), lotse_domain::policy::Action::SearchCases);
    let (notice, status) = page::notice(&page, notice);
    render_private(
        &WorklistPage {
            page,
            rows,
            can_search,
            notice,
            code,
        },
        status,
    )
}

/// `GET /cases`: the people my organisation works with.
pub async fn worklist(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    render_worklist(&state, &headers, &user, &csrf, None, String::new()).await
}

/// A search form: a prescription code.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /cases/search`: finds the case by prescription code and redirects to its opaque id.
pub async fn search_cases(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let code: String = form.q.chars().take(40).collect();
    match case_record::find_case(&state.app, state.clock.as_ref(), &user.principal(), &code).await {
        Ok(case) => Ok(see_other(&format!("/cases/{case}"))),
        Err(AccessError::NotFound) => {
            render_worklist(
                &state,
                &headers,
                &user,
                &csrf,
                Some(("cases-not-found", StatusCode::NOT_FOUND)),
                code,
            )
            .await
        }
        Err(AccessError::Invalid(_)) => {
            render_worklist(
                &state,
                &headers,
                &user,
                &csrf,
                Some(("cases-bad-code", StatusCode::BAD_REQUEST)),
                code,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A consent line on the case page.
struct ConsentView {
    id: String,
    purpose: String,
    given: String,
    withdrawn: Option<String>,
    /// The version shown, sent back with a withdrawal.
    version: i64,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    page: Page,
    case_id: String,
    name: String,
    birth_date: Option<String>,
    phone: Option<String>,
    view_key: &'static str,
    prescriptions: Vec<(String, String, String)>,
    referrals: Vec<(String, String, String)>,
    onward: Vec<(String, String, String)>,
    consents: Vec<ConsentView>,
    can_withdraw: bool,
    timeline: Vec<(String, String)>,
}

fn case_page(page: Page, record: &CaseRecord) -> CasePage {
    let state = |code: &str| page.t(&state_key(code));
    let visibility = record.visibility;
    let identity = &record.identity;
    CasePage {
        case_id: record.case.to_string(),
        name: format!("{} {}", identity.given_name, identity.family_name),
        birth_date: (visibility != Visibility::Provider).then(|| identity.birth_date.to_string()),
        phone: identity.phone.clone(),
        view_key: match visibility {
            Visibility::Case => "case-view-case",
            Visibility::Prescriber => "case-view-prescriber",
            Visibility::Provider => "case-view-provider",
            Visibility::Administration => "case-view-administration",
        },
        prescriptions: record
            .prescriptions
            .iter()
            .map(|p| (printed_code(&p.code), p.practice.clone(), date(p.issued_at)))
            .collect(),
        referrals: record
            .referrals
            .iter()
            .map(|r| (r.facility.clone(), state(&r.state), date(r.updated_at)))
            .collect(),
        onward: record
            .onward
            .iter()
            .map(|o| {
                (
                    format!("{} · {}", o.offer, o.provider),
                    page.t(&onward_state_key(&o.state)),
                    date(o.updated_at),
                )
            })
            .collect(),
        consents: record
            .consents
            .iter()
            .map(|c| ConsentView {
                id: c.id.to_string(),
                purpose: page.t(&consent_key(c.purpose.code())),
                given: date(c.given_at),
                withdrawn: c.withdrawn_at.map(date),
                version: c.version,
            })
            .collect(),
        can_withdraw: visibility == Visibility::Case,
        timeline: record
            .timeline
            .iter()
            .map(|t| (date(t.at), page.t(&event_key(&t.kind))))
            .collect(),
        page,
    }
}

/// `GET /cases/{id}`: one person's record, as the relationship allows (404 otherwise).
pub async fn case(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let record = case_record::view_case(&state.app, state.clock.as_ref(), &user.principal(), case).await?;
    let page = Page::new(&state, &headers, &format!("/cases/{case}"), Some(&user), &csrf);
    Ok(no_store(render(&case_page(page, &record))?))
}

/// The withdrawal form: the token and the consent's version the page showed.
#[derive(Debug, serde::Deserialize)]
pub struct WithdrawForm {
    /// The CSRF token (missing counts as wrong: 403).
    #[serde(default)]
    csrf: String,
    /// The version shown (missing: refused as stale, since no version was seen).
    #[serde(default)]
    version: i64,
}

/// `POST /cases/{id}/consents/{consent}/withdraw`: a stale `version` (the consent changed or
/// was withdrawn meanwhile) is 409 and changes nothing.
pub async fn withdraw_consent(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Path((id, consent)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let consent = ConsentId::from_uuid(parse_id(&consent)?);
    case_record::withdraw_consent(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        case,
        consent,
        form.version,
    )
    .await?;
    Ok(see_other(&format!("/cases/{case}")))
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    page: Page,
    notice: Option<String>,
    code: String,
}

fn render_people(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    notice: Option<(&str, StatusCode)>,
    code: String,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, "/people", Some(user), csrf);
    let (notice, status) = page::notice(&page, notice);
    render_private(&PeoplePage { page, notice, code }, status)
}

/// `GET /people`: the coordinator's form to find a person for a data-subject request.
pub async fn people_form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    render_people(&state, &headers, &user, &csrf, None, String::new())
}

/// `POST /people/search`: by prescription code, redirects to the person's opaque id.
pub async fn search_people(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let code: String = form.q.chars().take(40).collect();
    match data_subject::find_person(&state.app, state.clock.as_ref(), &user.principal(), &code).await {
        Ok(patient) => Ok(see_other(&format!("/people/{patient}"))),
        Err(AccessError::NotFound) => render_people(
            &state,
            &headers,
            &user,
            &csrf,
            Some(("cases-not-found", StatusCode::NOT_FOUND)),
            code,
        ),
        Err(AccessError::Invalid(_)) => render_people(
            &state,
            &headers,
            &user,
            &csrf,
            Some(("cases-bad-code", StatusCode::BAD_REQUEST)),
            code,
        ),
        Err(e) => Err(e.into()),
    }
}

/// An audit entry as shown.
struct AuditLine {
    seq: i64,
    at: String,
    actor: String,
    /// The actor's audit page, for users.
    actor_link: Option<String>,
    action: String,
    object: String,
    purpose: String,
    /// The request it answers (exports and erasures by a coordinator).
    reference: Option<String>,
}

fn audit_lines(entries: Vec<AuditEntry>, names: &HashMap<String, String>) -> Vec<AuditLine> {
    entries
        .into_iter()
        .map(|e| AuditLine {
            seq: e.seq,
            at: timestamp(e.entry.at),
            actor_link: e
                .entry
                .actor
                .strip_prefix("user:")
                .map(|id| format!("/users/{id}/audit")),
            actor: names.get(&e.entry.actor).cloned().unwrap_or(e.entry.actor),
            action: e.entry.action,
            object: format!("{} {}", e.entry.object_kind, e.entry.object_id),
            purpose: e.entry.purpose,
            reference: e.entry.reference,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    page: Page,
    id: String,
    age_band: String,
    gender: String,
    language: String,
    erased: Option<String>,
    audit: Vec<AuditLine>,
    notice: Option<String>,
}

async fn render_person(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    patient: PatientId,
    notice: Option<(&str, StatusCode)>,
) -> Result<Response, WebError> {
    let PersonOverview {
        profile, audit, actors, ..
    } = data_subject::person_overview(&state.app, state.clock.as_ref(), &user.principal(), patient).await?;
    let page = Page::new(state, headers, &format!("/people/{patient}"), Some(user), csrf);
    let (notice, status) = page::notice(&page, notice);
    render_private(
        &PersonPage {
            page,
            id: patient.to_string(),
            age_band: profile.age_band,
            gender: profile.gender,
            language: profile.language,
            erased: profile.erased_at.map(date),
            audit: audit_lines(audit, &actors),
            notice,
        },
        status,
    )
}

/// `GET /people/{id}`: derived attributes, the audit trail, export and erasure.
pub async fn person(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let patient = PatientId::from_uuid(parse_id(&id)?);
    render_person(&state, &headers, &user, &csrf, patient, None).await
}

/// The export and erasure forms: the data-subject request's reference, and for erasure the
/// confirmation box.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// Checks the CSRF token and the reference; a bad reference shows the person's page again
/// with a translated message (400) and nothing is done.
async fn checked_request(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    patient: PatientId,
    form: &RequestForm,
) -> Result<Result<RequestReference, Response>, WebError> {
    csrf::verify_signed_in(state, user, headers, &form.csrf).await?;
    if let Ok(reference) = RequestReference::parse(&form.reference) {
        return Ok(Ok(reference));
    }
    // The rejected input is not shown again: it may hold personal data.
    let page = render_person(
        state,
        headers,
        user,
        csrf,
        patient,
        Some(("person-reference-invalid", StatusCode::BAD_REQUEST)),
    )
    .await?;
    Ok(Err(page))
}

/// `POST /people/{id}/export.json`: everything held, as a download (an action: CSRF token and
/// the request's reference, audited with it).
pub async fn export_json(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RequestForm>,
) -> Result<Response, WebError> {
    let patient = PatientId::from_uuid(parse_id(&id)?);
    let reference = match checked_request(&state, &headers, &user, &csrf, patient, &form).await? {
        Ok(reference) => reference,
        Err(page) => return Ok(page),
    };
    let export = data_subject::export(&state.app, state.clock.as_ref(), &user.principal(), patient, &reference).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| WebError::Internal(e.to_string()))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let disposition = format!("attachment; filename=\"lotse-person-{patient}.json\"");
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(no_store(response))
}

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    page: Page,
    export: PersonExport,
}

impl ExportPage {
    fn state(&self, code: &str) -> String {
        self.page.t(&state_key(code))
    }

    fn onward_state(&self, code: &str) -> String {
        self.page.t(&onward_state_key(code))
    }

    fn purpose(&self, code: &str) -> String {
        self.page.t(&consent_key(code))
    }

    #[expect(clippy::unused_self, reason = "called from the template as a method")]
    fn ts(&self, at: &time::OffsetDateTime) -> String {
        timestamp(*at)
    }

    #[expect(clippy::unused_self, reason = "called from the template as a method")]
    fn code(&self, compact: &str) -> String {
        printed_code(compact)
    }
}

/// `POST /people/{id}/export`: the same, as a readable, printable document.
pub async fn export_page(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RequestForm>,
) -> Result<Response, WebError> {
    let patient = PatientId::from_uuid(parse_id(&id)?);
    let reference = match checked_request(&state, &headers, &user, &csrf, patient, &form).await? {
        Ok(reference) => reference,
        Err(page) => return Ok(page),
    };
    let export = data_subject::export(&state.app, state.clock.as_ref(), &user.principal(), patient, &reference).await?;
    let page = Page::new(
        &state,
        &headers,
        &format!("/people/{patient}/export"),
        Some(&user),
        &csrf,
    );
    Ok(no_store(render(&ExportPage { page, export })?))
}

/// `POST /people/{id}/erase`: anonymises the person (irreversible; needs `confirm` and the
/// request's reference).
pub async fn erase(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RequestForm>,
) -> Result<Response, WebError> {
    let patient = PatientId::from_uuid(parse_id(&id)?);
    let reference = match checked_request(&state, &headers, &user, &csrf, patient, &form).await? {
        Ok(reference) => reference,
        Err(page) => return Ok(page),
    };
    if form.confirm.as_deref() != Some("yes") {
        return Err(WebError::BadRequest("erasure needs the confirmation box ticked".into()));
    }
    data_subject::erase(&state.app, state.clock.as_ref(), &user.principal(), patient, &reference).await?;
    Ok(see_other(&format!("/people/{patient}")))
}

#[derive(Template)]
#[template(path = "user_audit.html")]
struct UserAuditPage {
    page: Page,
    name: String,
    audit: Vec<AuditLine>,
}

/// `GET /users/{id}/audit`: what one user read and changed in this programme.
pub async fn user_audit(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let target = UserId::from_uuid(parse_id(&id)?);
    let (target_user, entries) =
        data_subject::user_audit(&state.app, state.clock.as_ref(), &user.principal(), target).await?;
    let names = HashMap::from([(format!("user:{target}"), target_user.display_name().to_owned())]);
    let page = Page::new(&state, &headers, &format!("/users/{target}/audit"), Some(&user), &csrf);
    Ok(no_store(render(&UserAuditPage {
        page,
        name: target_user.display_name().to_owned(),
        audit: audit_lines(entries, &names),
    })?))
}
