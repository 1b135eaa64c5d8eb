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
pub use server::{Account, COORDINATOR, LINK_WORKER, LiveServer, PRESCRIBER, PROGRAMME, PROVIDER};

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
                // A fragment is a place on the page, not another page.
                let href = href.split('#').next().unwrap_or_default().to_owned();
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

storage_test!(async fn every_page_of_link_workers_gps_and_providers_passes_axe_in_every_language(db) {
    let started = Instant::now();
    let Some(mut harness) = Harness::start(db, &[LINK_WORKER, PRESCRIBER, PROVIDER], "pages").await else { return };
    let world = harness.server.world.clone();
    // The pages a link opens without an account: a provider's signed link to the world's
    // onward referral, and a self-completion link of the person's questionnaire.
    let mut links = Vec::new();
    for (name, purpose, prefix) in [
        ("provider-link", lotse_domain::capability::CapabilityPurpose::OnwardReferralAnswer, "/r/"),
        ("questionnaire-link", lotse_domain::capability::CapabilityPurpose::QuestionnaireAnswer, "/q/"),
    ] {
        let object = crate::access_matrix::capability_object(db, &world, purpose).await;
        let clock = harness.server.clock.clone();
        let issued = lotse_app::capability::issue(&db.db, clock.as_ref(), &world.scope, purpose, object, time::Duration::days(1))
            .await
            .unwrap();
        links.push((name, format!("{prefix}{}", issued.token.text())));
    }
    let browser = &mut harness.browser;
    browser.visit("/").await;
    browser.axe_self_test().await;
    for lang in LANGUAGES {
        browser.visit("/").await;
        browser.choose_language(lang).await;
        for (name, path) in public_pages(&world).into_iter().chain(links.iter().map(|(n, p)| (*n, p.clone()))) {
            browser.visit(&path).await;
            assert_eq!(browser.path().await, path);
            // A cached page must not answer in the previous language (`Vary` on cached pages).
            assert_eq!(browser.page_language().await, lang, "{path}");
            browser.check(&format!("{lang}-public-{name}")).await;
        }
        for account in [LINK_WORKER, PRESCRIBER, PROVIDER] {
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

storage_test!(async fn every_page_of_the_coordinator_passes_axe_in_every_language(db) {
    let Some(mut harness) = Harness::start(db, &[COORDINATOR], "settings").await else { return };
    let world = harness.server.world.clone();
    let browser = &mut harness.browser;
    for lang in LANGUAGES {
        browser.visit("/").await;
        browser.choose_language(lang).await;
        browser.sign_in(COORDINATOR.username, COORDINATOR.password).await;
        let nav = browser.hrefs("header.top nav:not(.languages) a").await;
        assert!(nav.iter().any(|href| href == "/programme/settings"), "{nav:?}");
        // Every page of the navigation and what it links to: the people search, the users and
        // one user's audit, the offers' review and duplicates, the settings, the link
        // facilities and one facility's form.
        let prefix = format!("{lang}-coordinator");
        let checked = check_reachable(browser, &nav, &prefix).await;
        for page in ["/people", "/users", "/offers/review", "/offers/duplicates", "/programme/facilities"] {
            assert!(checked.iter().any(|p| p == page), "{page} not reached: {checked:?}");
        }
        assert!(
            checked.iter().any(|p| p.starts_with("/programme/facilities/"))
                && checked.iter().any(|p| p.starts_with("/users/") && p.ends_with("/audit")),
            "{checked:?}"
        );
        if lang == "en" {
            println!("browser: coordinator reaches {} pages: {checked:?}", checked.len());
        }
        // The pages behind forms: a person found by their prescription code, and the printable
        // answer to their access request.
        browser.visit("/people").await;
        browser.fill("#q", &world.code).await;
        browser.submit("form[action=\"/people/search\"] button[type=submit]").await;
        browser.wait_for_path(&format!("/people/{}", world.person)).await;
        browser.check(&format!("{prefix}-person")).await;
        browser.fill("form[action$=\"/export\"] input[name=reference]", "DSR-2026-7").await;
        browser.submit("form[action$=\"/export\"] button:not([formaction])").await;
        assert_eq!(browser.path().await, format!("/people/{}/export", world.person));
        assert!(main_text(browser).await.contains(lotse_testkit::world::PERSON_FAMILY), "the export shows the person");
        browser.check(&format!("{prefix}-person-export")).await;
        // Saved: the notice after a change (the first contact within four working days).
        browser.visit("/programme/settings").await;
        browser.fill("#first_contact_working_days", "4").await;
        browser.submit("form[action=\"/programme/settings\"] button[type=submit]").await;
        assert_eq!(landed(browser, "/programme/settings").await, "/programme/settings?saved");
        browser.check(&format!("{lang}-coordinator-settings-saved")).await;
        browser.sign_out().await;
    }
    harness.finish().await;
});

/// Waits until the browser is at a path starting with `prefix` and returns it.
async fn landed(browser: &Browser, prefix: &str) -> String {
    browser
        .wait_until(&format!("a page under {prefix}"), || async {
            browser.path().await.starts_with(prefix) && browser.ready().await
        })
        .await;
    browser.path().await
}

/// The visible text of the page's main content.
async fn main_text(browser: &Browser) -> String {
    browser.main_text().await
}

storage_test!(async fn the_journey_from_the_gps_desk_to_the_message_back(db) {
    let started = Instant::now();
    let Some(mut harness) = Harness::start(db, &[PRESCRIBER, LINK_WORKER], "journey").await else { return };
    let world = harness.server.world.clone();
    let b = &mut harness.browser;
    b.visit("/").await;
    b.choose_language("de").await;

    // 1. The GP registers the person, records consent, prescribes and downloads the sheet.
    b.sign_in(PRESCRIBER.username, PRESCRIBER.password).await;
    b.visit("/prescriptions/new").await;
    b.fill("#given_name", "Gerda").await;
    b.fill("#family_name", "Reisewitz").await;
    b.fill("#birth_date", "14.03.1950").await;
    b.fill("#phone", "0211 123456").await;
    b.click("input[name=need][value=loneliness]").await;
    b.fill("#reason", "Seit dem Tod ihres Mannes viel allein.").await;
    b.select("#link_facility", &world.orgs.facility.to_string()).await;
    b.click("input[name=consent_transfer]").await;
    b.click("input[name=consent_care]").await;
    b.check("gp-prescription-form").await;
    b.submit("form[action=\"/prescriptions\"] button[type=submit]").await;
    let prescription = landed(b, "/prescriptions/").await;
    let code = b.text("dl.facts code").await;
    b.check("gp-prescription").await;
    let (status, kind, bytes) = b.fetch(&format!("{prescription}/sheet.pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "the sheet downloads");
    assert!(bytes > 10_000, "a sheet with embedded fonts: {bytes} bytes");
    b.sign_out().await;

    // 2. The link worker finds the referral by its code, accepts it, misses the person once,
    //    then reaches them.
    b.sign_in(LINK_WORKER.username, LINK_WORKER.password).await;
    b.visit("/cases").await;
    b.fill("#q", &code).await;
    b.submit("form[action=\"/cases/search\"] button[type=submit]").await;
    let case = landed(b, "/cases/").await;
    assert!(main_text(b).await.contains("Gerda Reisewitz"));
    b.submit("form[action$=\"/accept\"] button").await;
    b.submit("button[name=outcome][value=not_reached]").await;
    assert!(main_text(b).await.contains("1 von 3 Kontaktversuchen ohne Erfolg"));
    b.check("link-worker-first-attempt").await;
    b.submit("button[name=outcome][value=reached]").await;
    b.check("link-worker-contacted").await;

    // 3. A self-completion link for the baseline WHO-5; the person answers on "their phone".
    b.visit(&format!("{case}/questionnaires/new?instrument=who5&timepoint=baseline")).await;
    b.check("link-worker-who5-with-person").await;
    b.visit(&case).await;
    b.select("#q-link-instrument", "who5").await;
    b.select("#q-link-timepoint", "baseline").await;
    b.submit("form[action$=\"/questionnaires/links\"] button").await;
    let url = b.text("code.link").await;
    let link = url.get(url.find("/q/").expect("a /q/ link")..).unwrap_or_default().to_owned();
    b.check("link-worker-self-completion-link").await;
    b.sign_out().await;
    b.visit(&link).await;
    assert!(!main_text(b).await.contains("Gerda"), "the person's page names nobody");
    for (item, answer) in [(1, 4), (2, 3), (3, 3), (4, 2), (5, 4)] {
        b.click(&format!("input[name=item-{item}][value=\"{answer}\"]")).await;
    }
    b.check("person-who5").await;
    b.submit("form.questionnaire button[type=submit]").await;
    assert!(main_text(b).await.contains("Vielen Dank"));
    b.check("person-who5-sent").await;

    // 4. The link worker builds a shortlist; the person accepts two offers; they agree a plan.
    b.sign_in(LINK_WORKER.username, LINK_WORKER.password).await;
    b.visit(&case).await;
    assert!(main_text(b).await.contains("die Person selbst"), "who answered the WHO-5");
    for n in 0..2 {
        b.visit(&format!("{case}/offers")).await;
        if n == 0 {
            b.check("link-worker-offers").await;
        }
        let buttons = b.find_all("form[action$=\"/shortlist\"] button").await;
        assert!(buttons.len() >= 2, "two offers to put on the shortlist");
        b.submit(&format!("ol.results > li:nth-of-type({}) form[action$=\"/shortlist\"] button", n + 1)).await;
    }
    for _ in 0..2 {
        b.submit("button[name=answer][value=accept]").await;
    }
    assert_eq!(main_text(b).await.matches("Von der Person angenommen").count(), 2);
    b.fill("#plan-goals", "Wieder unter Leute kommen\nEinmal pro Woche etwas mit anderen machen").await;
    b.fill("#m-text-1", "Spaziergruppe ausprobieren").await;
    b.fill("#m-due-1", "20.11.2026").await;
    b.fill("#plan-obstacles", "Kein Auto – Treffpunkt mit dem Bus erreichbar").await;
    b.fill("#plan-review", "15.12.2026").await;
    b.submit("form[action$=\"/plan\"] button[type=submit]").await;
    let page = main_text(b).await;
    assert!(page.contains("Fassung 1") && page.contains("Plan vereinbart"), "{page}");
    let (status, kind, _) = b.fetch(&format!("{case}/plan.pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "the plan prints");
    b.check("link-worker-plan-agreed").await;
    b.sign_out().await;

    // 5. The GP's board shows "plan agreed", and the prescription its timeline.
    b.sign_in(PRESCRIBER.username, PRESCRIBER.password).await;
    b.visit("/prescriptions").await;
    let board = main_text(b).await;
    assert!(board.contains("Gerda Reisewitz") && board.contains("Plan vereinbart"), "{board}");
    b.check("gp-board-plan-agreed").await;
    b.visit(&prescription).await;
    let timeline = main_text(b).await;
    for step in ["Überweisung angenommen", "Kontaktversuch ohne Erfolg", "Kontakt aufgenommen", "Aktionsplan vereinbart"] {
        assert!(timeline.contains(step), "{step} missing in {timeline}");
    }
    b.check("gp-prescription-timeline").await;
    b.sign_out().await;

    // 6. The link worker sends one accepted offer with the person's consent (name and phone);
    //    the provider answers through its link without an account; the first attendance
    //    connects the referral, which the GP's board shows.
    b.sign_in(LINK_WORKER.username, LINK_WORKER.password).await;
    b.visit(&case).await;
    let onward = b.hrefs("main a[href*=\"/onward/\"]").await;
    b.visit(&onward[0]).await;
    b.click("input[name=shared_fields][value=name]").await;
    b.click("input[name=shared_fields][value=phone]").await;
    b.check("link-worker-onward").await;
    b.submit("form[action$=\"/send\"] button[type=submit]").await;
    let url = b.text("code.link").await;
    let link = &url[url.find("/r/").expect("a provider's link")..];
    b.check("link-worker-provider-link").await;
    b.sign_out().await;
    b.visit(link).await;
    let page = main_text(b).await;
    assert!(page.contains("Gerda Reisewitz") && page.contains("0211 123456"), "{page}");
    assert!(!page.contains("1950"), "the birth date is not shared: {page}");
    b.check("provider-link").await;
    b.submit("button[name=answer][value=accept]").await;
    assert!(main_text(b).await.contains("Vom Träger bestätigt"));
    b.check("provider-accepted").await;
    b.submit("button[name=answer][value=attended]").await;
    assert!(main_text(b).await.contains("Nimmt teil"));
    b.sign_in(PRESCRIBER.username, PRESCRIBER.password).await;
    b.visit("/prescriptions").await;
    let board = main_text(b).await;
    assert!(board.contains("Gerda Reisewitz") && board.contains("Angebot begonnen"), "{board}");
    b.check("gp-board-connected").await;
    b.sign_out().await;

    // 7. The link worker takes a follow-up WHO-5 with the person and closes the case with
    //    "goals met"; the GP's board shows it closed, and the prescription the message back.
    b.sign_in(LINK_WORKER.username, LINK_WORKER.password).await;
    b.visit(&format!("{case}/questionnaires/new?instrument=who5&timepoint=follow_up")).await;
    for (item, answer) in [(1, 5), (2, 4), (3, 4), (4, 4), (5, 5)] {
        b.click(&format!("input[name=item-{item}][value=\"{answer}\"]")).await;
    }
    b.submit("form.questionnaire button[type=submit]").await;
    b.visit(&case).await;
    b.select("#close-reason", "goals_met").await;
    b.check("link-worker-close").await;
    b.submit("form[action$=\"/close\"] button[type=submit]").await;
    b.sign_out().await;
    b.sign_in(PRESCRIBER.username, PRESCRIBER.password).await;
    b.visit("/prescriptions").await;
    let board = main_text(b).await;
    assert!(board.contains("Gerda Reisewitz") && board.contains("Ziele erreicht"), "{board}");
    b.check("gp-board-closed").await;
    b.visit(&prescription).await;
    let page = main_text(b).await;
    for expected in [
        "Rückmeldung an die Praxis",
        "Wieder unter Leute kommen",
        "Nimmt teil",
        "WHO-5 (Wohlbefinden)",
        "Abgeschlossen",
    ] {
        assert!(page.contains(expected), "{expected} missing in {page}");
    }
    // Baseline raw 16 (4+3+3+2+4), follow-up 22 (5+4+4+4+5): +6.
    assert!(page.contains("+6"), "the change of the WHO-5: {page}");
    b.check("gp-message-back").await;
    b.sign_out().await;

    // 8. The person comes back months later: the link worker takes them on again from the
    //    closed case (the form checked in every language), and a new case opens, accepted.
    b.sign_in(LINK_WORKER.username, LINK_WORKER.password).await;
    b.visit(&case).await;
    b.click(&format!("main a[href=\"{case}/re-refer\"]")).await;
    b.wait_for_path(&format!("{case}/re-refer")).await;
    for lang in LANGUAGES {
        b.choose_language(lang).await;
        b.check(&format!("{lang}-link-worker-re-refer")).await;
    }
    b.choose_language("de").await;
    b.click("input[name=source][value=\"self\"]").await;
    b.click("input[name=consent_care]").await;
    b.submit("form[action$=\"/re-refer\"] button[type=submit]").await;
    let again = landed(b, "/cases/").await;
    assert_ne!(again, case, "a new case");
    let page = main_text(b).await;
    assert!(page.contains("Gerda Reisewitz") && page.contains("Überweisung angenommen"), "{page}");
    b.check("link-worker-re-referred").await;
    harness.finish().await;
    println!("journey on {:?}: {:.1} s", db.engine(), started.elapsed().as_secs_f64());
});
