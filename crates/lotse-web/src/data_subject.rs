//! The coordinator's pages: finding a person, their audit trail, export and erasure (data-subject
//! requests), and a user's audit trail.
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
use lotse_app::access::AccessError;
use lotse_app::auth::SessionUser;
use lotse_app::data_subject::{self, PersonExport, PersonOverview};
use lotse_domain::audit::{AuditEntry, RequestReference};
use lotse_domain::id::{PatientId, UserId};
use serde::Deserialize;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{
    self, CodeForm, Page, consent_key, date, no_store, onward_state_key, parse_id, printed_code, render,
    render_private, see_other, state_key, timestamp,
};

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
    fn search_profile(&self, p: &lotse_domain::search_profile::SearchProfile) -> String {
        crate::search_profile::summary(&self.page, p)
    }

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
