//! Lotse's HTTP layer. **Architecture invariant:** only this crate knows HTTP; handlers are
//! thin: extract, call one `lotse-app` use case, render.

/// Account pages: second factor, user list with reset codes, password reset.
pub mod account;
/// `/api/v1` for API clients: JSON, problem+json errors, the generated OpenAPI document.
pub mod api;
/// The link worker's shortlist and conversation notes on a case.
pub mod case_work;
/// The care roles' pages: worklist, case, consent withdrawal.
pub mod cases;
/// The client's address (the peer, or `X-Forwarded-For` from a trusted proxy).
pub mod client;
/// The session and language cookies, and the signed-in user a request's session names.
pub mod cookie;
/// CSRF tokens for the HTML forms.
pub mod csrf;
/// The coordinator's pages: finding a person, data-subject requests, audit views.
pub mod data_subject;
/// The directory pages: members' search, search from a case, the public directory.
pub mod directory;
/// The error type every handler returns, and its localized HTML page.
pub mod error;
/// The coordinator's link facilities: the list, adding one, each one's form.
pub mod facilities;
/// `/healthz`, `/readyz` and `/metrics`.
pub mod health;
/// `/hsds`: the directory as an Open Referral HSDS 3.0 / ORUK read API.
pub mod hsds;
/// The `/hsds` part of the OpenAPI document, made from the official HSDS schemas.
pub mod hsds_openapi;
/// The HTML pages: start, sign-in, programme overview, language choice, the error page.
pub mod html;
/// Fluent translations and language negotiation.
pub mod i18n;
/// The user's inbox of what is new for them.
pub mod inbox;
/// Intake at the link facility: registering a person who comes without a prescription.
pub mod intake;
/// A per-link limit on capability links.
pub mod link_limit;
/// Prometheus metrics for requests and the database pool.
pub mod metrics;
/// Request ids, access logs, security headers, request metrics.
pub mod middleware;
/// Keeping the directory current: the offer edit form, curation, review list, duplicates.
pub mod offer_edit;
/// Onward referrals: sending one with the person's sharing consent, recording a provider's
/// answer, and the provider's signed link.
pub mod onward;
/// What every page shares: the layout's `Page`, label keys, rendering and redirects.
pub mod page;
/// The prescriber's pages: the practice's board, the prescription form, the sheet as PDF.
pub mod prescriptions;
/// Questionnaires: with the person on the case page, and the self-completion link.
pub mod questionnaires;
/// Re-referral: a link worker takes the person of a closed case on again.
pub mod re_referral;
/// The route table: every route with who may call it, and the router built from it.
pub mod routes;
/// The person's search profile: the form, and its summary on the case's offer search.
pub mod search_profile;
/// The coordinator's settings page: holiday calendar, deadlines, contact attempts.
pub mod settings;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use lotse_app::{App, Clock};

/// Settings the web layer needs.
#[derive(Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The longest a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Limits on password guessing.
    pub throttle: lotse_app::auth::Throttle,
    /// A bearer token that lets `/metrics` be read from other addresses than loopback.
    pub metrics_token: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (none by default: the client is the
    /// connection's peer).
    pub trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("secure_cookies", &self.secure_cookies)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("throttle", &self.throttle)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 64 * 1024,
            throttle: lotse_app::auth::Throttle::default(),
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What handlers share: no global state, everything is here.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The application (its database inside, out of this crate's reach): every handler passes
    /// it to one use case.
    pub app: App,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Translations.
    pub i18n: Arc<i18n::I18n>,
    /// Metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Settings.
    pub config: WebConfig,
    /// The key CSRF tokens are derived with.
    pub csrf_key: Arc<csrf::CsrfKey>,
    /// The start page's public counts, cached.
    pub public_counts: lotse_app::overview::PublicCounts,
    /// The programmes' directory indexes, kept between requests.
    pub directories: lotse_app::directory::Directories,
    /// How often each capability link was opened lately.
    pub link_limiter: Arc<link_limit::LinkLimiter>,
}

impl AppState {
    /// Builds the state; fails only if a translation file is broken.
    pub fn new(app: App, clock: Arc<dyn Clock>, config: WebConfig) -> Result<Self, i18n::I18nError> {
        let csrf_key = Arc::new(csrf::CsrfKey::for_app(&app));
        Ok(Self {
            app,
            clock,
            i18n: Arc::new(i18n::I18n::load()?),
            metrics: Arc::new(metrics::Metrics::new()),
            config,
            csrf_key,
            public_counts: lotse_app::overview::PublicCounts::default(),
            directories: lotse_app::directory::Directories::default(),
            link_limiter: Arc::new(link_limit::LinkLimiter::default()),
        })
    }
}

/// The whole application, ready to serve or to test with `oneshot`: the route table's pages
/// (with the CSRF cookie layer and the not-found page), API routes and probes, in every layer.
pub fn router(state: AppState) -> Router {
    use routes::Surface;
    let pages = routes::build(&state, Surface::Page)
        .fallback(html::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::ensure_token));
    let api = routes::build(&state, Surface::Api);
    let probes = routes::build(&state, Surface::Probe);
    let feed = routes::build(&state, Surface::Feed);
    middleware::wrap(pages.merge(api).merge(probes).merge(feed), state.clone()).with_state(state)
}
