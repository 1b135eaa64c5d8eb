//! The prescriber's pages: the practice's board (`/prescriptions`), the prescription form
//! (`/prescriptions/new`, one page: the person, the consents, the prescription; keyboard
//! only, in the order a GP asks), a prescription with its timeline, and its sheet as PDF in
//! the person's language.
//!
//! Every handler is behind the route guard (`Action::Prescribe`); the use cases in
//! `lotse_app::prescribe` ask the policy about the record. Searches for people never use the
//! URL: the form is a POST, and a person is chosen by opaque id.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::prescribe::{self, KnownPerson, PrescribeError, PrescribeForm};
use lotse_domain::consent::ConsentPurpose;
use lotse_domain::field::FieldError;
use lotse_domain::id::{PatientId, PrescriptionId};
use lotse_domain::prescribing::{
    ConsentInput, PERSON_LANGUAGES, PrescriptionInput, RegistrationInput, SUGGEST_FACILITY,
};
use lotse_pdf::sheet::{Contact, SheetConsent, SheetContent, SheetLanguage};

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{
    Page, date, event_key, form_all, form_one, form_pairs, parse_id, printed_code, render_private, see_other,
    state_key, timestamp,
};

/// How many prescriptions a page of the board shows (the next page is one link away).
const BOARD_LIMIT: i64 = 50;

/// One line of the board.
struct BoardLine {
    id: String,
    name: String,
    code: String,
    state: String,
    urgent: bool,
    updated: String,
    /// The latest concern the link worker raised: "kind (date)".
    concern: Option<String>,
}

#[derive(Template)]
#[template(path = "prescriptions.html")]
struct BoardPage {
    page: Page,
    rows: Vec<BoardLine>,
    /// The link to the next page (older changes), when more follow.
    older: Option<String>,
    /// This is not the first page.
    later_page: bool,
}

/// `?after=…` of the board (page and API): the page after that prescription (an id the
/// previous page ended with).
#[derive(Debug, Default, serde::Deserialize)]
struct BoardQuery {
    after: Option<String>,
}

/// The board's `after` from a query string: none, or a prescription id (else the message; an
/// empty `after` too).
pub(crate) fn board_after(query: Option<&str>) -> Result<Option<PrescriptionId>, String> {
    let query: BoardQuery = serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| e.to_string())?;
    query
        .after
        .map(|a| {
            lotse_domain::id::parse_canonical(&a)
                .map(PrescriptionId::from_uuid)
                .ok_or_else(|| format!("after: {a:?} is not a prescription id"))
        })
        .transpose()
}

/// The state shown for a prescription: its referral's, or "stayed in the practice".
fn shown_state(page: &Page, state: Option<&str>, closing_reason: Option<&str>) -> String {
    match (state, closing_reason) {
        (None, _) => page.t("rx-state-local"),
        (Some(s), Some(reason)) => format!(
            "{}: {}",
            page.t(&state_key(s)),
            page.t(&format!("closing-{}", reason.replace('_', "-")))
        ),
        (Some(s), None) => page.t(&state_key(s)),
    }
}

/// A concern as shown: its kind and when it was raised.
fn shown_concern(page: &Page, concern: Option<&(String, time::OffsetDateTime)>) -> Option<String> {
    concern.map(|(kind, at)| {
        format!(
            "{} ({})",
            page.t(&format!("concern-{}", kind.replace('_', "-"))),
            date(*at)
        )
    })
}

/// `GET /prescriptions`: the practice's board, a page at a time (`?after=` the last
/// prescription of the page before; anything but a prescription id there is a 400).
pub async fn board(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let after = board_after(query.as_deref()).map_err(WebError::BadRequest)?;
    let board = prescribe::board(&state.app, state.clock.as_ref(), &user.principal(), after, BOARD_LIMIT).await?;
    let page = Page::new(&state, &headers, "/prescriptions", Some(&user), &csrf);
    let older = board
        .rows
        .last()
        .filter(|_| board.more)
        .map(|r| format!("/prescriptions?after={}", r.prescription));
    let rows = board
        .rows
        .into_iter()
        .map(|r| BoardLine {
            id: r.prescription.to_string(),
            name: format!("{} {}", r.given_name, r.family_name),
            code: printed_code(&r.code),
            state: shown_state(&page, r.state.as_deref(), r.closing_reason.as_deref()),
            urgent: r.urgency == "soon",
            updated: date(r.updated_at),
            concern: shown_concern(&page, r.concern.as_ref()),
        })
        .collect();
    render_private(
        &BoardPage {
            page,
            rows,
            older,
            later_page: after.is_some(),
        },
        StatusCode::OK,
    )
}

/// A choice of a select or a checkbox group.
pub(crate) struct Choice {
    pub(crate) code: String,
    pub(crate) label: String,
    pub(crate) chosen: bool,
}

#[derive(Template)]
#[template(path = "prescription_new.html")]
#[expect(clippy::struct_excessive_bools, reason = "one per checkbox of the form")]
struct FormPage {
    page: Page,
    errors: Vec<String>,
    person: RegistrationInput,
    patient: String,
    known: Vec<(String, String, String)>,
    needs: Vec<Choice>,
    facilities: Vec<Choice>,
    /// The suggested facility is asked for (the form's default).
    suggest: bool,
    /// No facility is named.
    no_facility: bool,
    languages: Vec<Choice>,
    genders: Vec<Choice>,
    givers: Vec<Choice>,
    urgent: bool,
    reason: String,
    transfer: bool,
    care: bool,
    research: bool,
    other_languages: String,
    /// The consent texts in the sheet's other languages, the person's first.
    consent_texts: Vec<ConsentTexts>,
    /// The person's language is not the page's: the texts above are shown open.
    consent_texts_open: bool,
}

/// The three consent texts in one language, to read out or show to the person.
pub(crate) struct ConsentTexts {
    /// The language's name in the page's language.
    pub(crate) name: String,
    /// Its tag (`lang` of the texts).
    pub(crate) tag: &'static str,
    /// `rtl` or `ltr`.
    pub(crate) dir: &'static str,
    /// Transfer, care, research.
    pub(crate) texts: Vec<String>,
}

/// The consent texts in every language a sheet is printed in, but the page's own (the form
/// shows those inline): the person's language first. The texts are the sheet's, so what is
/// read out is what the person takes home.
pub(crate) fn consent_texts(page: &Page, person_language: &str) -> Vec<ConsentTexts> {
    let mut languages: Vec<SheetLanguage> = SheetLanguage::ALL
        .into_iter()
        .filter(|l| l.tag() != page.lang_tag())
        .collect();
    languages.sort_by_key(|l| l.tag() != person_language);
    languages
        .into_iter()
        .filter_map(|language| {
            let texts = [SheetConsent::Transfer, SheetConsent::Care, SheetConsent::Research]
                .into_iter()
                .map(|c| lotse_pdf::sheet::consent_text(language, c).ok())
                .collect::<Option<Vec<_>>>()?;
            Some(ConsentTexts {
                name: page.t(&format!("rx-language-{}", language.tag())),
                tag: language.tag(),
                dir: match language.direction() {
                    lotse_pdf::Direction::Rtl => "rtl",
                    lotse_pdf::Direction::Ltr => "ltr",
                },
                texts,
            })
        })
        .collect()
}

/// The label of a field, for messages (`rx-field-<field>`).
fn field_label(page: &Page, field: &str) -> String {
    page.t(&format!("rx-field-{}", field.replace('_', "-")))
}

pub(crate) fn messages(page: &Page, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            page.text_with(
                problem_key(e.problem),
                &[("field", FluentValue::from(field_label(page, &e.field)))],
            )
        })
        .collect()
}

async fn form_page(
    state: &AppState,
    user: &SessionUser,
    page: Page,
    form: &PrescribeForm,
    errors: &[FieldError],
    known: &[KnownPerson],
) -> Result<FormPage, WebError> {
    let choices = prescribe::form_choices(&state.app, &user.principal()).await?;
    let p = &form.prescription;
    let chosen_language = if form.person.language.is_empty() {
        page.lang_tag().to_owned()
    } else {
        form.person.language.clone()
    };
    Ok(FormPage {
        errors: messages(&page, errors),
        person: form.person.clone(),
        patient: form.patient.map(|p| p.to_string()).unwrap_or_default(),
        known: known
            .iter()
            .map(|k| (k.patient.to_string(), k.name.clone(), k.birth_date.to_string()))
            .collect(),
        needs: choices
            .need_domains
            .iter()
            .map(|n| Choice {
                code: n.code().to_owned(),
                label: page.t(&format!("need-{}", n.code())),
                chosen: p.need_domains.iter().any(|c| c == n.code()),
            })
            .collect(),
        facilities: choices
            .facilities
            .iter()
            .map(|(id, name)| Choice {
                code: id.to_string(),
                label: name.clone(),
                chosen: p.link_facility == id.to_string(),
            })
            .collect(),
        suggest: p.link_facility.trim() == SUGGEST_FACILITY,
        no_facility: p.link_facility.trim().is_empty(),
        languages: language_choices(&page, &chosen_language),
        genders: gender_choices(&page, &form.person.gender),
        givers: giver_choices(&page, &p.consents.given_by),
        urgent: p.urgency == "soon",
        reason: p.reason.clone(),
        transfer: p.consents.transfer,
        care: p.consents.care,
        research: p.consents.research,
        other_languages: form.person.other_languages.join(", "),
        consent_texts: consent_texts(&page, &chosen_language),
        consent_texts_open: chosen_language != page.lang_tag(),
        page,
    })
}

/// The person's language choices, `chosen` selected.
pub(crate) fn language_choices(page: &Page, chosen: &str) -> Vec<Choice> {
    PERSON_LANGUAGES
        .iter()
        .map(|tag| Choice {
            code: (*tag).to_owned(),
            label: page.t(&format!("rx-language-{tag}")),
            chosen: *tag == chosen,
        })
        .collect()
}

/// The gender choices (none stated first).
pub(crate) fn gender_choices(page: &Page, chosen: &str) -> Vec<Choice> {
    ["", "female", "male", "diverse"]
        .iter()
        .map(|g| Choice {
            code: (*g).to_owned(),
            label: page.t(&format!("rx-gender-{}", if g.is_empty() { "not-stated" } else { g })),
            chosen: chosen == *g,
        })
        .collect()
}

/// Who gives consent: the person, a parent or guardian, a legal representative.
pub(crate) fn giver_choices(page: &Page, chosen: &str) -> Vec<Choice> {
    ["person", "parent_or_guardian", "legal_representative"]
        .iter()
        .map(|g| Choice {
            code: (*g).to_owned(),
            label: page.t(&format!("rx-given-by-{}", g.replace('_', "-"))),
            chosen: chosen == *g,
        })
        .collect()
}

/// The person's fields as posted.
pub(crate) fn person_of(pairs: &[(String, String)]) -> RegistrationInput {
    RegistrationInput {
        given_name: form_one(pairs, "given_name"),
        family_name: form_one(pairs, "family_name"),
        birth_date: form_one(pairs, "birth_date"),
        phone: form_one(pairs, "phone"),
        postcode: form_one(pairs, "postcode"),
        language: form_one(pairs, "language"),
        other_languages: form_one(pairs, "other_languages")
            .split([',', ' '])
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        gender: form_one(pairs, "gender"),
    }
}

/// `GET /prescriptions/new`: the prescription form.
pub async fn new_form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &headers, "/prescriptions/new", Some(&user), &csrf);
    // Nothing is ticked in advance: each consent is the person's own answer. The facility is
    // the suggestion unless the prescriber chooses one.
    let form = PrescribeForm {
        prescription: PrescriptionInput {
            link_facility: SUGGEST_FACILITY.to_owned(),
            ..PrescriptionInput::default()
        },
        ..PrescribeForm::default()
    };
    let page = form_page(&state, &user, page, &form, &[], &[]).await?;
    render_private(&page, StatusCode::OK)
}

/// The posted form.
fn form_of(pairs: &[(String, String)]) -> PrescribeForm {
    let checked = |name: &str| form_one(pairs, name) == "yes";
    PrescribeForm {
        patient: parse_id(&form_one(pairs, "patient")).ok().map(PatientId::from_uuid),
        person: person_of(pairs),
        confirmed_new: checked("confirmed_new"),
        // The signed-in prescriber prescribes as themself.
        prescriber: String::new(),
        prescription: PrescriptionInput {
            need_domains: form_all(pairs, "need"),
            reason: form_one(pairs, "reason"),
            urgency: if checked("urgent") {
                "soon".into()
            } else {
                "routine".into()
            },
            link_facility: form_one(pairs, "link_facility"),
            consents: ConsentInput {
                transfer: checked("consent_transfer"),
                care: checked("consent_care"),
                research: checked("consent_research"),
                given_by: form_one(pairs, "consent_given_by"),
            },
        },
    }
}

/// `POST /prescriptions`: issues the prescription and shows it (303); a wrong field, or a
/// person the practice already knows, shows the form again with everything entered.
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let form = form_of(&pairs);
    match prescribe::prescribe(&state.app, state.clock.as_ref(), &user.principal(), &form).await {
        Ok(done) => Ok(see_other(&format!("/prescriptions/{}", done.prescription))),
        Err(PrescribeError::Invalid(errors)) => {
            let page = Page::new(&state, &headers, "/prescriptions/new", Some(&user), &csrf);
            render_private(
                &form_page(&state, &user, page, &form, &errors, &[]).await?,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(PrescribeError::PossibleDuplicates(known)) => {
            let page = Page::new(&state, &headers, "/prescriptions/new", Some(&user), &csrf);
            render_private(
                &form_page(&state, &user, page, &form, &[], &known).await?,
                StatusCode::CONFLICT,
            )
        }
        Err(PrescribeError::NotFound) => Err(WebError::NotFound),
        Err(PrescribeError::Store(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "prescription.html")]
struct PrescriptionPage {
    page: Page,
    id: String,
    name: String,
    code: String,
    issued: String,
    state: String,
    urgent: bool,
    transferred: bool,
    facility: Option<String>,
    concern: Option<String>,
    timeline: Vec<(String, String)>,
    sheet_language: String,
    message_back: Option<MessageBackView>,
}

/// The message back to the practice as the prescription page shows it.
struct MessageBackView {
    /// "3 March 2026: goals met".
    closed: String,
    /// The latest plan's goals.
    goals: Vec<String>,
    /// (offer, provider, where it ended up).
    offers: Vec<(String, String, String)>,
    /// (instrument, baseline, follow-up, change), each score in points ("" where missing).
    scores: Vec<(String, String, String, String)>,
}

fn message_back_view(page: &Page, m: &prescribe::MessageBack) -> MessageBackView {
    let points = |p: Option<i64>| p.map(crate::page::points).unwrap_or_default();
    MessageBackView {
        closed: format!(
            "{}: {}",
            date(m.closed_at),
            page.t(&format!("closing-{}", m.reason.code().replace('_', "-")))
        ),
        goals: m.goals.clone(),
        offers: m
            .offers
            .iter()
            .map(|(offer, provider, state)| {
                (
                    offer.clone(),
                    provider.clone(),
                    page.t(&crate::page::onward_state_key(state.code())),
                )
            })
            .collect(),
        scores: m
            .scores
            .iter()
            .map(|s| {
                let change = s
                    .change
                    .map(|c| format!("{}{}", if c > 0 { "+" } else { "" }, crate::page::points(c)))
                    .unwrap_or_default();
                (
                    page.t(&format!("instrument-{}", s.instrument.code())),
                    points(s.baseline),
                    points(s.follow_up),
                    change,
                )
            })
            .collect(),
    }
}

async fn view_of(state: &AppState, user: &SessionUser, id: &str) -> Result<prescribe::PrescriptionView, WebError> {
    let id = PrescriptionId::from_uuid(parse_id(id)?);
    prescribe::view(&state.app, state.clock.as_ref(), &user.principal(), id)
        .await
        .map_err(|e| match e {
            PrescribeError::Store(e) => e.into(),
            _ => WebError::NotFound,
        })
}

/// `GET /prescriptions/{id}`: one prescription, its state and timeline, and the sheet.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_of(&state, &user, &id).await?;
    let page = Page::new(&state, &headers, &format!("/prescriptions/{id}"), Some(&user), &csrf);
    let row = &view.row;
    let prescription = PrescriptionPage {
        id: row.prescription.to_string(),
        name: format!("{} {}", row.given_name, row.family_name),
        code: view.code.to_string(),
        issued: timestamp(row.issued_at),
        state: shown_state(&page, row.state.as_deref(), row.closing_reason.as_deref()),
        urgent: row.urgency == "soon",
        transferred: row.referral.is_some(),
        facility: view.facility.as_ref().map(|(name, _)| name.clone()),
        concern: shown_concern(&page, row.concern.as_ref()),
        // The prescription itself first: its referral may come later (a person who brings
        // the sheet to a link facility) or never (kept in the practice).
        timeline: std::iter::once((timestamp(row.issued_at), page.t("rx-timeline-issued")))
            .chain(
                view.timeline
                    .iter()
                    .map(|(at, kind)| (timestamp(*at), page.t(&event_key(kind)))),
            )
            .collect(),
        sheet_language: page.t(&format!("rx-language-{}", view.language)),
        message_back: view.message_back.as_ref().map(|m| message_back_view(&page, m)),
        page,
    };
    render_private(&prescription, StatusCode::OK)
}

/// The sheet of a prescription as PDF bytes, in the person's language (German where the
/// person's language has no sheet); rendered off the async threads. Also the API's.
pub(crate) async fn sheet_pdf(view: prescribe::PrescriptionView) -> Result<(String, Vec<u8>), String> {
    let language = SheetLanguage::from_tag(&view.language).unwrap_or(SheetLanguage::De);
    let facility = view.facility.map_or_else(
        || Contact {
            name: String::new(),
            address_lines: Vec::new(),
            phone: String::new(),
            opening_hours: Vec::new(),
        },
        |(name, contact)| Contact {
            name,
            address_lines: contact.address_lines,
            phone: contact.phone.unwrap_or_default(),
            opening_hours: contact.opening_hours,
        },
    );
    let code = view.code.to_string();
    let content = SheetContent {
        language,
        code: code.clone(),
        issued_on: view.row.issued_at.date(),
        practice: view.practice_name,
        facility,
        referred: view.row.referral.is_some(),
        consents: view
            .consents
            .iter()
            .filter_map(|(purpose, _)| match purpose {
                ConsentPurpose::Transfer => Some(SheetConsent::Transfer),
                ConsentPurpose::Care => Some(SheetConsent::Care),
                ConsentPurpose::Research => Some(SheetConsent::Research),
                ConsentPurpose::ProviderSharing => None,
            })
            .collect(),
        consent_version: view
            .consents
            .iter()
            .map(|(_, v)| v.as_str())
            .max()
            .unwrap_or_default()
            .to_owned(),
    };
    let bytes = tokio::task::spawn_blocking(move || lotse_pdf::sheet::prescription_sheet(&content))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok((code, bytes))
}

/// A PDF answer: never cached, downloaded as `file`.
pub(crate) fn pdf_response(bytes: Vec<u8>, file: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

/// `GET /prescriptions/{id}/sheet.pdf`: the sheet in the person's language (German where the
/// person's language has no sheet). Never cached.
pub async fn sheet(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let view = view_of(&state, &user, &id).await?;
    let (code, bytes) = sheet_pdf(view).await.map_err(WebError::Internal)?;
    Ok(pdf_response(bytes, &format!("rezept-{code}.pdf")))
}
