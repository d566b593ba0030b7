//! The window: the only module that imports tauri. It starts the embedded Sandbox, opens
//! the [`Workspace`] on the last profile and exposes it through thin commands.

mod commands;
mod error;
mod files;
pub mod payload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use tauri::{Emitter, Manager, Runtime};

use crate::application::profiles::{SecretStore, APP_IDENTIFIER};
use crate::sandbox::{
    check_control_token, parse_clock_start, DetachedSandbox, SandboxOptions, CLOCK_VARIABLE,
    CONTROL_TOKEN_VARIABLE,
};
use crate::workspace::{EventSink, Locations, Workspace, WorkspaceEvent};

pub use error::CommandError;
pub use files::FilePicker;

/// The event the window listens to for background work (monitor cycles, fallback).
pub const WORKSPACE_EVENT: &str = "workspace";

/// Sent when closing would interrupt operations or live watches: the window asks, then
/// calls `quit` or carries on.
pub const CLOSE_REQUESTED_EVENT: &str = "close-requested";

/// How long quitting waits for cancelled operations and watch cycles to end.
pub const QUIT_BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// Where the app keeps things and how it picks files; the real app reads them from the
/// environment, tests pass their own.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub locations: Option<Locations>,
    pub keychain_service: String,
    pub files: FilePicker,
    /// The embedded Sandbox's control token; random per run unless
    /// `WEBMSG_DESK_SANDBOX_CONTROL_TOKEN` names one (to drive its faults from outside).
    pub sandbox_control_token: Option<String>,
    /// The simulated instant the embedded Sandbox starts at (`WEBMSG_DESK_SANDBOX_CLOCK`),
    /// to see the org at a given hour; now unless set.
    pub sandbox_clock_start: Option<chrono::DateTime<chrono::Utc>>,
}

impl AppOptions {
    /// The user's directories and keychain. In debug builds `WEBMSG_DESK_FILE_DIR`
    /// replaces the native file dialogs with a folder, because automated UI tests cannot
    /// click in them.
    pub fn from_env() -> AppOptions {
        AppOptions {
            locations: None,
            keychain_service: APP_IDENTIFIER.into(),
            files: match std::env::var_os("WEBMSG_DESK_FILE_DIR") {
                // A release build always asks through the native dialogs: a variable set
                // by anyone must not pick where exports go or what is imported.
                Some(dir) if cfg!(debug_assertions) && !dir.is_empty() => {
                    FilePicker::Directory(PathBuf::from(dir))
                }
                _ => FilePicker::Native,
            },
            sandbox_control_token: std::env::var(CONTROL_TOKEN_VARIABLE)
                .ok()
                .and_then(|token| match check_control_token(&token) {
                    Ok(()) => Some(token),
                    Err(problem) => {
                        tracing::warn!("{CONTROL_TOKEN_VARIABLE} ignored: {problem}");
                        None
                    }
                }),
            sandbox_clock_start: std::env::var(CLOCK_VARIABLE)
                .ok()
                .filter(|text| !text.is_empty())
                .and_then(|text| match parse_clock_start(&text) {
                    Ok(start) => Some(start),
                    Err(problem) => {
                        tracing::warn!("{CLOCK_VARIABLE} ignored: {problem}");
                        None
                    }
                }),
        }
    }
}

/// What the commands share.
pub struct AppState {
    pub workspace: Workspace,
    pub files: FilePicker,
    /// Set once quitting began: a second close request then goes through.
    pub quitting: std::sync::atomic::AtomicBool,
    /// Kept alive for the app's lifetime; dropping it stops the server.
    _sandbox: Mutex<Option<DetachedSandbox>>,
}

/// Stops everything in order (see [`Workspace::shut_down`]) and ends the app.
pub async fn quit<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.state::<AppState>();
    state
        .quitting
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let report = state.workspace.shut_down(QUIT_BOUND).await;
    tracing::info!(
        cancelled = report.cancelled_operations,
        unfinished = ?report.unfinished_operations,
        watches_to_resume = report.watches_to_resume,
        waited_ms = report.waited_ms,
        "quitting"
    );
    app.exit(0);
}

/// Closing the window never cuts work off: with operations or live watches running the
/// window asks first; otherwise the app stops in order and exits.
fn on_close_requested<R: Runtime>(window: &tauri::Window<R>, api: &tauri::CloseRequestApi) {
    let Some(state) = window.try_state::<AppState>() else {
        return;
    };
    if state.quitting.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    api.prevent_close();
    ask_or_quit(window.app_handle(), window, &state);
}

/// With operations or live watches running, the window is asked; otherwise quit.
fn ask_or_quit<R: Runtime>(app: &tauri::AppHandle<R>, window: &impl Emitter<R>, state: &AppState) {
    let work = state.workspace.running_work();
    if work.needs_confirmation() {
        match window.emit(CLOSE_REQUESTED_EVENT, payload::RunningWork::from(work)) {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(%error, "could not ask the window about quitting; quitting")
            }
        }
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move { quit(&app).await });
}

fn event_sink<R: Runtime>(app: tauri::AppHandle<R>) -> EventSink {
    std::sync::Arc::new(move |event: WorkspaceEvent| {
        if let WorkspaceEvent::RouteSwitched {
            channel,
            to,
            reason,
            ..
        } = &event
        {
            notify(
                &app,
                &format!("{channel}: switched to the {to:?} route"),
                reason,
            );
        }
        if let WorkspaceEvent::CanaryRound {
            channel,
            passed,
            total,
            failures,
            ..
        } = &event
        {
            if passed < total {
                notify(
                    &app,
                    &format!("{channel}: canary failed ({passed} of {total} passed)"),
                    &failures.join(", "),
                );
            }
        }
        let Some(event) = payload::WorkspaceEvent::for_window(event) else {
            return;
        };
        if let Err(error) = app.emit(WORKSPACE_EVENT, event) {
            tracing::warn!(%error, "could not send an event to the window");
        }
    })
}

/// An OS notification, when the notification plugin is there (not under the mock runtime).
fn notify<R: Runtime>(app: &tauri::AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    if app
        .try_state::<tauri_plugin_notification::Notification<R>>()
        .is_none()
    {
        return;
    }
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, "could not show a notification");
    }
}

/// The Sandbox and the workspace, opened on their own thread while the window and web view
/// are made. Opening them on the main thread in `setup` held the web process's first
/// navigation back by about half a second, waiting on the blocked main loop.
fn open_in_background(
    options: &AppOptions,
    events: EventSink,
) -> std::io::Result<std::thread::JoinHandle<Result<Opened, String>>> {
    let locations = options.locations.clone();
    let control_token = options.sandbox_control_token.clone();
    let clock_start = options.sandbox_clock_start;
    let keychain_service = options.keychain_service.clone();
    std::thread::Builder::new()
        .name("open-workspace".into())
        .spawn(move || {
            let started = std::time::Instant::now();
            let locations = match locations {
                Some(locations) => locations,
                None => Locations::for_user().map_err(|e| e.message)?,
            };
            let defaults = SandboxOptions::default();
            let sandbox_options = SandboxOptions {
                control_token: control_token.unwrap_or(defaults.control_token.clone()),
                clock_start,
                ..defaults
            };
            let sandbox = DetachedSandbox::start(sandbox_options, 0)
                .map_err(|e| format!("the embedded Sandbox could not start: {e}"))?;
            // Opening may spawn background work (watch resumption, monitors) on the app's
            // runtime, so it runs inside it.
            let workspace = tauri::async_runtime::block_on(async {
                Workspace::open(
                    &locations,
                    sandbox.base_url(),
                    SecretStore::new(keychain_service),
                    events,
                )
            })
            .map_err(|e| e.message)?;
            tracing::info!(
                base_url = %sandbox.base_url(),
                opened_ms = started.elapsed().as_millis(),
                "embedded Sandbox started"
            );
            Ok(Opened { sandbox, workspace })
        })
}

struct Opened {
    sandbox: DetachedSandbox,
    workspace: Workspace,
}

/// The opening thread, from the opener plugin's setup to the app's.
struct Opening(Mutex<Option<std::thread::JoinHandle<Result<Opened, String>>>>);

/// Starts opening the workspace when Tauri initialises its plugins: after the plugins
/// registered before it (the single-instance check ends a second launch there, before it
/// touches the running instance's files) and before the window is made.
fn opener<R: Runtime>(options: AppOptions) -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("workspace-opener")
        .setup(move |app, _api| {
            let opening = open_in_background(&options, event_sink(app.clone()))?;
            app.manage(Opening(Mutex::new(Some(opening))));
            Ok(())
        })
        .build()
}

/// Builds the app on any runtime (the mock runtime in tests).
pub fn build<R: Runtime>(builder: tauri::Builder<R>, options: AppOptions) -> tauri::Builder<R> {
    let files = options.files.clone();
    builder
        .plugin(opener(options))
        .setup(move |app| {
            let waited = std::time::Instant::now();
            let opening = app
                .state::<Opening>()
                .0
                .lock()
                .map_err(|_| std::io::Error::other("the workspace opener was poisoned"))?
                .take()
                .ok_or_else(|| std::io::Error::other("the workspace was opened twice"))?;
            let Opened { sandbox, workspace } = opening
                .join()
                .map_err(|_| std::io::Error::other("opening the workspace panicked"))?
                .map_err(std::io::Error::other)?;
            tracing::info!(
                setup_waited_ms = waited.elapsed().as_millis(),
                "workspace ready"
            );
            if let Some(window) = app.get_webview_window("main") {
                tune_web_view(&window);
            }
            app.manage(AppState {
                workspace,
                files,
                quitting: Default::default(),
                _sandbox: Mutex::new(Some(sandbox)),
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                on_close_requested(window, api);
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::profiles_view,
            commands::activate_profile,
            commands::save_profile,
            commands::remove_profile,
            commands::test_connection,
            commands::load_channels,
            commands::editor_options,
            commands::check_channel,
            commands::channel_detail,
            commands::create_channel,
            commands::save_draft,
            commands::publish_preview,
            commands::publish_channel,
            commands::rollback_channel,
            commands::delete_channel,
            commands::cancel_operation,
            commands::running_work,
            commands::resume_watches,
            commands::resume_watch,
            commands::quit,
            commands::window_shown,
            commands::fallback_view,
            commands::start_fallback,
            commands::stop_fallback,
            commands::monitor_view,
            commands::set_queue_thresholds,
            commands::export_monitor,
            commands::metrics_view,
            commands::export_channel,
            commands::choose_import,
            commands::import_channel,
            commands::plan_promotion,
            commands::promote,
            commands::diff_file,
            commands::test_drive,
            commands::choose_drive_file,
            commands::guest_leftovers,
            commands::live_view,
            commands::check_page,
            commands::start_canary,
            commands::stop_canary,
            commands::canary_view,
        ])
}

fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .targets([
            Target::new(TargetKind::Stderr),
            Target::new(TargetKind::LogDir { file_name: None }),
        ])
        .level(log::LevelFilter::Warn)
        .level_for("webmsg_desk", log::LevelFilter::Info)
        .max_file_size(5 * 1024 * 1024)
        .build()
}

/// A document-like app needs no page cache and little memory cache: WebKit's
/// `DocumentViewer` model is the one meant for it.
fn tune_web_view<R: Runtime>(window: &tauri::WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    if let Err(error) = window.with_webview(|webview| {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        if let Some(context) = webview.inner().context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        // Forms, tables and one chart image: nothing here gains from GPU compositing,
        // and leaving compositing mode drops the web process's layer buffers.
        if let Some(settings) = WebViewExt::settings(&webview.inner()) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    }) {
        tracing::warn!(%error, "could not tune the web view");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

static LAUNCHED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

/// When the window's run started (or now, if it has not), in epoch milliseconds.
fn launched_epoch_ms() -> f64 {
    LAUNCHED
        .get_or_init(std::time::SystemTime::now)
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64() * 1000.0)
}

/// SIGTERM (a session ending, a service manager, `kill`) or Ctrl-C in the terminal
/// quits as the window's Quit does once confirmed: operations cancelled with nothing
/// left half-made, watches recorded to resume, the database closed. Nobody is there to
/// answer a question, so none is asked. Only the real window listens: a test building
/// the app keeps the signals' default meaning.
fn quit_on_stop_signal<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        crate::application::stop_signal().await;
        tracing::info!("stop signal received: quitting in order");
        if app.try_state::<AppState>().is_some() {
            quit(&app).await;
        } else {
            app.exit(0);
        }
    });
}

/// Opens the window and runs until it closes.
pub fn run() -> ExitCode {
    launched_epoch_ms();
    // No tracing subscriber here: tracing's `log` feature hands every event to the log
    // plugin, which writes stderr and a rotating file in the app's log directory.
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second launch brings the running window forward instead of a second app.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(log_plugin())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init());
    let app = match build(builder, AppOptions::from_env()).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("error: the window could not start: {error}");
            return ExitCode::from(1);
        }
    };
    quit_on_stop_signal(app.handle().clone());
    app.run(|app, event| {
        // Quit from the app menu (⌘Q on macOS) asks like the close button; the exit that
        // `quit` itself asks for carries a code and goes through.
        if let tauri::RunEvent::ExitRequested {
            api, code: None, ..
        } = &event
        {
            if let Some(window) = app.get_webview_window("main") {
                let state = app.state::<AppState>();
                if !state.quitting.load(std::sync::atomic::Ordering::SeqCst) {
                    api.prevent_exit();
                    ask_or_quit(app, &window, &state);
                }
            }
        }
    });
    ExitCode::SUCCESS
}
