//! Account pages: the second-factor step of signing in (and setting the factor up), the
//! coordinator's user list with one-time reset codes, and resetting a password with a code.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use lotse_app::auth::SessionUser;
use lotse_app::notification::{self, NoticeError};
use lotse_app::password_reset::{self, ResetError};
use lotse_app::second_factor::{self, SecondFactorError};
use lotse_domain::id::UserId;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientAddress;
use crate::cookie::cookie;
use crate::csrf::{self, CsrfToken};
use crate::error::WebError;
use crate::html::{TokenForm, session_response};
use crate::page::{Page, no_store, render, render_private, see_other};

/// The pending sign-in cookie (password right, second factor not yet shown).
pub const PENDING_COOKIE: &str = "lotse_pending";

/// A redirect to the second-factor step that sets the pending cookie (5 minutes, only sent to
/// `/login` paths).
pub(crate) fn pending_response(state: &AppState, to: &str, token: &str) -> Result<Response, WebError> {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let max_age = second_factor::PENDING_LIFETIME.whole_seconds();
    let value = format!("{PENDING_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    let mut response = see_other(to);
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&value).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(response)
}

fn clear_pending(mut response: Response) -> Response {
    response.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_static("lotse_pending=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    page: Page,
    action: &'static str,
    failed: bool,
    /// For setting up: the secret (grouped) and the QR code as inline SVG.
    enrol: Option<(String, String)>,
}

pub(crate) fn qr_svg(url: &str) -> Result<String, WebError> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| WebError::Internal(e.to_string()))?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in the page: drop the XML declaration.
    Ok(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_owned()))
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn render_step(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &CsrfToken,
    enrol: bool,
    failed: bool,
) -> Result<Response, WebError> {
    let Some(token) = cookie(headers, PENDING_COOKIE) else {
        return Ok(see_other("/login"));
    };
    let (path, action) = if enrol {
        ("/login/enrol", "/login/enrol")
    } else {
        ("/login/second-factor", "/login/second-factor")
    };
    let enrolment = if enrol {
        match second_factor::enrolment(&state.app, state.clock.as_ref(), token).await? {
            Some(e) => Some((grouped(&e.secret), qr_svg(&e.url)?)),
            None => return Ok(clear_pending(see_other("/login"))),
        }
    } else {
        None
    };
    let page = Page::new(state, headers, path, None, csrf);
    let mut response = render(&SecondFactorPage {
        page,
        action,
        failed,
        enrol: enrolment,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    Ok(no_store(response))
}

/// `GET /login/second-factor`: asks for the code of the authenticator app.
pub async fn second_factor_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    render_step(&state, &headers, &csrf, false, false).await
}

/// `GET /login/enrol`: sets the factor up (QR code and secret), then asks for a first code.
pub async fn enrol_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    render_step(&state, &headers, &csrf, true, false).await
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

async fn check_code(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &CsrfToken,
    form: &CodeForm,
    enrol: bool,
) -> Result<Response, WebError> {
    csrf::verify(state, headers, &form.csrf)?;
    let Some(token) = cookie(headers, PENDING_COOKIE) else {
        return Ok(see_other("/login"));
    };
    let code: String = form.code.chars().take(16).collect();
    match second_factor::verify(&state.app, state.clock.as_ref(), state.config.throttle, token, &code).await {
        Ok(signed_in) => Ok(clear_pending(session_response(state, &signed_in.token)?)),
        Err(SecondFactorError::WrongCode) => render_step(state, headers, csrf, enrol, true).await,
        Err(SecondFactorError::Expired) => Ok(clear_pending(see_other("/login"))),
        Err(SecondFactorError::Locked) => Err(WebError::SecondFactorLocked),
        Err(SecondFactorError::Store(e)) => Err(e.into()),
    }
}

/// `POST /login/second-factor`.
pub async fn second_factor(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    check_code(&state, &headers, &csrf, &form, false).await
}

/// `POST /login/enrol`: the first code confirms the new factor and opens the session.
pub async fn enrol(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    check_code(&state, &headers, &csrf, &form, true).await
}

/// A user line on the coordinator's list.
struct UserLine {
    id: String,
    name: String,
    username: String,
    role: String,
    organisation: String,
    second_factor: bool,
    /// Locked after too many wrong codes (the coordinator may unlock it).
    second_factor_locked: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<UserLine>,
}

/// `GET /users`: the programme's accounts, each with "issue a reset code" and its audit.
pub async fn users(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let members = password_reset::members(&state.app, &user).await?;
    let locked = second_factor::locked(&state.app).await?;
    let page = Page::new(&state, &headers, "/users", Some(&user), &csrf);
    let users = members
        .into_iter()
        .map(|m| UserLine {
            id: m.user.to_string(),
            name: m.display_name,
            username: m.username,
            role: page.t(&crate::page::role_key(&m.role)),
            organisation: m.organisation.unwrap_or_default(),
            second_factor: m.second_factor,
            second_factor_locked: locked.contains(&m.user),
        })
        .collect();
    Ok(no_store(render(&UsersPage { page, users })?))
}

/// The issue form.
#[derive(Debug, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Template)]
#[template(path = "reset_code.html")]
struct ResetCodePage {
    page: Page,
    name: String,
    code: String,
    with_second_factor: bool,
}

/// `POST /users/{id}/password-reset`: issues a code and shows it once.
pub async fn issue_reset(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<IssueForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let target = UserId::from_uuid(crate::page::parse_id(&id)?);
    // A coordinator's code never removes a second factor (`lotse user reset --second-factor`).
    let code = password_reset::issue(&state.app, state.clock.as_ref(), &user, target).await?;
    let name = lotse_app::auth::display_name(&state.app, target).await?;
    let page = Page::new(&state, &headers, "/users", Some(&user), &csrf);
    Ok(no_store(render(&ResetCodePage {
        page,
        name,
        code,
        with_second_factor: false,
    })?))
}

/// `POST /users/{id}/second-factor/unlock`: lifts the second-factor lock of a user of the
/// coordinator's programme (audited), back to the list.
pub async fn unlock_second_factor(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let target = UserId::from_uuid(crate::page::parse_id(&id)?);
    second_factor::unlock(&state.app, state.clock.as_ref(), &user, target).await?;
    Ok(see_other("/users"))
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct PasswordResetPage {
    page: Page,
    error: Option<String>,
    done: bool,
    username: String,
}

fn render_reset(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &CsrfToken,
    outcome: Option<(&str, StatusCode)>,
    done: bool,
    username: String,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, "/password-reset", None, csrf);
    let (error, status) = crate::page::notice(&page, outcome);
    render_private(
        &PasswordResetPage {
            page,
            error,
            done,
            username,
        },
        status,
    )
}

/// `GET /password-reset`.
pub async fn reset_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    render_reset(&state, &headers, &csrf, None, false, String::new())
}

/// The reset form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /password-reset`: sets the new password, or says what was wrong.
pub async fn reset(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    csrf::verify(&state, &headers, &form.csrf)?;
    let username: String = form.username.chars().take(64).collect();
    let result = password_reset::redeem(
        &state.app,
        state.clock.as_ref(),
        state.config.throttle,
        &username,
        &form.code,
        &form.password,
        &form.repeat,
        client,
    )
    .await;
    match result {
        Ok(()) => render_reset(&state, &headers, &csrf, None, true, String::new()),
        Err(ResetError::InvalidCode) => render_reset(
            &state,
            &headers,
            &csrf,
            Some(("reset-invalid", StatusCode::UNAUTHORIZED)),
            false,
            username,
        ),
        Err(ResetError::Password(_)) => render_reset(
            &state,
            &headers,
            &csrf,
            Some(("reset-weak", StatusCode::BAD_REQUEST)),
            false,
            username,
        ),
        Err(ResetError::Mismatch) => render_reset(
            &state,
            &headers,
            &csrf,
            Some(("reset-mismatch", StatusCode::BAD_REQUEST)),
            false,
            username,
        ),
        Err(ResetError::Locked) => Err(WebError::TooManyAttempts),
        Err(ResetError::Store(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    second_factor: bool,
    /// A set-up in progress: the secret (grouped) and the QR code.
    enrol: Option<(String, String)>,
    failed: bool,
    notice: NoticeView,
}

/// The notice e-mail's part of the account page.
struct NoticeView {
    /// Whether the programme sends e-mail (the notice can be asked for).
    available: bool,
    /// The address as stored, or as sent back with a refusal.
    address: String,
    /// Why the address was refused.
    error: Option<String>,
    /// "Saved." after a change.
    saved: bool,
}

/// What the account page says about the notice e-mail besides the stored setting.
#[derive(Debug, Default)]
struct NoticeSaid {
    /// The address as typed, when it was refused.
    typed: Option<String>,
    error: Option<String>,
    saved: bool,
}

async fn render_account(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    enrol: Option<second_factor::Enrolment>,
    failed: bool,
) -> Result<Response, WebError> {
    render_account_with(state, headers, user, csrf, (enrol, failed), NoticeSaid::default()).await
}

async fn render_account_with(
    state: &AppState,
    headers: &HeaderMap,
    user: &SessionUser,
    csrf: &CsrfToken,
    (enrol, failed): (Option<second_factor::Enrolment>, bool),
    said: NoticeSaid,
) -> Result<Response, WebError> {
    let second_factor = second_factor::is_set_up(&state.app, user).await?;
    let notice = match notification::get(&state.app, state.clock.as_ref(), &user.principal()).await {
        Ok(n) => n,
        Err(NoticeError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(WebError::NotFound),
    };
    let enrol = match enrol {
        Some(e) => Some((grouped(&e.secret), qr_svg(&e.url)?)),
        None => None,
    };
    let page = Page::new(state, headers, "/account", Some(user), csrf);
    let refused = said.error.is_some();
    let mut response = render(&AccountPage {
        page,
        second_factor,
        enrol,
        failed,
        notice: NoticeView {
            available: notice.available,
            address: said.typed.or(notice.address).unwrap_or_default(),
            error: said.error,
            saved: said.saved,
        },
    })?;
    if failed || refused {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(no_store(response))
}

/// `GET /account`: the signed-in user's second factor and sessions.
pub async fn account(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    render_account(&state, &headers, &user, &csrf, None, false).await
}

/// The notice form.
#[derive(Debug, Deserialize)]
pub struct NoticeForm {
    /// The token (missing counts as wrong: 403).
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    address: String,
}

/// `POST /account/notifications`: sets (or, empty, removes) the address of the e-mail that says
/// only "something new is waiting"; the page again, saying so, or 400 naming the field.
pub async fn set_notice(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<NoticeForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let typed: String = form.address.chars().take(300).collect();
    let said = match notification::set(&state.app, state.clock.as_ref(), &user.principal(), &typed).await {
        Ok(_) => NoticeSaid {
            saved: true,
            ..NoticeSaid::default()
        },
        Err(NoticeError::Invalid(e)) => {
            let page = Page::new(&state, &headers, "/account", Some(&user), &csrf);
            let field = page.t("account-notice-address");
            let text = page.text_with(
                crate::offer_edit::problem_key(e.problem),
                &[("field", fluent_bundle::FluentValue::from(field))],
            );
            NoticeSaid {
                typed: Some(typed),
                error: Some(text),
                saved: false,
            }
        }
        Err(NoticeError::Store(e)) => return Err(e.into()),
        Err(NoticeError::NotMember) => return Err(WebError::NotFound),
    };
    render_account_with(&state, &headers, &user, &csrf, (None, false), said).await
}

/// `POST /account/second-factor`: starts setting up a second factor (QR code and key).
pub async fn start_second_factor(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let enrolment = second_factor::begin_voluntary(&state.app, state.clock.as_ref(), &user).await?;
    render_account(&state, &headers, &user, &csrf, enrolment, false).await
}

/// `POST /account/second-factor/confirm`: the first code finishes the set-up.
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    csrf::verify_signed_in(&state, &user, &headers, &form.csrf).await?;
    let code: String = form.code.chars().take(16).collect();
    match second_factor::confirm_voluntary(&state.app, state.clock.as_ref(), &user, &code).await {
        Ok(()) | Err(SecondFactorError::Expired) => Ok(see_other("/account")),
        Err(SecondFactorError::WrongCode) => {
            let enrolment = second_factor::pending_voluntary(&state.app, &user).await?;
            render_account(&state, &headers, &user, &csrf, enrolment, true).await
        }
        Err(SecondFactorError::Locked) => Err(WebError::TooManyAttempts),
        Err(SecondFactorError::Store(e)) => Err(e.into()),
    }
}
