//! The care roles' pages (link workers, prescribers, providers): the worklist, the case page,
//! consent withdrawal, and the link worker's first steps on a referral (accept, redirect,
//! contact attempts, unreachable).
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
use fluent_bundle::FluentValue;
use lotse_app::access::AccessError;
use lotse_app::action_plan::StoredPlan;
use lotse_app::auth::SessionUser;
use lotse_app::case_record::{self, CaseRecord, Worklist, WorklistRow};
use lotse_app::onward;
use lotse_app::referral_work::{self, ContactOutcome, NextSteps, Step, WorkError, WorkStep};
use lotse_app::{action_plan, conversation, questionnaires};
use lotse_domain::action_plan::ActionPlanInput;
use lotse_domain::id::{CaseId, ConsentId, OnwardReferralId, OrganisationId};
use lotse_domain::next_action::NextActionKind;
use lotse_domain::onward_referral::{AnswerChannel, DeclineReason, OnwardReferralState, ProviderAnswer};
use lotse_domain::policy::Visibility;
use lotse_domain::referral::{ClosingReason, ConcernKind, RedirectReason, ReferralState};
use lotse_domain::user::Role;
use time::Date;

use crate::AppState;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{
    self, CodeForm, Page, consent_key, date, event_key, onward_state_key, parse_id, printed_code, render_private,
    see_other, state_key,
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
    /// Whether the reader registers people who come without a prescription (link workers).
    can_register: bool,
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
            can_register: lotse_domain::policy::role_may(
                user.membership.role(),
                lotse_domain::policy::Action::RegisterReferral,
            ),
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
    prescriptions: Vec<PrescriptionView>,
    referrals: Vec<(String, String, String)>,
    onward: Vec<OnwardView>,
    /// The person's answers to a proposed offer (reason code, label), for the link worker.
    decline_reasons: Vec<(&'static str, String)>,
    /// A provider's reasons to decline (code, label), for the provider's answers.
    provider_decline_reasons: Vec<(&'static str, String)>,
    /// Whether the reader is the provider of (some of) the onward referrals shown.
    provider_view: bool,
    /// The conversation notes, for the link worker holding the case.
    notes: Option<Vec<NoteView>>,
    /// The text put back in the note form.
    note_draft: String,
    /// The day of the next conversation as entered with a refused note.
    follow_up_draft: String,
    /// The action plan, for the link worker holding the case.
    plan: Option<PlanView>,
    /// The person's search profile in one line, for the link worker holding the case.
    search_profile: Option<String>,
    /// The questionnaires, for the link worker holding the case.
    questionnaires: Option<QuestionnairesView>,
    consents: Vec<ConsentView>,
    can_withdraw: bool,
    /// The case is closed at the link worker's facility: the link to take the person on again.
    re_refer: bool,
    timeline: Vec<(String, String)>,
    /// The link worker's next steps on the open referral.
    work: Option<WorkView>,
    /// What went wrong with the last step (a conflict, a refused step).
    notice: Option<String>,
}

/// An onward referral (an offer of the shortlist) on the case page.
struct OnwardView {
    id: String,
    offer: String,
    state: String,
    updated: String,
    /// Its version, sent back with the person's answer.
    version: i64,
    /// Whether the person's answer is asked for (proposed, and the reader works the case).
    answerable: bool,
    /// For the provider it was sent to: the answers its account may give now (code, label),
    /// a decline among them asking for a reason.
    provider_answers: Vec<(&'static str, String)>,
}

/// The answers a provider's account may give to an onward referral in this state (code,
/// label); none for a state that cannot be read.
fn provider_answers(page: &Page, state: &str, end_reason: Option<&str>) -> Vec<(&'static str, String)> {
    OnwardReferralState::from_codes(state, end_reason).map_or_else(Vec::new, |state| {
        ProviderAnswer::possible(state, AnswerChannel::ProviderAccount)
            .into_iter()
            .map(|a| {
                (
                    a.code(),
                    page.t(&format!("provider-answer-{}", a.code().replace('_', "-"))),
                )
            })
            .collect()
    })
}

/// `POST /cases/{id}/onward/{onward}/provider-answer`: the provider's account answers an onward
/// referral sent to it (`answer`, and `reason` for a decline; the `version` shown); back to the
/// case page, or the page again with a notice (400 wrong field, 409 stale or refused).
pub async fn provider_answer(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, onward)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let pairs = crate::page::form_pairs(&body)?;
    let one = |name| crate::page::form_one(&pairs, name);
    csrf::verify_signed_in(&state, &user, &headers, &one("csrf")).await?;
    let case = CaseId::from_uuid(parse_id(&id)?);
    let onward = OnwardReferralId::from_uuid(parse_id(&onward)?);
    let version = one("version").trim().parse().unwrap_or(0);
    let page = Page::new(&state, &headers, "/cases", Some(&user), &csrf);
    let notice = match ProviderAnswer::parse(&one("answer"), Some(&one("reason"))) {
        None => (page.t("work-invalid"), StatusCode::BAD_REQUEST),
        Some(answer) => {
            let (app, clock) = (&state.app, state.clock.as_ref());
            match onward::answer_as_provider(app, clock, &user.principal(), onward, answer, version).await {
                Ok(_) => return Ok(see_other(&format!("/cases/{case}#shortlist"))),
                Err(e) => crate::onward::refusal(&page, e)?,
            }
        }
    };
    render_case(&state, &headers, &user, &csrf, case, Some(notice)).await
}

/// What a refused form sent, put back in it so that nothing typed is lost.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    /// A note's text.
    pub(crate) note: String,
    /// The day of the next conversation as entered with it.
    pub(crate) follow_up_on: String,
    /// A plan as entered.
    pub(crate) plan: Option<ActionPlanInput>,
}

/// The questionnaires on the case page.
struct QuestionnairesView {
    /// Responses: (date, instrument, timepoint, score and band, who answered).
    responses: Vec<(String, String, String, String, String)>,
    /// Self-completion links: (made, instrument, timepoint, answered or open until).
    invitations: Vec<(String, String, String, String)>,
    /// The instruments offered in the person's language (code, name).
    offered: Vec<(&'static str, String)>,
    /// Timepoints (code, label).
    timepoints: Vec<(&'static str, String)>,
}

fn questionnaires_view(page: &Page, q: &questionnaires::CaseQuestionnaires) -> QuestionnairesView {
    let instrument = |code: &str| page.t(&format!("instrument-{code}"));
    let timepoint = |code: &str| page.t(&format!("timepoint-{}", code.replace('_', "-")));
    QuestionnairesView {
        responses: q
            .responses
            .iter()
            .map(|r| {
                let total = r.score_total.map_or_else(String::new, crate::page::points);
                let band = r
                    .score_band
                    .as_deref()
                    .map(|b| page.t(&format!("band-{}", b.replace('_', "-"))))
                    .unwrap_or_default();
                let score = [total, band]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let by = r
                    .answered_by
                    .as_deref()
                    .map(|a| page.t(&format!("answered-by-{}", a.replace('_', "-"))))
                    .unwrap_or_default();
                (
                    date(r.answered_at),
                    instrument(&r.instrument),
                    timepoint(&r.timepoint),
                    score,
                    by,
                )
            })
            .rev()
            .collect(),
        invitations: q
            .invitations
            .iter()
            .map(|i| {
                let status = match i.answered_at {
                    Some(at) => page.text_with("q-answered-on", &[("date", FluentValue::from(date(at)))]),
                    None => page.text_with("q-open-until", &[("date", FluentValue::from(date(i.expires_at)))]),
                };
                (
                    date(i.created_at),
                    instrument(i.instrument.code()),
                    timepoint(i.timepoint.code()),
                    status,
                )
            })
            .collect(),
        offered: q.offered.iter().map(|i| (i.code(), instrument(i.code()))).collect(),
        timepoints: lotse_domain::questionnaire::Timepoint::ALL
            .iter()
            .map(|t| (t.code(), timepoint(t.code())))
            .collect(),
    }
}

/// The action plan on the case page.
struct PlanView {
    /// The latest version (0: none yet), sent back with a save.
    version: i64,
    /// The latest version as shown.
    current: Option<PlanShown>,
    /// Earlier versions: (version, when, by whom).
    earlier: Vec<(i64, String, String)>,
    /// The form, filled with the latest version or what was sent.
    form: PlanForm,
    /// Whether a plan may be saved now (after contact).
    can_save: bool,
}

/// One version of the plan as shown.
struct PlanShown {
    goals: Vec<String>,
    milestones: Vec<(String, String)>,
    obstacles: Vec<String>,
    review_on: String,
    written: String,
    author: String,
}

/// The plan form's values.
struct PlanForm {
    goals: String,
    /// Rows (text, date): the plan's milestones and empty rows to add more.
    milestones: Vec<(String, String)>,
    obstacles: String,
    review_on: String,
}

/// How many milestone rows the form shows at least, and at most.
const PLAN_ROWS: (usize, usize) = (4, 10);

fn plan_view(versions: &[StoredPlan], draft: Option<ActionPlanInput>, can_save: bool) -> PlanView {
    let latest = versions.first();
    let mut input = draft
        .or_else(|| latest.map(|p| p.content.to_input()))
        .unwrap_or_default();
    let rows = (input.milestones.len() + 2).clamp(PLAN_ROWS.0, PLAN_ROWS.1);
    input
        .milestones
        .resize(rows.max(input.milestones.len()), (String::new(), String::new()));
    let shown = |p: &StoredPlan| PlanShown {
        goals: p.content.goals.clone(),
        milestones: p
            .content
            .milestones
            .iter()
            .map(|m| (m.text.clone(), m.due_on.to_string()))
            .collect(),
        obstacles: p.content.obstacles.clone(),
        review_on: p.content.review_on.to_string(),
        written: date(p.written_at),
        author: p.author_name.clone().unwrap_or_default(),
    };
    PlanView {
        version: latest.map_or(0, |p| p.version),
        current: latest.map(shown),
        earlier: versions
            .iter()
            .skip(1)
            .map(|p| (p.version, date(p.written_at), p.author_name.clone().unwrap_or_default()))
            .collect(),
        form: PlanForm {
            goals: input.goals,
            milestones: input.milestones,
            obstacles: input.obstacles,
            review_on: input.review_on,
        },
        can_save,
    }
}

/// A conversation note on the case page.
struct NoteView {
    written: String,
    author: String,
    body: String,
    /// The day of the next conversation named with it (a date as the page shows dates).
    follow_up_on: Option<String>,
}

/// The link worker's forms on the case page: which are shown, and what they offer.
#[expect(clippy::struct_excessive_bools, reason = "one flag per form the template shows")]
struct WorkView {
    /// The referral's version, sent back with each step.
    version: i64,
    accept: bool,
    redirect: bool,
    reached: bool,
    not_reached: bool,
    unreachable: bool,
    /// Whether a concern may be raised with the prescriber.
    concern: bool,
    /// The kinds of concern (code, label).
    concern_kinds: Vec<(&'static str, String)>,
    /// "1 of 3 contact attempts without success".
    attempts: Option<String>,
    /// Redirect targets (id, name).
    targets: Vec<(String, String)>,
    /// Redirect reasons (code, label).
    reasons: Vec<(&'static str, String)>,
    /// Whether the case may be closed.
    close: bool,
    /// The reasons to close (code, label).
    closing_reasons: Vec<(&'static str, String)>,
}

fn work_view(page: &Page, next: NextSteps) -> WorkView {
    let has = |step| next.steps.contains(&step);
    WorkView {
        version: next.version,
        accept: has(WorkStep::Accept),
        redirect: has(WorkStep::Redirect) && !next.redirect_targets.is_empty(),
        reached: has(WorkStep::Reached),
        not_reached: has(WorkStep::NotReached),
        unreachable: has(WorkStep::MarkUnreachable),
        concern: has(WorkStep::RaiseConcern),
        close: has(WorkStep::Close),
        closing_reasons: ClosingReason::ALL
            .iter()
            .map(|r| (r.code(), page.t(&format!("closing-{}", r.code().replace('_', "-")))))
            .collect(),
        concern_kinds: ConcernKind::ALL
            .iter()
            .map(|k| (k.code(), page.t(&format!("concern-{}", k.code().replace('_', "-")))))
            .collect(),
        attempts: (next.state == ReferralState::Accepted).then(|| {
            page.text_with(
                "work-attempts",
                &[
                    ("failed", FluentValue::from(next.failed_attempts)),
                    ("required", FluentValue::from(next.attempts_required)),
                ],
            )
        }),
        targets: next
            .redirect_targets
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        reasons: RedirectReason::ALL
            .iter()
            .map(|r| {
                (
                    r.code(),
                    page.t(&format!("redirect-reason-{}", r.code().replace('_', "-"))),
                )
            })
            .collect(),
    }
}

/// A prescription on the case page: what the prescriber asked for (the reason only where the
/// use case opened it for the reader).
struct PrescriptionView {
    code: String,
    practice: String,
    issued: String,
    needs: String,
    urgent: bool,
    reason: Option<String>,
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
            .map(|p| PrescriptionView {
                code: printed_code(&p.code),
                practice: p.practice.clone(),
                issued: date(p.issued_at),
                needs: crate::directory::labels(&page, "need", p.need_domains.split(',').filter(|n| !n.is_empty())),
                urgent: p.urgency == lotse_domain::prescription::Urgency::Soon.code(),
                reason: p.reason.clone(),
            })
            .collect(),
        referrals: record
            .referrals
            .iter()
            .map(|r| (r.facility.clone(), state(&r.state), date(r.updated_at)))
            .collect(),
        onward: record
            .onward
            .iter()
            .map(|o| OnwardView {
                id: o.id.to_string(),
                offer: format!("{} · {}", o.offer, o.provider),
                state: page.t(&onward_state_key(&o.state)),
                updated: date(o.updated_at),
                version: o.version,
                answerable: false,
                provider_answers: if visibility == Visibility::Provider {
                    provider_answers(&page, &o.state, o.end_reason.as_deref())
                } else {
                    Vec::new()
                },
            })
            .collect(),
        provider_decline_reasons: crate::onward::decline_reasons(&page),
        provider_view: visibility == Visibility::Provider,
        decline_reasons: DeclineReason::ALL
            .iter()
            .map(|r| {
                (
                    r.code(),
                    page.t(&format!("decline-reason-{}", r.code().replace('_', "-"))),
                )
            })
            .collect(),
        notes: None,
        note_draft: String::new(),
        follow_up_draft: String::new(),
        plan: None,
        search_profile: None,
        questionnaires: None,
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
        re_refer: false,
        timeline: record
            .timeline
            .iter()
            .map(|t| (date(t.at), page.t(&event_key(&t.kind))))
            .collect(),
        work: None,
        notice: None,
        page,
    }
}

/// Renders the case page with the link worker's next steps and, after a failed step, a notice.
pub(crate) async fn render_case(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    case: CaseId,
    notice: Option<(String, StatusCode)>,
) -> Result<Response, WebError> {
    render_case_with_draft(state, headers, user, csrf, case, notice, Draft::default()).await
}

/// As [`render_case`], with what a refused form sent put back in it, so that nothing typed is
/// lost.
pub(crate) async fn render_case_with_draft(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    case: CaseId,
    notice: Option<(String, StatusCode)>,
    draft: Draft,
) -> Result<Response, WebError> {
    let principal = user.principal();
    let record = case_record::view_case(&state.app, state.clock.as_ref(), &principal, case).await?;
    let next = if record.visibility == Visibility::Case {
        referral_work::next_steps(&state.app, state.clock.as_ref(), &principal, case).await?
    } else {
        None
    };
    let (notes, plans) = if next.is_some() {
        let notes = conversation::notes(&state.app, state.clock.as_ref(), &principal, case).await?;
        let plans = action_plan::versions(&state.app, state.clock.as_ref(), &principal, case).await?;
        (notes, plans)
    } else {
        (None, None)
    };
    let (questionnaires, search_profile) = if next.is_some() {
        let questionnaires = questionnaires::for_case(&state.app, state.clock.as_ref(), &principal, case).await?;
        let profile = match lotse_app::search_profile::get(&state.app, state.clock.as_ref(), &principal, case).await {
            Ok((profile, _)) => Some(profile),
            Err(lotse_app::search_profile::ProfileError::Store(e)) => return Err(e.into()),
            Err(_) => None,
        };
        (questionnaires, profile)
    } else {
        (None, None)
    };
    let can_plan = next.as_ref().is_some_and(|n| {
        matches!(
            n.state,
            ReferralState::Contacted | ReferralState::PlanAgreed | ReferralState::Connected
        )
    });
    let page = Page::new(state, headers, &format!("/cases/{case}"), Some(user), csrf);
    let work = next.map(|n| work_view(&page, n));
    let mut view = case_page(page, &record);
    if work.is_some() {
        for o in &mut view.onward {
            o.answerable = record
                .onward
                .iter()
                .any(|r| r.id.to_string() == o.id && r.state == OnwardReferralState::Proposed.code());
        }
    }
    view.notes = notes.map(|notes| {
        notes
            .into_iter()
            .map(|n| NoteView {
                written: crate::page::timestamp(n.written_at),
                author: n.author_name.unwrap_or_default(),
                body: n.body,
                follow_up_on: n.follow_up_on.map(|d| d.to_string()),
            })
            .collect()
    });
    // No open referral at the facility on a case it may work: closed here (re-referral
    // checks it again, and refuses an open case naming its state).
    view.re_refer = work.is_none()
        && record.visibility == Visibility::Case
        && lotse_domain::policy::role_may(user.membership.role(), lotse_domain::policy::Action::RegisterReferral)
        && record.referrals.iter().any(|r| r.state == "closed");
    view.work = work;
    view.note_draft = draft.note;
    view.follow_up_draft = draft.follow_up_on;
    view.questionnaires = questionnaires.as_ref().map(|q| questionnaires_view(&view.page, q));
    view.plan = plans.map(|versions| plan_view(&versions, draft.plan, can_plan));
    view.search_profile = search_profile.map(|p| crate::search_profile::summary(&view.page, &p));
    let status = notice.as_ref().map_or(StatusCode::OK, |(_, status)| *status);
    view.notice = notice.map(|(text, _)| text);
    render_private(&view, status)
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
    render_case(&state, &headers, &user, &csrf, case, None).await
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

impl From<WorkError> for WebError {
    fn from(err: WorkError) -> Self {
        match err {
            WorkError::NotFound => Self::NotFound,
            WorkError::Store(e) => e.into(),
            WorkError::Invalid(_) => Self::BadRequest(err.to_string()),
            WorkError::Refused { .. } | WorkError::TooFewAttempts { .. } | WorkError::Conflict { .. } => {
                Self::Conflict(err.to_string())
            }
        }
    }
}

/// A step's form: the token, the referral's version the page showed, and the step's fields.
#[derive(Debug, serde::Deserialize)]
pub struct WorkForm {
    /// The CSRF token (missing counts as wrong: 403).
    #[serde(default)]
    csrf: String,
    /// The version shown (missing: refused as stale, since no version was seen).
    #[serde(default)]
    version: i64,
    /// Redirect: the facility's id.
    #[serde(default)]
    to: String,
    /// Redirect and close: the reason's code.
    #[serde(default)]
    reason: String,
    /// Contact: `reached` or `not_reached`.
    #[serde(default)]
    outcome: String,
    /// Concern: its kind's code.
    #[serde(default)]
    kind: String,
}

/// Runs a step; 303 back to the case on success. A conflict, a refused step or a wrong field
/// shows the case page again (as it is now) with a notice saying what happened: 409 or 400.
async fn work_step(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    id: &str,
    form: &WorkForm,
    step: Result<Step, ()>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(state, user, headers, &form.csrf).await?;
    let case = CaseId::from_uuid(parse_id(id)?);
    let Ok(step) = step else {
        let page = Page::new(state, headers, "/cases", Some(user), csrf);
        let text = page.t("work-invalid");
        return render_case(state, headers, user, csrf, case, Some((text, StatusCode::BAD_REQUEST))).await;
    };
    let (app, clock, principal) = (&state.app, state.clock.as_ref(), user.principal());
    let version = form.version;
    let result = referral_work::take(app, clock, &principal, case, step, version).await;
    let page = Page::new(state, headers, "/cases", Some(user), csrf);
    let state_label = |s: ReferralState| page.t(&state_key(s.code()));
    let notice = match result {
        Ok(()) => return Ok(see_other(&format!("/cases/{case}"))),
        Err(WorkError::Conflict { state: now, .. }) => (
            page.text_with("work-conflict", &[("state", FluentValue::from(state_label(now)))]),
            StatusCode::CONFLICT,
        ),
        Err(WorkError::Refused { state: now, step }) => (
            page.text_with(
                "work-refused",
                &[
                    ("state", FluentValue::from(state_label(now))),
                    ("step", FluentValue::from(page.t(&format!("work-step-{}", step.code())))),
                ],
            ),
            StatusCode::CONFLICT,
        ),
        Err(WorkError::TooFewAttempts { failed, required }) => (
            page.text_with(
                "work-too-few-attempts",
                &[
                    ("failed", FluentValue::from(failed)),
                    ("required", FluentValue::from(required)),
                ],
            ),
            StatusCode::CONFLICT,
        ),
        Err(WorkError::Invalid(_)) => (page.t("work-redirect-target-invalid"), StatusCode::BAD_REQUEST),
        Err(e) => return Err(e.into()),
    };
    render_case(state, headers, user, csrf, case, Some(notice)).await
}

/// `POST /cases/{id}/close`: the link worker closes the case with a reason (`reason`).
pub async fn close(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WorkForm>,
) -> Result<Response, WebError> {
    let step = ClosingReason::from_code(&form.reason).map(Step::Close).ok_or(());
    work_step(&state, &headers, &user, &csrf, &id, &form, step).await
}

/// `POST /cases/{id}/accept`: the link worker takes the referral on.
pub async fn accept(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WorkForm>,
) -> Result<Response, WebError> {
    work_step(&state, &headers, &user, &csrf, &id, &form, Ok(Step::Accept)).await
}

/// `POST /cases/{id}/redirect`: passes the referral on to another link facility (`to`), with a
/// reason code (`reason`).
pub async fn redirect(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WorkForm>,
) -> Result<Response, WebError> {
    let to = lotse_domain::id::parse_canonical(&form.to).map(OrganisationId::from_uuid);
    let reason = RedirectReason::from_code(&form.reason);
    let step = match (to, reason) {
        (Some(to), Some(reason)) => Ok(Step::Redirect(to, reason)),
        _ => Err(()),
    };
    work_step(&state, &headers, &user, &csrf, &id, &form, step).await
}

/// `POST /cases/{id}/contacts`: records a contact attempt (`outcome`: `reached` or
/// `not_reached`).
pub async fn record_contact(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WorkForm>,
) -> Result<Response, WebError> {
    let step = match form.outcome.as_str() {
        "reached" => Ok(Step::Contact(ContactOutcome::Reached)),
        "not_reached" => Ok(Step::Contact(ContactOutcome::NotReached)),
        _ => Err(()),
    };
    work_step(&state, &headers, &user, &csrf, &id, &form, step).await
}

/// `POST /cases/{id}/unreachable`: declares the person unreachable (after the programme's
/// number of failed attempts).
pub async fn mark_unreachable(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WorkForm>,
) -> Result<Response, WebError> {
    work_step(&state, &headers, &user, &csrf, &id, &form, Ok(Step::Unreachable)).await
}

/// `POST /cases/{id}/concerns`: raises a concern with the prescriber (`kind`: `safeguarding` or
/// `health_worse`); the practice's board shows it at once.
pub async fn raise_concern(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<WorkForm>,
) -> Result<Response, WebError> {
    let step = ConcernKind::from_code(&form.kind).map(Step::Concern).ok_or(());
    work_step(&state, &headers, &user, &csrf, &id, &form, step).await
}
