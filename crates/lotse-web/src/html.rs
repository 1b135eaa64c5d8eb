//! The HTML pages. Forms post, then redirect; everything works without JavaScript.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fluent_bundle::FluentValue;
use lotse_app::auth::{self, AuthError, SessionUser, SignInOutcome};
use lotse_domain::programme::Language;
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientAddress;
use crate::cookie::{
    LANGUAGE_COOKIE, clear_session_cookie, current_user, request_language, session_cookie_name, session_token,
};
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::page::{Page, render, role_key, safe_path, see_other, state_key};

/// One programme on the start page.
#[derive(Debug)]
pub struct ProgrammeCard {
    /// Name.
    pub name: String,
    /// "50 areas".
    pub areas: String,
    /// "180 published offers".
    pub offers: String,
    /// Its public directory, if it has one.
    pub directory: Option<String>,
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
            directory: p.public_directory.then(|| format!("/directory/{}", p.slug.as_str())),
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
