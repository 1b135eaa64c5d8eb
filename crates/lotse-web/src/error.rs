use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lotse_app::access::AccessError;
use lotse_app::{FailureKind, StoreFailure};
use lotse_domain::programme::Language;

/// Everything a handler can fail with. Internal causes are logged once, here, with the
/// request id from the surrounding span; the page says only what the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such page or record (also used where existence must not leak).
    #[error("not found")]
    NotFound,
    /// The request could not be read.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Signing in is required.
    #[error("sign-in required")]
    Unauthorized,
    /// The request is refused (e.g. a form without its CSRF token).
    #[error("forbidden")]
    Forbidden,
    /// The record changed meanwhile (or the change was already made).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many failed sign-ins: try again later.
    #[error("too many attempts")]
    TooManyAttempts,
    /// Too many wrong second-factor codes: a coordinator must unlock the factor.
    #[error("second factor locked")]
    SecondFactorLocked,
    /// The database is unreachable (the cause, for the log).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The app says what a storage failure means; this maps that to a status.
impl From<StoreFailure> for WebError {
    fn from(err: StoreFailure) -> Self {
        match err.kind() {
            FailureKind::NotFound => Self::NotFound,
            FailureKind::Conflict => Self::Conflict(err.to_string()),
            FailureKind::Unavailable => Self::Unavailable(err.to_string()),
            FailureKind::Internal => Self::Internal(err.to_string()),
        }
    }
}

impl From<AccessError> for WebError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => Self::NotFound,
            AccessError::Invalid(message) => Self::BadRequest(message),
            AccessError::Conflict(message) => Self::Conflict(message),
            AccessError::Store(e) => e.into(),
        }
    }
}

impl From<lotse_app::onward::OnwardError> for WebError {
    fn from(err: lotse_app::onward::OnwardError) -> Self {
        use lotse_app::onward::OnwardError as E;
        match err {
            E::Store(e) => e.into(),
            E::Invalid(_) => Self::BadRequest(err.to_string()),
            E::Refused(_) | E::Conflict { .. } => Self::Conflict(err.to_string()),
            E::NotFound => Self::NotFound,
        }
    }
}

impl From<lotse_app::prescribe::PrescribeError> for WebError {
    fn from(err: lotse_app::prescribe::PrescribeError) -> Self {
        use lotse_app::prescribe::PrescribeError as E;
        match err {
            E::Store(e) => e.into(),
            E::Invalid(_) | E::PossibleDuplicates(_) => Self::BadRequest(err.to_string()),
            E::NotFound => Self::NotFound,
        }
    }
}

impl WebError {
    /// The HTTP status.
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyAttempts | Self::SecondFactorLocked => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Every variant, for the i18n completeness test.
    pub fn examples() -> [Self; 9] {
        [
            Self::Conflict(String::new()),
            Self::NotFound,
            Self::BadRequest(String::new()),
            Self::Unauthorized,
            Self::Forbidden,
            Self::TooManyAttempts,
            Self::SecondFactorLocked,
            Self::Unavailable(String::new()),
            Self::Internal(String::new()),
        ]
    }

    /// The i18n keys of the page title and message (error codes double as i18n keys).
    pub const fn keys(&self) -> (&'static str, &'static str) {
        match self {
            Self::NotFound => ("error-not-found-title", "error-not-found"),
            Self::BadRequest(_) => ("error-bad-request-title", "error-bad-request"),
            Self::Unauthorized => ("error-unauthorized-title", "error-unauthorized"),
            Self::Forbidden => ("error-forbidden-title", "error-forbidden"),
            Self::Conflict(_) => ("error-conflict-title", "error-conflict"),
            Self::TooManyAttempts => ("error-too-many-title", "error-too-many"),
            Self::SecondFactorLocked => ("error-too-many-title", "error-second-factor-locked"),
            Self::Unavailable(_) => ("error-unavailable-title", "error-unavailable"),
            Self::Internal(_) => ("error-internal-title", "error-internal"),
        }
    }
}

/// Carried in the response so the language-aware layer can render the page.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    /// Title key.
    pub title: &'static str,
    /// Message key.
    pub message: &'static str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match &self {
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            // Reasons may quote what a client sent: logged escaped (`?`), one quoted value.
            Self::BadRequest(reason) => tracing::info!(reason = ?reason, "bad request"),
            Self::Conflict(reason) => tracing::info!(reason = ?reason, "conflict"),
            Self::NotFound
            | Self::Unauthorized
            | Self::Forbidden
            | Self::TooManyAttempts
            | Self::SecondFactorLocked => {}
        }
        let (title, message) = self.keys();
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorPage { title, message });
        response
    }
}

/// The language used for error pages when nothing better is known.
pub const FALLBACK_LANGUAGE: Language = Language::German;

#[cfg(test)]
mod tests {
    use lotse_store::StoreError;

    use super::*;

    #[test]
    fn storage_failures_answer_by_their_kind() {
        let status = |e: StoreError| WebError::from(StoreFailure::from(e)).status();
        assert_eq!(status(StoreError::NotFound { kind: "case" }), StatusCode::NOT_FOUND);
        let stale = StoreError::Conflict {
            kind: "programme",
            current_version: 3,
        };
        assert_eq!(status(stale), StatusCode::CONFLICT);
        assert_eq!(
            status(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(StoreError::Corrupt("role".into())),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
