//! CSRF protection for the HTML forms: a token bound to the session.
//!
//! Every browser gets a random pre-session value in the `lotse_csrf` cookie (HttpOnly,
//! SameSite=Strict; named `__Host-lotse_csrf` with `secure_cookies`, so a sibling domain cannot
//! plant it; the session cookie is `__Host-lotse_session` then too). A form's token is an HMAC, with a key only the server knows, of the session token
//! when the browser is signed in, else of the pre-session value. Every state-changing handler
//! checks the submitted token against the one derived from the request's own cookies before it
//! does anything. Another site cannot read the cookies, and a pair of cookie and field it made
//! up (or took from its own session) does not match this session's token.

use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::AppState;
use crate::cookie::{cookie, session_token};
use crate::error::WebError;

/// The cookie holding the pre-session value (without `secure_cookies`).
pub const CSRF_COOKIE: &str = "lotse_csrf";
/// The cookie's name with `secure_cookies`: `__Host-` needs Secure, Path=/ and no Domain.
pub const CSRF_COOKIE_SECURE: &str = "__Host-lotse_csrf";

/// The request's token, for forms to embed (a request extension set by [`ensure_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

/// The server's key for CSRF tokens: derived from the data keys, so every instance with the
/// same keys accepts the others' tokens and a restart keeps them; random per process when no
/// data key is configured (then a restart makes open forms fail once).
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

impl Default for CsrfKey {
    fn default() -> Self {
        Self::random()
    }
}

impl CsrfKey {
    /// A new random key (from the operating system's generator, through `uuid`).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        let (a, b) = key.split_at_mut(16);
        a.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        b.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(key)
    }

    /// The key for an application: derived from its data keys if it has them
    /// ([`lotse_app::App::form_token_key`]), else random.
    pub fn for_app(app: &lotse_app::App) -> Self {
        app.form_token_key().map_or_else(Self::random, Self)
    }

    fn token(&self, binding: &str, value: &str) -> String {
        // HMAC accepts keys of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(binding.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The cookie name in use.
pub const fn cookie_name(secure: bool) -> &'static str {
    if secure { CSRF_COOKIE_SECURE } else { CSRF_COOKIE }
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn fresh_value() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// The token a request's forms must carry: bound to its session cookie if it has one, else to
/// its pre-session cookie; `None` without either.
pub fn expected(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(session) = session_token(state, headers).filter(|s| !s.is_empty()) {
        return Some(state.csrf_key.token("session", session));
    }
    let pre = cookie(headers, cookie_name(state.config.secure_cookies)).filter(|t| well_formed(t))?;
    Some(state.csrf_key.token("pre-session", pre))
}

/// Middleware: makes sure the request has a pre-session cookie (or a new one that the response
/// then sets) and puts the request's token in an extension for the forms.
pub async fn ensure_token(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let secure = state.config.secure_cookies;
    let name = cookie_name(secure);
    let fresh = match cookie(request.headers(), name).filter(|t| well_formed(t)) {
        Some(_) => None,
        None => Some(fresh_value()),
    };
    let token = if let Some(session) = session_token(&state, request.headers()).filter(|s| !s.is_empty()) {
        state.csrf_key.token("session", session)
    } else if let Some(value) = &fresh {
        state.csrf_key.token("pre-session", value)
    } else {
        expected(&state, request.headers()).unwrap_or_default()
    };
    request.extensions_mut().insert(CsrfToken(token));
    let mut response = next.run(request).await;
    if let Some(value) = fresh {
        let secure = if secure { "; Secure" } else { "" };
        let value = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}");
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// Checks a submitted form token against the one derived from the request's cookies, in
/// constant time.
pub fn verify(state: &AppState, headers: &HeaderMap, submitted: &str) -> Result<(), WebError> {
    let Some(expected) = expected(state, headers) else {
        tracing::info!("form refused: no CSRF cookie");
        return Err(WebError::Forbidden);
    };
    let (a, b) = (expected.as_bytes(), submitted.as_bytes());
    let differs = a.len() != b.len() || a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0;
    if differs {
        tracing::info!("form refused: CSRF token missing or wrong");
        return Err(WebError::Forbidden);
    }
    Ok(())
}

/// [`verify`] for a signed-in user: a refused form is also audited (`request_refused` on the
/// user, in their programme's chain), so forged requests riding on a session leave a trace.
pub async fn verify_signed_in(
    state: &AppState,
    user: &lotse_app::auth::SessionUser,
    headers: &HeaderMap,
    submitted: &str,
) -> Result<(), WebError> {
    let refused = verify(state, headers, submitted);
    if refused.is_err() {
        lotse_app::auth::record_refused_request(&state.app, state.clock.as_ref(), user).await?;
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_binding_and_value() {
        let key = CsrfKey::random();
        let t = key.token("session", "abc");
        assert!(well_formed(&t));
        assert_eq!(t, key.token("session", "abc"));
        assert_ne!(t, key.token("session", "abd"));
        assert_ne!(t, key.token("pre-session", "abc"));
        assert_ne!(t, CsrfKey::random().token("session", "abc"));
        assert!(!format!("{key:?}").contains(&hex::encode(key.0)));
    }
}
