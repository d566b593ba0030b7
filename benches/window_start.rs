//! Cold start: from launching the app on empty directories (a first start, Sandbox
//! profile) to its first paint and to its first screen with data, as the page measured
//! them and the app logged them, counted from the spawn. No WebDriver in between: this is
//! what a user waits.
//!
//! Needs a display: `scripts/headless.sh cargo bench --bench window_start -- [--runs 7]`

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;
use common::{argument, Stopped};

/// `key=value` from a log line, as a number.
fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
        .and_then(|value| value.parse().ok())
}

struct Start {
    /// The Sandbox and workspace, opened beside the window's start.
    opened_ms: Option<f64>,
    navigation_ms: f64,
    first_paint_ms: f64,
    first_screen_ms: f64,
    /// From spawning the process to the moment the app logged the first screen.
    logged_ms: f64,
}

fn start_once() -> anyhow::Result<Start> {
    let scratch = tempfile::tempdir()?;
    let spawned = Instant::now();
    let spawned_epoch = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0;
    let mut app = Stopped(
        Command::new(env!("CARGO_BIN_EXE_webmsg-desk"))
            .env("XDG_CONFIG_HOME", scratch.path().join("config"))
            .env("XDG_DATA_HOME", scratch.path().join("data"))
            .env("XDG_CACHE_HOME", scratch.path().join("cache"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?,
    );
    let stderr = app.0.stderr.take().expect("stderr is piped");
    let (lines, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut opened_ms = None;
    loop {
        let line = receive
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| anyhow::anyhow!("the window did not report its first screen in 30 s"))?;
        if line.contains("embedded Sandbox started") {
            opened_ms = field(&line, "opened_ms");
        }
        if line.contains("window shown") {
            let logged_ms = spawned.elapsed().as_secs_f64() * 1000.0;
            let value = |key| -> anyhow::Result<f64> {
                field(&line, key).ok_or_else(|| anyhow::anyhow!("no {key} in: {line}"))
            };
            // The app counts from its own start; the process's loading before it counts too.
            let loading = value("launched_epoch_ms")? - spawned_epoch;
            return Ok(Start {
                opened_ms,
                navigation_ms: loading + value("navigation_ms")?,
                first_paint_ms: loading + value("first_paint_ms")?,
                first_screen_ms: loading + value("first_screen_ms")?,
                logged_ms,
            });
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> anyhow::Result<()> {
    anyhow::ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "no display: run under scripts/headless.sh"
    );
    let runs = argument("--runs", 7).max(1);
    let mut starts = Vec::new();
    for run in 1..=runs {
        let start = start_once()?;
        println!(
            "run {run}: workspace opened in {} ms beside it; navigation starts {:.0} ms, first paint {:.0} ms, first screen with data {:.0} ms (logged {:.0} ms after spawn)",
            start.opened_ms.map_or("?".into(), |ms| format!("{ms:.0}")),
            start.navigation_ms,
            start.first_paint_ms,
            start.first_screen_ms,
            start.logged_ms,
        );
        starts.push(start);
    }
    println!(
        "median of {runs}: first paint {:.0} ms, first screen with data {:.0} ms after launch",
        median(starts.iter().map(|s| s.first_paint_ms).collect()),
        median(starts.iter().map(|s| s.first_screen_ms).collect()),
    );
    Ok(())
}
