use axum::http::header;
use lotse_testkit::storage_test;

use crate::app::{TestApp, text};

storage_test!(async fn the_start_page_lists_programmes_in_the_chosen_language(db) {
    let app = TestApp::new(db).await;
    let response = app.get("/", &[("accept-language", "da-DK,da;q=0.9")]).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/html"));
    let body = text(response).await;
    assert!(body.contains("<html lang=\"da\""), "{body}");
    assert!(body.contains("Programmer på denne installation"));
    assert!(body.contains("Test programme p-one"));
    // The cookie choice beats Accept-Language.
    let body = text(app.get("/", &[("accept-language", "da"), ("cookie", "lotse_lang=en")]).await).await;
    assert!(body.contains("Programmes on this installation"));
    let body = text(app.get("/", &[]).await).await;
    assert!(body.contains("Programme in dieser Installation"), "German is the default");
});

storage_test!(async fn choosing_a_language_sets_a_cookie_and_goes_back_only_locally(db) {
    let app = TestApp::new(db).await;
    let response = app.get("/lang/da?back=/login", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/login");
    assert!(response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().starts_with("lotse_lang=da"));
    let response = app.get("/lang/da?back=//evil.example", &[]).await;
    assert_eq!(response.headers().get(header::LOCATION).unwrap(), "/");
    let response = app.get("/lang/xx", &[("accept-language", "en")]).await;
    assert_eq!(response.status(), 400);
    assert!(text(response).await.contains("Request not understood"));
});

storage_test!(async fn unknown_pages_get_a_localized_404(db) {
    let app = TestApp::new(db).await;
    let response = app.get("/no/such/page", &[("accept-language", "de")]).await;
    assert_eq!(response.status(), 404);
    assert!(text(response).await.contains("Seite nicht gefunden"));
});

storage_test!(async fn every_response_carries_security_headers(db) {
    let app = TestApp::new(db).await;
    for path in ["/", "/login", "/nope", "/healthz"] {
        let response = app.get(path, &[]).await;
        let h = response.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert!(h.get("x-request-id").is_some(), "{path}");
    }
});

storage_test!(async fn probes_and_metrics_answer(db) {
    let app = TestApp::new(db).await;
    assert_eq!(text(app.get("/healthz", &[]).await).await, "ok\n");
    let ready = app.get("/readyz", &[]).await;
    assert_eq!(ready.status(), 200);
    app.get("/login", &[]).await;
    // As from loopback (what `into_make_service_with_connect_info` gives the handler).
    let mut request = axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 9))));
    let metrics = text(app.send(request).await).await;
    assert!(metrics.contains("lotse_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("lotse_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("lotse_db_pool_connections{state=\"open\"}"));
});

storage_test!(async fn readiness_fails_when_the_database_is_gone(db) {
    let app = TestApp::new(db).await;
    db.skip_audit_check();
    app.db.close().await;
    let response = app.get("/readyz", &[]).await;
    assert_eq!(response.status(), 503);
    assert_eq!(app.get("/healthz", &[]).await.status(), 200, "the process is still up");
});
