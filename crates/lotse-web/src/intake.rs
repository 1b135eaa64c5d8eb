//! Intake at the link facility (`/cases/new`): a link worker registers a person who comes
//! without a prescription (on their own, sent by social services or by a pharmacy), or who
//! brings a prescription sheet their practice could not send (its code, and their own transfer
//! consent), with their consent to be accompanied; the new case opens. A wrong field shows the form again with
//! everything entered and one message per field; people the facility already holds with that
//! name and birth date are offered to open instead (409), until the link worker confirms a new
//! person.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lotse_app::auth::SessionUser;
use lotse_app::intake::{self, Intake, IntakeForm, KnownCase};
use lotse_app::referral_work::WorkError;
use lotse_domain::field::FieldError;
use lotse_domain::prescribing::RegistrationInput;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{Page, form_one, form_pairs, render_private, see_other};
use crate::prescriptions::{Choice, gender_choices, giver_choices, language_choices, messages, person_of};

#[derive(Template)]
#[template(path = "intake.html")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one per checkbox of the form, and whether a disclosure is open"
)]
struct IntakePage {
    page: Page,
    errors: Vec<String>,
    person: RegistrationInput,
    other_languages: String,
    languages: Vec<Choice>,
    genders: Vec<Choice>,
    givers: Vec<Choice>,
    /// Sources (code, label, chosen).
    sources: Vec<(&'static str, String, bool)>,
    /// The code of the prescription sheet the person brings, as entered.
    prescription_code: String,
    transfer: bool,
    care: bool,
    research: bool,
    /// People the facility holds who may be this person: name, birth date, their cases here.
    known: Vec<(String, String, Vec<String>)>,
    /// The consent texts in the sheet's other languages, the person's first.
    consent_texts: Vec<crate::prescriptions::ConsentTexts>,
    /// The person's language is not the page's: those texts are shown open.
    consent_texts_open: bool,
}

fn intake_page(page: Page, form: &IntakeForm, errors: &[FieldError], known: &[KnownCase]) -> IntakePage {
    let language = if form.person.language.is_empty() {
        page.lang_tag().to_owned()
    } else {
        form.person.language.clone()
    };
    IntakePage {
        errors: messages(&page, errors),
        other_languages: form.person.other_languages.join(", "),
        languages: language_choices(&page, &language),
        genders: gender_choices(&page, &form.person.gender),
        givers: giver_choices(&page, &form.given_by),
        sources: source_choices(&page, &intake::INTAKE_SOURCES, &form.source),
        prescription_code: form.prescription_code.clone(),
        transfer: form.transfer,
        care: form.care,
        research: form.research,
        known: known
            .iter()
            .map(|k| {
                (
                    k.name.clone(),
                    k.birth_date.to_string(),
                    k.cases.iter().map(ToString::to_string).collect(),
                )
            })
            .collect(),
        person: form.person.clone(),
        consent_texts: crate::prescriptions::consent_texts(&page, &language),
        consent_texts_open: language != page.lang_tag(),
        page,
    }
}

/// The sources a link worker chooses from (code, label, chosen), for `intake_source.html`.
pub(crate) fn source_choices(
    page: &Page,
    sources: &[lotse_domain::prescription::ReferralSource],
    chosen: &str,
) -> Vec<(&'static str, String, bool)> {
    sources
        .iter()
        .map(|s| (s.code(), page.t(&format!("source-{}", s.code())), chosen == s.code()))
        .collect()
}

/// `GET /cases/new`: the intake form (nothing ticked in advance).
pub async fn form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &headers, "/cases/new", Some(&user), &csrf);
    render_private(&intake_page(page, &IntakeForm::default(), &[], &[]), StatusCode::OK)
}

/// `POST /cases/new`: registers the person and opens their case (303 to it).
pub async fn register(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let form = IntakeForm {
        person: person_of(&pairs),
        source: form_one(&pairs, "source"),
        prescription_code: form_one(&pairs, "prescription_code"),
        transfer: form_one(&pairs, "consent_transfer") == "yes",
        care: form_one(&pairs, "consent_care") == "yes",
        research: form_one(&pairs, "consent_research") == "yes",
        given_by: form_one(&pairs, "consent_given_by"),
        confirmed_new: form_one(&pairs, "confirmed_new") == "yes",
    };
    match intake::register(&state.app, state.clock.as_ref(), &user.principal(), &form).await {
        Ok(Intake::Registered(case)) => Ok(see_other(&format!("/cases/{case}"))),
        Ok(Intake::PossibleDuplicates(known)) => {
            let page = Page::new(&state, &headers, "/cases/new", Some(&user), &csrf);
            render_private(&intake_page(page, &form, &[], &known), StatusCode::CONFLICT)
        }
        Err(WorkError::Invalid(errors)) => {
            let page = Page::new(&state, &headers, "/cases/new", Some(&user), &csrf);
            render_private(&intake_page(page, &form, &errors, &[]), StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}
