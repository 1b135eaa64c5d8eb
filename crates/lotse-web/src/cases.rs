//! The care roles' pages (link workers, prescribers, providers): the worklist, the case page,
//! consent withdrawal.
//!
//! Every handler here is behind the route guard (see `routes.rs`) and gets the signed-in user
//! as an extension; the use case it calls asks the policy about the record. Ids in paths are
//! opaque UUIDs; searches by prescription code are POST forms that redirect to them.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lotse_app::access::AccessError;
use lotse_app::auth::SessionUser;
use lotse_app::case_record::{self, CaseRecord, Worklist, WorklistRow};
use lotse_domain::id::{CaseId, ConsentId};
use lotse_domain::next_action::NextActionKind;
use lotse_domain::policy::Visibility;
use lotse_domain::user::Role;
use time::Date;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{
    self, CodeForm, Page, consent_key, date, event_key, no_store, onward_state_key, parse_id, printed_code, render,
    render_private, see_other, state_key,
};

/// How many rows a worklist shows.
const WORKLIST_LIMIT: i64 = 50;

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    page: Page,
    rows: Vec<Line>,
    /// Whether the rows have a next step (a link worker's worklist).
    next_steps: bool,
    /// The next-step filter links (a link worker's worklist).
    filters: Vec<Filter>,
    can_search: bool,
    notice: Option<String>,
    code: String,
}

/// One worklist row as shown.
struct Line {
    id: String,
    name: String,
    state: String,
    updated: String,
    /// The next step: its label, its due date, and whether it is overdue.
    next: Option<(String, String, bool)>,
}

/// A filter link above a link worker's worklist: all, or one kind of next step.
struct Filter {
    href: String,
    label: String,
    count: usize,
    current: bool,
}

/// The key of a next step's label (`next-action-first-contact-overdue`), from its kind.
pub(crate) fn next_action_key(kind: NextActionKind) -> String {
    format!("next-action-{}", kind.code().replace('_', "-"))
}

/// Worklist rows; a provider's rows hold onward referral states, the others referral states.
fn worklist_rows(page: &Page, rows: Vec<WorklistRow>, onward: bool, today: Option<Date>) -> Vec<Line> {
    let key = if onward { onward_state_key } else { state_key };
    rows.into_iter()
        .map(|r| Line {
            id: r.case.to_string(),
            state: page.t(&key(&r.state)),
            updated: date(r.updated_at),
            next: r.next.map(|n| {
                let overdue = today.is_some_and(|t| n.is_overdue(t));
                (page.t(&next_action_key(n.kind)), n.due_on.to_string(), overdue)
            }),
            name: r.name,
        })
        .collect()
}

/// The filter links: all cases, then every kind with its count.
fn filters(page: &Page, list: &Worklist) -> Vec<Filter> {
    let total = list.counts.iter().map(|(_, n)| n).sum();
    let all = Filter {
        href: "/cases".into(),
        label: page.t("cases-filter-all"),
        count: total,
        current: list.kind.is_none(),
    };
    std::iter::once(all)
        .chain(list.counts.iter().map(|(kind, count)| Filter {
            href: format!("/cases?kind={}", kind.code()),
            label: page.t(&next_action_key(*kind)),
            count: *count,
            current: list.kind == Some(*kind),
        }))
        .collect()
}

/// The next-step filter of `GET /cases?kind=…`: an unknown kind is a 400 naming the kinds.
#[derive(Debug, Default, serde::Deserialize)]
pub struct WorklistQuery {
    /// A next-action kind code (`first_contact_overdue`).
    kind: Option<String>,
}

async fn render_worklist(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    notice: Option<(&str, StatusCode)>,
    code: String,
    kind: Option<NextActionKind>,
) -> Result<Response, WebError> {
    let role = user.membership.role();
    let page = Page::new(state, headers, "/cases", Some(user), csrf);
    let (rows, filters) = if role == Role::LinkWorker {
        let list = case_record::next_action_worklist(
            &state.app,
            state.clock.as_ref(),
            &user.principal(),
            WORKLIST_LIMIT,
            kind,
        )
        .await?;
        let filters = filters(&page, &list);
        (worklist_rows(&page, list.rows, false, Some(list.today)), filters)
    } else {
        let rows = case_record::worklist(&state.app, state.clock.as_ref(), &user.principal(), WORKLIST_LIMIT).await?;
        (
            worklist_rows(&page, rows, role == Role::OfferProvider, None),
            Vec::new(),
        )
    };
    let can_search = lotse_domain::policy::role_may(user.membership.role(), lotse_domain::policy::Action::SearchCases);
    let (notice, status) = page::notice(&page, notice);
    render_private(
        &WorklistPage {
            page,
            rows,
            next_steps: role == Role::LinkWorker,
            filters,
            can_search,
            notice,
            code,
        },
        status,
    )
}

/// `GET /cases`: the people my organisation works with; a link worker's by next step,
/// `?kind=first_contact_overdue` keeping one kind (an unknown kind is 400).
pub async fn worklist(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let query: WorklistQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let kind = query
        .kind
        .filter(|k| !k.is_empty())
        .map(|k| case_record::parse_kind(&k))
        .transpose()?;
    render_worklist(&state, &headers, &user, &csrf, None, String::new(), kind).await
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
                None,
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
                None,
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
