//! The capability guard, on a router built here around `routes::guarded` (the production
//! capability routes, `/q/{token}`, have their own tests in `case_work` and `access_matrix`):
//! only a live link of the route's purpose reaches the handler, as the capability's
//! principal; every other link is 404; a use is once only, also in parallel.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, http};
use lotse_app::principal::Principal;
use lotse_domain::capability::{CapabilityPurpose, CapabilityToken};
use lotse_domain::id::CapabilityId;
use lotse_testkit::{TestDb, storage_test};
use lotse_web::AppState;
use lotse_web::routes::{Access, guarded};
use time::Duration;
use tower::ServiceExt;
use uuid::Uuid;

use crate::app::{TestApp, text};

const PURPOSE: CapabilityPurpose = CapabilityPurpose::OnwardReferralAnswer;

/// GET: who the handler acts as.
async fn whoami(Extension(principal): Extension<Principal>) -> String {
    principal.scope().actor().reference()
}

/// POST: uses the capability once (the use case's transaction), else 404.
async fn answer(
    State(state): State<AppState>,
    Extension(db): Extension<lotse_store::Db>,
    Extension(principal): Extension<Principal>,
) -> Response {
    let Principal::Capability { capability, .. } = principal else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut tx = db.begin().await.unwrap();
    let used = lotse_app::capability::redeem(&mut tx, state.clock.now(), &capability)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if used {
        "answered".into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

fn router(app: &TestApp) -> Router {
    Router::new()
        .route(
            "/c/{token}",
            guarded(Access::Capability(PURPOSE), get(whoami).post(answer), &app.state),
        )
        .layer(Extension(app.db.clone()))
        .with_state(app.state.clone())
}

async fn call(router: &Router, method: http::Method, token: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(format!("/c/{token}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    (response.status(), text(response).await)
}

async fn issue(db: &TestDb, app: &TestApp, scope: &lotse_domain::actor::ProgrammeScope) -> (CapabilityId, String) {
    let issued = lotse_app::capability::issue(
        &db.db,
        app.clock.as_ref(),
        scope,
        PURPOSE,
        Uuid::new_v4(),
        Duration::hours(1),
    )
    .await
    .unwrap();
    (issued.id, issued.token.text())
}

storage_test!(async fn only_a_live_link_reaches_the_handler_as_the_capability(db) {
    let app = TestApp::new(db).await;
    let (_, scope) = db.programme("links").await;
    let router = router(&app);
    let (id, token) = issue(db, &app, &scope).await;

    assert_eq!(call(&router, http::Method::GET, &token).await, (StatusCode::OK, format!("capability:{id}")));
    let wrong = CapabilityToken::new(id, [0; 32]).text();
    let unknown = CapabilityToken::new(CapabilityId::from_uuid(Uuid::new_v4()), [0; 32]).text();
    for bad in [wrong.as_str(), unknown.as_str(), "0", &token.to_uppercase(), &token[..95]] {
        let (status, body) = call(&router, http::Method::GET, bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(!body.contains("capability:"), "{bad}");
    }

    // One use; after it the link is dead for every method.
    assert_eq!(call(&router, http::Method::POST, &token).await, (StatusCode::OK, "answered".to_owned()));
    assert_eq!(call(&router, http::Method::POST, &token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&router, http::Method::GET, &token).await.0, StatusCode::NOT_FOUND);

    // Revoked and expired links are refused alike.
    let (revoked, revoked_token) = issue(db, &app, &scope).await;
    assert!(lotse_app::capability::revoke(&db.db, app.clock.as_ref(), &scope, revoked).await.unwrap());
    assert_eq!(call(&router, http::Method::GET, &revoked_token).await.0, StatusCode::NOT_FOUND);
    let (_, expiring) = issue(db, &app, &scope).await;
    assert_eq!(call(&router, http::Method::GET, &expiring).await.0, StatusCode::OK);
    app.clock.advance(Duration::hours(1));
    assert_eq!(call(&router, http::Method::GET, &expiring).await.0, StatusCode::NOT_FOUND);

    // The refusals are audited as the capabilities themselves, with ids only.
    let denials: Vec<(String, String, Uuid)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select actor, object_kind, object_id from audit_entry where action = 'access_denied' order by seq"
    ).fetch_all(p).await).unwrap();
    assert!(!denials.is_empty());
    for (actor, kind, object) in &denials {
        assert_eq!(kind, "capability");
        assert_eq!(actor, &format!("capability:{object}"));
    }
});

storage_test!(async fn of_two_parallel_uses_through_the_guard_one_succeeds(db) {
    let app = TestApp::new(db).await;
    let (_, scope) = db.programme("links").await;
    let router = router(&app);
    for _ in 0..3 {
        let (_, token) = issue(db, &app, &scope).await;
        let (a, b) = tokio::join!(
            call(&router, http::Method::POST, &token),
            call(&router, http::Method::POST, &token)
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::NOT_FOUND]);
    }
});
