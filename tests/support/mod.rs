//! Shared by the end-to-end tests and the browser benchmark: headless
//! Chromium through chromedriver, and the gateway in demo mode serving the
//! built app. A missing piece fails loudly with what to run; nothing is
//! skipped.
#![allow(dead_code)] // Each user (tests, benches) needs a different subset.
#![allow(clippy::unwrap_used)] // Test support: a failure must stop the test loudly.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod page;
pub mod servers;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROME_FLAGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1000",
];

/// A headless Chromium session. It owns its processes: chromedriver runs in
/// a process group of its own, and when the `Browser` is stopped or dropped
/// (a test that returns, fails an assertion or panics midway) that group and
/// every process descended from chromedriver (the browser, its zygotes,
/// GPU, network and renderer processes) are ended. Gateways and simulated
/// upstreams a test starts run inside the test's own runtime and end with
/// it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The browser's profile and every temporary file chromedriver and the
    /// browser make (their `TMPDIR`), removed once they have been ended:
    /// a browser ended by a signal cannot clean up after itself.
    scratch: servers::Scratch,
}

impl Drop for Browser {
    fn drop(&mut self) {
        end_process_tree(&mut self.driver);
    }
}

/// Every live process descended from `root` (children, grandchildren, …),
/// read from `/proc`.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let Some(ppid) = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|ppid| ppid.parse::<u32>().ok())
            else {
                continue;
            };
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        index += 1;
    }
    found.remove(0);
    found
}

/// Whether a process is still running (a zombie has ended).
pub fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_owned))
        })
        .is_some_and(|state| state != "Z" && state != "X")
}

/// Ends `child`'s process group and every process descended from it, then
/// reaps `child`.
fn end_process_tree(child: &mut Child) {
    use nix::sys::signal::{kill, killpg, Signal};
    use nix::unistd::Pid;
    let Ok(root) = i32::try_from(child.id()) else {
        return;
    };
    // Read the tree before anything dies: orphans lose their parent link.
    let tree = descendants(child.id());
    let _ = killpg(Pid::from_raw(root), Signal::SIGKILL);
    for pid in tree {
        if let Ok(pid) = i32::try_from(pid) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Browser {
    pub async fn start() -> Browser {
        Self::start_with(&[]).await
    }

    /// [`Browser::start`] with extra Chromium flags.
    pub async fn start_with(extra_flags: &[String]) -> Browser {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            std::path::Path::new(&chromedriver).exists() && std::path::Path::new(&chrome).exists(),
            "chromedriver ({chromedriver}) or Chromium ({chrome}) is missing: run `cargo xtask test`, which installs them"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let scratch = servers::Scratch::new("browser");
        let profile = scratch.path().join("profile");
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .env("TMPDIR", scratch.path())
            // A zone other than the machine's UTC, so local-versus-UTC
            // display is really exercised.
            .env("TZ", "America/New_York")
            // Its own process group, so ending it ends the browser it starts.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {chromedriver}: {error}"));
        let mut args: Vec<String> = CHROME_FLAGS.iter().map(|flag| (*flag).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend(extra_flags.iter().cloned());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chrome, "args": args }),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if Instant::now() > deadline => {
                    end_process_tree(&mut driver);
                    panic!("chromedriver did not start a session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser {
            client,
            driver,
            scratch,
        }
    }

    /// Closes the session politely, then ends every process (as dropping
    /// does).
    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
        drop(self);
    }

    /// The directory of the browser's profile and temporary files
    /// (removed when it stops).
    pub fn scratch_dir(&self) -> &std::path::Path {
        self.scratch.path()
    }

    /// chromedriver's process id (its process group's id too).
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
    }

    pub async fn script(&self, body: &str) -> Value {
        self.client
            .execute(body, vec![])
            .await
            .unwrap_or_else(|error| panic!("script failed: {error}\n{body}"))
    }

    pub async fn number(&self, expression: &str) -> u64 {
        self.script(&format!("return {expression};"))
            .await
            .as_u64()
            .unwrap_or_else(|| panic!("not a number: {expression}"))
    }

    pub async fn wait_for(&self, what: &str, expression: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if self.script(&format!("return Boolean({expression});")).await == json!(true) {
                return;
            }
            if Instant::now() > deadline {
                let page = self.script("return document.body.innerText;").await;
                panic!("timed out waiting for {what} ({expression}); the page says:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Opens `path` (a dashboard view) at `base` and waits until both
    /// sources are loaded.
    #[allow(dead_code)] // Not every test binary opens a view.
    pub async fn open_view(&self, base: &str, path: &str) {
        self.client
            .goto(&format!("{base}{path}"))
            .await
            .unwrap_or_else(|error| panic!("cannot open {path}: {error}"));
        self.wait_for(path, BOTH_LOADED, Duration::from_secs(60))
            .await;
    }

    /// Picks `value` in the `<select>` at `css`, as a person's choice is
    /// announced (a `change` event).
    pub async fn choose(&self, css: &str, value: &str) {
        let script = format!(
            "const s = document.querySelector({}); s.value = {}; \
             s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true;",
            serde_json::json!(css),
            serde_json::json!(value)
        );
        self.script(&script).await;
    }

    /// Clicks the element, first scrolled to the middle of the window (the
    /// driver's own scrolling would leave it under the sticky navigation).
    pub async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' });",
                vec![serde_json::to_value(&element).unwrap()],
            )
            .await
            .unwrap();
        element.click().await.unwrap();
    }

    /// Everything in both browser storages and the cookies, as text.
    pub async fn stored(&self) -> String {
        self.script("return JSON.stringify({session: Object.entries(sessionStorage), local: Object.entries(localStorage), cookies: document.cookie});")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// The instant this run's demo data is generated for: `AUDIT_DEMO_REFERENCE`
/// (an ISO 8601 instant) when set, else the generator's default (a weekday
/// afternoon). Every demo gateway a test starts uses it, and a test that
/// needs a property of the data states it from [`demo_data`], never from the
/// wall clock, so the suite passes whatever the hour.
///
/// # Panics
/// When `AUDIT_DEMO_REFERENCE` is not an ISO 8601 instant.
pub fn demo_reference() -> chrono::DateTime<chrono::Utc> {
    match std::env::var("AUDIT_DEMO_REFERENCE") {
        Ok(text) if !text.trim().is_empty() => {
            audit_core::time::parse_iso(&text).unwrap_or_else(|error| {
                panic!("AUDIT_DEMO_REFERENCE `{text}` is not an ISO 8601 instant: {error}")
            })
        }
        _ => simulated_upstreams::data::default_reference(),
    }
}

/// The demo's data (ordinary volume) as a gateway started just before `end`
/// serves it: generated for [`demo_reference`] and ending at `end`. A window
/// read a few seconds after the gateway started misses only the few events
/// at its oldest edge.
pub fn demo_data(end: chrono::DateTime<chrono::Utc>) -> simulated_upstreams::Dataset {
    simulated_upstreams::data::generate(&simulated_upstreams::DataConfig {
        reference: demo_reference(),
        ..simulated_upstreams::DataConfig::new(end)
    })
}

/// The demo (the simulated upstreams with the gateway in front) on free
/// loopback ports, serving the built app.
pub async fn demo_gateway() -> String {
    demo_gateway_with(&[]).await
}

/// [`demo_gateway`] with extra demo or gateway flags
/// (`--demo-upstream-delay-ms`, `--session-max-seconds`).
pub async fn demo_gateway_with(extra: &[&str]) -> String {
    let dist = std::env::var("AUDIT_DASHBOARD_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dist.join("index.html").exists(),
        "the built app is missing at {}: run `cargo xtask test`, which builds it with trunk",
        dist.display()
    );
    let args: Vec<String> = ["--listen", "127.0.0.1:0", "--dist"]
        .iter()
        .map(|arg| (*arg).to_owned())
        .chain([dist.display().to_string()])
        .chain(extra.iter().map(|arg| (*arg).to_owned()))
        .chain(
            (!extra.contains(&"--demo-reference"))
                .then(|| {
                    [
                        "--demo-reference".to_owned(),
                        audit_core::time::format_iso(demo_reference()),
                    ]
                })
                .into_iter()
                .flatten(),
        )
        .collect();
    audit_demo::start_with_args(&args)
        .await
        .unwrap_or_else(|error| panic!("the demo did not start: {error}"))
        .gateway
        .url()
}

pub async fn log_in(browser: &Browser, octopai_password: &str) {
    browser
        .type_into("#octopai-user", "analyst@example.com")
        .await;
    browser
        .type_into("#octopai-password", octopai_password)
        .await;
    browser.type_into("#cloudera-user", "admin").await;
    browser.type_into("#cloudera-password", "admin").await;
    browser.click("#login-submit").await;
}

/// A browser logged in to both sources at `base`, its first load done.
pub async fn logged_in(base: &str) -> Browser {
    let browser = Browser::start().await;
    browser.client.goto(base).await.unwrap();
    log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    browser
}

/// A browser logged in at `path` (a dashboard view) through the login
/// page, so the view is the first thing loaded after logging in.
#[allow(dead_code)] // Not every test binary starts at a view.
pub async fn logged_in_straight_at(base: &str, path: &str) -> Browser {
    let browser = Browser::start().await;
    browser.client.goto(&format!("{base}{path}")).await.unwrap();
    browser
        .wait_for(
            "the login page",
            "location.pathname === '/login'",
            Duration::from_secs(30),
        )
        .await;
    log_in(&browser, "demo-password").await;
    browser
}

/// Waits (up to `limit`) for the login page asking to log in again after
/// an expired session; answers the view it will return to (`next`).
#[allow(dead_code)] // Not every test binary lets a session expire.
pub async fn relogin_prompt(browser: &Browser, limit: Duration) -> String {
    browser
        .wait_for(
            "the re-login prompt",
            "location.pathname === '/login' && location.search.includes('reason=expired')",
            limit,
        )
        .await;
    let next = browser
        .script("return new URLSearchParams(location.search).get('next');")
        .await;
    next.as_str().unwrap_or_default().to_owned()
}

/// A browser logged in to both sources at `base`, showing `path` (a
/// dashboard view) with both sources loaded.
#[allow(dead_code)] // Not every test binary opens a view.
pub async fn logged_in_at(base: &str, path: &str) -> Browser {
    let browser = logged_in(base).await;
    browser.open_view(base, path).await;
    browser
}

/// Drags across the Octopai logins chart from one sixth to five sixths of
/// its width, as a mouse would (a zoom to two thirds of the window). A
/// statement, for `execute` or for a timed change.
#[allow(dead_code)] // Not every test binary zooms.
pub const DRAG_TWO_THIRDS: &str = "const overlay = document.querySelector(\"section[data-chart='octopai-logins'] .chart-overlay\"); \
    const box = overlay.getBoundingClientRect(); const y = box.top + box.height / 2; \
    const at = (f) => ({ clientX: box.left + f * box.width, clientY: y, bubbles: true }); \
    overlay.dispatchEvent(new MouseEvent('mousedown', at(1 / 6))); \
    overlay.dispatchEvent(new MouseEvent('mousemove', at(5 / 6))); \
    overlay.dispatchEvent(new MouseEvent('mouseup', at(5 / 6)))";

/// Opens every chart's data table (built only while open) and waits until
/// each is built. Tables of a panel that was just opened appear after its
/// `toggle` event, so each check opens any that are still closed.
#[allow(dead_code)] // Not every test binary reads data tables.
pub async fn open_data_tables(browser: &Browser) {
    browser
        .wait_for(
            "every data table built",
            "[...document.querySelectorAll('details.data-table')] \
               .map(d => { d.open = true; return d; }) \
               .every(d => d.querySelector('table'))",
            Duration::from_secs(10),
        )
        .await;
}

/// How many events the table holds (not only the rows drawn).
#[allow(dead_code)]
pub const TABLE_ROWS: &str =
    "Number(document.querySelector('table.event-table[data-rows]').dataset.rows)";

/// The page's clock (`performance.now()`), in whole milliseconds, rounded
/// up: what [`data_requests_since`] counts from.
#[allow(dead_code)]
pub const PAGE_CLOCK: &str = "Math.ceil(performance.now())";

/// The page's data requests to the gateway (either source) that started at
/// or after `since` (a [`PAGE_CLOCK`] reading) and have ended, from the
/// browser's own record. Counting from a moment, not a total: a load asks
/// for pages ahead of where it stands, and a page asked for past the last
/// one may end after the load has, which is not a request sent for what
/// the test does next.
#[allow(dead_code)]
pub fn data_requests_since(since: u64) -> String {
    format!(
        "performance.getEntriesByType('resource').filter(e => e.startTime >= {since} \
         && (e.name.includes('/gateway/octopai/') || e.name.includes('/gateway/cloudera/'))).length"
    )
}

pub const BOTH_LOADED: &str =
    "document.querySelectorAll('.load-progress[data-finished=\"true\"]').length === 2";

/// The page loads chart's table: each part's page loads summed, and each
/// part's most active users in a bucket.
#[allow(dead_code)] // Not every test binary splits usage.
pub const PAGE_LOAD_PARTS: &str = "const s = document.querySelector(\"section[data-chart='page-loads']\"); \
    const rows = [...s.querySelectorAll('details.data-table tbody tr')].map(r => [...r.cells].slice(2).map(c => Number(c.textContent))); \
    const parts = (rows[0] || []).length / 2; \
    return { legend: [...s.querySelectorAll('.legend li')].map(l => l.textContent), \
             label: s.querySelector('figure').getAttribute('aria-label'), \
             loads: [...Array(parts).keys()].map(p => rows.reduce((sum, r) => sum + r[2 * p], 0)), \
             users: [...Array(parts).keys()].map(p => Math.max(...rows.map(r => r[2 * p + 1]))) };";

/// Opens the usage panel, then its page loads chart's data table (the
/// panel's charts are built once it is open).
#[allow(dead_code)] // Not every test binary reads usage.
pub async fn open_page_loads_table(browser: &Browser) {
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "the usage charts",
            "!!document.querySelector(\"section[data-chart='page-loads'] details.data-table summary\")",
            Duration::from_secs(30),
        )
        .await;
    browser
        .click("section[data-chart='page-loads'] details.data-table summary")
        .await;
}
