//! The browser: Debian's chromium, headless, driven through its chromedriver over WebDriver
//! (fantoccini). [`prerequisites`] finds the programs and axe-core (or says why the test skips,
//! and fails under `CI=true`); [`Browser::start`] starts a chromedriver on a free port with a
//! fresh profile, and everything it started is ended when the [`Browser`] is dropped.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::axe::{self, Finding};

/// What `apt-get install` / `npm ci` provide; the test cannot run without them.
#[derive(Debug, Clone)]
pub struct Prerequisites {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// `tools/browser/node_modules/axe-core/axe.min.js`.
    pub axe: PathBuf,
}

/// The repository's root (the tests run in the crate's directory).
fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// A program from an environment variable (`LOTSE_CHROMIUM`, `LOTSE_CHROMEDRIVER`) or `PATH`.
fn program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The programs and axe-core, or `None` after printing why the browser test skips. Under
/// `CI=true` a missing piece fails the test instead, naming it.
pub fn prerequisites() -> Option<Prerequisites> {
    let chromium = program("LOTSE_CHROMIUM", &["chromium", "chromium-browser"]);
    let chromedriver = program("LOTSE_CHROMEDRIVER", &["chromedriver"]);
    let axe = repo_root().join("tools/browser/node_modules/axe-core/axe.min.js");
    let mut missing = Vec::new();
    if chromium.is_none() {
        missing.push("chromium (apt-get install chromium)".to_owned());
    }
    if chromedriver.is_none() {
        missing.push("chromedriver (apt-get install chromium-driver)".to_owned());
    }
    if !axe.is_file() {
        missing.push(format!("axe-core at {} (npm ci --prefix tools/browser)", axe.display()));
    }
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) if missing.is_empty() => Some(Prerequisites {
            chromium,
            chromedriver,
            axe,
        }),
        _ => {
            let missing = missing.join(", ");
            assert!(
                !lotse_testkit::in_ci(),
                "CI=true but the browser test cannot run: missing {missing}"
            );
            println!("skipped: browser test needs {missing}");
            None
        }
    }
}

/// A port nobody listens on right now (bind port 0, read it, let go).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Whether the chromedriver on `port` answers `GET /status` with `"ready": true`.
async fn ready(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await else {
        return false;
    };
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    // chromedriver may keep the connection open: read until the answer says it is ready.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                answer.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if String::from_utf8_lossy(&answer)
                    .replace(' ', "")
                    .contains("\"ready\":true")
                {
                    return true;
                }
            }
            _ => return false,
        }
    }
    false
}

/// A chromedriver process (in its own process group, with the chromium it starts) and its
/// scratch folder (the browser profile, and TMPDIR for both programs); all end on drop.
struct Chromedriver {
    child: Child,
    port: u16,
    scratch: PathBuf,
    profile: PathBuf,
}

impl Chromedriver {
    async fn start(program: &Path, log: &Path) -> Self {
        let port = free_port();
        let scratch = std::env::temp_dir().join(format!("lotse-browser-{}", uuid::Uuid::new_v4()));
        let (profile, tmp) = (scratch.join("profile"), scratch.join("tmp"));
        std::fs::create_dir_all(&profile).expect("browser profile directory");
        std::fs::create_dir_all(&tmp).expect("browser temp directory");
        let output = std::fs::File::create(log.with_extension("out")).expect("chromedriver output file");
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            // Warnings only: at INFO every command is logged, axe-core's source included.
            .arg("--log-level=WARNING")
            // chromium's scoped and shared-memory files: removed with the scratch folder.
            .env("TMPDIR", &tmp)
            .stdin(Stdio::null())
            .stdout(output.try_clone().map_or_else(|_| Stdio::null(), Stdio::from))
            .stderr(Stdio::from(output))
            // Its own process group: on drop the whole group (chromium included) is ended.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut driver = Self {
            child,
            port,
            scratch,
            profile,
        };
        let started = Instant::now();
        while !ready(port).await {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited with {status} before answering; see {}",
                    log.display()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not answer on port {port} within 30 s; see {}",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    fn signal_group(&self, signal: &str) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args([signal, "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        // Polls with a deadline (drop cannot await): chromium gets a moment to end cleanly.
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::park_timeout(Duration::from_millis(20));
        }
        self.signal_group("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The browser window: (width, height) in CSS pixels.
const WINDOW: (u32, u32) = (1280, 1000);

/// Headless chromium flags that work in a container without a display or network.
const CHROMIUM_ARGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
];

/// A signed-out headless browser on one server, with its screenshot folder and the axe
/// findings so far. See `browser.rs` for how a journey test uses it.
pub struct Browser {
    client: Client,
    base: String,
    /// Where screenshots (and chromedriver's log) go.
    pub artifacts: PathBuf,
    step: usize,
    axe_source: String,
    /// Serious and critical axe violations so far, each with the page it was found on.
    pub findings: Vec<Finding>,
    started: Instant,
    // Last: dropped after the client.
    driver: Chromedriver,
}

impl Browser {
    /// Starts chromedriver and a browser session against the server at `base`
    /// (`http://127.0.0.1:<port>`); screenshots go to a fresh folder named after `run`.
    pub async fn start(pre: &Prerequisites, base: &str, run: &str) -> Self {
        let started = Instant::now();
        let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("browser")
            .join(format!("{run}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&artifacts).expect("screenshot folder");
        let axe_source = std::fs::read_to_string(&pre.axe).expect("read axe.min.js");
        let driver = Chromedriver::start(&pre.chromedriver, &artifacts.join("chromedriver.log")).await;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", driver.profile.display()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "chrome".into());
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": pre.chromium, "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a browser session: {e}; see {}",
                    artifacts.join("chromedriver.log").display()
                )
            });
        let mut timeouts = fantoccini::wd::TimeoutConfiguration::default();
        timeouts.set_script(Some(Duration::from_mins(2)));
        timeouts.set_page_load(Some(Duration::from_mins(1)));
        client.update_timeouts(timeouts).await.expect("set timeouts");
        println!("browser: screenshots in {}", artifacts.display());
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            artifacts,
            step: 0,
            axe_source,
            findings: Vec::new(),
            started,
            driver,
        }
    }

    /// Opens a path on the server (`/cases`) and waits for it to load.
    pub async fn visit(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The current path (and query), to check where a click or redirect led.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {css:?} on {}: {e}", self.path().await),
        }
    }

    /// Every element matching a CSS selector (maybe none).
    pub async fn find_all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client.find_all(Locator::Css(css)).await.expect("find_all")
    }

    /// Replaces a field's value with `value` (typed, as a person would).
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css:?}: {e}"));
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let chosen = self
            .client
            .execute(
                "const [css, value] = arguments; const s = document.querySelector(css); \
                 if (!s || ![...s.options].some(o => o.value === value)) return false; \
                 s.value = value; return true;",
                vec![serde_json::json!(css), serde_json::json!(value)],
            )
            .await
            .expect("select");
        assert_eq!(
            chosen,
            serde_json::json!(true),
            "no option {value:?} in {css:?} on {}",
            self.path().await
        );
    }

    /// Fetches `path` from the server with the browser's cookies (the page's own `fetch` is
    /// barred by the content security policy) and returns the status, the content type and
    /// the body's length: for downloads, which the browser would save, not show.
    pub async fn fetch(&self, path: &str) -> (u16, String, usize) {
        let cookies = self.client.get_all_cookies().await.expect("cookies");
        let cookie = cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ");
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<axum::body::Body>();
        let request = axum::http::Request::get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = client.request(request).await.expect("fetch");
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = axum::body::to_bytes(axum::body::Body::new(response.into_body()), 50_000_000)
            .await
            .expect("body");
        (status, kind, body.len())
    }

    /// Clicks an element (a link or a submit button: waits for the next page to load).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css:?}: {e}"));
    }

    /// Clicks a submit button or link and waits until the next document has loaded (the old
    /// page is marked before the click, so a page that answers with the same path counts too).
    pub async fn submit(&self, css: &str) {
        self.client
            .execute("window.__lotseOld = true; return true;", Vec::new())
            .await
            .expect("mark the page");
        self.click(css).await;
        self.wait_until(&format!("the page after {css}"), || async {
            let fresh = self
                .client
                .execute(
                    "return window.__lotseOld === undefined && document.readyState === 'complete';",
                    Vec::new(),
                )
                .await;
            fresh.is_ok_and(|f| f == serde_json::json!(true))
        })
        .await;
    }

    /// The visible text of the page's `main` (empty while a page loads; never a stale element).
    pub async fn main_text(&self) -> String {
        self.client
            .execute(
                "const m = document.querySelector('main'); return m ? m.innerText : '';",
                Vec::new(),
            )
            .await
            .ok()
            .and_then(|t| t.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// The `href`s of every element matching `css`, in document order.
    pub async fn hrefs(&self, css: &str) -> Vec<String> {
        let mut hrefs = Vec::new();
        for element in self.find_all(css).await {
            if let Some(href) = element.attr("href").await.expect("href") {
                hrefs.push(href);
            }
        }
        hrefs
    }

    /// The HTTP status of the current document (from the Navigation Timing entry; 0 if the
    /// browser does not say).
    pub async fn status(&self) -> u16 {
        let status = self
            .client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : 0;",
                Vec::new(),
            )
            .await
            .expect("navigation status");
        status.as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0)
    }

    /// The page's language (`<html lang>`).
    pub async fn page_language(&self) -> String {
        let lang = self
            .client
            .execute("return document.documentElement.lang;", Vec::new())
            .await;
        lang.ok()
            .and_then(|l| l.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits (up to 10 s) until `done` holds for the browser, e.g. after a click that navigates;
    /// fails with `what` otherwise.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut done: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        let started = Instant::now();
        while !done().await {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "waited 10 s in vain for {what} (at {})",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the browser is at `path` (and the page has loaded).
    pub async fn wait_for_path(&self, path: &str) {
        self.wait_until(&format!("the page {path}"), || async {
            self.path().await == path && self.ready().await
        })
        .await;
    }

    /// Whether the document has loaded.
    pub async fn ready(&self) -> bool {
        self.client
            .execute("return document.readyState;", Vec::new())
            .await
            .is_ok_and(|state| state == "complete")
    }

    /// Chooses the UI language with the switcher in the header (`de`, `da`, `en`).
    pub async fn choose_language(&self, tag: &str) {
        self.click(&format!("nav.languages a[lang=\"{tag}\"]")).await;
        self.wait_until(&format!("the language {tag}"), || async {
            self.ready().await && self.page_language().await == tag
        })
        .await;
    }

    /// Signs in through the form on `/login` and waits for the programme page.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.visit("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click("form[action=\"/login\"] button[type=submit]").await;
        self.wait_for_path("/programme").await;
    }

    /// Signs out with the button in the header.
    pub async fn sign_out(&self) {
        self.click("form[action=\"/logout\"] button[type=submit]").await;
        self.wait_until("the signed-out page", || async {
            self.ready().await && self.find_all("form[action=\"/logout\"]").await.is_empty()
        })
        .await;
    }

    /// Saves a screenshot of the whole page (the window is made as tall as the page, up to
    /// 8000 px, for the shot) as `NNN-<name>.png` and returns its path.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.step += 1;
        let sizes = self
            .client
            .execute(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];",
                Vec::new(),
            )
            .await
            .expect("page height");
        let height = |i: usize| sizes.get(i).and_then(serde_json::Value::as_u64).unwrap_or(0);
        let full = u32::try_from(height(0) + height(1))
            .unwrap_or(u32::MAX)
            .clamp(WINDOW.1, 8000);
        if full > WINDOW.1 {
            self.client.set_window_size(WINDOW.0, full).await.expect("tall window");
        }
        let png = self.client.screenshot().await.expect("screenshot");
        if full > WINDOW.1 {
            self.client
                .set_window_size(WINDOW.0, WINDOW.1)
                .await
                .expect("window size back");
        }
        let file: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        let path = self.artifacts.join(format!("{:03}-{file}.png", self.step));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Runs axe-core on the current page; its serious and critical violations are added to
    /// [`Browser::findings`] (minor and moderate ones are printed only).
    pub async fn axe(&mut self, name: &str) {
        let page = format!("{name} ({})", self.path().await);
        let violations = axe::run(&self.client, &self.axe_source, &page).await;
        for violation in violations {
            if violation.blocks() {
                println!("axe VIOLATION: {violation}");
                self.findings.push(violation);
            } else {
                println!("axe note: {violation}");
            }
        }
    }

    /// Plants an image without a text alternative in the current page and checks that axe
    /// reports it (critical `image-alt`): a harness that silently checks nothing would pass
    /// every page. Reload or leave the page afterwards.
    pub async fn axe_self_test(&self) {
        self.client
            .execute(
                "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">');",
                Vec::new(),
            )
            .await
            .expect("plant an image without alt");
        let page = format!("self-test ({})", self.path().await);
        let findings = axe::run(&self.client, &self.axe_source, &page).await;
        assert!(
            findings.iter().any(|f| f.id == "image-alt" && f.blocks()),
            "axe did not report a planted image without alt: {findings:?}"
        );
    }

    /// One step of a journey: a screenshot and an axe run; prints the screenshot's path. The
    /// page must have been answered with 200 (an error page is not a step).
    pub async fn check(&mut self, name: &str) {
        let status = self.status().await;
        assert_eq!(status, 200, "{name}: {} answered {status}", self.path().await);
        let shot = self.screenshot(name).await;
        self.axe(name).await;
        println!("browser: {name} {} -> {}", self.path().await, shot.display());
    }

    /// Ends the session and the browser; fails with every serious or critical finding.
    pub async fn finish(self) {
        let Self {
            client,
            findings,
            started,
            artifacts,
            step,
            driver,
            ..
        } = self;
        client.close().await.ok();
        drop(driver);
        println!(
            "browser: {step} pages checked in {:.1} s; screenshots in {}",
            started.elapsed().as_secs_f64(),
            artifacts.display()
        );
        assert!(
            findings.is_empty(),
            "axe found {} serious or critical violations:\n{}",
            findings.len(),
            findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }
}
