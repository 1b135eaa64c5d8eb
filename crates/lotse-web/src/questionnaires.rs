//! Questionnaires in the pages: the link worker fills one in with the person
//! (`/cases/{id}/questionnaires/new`), or makes a self-completion link
//! (`POST /cases/{id}/questionnaires/links`: the link and its QR code, shown once), which the
//! person opens without an account (`/q/{token}`, a capability route: a wrong, expired or used
//! link is 404; too many requests on one link 429). The person's page shows the questionnaire
//! in its validated wording and nothing about the person.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::principal::Principal;
use lotse_app::questionnaires;
use lotse_app::referral_work::WorkError;
use lotse_domain::field::FieldError;
use lotse_domain::id::CaseId;
use lotse_domain::questionnaire::wording::Wording;
use lotse_domain::questionnaire::{Instrument, Timepoint};

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{Page, form_one, form_pairs, parse_id, render_private, see_other};

/// One item of the form: its number, text, and the answers with the one chosen.
struct ItemView {
    number: usize,
    text: String,
    choices: Vec<(u8, String, bool)>,
    wrong: bool,
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
struct QuestionnairePage {
    page: Page,
    title: String,
    /// The language of the items (the validated wording's).
    language: String,
    instructions: Option<String>,
    stem: Option<String>,
    items: Vec<ItemView>,
    action: String,
    /// Hidden fields (instrument, timepoint) for the link worker's form.
    hidden: Vec<(&'static str, String)>,
    errors: Vec<String>,
    source: String,
    /// Answered: the thank-you instead of the form.
    done: bool,
}

fn item_views(set: &Wording, chosen: &[String], wrong: &[usize]) -> Vec<ItemView> {
    set.items
        .iter()
        .enumerate()
        .map(|(i, text)| ItemView {
            number: i + 1,
            text: text.clone(),
            choices: set
                .responses
                .iter()
                .map(|(value, label)| {
                    (
                        *value,
                        label.clone(),
                        chosen.get(i).is_some_and(|c| *c == value.to_string()),
                    )
                })
                .collect(),
            wrong: wrong.contains(&i),
        })
        .collect()
}

/// The answers as sent: `item-1` … `item-N`.
fn sent_answers(pairs: &[(String, String)], instrument: Instrument) -> Vec<String> {
    (1..=instrument.items())
        .map(|n| form_one(pairs, &format!("item-{n}")))
        .collect()
}

/// The messages of wrong answers, and the items they name (0-based).
fn answer_errors(page: &Page, errors: &[FieldError]) -> (Vec<String>, Vec<usize>) {
    let wrong: Vec<usize> = errors
        .iter()
        .filter_map(|e| e.field.strip_prefix("items[")?.strip_suffix(']')?.parse().ok())
        .collect();
    let messages = if errors.iter().any(|e| e.field == "items") {
        vec![page.t("q-answer-one")]
    } else {
        wrong
            .iter()
            .map(|i| page.text_with("q-item-wrong", &[("n", FluentValue::from(i + 1))]))
            .collect()
    };
    (messages, wrong)
}

fn instrument_name(page: &Page, instrument: Instrument) -> String {
    page.t(&format!("instrument-{}", instrument.code()))
}

#[expect(clippy::too_many_arguments, reason = "one page, the values it shows")]
fn questionnaire_page(
    page: Page,
    instrument: Instrument,
    set: &Wording,
    language: &str,
    action: String,
    hidden: Vec<(&'static str, String)>,
    chosen: &[String],
    errors: &[FieldError],
) -> QuestionnairePage {
    let (messages, wrong) = answer_errors(&page, errors);
    QuestionnairePage {
        title: instrument_name(&page, instrument),
        language: language.to_owned(),
        instructions: set.instructions.clone(),
        stem: set.stem.clone(),
        items: item_views(set, chosen, &wrong),
        action,
        hidden,
        errors: messages,
        source: set.source.clone(),
        done: false,
        page,
    }
}

/// The instrument and timepoint of a link worker's request (`instrument=who5&timepoint=baseline`).
fn chosen(pairs: &[(String, String)]) -> Result<(Instrument, Timepoint), WebError> {
    let instrument = Instrument::from_code(&form_one(pairs, "instrument"))
        .ok_or_else(|| WebError::BadRequest("instrument: unknown questionnaire".into()))?;
    let timepoint = Timepoint::from_code(&form_one(pairs, "timepoint"))
        .ok_or_else(|| WebError::BadRequest("timepoint: baseline or follow_up".into()))?;
    Ok((instrument, timepoint))
}

/// [`chosen`], but a request the reader may not make about the case is 404 before its fields
/// are judged (so that a 400 reveals nothing about a case the reader may not see).
async fn chosen_for(
    state: &AppState,
    user: &SessionUser,
    case: CaseId,
    pairs: &[(String, String)],
) -> Result<(Instrument, Timepoint), WebError> {
    let chosen = chosen(pairs);
    if chosen.is_err() {
        language_of(state, user, case).await?;
    }
    chosen
}

/// The case's person's language, if the reader holds the case.
async fn language_of(state: &AppState, user: &SessionUser, case: CaseId) -> Result<String, WebError> {
    questionnaires::for_case(&state.app, state.clock.as_ref(), &user.principal(), case)
        .await?
        .map(|q| q.language)
        .ok_or(WebError::NotFound)
}

/// The person's language and the instrument's wording in it (404 where it is not offered).
async fn wording_of(
    state: &AppState,
    user: &SessionUser,
    case: CaseId,
    instrument: Instrument,
) -> Result<(String, Wording), WebError> {
    questionnaires::form_wording(&state.app, state.clock.as_ref(), &user.principal(), case, instrument)
        .await?
        .ok_or(WebError::NotFound)
}

/// The form the link worker fills in with the person, as sent (`answers`, `errors`) or empty.
#[expect(clippy::too_many_arguments, reason = "one page, the values it shows")]
fn with_person_page(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    case: CaseId,
    (instrument, timepoint): (Instrument, Timepoint),
    (language, set): (&str, &Wording),
    answers: &[String],
    errors: &[FieldError],
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, &format!("/cases/{case}"), Some(user), csrf);
    let hidden = vec![
        ("instrument", instrument.code().to_owned()),
        ("timepoint", timepoint.code().to_owned()),
    ];
    let action = format!("/cases/{case}/questionnaires");
    let view = questionnaire_page(page, instrument, set, language, action, hidden, answers, errors);
    render_private(&view, StatusCode::OK)
}

/// `GET /cases/{id}/questionnaires/new?instrument=…&timepoint=…`: the form to fill in with the
/// person, in the person's language (404 where the instrument has no validated wording in it).
pub async fn new_form(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let case = CaseId::from_uuid(parse_id(&id)?);
    let pairs = form_pairs(query.unwrap_or_default().as_bytes())?;
    // The case first: whoever may not see it gets 404 whatever they send.
    language_of(&state, &user, case).await?;
    let (instrument, timepoint) = chosen(&pairs)?;
    let (language, wording) = wording_of(&state, &user, case, instrument).await?;
    with_person_page(
        &state,
        &headers,
        &user,
        &csrf,
        case,
        (instrument, timepoint),
        (&language, &wording),
        &[],
        &[],
    )
}

/// `POST /cases/{id}/questionnaires`: records the answers given with the person. Wrong answers:
/// 400 with the form as sent.
pub async fn record(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let (instrument, timepoint) = chosen_for(&state, &user, case, &pairs).await?;
    let answers = sent_answers(&pairs, instrument);
    let result = questionnaires::record(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        case,
        instrument,
        timepoint,
        &answers,
    )
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/cases/{case}#questionnaires"))),
        Err(WorkError::Invalid(errors)) if !errors.iter().any(|e| e.field == "instrument") => {
            let (language, wording) = wording_of(&state, &user, case, instrument).await?;
            let chosen = (instrument, timepoint);
            let mut response = with_person_page(
                &state,
                &headers,
                &user,
                &csrf,
                case,
                chosen,
                (&language, &wording),
                &answers,
                &errors,
            )?;
            *response.status_mut() = StatusCode::BAD_REQUEST;
            Ok(response)
        }
        Err(WorkError::Invalid(_)) => Err(WebError::BadRequest(
            "instrument: not offered in the person's language".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "questionnaire_link.html")]
struct LinkPage {
    page: Page,
    case_id: String,
    title: String,
    url: String,
    qr: String,
    expires: String,
}

/// `POST /cases/{id}/questionnaires/links`: makes a self-completion link and shows it once,
/// with its QR code, to print or read out (never stored; `no-store`).
pub async fn make_link(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let (instrument, timepoint) = chosen_for(&state, &user, case, &pairs).await?;
    let issued = questionnaires::invite(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        case,
        instrument,
        timepoint,
    )
    .await
    .map_err(|e| match e {
        WorkError::Invalid(_) => WebError::BadRequest("instrument: not offered in the person's language".into()),
        other => other.into(),
    })?;
    let url = format!("{}/q/{}", origin(&state, &headers), issued.token.text());
    let page = Page::new(&state, &headers, &format!("/cases/{case}"), Some(&user), &csrf);
    let view = LinkPage {
        case_id: case.to_string(),
        title: instrument_name(&page, instrument),
        qr: crate::account::qr_svg(&url)?,
        url,
        expires: crate::page::date(issued.expires_at),
        page,
    };
    render_private(&view, StatusCode::OK)
}

/// The origin a link made for someone outside (a person, a provider) starts with: this
/// server's scheme (https where cookies are secure) and the `Host` the user reached it by.
pub(crate) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// The capability a capability route's guard put on the request (none: 404).
pub(crate) fn capability(principal: Option<Extension<Principal>>) -> Result<Principal, WebError> {
    principal.map(|Extension(p)| p).ok_or(WebError::NotFound)
}

/// `GET /q/{token}`: the questionnaire behind a self-completion link, in its validated wording.
pub async fn self_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    principal: Option<Extension<Principal>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let principal = capability(principal)?;
    let q = questionnaires::self_completion(&state.app, &principal).await?;
    let page = Page::new(&state, &headers, "/q", None, &csrf);
    let view = questionnaire_page(
        page,
        q.instrument,
        &q.items,
        &q.language,
        format!("/q/{token}"),
        Vec::new(),
        &[],
        &[],
    );
    render_private(&view, StatusCode::OK)
}

/// `POST /q/{token}`: the person's answers. Wrong answers: 400 with the form as sent (the link
/// still works); answered: the thank-you page, and the link is used up.
pub async fn self_answer(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    principal: Option<Extension<Principal>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify(&state, &headers, &form_one(&pairs, "csrf"))?;
    let principal = capability(principal)?;
    let q = questionnaires::self_completion(&state.app, &principal).await?;
    let answers = sent_answers(&pairs, q.instrument);
    let result = questionnaires::answer_self_completion(&state.app, state.clock.as_ref(), &principal, &answers).await;
    let page = Page::new(&state, &headers, "/q", None, &csrf);
    match result {
        Ok(()) => {
            let mut view = questionnaire_page(
                page,
                q.instrument,
                &q.items,
                &q.language,
                String::new(),
                Vec::new(),
                &[],
                &[],
            );
            view.done = true;
            render_private(&view, StatusCode::OK)
        }
        Err(WorkError::Invalid(errors)) => {
            let view = questionnaire_page(
                page,
                q.instrument,
                &q.items,
                &q.language,
                format!("/q/{token}"),
                Vec::new(),
                &answers,
                &errors,
            );
            render_private(&view, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}
