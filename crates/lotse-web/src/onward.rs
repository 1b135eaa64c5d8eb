//! Onward referrals after the person accepted an offer, and the provider's signed link.
//!
//! - `GET /cases/{id}/onward/{onward}`: the link worker's page of one onward referral: where it
//!   stands, what the person shares with the provider, the form to send it (the person's
//!   sharing consent: which details, given by whom) and the form to record a provider's answer
//!   given by phone (or the outcome of an offer the person contacted on their own).
//! - `POST /cases/{id}/onward/{onward}/send`: sends it; the provider's link and its QR code are
//!   shown once (`no-store`), to e-mail, print or read out.
//! - `POST /cases/{id}/onward/{onward}/answer`: records a provider's answer.
//! - `GET`/`POST /r/{token}`: the provider's signed link (a capability route: a wrong, expired,
//!   revoked or used link answers 404 like any unknown page): the offer, who sent the person,
//!   only the details the person consented to share, and the answers possible now.
//!
//! A step refused in the onward referral's state answers 409, a stale version (an answer given
//! meanwhile through another channel) 409 with where it stands now, wrong fields 400; nothing
//! is written then.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_app::onward::{self, OnwardDetail, OnwardError, ProviderView};
use lotse_app::principal::Principal;
use lotse_domain::consent::{ConsentGiver, SharedField, Sharing};
use lotse_domain::email::EmailState;
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, OnwardReferralId};
use lotse_domain::onward_referral::{OnwardReferralState, ProviderAnswer, ProviderDeclineReason};

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::offer_edit::problem_key;
use crate::page::{Page, form_all, form_one, form_pairs, onward_state_key, parse_id, render_private, see_other};

/// The label of a provider's answer (`provider-answer-did-not-attend`).
fn answer_label(page: &Page, answer: ProviderAnswer) -> String {
    page.t(&format!("provider-answer-{}", answer.code().replace('_', "-")))
}

/// The state's label, with the end reason where it ended.
fn state_label(page: &Page, state: OnwardReferralState) -> String {
    page.t(&onward_state_key(state.code()))
}

/// (code, label) of every provider decline reason.
pub(crate) fn decline_reasons(page: &Page) -> Vec<(&'static str, String)> {
    ProviderDeclineReason::ALL
        .iter()
        .map(|r| {
            (
                r.code(),
                page.t(&format!("provider-decline-{}", r.code().replace('_', "-"))),
            )
        })
        .collect()
}

/// (code, label) of the answers possible, a decline listed once.
fn answer_choices(page: &Page, answers: &[ProviderAnswer]) -> Vec<(&'static str, String)> {
    answers.iter().map(|a| (a.code(), answer_label(page, *a))).collect()
}

/// The message of a field problem on these pages.
fn field_message(page: &Page, e: &FieldError) -> String {
    page.text_with(
        problem_key(e.problem),
        &[(
            "field",
            FluentValue::from(page.t(&format!("onward-field-{}", e.field.replace('_', "-")))),
        )],
    )
}

/// The message of a refused step, and its status; `Err` for what is not the user's to fix.
pub(crate) fn refusal(page: &Page, e: OnwardError) -> Result<(String, StatusCode), WebError> {
    Ok(match e {
        OnwardError::Invalid(errors) => (
            errors
                .iter()
                .map(|e| field_message(page, e))
                .collect::<Vec<_>>()
                .join(" "),
            StatusCode::BAD_REQUEST,
        ),
        OnwardError::Refused(now) => (
            page.text_with(
                "onward-refused",
                &[("state", FluentValue::from(state_label(page, now)))],
            ),
            StatusCode::CONFLICT,
        ),
        OnwardError::Conflict { state: now, .. } => (
            page.text_with(
                "onward-conflict",
                &[("state", FluentValue::from(state_label(page, now)))],
            ),
            StatusCode::CONFLICT,
        ),
        OnwardError::NotFound => return Err(WebError::NotFound),
        OnwardError::Store(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "onward.html")]
struct OnwardPage {
    page: Page,
    case_id: String,
    id: String,
    offer: String,
    provider: String,
    state: String,
    version: i64,
    sendable: bool,
    /// Until when the provider's link works (a date), if one works.
    link_expires: Option<String>,
    /// Whether a new link can be made now.
    relinkable: bool,
    /// (date, what happened, how the answer came) oldest first.
    history: Vec<(String, String, String)>,
    /// The e-mails to the provider: (date made due, what, where it stands), oldest first.
    emails: Vec<(String, String, String)>,
    /// The labels of what the person shares now (`None`: no active sharing consent).
    shared: Option<Vec<String>>,
    /// (code, label, ticked) of every field the person may share.
    fields: Vec<(&'static str, String, bool)>,
    givers: Vec<(&'static str, String)>,
    answers: Vec<(&'static str, String)>,
    decline_reasons: Vec<(&'static str, String)>,
    notice: Option<String>,
    saved: bool,
}

fn onward_page(
    page: Page,
    case: CaseId,
    detail: OnwardDetail,
    ticked: &[String],
    notice: Option<String>,
    saved: bool,
) -> OnwardPage {
    let shared = detail.shared.map(|fields| {
        fields
            .iter()
            .map(|f| page.t(&format!("shared-field-{}", f.code())))
            .collect()
    });
    let fields = SharedField::ALL
        .iter()
        .map(|f| {
            (
                f.code(),
                page.t(&format!("shared-field-{}", f.code())),
                ticked.iter().any(|t| t == f.code()),
            )
        })
        .collect();
    let givers = ConsentGiver::ALL
        .iter()
        .map(|g| (g.code(), page.t(&format!("rx-given-by-{}", g.code().replace('_', "-")))))
        .collect();
    OnwardPage {
        case_id: case.to_string(),
        id: detail.id.to_string(),
        offer: detail.offer,
        provider: detail.provider,
        state: state_label(&page, detail.state),
        version: detail.version,
        sendable: detail.sendable,
        link_expires: detail.link_expires_at.map(crate::page::date),
        relinkable: detail.relinkable,
        history: detail
            .history
            .iter()
            .map(|(at, kind, channel)| {
                let how = channel.map_or_else(String::new, |c| {
                    page.t(&format!("answer-channel-{}", c.code().replace('_', "-")))
                });
                (crate::page::date(*at), page.t(&crate::page::event_key(kind)), how)
            })
            .collect(),
        emails: detail.emails.iter().map(|e| email_line(&page, e)).collect(),
        shared,
        fields,
        givers,
        answers: answer_choices(&page, &detail.answers),
        decline_reasons: decline_reasons(&page),
        notice,
        saved,
        page,
    }
}

/// One e-mail to the provider as the page lists it: when it was made due, what it is, and where
/// it stands (sent: when and to which address; failed tries: how many and why; dropped: why).
fn email_line(page: &Page, e: &onward::ProviderEmailLine) -> (String, String, String) {
    let what = page.t(&format!("email-kind-{}", e.kind.code().replace('_', "-")));
    let why = e
        .note
        .as_deref()
        .map(|n| page.t(&format!("email-note-{}", email_note_key(n))))
        .unwrap_or_default();
    let state = match e.state {
        EmailState::Sent => format!(
            "{} {} ({})",
            page.t("email-state-sent"),
            e.sent_at.map(crate::page::date).unwrap_or_default(),
            e.sent_to.as_deref().unwrap_or_default()
        ),
        EmailState::Pending if e.attempts > 0 => {
            format!("{} ({}: {why})", page.t("email-state-retrying"), e.attempts)
        }
        EmailState::Pending => page.t("email-state-pending"),
        EmailState::Failed => format!("{} ({}: {why})", page.t("email-state-failed"), e.attempts),
        EmailState::Dropped => format!("{} ({why})", page.t("email-state-dropped")),
    };
    (crate::page::date(e.made_at), what, state)
}

/// The message key's tail for a note: relay reply codes share one.
fn email_note_key(note: &str) -> &str {
    match note {
        "answered" => "answered",
        "case_closed" => "case-closed",
        "no_address" => "no-address",
        "bad_address" => "bad-address",
        "timeout" => "timeout",
        "tls" => "tls",
        n if n.starts_with("smtp_") => "refused",
        _ => "connection",
    }
}

fn ids(id: &str, onward: &str) -> Result<(CaseId, OnwardReferralId), WebError> {
    Ok((
        CaseId::from_uuid(parse_id(id)?),
        OnwardReferralId::from_uuid(parse_id(onward)?),
    ))
}

/// What the onward referral's page says above its forms.
enum Said {
    /// Nothing.
    Nothing,
    /// "Saved." (after a redirect).
    Saved,
    /// Why a step was refused, with the answer's status.
    Refused(String, StatusCode),
}

async fn show(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    (case, onward): (CaseId, OnwardReferralId),
    ticked: &[String],
    said: Said,
) -> Result<Response, WebError> {
    let detail = onward::detail(&state.app, state.clock.as_ref(), &user.principal(), case, onward).await?;
    let page = Page::new(state, headers, "/cases", Some(user), csrf);
    let (notice, status, saved) = match said {
        Said::Nothing => (None, StatusCode::OK, false),
        Said::Saved => (None, StatusCode::OK, true),
        Said::Refused(text, status) => (Some(text), status, false),
    };
    render_private(&onward_page(page, case, detail, ticked, notice, saved), status)
}

/// `GET /cases/{id}/onward/{onward}`: one onward referral of a case the user's facility holds.
pub async fn page(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, onward)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let said = if query.as_deref() == Some("saved") {
        Said::Saved
    } else {
        Said::Nothing
    };
    show(&state, &headers, &user, &csrf, ids(&id, &onward)?, &[], said).await
}

/// The version a form sent (a missing or wrong one is a stale page: 0 never matches).
fn version_of(pairs: &[(String, String)]) -> i64 {
    form_one(pairs, "version").trim().parse().unwrap_or(0)
}

#[derive(Template)]
#[template(path = "onward_link.html")]
struct LinkPage {
    page: Page,
    case_id: String,
    id: String,
    offer: String,
    url: String,
    qr: String,
    expires: String,
    /// Whether an e-mail with a link of its own goes to the offer's contact address.
    emailed: bool,
}

/// `POST /cases/{id}/onward/{onward}/send`: records the person's sharing consent, sends the
/// onward referral and shows the provider's link once.
pub async fn send(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, onward)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let (case, onward_id) = ids(&id, &onward)?;
    let ticked = form_all(&pairs, "shared_fields");
    let result = match Sharing::parse(&ticked, &form_one(&pairs, "given_by")) {
        Ok(sharing) => {
            let request = onward::Send {
                sharing,
                recorded_by: String::new(),
                expected_version: version_of(&pairs),
            };
            onward::send(
                &state.app,
                state.clock.as_ref(),
                &user.principal(),
                case,
                onward_id,
                request,
            )
            .await
        }
        Err(errors) => Err(OnwardError::Invalid(errors)),
    };
    let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
    match result {
        Ok(link) => link_page_once(&state, &headers, page, (case, onward_id), &link),
        Err(e) => {
            let (notice, status) = refusal(&page, e)?;
            show(
                &state,
                &headers,
                &user,
                &csrf,
                (case, onward_id),
                &ticked,
                Said::Refused(notice, status),
            )
            .await
        }
    }
}

/// The provider's link, shown once with its QR code (`no-store`).
fn link_page_once(
    state: &AppState,
    headers: &HeaderMap,
    page: Page,
    (case, onward): (CaseId, OnwardReferralId),
    link: &onward::ProviderLink,
) -> Result<Response, WebError> {
    let url = format!(
        "{}/r/{}",
        crate::questionnaires::origin(state, headers),
        link.token.text()
    );
    let view = LinkPage {
        case_id: case.to_string(),
        id: onward.to_string(),
        offer: link.offer.clone(),
        qr: crate::account::qr_svg(&url)?,
        url,
        expires: crate::page::date(link.expires_at),
        emailed: link.emailed,
        page,
    };
    render_private(&view, StatusCode::OK)
}

/// `POST /cases/{id}/onward/{onward}/links`: `change=renew` stops the provider's working links
/// and shows a new one once; `change=stop` stops them.
pub async fn change_links(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, onward)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let (case, onward_id) = ids(&id, &onward)?;
    let change = match form_one(&pairs, "change").as_str() {
        "renew" => onward::LinkChange::Renew,
        "stop" => onward::LinkChange::Stop,
        _ => return Err(WebError::BadRequest("change: renew or stop".into())),
    };
    let result = onward::change_links(
        &state.app,
        state.clock.as_ref(),
        &user.principal(),
        case,
        onward_id,
        change,
    )
    .await;
    let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
    match result {
        Ok(Some(link)) => link_page_once(&state, &headers, page, (case, onward_id), &link),
        Ok(None) => Ok(see_other(&format!("/cases/{case}/onward/{onward_id}?saved"))),
        Err(e) => {
            let (notice, status) = refusal(&page, e)?;
            show(
                &state,
                &headers,
                &user,
                &csrf,
                (case, onward_id),
                &[],
                Said::Refused(notice, status),
            )
            .await
        }
    }
}

/// The answer a form sent: `answer` and, for a decline, `reason` (each wrong one named).
fn answer_of(pairs: &[(String, String)]) -> Result<ProviderAnswer, OnwardError> {
    let code = form_one(pairs, "answer");
    let reason = form_one(pairs, "reason");
    ProviderAnswer::parse(&code, Some(&reason)).ok_or_else(|| {
        let field = if code == "decline" { "reason" } else { "answer" };
        let problem = if code.is_empty() {
            FieldProblem::Required
        } else {
            FieldProblem::UnknownCode
        };
        OnwardError::Invalid(vec![FieldError::new(field, problem)])
    })
}

/// `POST /cases/{id}/onward/{onward}/answer`: records a provider's answer the link worker was
/// given (channel `recorded_by_link_worker`).
pub async fn record_answer(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, onward)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify_signed_in(&state, &user, &headers, &form_one(&pairs, "csrf")).await?;
    let (case, onward_id) = ids(&id, &onward)?;
    let result = match answer_of(&pairs) {
        Ok(answer) => {
            onward::record_answer(
                &state.app,
                state.clock.as_ref(),
                &user.principal(),
                case,
                onward_id,
                answer,
                version_of(&pairs),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/cases/{case}/onward/{onward_id}?saved"))),
        Err(e) => {
            let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
            let (notice, status) = refusal(&page, e)?;
            show(
                &state,
                &headers,
                &user,
                &csrf,
                (case, onward_id),
                &[],
                Said::Refused(notice, status),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "provider_link.html")]
struct ProviderPage {
    page: Page,
    action: String,
    offer: String,
    provider: String,
    facility: Option<(String, Option<String>)>,
    state: String,
    version: i64,
    /// (label, value) of each detail the person shares.
    person: Vec<(String, String)>,
    answers: Vec<(&'static str, String)>,
    decline: bool,
    decline_reasons: Vec<(&'static str, String)>,
    notice: Option<String>,
    done: Option<String>,
}

fn provider_page(
    page: Page,
    token: &str,
    view: ProviderView,
    notice: Option<String>,
    done: Option<String>,
) -> ProviderPage {
    let mut person = Vec::new();
    if let Some(name) = view.person.name {
        person.push((page.t("shared-field-name"), name));
    }
    if let Some(phone) = view.person.phone {
        let phone = if phone.is_empty() {
            page.t("provider-no-phone")
        } else {
            phone
        };
        person.push((page.t("shared-field-phone"), phone));
    }
    if let Some(language) = view.person.language {
        let name = page.t(&format!("spoken-language-{language}"));
        person.push((page.t("shared-field-languages"), name));
    }
    if let Some(needs) = view.person.needs {
        let labels: Vec<String> = needs.iter().map(|n| page.t(&format!("need-{n}"))).collect();
        // Someone who came without a prescription has no need domains on record.
        let value = if labels.is_empty() {
            page.t("provider-no-needs")
        } else {
            labels.join(", ")
        };
        person.push((page.t("shared-field-needs"), value));
    }
    let decline = view.answers.iter().any(|a| matches!(a, ProviderAnswer::Decline(_)));
    let answers = answer_choices(&page, &view.answers)
        .into_iter()
        .filter(|(code, _)| *code != "decline")
        .collect();
    ProviderPage {
        action: format!("/r/{token}"),
        offer: view.offer,
        provider: view.provider,
        facility: view.facility,
        state: state_label(&page, view.state),
        version: view.version,
        person,
        answers,
        decline,
        decline_reasons: decline_reasons(&page),
        notice,
        done,
        page,
    }
}

/// `GET /r/{token}`: the onward referral behind a provider's signed link.
pub async fn link_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    principal: Option<Extension<Principal>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let principal = crate::questionnaires::capability(principal)?;
    let view = onward::by_link(&state.app, state.clock.as_ref(), &principal).await?;
    let page = Page::new(&state, &headers, "/r", None, &csrf);
    render_private(&provider_page(page, &token, view, None, None), StatusCode::OK)
}

/// `POST /r/{token}`: the provider's answer (channel `signed_link`, written as the capability).
pub async fn link_answer(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    principal: Option<Extension<Principal>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = form_pairs(&body)?;
    csrf::verify(&state, &headers, &form_one(&pairs, "csrf"))?;
    let principal = crate::questionnaires::capability(principal)?;
    let result = match answer_of(&pairs) {
        Ok(answer) => {
            onward::answer_by_link(&state.app, state.clock.as_ref(), &principal, answer, version_of(&pairs)).await
        }
        Err(e) => Err(e),
    };
    let page = Page::new(&state, &headers, "/r", None, &csrf);
    match result {
        Ok(now) => {
            let done = page.text_with(
                "provider-recorded",
                &[("state", FluentValue::from(state_label(&page, now)))],
            );
            // After a final answer the link is used up: the page thanks, and shows nothing more.
            if now.is_final() {
                let view = ProviderView {
                    offer: String::new(),
                    provider: String::new(),
                    facility: None,
                    state: now,
                    version: 0,
                    answers: Vec::new(),
                    person: onward::SharedDetails::default(),
                };
                return render_private(&provider_page(page, &token, view, None, Some(done)), StatusCode::OK);
            }
            let view = onward::by_link(&state.app, state.clock.as_ref(), &principal).await?;
            render_private(&provider_page(page, &token, view, None, Some(done)), StatusCode::OK)
        }
        Err(e) => {
            let (notice, status) = refusal(&page, e)?;
            let view = onward::by_link(&state.app, state.clock.as_ref(), &principal).await?;
            render_private(&provider_page(page, &token, view, Some(notice), None), status)
        }
    }
}
