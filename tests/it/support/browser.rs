//! Headless Debian Chromium driven over WebDriver (chromedriver), with axe-core injected into pages.
//!
//! Every browser test starts its own [`Browser`]: a chromedriver on a free loopback port, one
//! Chromium session with a fresh profile, and nothing left running afterwards: chromedriver runs
//! under a tiny reaper process that adopts and reaps everything Chromium spawns, and that
//! [`Browser::close`] — or, failing that, `Drop` — empties (no zombies even under a PID 1 that
//! never reaps, as in many containers).
//!
//! Chromium and chromedriver come from the Debian packages `chromium` and `chromium-driver`
//! (`./test.sh` installs them); `KYODO_CHROMIUM` / `KYODO_CHROMEDRIVER` override their paths.
//! axe-core and the Nu HTML checker (`vnu-jar`, run on Debian's Java) come from
//! `tests/browser/node_modules` (`./test.sh` runs `npm ci` there).
//!
//! Every page checked with [`Browser::assert_accessible`] is also kept as served, in Japanese
//! and in English, and [`Browser::close`] runs the Nu checker once over all of them.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use super::people::PASSWORD;
use super::TestApp;

/// The WCAG levels every page must meet (JIS X 8341-3 follows WCAG 2.x AA).
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
/// How long chromedriver may take to answer `/status`.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Page loads and scripts (axe on a long page) must finish within this.
const PAGE_TIMEOUT_MS: u64 = 30_000;

const INSTALL_HINT: &str = "install the Debian packages `chromium` and `chromium-driver` \
     (apt-get install chromium chromium-driver), or simply run ./test.sh, which installs them";

/// A headless Chromium session. Start one per test with [`Browser::start`].
pub struct Browser {
    client: Option<Client>,
    /// The reaper process (see `reaper_hook`), parent of chromedriver.
    driver: Option<Child>,
    /// Its pid, which is also the process group of chromedriver and Chromium.
    reaper: Option<i32>,
    /// Fresh temporary folder holding the Chromium profile and chromedriver's log.
    dir: PathBuf,
    /// For messages: which driver this is.
    name: String,
    /// The HTML of every page checked so far, for the Nu checker at [`Browser::close`].
    pages: std::sync::Mutex<Vec<ServedPage>>,
}

/// One page as the server sent it.
struct ServedPage {
    /// What the test called it, the language and the URL, for messages.
    label: String,
    html: String,
}

/// One failed axe-core rule, with the page nodes that fail it.
#[derive(Debug, serde::Deserialize)]
pub struct AxeViolation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    #[serde(rename = "helpUrl", default)]
    pub help_url: String,
    /// Per node: `target` (CSS selectors), `html` (snippet), `failureSummary`, `impact`.
    pub nodes: Vec<Value>,
}

impl Browser {
    /// Starts chromedriver on a free loopback port, waits until its `/status` answers, and opens
    /// a headless Chromium session with a fresh profile and Japanese as UI language.
    ///
    /// Missing Chromium or chromedriver is an error naming the Debian packages (never a skip).
    pub async fn start() -> Result<Browser, String> {
        let chromium = find_binary("KYODO_CHROMIUM", "chromium", "/usr/bin/chromium")
            .ok_or_else(|| format!("Chromium not found: {INSTALL_HINT}"))?;
        let chromedriver = find_binary(
            "KYODO_CHROMEDRIVER",
            "chromedriver",
            "/usr/bin/chromedriver",
        )
        .ok_or_else(|| format!("chromedriver not found: {INSTALL_HINT}"))?;

        let mut last_error = String::new();
        // The free port is found by binding and releasing it, so another process may grab it
        // in between: try again with a new port a couple of times.
        for _ in 0..3 {
            match Self::start_once(&chromium, &chromedriver).await {
                Ok(browser) => return Ok(browser),
                Err((retry, error)) => {
                    if !retry {
                        return Err(error);
                    }
                    last_error = error;
                }
            }
        }
        Err(last_error)
    }

    /// One attempt; `Err((true, _))` when another port may help.
    async fn start_once(chromium: &Path, chromedriver: &Path) -> Result<Browser, (bool, String)> {
        let dir = make_temp_dir().map_err(|e| (false, format!("cannot create a temp dir: {e}")))?;
        let profile = dir.join("profile");
        let log_path = dir.join("chromedriver.log");
        let port = free_port().map_err(|e| (false, format!("no free loopback port: {e}")))?;
        let name = format!("chromedriver on 127.0.0.1:{port}");

        let log = File::create(&log_path)
            .and_then(|f| Ok((f.try_clone()?, f)))
            .map_err(|e| (false, format!("cannot create {}: {e}", log_path.display())))?;
        let mut command = Command::new(chromedriver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.0))
            .stderr(Stdio::from(log.1))
            .kill_on_drop(true);
        // SAFETY: the hook only makes async-signal-safe system calls (see `reaper_hook`).
        unsafe {
            command.pre_exec(reaper_hook);
        }
        let driver = command.spawn().map_err(|e| {
            (
                false,
                format!("cannot run {}: {e}; {INSTALL_HINT}", chromedriver.display()),
            )
        })?;
        let reaper = driver.id().map(|id| id as i32);
        // From here on, Drop cleans up whatever happens.
        let mut browser = Browser {
            client: None,
            driver: Some(driver),
            reaper,
            dir,
            name,
            pages: Default::default(),
        };

        if let Err(e) = browser.wait_for_driver(port).await {
            let exited = browser.driver_exited();
            let message = format!(
                "{} did not become ready: {e}\n--- chromedriver log (tail) ---\n{}",
                browser.name,
                log_tail(&log_path)
            );
            return Err((exited, message));
        }

        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--no-first-run".to_string(),
            "--disable-sync".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--window-size=1280,900".to_string(),
            format!("--user-data-dir={}", profile.display()),
            "--lang=ja".to_string(),
        ];
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": args,
                "prefs": { "intl.accept_languages": "ja,en" },
            },
            "timeouts": { "pageLoad": PAGE_TIMEOUT_MS, "script": PAGE_TIMEOUT_MS },
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("capabilities are a JSON object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let connect = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await;
        match connect {
            Ok(client) => {
                browser.client = Some(client);
                Ok(browser)
            }
            Err(e) => Err((
                false,
                format!(
                    "{} could not start {}: {e}\n--- chromedriver log (tail) ---\n{}",
                    browser.name,
                    chromium.display(),
                    log_tail(&log_path)
                ),
            )),
        }
    }

    /// Polls chromedriver's `/status` until it says it is ready.
    async fn wait_for_driver(&mut self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
        loop {
            if self.driver_exited() {
                return Err("chromedriver exited".into());
            }
            if driver_ready(port).await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no answer from /status within {} s",
                    DRIVER_READY_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn driver_exited(&mut self) -> bool {
        match self.driver.as_mut() {
            Some(child) => !matches!(child.try_wait(), Ok(None)),
            None => true,
        }
    }

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the browser session is open until close()")
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.client()
            .goto(url)
            .await
            .map_err(|e| format!("cannot open {url}: {e}"))
    }

    pub async fn title(&self) -> Result<String, String> {
        self.client()
            .title()
            .await
            .map_err(|e| format!("cannot read the page title: {e}"))
    }

    /// innerText of the first element matching the CSS selector.
    pub async fn text(&self, css: &str) -> Result<String, String> {
        let value = self
            .client()
            .execute(
                "const el = document.querySelector(arguments[0]);\
                 return el === null ? null : el.innerText;",
                vec![json!(css)],
            )
            .await
            .map_err(|e| format!("cannot read the text of `{css}`: {e}"))?;
        match value {
            Value::String(text) => Ok(text),
            _ => Err(format!(
                "no element matches `{css}` on {}",
                self.here().await
            )),
        }
    }

    async fn element(&self, css: &str) -> Result<fantoccini::elements::Element, String> {
        match self.client().find(Locator::Css(css)).await {
            Ok(element) => Ok(element),
            Err(e) => Err(format!(
                "no element matches `{css}` on {}: {e}",
                self.here().await
            )),
        }
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.element(css)
            .await?
            .click()
            .await
            .map_err(|e| format!("cannot click `{css}`: {e}"))
    }

    /// Waits (up to 10 s) until the element matching `css` contains `needle`, as after a
    /// click that loads another page; returns its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text(css).await.unwrap_or_default();
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(format!("`{css}` never showed {needle:?}; it reads: {text}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fills the sign-in form on the current page, sends it, and waits for the signed-in page
    /// (with its sign-out button): a `goto` before that would race the redirect.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(), String> {
        self.fill("#field-email", email).await?;
        self.fill("#field-password", password).await?;
        self.click("form.form button[type=submit]").await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self
            .client()
            .find(Locator::Css("form[action='/logout']"))
            .await
            .is_err()
        {
            if Instant::now() > deadline {
                let text = self.text("main").await.unwrap_or_default();
                return Err(format!("not signed in as {email}; the page reads: {text}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Types `text` into the field matching `css`, as a person would.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), String> {
        let element = self.element(css).await?;
        element
            .clear()
            .await
            .map_err(|e| format!("cannot clear `{css}`: {e}"))?;
        element
            .send_keys(text)
            .await
            .map_err(|e| format!("cannot type into `{css}`: {e}"))
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) -> Result<(), String> {
        self.element(css)
            .await?
            .select_by_value(value)
            .await
            .map_err(|e| format!("cannot choose {value:?} in `{css}`: {e}"))
    }

    /// Sizes the window so the page's viewport is `width` × `height` CSS pixels (a phone).
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<(), String> {
        let client = self.client();
        client
            .set_window_size(width, height)
            .await
            .map_err(|e| format!("cannot size the window: {e}"))?;
        // The window's frame, if any, takes from the viewport: add it back.
        let inner = self
            .eval("return [window.innerWidth, window.innerHeight];")
            .await?;
        let (w, h) = (
            inner[0].as_u64().unwrap_or(0) as u32,
            inner[1].as_u64().unwrap_or(0) as u32,
        );
        if (w, h) != (width, height) {
            client
                .set_window_size(2 * width - w.min(2 * width), 2 * height - h.min(2 * height))
                .await
                .map_err(|e| format!("cannot size the window: {e}"))?;
        }
        Ok(())
    }

    /// Runs `script` (a function body that returns a value) in the page.
    pub async fn eval(&self, script: &str) -> Result<Value, String> {
        self.client()
            .execute(script, vec![])
            .await
            .map_err(|e| format!("cannot run a script in the page: {e}"))
    }

    pub async fn current_url(&self) -> Result<String, String> {
        self.client()
            .current_url()
            .await
            .map(|url| url.to_string())
            .map_err(|e| format!("cannot read the current URL: {e}"))
    }

    /// The current URL for messages, or a placeholder.
    async fn here(&self) -> String {
        self.current_url()
            .await
            .unwrap_or_else(|_| "the current page".into())
    }

    /// Runs axe-core in the current page with the WCAG 2.0/2.1 A and AA rules and returns the
    /// violations (empty when the page passes).
    ///
    /// The script is injected through WebDriver, which the page's CSP does not restrict.
    pub async fn axe(&self) -> Result<Vec<AxeViolation>, String> {
        let source = axe_source()?;
        let client = self.client();
        let loaded = client
            .execute("return typeof window.axe;", vec![])
            .await
            .map_err(|e| format!("cannot run a script in the page: {e}"))?;
        if loaded != json!("object") {
            client
                .execute(source, vec![])
                .await
                .map_err(|e| format!("cannot inject axe-core: {e}"))?;
        }
        let result = client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                if (typeof window.axe !== 'object') {
                    done({ error: 'axe-core did not load into the page' });
                    return;
                }
                window.axe
                    .run(document, { runOnly: { type: 'tag', values: arguments[0] } })
                    .then(
                        (r) => done({
                            violations: r.violations.map((v) => ({
                                id: v.id,
                                impact: v.impact,
                                help: v.help,
                                helpUrl: v.helpUrl,
                                nodes: v.nodes.map((n) => ({
                                    target: n.target,
                                    html: n.html,
                                    failureSummary: n.failureSummary,
                                    impact: n.impact,
                                })),
                            })),
                        }),
                        (e) => done({ error: String((e && e.stack) || e) }),
                    );
                "#,
                vec![json!(AXE_TAGS)],
            )
            .await
            .map_err(|e| format!("axe-core did not finish: {e}"))?;
        if let Some(error) = result.get("error") {
            return Err(format!("axe-core failed: {error}"));
        }
        let violations = result
            .get("violations")
            .cloned()
            .ok_or_else(|| format!("unexpected answer from axe-core: {result}"))?;
        serde_json::from_value(violations).map_err(|e| format!("unexpected axe-core result: {e}"))
    }

    /// Keeps the current page for the Nu checker: as the browser shows it (its DOM, which is
    /// the parse of what was served — the site has no scripts — so a page answering a form is
    /// kept too), and the same address fetched again over HTTP with the browser's cookies in
    /// Japanese and in English (the `kyodo_lang` cookie), byte for byte as served, so markup
    /// the parser would repair is caught as well.
    async fn keep_served_html(&self, name: &str) -> Result<(), String> {
        let url = self.current_url().await?;
        let shown = self
            .client()
            .execute(
                "const doctype = document.doctype === null ? '' : '<!DOCTYPE html>\\n';\
                 return doctype + document.documentElement.outerHTML;",
                vec![],
            )
            .await
            .map_err(|e| format!("cannot read the page's HTML: {e}"))?;
        let shown = shown.as_str().unwrap_or_default().to_owned();
        let cookies = self
            .client()
            .get_all_cookies()
            .await
            .map_err(|e| format!("cannot read the cookies: {e}"))?;
        let lang = cookies
            .iter()
            .find(|c| c.name() == "kyodo_lang")
            .map_or("ja", |c| c.value());
        let mut kept = vec![ServedPage {
            label: format!("{name} ({lang}, as shown) {url}"),
            html: shown,
        }];
        for lang in ["ja", "en"] {
            let mut header: Vec<String> = cookies
                .iter()
                .filter(|c| c.name() != "kyodo_lang")
                .map(|c| format!("{}={}", c.name(), c.value()))
                .collect();
            header.push(format!("kyodo_lang={lang}"));
            let html = reqwest::Client::new()
                .get(&url)
                .header("cookie", header.join("; "))
                .send()
                .await
                .map_err(|e| format!("cannot fetch {url} in {lang}: {e}"))?
                .text()
                .await
                .map_err(|e| format!("cannot read {url} in {lang}: {e}"))?;
            kept.push(ServedPage {
                label: format!("{name} ({lang}) {url}"),
                html,
            });
        }
        self.pages.lock().unwrap().extend(kept);
        Ok(())
    }

    /// Screenshot (PNG) of the viewport to `target/screenshots/<name>.png`; returns the path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(|e| format!("cannot take a screenshot: {e}"))?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let file: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{file}.png"));
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    /// Checks the current page with axe; on violations, saves a screenshot named `name` and
    /// returns an error listing each rule (id, impact, help) and the nodes failing it. Keeps the
    /// page's HTML in both languages for the Nu checker at [`Browser::close`].
    pub async fn assert_accessible(&self, name: &str) -> Result<(), String> {
        self.keep_served_html(name).await?;
        let violations = self.axe().await?;
        if violations.is_empty() {
            return Ok(());
        }
        let screenshot = match self.screenshot(name).await {
            Ok(path) => path.display().to_string(),
            Err(e) => format!("none ({e})"),
        };
        let mut message = format!(
            "{} accessibility violation(s) on {} (screenshot: {screenshot}):",
            violations.len(),
            self.here().await
        );
        for violation in &violations {
            message.push_str(&format!(
                "\n  - {} [{}]: {} <{}>",
                violation.id,
                violation.impact.as_deref().unwrap_or("-"),
                violation.help,
                violation.help_url
            ));
            const SHOWN: usize = 5;
            for node in violation.nodes.iter().take(SHOWN) {
                let target = match node.get("target") {
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .map(|p| {
                            p.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| p.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(" >> "),
                    Some(other) => other.to_string(),
                    None => "?".into(),
                };
                let html: String = node
                    .get("html")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect();
                message.push_str(&format!("\n      {target}    {html}"));
            }
            if violation.nodes.len() > SHOWN {
                message.push_str(&format!(
                    "\n      … and {} more",
                    violation.nodes.len() - SHOWN
                ));
            }
        }
        Err(message)
    }

    /// Ends the session (Chromium quits), stops chromedriver and removes the temp folder, after
    /// running the Nu HTML checker once over every page kept by [`Browser::assert_accessible`]
    /// (Java starts slowly, so all at once). Panics listing every error with its page.
    pub async fn close(mut self) {
        let pages = std::mem::take(&mut *self.pages.lock().unwrap());
        let checked = nu_check(&self.dir, &pages).await;
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.kill_step(deadline) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        remove_dir(&self.dir);
        // Drop finds nothing left to do.
        if let Err(errors) = checked {
            panic!("{errors}");
        }
    }

    /// One round of stopping everything: SIGKILL to every process of chromedriver's group and
    /// to every orphan the reaper adopted; true once the reaper (which exits when it has no
    /// children left) is gone and reaped, or is killed itself after `deadline`.
    fn kill_step(&mut self, deadline: Instant) -> bool {
        let (Some(reaper), Some(driver)) = (self.reaper, self.driver.as_mut()) else {
            return true;
        };
        if !matches!(driver.try_wait(), Ok(None)) {
            self.reaper = None;
            self.driver = None;
            return true;
        }
        if Instant::now() >= deadline {
            let _ = driver.start_kill();
            let _ = driver.try_wait();
            self.reaper = None;
            self.driver = None;
            return true;
        }
        for pid in processes_of(reaper) {
            // SAFETY: kill(2) only sends a signal.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        false
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Dropping the client lets its session task ask chromedriver to quit, best effort;
        // the processes are killed regardless.
        self.client.take();
        let deadline = Instant::now() + Duration::from_secs(3);
        while !self.kill_step(deadline) {
            std::thread::sleep(Duration::from_millis(10));
        }
        remove_dir(&self.dir);
    }
}

/// Runs in the forked child before it execs chromedriver. It turns that child into a small
/// reaper: a child subreaper (orphans of chromedriver and Chromium are reparented to it rather
/// than to PID 1, which in containers often never reaps them) leading a new process group. It
/// forks once more: the grandchild returns and execs chromedriver; the reaper waits for all its
/// descendants, exits when none is left, and kills its whole group if the test process dies.
///
/// Only async-signal-safe calls (setpgid, prctl, fork, syscall, waitpid, getppid, kill,
/// nanosleep, _exit) and no allocation: the parent may be multi-threaded.
fn reaper_hook() -> std::io::Result<()> {
    // SAFETY: plain system calls on this process only; see above.
    unsafe {
        let parent = libc::getppid();
        if libc::setpgid(0, 0) != 0 || libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        match libc::fork() {
            -1 => Err(std::io::Error::last_os_error()),
            0 => Ok(()), // the grandchild: go on and exec chromedriver
            _ => {
                // The reaper. Close inherited descriptors (among them the pipe through which
                // the parent learns whether exec succeeded, which must not stay open here).
                if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
                    for fd in 3..1024 {
                        libc::close(fd);
                    }
                }
                let pause = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 50_000_000,
                };
                loop {
                    let mut status = 0;
                    match libc::waitpid(-1, &mut status, libc::WNOHANG) {
                        0 => {
                            if libc::getppid() != parent {
                                // The test process died without cleaning up.
                                libc::kill(0, libc::SIGKILL);
                            }
                            libc::nanosleep(&pause, std::ptr::null_mut());
                        }
                        -1 if std::io::Error::last_os_error().raw_os_error()
                            == Some(libc::EINTR) => {}
                        -1 => libc::_exit(0), // ECHILD: nobody left
                        _ => {}               // reaped one
                    }
                }
            }
        }
    }
}

/// Pids (other than the reaper) in the reaper's process group or adopted by it.
fn processes_of(reaper: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != reaper)
        .filter(|&pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                return false;
            };
            let mut fields = rest.split_whitespace().skip(1);
            let ppid = fields.next().and_then(|f| f.parse::<i32>().ok());
            let pgrp = fields.next().and_then(|f| f.parse::<i32>().ok());
            ppid == Some(reaper) || pgrp == Some(reaper)
        })
        .collect()
}

/// `env` if set, else `name` on PATH, else `fallback` if it exists.
fn find_binary(env: &str, name: &str, fallback: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return is_executable(&path).then_some(path);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| is_executable(path))
        .or_else(|| Some(PathBuf::from(fallback)).filter(|p| is_executable(p)))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

fn make_temp_dir() -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    loop {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "kyodo-browser-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes a folder that dying Chromium processes may still be writing to.
fn remove_dir(dir: &Path) {
    for _ in 0..20 {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                std::thread::sleep(Duration::from_millis(25))
            }
            _ => return,
        }
    }
}

/// One plain HTTP/1.1 `GET /status` to chromedriver; true when it reports ready.
async fn driver_ready(port: u16) -> bool {
    let probe = tokio::task::spawn_blocking(move || {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.set_write_timeout(Some(Duration::from_secs(2)))?;
        write!(
            stream,
            "GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )?;
        // chromedriver may keep the connection open: read until the JSON body is complete.
        let mut response = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk)?;
            response.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&response);
            if n == 0 || text.contains("\"ready\"") || response.len() > 65536 {
                return Ok::<_, std::io::Error>(text.into_owned());
            }
        }
    });
    match probe.await {
        Ok(Ok(response)) => {
            response.starts_with("HTTP/1.1 200")
                && response.replace(' ', "").contains("\"ready\":true")
        }
        _ => false,
    }
}

/// Last lines of chromedriver's log, for error messages.
fn log_tail(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(4000)));
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    if text.trim().is_empty() {
        "(empty)".into()
    } else {
        text.lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const NU_HINT: &str = "the Nu HTML checker needs Java (Debian: apt-get install default-jre-headless) \
     and tests/browser/node_modules/vnu-jar (npm ci --prefix tests/browser); ./test.sh installs both";

/// Runs the Nu HTML checker (`vnu.jar --errors-only`) over the pages; `Err` lists every error
/// with the page it is on. A missing Java or checker is an error too, never a pass.
async fn nu_check(dir: &Path, pages: &[ServedPage]) -> Result<(), String> {
    if pages.is_empty() {
        return Ok(());
    }
    let java = find_binary("KYODO_JAVA", "java", "/usr/bin/java")
        .ok_or_else(|| format!("Java not found: {NU_HINT}"))?;
    let jar = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/vnu-jar/build/dist/vnu.jar");
    if !jar.is_file() {
        return Err(format!("{} is missing: {NU_HINT}", jar.display()));
    }
    let folder = dir.join("html");
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let mut files = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let file = folder.join(format!("{i:03}.html"));
        std::fs::write(&file, &page.html)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        files.push(file);
    }
    let output = Command::new(&java)
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "json", "--stdout"])
        .args(&files)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run {}: {e}; {NU_HINT}", java.display()))?;
    let report: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "the Nu checker gave no JSON report ({e}, {}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let messages = report["messages"].as_array().cloned().unwrap_or_default();
    // The same mistake shows on many pages (a template is shared, each page is kept three
    // times): one entry per message and extract, with every page it is on.
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    for message in &messages {
        if !matches!(
            message["type"].as_str(),
            Some("error" | "non-document-error")
        ) {
            continue;
        }
        // `file:/…/007.html` → page 7.
        let page = message["url"]
            .as_str()
            .and_then(|url| url.rsplit('/').next())
            .and_then(|file| file.strip_suffix(".html"))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| pages.get(n))
            .map_or("?", |p| p.label.as_str());
        let page = format!("{page}, line {}", message["lastLine"]);
        let extract: String = message["extract"]
            .as_str()
            .unwrap_or("")
            .replace('\n', " ")
            .chars()
            .take(160)
            .collect();
        let what = format!(
            "{}\n      {extract}",
            message["message"].as_str().unwrap_or("?")
        );
        match errors.iter_mut().find(|(w, _)| *w == what) {
            Some((_, on)) => on.push(page),
            None => errors.push((what, vec![page])),
        }
    }
    if errors.is_empty() && !output.status.success() {
        return Err(format!(
            "the Nu checker failed ({}) without naming an error: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if errors.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = errors
        .iter()
        .map(|(what, on)| format!("  - {what}\n      on: {}", on.join("\n          ")))
        .collect();
    Err(format!(
        "{} Nu HTML checker error(s) in the {} pages checked:\n{}",
        errors.len(),
        pages.len(),
        listed.join("\n")
    ))
}

/// axe-core's browser bundle, read once.
fn axe_source() -> Result<&'static str, String> {
    static SOURCE: OnceLock<String> = OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; run ./test.sh (it runs `npm ci --prefix tests/browser`)",
            path.display()
        )
    })?;
    Ok(SOURCE.get_or_init(|| source))
}

/// `target/screenshots`, honouring CARGO_TARGET_DIR.
fn screenshot_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| manifest.join(d))
        .unwrap_or_else(|| manifest.join("target"));
    target.join("screenshots")
}

/// Signs `email` in through the sign-in page, as a person would, and waits for the menu to say so.
pub async fn sign_in_as(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/login")).await.unwrap();
    browser.sign_in(email, PASSWORD).await.unwrap();
    browser.wait_for_text("nav", "ログアウト").await.unwrap();
}

/// Signs out with the menu's button and waits for the menu to say so.
pub async fn sign_out(browser: &Browser) {
    browser.click(".site-nav__form button").await.unwrap();
    browser.wait_for_text("nav", "ログイン").await.unwrap();
}
