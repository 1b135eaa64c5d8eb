//! What every page shares: the layout's `Page`, label keys, rendering and redirects.

use std::sync::Arc;

use askama::Template;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use fluent_bundle::FluentValue;
use lotse_app::auth::SessionUser;
use lotse_domain::policy::{Action, role_may};
use lotse_domain::programme::Language;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::cookie::request_language;
use crate::csrf::CsrfToken;
use crate::error::WebError;
use crate::i18n::I18n;

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

/// A score kept in hundredths of a point, as shown: `32`, `7,50`, `-3`, `-0,50`.
pub(crate) fn points(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let magnitude = hundredths.unsigned_abs();
    let (whole, cents) = (magnitude / 100, magnitude % 100);
    if cents == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole},{cents:02}")
    }
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
const NAV: [(&str, &str, Action); 10] = [
    ("/programme", "nav-programme", Action::ViewProgramme),
    ("/prescriptions", "nav-prescriptions", Action::Prescribe),
    ("/cases", "nav-cases", Action::ViewWorklist),
    ("/inbox", "nav-inbox", Action::ViewProgramme),
    ("/offers", "nav-offers", Action::ViewProgramme),
    ("/offers/review", "nav-review", Action::CurateDirectory),
    ("/people", "nav-people", Action::SearchPeople),
    ("/users", "nav-users", Action::ManageUsers),
    ("/programme/settings", "nav-settings", Action::ManageProgramme),
    ("/account", "nav-account", Action::ManageOwnAccount),
];

/// Only plain local paths may be used as a way back (no open redirects, nothing to escape).
pub(crate) fn safe_path(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
    if ok { path.to_owned() } else { "/".to_owned() }
}

impl Page {
    /// Words in one language without a page around them (for API answers that explain).
    pub fn for_language(state: &AppState, lang: Language) -> Self {
        Self {
            lang,
            i18n: state.i18n.clone(),
            user: None,
            path: String::new(),
            csrf: String::new(),
            nav: Vec::new(),
        }
    }

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

    /// Translates a key with named arguments.
    pub fn text_with(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.i18n.text_with(self.lang, key, args)
    }

    /// The page language's tag.
    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// A consent's text (`transfer`, `care`, `research`) in the page's language: the prescription
    /// sheet's own words (`lotse_pdf::sheet::consent_text`), so what is read out at the desk is
    /// what the person takes home. Empty for another name.
    pub fn consent_text(&self, consent: &str) -> String {
        use lotse_pdf::sheet::{SheetConsent, SheetLanguage, consent_text};
        let consent = match consent {
            "transfer" => SheetConsent::Transfer,
            "care" => SheetConsent::Care,
            "research" => SheetConsent::Research,
            _ => return String::new(),
        };
        let language = SheetLanguage::from_tag(self.lang_tag()).unwrap_or(SheetLanguage::De);
        consent_text(language, consent).unwrap_or_default()
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

pub(crate) fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Marks a response with personal or one-time data as not to be stored by any cache.
pub(crate) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An id from a path: anything that is not a UUID in its canonical spelling (lower case,
/// hyphenated) is simply not found.
pub(crate) fn parse_id(raw: &str) -> Result<Uuid, WebError> {
    lotse_domain::id::parse_canonical(raw).ok_or(WebError::NotFound)
}

/// A stored (compact) prescription code in its printed form, `XXXX-XXXX-C`.
pub(crate) fn printed_code(compact: &str) -> String {
    lotse_domain::prescription::PrescriptionCode::parse(compact).map_or_else(|_| compact.to_owned(), |c| c.to_string())
}

/// A timestamp to the second, UTC.
pub(crate) fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}:{:02}", date(at), at.hour(), at.minute(), at.second())
}

pub(crate) fn date(at: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day())
}

/// A search form: a prescription code.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) csrf: String,
}

/// The posted form as pairs (repeated names kept in order).
pub(crate) fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, WebError> {
    serde_urlencoded::from_bytes(body).map_err(|_| WebError::BadRequest("the form is not url-encoded".into()))
}

/// The first value of a field (empty when missing).
pub(crate) fn form_one(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Every value of a repeated field, in order.
pub(crate) fn form_all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
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
}
