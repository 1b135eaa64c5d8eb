use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// `GET /healthz`: the process is up (no database call).
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(()) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Headers a reverse proxy adds: a request that carries one came from elsewhere, even if the
/// proxy connects from loopback.
const FORWARDED: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// Whether the bearer token in `Authorization` is the configured metrics token (constant time).
fn has_token(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected.filter(|t| !t.is_empty()) else {
        return false;
    };
    let Some(given) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who may read `/metrics`: a direct client on loopback (no proxy headers), or anyone with the
/// metrics token. Without a known peer address (no `ConnectInfo`), only the token.
fn may_read_metrics(state: &AppState, request: &Request) -> bool {
    if has_token(state.config.metrics_token.as_deref(), request.headers()) {
        return true;
    }
    let local = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| peer.ip().to_canonical().is_loopback());
    local && !FORWARDED.iter().any(|h| request.headers().contains_key(*h))
}

/// The guard of `Access::Metrics`: loopback or the metrics token; others get 404 (the counts of
/// exports, erasures and failed sign-ins are not for everyone).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !may_read_metrics(&state, &request) {
        return crate::error::WebError::NotFound.into_response();
    }
    next.run(request).await
}

/// `GET /metrics`: Prometheus text format (behind [`guard`]).
pub async fn metrics(State(state): State<AppState>) -> Response {
    let (open, idle) = state.app.pool_stats();
    let body = state.metrics.render(open, idle);
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
