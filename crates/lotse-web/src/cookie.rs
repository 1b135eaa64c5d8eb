//! The session and language cookies, and the signed-in user a request's session names.

use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use lotse_app::auth::{self, SessionUser};
use lotse_domain::programme::Language;

use crate::AppState;
use crate::error::WebError;
use crate::i18n::negotiate;

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
pub(crate) fn clear_session_cookie(state: &AppState) -> HeaderValue {
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

pub(crate) async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<SessionUser>, WebError> {
    let Some(token) = session_token(state, headers) else {
        return Ok(None);
    };
    Ok(auth::session(&state.app, state.clock.as_ref(), token).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
