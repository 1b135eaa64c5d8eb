//! The coordinator's settings page (`/programme/settings`): the programme's holiday calendar,
//! the deadlines of the link workers' next actions in working days, and the failed contact
//! attempts before a person may be marked unreachable. A plain form that posts and redirects;
//! a wrong field answers 400 with the form as typed and a message per field, a stale version
//! 409 with the settings stored now beside what was typed; nothing is saved in either case.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::programme_settings::{self, SettingsError, SettingsView};
use lotse_domain::calendar::HolidayCalendar;
use lotse_domain::field::FieldError;
use lotse_domain::programme_settings::{
    BASELINE_QUESTIONNAIRE_WORKING_DAYS, CONTACT_ATTEMPTS_BEFORE_UNREACHABLE, FIRST_CONTACT_WORKING_DAYS,
    FOLLOW_UP_QUESTIONNAIRE_WEEKS, LinkWorkInput, LinkWorkSettings, ONWARD_LAPSE_WORKING_DAYS,
    PROVIDER_SILENT_WORKING_DAYS, WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS,
};

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{Page, form_one as one, form_pairs as pairs, render_private, see_other};

impl From<SettingsError> for WebError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::NotFound => Self::NotFound,
            SettingsError::Invalid(fields) => Self::BadRequest(format!("{} fields are wrong", fields.len())),
            SettingsError::BadVersion => Self::BadRequest("the version must be 1 or more".into()),
            SettingsError::Conflict { .. } => Self::Conflict("the settings were changed meanwhile".into()),
            SettingsError::FacilityConflict(_) => Self::Conflict("the facility was changed meanwhile".into()),
            SettingsError::Store(s) => s.into(),
        }
    }
}

/// The fields as the form holds them (typed, or the stored settings).
pub struct Fields {
    holiday_calendar: String,
    first_contact_working_days: String,
    working_days_between_contact_attempts: String,
    baseline_questionnaire_working_days: String,
    contact_attempts_before_unreachable: String,
    provider_silent_working_days: String,
    onward_lapse_working_days: String,
    follow_up_questionnaire_weeks: String,
}

impl Fields {
    fn of(settings: &LinkWorkSettings) -> Self {
        let next = &settings.next_action;
        Self {
            holiday_calendar: settings.holiday_calendar.code().to_owned(),
            first_contact_working_days: next.first_contact_working_days.to_string(),
            working_days_between_contact_attempts: next.working_days_between_contact_attempts.to_string(),
            baseline_questionnaire_working_days: next.baseline_questionnaire_working_days.to_string(),
            contact_attempts_before_unreachable: settings.contact_attempts_before_unreachable.to_string(),
            provider_silent_working_days: next.provider_silent_working_days.to_string(),
            onward_lapse_working_days: next.onward_lapse_working_days.to_string(),
            follow_up_questionnaire_weeks: next.follow_up_questionnaire_weeks.to_string(),
        }
    }

    fn posted(pairs: &[(String, String)]) -> Self {
        Self {
            holiday_calendar: one(pairs, "holiday_calendar"),
            first_contact_working_days: one(pairs, "first_contact_working_days"),
            working_days_between_contact_attempts: one(pairs, "working_days_between_contact_attempts"),
            baseline_questionnaire_working_days: one(pairs, "baseline_questionnaire_working_days"),
            contact_attempts_before_unreachable: one(pairs, "contact_attempts_before_unreachable"),
            provider_silent_working_days: one(pairs, "provider_silent_working_days"),
            onward_lapse_working_days: one(pairs, "onward_lapse_working_days"),
            follow_up_questionnaire_weeks: one(pairs, "follow_up_questionnaire_weeks"),
        }
    }

    fn input(&self) -> LinkWorkInput<'_> {
        LinkWorkInput {
            holiday_calendar: &self.holiday_calendar,
            first_contact_working_days: &self.first_contact_working_days,
            working_days_between_contact_attempts: &self.working_days_between_contact_attempts,
            baseline_questionnaire_working_days: &self.baseline_questionnaire_working_days,
            contact_attempts_before_unreachable: &self.contact_attempts_before_unreachable,
            provider_silent_working_days: &self.provider_silent_working_days,
            onward_lapse_working_days: &self.onward_lapse_working_days,
            follow_up_questionnaire_weeks: &self.follow_up_questionnaire_weeks,
        }
    }
}

/// A number field of the form: name, label (with its range), range.
pub struct NumberField {
    name: &'static str,
    label: String,
    value: String,
    min: u32,
    max: u32,
}

/// An imported questionnaire wording: instrument, language, source, date of import.
pub struct WordingRow {
    instrument: String,
    language: String,
    source: String,
    imported_on: String,
}

fn wording_rows(page: &Page, wordings: &[lotse_app::programme_settings::ImportedWording]) -> Vec<WordingRow> {
    wordings
        .iter()
        .map(|w| WordingRow {
            instrument: page.t(&format!("instrument-{}", w.instrument.code())),
            language: w.language.clone(),
            source: w.source.clone(),
            imported_on: crate::page::date(w.imported_at),
        })
        .collect()
}

/// A holiday calendar to choose: (code, label, chosen).
pub struct CalendarChoice {
    code: &'static str,
    label: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "programme_settings.html")]
struct SettingsPage {
    page: Page,
    version: i64,
    calendars: Vec<CalendarChoice>,
    numbers: Vec<NumberField>,
    errors: Vec<String>,
    /// After a stale save: what is stored now, one line per setting that differs from the form.
    stored_now: Vec<String>,
    saved: bool,
    wordings: Vec<WordingRow>,
}

/// The label of a field, with the range a number may take.
fn label(page: &Page, field: &str) -> String {
    let key = format!("settings-field-{}", field.replace('_', "-"));
    let range = match field {
        "first_contact_working_days" => Some(FIRST_CONTACT_WORKING_DAYS),
        "working_days_between_contact_attempts" => Some(WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS),
        "baseline_questionnaire_working_days" => Some(BASELINE_QUESTIONNAIRE_WORKING_DAYS),
        "contact_attempts_before_unreachable" => Some(CONTACT_ATTEMPTS_BEFORE_UNREACHABLE),
        "provider_silent_working_days" => Some(PROVIDER_SILENT_WORKING_DAYS),
        "onward_lapse_working_days" => Some(ONWARD_LAPSE_WORKING_DAYS),
        "follow_up_questionnaire_weeks" => Some(FOLLOW_UP_QUESTIONNAIRE_WEEKS),
        _ => None,
    };
    match range {
        Some(range) => page.text_with(
            &key,
            &[
                ("min", FluentValue::from(*range.start())),
                ("max", FluentValue::from(*range.end())),
            ],
        ),
        None => page.t(&key),
    }
}

fn settings_page(
    page: Page,
    view: &SettingsView,
    version: i64,
    fields: &Fields,
    errors: &[FieldError],
    saved: bool,
) -> SettingsPage {
    let errors = errors
        .iter()
        .map(|e| {
            page.text_with(
                problem_key(e.problem),
                &[("field", FluentValue::from(label(&page, &e.field)))],
            )
        })
        .collect();
    let calendars = HolidayCalendar::ALL
        .iter()
        .map(|c| CalendarChoice {
            code: c.code(),
            label: page.t(&format!("calendar-{}", c.code())),
            chosen: fields.holiday_calendar.trim() == c.code(),
        })
        .collect();
    let number = |name: &'static str, value: &str, range: std::ops::RangeInclusive<u32>| NumberField {
        name,
        label: label(&page, name),
        value: value.to_owned(),
        min: *range.start(),
        max: *range.end(),
    };
    let numbers = vec![
        number(
            "first_contact_working_days",
            &fields.first_contact_working_days,
            FIRST_CONTACT_WORKING_DAYS,
        ),
        number(
            "working_days_between_contact_attempts",
            &fields.working_days_between_contact_attempts,
            WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS,
        ),
        number(
            "baseline_questionnaire_working_days",
            &fields.baseline_questionnaire_working_days,
            BASELINE_QUESTIONNAIRE_WORKING_DAYS,
        ),
        number(
            "contact_attempts_before_unreachable",
            &fields.contact_attempts_before_unreachable,
            CONTACT_ATTEMPTS_BEFORE_UNREACHABLE,
        ),
        number(
            "provider_silent_working_days",
            &fields.provider_silent_working_days,
            PROVIDER_SILENT_WORKING_DAYS,
        ),
        number(
            "onward_lapse_working_days",
            &fields.onward_lapse_working_days,
            ONWARD_LAPSE_WORKING_DAYS,
        ),
        number(
            "follow_up_questionnaire_weeks",
            &fields.follow_up_questionnaire_weeks,
            FOLLOW_UP_QUESTIONNAIRE_WEEKS,
        ),
    ];
    SettingsPage {
        wordings: wording_rows(&page, &view.wordings),
        page,
        version,
        calendars,
        numbers,
        errors,
        stored_now: Vec::new(),
        saved,
    }
}

/// `GET /programme/settings`: the form with the settings stored now (coordinators; others 404).
pub async fn form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let view = programme_settings::settings(&state.app, state.clock.as_ref(), &user.principal()).await?;
    let page = Page::new(&state, &headers, "/programme/settings", Some(&user), &csrf);
    let saved = query.as_deref() == Some("saved");
    render_private(
        &settings_page(page, &view, view.version, &Fields::of(&view.settings), &[], saved),
        StatusCode::OK,
    )
}

/// `POST /programme/settings`: saves the form; back to it with "saved".
pub async fn save(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &one(&pairs, "csrf")).await?;
    let fields = Fields::posted(&pairs);
    // A missing or malformed version is 0, which the use case refuses after its access check.
    let version = one(&pairs, "version").trim().parse().unwrap_or(0);
    let principal = user.principal();
    let page = || Page::new(&state, &headers, "/programme/settings", Some(&user), &csrf);
    let result =
        programme_settings::update(&state.app, state.clock.as_ref(), &principal, version, &fields.input()).await;
    if result.is_ok() {
        return Ok(see_other("/programme/settings?saved"));
    }
    // The page around a refused form (the wordings beside it) as stored now.
    let view = || programme_settings::settings(&state.app, state.clock.as_ref(), &principal);
    match result {
        Ok(_) => Ok(see_other("/programme/settings?saved")),
        Err(SettingsError::Invalid(errors)) => render_private(
            &settings_page(page(), &view().await?, version, &fields, &errors, false),
            StatusCode::BAD_REQUEST,
        ),
        Err(SettingsError::Conflict {
            current,
            current_version,
        }) => {
            // The form keeps what was typed, with the new version: saving it again replaces
            // the other change knowingly. The lines say what is stored now where it differs.
            let page = page();
            let stored = Fields::of(&current);
            let mut stored_now = Vec::new();
            if stored.holiday_calendar != fields.holiday_calendar.trim() {
                stored_now.push(format!(
                    "{}: {}",
                    label(&page, "holiday_calendar"),
                    page.t(&format!("calendar-{}", stored.holiday_calendar))
                ));
            }
            for (name, now, typed) in [
                (
                    "first_contact_working_days",
                    &stored.first_contact_working_days,
                    &fields.first_contact_working_days,
                ),
                (
                    "working_days_between_contact_attempts",
                    &stored.working_days_between_contact_attempts,
                    &fields.working_days_between_contact_attempts,
                ),
                (
                    "baseline_questionnaire_working_days",
                    &stored.baseline_questionnaire_working_days,
                    &fields.baseline_questionnaire_working_days,
                ),
                (
                    "contact_attempts_before_unreachable",
                    &stored.contact_attempts_before_unreachable,
                    &fields.contact_attempts_before_unreachable,
                ),
                (
                    "provider_silent_working_days",
                    &stored.provider_silent_working_days,
                    &fields.provider_silent_working_days,
                ),
                (
                    "onward_lapse_working_days",
                    &stored.onward_lapse_working_days,
                    &fields.onward_lapse_working_days,
                ),
                (
                    "follow_up_questionnaire_weeks",
                    &stored.follow_up_questionnaire_weeks,
                    &fields.follow_up_questionnaire_weeks,
                ),
            ] {
                if now != typed.trim() {
                    stored_now.push(format!("{}: {now}", label(&page, name)));
                }
            }
            let mut out = settings_page(page, &view().await?, current_version, &fields, &[], false);
            out.stored_now = stored_now;
            render_private(&out, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
