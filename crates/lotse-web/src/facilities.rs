//! The coordinator's link facilities (`/programme/facilities`): the list with a form to add
//! one, and each facility's form (`/programme/facilities/{id}`): name, area (its place for the
//! prescription form's suggestion), whom it is for, and the contact details the prescription
//! sheet prints. Plain forms that post and redirect; a wrong field answers 400 with the form as
//! typed and a message per field, a stale form 409 with the facility as stored now beside it.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::programme_settings::{self, FacilitiesView, Facility, SettingsError};
use lotse_domain::field::FieldError;
use lotse_domain::id::OrganisationId;
use lotse_domain::offer::TargetGroup;
use lotse_domain::organisation::{FacilityDetails, FacilityInput, MAX_LINES, MAX_NAME};

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{Page, form_all as all, form_one as one, form_pairs as pairs, parse_id, render_private, see_other};

/// An option or checkbox: (value, label, chosen).
pub struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

/// The form's fields.
pub struct FacilityForm {
    name: String,
    areas: Vec<Choice>,
    targets: Vec<Choice>,
    address: String,
    phone: String,
    opening_hours: String,
    max_name: usize,
    lines_hint: String,
}

/// A facility in the list.
pub struct FacilityRow {
    id: String,
    name: String,
    area: String,
    targets: String,
    contact: Vec<String>,
}

#[derive(Template)]
#[template(path = "facilities.html")]
struct ListPage {
    page: Page,
    rows: Vec<FacilityRow>,
    form: FacilityForm,
    errors: Vec<String>,
    saved: bool,
}

#[derive(Template)]
#[template(path = "facility_edit.html")]
struct EditPage {
    page: Page,
    id: String,
    version: i64,
    form: FacilityForm,
    errors: Vec<String>,
    /// After a stale save: the facility as stored now, one line per field that differs.
    stored_now: Vec<String>,
}

/// The label of a field.
fn label(page: &Page, field: &str) -> String {
    page.t(&format!("facility-field-{}", field.replace('_', "-")))
}

fn messages(page: &Page, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            page.text_with(
                problem_key(e.problem),
                &[("field", FluentValue::from(label(page, &e.field)))],
            )
        })
        .collect()
}

fn target_label(page: &Page, group: TargetGroup) -> String {
    page.t(&format!("target-{}", group.code()))
}

fn form(page: &Page, view: &FacilitiesView, input: &FacilityInput) -> FacilityForm {
    let mut areas = vec![Choice {
        value: String::new(),
        label: page.t("facility-no-area"),
        chosen: input.area.trim().is_empty(),
    }];
    areas.extend(view.areas.iter().map(|(id, name)| Choice {
        value: id.to_string(),
        label: name.clone(),
        chosen: input.area.trim() == id.to_string(),
    }));
    FacilityForm {
        name: input.name.clone(),
        areas,
        targets: TargetGroup::ALL
            .iter()
            .map(|g| Choice {
                value: g.code().to_owned(),
                label: target_label(page, *g),
                chosen: input.target_groups.iter().any(|c| c == g.code()),
            })
            .collect(),
        address: input.address.clone(),
        phone: input.phone.clone(),
        opening_hours: input.opening_hours.clone(),
        max_name: MAX_NAME,
        lines_hint: page.text_with("facility-lines-hint", &[("max", FluentValue::from(MAX_LINES))]),
    }
}

fn posted(pairs: &[(String, String)]) -> FacilityInput {
    FacilityInput {
        name: one(pairs, "name"),
        area: one(pairs, "area"),
        target_groups: all(pairs, "target"),
        address: one(pairs, "address"),
        phone: one(pairs, "phone"),
        opening_hours: one(pairs, "opening_hours"),
    }
}

fn area_name(view: &FacilitiesView, details: &FacilityDetails) -> Option<String> {
    details
        .area
        .and_then(|a| view.areas.iter().find(|(id, _)| *id == a).map(|(_, n)| n.clone()))
}

fn targets(page: &Page, details: &FacilityDetails) -> String {
    if details.target_groups.is_empty() {
        return page.t("target-everyone");
    }
    details
        .target_groups
        .iter()
        .map(|g| target_label(page, *g))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_page(page: Page, view: &FacilitiesView, input: &FacilityInput, errors: &[FieldError], saved: bool) -> ListPage {
    let rows = view
        .facilities
        .iter()
        .map(|f| {
            let contact = &f.details.contact;
            let mut lines = contact.address_lines.clone();
            lines.extend(contact.phone.clone());
            lines.extend(contact.opening_hours.iter().cloned());
            FacilityRow {
                id: f.id.to_string(),
                name: f.details.name.clone(),
                area: area_name(view, &f.details).unwrap_or_else(|| page.t("facility-no-area")),
                targets: targets(&page, &f.details),
                contact: lines,
            }
        })
        .collect();
    ListPage {
        form: form(&page, view, input),
        errors: messages(&page, errors),
        rows,
        saved,
        page,
    }
}

/// `GET /programme/facilities`: the list and the form to add one (coordinators; others 403).
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let view = programme_settings::facilities(&state.app, state.clock.as_ref(), &user.principal()).await?;
    let page = Page::new(&state, &headers, "/programme/facilities", Some(&user), &csrf);
    let saved = query.as_deref() == Some("saved");
    render_private(
        &list_page(page, &view, &FacilityInput::default(), &[], saved),
        StatusCode::OK,
    )
}

/// `POST /programme/facilities`: adds a facility; back to the list.
pub async fn add(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &one(&pairs, "csrf")).await?;
    let input = posted(&pairs);
    let principal = user.principal();
    match programme_settings::add_facility(&state.app, state.clock.as_ref(), &principal, &input).await {
        Ok(_) => Ok(see_other("/programme/facilities?saved")),
        Err(SettingsError::Invalid(errors)) => {
            let view = programme_settings::facilities(&state.app, state.clock.as_ref(), &principal).await?;
            let page = Page::new(&state, &headers, "/programme/facilities", Some(&user), &csrf);
            render_private(&list_page(page, &view, &input, &errors, false), StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}

/// The facility `id` of the view, or 404.
fn find(view: &FacilitiesView, id: OrganisationId) -> Result<&Facility, WebError> {
    view.facilities.iter().find(|f| f.id == id).ok_or(WebError::NotFound)
}

/// `GET /programme/facilities/{id}`: a facility's form.
pub async fn edit_form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = OrganisationId::from_uuid(parse_id(&id)?);
    let view = programme_settings::facilities(&state.app, state.clock.as_ref(), &user.principal()).await?;
    let facility = find(&view, id)?;
    let path = format!("/programme/facilities/{id}");
    let page = Page::new(&state, &headers, &path, Some(&user), &csrf);
    let out = EditPage {
        id: id.to_string(),
        version: facility.version,
        form: form(&page, &view, &FacilityInput::of(&facility.details)),
        errors: Vec::new(),
        stored_now: Vec::new(),
        page,
    };
    render_private(&out, StatusCode::OK)
}

/// The lines that say how the stored facility differs from what was typed.
fn differences(page: &Page, view: &FacilitiesView, stored: &FacilityDetails, typed: &FacilityInput) -> Vec<String> {
    let now = FacilityInput::of(stored);
    let mut out = Vec::new();
    let mut line = |field: &str, value: String| out.push(format!("{}: {value}", label(page, field)));
    if now.name != typed.name.trim() {
        line("name", now.name.clone());
    }
    if now.area != typed.area.trim() {
        line(
            "area",
            area_name(view, stored).unwrap_or_else(|| page.t("facility-no-area")),
        );
    }
    let mut typed_groups: Vec<&str> = typed.target_groups.iter().map(|g| g.trim()).collect();
    typed_groups.sort_unstable();
    let mut now_groups: Vec<&str> = now.target_groups.iter().map(String::as_str).collect();
    now_groups.sort_unstable();
    if now_groups != typed_groups {
        line("target_groups", targets(page, stored));
    }
    let same_lines = |a: &str, b: &str| {
        fn norm(t: &str) -> Vec<&str> {
            t.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
        }
        norm(a) == norm(b)
    };
    if !same_lines(&now.address, &typed.address) {
        line("address", stored.contact.address_lines.join(", "));
    }
    if now.phone != typed.phone.trim() {
        line("phone", now.phone.clone());
    }
    if !same_lines(&now.opening_hours, &typed.opening_hours) {
        line("opening_hours", stored.contact.opening_hours.join(", "));
    }
    out
}

/// `POST /programme/facilities/{id}`: saves a facility; back to the list.
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
    let id = OrganisationId::from_uuid(parse_id(&id)?);
    let input = posted(&pairs);
    // A missing or malformed version is 0, which the use case refuses after its checks.
    let version = one(&pairs, "version").trim().parse().unwrap_or(0);
    let principal = user.principal();
    let result =
        programme_settings::update_facility(&state.app, state.clock.as_ref(), &principal, id, version, &input).await;
    let (errors, stored, version) = match result {
        Ok(()) => return Ok(see_other("/programme/facilities?saved")),
        Err(SettingsError::Invalid(errors)) => (errors, None, version),
        Err(SettingsError::FacilityConflict(now)) => {
            let version = now.version;
            (Vec::new(), Some(now.details), version)
        }
        Err(e) => return Err(e.into()),
    };
    let view = programme_settings::facilities(&state.app, state.clock.as_ref(), &principal).await?;
    let path = format!("/programme/facilities/{id}");
    let page = Page::new(&state, &headers, &path, Some(&user), &csrf);
    let (status, stored_now) = match &stored {
        Some(details) => (StatusCode::CONFLICT, differences(&page, &view, details, &input)),
        None => (StatusCode::BAD_REQUEST, Vec::new()),
    };
    let out = EditPage {
        id: id.to_string(),
        version,
        form: form(&page, &view, &input),
        errors: messages(&page, &errors),
        stored_now,
        page,
    };
    render_private(&out, status)
}
