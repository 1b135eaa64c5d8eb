//! The layers around every route: request ids, access logs (no personal data: route
//! templates, not raw paths), metrics, security headers, body limit, timeout, error pages.

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::error::ErrorPage;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Whether a client's request id may be kept: 1 to 64 of `A-Z a-z 0-9 . _ -`, so it can go
/// into a log field as it is (no spaces, `=`, quotes or control characters to forge fields).
fn safe_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The method as a bounded label for logs and metrics: the standard methods by name, any other
/// (a client can send any token) as `other`.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Keeps a safe client request id, else makes one; the response echoes the id used.
async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| safe_request_id(v.as_bytes()))
        .cloned()
        .or_else(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok());
    request.headers_mut().remove(&REQUEST_ID);
    if let Some(id) = &id {
        request.headers_mut().insert(REQUEST_ID, id.clone());
    }
    let mut response = next.run(request).await;
    if let Some(id) = id {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
}

/// Wraps a router in every layer. Order (outermost first): request id (a client's id only if
/// it is a short token of safe characters), trace span, metrics,
/// security headers and error pages, timeout, body limit.
pub fn wrap(router: Router<AppState>, state: AppState) -> Router<AppState> {
    let timeout = state.config.request_timeout;
    let limit = state.config.max_body_bytes;
    router
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(from_fn_with_state(state.clone(), pages_and_headers))
        .layer(from_fn_with_state(state, record_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let id = request
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!("http", request.id = %id, http.method = %method_label(request.method()), http.route = %route)
                })
                .on_response(
                    |response: &Response, latency: std::time::Duration, _span: &tracing::Span| {
                        tracing::info!(
                            http.status = response.status().as_u16(),
                            duration_ms = latency.as_millis() as u64,
                            "answered"
                        );
                    },
                ),
        )
        .layer(from_fn(request_id))
}

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Adds security headers, and turns error statuses into localized error pages.
async fn pages_and_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let feed = request.uri().path().starts_with("/hsds");
    let api_path = (request.uri().path().starts_with("/api/") || feed).then(|| request.uri().path().to_owned());
    let mut response = next.run(request).await;
    if let Some(path) = api_path {
        response = crate::api::ensure_problem(&state, &headers, &path, response);
    }
    let status = response.status();
    let keys = response
        .extensions()
        .get::<ErrorPage>()
        .map(|p| (p.title, p.message))
        .or(match status {
            StatusCode::PAYLOAD_TOO_LARGE => Some(("error-payload-too-large-title", "error-payload-too-large")),
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
                Some(("error-unavailable-title", "error-unavailable"))
            }
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Some(("error-bad-request-title", "error-bad-request"))
            }
            _ => None,
        });
    let is_html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(crate::api::PROBLEM_JSON));
    if let (Some((title, message)), false, false) = (keys, is_html, is_problem)
        && let Some(body) = crate::html::error_page(&state, &headers, title, message)
    {
        let mut page = Html(body).into_response();
        *page.status_mut() = status;
        response = page;
    }
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cross-origin-opener-policy", "same-origin");
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    if feed {
        // The HSDS feed is open data for any site's scripts (ORUK asks for this).
        set(h, "access-control-allow-origin", "*");
    }
    if state.config.secure_cookies {
        set(h, "strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    response
}
