//! The real router served on a 127.0.0.1 socket inside the test process, over the testkit's
//! world (practices, facilities, providers with offers, two people with cases), with one
//! account per role the browser tests sign in as.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use lotse_app::FixedClock;
use lotse_app::admin::NewUser;
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now};

/// An account the browser signs in with.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    pub username: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The organisation (by name, in the world) it acts for.
    pub organisation: Option<&'static str>,
}

const PASSWORD: &str = "a long enough browser password";

/// A link worker at the world's first facility (which holds the first person's case).
pub const LINK_WORKER: Account = Account {
    username: "lotsin",
    password: PASSWORD,
    display_name: "Lena Lotsin",
    role: Role::LinkWorker,
    organisation: Some("zentrum plus Eins"),
};

/// A GP at the world's first practice (which prescribed for both people).
pub const PRESCRIBER: Account = Account {
    username: "hausarzt",
    password: PASSWORD,
    display_name: "Dr. Hanna Hausarzt",
    role: Role::Prescriber,
    organisation: Some("Praxis Dr. Eins"),
};

/// A provider with an account: the world's first provider, to which the world's onward
/// referral was sent (shared, and acknowledged).
pub const PROVIDER: Account = Account {
    username: "anbieter",
    password: PASSWORD,
    display_name: "Sven Sportverein",
    role: Role::OfferProvider,
    organisation: Some("Sportverein Eins"),
};

/// The programme's coordinator (no organisation).
pub const COORDINATOR: Account = Account {
    username: "koordination",
    password: PASSWORD,
    display_name: "Kora Koordination",
    role: Role::Coordinator,
    organisation: None,
};

/// The programme the server's world lives in.
pub const PROGRAMME: &str = "p-browser";

/// The server: the router on a socket, stopped on drop.
pub struct LiveServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The data behind it.
    pub world: World,
    /// The app's clock (fixed at [`fixed_now`]; a journey may advance it).
    #[allow(dead_code, reason = "for journeys that let time pass; the page sweep does not")]
    pub clock: Arc<FixedClock>,
    task: tokio::task::JoinHandle<()>,
}

impl LiveServer {
    /// Builds the world in `db`, adds `accounts` (with passwords) and serves the router.
    pub async fn start(db: &TestDb, accounts: &[Account]) -> Self {
        let world = World::build(db, PROGRAMME).await;
        let clock = Arc::new(FixedClock::new(fixed_now()));
        for account in accounts {
            lotse_app::admin::add_user(
                &db.db,
                clock.as_ref(),
                &NewUser {
                    programme: PROGRAMME,
                    username: account.username,
                    display_name: account.display_name,
                    password: account.password,
                    role: account.role,
                    organisation: account.organisation,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("cannot add {}: {e}", account.username));
        }
        // A relay, so that the pages with e-mail (the account's notice, an onward referral's
        // e-mails) are swept too; no e-mail job runs here, so nothing is ever sent to it.
        let relay = lotse_app::email::Relay::new("smtp://127.0.0.1:9", "Lotse <lotse@example.org>").expect("relay");
        let relays = lotse_app::email::Relays::resolve(&db.db, "http://127.0.0.1", vec![(PROGRAMME.to_owned(), relay)])
            .await
            .expect("relays");
        let state = lotse_web::AppState::new(
            lotse_app::App::new(db.db.clone()).with_email(relays),
            clock.clone(),
            lotse_web::WebConfig::default(),
        )
        .expect("app state");
        let router = lotse_web::router(state);
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the server");
        let address = listener.local_addr().expect("server address");
        // As `lotse serve` does, every request knows its peer.
        let task = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .await
                .ok();
        });
        Self {
            base: format!("http://{address}"),
            world,
            clock,
            task,
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
