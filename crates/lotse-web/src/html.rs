//! The HTML pages. Forms post, then redirect; everything works without JavaScript.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use fluent_bundle::FluentValue;
use lotse_app::auth::{self, AuthError, SessionUser, SignInOutcome};
use lotse_domain::policy::{Action, role_may};
use lotse_domain::programme::Language;
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientAddress;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::i18n::{I18n, negotiate};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "lotse_session";
/// The session cookie's name with `secure_cookies`: `__Host-` needs Secure, Path=/ and no
/// Domain, so a sibling domain cannot plant or overwrite it.
pub const SESSION_COOKIE_SECURE: &str = "__Host-lotse_session";

/// The session cookie name in use.
pub const fn session_cookie_name(secure: bool) -> &'static str {
    if secure { SESSION_COOKIE_SECURE } else { SESSION_COOKIE }
}

/// The request's session token (from the cookie name in use).
pub fn session_token<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie(headers, session_cookie_name(state.config.secure_cookies))
}

/// A `Set-Cookie` value that removes the session cookie (Secure too when the name is
/// `__Host-`, or browsers ignore it).
fn clear_session_cookie(state: &AppState) -> HeaderValue {
    if state.config.secure_cookies {
        HeaderValue::from_static("__Host-lotse_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("lotse_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}

/// The language choice cookie's name.
pub const LANGUAGE_COOKIE: &str = "lotse_lang";

/// Reads one cookie from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The request's language: the user's choice, else Accept-Language.
pub fn request_language(headers: &HeaderMap) -> Language {
    negotiate(
        cookie(headers, LANGUAGE_COOKIE),
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
        None,
    )
}

/// Who is shown as signed in.
#[derive(Debug, Clone)]
pub struct UserBadge {
    /// Display name.
    pub display_name: String,
    /// Localized role.
    pub role: String,
}

/// What every page's layout needs.
#[derive(Debug, Clone)]
pub struct Page {
    lang: Language,
    i18n: Arc<I18n>,
    /// The signed-in user, if any.
    pub user: Option<UserBadge>,
    /// The current path, for the language switcher's way back.
    pub path: String,
    /// The CSRF token every form embeds.
    pub csrf: String,
    /// Navigation entries the signed-in user's role may use: (path, label).
    pub nav: Vec<(&'static str, String)>,
}

/// The key of a role's label (`role-link-worker`), from its code.
pub(crate) fn role_key(code: &str) -> String {
    format!("role-{}", code.replace('_', "-"))
}

/// The key of a referral state's label (`state-plan-agreed`), from its stored code.
pub(crate) fn state_key(code: &str) -> String {
    format!("state-{}", code.replace('_', "-"))
}

/// The key of an onward referral state's label (`onward-state-did-not-attend`), from its code.
pub(crate) fn onward_state_key(code: &str) -> String {
    format!("onward-state-{}", code.replace('_', "-"))
}

/// The key of an event's label (`event-referral-plan-agreed`), from its kind.
pub(crate) fn event_key(kind: &str) -> String {
    format!("event-{}", kind.replace(['_', '.'], "-"))
}

/// The key of a consent purpose's label (`consent-provider-sharing`), from its code.
pub(crate) fn consent_key(code: &str) -> String {
    format!("consent-{}", code.replace('_', "-"))
}

/// The navigation: (path, label key, the action it needs).
const NAV: [(&str, &str, Action); 5] = [
    ("/programme", "nav-programme", Action::ViewProgramme),
    ("/cases", "nav-cases", Action::ViewWorklist),
    ("/people", "nav-people", Action::SearchPeople),
    ("/users", "nav-users", Action::ManageUsers),
    ("/account", "nav-account", Action::ManageOwnAccount),
];

/// Only plain local paths may be used as a way back (no open redirects, nothing to escape).
fn safe_path(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
    if ok { path.to_owned() } else { "/".to_owned() }
}

impl Page {
    /// A page for a request.
    pub fn new(
        state: &AppState,
        headers: &HeaderMap,
        path: &str,
        user: Option<&SessionUser>,
        csrf: &CsrfToken,
    ) -> Self {
        let lang = request_language(headers);
        let nav = user.map_or_else(Vec::new, |u| {
            NAV.iter()
                .filter(|(_, _, action)| role_may(u.membership.role(), *action))
                .map(|(path, key, _)| (*path, state.i18n.text(lang, key)))
                .collect()
        });
        let user = user.map(|u| UserBadge {
            display_name: u.user.display_name().to_owned(),
            role: state.i18n.text(lang, &role_key(u.membership.role().code())),
        });
        Self {
            lang,
            i18n: state.i18n.clone(),
            user,
            path: safe_path(path),
            csrf: csrf.0.clone(),
            nav,
        }
    }

    /// Translates a key.
    pub fn t(&self, key: &str) -> String {
        self.i18n.text(self.lang, key)
    }

    /// Translates a key with one numeric argument `count`.
    pub fn count(&self, key: &str, count: i64) -> String {
        self.i18n
            .text_with(self.lang, key, &[("count", FluentValue::from(count))])
    }

    /// The page language's tag.
    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The language switcher's entries: (tag, endonym).
    pub fn languages(&self) -> Vec<(&'static str, &'static str)> {
        vec![("de", "Deutsch"), ("da", "Dansk"), ("en", "English")]
    }
}

/// A form page's notice: the translated message for `(key, status)`, and the status to answer
/// with (200 without a notice).
pub(crate) fn notice(page: &Page, notice: Option<(&str, StatusCode)>) -> (Option<String>, StatusCode) {
    (
        notice.map(|(key, _)| page.t(key)),
        notice.map_or(StatusCode::OK, |(_, status)| status),
    )
}

/// Renders a page with a status and `Cache-Control: no-store`.
pub(crate) fn render_private(template: &impl Template, status: StatusCode) -> Result<Response, WebError> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(no_store(response))
}

pub(crate) fn render(template: &impl Template) -> Result<Response, WebError> {
    let body = template.render().map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Html(body).into_response())
}

pub(crate) async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<SessionUser>, WebError> {
    let Some(token) = session_token(state, headers) else {
        return Ok(None);
    };
    Ok(auth::session(&state.app, state.clock.as_ref(), token).await?)
}

pub(crate) fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// One programme on the start page.
#[derive(Debug)]
pub struct ProgrammeCard {
    /// Name.
    pub name: String,
    /// "50 areas".
    pub areas: String,
    /// "180 published offers".
    pub offers: String,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    page: Page,
    programmes: Vec<ProgrammeCard>,
}

/// `GET /`: what Lotse is and which programmes run here (public; no personal data).
pub async fn start(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let user = current_user(&state, &headers).await?;
    let page = Page::new(&state, &headers, "/", user.as_ref(), &csrf);
    let programmes = state
        .public_counts
        .get(&state.app)
        .await?
        .iter()
        .map(|(p, counts)| ProgrammeCard {
            name: p.name.clone(),
            areas: page.count("start-areas", counts.areas),
            offers: page.count("start-offers", counts.published_offers),
        })
        .collect();
    render(&StartPage { page, programmes })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    failed: bool,
    username: String,
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &headers, "/login", None, &csrf);
    render(&LoginPage {
        page,
        failed: false,
        username: String::new(),
    })
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    /// Missing counts as wrong (403), not as a malformed form.
    #[serde(default)]
    csrf: String,
}

/// `POST /login`: on success a session cookie and a redirect; else the form again with 401.
pub async fn login(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    csrf::verify(&state, &headers, &form.csrf)?;
    let throttle = state.config.throttle;
    match auth::sign_in(
        &state.app,
        state.clock.as_ref(),
        throttle,
        &form.username,
        &form.password,
        client,
    )
    .await
    {
        Ok(SignInOutcome::Session(signed_in)) => session_response(&state, &signed_in.token),
        Ok(SignInOutcome::SecondFactor { token, enrol }) => {
            let to = if enrol { "/login/enrol" } else { "/login/second-factor" };
            crate::account::pending_response(&state, to, &token)
        }
        Err(AuthError::InvalidCredentials) => {
            let page = Page::new(&state, &headers, "/login", None, &csrf);
            let username: String = form.username.chars().take(64).collect();
            let mut response = render(&LoginPage {
                page,
                failed: true,
                username,
            })?;
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(response)
        }
        Err(AuthError::Locked) => Err(WebError::TooManyAttempts),
        Err(AuthError::Store(e)) => Err(e.into()),
    }
}

/// A redirect to the programme page that sets the session cookie.
pub(crate) fn session_response(state: &AppState, token: &str) -> Result<Response, WebError> {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let max_age = auth::SESSION_LIFETIME.whole_seconds();
    let name = session_cookie_name(state.config.secure_cookies);
    let cookie = format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    let mut response = see_other("/programme");
    let value = HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.to_string()))?;
    response.headers_mut().append(SET_COOKIE, value);
    Ok(response)
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    /// The token (missing counts as wrong: 403).
    #[serde(default)]
    pub(crate) csrf: String,
}

/// Marks a response with personal or one-time data as not to be stored by any cache.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /logout`: ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&state, &headers, &form.csrf)?;
    if let Some(token) = session_token(&state, &headers) {
        auth::sign_out(&state.app, state.clock.as_ref(), token).await?;
    }
    let mut response = see_other("/");
    response.headers_mut().insert(SET_COOKIE, clear_session_cookie(&state));
    Ok(response)
}

/// `POST /logout/everywhere`: ends every session of the signed-in user, on every device.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    auth::sign_out_everywhere(&state.app, state.clock.as_ref(), &user).await?;
    let mut response = see_other("/");
    response.headers_mut().insert(SET_COOKIE, clear_session_cookie(&state));
    Ok(response)
}

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    page: Page,
    name: String,
    welcome: String,
    areas: i64,
    organisations: i64,
    offers: i64,
    states: Vec<(String, i64)>,
    reset_notice: Option<String>,
}

/// `GET /programme`: the signed-in user's programme at a glance (counts only).
pub async fn programme(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let overview = lotse_app::overview::programme_overview(&state.app, &user.scope).await?;
    let page = Page::new(&state, &headers, "/programme", Some(&user), &csrf);
    // The landing page after sign-in tells, once, who reset the account and when.
    let reset_notice = lotse_app::password_reset::take_notice(&state.app, user.user.id())
        .await?
        .map(|notice| {
            let at = notice.at.to_offset(time::UtcOffset::UTC);
            let at = format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute()
            );
            match notice.by {
                Some(name) => state.i18n.text_with(
                    request_language(&headers),
                    "programme-reset-notice",
                    &[("name", FluentValue::from(name)), ("at", FluentValue::from(at))],
                ),
                None => state.i18n.text_with(
                    request_language(&headers),
                    "programme-reset-notice-admin",
                    &[("at", FluentValue::from(at))],
                ),
            }
        });
    let role = page.t(&role_key(user.membership.role().code()));
    let welcome = state.i18n.text_with(
        request_language(&headers),
        "programme-welcome",
        &[
            ("name", FluentValue::from(user.user.display_name().to_owned())),
            ("role", FluentValue::from(role)),
        ],
    );
    let order = [
        "issued",
        "accepted",
        "contacted",
        "unreachable",
        "plan_agreed",
        "connected",
        "closed",
    ];
    let states = order
        .iter()
        .map(|code| {
            let count = overview
                .referrals_by_state
                .iter()
                .find(|(s, _)| s == code)
                .map_or(0, |(_, n)| *n);
            (page.t(&state_key(code)), count)
        })
        .collect();
    render(&ProgrammePage {
        reset_notice,
        name: overview.programme.name,
        welcome,
        areas: overview.directory.areas,
        organisations: overview.directory.organisations,
        offers: overview.directory.published_offers,
        states,
        page,
    })
}

/// Where to go after choosing a language.
#[derive(Debug, Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /lang/{tag}`: remembers the language choice for a year and goes back.
pub async fn choose_language(Path(tag): Path<String>, Query(back): Query<Back>) -> Result<Response, WebError> {
    let language = Language::from_tag(&tag)
        .filter(|l| l.tag() == tag)
        .ok_or_else(|| WebError::BadRequest(format!("unknown language {tag:?}")))?;
    let mut response = see_other(&safe_path(back.back.as_deref().unwrap_or("/")));
    let cookie = format!(
        "{LANGUAGE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        language.tag()
    );
    let value = HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.to_string()))?;
    response.headers_mut().insert(SET_COOKIE, value);
    Ok(response)
}

/// `GET /static/lotse.css`.
pub async fn stylesheet() -> Response {
    let mut response = include_str!("../static/lotse.css").into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// Any other path.
pub async fn not_found() -> WebError {
    WebError::NotFound
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    title: String,
    message: String,
}

/// Renders the localized error page for a status (used by the error layer).
pub fn error_page(state: &AppState, headers: &HeaderMap, title_key: &str, message_key: &str) -> Option<String> {
    // Error pages hold no form that posts; they need no token.
    let page = Page::new(state, headers, "/", None, &CsrfToken(String::new()));
    let (title, message) = (page.t(title_key), page.t(message_key));
    ErrorTemplate { page, title, message }.render().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_local_paths_are_ways_back() {
        assert_eq!(safe_path("/programme"), "/programme");
        assert_eq!(safe_path("//evil.example"), "/");
        assert_eq!(safe_path("https://evil.example"), "/");
        assert_eq!(safe_path("/a?b=<script>"), "/");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; lotse_lang=da; lotse_session=abc"),
        );
        assert_eq!(cookie(&headers, LANGUAGE_COOKIE), Some("da"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(request_language(&headers), Language::Danish);
    }
}
