//! The window's memory against Chromium showing the same `ui/`: proportional set size
//! (PSS, so shared pages are counted once) of each process tree, per process, after
//! 10 s and after a longer idle, and the ratio of the two.
//!
//! Then the floor: an empty Tauri window (this binary with `--empty-window`: no
//! commands, no Sandbox, no workspace) on the same `ui/` with the same web view settings,
//! measured the same way, and the same window on a blank page (`--blank`), so the ratios
//! show what the app adds, what its page adds and what the engine costs whatever the app
//! does.
//!
//! Needs a display and Debian's Chromium (`scripts/setup.sh --bench` installs it):
//! `scripts/headless.sh cargo bench --bench window_memory -- [--idle 600]`

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{argument, Stopped};

/// Every process whose parent chain reaches `root`, with `root` itself.
fn tree(root: u32) -> Vec<u32> {
    let mut parents = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command may hold spaces and parentheses: fields start after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        if let Some(parent) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.insert(pid, parent);
        }
    }
    let mut members = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, parent) in &parents {
            if members.contains(parent) && !members.contains(pid) {
                members.push(*pid);
                grew = true;
            }
        }
    }
    members
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("Pss:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|text| text.trim().to_string())
        .unwrap_or_default()
}

/// PSS per process name (summed over processes of one name) and in all, in MiB.
fn measure(root: u32) -> (BTreeMap<String, f64>, f64) {
    let mut by_name = BTreeMap::new();
    let mut total = 0.0;
    for pid in tree(root) {
        let mib = pss_kib(pid) as f64 / 1024.0;
        *by_name.entry(name(pid)).or_insert(0.0) += mib;
        total += mib;
    }
    (by_name, total)
}

fn report(label: &str, root: u32) -> f64 {
    let (by_name, total) = measure(root);
    println!("  {label}: {total:.0} MiB PSS");
    for (name, mib) in by_name.iter().filter(|(_, mib)| **mib >= 1.0) {
        println!("    {name:<24} {mib:>6.1} MiB");
    }
    total
}

/// The web view settings the app applies (`app::tune_web_view`), on an otherwise empty app.
fn run_empty_window(blank: bool) -> anyhow::Result<()> {
    tauri::Builder::default()
        .setup(move |app| {
            use tauri::Manager;
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                window.with_webview(|webview| {
                    use webkit2gtk::{
                        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt,
                        WebViewExt,
                    };
                    if let Some(context) = webview.inner().context() {
                        context.set_cache_model(CacheModel::DocumentViewer);
                    }
                    if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                        settings
                            .set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                    }
                })?;
            }
            if blank {
                if let Some(window) = app.get_webview_window("main") {
                    window.navigate("about:blank".parse()?)?;
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}

fn start(program: &Path, args: &[&str], scratch: &Path) -> anyhow::Result<Stopped> {
    Ok(Stopped(
        Command::new(program)
            .args(args)
            .env("XDG_CONFIG_HOME", scratch.join("config"))
            .env("XDG_DATA_HOME", scratch.join("data"))
            .env("XDG_CACHE_HOME", scratch.join("cache"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    ))
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|arg| arg == "--empty-window") {
        return run_empty_window(std::env::args().any(|arg| arg == "--blank"));
    }
    anyhow::ensure!(
        std::env::var_os("DISPLAY").is_some(),
        "no display: run under scripts/headless.sh"
    );
    let idle = argument("--idle", 600);
    let scratch = tempfile::tempdir()?;
    let app = start(
        Path::new(env!("CARGO_BIN_EXE_webmsg-desk")),
        &[],
        &scratch.path().join("app"),
    )?;
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/index.html");
    let chromium = Stopped(
        Command::new("chromium")
            .arg(format!("--app=file://{}", ui.display()))
            .arg(format!(
                "--user-data-dir={}",
                scratch.path().join("chromium").display()
            ))
            .args([
                "--no-sandbox",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--window-size=1280,860",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| {
                anyhow::anyhow!(
                    "chromium could not start ({error}); scripts/setup.sh --bench installs it"
                )
            })?,
    );
    let mut at_10_s = (0.0, 0.0);
    for (at, label) in [(10, "after 10 s"), (idle, "after the idle")] {
        let waited = if at == 10 { 10 } else { at.saturating_sub(10) };
        std::thread::sleep(Duration::from_secs(waited));
        println!("{label} ({at} s):");
        let window = report("Web Messaging Desk", app.0.id());
        let browser = report("Chromium --app, same ui/", chromium.0.id());
        println!("  ratio: {:.2}", window / browser);
        if at == 10 {
            at_10_s = (window, window / browser);
        }
        if idle <= 10 {
            break;
        }
    }
    // One WebKit app at a time: two would share library pages and halve each other's PSS.
    drop(app);
    for (args, label) in [
        (
            &["--empty-window"][..],
            "empty Tauri window, same ui/ and settings",
        ),
        (
            &["--empty-window", "--blank"][..],
            "the same, on a blank page",
        ),
    ] {
        let empty = start(
            &std::env::current_exe()?,
            args,
            &scratch.path().join(args.len().to_string()),
        )?;
        std::thread::sleep(Duration::from_secs(10));
        println!("the floor, after 10 s:");
        let floor = report(label, empty.0.id());
        let browser = report("Chromium --app, same ui/", chromium.0.id());
        println!(
            "  ratio: {:.2} (the app: {:.2}); the app adds {:.0} MiB to it",
            floor / browser,
            at_10_s.1,
            at_10_s.0 - floor
        );
    }
    Ok(())
}
