//! The route table: every page route with the policy [`Action`] it needs. The router is built
//! from this table only, so a route cannot exist without a declared policy; the access-matrix
//! test walks the same table.
//!
//! A guarded route's handler runs only after [`guard`] has found a live session and the policy's
//! first gate ([`role_may`]) allowed the role; the handler receives the [`SessionUser`] as an
//! extension and passes it to a use case, which asks the policy's second gate (relationship ×
//! programme) before it touches data.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::ALLOW;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use lotse_app::auth::SessionUser;
use lotse_domain::api_client::ApiScope;
use lotse_domain::policy::{Action, role_may};

use crate::error::WebError;
use crate::{AppState, account, api, html, people};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not. Such routes show no personal data.
    Public,
    /// A signed-in member whose role may do the action.
    Member(Action),
    /// An API client (bearer token) holding the scope, whose role may do the scope's action.
    ApiClient(ApiScope),
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
}

fn spec(method: Method, path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method, path, access }
}

/// The table: (spec, handler).
fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::{ApiClient, Member, Public};
    use Action as A;
    vec![
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
        (spec(Method::GET, "/lang/{tag}", Public), get(html::choose_language)),
        (spec(Method::GET, "/static/lotse.css", Public), get(html::stylesheet)),
        (
            spec(Method::GET, "/cases", Member(A::ViewWorklist)),
            get(people::worklist),
        ),
        (
            spec(Method::POST, "/cases/search", Member(A::SearchCases)),
            post(people::search_cases),
        ),
        (spec(Method::GET, "/cases/{id}", Member(A::ViewCase)), get(people::case)),
        (
            spec(
                Method::POST,
                "/cases/{id}/consents/{consent}/withdraw",
                Member(A::WithdrawConsent),
            ),
            post(people::withdraw_consent),
        ),
        (
            spec(Method::GET, "/people", Member(A::SearchPeople)),
            get(people::people_form),
        ),
        (
            spec(Method::POST, "/people/search", Member(A::SearchPeople)),
            post(people::search_people),
        ),
        (
            spec(Method::GET, "/people/{id}", Member(A::ViewPersonAudit)),
            get(people::person),
        ),
        (
            spec(Method::POST, "/people/{id}/export.json", Member(A::ExportPersonData)),
            post(people::export_json),
        ),
        (
            spec(Method::POST, "/people/{id}/export", Member(A::ExportPersonData)),
            post(people::export_page),
        ),
        (
            spec(Method::POST, "/people/{id}/erase", Member(A::ErasePerson)),
            post(people::erase),
        ),
        (
            spec(Method::GET, "/users/{id}/audit", Member(A::ViewUserAudit)),
            get(people::user_audit),
        ),
        (spec(Method::GET, "/api/openapi.json", Public), get(api::openapi)),
        (
            spec(Method::GET, "/api/v1/worklist", ApiClient(ApiScope::WorklistRead)),
            get(api::worklist),
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
    ]
}

/// The declared routes (for the access-matrix test and the docs).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

/// The page router, built from the table: each member route behind its guard (API routes are
/// in [`api`]).
pub fn pages(state: &AppState) -> Router<AppState> {
    table().into_iter().fold(Router::new(), |router, (spec, handler)| {
        let handler = match spec.access {
            Access::Public => handler,
            Access::Member(action) => handler.route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                move |state: State<AppState>, request: Request, next: Next| guard(action, state, request, next),
            )),
            Access::ApiClient(_) => return router,
        };
        router.route(spec.path, handler)
    })
}

/// The API router, built from the table: each API route behind the bearer guard (no cookies,
/// no CSRF).
pub fn api(state: &AppState) -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (spec, handler)| match spec.access {
            Access::ApiClient(scope) => router.route(
                spec.path,
                handler.route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    move |state: State<AppState>, request: Request, next: Next| api::guard(scope, state, request, next),
                )),
            ),
            Access::Public | Access::Member(_) => router,
        })
}

/// The first gate for a member route: a live session (else to the sign-in page), a role that
/// may do the action (else 403); the session user goes to the handler as an extension.
///
/// HEAD never reaches a member route's handler (axum would run the GET handler and drop the
/// body, so its use case would read, audit or change data): it answers 405 before anything
/// runs. A refusal by role is audited (`route_refused`, once per user and window).
async fn guard(action: Action, State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.method() == Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, "GET")]).into_response();
    }
    let user = match html::current_user(&state, request.headers()).await {
        Ok(Some(user)) => user,
        Ok(None) => return html::see_other("/login"),
        Err(e) => return e.into_response(),
    };
    if !role_may(user.membership.role(), action) {
        if let Err(e) = lotse_app::case_record::record_route_refused(&state.app, state.clock.as_ref(), &user).await {
            return WebError::from(e).into_response();
        }
        return WebError::Forbidden.into_response();
    }
    request.extensions_mut().insert::<SessionUser>(user);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
