//! The route table: every route, the probes included, with who may call it ([`Access`]). The
//! router is built from this table only, so a route cannot exist without a declared access;
//! the access-matrix test walks the same table.
//!
//! Each access kind has its guard, which runs before the handler: [`guard`] for members (a live
//! session, else to `/login`; the policy's first gate [`Principal::may`], else 403), the bearer
//! guard in [`api`] for API clients, [`capability_guard`] for capability links (a valid token
//! for the route's purpose, else 404) and the metrics guard in [`health`]. A member's handler
//! receives the [`SessionUser`], an API or capability handler the [`Principal`], as an
//! extension; they pass it to a use case, which asks the policy's second gate (relationship ×
//! programme) before it touches data.
//!
//! For every path, a method the table does not declare answers 405 with the path's `Allow`,
//! before any guard or handler runs. HEAD runs a GET handler (without the body) only on public
//! and metrics routes; on the others it answers 405 too, because the handler's use case would
//! read, audit or change data.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::header::ALLOW;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use lotse_app::auth::SessionUser;
use lotse_app::principal::Principal;
use lotse_domain::api_client::ApiScope;
use lotse_domain::capability::CapabilityPurpose;
use lotse_domain::policy::Action;

use crate::error::WebError;
use crate::{
    AppState, account, api, case_work, cases, cookie, data_subject, directory, facilities, health, hsds, html, inbox,
    intake, onward, page, prescriptions, questionnaires, re_referral, search_profile, settings,
};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not. Such routes show no personal data.
    Public,
    /// A signed-in member whose role may do the action.
    Member(Action),
    /// An API client (bearer token) holding the scope, whose role may do the scope's action.
    ApiClient(ApiScope),
    /// The holder of a capability link (`{token}` in the path) of this purpose: valid, not
    /// revoked, not expired, not used; anything else is 404.
    Capability(CapabilityPurpose),
    /// The metrics: a direct client on loopback, or the metrics token; others get 404.
    Metrics,
}

impl Access {
    /// Whether HEAD runs the route's GET handler (without the body). Only where nothing
    /// personal is read or audited: public routes and the metrics.
    pub const fn answers_head(self) -> bool {
        matches!(self, Self::Public | Self::Metrics)
    }
}

/// Which layers a route runs behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// Pages (and the OpenAPI document): the CSRF cookie layer, localized error pages.
    Page,
    /// `/api/v1`: no cookies, no CSRF, problem+json errors.
    Api,
    /// The probes and metrics: no cookies.
    Probe,
    /// `/hsds`: public, no cookies, problem+json errors, `Access-Control-Allow-Origin: *`.
    Feed,
}

/// One route of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// The method.
    pub method: Method,
    /// The path template (axum syntax, `{id}` for parameters).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Which layers it runs behind.
    pub surface: Surface,
}

/// A page route, or an API route for [`Access::ApiClient`].
fn spec(method: Method, path: &'static str, access: Access) -> RouteSpec {
    let surface = match access {
        Access::ApiClient(_) => Surface::Api,
        Access::Metrics => Surface::Probe,
        Access::Public | Access::Member(_) | Access::Capability(_) => Surface::Page,
    };
    RouteSpec {
        method,
        path,
        access,
        surface,
    }
}

/// An API route for the holder of a capability link (`{token}` in the path): problem+json
/// errors, no cookies, no bearer token.
fn capability_api(method: Method, path: &'static str, purpose: CapabilityPurpose) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access: Access::Capability(purpose),
        surface: Surface::Api,
    }
}

/// A probe: public, without the page layers.
const fn probe(path: &'static str) -> RouteSpec {
    RouteSpec {
        method: Method::GET,
        path,
        access: Access::Public,
        surface: Surface::Probe,
    }
}

/// An HSDS feed route: public GET, without cookies.
const fn feed(path: &'static str) -> RouteSpec {
    RouteSpec {
        method: Method::GET,
        path,
        access: Access::Public,
        surface: Surface::Feed,
    }
}

/// The table: (spec, handler).
fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::{ApiClient, Member, Public};
    use Action as A;
    vec![
        (probe("/healthz"), get(health::healthz)),
        (probe("/readyz"), get(health::readyz)),
        (spec(Method::GET, "/metrics", Access::Metrics), get(health::metrics)),
        (spec(Method::GET, "/", Public), get(html::start)),
        (spec(Method::GET, "/login", Public), get(html::login_form)),
        (spec(Method::POST, "/login", Public), post(html::login)),
        (spec(Method::POST, "/logout", Public), post(html::logout)),
        (
            spec(Method::GET, "/login/second-factor", Public),
            get(account::second_factor_form),
        ),
        (
            spec(Method::POST, "/login/second-factor", Public),
            post(account::second_factor),
        ),
        (spec(Method::GET, "/login/enrol", Public), get(account::enrol_form)),
        (spec(Method::POST, "/login/enrol", Public), post(account::enrol)),
        (spec(Method::GET, "/password-reset", Public), get(account::reset_form)),
        (spec(Method::POST, "/password-reset", Public), post(account::reset)),
        (
            spec(Method::GET, "/account", Member(A::ManageOwnAccount)),
            get(account::account),
        ),
        (
            spec(Method::POST, "/account/second-factor", Member(A::ManageOwnAccount)),
            post(account::start_second_factor),
        ),
        (
            spec(Method::POST, "/account/notifications", Member(A::ManageOwnAccount)),
            post(account::set_notice),
        ),
        (
            spec(
                Method::POST,
                "/account/second-factor/confirm",
                Member(A::ManageOwnAccount),
            ),
            post(account::confirm_second_factor),
        ),
        (spec(Method::GET, "/users", Member(A::ManageUsers)), get(account::users)),
        (
            spec(Method::POST, "/users/{id}/password-reset", Member(A::ManageUsers)),
            post(account::issue_reset),
        ),
        (
            spec(Method::POST, "/users/{id}/second-factor/unlock", Member(A::ManageUsers)),
            post(account::unlock_second_factor),
        ),
        (
            spec(Method::POST, "/logout/everywhere", Member(A::ManageOwnAccount)),
            post(html::logout_everywhere),
        ),
        (
            spec(Method::GET, "/programme", Member(A::ViewProgramme)),
            get(html::programme),
        ),
        (
            spec(Method::GET, "/programme/settings", Member(A::ManageProgramme)),
            get(settings::form),
        ),
        (
            spec(Method::POST, "/programme/settings", Member(A::ManageProgramme)),
            post(settings::save),
        ),
        (
            spec(Method::GET, "/programme/facilities", Member(A::ManageProgramme)),
            get(facilities::list),
        ),
        (
            spec(Method::POST, "/programme/facilities", Member(A::ManageProgramme)),
            post(facilities::add),
        ),
        (
            spec(Method::GET, "/programme/facilities/{id}", Member(A::ManageProgramme)),
            get(facilities::edit_form),
        ),
        (
            spec(Method::POST, "/programme/facilities/{id}", Member(A::ManageProgramme)),
            post(facilities::save),
        ),
        (spec(Method::GET, "/lang/{tag}", Public), get(html::choose_language)),
        (spec(Method::GET, "/static/lotse.css", Public), get(html::stylesheet)),
        (spec(Method::GET, "/inbox", Member(A::ViewProgramme)), get(inbox::page)),
        (
            spec(Method::GET, "/cases", Member(A::ViewWorklist)),
            get(cases::worklist),
        ),
        (
            spec(Method::GET, "/prescriptions", Member(A::Prescribe)),
            get(prescriptions::board),
        ),
        (
            spec(Method::GET, "/prescriptions/new", Member(A::Prescribe)),
            get(prescriptions::new_form),
        ),
        (
            spec(Method::POST, "/prescriptions", Member(A::Prescribe)),
            post(prescriptions::create),
        ),
        (
            spec(Method::GET, "/prescriptions/{id}", Member(A::Prescribe)),
            get(prescriptions::show),
        ),
        (
            spec(Method::GET, "/prescriptions/{id}/sheet.pdf", Member(A::Prescribe)),
            get(prescriptions::sheet),
        ),
        (
            spec(Method::GET, "/cases/new", Member(A::RegisterReferral)),
            get(intake::form),
        ),
        (
            spec(Method::POST, "/cases/new", Member(A::RegisterReferral)),
            post(intake::register),
        ),
        (
            spec(Method::POST, "/cases/search", Member(A::SearchCases)),
            post(cases::search_cases),
        ),
        (spec(Method::GET, "/cases/{id}", Member(A::ViewCase)), get(cases::case)),
        (
            spec(Method::GET, "/cases/{id}/offers", Member(A::ViewCase)),
            get(directory::case_search),
        ),
        (
            spec(Method::GET, "/offers", Member(A::ViewProgramme)),
            get(directory::search),
        ),
        (
            spec(Method::GET, "/offers/{id}", Member(A::ViewProgramme)),
            get(directory::offer),
        ),
        // Keeping the directory current: a provider edits its own offers, a coordinator any,
        // and curates (verify, pause, resume, end, merge; the review list and duplicates).
        (
            spec(Method::GET, "/offers/review", Member(A::CurateDirectory)),
            get(crate::offer_edit::review),
        ),
        (
            spec(Method::GET, "/offers/duplicates", Member(A::CurateDirectory)),
            get(crate::offer_edit::duplicates),
        ),
        (
            spec(Method::GET, "/offers/{id}/edit", Member(A::ManageOffer)),
            get(crate::offer_edit::form),
        ),
        (
            spec(Method::POST, "/offers/{id}/edit", Member(A::ManageOffer)),
            post(crate::offer_edit::save),
        ),
        (
            spec(Method::POST, "/offers/{id}/verify", Member(A::CurateDirectory)),
            post(crate::offer_edit::verify),
        ),
        (
            spec(Method::POST, "/offers/{id}/pause", Member(A::CurateDirectory)),
            post(crate::offer_edit::pause),
        ),
        (
            spec(Method::POST, "/offers/{id}/resume", Member(A::CurateDirectory)),
            post(crate::offer_edit::resume),
        ),
        (
            spec(Method::POST, "/offers/{id}/end", Member(A::CurateDirectory)),
            post(crate::offer_edit::end),
        ),
        (
            spec(Method::POST, "/offers/{id}/merge", Member(A::CurateDirectory)),
            post(crate::offer_edit::merge),
        ),
        (spec(Method::GET, "/directory", Public), get(directory::public_index)),
        (
            spec(Method::GET, "/directory/{slug}", Public),
            get(directory::public_search),
        ),
        (
            spec(Method::GET, "/directory/{slug}/offers/{id}", Public),
            get(directory::public_offer),
        ),
        (
            spec(
                Method::POST,
                "/cases/{id}/consents/{consent}/withdraw",
                Member(A::WithdrawConsent),
            ),
            post(cases::withdraw_consent),
        ),
        (
            spec(Method::POST, "/cases/{id}/accept", Member(A::WorkCase)),
            post(cases::accept),
        ),
        (
            spec(Method::POST, "/cases/{id}/redirect", Member(A::WorkCase)),
            post(cases::redirect),
        ),
        (
            spec(Method::POST, "/cases/{id}/contacts", Member(A::WorkCase)),
            post(cases::record_contact),
        ),
        (
            spec(Method::POST, "/cases/{id}/unreachable", Member(A::WorkCase)),
            post(cases::mark_unreachable),
        ),
        (
            spec(Method::POST, "/cases/{id}/concerns", Member(A::WorkCase)),
            post(cases::raise_concern),
        ),
        (
            spec(Method::POST, "/cases/{id}/close", Member(A::WorkCase)),
            post(cases::close),
        ),
        (
            spec(Method::GET, "/cases/{id}/search-profile", Member(A::WorkCase)),
            get(search_profile::form),
        ),
        (
            spec(Method::POST, "/cases/{id}/search-profile", Member(A::WorkCase)),
            post(search_profile::save),
        ),
        (
            spec(Method::GET, "/cases/{id}/re-refer", Member(A::RegisterReferral)),
            get(re_referral::form),
        ),
        (
            spec(Method::POST, "/cases/{id}/re-refer", Member(A::RegisterReferral)),
            post(re_referral::re_refer),
        ),
        (
            spec(
                Method::POST,
                "/cases/{id}/onward/{onward}/provider-answer",
                Member(A::AnswerOnwardReferral),
            ),
            post(cases::provider_answer),
        ),
        (
            spec(Method::POST, "/cases/{id}/notes", Member(A::WorkCase)),
            post(case_work::add_note),
        ),
        (
            spec(Method::POST, "/cases/{id}/plan", Member(A::WorkCase)),
            post(case_work::save_plan),
        ),
        (
            spec(Method::GET, "/cases/{id}/plan.pdf", Member(A::WorkCase)),
            get(case_work::plan_pdf),
        ),
        (
            spec(Method::GET, "/cases/{id}/questionnaires/new", Member(A::WorkCase)),
            get(questionnaires::new_form),
        ),
        (
            spec(Method::POST, "/cases/{id}/questionnaires", Member(A::WorkCase)),
            post(questionnaires::record),
        ),
        (
            spec(Method::POST, "/cases/{id}/questionnaires/links", Member(A::WorkCase)),
            post(questionnaires::make_link),
        ),
        // A self-completion link: the person answers one questionnaire without an account.
        (
            spec(
                Method::GET,
                "/q/{token}",
                Access::Capability(CapabilityPurpose::QuestionnaireAnswer),
            ),
            get(questionnaires::self_form),
        ),
        (
            spec(
                Method::POST,
                "/q/{token}",
                Access::Capability(CapabilityPurpose::QuestionnaireAnswer),
            ),
            post(questionnaires::self_answer),
        ),
        (
            spec(Method::POST, "/cases/{id}/shortlist", Member(A::WorkCase)),
            post(case_work::propose),
        ),
        (
            spec(Method::POST, "/cases/{id}/shortlist/{onward}", Member(A::WorkCase)),
            post(case_work::answer),
        ),
        (
            spec(Method::GET, "/cases/{id}/onward/{onward}", Member(A::WorkCase)),
            get(onward::page),
        ),
        (
            spec(Method::POST, "/cases/{id}/onward/{onward}/send", Member(A::WorkCase)),
            post(onward::send),
        ),
        (
            spec(Method::POST, "/cases/{id}/onward/{onward}/answer", Member(A::WorkCase)),
            post(onward::record_answer),
        ),
        (
            spec(Method::POST, "/cases/{id}/onward/{onward}/links", Member(A::WorkCase)),
            post(onward::change_links),
        ),
        // A provider's signed link: it answers one onward referral without an account.
        (
            spec(
                Method::GET,
                "/r/{token}",
                Access::Capability(CapabilityPurpose::OnwardReferralAnswer),
            ),
            get(onward::link_page),
        ),
        (
            spec(
                Method::POST,
                "/r/{token}",
                Access::Capability(CapabilityPurpose::OnwardReferralAnswer),
            ),
            post(onward::link_answer),
        ),
        (
            spec(Method::GET, "/people", Member(A::SearchPeople)),
            get(data_subject::people_form),
        ),
        (
            spec(Method::POST, "/people/search", Member(A::SearchPeople)),
            post(data_subject::search_people),
        ),
        (
            spec(Method::GET, "/people/{id}", Member(A::ViewPersonAudit)),
            get(data_subject::person),
        ),
        (
            spec(Method::POST, "/people/{id}/export.json", Member(A::ExportPersonData)),
            post(data_subject::export_json),
        ),
        (
            spec(Method::POST, "/people/{id}/export", Member(A::ExportPersonData)),
            post(data_subject::export_page),
        ),
        (
            spec(Method::POST, "/people/{id}/erase", Member(A::ErasePerson)),
            post(data_subject::erase),
        ),
        (
            spec(Method::GET, "/users/{id}/audit", Member(A::ViewUserAudit)),
            get(data_subject::user_audit),
        ),
        (spec(Method::GET, "/api/openapi.json", Public), get(api::openapi)),
        (feed("/hsds"), get(hsds::root)),
        (feed("/hsds/"), get(hsds::root)),
        (feed("/hsds/services"), get(hsds::services)),
        (feed("/hsds/services/{id}"), get(hsds::service)),
        (feed("/hsds/service_at_locations"), get(hsds::service_at_locations)),
        (feed("/hsds/service_at_locations/{id}"), get(hsds::service_at_location)),
        (feed("/hsds/organizations"), get(hsds::organizations)),
        (feed("/hsds/organizations/{id}"), get(hsds::organization)),
        (feed("/hsds/taxonomies"), get(hsds::taxonomies)),
        (feed("/hsds/taxonomies/{id}"), get(hsds::taxonomy)),
        (feed("/hsds/taxonomy_terms"), get(hsds::taxonomy_terms)),
        (feed("/hsds/taxonomy_terms/{id}"), get(hsds::taxonomy_term)),
        (
            spec(Method::GET, "/api/v1/worklist", ApiClient(ApiScope::WorklistRead)),
            get(api::worklist),
        ),
        (
            spec(Method::GET, "/api/v1/inbox", ApiClient(ApiScope::WorklistRead)),
            get(api::inbox),
        ),
        (
            spec(Method::GET, "/api/v1/offers", ApiClient(ApiScope::DirectoryRead)),
            get(api::offers),
        ),
        (
            spec(Method::GET, "/api/v1/cases/{case_id}", ApiClient(ApiScope::CaseRead)),
            get(api::case),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/consent-withdrawals",
                ApiClient(ApiScope::ConsentWrite),
            ),
            post(api::withdraw_consent),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/people/{person_id}/export",
                ApiClient(ApiScope::ExportRead),
            ),
            post(api::export),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/offers/{offer_id}",
                ApiClient(ApiScope::OfferWrite),
            ),
            get(api::offer::get_offer),
        ),
        (
            spec(
                Method::PUT,
                "/api/v1/offers/{offer_id}",
                ApiClient(ApiScope::OfferWrite),
            ),
            put(api::offer::put_offer),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/steps",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::link_work::next_steps),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/steps",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::take_step),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/shortlist",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::propose),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/shortlist/{onward_referral_id}",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::answer),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::onward::get_onward),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/send",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::onward::send),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/provider-answers",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::onward::record_answer),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/onward-referrals/{onward_referral_id}/links",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::onward::change_links),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/onward-referrals/{onward_referral_id}/answers",
                ApiClient(ApiScope::OnwardAnswer),
            ),
            post(api::onward::provider_answer),
        ),
        (
            capability_api(
                Method::GET,
                "/api/v1/provider-links/{token}",
                CapabilityPurpose::OnwardReferralAnswer,
            ),
            get(api::onward::provider_link),
        ),
        (
            capability_api(
                Method::POST,
                "/api/v1/provider-links/{token}/answers",
                CapabilityPurpose::OnwardReferralAnswer,
            ),
            post(api::onward::provider_link_answer),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/questionnaires",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::link_work::questionnaires),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/questionnaires",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::record_questionnaire),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/notes",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::link_work::notes),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/plan",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::link_work::plan),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/notes",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::add_note),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/plan",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::save_plan),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/offers",
                ApiClient(ApiScope::CaseRead),
            ),
            get(api::case_offers),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/search-profile",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::search_profile::get_profile),
        ),
        (
            spec(
                Method::PUT,
                "/api/v1/cases/{case_id}/search-profile",
                ApiClient(ApiScope::CaseWork),
            ),
            put(api::search_profile::put_profile),
        ),
        (
            spec(Method::POST, "/api/v1/cases", ApiClient(ApiScope::CaseWork)),
            post(api::intake::register),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/re-referrals",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::intake::re_refer),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/cases/{case_id}/plan.pdf",
                ApiClient(ApiScope::CaseWork),
            ),
            get(api::link_work::plan_pdf),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/cases/{case_id}/questionnaire-links",
                ApiClient(ApiScope::CaseWork),
            ),
            post(api::link_work::make_link),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/prescriptions",
                ApiClient(ApiScope::PrescriptionWrite),
            ),
            get(api::prescribing::board),
        ),
        (
            spec(
                Method::POST,
                "/api/v1/prescriptions",
                ApiClient(ApiScope::PrescriptionWrite),
            ),
            post(api::prescribing::prescribe),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/prescriptions/{prescription_id}",
                ApiClient(ApiScope::PrescriptionWrite),
            ),
            get(api::prescribing::prescription),
        ),
        (
            spec(
                Method::GET,
                "/api/v1/prescriptions/{prescription_id}/sheet.pdf",
                ApiClient(ApiScope::PrescriptionWrite),
            ),
            get(api::prescribing::sheet),
        ),
    ]
}

/// The declared routes (for the access-matrix test and the docs).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

/// The routes of one surface, built from the table: each behind the guard of its access
/// kind; for each path, every method it does not declare (and HEAD where the GET handler must
/// not run) answers 405 with the path's `Allow`, and no guard or handler runs.
pub fn build(state: &AppState, surface: Surface) -> Router<AppState> {
    struct PathRoutes {
        methods: MethodRouter<AppState>,
        allow: Vec<String>,
        refuse_head: bool,
    }
    let mut paths: BTreeMap<&'static str, PathRoutes> = BTreeMap::new();
    for (spec, handler) in table().into_iter().filter(|(s, _)| s.surface == surface) {
        let path = paths.entry(spec.path).or_insert_with(|| PathRoutes {
            methods: MethodRouter::new(),
            allow: Vec::new(),
            refuse_head: false,
        });
        path.methods = std::mem::take(&mut path.methods).merge(guarded(spec.access, handler, state));
        path.allow.push(spec.method.to_string());
        if spec.method == Method::GET {
            if spec.access.answers_head() {
                path.allow.push(Method::HEAD.to_string());
            } else {
                path.refuse_head = true;
            }
        }
    }
    paths.into_iter().fold(Router::new(), |router, (template, path)| {
        let allow = path.allow.join(",");
        let not_allowed = move || {
            let allow = allow.clone();
            async move { (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, allow)]).into_response() }
        };
        let methods = if path.refuse_head {
            path.methods.head(not_allowed.clone())
        } else {
            path.methods
        };
        router.route(template, methods.fallback(not_allowed))
    })
}

/// A handler behind the guard of its access kind (public routes have none). Public for tests
/// that build a router around one guard.
pub fn guarded(access: Access, handler: MethodRouter<AppState>, state: &AppState) -> MethodRouter<AppState> {
    let state = state.clone();
    match access {
        Access::Public => handler,
        Access::Member(action) => handler.route_layer(axum::middleware::from_fn_with_state(
            state,
            move |state: State<AppState>, request: Request, next: Next| guard(action, state, request, next),
        )),
        Access::ApiClient(scope) => handler.route_layer(axum::middleware::from_fn_with_state(
            state,
            move |state: State<AppState>, request: Request, next: Next| api::guard(scope, state, request, next),
        )),
        Access::Capability(purpose) => handler.route_layer(axum::middleware::from_fn_with_state(
            state,
            move |state: State<AppState>, request: Request, next: Next| capability_guard(purpose, state, request, next),
        )),
        Access::Metrics => handler.route_layer(axum::middleware::from_fn_with_state(state, health::guard)),
    }
}

/// The first gate for a member route: a live session (else to the sign-in page), a role that
/// may do the action (else 403); the session user goes to the handler as an extension. A
/// refusal by role is audited (`route_refused`, once per user and window).
async fn guard(action: Action, State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let user = match cookie::current_user(&state, request.headers()).await {
        Ok(Some(user)) => user,
        Ok(None) => return page::see_other("/login"),
        Err(e) => return e.into_response(),
    };
    let principal = user.principal();
    if !principal.may(action) {
        if let Err(e) = lotse_app::access::record_route_refused(&state.app, state.clock.as_ref(), &principal).await {
            return WebError::from(e).into_response();
        }
        return WebError::Forbidden.into_response();
    }
    request.extensions_mut().insert::<SessionUser>(user);
    next.run(request).await
}

/// The gate of a capability route: the `{token}` path parameter must be a valid link of the
/// route's purpose (see [`lotse_app::capability::verify`]); every refusal answers 404, so a
/// wrong, expired, revoked or used link and a link that never existed look alike. The
/// capability goes to the handler as its [`Principal`] (audited as `capability:<id>`). A link
/// opened more than `link_limit::PER_WINDOW` times in `link_limit::WINDOW` answers 429 first.
pub async fn capability_guard(
    purpose: CapabilityPurpose,
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let token = match RawPathParams::from_request_parts(&mut parts, &state).await {
        Ok(params) => params
            .iter()
            .find(|(name, _)| *name == "token")
            .map(|(_, value)| value.to_owned()),
        Err(_) => None,
    };
    let Some(token) = token else {
        return WebError::NotFound.into_response();
    };
    if !state.link_limiter.allow(&token, state.clock.now()) {
        return WebError::TooManyAttempts.into_response();
    }
    match lotse_app::capability::verify(&state.app, state.clock.as_ref(), &token, purpose).await {
        Ok(Some(capability)) => {
            let mut request = Request::from_parts(parts, body);
            request.extensions_mut().insert(Principal::capability(capability));
            next.run(request).await
        }
        Ok(None) => WebError::NotFound.into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_get_routes_do_not_answer_head_and_probes_are_probes() {
        for s in specs() {
            let head = s.access.answers_head();
            assert_eq!(
                head,
                matches!(s.access, Access::Public | Access::Metrics),
                "{} {}",
                s.method,
                s.path
            );
            let probe = matches!(s.path, "/healthz" | "/readyz" | "/metrics");
            assert_eq!(s.surface == Surface::Probe, probe, "{}", s.path);
            assert_eq!(s.surface == Surface::Api, s.path.starts_with("/api/v1/"), "{}", s.path);
            assert_eq!(s.surface == Surface::Feed, s.path.starts_with("/hsds"), "{}", s.path);
        }
    }

    #[test]
    fn each_method_and_path_is_declared_once() {
        let specs = specs();
        let mut seen = std::collections::BTreeSet::new();
        for s in &specs {
            assert!(
                seen.insert((s.method.as_str().to_owned(), s.path)),
                "{} {}",
                s.method,
                s.path
            );
        }
    }
}
