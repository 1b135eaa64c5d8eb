//! CSRF protection for the HTML forms: a double-submit token.
//!
//! Every response carries a random token in the `lotse_csrf` cookie (HttpOnly,
//! SameSite=Strict, set once per browser); every form embeds the same token in a hidden
//! `csrf` field; every state-changing handler checks that the two are equal before it does
//! anything. Another site can make a browser send the cookie (not even that, with
//! SameSite=Strict) but cannot read it, so it cannot fill in the field.

use axum::extract::Request;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::WebError;
use crate::html::cookie;

/// The cookie holding the token.
pub const CSRF_COOKIE: &str = "lotse_csrf";

/// The request's token, for forms to embed (a request extension set by [`ensure_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn fresh_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Middleware: makes sure the request has a token (from its cookie, or a new one that the
/// response then sets).
pub async fn ensure_token(secure: bool, mut request: Request, next: Next) -> Response {
    let existing = cookie(request.headers(), CSRF_COOKIE)
        .filter(|t| well_formed(t))
        .map(str::to_owned);
    let (token, is_new) = match existing {
        Some(token) => (token, false),
        None => (fresh_token(), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if is_new {
        let secure = if secure { "; Secure" } else { "" };
        let value = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}");
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// Checks a submitted form token against the cookie, in constant time.
pub fn verify(headers: &HeaderMap, submitted: &str) -> Result<(), WebError> {
    let Some(expected) = cookie(headers, CSRF_COOKIE).filter(|t| well_formed(t)) else {
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
    state: &crate::AppState,
    user: &lotse_app::auth::SessionUser,
    headers: &HeaderMap,
    submitted: &str,
) -> Result<(), WebError> {
    let refused = verify(headers, submitted);
    if refused.is_err() {
        lotse_app::auth::record_refused_request(&state.db, state.clock.as_ref(), user).await?;
    }
    refused
}

#[cfg(test)]
mod tests {
    use axum::http::header::COOKIE;

    use super::*;

    #[test]
    fn only_the_cookie_value_passes() {
        let token = fresh_token();
        assert!(well_formed(&token));
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("{CSRF_COOKIE}={token}")).unwrap(),
        );
        assert!(verify(&headers, &token).is_ok());
        assert!(verify(&headers, &fresh_token()).is_err());
        assert!(verify(&headers, "").is_err());
        assert!(verify(&HeaderMap::new(), &token).is_err(), "no cookie, no pass");
    }
}
