//! `TestApp`: the router over a fresh database, with a fixed clock.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use lotse_app::FixedClock;
use lotse_app::admin::NewUser;
use lotse_domain::user::Role;
use lotse_testkit::{TestDb, fixed_now};
use tower::ServiceExt;

pub const PASSWORD: &str = "a long enough password";
/// A well-formed pre-session CSRF cookie value the tests use.
pub const CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[derive(Clone)]
pub struct TestApp {
    pub router: Router,
    pub state: lotse_web::AppState,
    /// The store under the app, for fixtures and checks (the web layer itself cannot reach it).
    pub db: lotse_store::Db,
    pub clock: Arc<FixedClock>,
}

impl TestApp {
    /// A programme `p-one` with a coordinator `coord` (password [`PASSWORD`]).
    pub async fn new(db: &TestDb) -> Self {
        Self::with_config(db, lotse_web::WebConfig::default()).await
    }

    /// Like [`TestApp::new`], with the given web settings.
    pub async fn with_config(db: &TestDb, config: lotse_web::WebConfig) -> Self {
        db.programme("p-one").await;
        let clock = Arc::new(FixedClock::new(fixed_now()));
        lotse_app::admin::add_user(
            &db.db,
            clock.as_ref(),
            &NewUser {
                programme: "p-one",
                username: "coord",
                display_name: "Cora Coordinator",
                password: PASSWORD,
                role: Role::Coordinator,
                organisation: None,
            },
        )
        .await
        .unwrap();
        let state = lotse_web::AppState::new(lotse_app::App::new(db.db.clone()), clock.clone(), config).unwrap();
        Self {
            router: lotse_web::router(state.clone()),
            state,
            db: db.db.clone(),
            clock,
        }
    }

    /// The same app, sending e-mail to providers through `relays`.
    #[must_use]
    pub fn with_email(self, relays: lotse_app::email::Relays) -> Self {
        let app = lotse_app::App::new(self.db.clone()).with_email(relays);
        let state = lotse_web::AppState::new(app, self.clock.clone(), lotse_web::WebConfig::default()).unwrap();
        Self {
            router: lotse_web::router(state.clone()),
            state,
            ..self
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(request).await.unwrap()
    }

    /// Sends a request as if from `peer` (what `lotse serve` records for every connection;
    /// `oneshot` has no connection).
    pub async fn send_from(&self, peer: std::net::SocketAddr, mut request: Request<Body>) -> Response<Body> {
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.send(request).await
    }

    /// Posts a form (with its CSRF token) as if from `peer`, with extra headers.
    pub async fn post_form_from(
        &self,
        peer: std::net::SocketAddr,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Response<Body> {
        self.send_from(peer, self.form_request(path, body, headers)).await
    }

    /// Sends the same form `n` times at once (each request its own task); the statuses.
    pub async fn post_form_parallel(&self, n: usize, path: &str, body: &str) -> Vec<u16> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let app = self.clone();
                let (path, body) = (path.to_owned(), body.to_owned());
                tokio::spawn(async move { app.post_form(&path, &body, &[]).await.status().as_u16() })
            })
            .collect();
        let mut statuses = Vec::with_capacity(n);
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        statuses
    }

    /// Any method with a JSON body (none when empty), for the API.
    pub async fn request(
        &self,
        method: axum::http::Method,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Response<Body> {
        let mut builder = Request::builder().method(method).uri(path);
        if !body.is_empty() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        self.send(builder.body(Body::from(body.to_owned())).unwrap()).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response<Body> {
        let mut builder = Request::get(path);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    /// Posts a form as a browser would: with the pre-session CSRF cookie, and in the form the
    /// token the server derives for these cookies (bound to the session, if there is one).
    pub async fn post_form(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Response<Body> {
        self.send(self.form_request(path, body, headers)).await
    }

    /// The request [`TestApp::post_form`] sends.
    fn form_request(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let cookie = headers.iter().find(|(k, _)| *k == "cookie").map(|(_, v)| *v);
        let name = lotse_web::csrf::cookie_name(self.state.config.secure_cookies);
        let cookie = cookie.map_or_else(|| format!("{name}={CSRF}"), |c| format!("{c}; {name}={CSRF}"));
        let mut map = axum::http::HeaderMap::new();
        map.insert(header::COOKIE, cookie.parse().unwrap());
        let token = lotse_web::csrf::expected(&self.state, &map).unwrap();
        let body = if body.is_empty() {
            format!("csrf={token}")
        } else {
            format!("{body}&csrf={token}")
        };
        let mut builder = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie);
        for (k, v) in headers.iter().filter(|(k, _)| *k != "cookie") {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::from(body)).unwrap()
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Response<Body> {
        let mut builder = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        self.send(builder.body(Body::from(body.to_owned())).unwrap()).await
    }

    /// A live session for `user` in `programme`, made in the store (for users without a usable
    /// password, such as a test world's members); returns the `Cookie` header value.
    pub async fn session_for(
        &self,
        user: lotse_domain::id::UserId,
        programme: lotse_domain::id::ProgrammeId,
    ) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut tx = self.db.begin().await.unwrap();
        let record = lotse_store::session::SessionRecord {
            user,
            programme,
            expires_at: fixed_now() + lotse_app::auth::SESSION_LIFETIME,
        };
        lotse_store::session::insert(&mut tx, &lotse_app::auth::token_hash(&token), &record, fixed_now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        format!("lotse_session={token}")
    }

    /// Signs in and returns the `Cookie` header value.
    pub async fn sign_in(&self, username: &str) -> String {
        let response = self
            .post_form(
                "/login",
                &format!("username={username}&password={}", PASSWORD.replace(' ', "+")),
                &[],
            )
            .await;
        assert_eq!(response.status(), 303);
        let set_cookie = response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }
}

/// The body as text (a binary body, such as a PDF, with its invalid bytes replaced).
pub async fn text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22).await.unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}
