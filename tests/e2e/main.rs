//! The app in the real WebKit engine, driven through WebDriver (tauri-driver +
//! WebKitWebDriver) against its embedded Sandbox: first start, creating a channel through
//! the form, publishing it to Active, the monitor graph, and an export to a file; then
//! quitting with a live watch running and starting again, and starting with corrupt files.
//!
//! Runs under `scripts/headless.sh` (Xvfb and a session bus). The ports are fixed, so the
//! whole journey is one test.
#![allow(clippy::unwrap_used)]

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use thirtyfour::prelude::*;

const DRIVER_PORT: u16 = 4444;
const NATIVE_PORT: u16 = 4445;
/// The embedded Sandbox's control token, fixed for this run so the test can drive its traffic.
const SANDBOX_CONTROL_TOKEN: &str = "e2e-control-token-3f9a1c";

/// A child process stopped with SIGTERM (tauri-driver then also stops WebKitWebDriver).
struct Terminated(Child);

impl Drop for Terminated {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn tauri_driver() -> PathBuf {
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin").join("tauri-driver"));
    match in_cargo_home {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "port {port} did not open; is webkit2gtk-driver installed?"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls a JavaScript expression until it returns something truthy, and returns it.
/// The first line of the app's log that holds `needle`, waiting up to 20 s for it.
async fn wait_for_log_line(log_dir: &std::path::Path, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let line = std::fs::read_dir(log_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .flat_map(|text| text.lines().map(str::to_string).collect::<Vec<_>>())
            .find(|line| line.contains(needle));
        if let Some(line) = line {
            return line;
        }
        assert!(Instant::now() < deadline, "the app did not log `{needle}`");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_js(driver: &WebDriver, expression: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    let script = format!("return ({expression});");
    loop {
        let value = driver
            .execute(&script, vec![])
            .await
            .unwrap()
            .json()
            .clone();
        let truthy = match &value {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return value;
        }
        if Instant::now() > deadline {
            let body = driver
                .execute("return document.querySelector('main').innerText", vec![])
                .await
                .map(|r| r.json().to_string())
                .unwrap_or_default();
            panic!("timed out waiting for `{expression}`; the screen shows: {body}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn text_of(driver: &WebDriver, css: &str) -> String {
    driver
        .find(By::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The smallest PNG there is, as a visitor's photo.
const PNG_PIXEL: &[u8] = webmsg_desk::sandbox::guest::PIXEL_PNG;

async fn nav(driver: &WebDriver, screen: &str) {
    click(driver, &format!("#nav button[data-screen='{screen}']")).await;
}

async fn click(driver: &WebDriver, css: &str) {
    driver
        .find(By::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Picks the option of a `<select>` whose text is `label`, as a user would.
async fn choose(driver: &WebDriver, css: &str, label: &str) -> String {
    // Options often arrive with a request the screen makes on showing: wait for it, as a
    // user would, on a slow machine too.
    let exists = format!(
        "[...(document.querySelector({css:?})?.options ?? [])].some(o => o.textContent === {label:?})"
    );
    wait_js(driver, &exists, Duration::from_secs(30)).await;
    let chosen = driver
        .execute(
            "const s = document.querySelector(arguments[0]); const o = [...s.options].find(o => o.textContent === arguments[1]); s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return o.value;",
            vec![json!(css), json!(label)],
        )
        .await
        .unwrap();
    chosen.json().as_str().unwrap().to_string()
}

async fn type_into(driver: &WebDriver, css: &str, text: &str) {
    let field = driver.find(By::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Waits (up to 20 s) until no process has `path` open, reading /proc.
fn wait_until_no_process_holds(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let held = || {
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|process| std::fs::read_dir(process.path().join("fd")).ok())
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
    };
    while held() {
        assert!(Instant::now() < deadline, "{} stayed open", path.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Types the channel's name into the production confirmation dialog and confirms.
async fn confirm_typed(driver: &WebDriver, channel: &str) {
    wait_js(
        driver,
        "document.querySelector('#confirm-dialog').open",
        Duration::from_secs(10),
    )
    .await;
    type_into(driver, "#confirm-typed", channel).await;
    wait_js(
        driver,
        "!document.querySelector('#confirm-ok').disabled",
        Duration::from_secs(5),
    )
    .await;
    click(driver, "#confirm-ok").await;
}

/// Posts to one of the embedded Sandbox's controls and returns its answer.
async fn control(http: &reqwest::Client, url: &str, body: Value) -> Value {
    let response = http
        .post(url)
        .header(
            webmsg_desk::sandbox::CONTROL_TOKEN_HEADER,
            SANDBOX_CONTROL_TOKEN,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

async fn shot(driver: &WebDriver, dir: &Path, name: &str) {
    driver
        .screenshot(&dir.join(format!("{name}.png")))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_create_publish_monitor_export() {
    let scratch = tempfile::tempdir().unwrap();
    let files = scratch.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    // The README's pictures are this journey's screenshots, taken anew on every run so
    // they show the app as it is (WEBMSG_DESK_SCREENSHOTS puts them elsewhere).
    let screenshots = std::env::var_os("WEBMSG_DESK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));
    std::fs::create_dir_all(&screenshots).unwrap();
    let journey_started = std::time::SystemTime::now();

    let driver_process = Command::new(tauri_driver())
        .args([
            "--port",
            &DRIVER_PORT.to_string(),
            "--native-port",
            &NATIVE_PORT.to_string(),
        ])
        // A first start: empty config and data directories.
        .env("XDG_CONFIG_HOME", scratch.path().join("config"))
        .env("XDG_DATA_HOME", scratch.path().join("data"))
        .env("WEBMSG_DESK_FILE_DIR", &files)
        .env(
            webmsg_desk::sandbox::CONTROL_TOKEN_VARIABLE,
            SANDBOX_CONTROL_TOKEN,
        )
        .spawn()
        .expect(
            "tauri-driver must be installed: cargo install tauri-driver --locked --version '^2'",
        );
    let _driver_guard = Terminated(driver_process);
    wait_for_port(DRIVER_PORT);
    wait_for_port(NATIVE_PORT);

    let mut capabilities = Capabilities::new();
    capabilities.set("browserName", "wry").unwrap();
    capabilities
        .set(
            "tauri:options",
            // WEBMSG_DESK_E2E_APP runs the journey against another build (a release binary).
            json!({ "application": std::env::var("WEBMSG_DESK_E2E_APP")
                .unwrap_or_else(|_| env!("CARGO_BIN_EXE_webmsg-desk").to_string()) }),
        )
        .unwrap();
    let launched = Instant::now();
    let launched_epoch_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    let driver = WebDriver::new(
        format!("http://127.0.0.1:{DRIVER_PORT}"),
        capabilities.clone(),
    )
    .await
    .unwrap();
    let session_ms = launched.elapsed().as_millis();
    wait_js(
        &driver,
        "document.body.dataset.ready === 'true' && document.querySelectorAll('#channels-table tbody tr').length > 0",
        Duration::from_secs(30),
    )
    .await;
    let ready_ms = launched.elapsed().as_millis();
    let first_paint = wait_js(
        &driver,
        "(() => { const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint') || performance.getEntriesByType('paint')[0]; return p ? performance.timeOrigin + p.startTime : performance.timeOrigin + performance.timing.domContentLoadedEventEnd - performance.timing.navigationStart; })()",
        Duration::from_secs(5),
    )
    .await
    .as_f64()
    .unwrap();
    println!(
        "window: WebDriver session {session_ms} ms, first paint {:.0} ms, first screen with data {ready_ms} ms after launch",
        first_paint - launched_epoch_ms
    );
    let navigation = driver
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; return [performance.timeOrigin, n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd];",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .clone();
    if let Some([origin, response, dom, load]) = navigation
        .as_array()
        .and_then(|v| v.iter().map(Value::as_f64).collect::<Option<Vec<_>>>())
        .as_deref()
    {
        println!(
            "window: navigation starts {:.0} ms after launch; page received +{response:.0} ms, DOM ready +{dom:.0} ms, loaded +{load:.0} ms",
            origin - launched_epoch_ms
        );
    }

    // The app logs what the page measured against its own launch, without WebDriver's
    // session in front.
    let log_dir = scratch
        .path()
        .join("data")
        .join(webmsg_desk::profiles::APP_IDENTIFIER)
        .join("logs");
    let shown = wait_for_log_line(&log_dir, "window shown").await;
    assert!(shown.contains("first_screen_ms="), "{shown}");
    println!(
        "window: the app logged {}",
        shown.split("window shown").last().unwrap_or(&shown).trim()
    );

    // First start: the built-in Sandbox profile is open and the banner says so.
    let banner = driver.find(By::Id("sandbox-banner")).await.unwrap();
    assert!(banner.is_displayed().await.unwrap());
    assert!(banner.text().await.unwrap().contains("Sandbox"));
    let profile = wait_js(
        &driver,
        "document.querySelector('#profile-select').selectedOptions[0]?.textContent",
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(profile, "Sandbox (built in)");
    assert!(text_of(&driver, "#channels-table")
        .await
        .contains("Support Site"));
    shot(&driver, &screenshots, "channels").await;

    // The editor: an invalid colour shows the inline error, a valid one updates the preview.
    click(&driver, "#channels-new").await;
    wait_js(
        &driver,
        "document.querySelectorAll('#f-queue option').length > 0",
        Duration::from_secs(10),
    )
    .await;
    type_into(&driver, "#f-name", "E2E Support").await;
    choose(&driver, "#f-queue", "Support").await;
    type_into(&driver, "#f-domains", "www.example.com").await;
    type_into(&driver, "#f-color", "#12zz").await;
    let error = wait_js(
        &driver,
        "document.querySelector('#e-color').textContent",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        error.as_str().unwrap().contains("#RRGGBB") || error.as_str().unwrap().contains("hex"),
        "{error}"
    );
    assert_eq!(
        driver
            .find(By::Id("f-color"))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    shot(&driver, &screenshots, "editor-invalid-colour").await;
    type_into(&driver, "#f-color", "#0b6e4f").await;
    wait_js(
        &driver,
        "document.querySelector('#e-color').textContent === ''",
        Duration::from_secs(5),
    )
    .await;
    wait_js(
        &driver,
        "document.querySelector('#preview-pages').dataset.primary === '#0b6e4f'",
        Duration::from_secs(5),
    )
    .await;
    let launcher_colour = wait_js(
        &driver,
        "getComputedStyle(document.querySelector('.page.dark .mock-launcher')).backgroundColor",
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(launcher_colour, "rgb(11, 110, 79)");
    assert!(text_of(&driver, "#contrast").await.contains(":1"));
    shot(&driver, &screenshots, "editor").await;

    // Publish: progress streams in and the run ends Active.
    click(&driver, "#editor-submit").await;
    wait_js(
        &driver,
        "document.querySelectorAll('#publish-steps li').length >= 2",
        Duration::from_secs(20),
    )
    .await;
    let end = wait_js(
        &driver,
        "document.querySelector('#publish-end').dataset.end",
        Duration::from_secs(90),
    )
    .await;
    assert_eq!(end, "active", "{}", text_of(&driver, "#publish-end").await);
    let steps = wait_js(
        &driver,
        "document.querySelectorAll('#publish-steps li').length",
        Duration::from_secs(5),
    )
    .await;
    assert!(steps.as_u64().unwrap() >= 4, "{steps} stages shown");
    wait_js(
        &driver,
        "document.querySelectorAll('#versions-table tbody tr').length >= 2",
        Duration::from_secs(10),
    )
    .await;
    shot(&driver, &screenshots, "publish").await;

    // Editing one setting in each group of the editor saves a draft whose changes are
    // those settings and nothing else.
    nav(&driver, "channels").await;
    wait_js(
        &driver,
        "document.querySelector(\"button[aria-label='Edit E2E Support']\")",
        Duration::from_secs(10),
    )
    .await;
    click(&driver, "button[aria-label='Edit E2E Support']").await;
    wait_js(
        &driver,
        "document.querySelector('#editor-title').textContent === 'Edit E2E Support' && document.querySelector('#f-agent-typing').checked",
        Duration::from_secs(10),
    )
    .await;
    let into_view = |css: &'static str| {
        let driver = &driver;
        async move {
            driver
                .execute(
                    "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
                    vec![json!(css)],
                )
                .await
                .unwrap();
        }
    };
    // Appearance: the launcher on demand, more side space.
    choose(&driver, "#f-visibility", "On demand (site opens it)").await;
    type_into(&driver, "#f-side-space", "40").await;
    wait_js(
        &driver,
        "!!document.querySelector('.page.light [data-role=on-demand]')",
        Duration::from_secs(5),
    )
    .await;
    into_view("#preview-pages").await;
    shot(&driver, &screenshots, "editor-on-demand").await;
    // Languages and labels: French added, a home title in each language; the preview
    // speaks the language whose labels are edited.
    driver
        .execute(
            "const o = [...document.querySelector('#f-languages').options].find(o => o.value === 'fr'); o.selected = true; o.parentElement.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    choose(&driver, "#f-label-language", "en-us").await;
    type_into(
        &driver,
        "#f-label-MessengerHomeHeaderTitle",
        "Welcome to E2E",
    )
    .await;
    choose(&driver, "#f-label-language", "fr").await;
    type_into(
        &driver,
        "#f-label-MessengerHomeHeaderTitle",
        "Bienvenue chez E2E",
    )
    .await;
    let french = wait_js(
        &driver,
        "document.querySelector('.page.light [data-role=home-title]')?.textContent",
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(french, "Bienvenue chez E2E");
    into_view("#f-label-language").await;
    shot(&driver, &screenshots, "editor-labels").await;
    choose(&driver, "#f-label-language", "en-us").await;
    let english = wait_js(
        &driver,
        "document.querySelector('.page.light [data-role=home-title]')?.textContent === 'Welcome to E2E'",
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(english, true);
    // Conversations, attachments, knowledge, authentication, cobrowse, journey events,
    // support center.
    into_view("#f-agent-typing").await;
    click(&driver, "#f-agent-typing").await;
    shot(&driver, &screenshots, "editor-conversations").await;
    choose(&driver, "#f-supported-content", "Images and PDF").await;
    let types = text_of(&driver, "#supported-content-types").await;
    assert!(types.contains("application/pdf"), "{types}");
    into_view("#f-knowledge").await;
    click(&driver, "#f-knowledge").await;
    choose(&driver, "#f-knowledge-base", "Help Center").await;
    choose(&driver, "#f-auth-integration", "Customer Login").await;
    into_view("#f-auth").await;
    click(&driver, "#f-auth").await;
    into_view("#f-cobrowse").await;
    click(&driver, "#f-cobrowse").await;
    choose(&driver, "#f-pageview", "The first page").await;
    into_view("#f-support-center").await;
    click(&driver, "#f-support-center").await;
    choose(&driver, "#f-support-kb", "Returns FAQ").await;
    // Headless last: the preview then shows the page drawing its own UI.
    into_view("#f-headless").await;
    click(&driver, "#f-headless").await;
    wait_js(
        &driver,
        "!!document.querySelector('.page.light [data-role=headless]')",
        Duration::from_secs(5),
    )
    .await;
    into_view("#preview-pages").await;
    shot(&driver, &screenshots, "editor-headless").await;
    click(&driver, "#editor-submit").await;
    let changed = wait_js(
        &driver,
        "(() => { const paths = [...document.querySelectorAll('#diff-draft tbody td.path')]; return paths.length > 0 && paths.map(p => p.textContent).join('\\n'); })()",
        Duration::from_secs(20),
    )
    .await;
    let changed: Vec<&str> = changed.as_str().unwrap().lines().collect();
    let expected = [
        "messenger.launcherButton.visibility",
        "position.sideSpace",
        "languages",
        "customI18nLabels",
        "messenger.apps.conversations.showAgentTypingIndicator",
        "deployment.supportedContent.id",
        "messenger.apps.knowledge",
        "authenticationSettings",
        "cobrowse",
        "journeyEvents",
        "supportCenter",
        "headlessMode",
    ];
    for group in expected {
        assert!(
            changed.iter().any(|path| path.starts_with(group)),
            "{group} is among the changes: {changed:#?}"
        );
    }
    for path in &changed {
        assert!(
            expected.iter().any(|group| path.starts_with(group)),
            "{path} changed but was not edited: {changed:#?}"
        );
    }
    shot(&driver, &screenshots, "editor-review").await;

    // The monitor shows a wait-time graph once two polls are in.
    nav(&driver, "monitor").await;
    let chart = wait_js(
        &driver,
        "(() => { const img = document.querySelector('#monitor-chart'); return !img.hidden && img.complete && img.naturalWidth > 0 ? img.src.slice(0, 26) : ''; })()",
        Duration::from_secs(40),
    )
    .await;
    assert_eq!(chart, "data:image/svg+xml;base64,");

    // Overload the first queue in the embedded Sandbox (one agent, an arrival a second)
    // so the monitor has something to flag.
    let sandbox_url = wait_js(
        &driver,
        "window.__TAURI__.core.invoke('load_channels').then(o => o.environment.replace('Sandbox at ', ''))",
        Duration::from_secs(10),
    )
    .await;
    let sandbox_url = sandbox_url
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let first_queue = wait_js(
        &driver,
        "document.querySelector('#queue-tiles .tile').dataset.queue",
        Duration::from_secs(5),
    )
    .await;
    let http = reqwest::Client::new();
    // A known backlog at any simulated hour: the seeded line ended, 40 customers waiting
    // and one more a second for a single agent.
    control(
        &http,
        &format!(
            "{sandbox_url}/sandbox/queues/{}/traffic",
            first_queue.as_str().unwrap()
        ),
        json!({"onQueueAgents": 1, "arrivalsPerHour": 3600, "patienceSeconds": 3600, "dailyCurve": false,
               "endConversations": true, "addWaiting": 40}),
    )
    .await;
    assert!(
        wait_js(
            &driver,
            "document.querySelectorAll('#queue-tiles .tile').length",
            Duration::from_secs(5)
        )
        .await
        .as_u64()
        .unwrap()
            >= 4
    );
    shot(&driver, &screenshots, "monitor").await;

    // Export writes a file whose content is the channel just created.
    nav(&driver, "transfer").await;
    let deployment_id = choose(&driver, "#export-channel", "E2E Support").await;
    click(&driver, "#export-go").await;
    let path = wait_js(
        &driver,
        "document.querySelector('#export-result').dataset.path",
        Duration::from_secs(15),
    )
    .await;
    let document: Value =
        serde_json::from_slice(&std::fs::read(path.as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(document["schemaVersion"], 1);
    assert_eq!(document["deployment"]["name"], "E2E Support");
    assert_eq!(document["deployment"]["id"], deployment_id);
    assert_eq!(
        document["configuration"]["messenger"]["styles"]["primaryColor"],
        "#0b6e4f"
    );
    assert_eq!(
        document["deployment"]["allowedDomains"],
        json!(["www.example.com"])
    );
    assert_eq!(document["routing"]["queues"][0]["name"], "Support");

    // Import shows how the file maps onto the org, its domains and every setting the
    // editor does not show before it writes, then creates it.
    let mut edited = document.clone();
    edited["configuration"]["messenger"]["styles"]["launcherFont"] = json!("Comic Sans MS");
    std::fs::write(
        path.as_str().unwrap(),
        serde_json::to_vec_pretty(&edited).unwrap(),
    )
    .unwrap();
    click(&driver, "#import-choose").await;
    wait_js(
        &driver,
        "!document.querySelector('#import-plan').hidden",
        Duration::from_secs(15),
    )
    .await;
    let mapping = text_of(&driver, "#import-mapping").await;
    assert!(
        mapping.contains("Support") && mapping.contains("Web Messaging Inbound"),
        "{mapping}"
    );
    let domains = text_of(&driver, "#import-domains").await;
    assert!(domains.contains("www.example.com"), "{domains}");
    let carried = text_of(&driver, "#import-carried").await;
    assert!(
        carried.contains("configuration.messenger.styles.launcherFont")
            && carried.contains("Not known to this app"),
        "{carried}"
    );
    shot(&driver, &screenshots, "export").await;
    click(&driver, "#import-go").await;
    let imported = wait_js(
        &driver,
        "document.querySelector('#import-result').className === 'ok' && document.querySelector('#import-result').textContent",
        Duration::from_secs(90),
    )
    .await;
    assert!(
        imported.as_str().unwrap().contains("is Active"),
        "{imported}"
    );

    // The other screens render against the Sandbox too.
    let loaded = [
        (
            "fallback",
            "document.querySelectorAll('#fb-queue option').length > 1",
        ),
        (
            "metrics",
            "document.querySelectorAll('#metrics-cards .card').length >= 6",
        ),
        (
            "profiles",
            "document.querySelectorAll('#profiles-table tbody tr').length === 1",
        ),
    ];
    for (screen, ready) in loaded {
        nav(&driver, screen).await;
        let started = Instant::now();
        wait_js(&driver, ready, Duration::from_secs(30)).await;
        println!(
            "{screen} screen loaded in {} ms",
            started.elapsed().as_millis()
        );
        let error = driver.find(By::Id("error")).await.unwrap();
        assert!(
            !error.is_displayed().await.unwrap(),
            "{screen}: {}",
            error.text().await.unwrap()
        );
        shot(&driver, &screenshots, screen).await;
    }
    // The connection test shows, screen by screen, that the Sandbox client may do it all.
    click(&driver, "#profiles-table tbody tr button").await;
    let summary = wait_js(&driver, "document.querySelectorAll('#access-report details').length === 8 && document.querySelector('#access-report').innerText", Duration::from_secs(20)).await;
    assert!(
        summary
            .as_str()
            .unwrap()
            .contains("Every screen has what it needs"),
        "{summary}"
    );
    assert!(
        summary.as_str().unwrap().contains("ready Test drive"),
        "{summary}"
    );
    shot(&driver, &screenshots, "profiles").await;

    // A real org's profile: the secret goes to the keychain, never into a file or back
    // into the page, and the profile can be removed again.
    let secret = format!("e2e-secret-{}", std::process::id());
    type_into(&driver, "#p-name", "Prod EU").await;
    choose(&driver, "#p-region", "EMEA (Dublin) · eu-west-1").await;
    type_into(
        &driver,
        "#p-client-id",
        "7f3c0000-e2e0-4000-8000-000000000001",
    )
    .await;
    type_into(&driver, "#p-secret", &secret).await;
    click(&driver, "#profile-form button[type='submit']").await;
    wait_js(
        &driver,
        "document.querySelectorAll('#profiles-table tbody tr').length === 2 && document.querySelectorAll('#profile-select option').length === 2",
        Duration::from_secs(10),
    )
    .await;
    let page = driver
        .execute("return document.documentElement.outerHTML + [...document.querySelectorAll('input')].map(i => i.value).join(' ')", vec![])
        .await
        .unwrap()
        .json()
        .to_string();
    assert!(!page.contains(&secret), "the secret is back in the page");
    assert!(text_of(&driver, "#profiles-table")
        .await
        .contains("EMEA (Dublin)"));
    let mut folders = vec![scratch.path().to_path_buf()];
    let mut checked = 0;
    while let Some(next) = folders.pop() {
        for entry in std::fs::read_dir(next).unwrap().flatten() {
            if entry.path().is_dir() {
                folders.push(entry.path());
            } else if let Ok(bytes) = std::fs::read(entry.path()) {
                checked += 1;
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(&secret),
                    "{} holds the secret",
                    entry.path().display()
                );
            }
        }
    }
    assert!(
        checked >= 3,
        "profiles, settings and the database were read ({checked} files)"
    );
    driver
        .execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    driver
        .find(By::Css(
            "#profiles-table tbody tr[data-profile='Prod EU'] button.danger",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &driver,
        "document.querySelectorAll('#profiles-table tbody tr').length === 1",
        Duration::from_secs(10),
    )
    .await;

    // Keyboard: Tab moves on from the profile picker into the navigation, arrow keys move
    // along it, and the focused control is drawn with an outline.
    driver
        .execute("document.querySelector('#profile-select').focus();", vec![])
        .await
        .unwrap();
    let focused_js = "(() => { const e = document.activeElement; const s = getComputedStyle(e); return (e.dataset.screen || e.id) + '|' + s.outlineStyle + '|' + s.outlineWidth; })()";
    for (key, expected) in [(Key::Tab, "channels|"), (Key::Down, "editor|")] {
        driver
            .active_element()
            .await
            .unwrap()
            .send_keys(key)
            .await
            .unwrap();
        let focused = wait_js(&driver, focused_js, Duration::from_secs(5)).await;
        let focused = focused.as_str().unwrap();
        assert!(focused.starts_with(expected), "{focused}");
        assert!(
            focused.ends_with("|solid|3px"),
            "focus is not visible: {focused}"
        );
    }

    // Back on the monitor a few polls later: the graph has grown and the overloaded queue
    // carries its alert.
    nav(&driver, "monitor").await;
    wait_js(
        &driver,
        "parseInt(document.querySelector('#monitor-chart-message').textContent) >= 3",
        Duration::from_secs(30),
    )
    .await;
    let flagged = wait_js(
        &driver,
        "document.querySelector('#queue-tiles .tile.alert')?.innerText",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        flagged.as_str().unwrap().contains("wait exceeded")
            || flagged.as_str().unwrap().contains("over capacity"),
        "{flagged}"
    );
    shot(&driver, &screenshots, "monitor").await;

    // Test drive: the visitor waits in a Support line nobody answers, sees its place in
    // the queue, then agents come back and one joins.
    let token: Value = http
        .post(format!("{sandbox_url}/oauth/token"))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let queues: Value = http
        .get(format!("{sandbox_url}/api/v2/routing/queues?name=Support"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let support = queues["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "Support")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let traffic = format!("{sandbox_url}/sandbox/queues/{support}/traffic");
    // Two customers ahead and nobody to answer, whatever the simulated hour: the line the
    // seeded history left is ended first.
    let line = control(
        &http,
        &traffic,
        json!({"onQueueAgents": 0, "arrivalsPerHour": 0, "patienceSeconds": 36000, "dailyCurve": false,
               "endConversations": true, "addWaiting": 2}),
    )
    .await;
    assert_eq!(
        (line["waiting"].as_u64(), line["active"].as_u64()),
        (Some(2), Some(0)),
        "{line}"
    );
    nav(&driver, "drive").await;
    choose(&driver, "#drive-channel", "Support Site").await;
    // A photo to send: the dialog (here, the test's folder) gives its newest file.
    std::fs::write(files.join("receipt.png"), PNG_PIXEL).unwrap();
    click(&driver, "#drive-attach").await;
    let attached = wait_js(
        &driver,
        "document.querySelector('#drive-files')?.textContent",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        attached
            .as_str()
            .unwrap()
            .contains("receipt.png · 67 bytes"),
        "{attached}"
    );
    click(&driver, "#drive-start").await;
    let position = wait_js(
        &driver,
        "document.querySelector('#drive-queue p')?.textContent",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        text_of(&driver, "#drive-transcript")
            .await
            .contains("How can we help"),
        "the bot greeted the visitor"
    );
    // The greeting's quick replies are chips under its text, as Messenger draws them.
    let chips = wait_js(
        &driver,
        "Array.from(document.querySelectorAll('#drive-transcript .bubble.bot .chips .chip')).map((c) => c.textContent).join('|')",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(
        chips.as_str(),
        Some("Track my order|Talk to an agent"),
        "{chips}"
    );
    assert!(
        position.as_str().unwrap().starts_with("Position 3"),
        "two customers were ahead: {position}"
    );
    shot(&driver, &screenshots, "test-drive-waiting").await;
    control(
        &http,
        &traffic,
        json!({"onQueueAgents": 8, "handleTimeSeconds": 20}),
    )
    .await;
    let result = wait_js(
        &driver,
        "document.querySelector('#drive-result.ok')?.textContent",
        Duration::from_secs(60),
    )
    .await;
    assert!(
        result.as_str().unwrap().contains("an agent joined")
            && result.as_str().unwrap().contains("Support"),
        "{result}"
    );
    assert!(
        wait_js(
            &driver,
            "document.querySelectorAll('#drive-transcript .bubble.agent').length",
            Duration::from_secs(10)
        )
        .await
        .as_u64()
        .unwrap()
            >= 1
    );
    assert!(text_of(&driver, "#drive-timings")
        .await
        .contains("Agent joined"));
    assert!(
        text_of(&driver, "#drive-transcript")
            .await
            .contains("receipt.png · 67 bytes"),
        "the photo was sent through the attachment flow"
    );
    shot(&driver, &screenshots, "test-drive").await;
    // The drive ended its own conversation: none is left open.
    click(&driver, "#leftovers-find").await;
    let leftovers = wait_js(
        &driver,
        "document.querySelector('#leftovers-result.ok')?.textContent",
        Duration::from_secs(20),
    )
    .await;
    assert!(
        leftovers
            .as_str()
            .unwrap()
            .starts_with("0 synthetic conversation(s) open among"),
        "{leftovers}"
    );

    // Live & embed: the served version, the snippet and the CSP for this Sandbox.
    nav(&driver, "live").await;
    choose(&driver, "#live-channel", "Support Site").await;
    wait_js(
        &driver,
        "document.querySelector('#live-versions')?.textContent.includes('Served to visitors')",
        Duration::from_secs(15),
    )
    .await;
    assert!(text_of(&driver, "#live-snippet")
        .await
        .contains("genesys-bootstrap"));
    assert!(text_of(&driver, "#live-csp").await.contains("connect-src"));
    shot(&driver, &screenshots, "live").await;

    // A canary on the channel: its first round runs at once and is charted.
    let canary_file = scratch.path().join("canary.yaml");
    std::fs::write(
        &canary_file,
        "scenarios:\n  Greets:\n    - say: hi\n    - expect-reply: { contains: help, within: 10 }\n",
    )
    .unwrap();
    type_into(&driver, "#canary-file", canary_file.to_str().unwrap()).await;
    click(&driver, "#canary-start").await;
    let status = wait_js(
        &driver,
        "(() => { const t = document.querySelector('#canary-status').textContent; return t.includes('% of scenario runs passed') && t; })()",
        Duration::from_secs(30),
    )
    .await;
    assert!(status.as_str().unwrap().contains("100.0 %"), "{status}");
    assert!(wait_js(
        &driver,
        "!document.querySelector('#canary-chart').hidden",
        Duration::from_secs(5)
    )
    .await
    .as_bool()
    .unwrap());
    let chart = wait_js(
        &driver,
        "decodeURIComponent(document.querySelector('#canary-chart').src.split(',')[1])",
        Duration::from_secs(5),
    )
    .await;
    let chart = chart.as_str().unwrap();
    assert!(chart.contains("1 of 1 scenario runs passed"), "{chart}");
    driver
        .execute("document.querySelector('main').scrollTop = 1e6;", vec![])
        .await
        .unwrap();
    shot(&driver, &screenshots, "canary").await;
    click(&driver, "#canary-stop").await;

    // Compare & promote: the embedded Sandbox's channel into a production org of its own
    // (a second Sandbox, seeded so the same names carry other ids). The plan shows each id
    // found in the target and an update in place; Promote asks for the name first.
    let target_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _target_org = Terminated(
        Command::new(env!("CARGO_BIN_EXE_webmsg-desk"))
            .args([
                "sandbox",
                "--port",
                &target_port.to_string(),
                "--lifecycle-delay-ms",
                "200",
                "--seed",
                "2",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(target_port);
    let target_profile = format!(
        "Live org e2e {}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let form = json!({"name": target_profile, "environment": format!("http://127.0.0.1:{target_port}"),
                      "clientId": "sandbox-client", "clientSecret": "sandbox-secret", "production": true});
    wait_js(
        &driver,
        &format!("window.__TAURI__.core.invoke('save_profile', {{form: {form}}}).then(() => true)"),
        Duration::from_secs(10),
    )
    .await;
    nav(&driver, "promote").await;
    let target_label = format!("{target_profile} · production");
    wait_js(
        &driver,
        &format!(
            "[...document.querySelectorAll('#promote-to option')].some(o => o.textContent === {})",
            json!(target_label)
        ),
        Duration::from_secs(10),
    )
    .await;
    choose(&driver, "#promote-from", "Sandbox (built in)").await;
    choose(&driver, "#promote-to", &target_label).await;
    type_into(&driver, "#promote-name", "Support Site").await;
    type_into(
        &driver,
        "#promote-domain-rules",
        "localhost=www.example.com",
    )
    .await;
    click(&driver, "#promote-compare").await;
    wait_js(
        &driver,
        "!document.querySelector('#promote-plan').hidden",
        Duration::from_secs(30),
    )
    .await;
    let planned = text_of(&driver, "#promote-channels").await;
    assert!(planned.contains("Update in place"), "{planned}");
    assert!(planned.contains("deployment.flow.id"), "{planned}");
    assert!(!planned.contains("missing in target"), "{planned}");
    assert!(text_of(&driver, "#promote-summary")
        .await
        .contains("1 to update in place"));
    assert_eq!(
        text_of(&driver, "#promote-go").await,
        "Promote into production…"
    );
    shot(&driver, &screenshots, "promote-plan").await;
    click(&driver, "#promote-go").await;
    confirm_typed(&driver, "Support Site").await;
    let promoted = wait_js(
        &driver,
        "!document.querySelector('#promote-report').hidden && document.querySelector('#promote-report tbody tr')?.dataset.result",
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(
        promoted,
        "updated",
        "{}",
        text_of(&driver, "#promote-progress").await
    );
    assert!(text_of(&driver, "#promote-progress")
        .await
        .contains("Promoted 1 of 1"));
    shot(&driver, &screenshots, "promote-done").await;
    wait_js(
        &driver,
        &format!(
            "window.__TAURI__.core.invoke('remove_profile', {{name: {}}}).then(() => true)",
            json!(target_profile)
        ),
        Duration::from_secs(10),
    )
    .await;

    // A production profile (on the same Sandbox): its banner, and a delete that goes
    // ahead only once the channel's name is typed exactly.
    let production = format!(
        "Production e2e {}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let form = json!({"name": production, "environment": sandbox_url, "clientId": "sandbox-client",
                      "clientSecret": "sandbox-secret", "production": true, "colour": "#8e44ad"});
    wait_js(
        &driver,
        &format!("window.__TAURI__.core.invoke('save_profile', {{form: {form}}}).then(() => true)"),
        Duration::from_secs(10),
    )
    .await;
    // The profiles screen reads the list again, as after saving in its form.
    nav(&driver, "profiles").await;
    wait_js(
        &driver,
        &format!(
            "[...document.querySelectorAll('#profile-select option')].some(o => o.textContent === {})",
            json!(format!("{production} · production"))
        ),
        Duration::from_secs(10),
    )
    .await;
    choose(
        &driver,
        "#profile-select",
        &format!("{production} · production"),
    )
    .await;
    wait_js(
        &driver,
        "!document.querySelector('#production-banner').hidden && document.body.dataset.production === 'true' && getComputedStyle(document.querySelector('#read-only-badge')).display === 'none'",
        Duration::from_secs(10),
    )
    .await;
    assert!(text_of(&driver, "#production-banner")
        .await
        .contains(&production));
    nav(&driver, "channels").await;
    wait_js(
        &driver,
        "document.querySelector(\"button[aria-label='Delete Support Site']\")",
        Duration::from_secs(10),
    )
    .await;
    click(&driver, "button[aria-label='Delete Support Site']").await;
    wait_js(
        &driver,
        "document.querySelector('#confirm-dialog').open",
        Duration::from_secs(5),
    )
    .await;
    type_into(&driver, "#confirm-typed", "Support").await;
    assert_eq!(
        wait_js(
            &driver,
            "String(document.querySelector('#confirm-ok').disabled)",
            Duration::from_secs(2)
        )
        .await,
        "true",
        "a partial name does not confirm"
    );
    type_into(&driver, "#confirm-typed", "Support Site").await;
    assert_eq!(
        wait_js(
            &driver,
            "String(document.querySelector('#confirm-ok').disabled)",
            Duration::from_secs(2)
        )
        .await,
        "false"
    );
    shot(&driver, &screenshots, "production-confirm").await;
    click(&driver, "#confirm-ok").await;
    let deleted = wait_js(
        &driver,
        "document.querySelector('#screen-channels p.ok')?.textContent",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        deleted.as_str().unwrap().contains("Snapshot saved"),
        "{deleted}"
    );
    assert!(!text_of(&driver, "#channels-table")
        .await
        .contains("Support Site"));
    shot(&driver, &screenshots, "production").await;
    wait_js(
        &driver,
        &format!(
            "window.__TAURI__.core.invoke('remove_profile', {{name: {}}}).then(() => true)",
            json!(production)
        ),
        Duration::from_secs(10),
    )
    .await;
    println!("e2e journey: {} ms", launched.elapsed().as_millis());

    // Quitting while a live fallback watch runs asks first; quitting then stops in order,
    // and the next start resumes the watch. The org must outlive the app, so this profile
    // is a Sandbox served by the CLI, not the embedded one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _org = Terminated(
        Command::new(env!("CARGO_BIN_EXE_webmsg-desk"))
            .args([
                "sandbox",
                "--port",
                &port.to_string(),
                "--lifecycle-delay-ms",
                "200",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);
    let watched = format!(
        "Watch e2e {}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let form = json!({"name": watched, "environment": format!("http://127.0.0.1:{port}"),
                      "clientId": "sandbox-client", "clientSecret": "sandbox-secret", "production": true});
    wait_js(
        &driver,
        &format!(
            "window.__TAURI__.core.invoke('save_profile', {{form: {form}}}).then(() => window.__TAURI__.core.invoke('activate_profile', {{name: {}}})).then(() => true)",
            json!(watched)
        ),
        Duration::from_secs(10),
    )
    .await;
    driver.execute("location.reload();", vec![]).await.unwrap();
    wait_js(
        &driver,
        "document.body.dataset.ready === 'true' && document.querySelectorAll('#channels-table tbody tr').length > 0",
        Duration::from_secs(30),
    )
    .await;
    nav(&driver, "fallback").await;
    choose(&driver, "#fallback-channel", "Support Site").await;
    wait_js(
        &driver,
        "[...document.querySelectorAll('#fb-flow option')].some(o => o.textContent === 'Web Messaging Fallback')",
        Duration::from_secs(20),
    )
    .await;
    choose(&driver, "#fb-queue", "Support").await;
    choose(&driver, "#fb-flow", "Web Messaging Fallback").await;
    type_into(&driver, "#fb-min-agents", "1000").await;
    type_into(&driver, "#fb-trigger", "1").await;
    click(&driver, "#fb-start").await;
    // A production profile: the live watch starts once the channel's name is typed.
    confirm_typed(&driver, "Support Site").await;
    wait_js(
        &driver,
        "document.querySelector('#fallback-state').textContent.startsWith('Watching (live)')",
        Duration::from_secs(20),
    )
    .await;
    let quit_keys = || async {
        driver
            .action_chain()
            .key_down(Key::Control)
            .send_keys("q")
            .key_up(Key::Control)
            .perform()
            .await
            .unwrap();
    };
    quit_keys().await;
    let asked = wait_js(
        &driver,
        "document.querySelector('#quit-dialog').open && document.querySelector('#quit-work').innerText",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        asked
            .as_str()
            .unwrap()
            .contains("Support Site: live fallback watch"),
        "{asked}"
    );
    shot(&driver, &screenshots, "quit").await;
    click(&driver, "#quit-stay").await;
    wait_js(
        &driver,
        "!document.querySelector('#quit-dialog').open && document.querySelector('#fallback-state').textContent.startsWith('Watching (live)')",
        Duration::from_secs(10),
    )
    .await;
    quit_keys().await;
    wait_js(
        &driver,
        "document.querySelector('#quit-dialog').open",
        Duration::from_secs(10),
    )
    .await;
    // The app may be gone before the click is answered.
    let _ = driver
        .find(By::Css("#quit-confirm"))
        .await
        .unwrap()
        .click()
        .await;
    let quit_line = wait_for_log_line(&log_dir, "quitting").await;
    assert!(quit_line.contains("watches_to_resume=1"), "{quit_line}");
    println!("quit: {quit_line}");
    // The app is gone; the driver still holds its session until told.
    let _ = driver.quit().await;

    let driver = WebDriver::new(
        format!("http://127.0.0.1:{DRIVER_PORT}"),
        capabilities.clone(),
    )
    .await
    .unwrap();
    // On a production profile the recorded live watch waits for the person.
    let waiting = wait_js(
        &driver,
        "!document.querySelector('#watch-resumed').hidden && document.querySelector('#watch-resumed').textContent",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        waiting
            .as_str()
            .unwrap()
            .contains("switches a production route, so it waits for you"),
        "{waiting}"
    );
    shot(&driver, &screenshots, "resume-waits").await;
    click(
        &driver,
        "button[aria-label='Resume the watch on Support Site']",
    )
    .await;
    confirm_typed(&driver, "Support Site").await;
    let resumed = wait_js(
        &driver,
        "document.querySelector('#watch-resumed').textContent.includes('Resumed the live fallback watch on Support Site') && document.querySelector('#watch-resumed').textContent",
        Duration::from_secs(20),
    )
    .await;
    assert!(
        !resumed.as_str().unwrap().contains("waits for you"),
        "{resumed}"
    );
    nav(&driver, "fallback").await;
    choose(&driver, "#fallback-channel", "Support Site").await;
    wait_js(
        &driver,
        "document.querySelector('#fallback-state').textContent.startsWith('Watching (live)')",
        Duration::from_secs(20),
    )
    .await;
    shot(&driver, &screenshots, "resumed").await;
    click(&driver, "#fb-stop").await;
    wait_js(
        &driver,
        "document.querySelector('#fallback-state').textContent.startsWith('Not watching')",
        Duration::from_secs(20),
    )
    .await;
    wait_js(
        &driver,
        &format!(
            "window.__TAURI__.core.invoke('remove_profile', {{name: {}}}).then(() => true)",
            json!(watched)
        ),
        Duration::from_secs(10),
    )
    .await;
    driver.quit().await.unwrap();

    // A corrupt profiles file and database do not stop the window: it opens the Sandbox,
    // says what happened and where the old files were kept.
    let own = |base: &str| {
        scratch
            .path()
            .join(base)
            .join(webmsg_desk::profiles::APP_IDENTIFIER)
    };
    // The quit app checkpoints its database as it closes; corrupt it only after that.
    wait_until_no_process_holds(&own("data").join("desk.sqlite3"));
    std::fs::write(own("config").join("profiles.json"), b"{\"profiles\": [").unwrap();
    std::fs::write(
        own("data").join("desk.sqlite3"),
        b"this was never a database",
    )
    .unwrap();
    let driver = WebDriver::new(format!("http://127.0.0.1:{DRIVER_PORT}"), capabilities)
        .await
        .unwrap();
    let notice = wait_js(
        &driver,
        "document.body.dataset.ready === 'true' && !document.querySelector('#notice').hidden && document.querySelector('#notice').textContent",
        Duration::from_secs(30),
    )
    .await;
    let notice = notice.as_str().unwrap();
    assert!(
        notice.contains("profiles file")
            && notice.contains("history database")
            && notice.contains(".corrupt-"),
        "{notice}"
    );
    assert_eq!(
        driver
            .execute(
                "return document.querySelector('#profile-select').selectedOptions[0].textContent",
                vec![]
            )
            .await
            .unwrap()
            .json(),
        &json!("Sandbox (built in)")
    );
    wait_js(
        &driver,
        "document.querySelectorAll('#channels-table tbody tr').length > 0",
        Duration::from_secs(20),
    )
    .await;
    shot(&driver, &screenshots, "corrupt-start").await;
    driver.quit().await.unwrap();

    // Every picture the README shows was taken by this run.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let pictures: Vec<&str> = readme
        .split("](docs/screenshots/")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect();
    assert!(pictures.len() >= 8, "{pictures:?}");
    for picture in pictures {
        let taken = std::fs::metadata(screenshots.join(picture))
            .and_then(|meta| meta.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        assert!(
            taken >= journey_started,
            "the README shows docs/screenshots/{picture}, which this journey did not take"
        );
    }
}

/// A second launch hands over to the running window before it opens anything: the
/// single-instance check runs before the workspace, database and Sandbox are opened.
#[test]
fn a_second_launch_leaves_the_running_window_and_its_files_alone() {
    let scratch = tempfile::tempdir().unwrap();
    let logs = scratch
        .path()
        .join("data")
        .join(webmsg_desk::profiles::APP_IDENTIFIER)
        .join("logs");
    // The single-instance check is a name on the session bus: a bus of its own keeps the
    // journey's window, started meanwhile, out of it. SIGTERM ends the first window the
    // way Quit does, so `wait` returns; every wait in the script is bounded.
    let script = r#"
        "$APP" 2>/dev/null & first=$!
        for _ in $(seq 1 300); do
            grep -qs "workspace ready" "$LOGS"/*.log && break
            sleep 0.1
        done
        timeout 20 "$APP" 2>/dev/null; echo "second exited $?"
        kill -0 "$first" && echo "first still running"
        kill -TERM "$first"
        for _ in $(seq 1 150); do kill -0 "$first" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$first" 2>/dev/null && { echo "first ignored SIGTERM"; kill -KILL "$first"; }
        wait "$first"; echo "first exited $?"
    "#;
    // Output goes to a file, not a pipe: whatever the session bus starts (the a11y bus
    // launcher on machines that have it) may outlive the script holding what it inherited.
    let said_path = scratch.path().join("launches.out");
    let mut launches = Command::new("dbus-run-session")
        .args(["--", "bash", "-c", script])
        .env("APP", env!("CARGO_BIN_EXE_webmsg-desk"))
        .env("LOGS", &logs)
        .env("XDG_CONFIG_HOME", scratch.path().join("config"))
        .env("XDG_DATA_HOME", scratch.path().join("data"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&said_path).unwrap())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("dbus-run-session runs (scripts/setup.sh installs it)");
    let group = ProcessGroup(launches.id());
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = launches.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(group);
    let said = std::fs::read_to_string(&said_path).unwrap_or_default();
    assert!(
        status.is_some(),
        "the launches did not end within 120 s: {said}"
    );
    assert!(said.contains("second exited 0"), "{said}");
    assert!(said.contains("first still running"), "{said}");
    assert!(
        said.contains("first exited 0"),
        "SIGTERM quits the window in order: {said}"
    );
    let log: String = std::fs::read_dir(&logs)
        .unwrap()
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect();
    assert_eq!(
        log.matches("embedded Sandbox started").count(),
        1,
        "only the first launch opens the workspace:\n{log}"
    );
    assert!(
        log.contains("stop signal received: quitting in order")
            && log.contains("watches_to_resume="),
        "{log}"
    );
}

/// A process group killed whole when dropped, so nothing a test started outlives it.
struct ProcessGroup(u32);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .stderr(Stdio::null())
            .status();
    }
}
