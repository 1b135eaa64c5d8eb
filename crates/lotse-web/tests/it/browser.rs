//! Browser tests: the real router on a 127.0.0.1 socket, Debian's headless chromium through
//! chromedriver (WebDriver, the `fantoccini` client), and axe-core on every page, on both
//! engines.
//!
//! Needs `apt-get install chromium chromium-driver` and `npm ci --prefix tools/browser`
//! (axe-core, pinned in `tools/browser/package-lock.json`). Without them the test prints
//! `skipped: browser test needs …` and passes, except under `CI=true`, where it fails.
//! Screenshots go to `<target>/tmp/browser/<run>-<engine>-<id>/NNN-<step>.png`; the test prints
//! the folder and every file.
//!
//! A journey test uses the harness like this:
//!
//! ```text
//! storage_test!(async fn a_gp_prescribes_and_the_link_worker_accepts(db) {
//!     let Some(mut h) = Harness::start(db, &[PRESCRIBER, LINK_WORKER], "journey").await else { return };
//!     let b = &mut h.browser;
//!     b.visit("/").await;
//!     b.choose_language("da").await;              // the switcher in the header (cookie)
//!     b.sign_in(PRESCRIBER.username, PRESCRIBER.password).await;   // the form on /login
//!     b.visit("/people").await;
//!     b.fill("#q", "…").await;                     // CSS selector, typed like a person
//!     b.click("form[action=\"/people/search\"] button[type=submit]").await;
//!     assert_eq!(b.path().await, "/people/search");
//!     b.check("gp-da-search-result").await;        // screenshot + axe (findings collected)
//!     b.sign_out().await;
//!     h.finish().await;                            // fails on any serious/critical finding
//! });
//! ```
//!
//! `h.server.world` has the ids of the data behind the pages; `b.client()` is the raw WebDriver
//! client for anything the helpers do not cover.

mod axe;
mod driver;
mod server;

use std::time::Instant;

use lotse_testkit::TestDb;
use lotse_testkit::storage_test;

pub use driver::Browser;
pub use server::{Account, LINK_WORKER, LiveServer, PRESCRIBER, PROGRAMME};

/// One browser at a time per test process: with two cores, two chromiums running axe at once
/// only make both slow (the engines' variants of a test otherwise run in parallel).
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server and a browser on it.
pub struct Harness {
    /// Declared first: ends before the server stops.
    pub browser: Browser,
    pub server: LiveServer,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Harness {
    /// The server over `db` with `accounts`, and a browser; `None` (after printing why) when
    /// chromium, chromedriver or axe-core are missing outside CI.
    pub async fn start(db: &TestDb, accounts: &[Account], run: &str) -> Option<Self> {
        let prerequisites = driver::prerequisites()?;
        let turn = ONE_BROWSER.lock().await;
        let server = LiveServer::start(db, accounts).await;
        let engine = format!("{:?}", db.engine()).to_lowercase();
        let browser = Browser::start(&prerequisites, &server.base, &format!("{run}-{engine}")).await;
        Some(Self {
            browser,
            server,
            _turn: turn,
        })
    }

    /// Ends the browser and the server; fails with every serious or critical axe finding.
    pub async fn finish(self) {
        let Self { browser, server, _turn } = self;
        browser.finish().await;
        drop(server);
    }
}

/// The UI languages.
const LANGUAGES: [&str; 3] = ["de", "da", "en"];

/// The pages anyone can open.
fn public_pages(world: &lotse_testkit::world::World) -> Vec<(&'static str, String)> {
    vec![
        ("start", "/".to_owned()),
        ("login", "/login".to_owned()),
        ("password-reset", "/password-reset".to_owned()),
        ("directory", "/directory".to_owned()),
        ("directory-search", format!("/directory/{PROGRAMME}")),
        (
            "directory-offer",
            format!("/directory/{PROGRAMME}/offers/{}", world.offer),
        ),
    ]
}

/// A page's short name for screenshots (`/cases/<id>/offers` → `cases-id-offers`).
fn page_name(path: &str) -> String {
    let name: Vec<&str> = path
        .split(['/', '?', '&'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            if uuid::Uuid::parse_str(part).is_ok() {
                "id"
            } else {
                part
            }
        })
        .collect();
    if name.is_empty() {
        "start".to_owned()
    } else {
        name.join("-")
    }
}

/// What kind of page a link leads to: its path with ids as `{id}`, and its query's names
/// (`/cases/{id}`, `/directory/p?page`); one page of each kind is checked.
fn page_kind(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: Vec<&str> = path
        .split('/')
        .map(|part| {
            if uuid::Uuid::parse_str(part).is_ok() {
                "{id}"
            } else {
                part
            }
        })
        .collect();
    let mut names: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .filter(|name| !name.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    format!("{}?{}", path.join("/"), names.join("&"))
}

/// The pages a signed-in role reaches: every page of the navigation, then (three times over) one
/// page of each kind linked from the main content of the pages found so far. Each is checked
/// (status 200, screenshot, axe) under `prefix`.
async fn check_reachable(browser: &mut Browser, nav: &[String], prefix: &str) -> Vec<String> {
    let mut seen: Vec<String> = nav.iter().map(|href| page_kind(href)).collect();
    let mut checked = Vec::new();
    let mut level: Vec<String> = nav.to_vec();
    for _ in 0..4 {
        let mut next = Vec::new();
        for path in &level {
            browser.visit(path).await;
            assert_eq!(&browser.path().await, path, "{prefix}: {path} was not redirected");
            browser.check(&format!("{prefix}-{}", page_name(path))).await;
            checked.push(path.clone());
            for href in browser.hrefs("main a[href^=\"/\"]").await {
                let kind = page_kind(&href);
                // Files (`sheet.pdf`, `….json`) are downloads, not pages: axe has nothing to do.
                let file = href
                    .split(['?', '#'])
                    .next()
                    .and_then(|p| p.rsplit('/').next())
                    .is_some_and(|last| last.contains('.'));
                if !href.starts_with("//") && !file && !seen.contains(&kind) {
                    seen.push(kind);
                    next.push(href.replace("&amp;", "&"));
                }
            }
        }
        level = next;
    }
    assert!(
        level.is_empty(),
        "{prefix}: pages left unchecked, four links deep: {level:?}"
    );
    checked
}

storage_test!(async fn every_page_of_link_workers_and_gps_passes_axe_in_every_language(db) {
    let started = Instant::now();
    let Some(mut harness) = Harness::start(db, &[LINK_WORKER, PRESCRIBER], "pages").await else { return };
    let world = harness.server.world.clone();
    let browser = &mut harness.browser;
    browser.visit("/").await;
    browser.axe_self_test().await;
    for lang in LANGUAGES {
        browser.visit("/").await;
        browser.choose_language(lang).await;
        for (name, path) in public_pages(&world) {
            browser.visit(&path).await;
            assert_eq!(browser.path().await, path);
            // A cached page must not answer in the previous language (`Vary` on cached pages).
            assert_eq!(browser.page_language().await, lang, "{path}");
            browser.check(&format!("{lang}-public-{name}")).await;
        }
        for account in [LINK_WORKER, PRESCRIBER] {
            let who = account.role.code();
            browser.sign_in(account.username, account.password).await;
            let badge = browser.text("header.top .who").await;
            assert!(badge.starts_with(account.display_name), "{who} is greeted: {badge}");
            let nav = browser.hrefs("header.top nav:not(.languages) a").await;
            assert!(nav.len() > 2, "{who} sees a navigation: {nav:?}");
            let checked = check_reachable(browser, &nav, &format!("{lang}-{who}")).await;
            if lang == "en" {
                println!("browser: {who} reaches {} pages: {checked:?}", checked.len());
            }
            // The worklist's search by prescription code (link workers): a form filled and sent.
            browser.visit("/cases").await;
            if !browser.find_all("form[action=\"/cases/search\"]").await.is_empty() {
                browser.fill("#q", &world.code).await;
                browser.click("form[action=\"/cases/search\"] button[type=submit]").await;
                browser.wait_for_path(&format!("/cases/{}", world.case)).await;
                browser.check(&format!("{lang}-{who}-cases-search")).await;
            }
            assert_eq!(browser.page_language().await, lang);
            browser.sign_out().await;
        }
    }
    harness.finish().await;
    println!("browser test on {:?}: {:.1} s", db.engine(), started.elapsed().as_secs_f64());
});
