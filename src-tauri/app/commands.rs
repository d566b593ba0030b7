//! Tauri commands: each takes the state, calls one workspace method, and converts its
//! result to the window's own [`payload`] types and the error to a [`CommandError`].
//! Long operations stream progress over a Tauri channel and take an operation id the
//! window can cancel.

use std::path::PathBuf;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use super::payload::{
    Canary, ChannelDetail, ChannelForm, ChosenFile, ConnectionTest, EditorOptions, ExportedChannel,
    FallbackPanel, Live, Metrics, Monitor, OpenSynthetic, Overview, Profiles, Progress,
    PromotionPlan, ResumedWatch, RunningWork,
};
use super::{AppState, CommandError};
use crate::application::channels::{
    ChannelInput, CheckReport, Confirmation, CreatedChannel, DeletedChannel, Difference,
    ImportReport, PublishOutcome, VersionDiffs,
};
use crate::application::connection::OpenMode;
use crate::application::monitoring::{Directives, ExportFormat, Theme};
use crate::application::ErrorCode;
use crate::workspace::{ImportPlan, ProfileForm, Workspace};

type Result<T> = std::result::Result<T, CommandError>;

fn reporter(
    channel: Channel<Progress>,
) -> impl Fn(crate::application::channels::Progress) + Send + Sync {
    move |progress| {
        if let Err(error) = channel.send(Progress::from(progress)) {
            tracing::warn!(%error, "the window stopped listening to progress");
        }
    }
}

/// A file written by a command, for the window to name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenFile {
    pub path: String,
    pub bytes: u64,
}

/// A file name without characters the file systems refuse, of a length they take.
fn file_stem(name: &str) -> String {
    crate::application::channels::file_slug(name, "channel")
}

#[tauri::command]
pub fn profiles_view(state: State<'_, AppState>) -> Result<Profiles> {
    Ok(state.workspace.profiles_view()?.into())
}

#[tauri::command]
pub async fn activate_profile(
    state: State<'_, AppState>,
    name: String,
    read_only: Option<bool>,
) -> Result<Profiles> {
    // Picked without a say (the profile picker): the way it was last opened.
    let mode = match read_only {
        None => return Ok(state.workspace.activate(&name)?.into()),
        Some(true) => OpenMode::ReadOnly,
        Some(false) => OpenMode::ReadWrite,
    };
    Ok(state.workspace.activate_as(&name, mode)?.into())
}

#[tauri::command]
pub async fn save_profile(state: State<'_, AppState>, form: ProfileForm) -> Result<Profiles> {
    Ok(state.workspace.save_profile(form)?.into())
}

#[tauri::command]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> Result<Profiles> {
    Ok(state.workspace.remove_profile(&name)?.into())
}

#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<ConnectionTest> {
    Ok(state
        .workspace
        .test_connection(name.as_deref())
        .await?
        .into())
}

#[tauri::command]
pub async fn load_channels(state: State<'_, AppState>) -> Result<Overview> {
    Ok(state.workspace.channels().await?.into())
}

#[tauri::command]
pub async fn editor_options(state: State<'_, AppState>) -> Result<EditorOptions> {
    Ok(state.workspace.editor_options().await?.into())
}

#[tauri::command]
pub fn check_channel(input: ChannelForm) -> CheckReport {
    Workspace::check_channel(&ChannelInput::from(input))
}

#[tauri::command]
pub async fn channel_detail(
    state: State<'_, AppState>,
    deployment_id: String,
) -> Result<ChannelDetail> {
    Ok(state.workspace.channel_detail(&deployment_id).await?.into())
}

#[tauri::command]
pub async fn create_channel(
    state: State<'_, AppState>,
    input: ChannelForm,
    confirmation: Option<String>,
    operation: String,
    on_progress: Channel<Progress>,
) -> Result<CreatedChannel> {
    let report = reporter(on_progress);
    let input = ChannelInput::from(input);
    let confirmation = Confirmation::typed(confirmation);
    Ok(Box::pin(
        state
            .workspace
            .create_channel(&input, confirmation, &operation, &report),
    )
    .await?)
}

#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    deployment_id: String,
    input: ChannelForm,
) -> Result<VersionDiffs> {
    let input = ChannelInput::from(input);
    Ok(state.workspace.save_draft(&deployment_id, &input).await?)
}

#[tauri::command]
pub async fn publish_preview(
    state: State<'_, AppState>,
    deployment_id: String,
) -> Result<VersionDiffs> {
    Ok(state.workspace.publish_preview(&deployment_id).await?)
}

#[tauri::command]
pub async fn publish_channel(
    state: State<'_, AppState>,
    deployment_id: String,
    input: Option<ChannelForm>,
    confirmation: Option<String>,
    operation: String,
    on_progress: Channel<Progress>,
) -> Result<PublishOutcome> {
    let report = reporter(on_progress);
    let input = input.map(ChannelInput::from);
    Ok(Box::pin(state.workspace.publish(
        &deployment_id,
        input.as_ref(),
        Confirmation::typed(confirmation),
        &operation,
        &report,
    ))
    .await?)
}

#[tauri::command]
pub async fn rollback_channel(
    state: State<'_, AppState>,
    deployment_id: String,
    version: String,
    confirmation: Option<String>,
    operation: String,
    on_progress: Channel<Progress>,
) -> Result<PublishOutcome> {
    let report = reporter(on_progress);
    Ok(Box::pin(state.workspace.rollback(
        &deployment_id,
        &version,
        Confirmation::typed(confirmation),
        &operation,
        &report,
    ))
    .await?)
}

#[tauri::command]
pub async fn delete_channel(
    state: State<'_, AppState>,
    deployment_id: String,
    confirmation: Option<String>,
) -> Result<DeletedChannel> {
    Ok(state
        .workspace
        .delete_channel(&deployment_id, Confirmation::typed(confirmation))
        .await?)
}

#[tauri::command]
pub fn cancel_operation(state: State<'_, AppState>, operation: String) -> bool {
    state.workspace.cancel_operation(&operation)
}

/// What quitting now would interrupt.
#[tauri::command]
pub fn running_work(state: State<'_, AppState>) -> RunningWork {
    state.workspace.running_work().into()
}

/// Starts the fallback watches that were running when the open profile was last left;
/// the window calls it once it listens, after start and after switching profiles.
#[tauri::command]
pub async fn resume_watches(state: State<'_, AppState>) -> Result<Vec<ResumedWatch>> {
    let resumed = state.workspace.resume_watches().await;
    Ok(resumed
        .into_iter()
        .filter_map(ResumedWatch::from_event)
        .collect())
}

#[tauri::command]
pub async fn resume_watch(
    state: State<'_, AppState>,
    deployment_id: String,
    confirmation: Option<String>,
) -> Result<()> {
    Ok(state
        .workspace
        .resume_watch(&deployment_id, Confirmation::typed(confirmation))
        .await?)
}

/// When the page started, painted and showed its first screen with data, in epoch
/// milliseconds as the page measured them.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageTimings {
    pub navigation_start: f64,
    pub first_paint: f64,
    pub first_screen: f64,
}

/// Logs how long the window took from launch to its first screen with data, so a slow
/// start shows in the log (and the start benchmark reads it there).
#[tauri::command]
pub fn window_shown(timings: PageTimings) {
    let since_launch = |epoch_ms: f64| (epoch_ms - super::launched_epoch_ms()).round() as i64;
    tracing::info!(
        launched_epoch_ms = super::launched_epoch_ms().round() as i64,
        navigation_ms = since_launch(timings.navigation_start),
        first_paint_ms = since_launch(timings.first_paint),
        first_screen_ms = since_launch(timings.first_screen),
        "window shown"
    );
}

/// Cancels what runs, waits for it (bounded), keeps watches to resume, and exits.
#[tauri::command]
pub async fn quit<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    super::quit(&app).await;
    Ok(())
}

#[tauri::command]
pub async fn fallback_view(
    state: State<'_, AppState>,
    deployment_id: String,
) -> Result<FallbackPanel> {
    Ok(state.workspace.fallback_view(&deployment_id).await?.into())
}

#[tauri::command]
pub async fn start_fallback(
    state: State<'_, AppState>,
    deployment_id: String,
    setup: crate::workspace::FallbackSetup,
) -> Result<FallbackPanel> {
    state
        .workspace
        .start_fallback(&deployment_id, setup)
        .await?;
    Ok(state.workspace.fallback_view(&deployment_id).await?.into())
}

#[tauri::command]
pub async fn stop_fallback(
    state: State<'_, AppState>,
    deployment_id: String,
) -> Result<FallbackPanel> {
    state.workspace.stop_fallback(&deployment_id);
    Ok(state.workspace.fallback_view(&deployment_id).await?.into())
}

/// Runs blocking work (SQLite, chart drawing) on a blocking thread, off the main thread
/// where synchronous commands would run.
async fn off_main_thread<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    work: impl FnOnce(&Workspace) -> crate::workspace::Result<T> + Send + 'static,
) -> Result<T> {
    tauri::async_runtime::spawn_blocking(move || {
        use tauri::Manager;
        work(&app.state::<AppState>().workspace)
    })
    .await
    .map_err(|error| CommandError {
        code: ErrorCode::Internal,
        message: format!("the operation stopped unexpectedly: {error}"),
    })?
    .map_err(CommandError::from)
}

#[tauri::command]
pub async fn monitor_view<R: Runtime>(
    app: AppHandle<R>,
    queue_id: Option<String>,
    range_minutes: u32,
    dark: Option<bool>,
) -> Result<Monitor> {
    let theme = if dark == Some(true) {
        Theme::Dark
    } else {
        Theme::Light
    };
    off_main_thread(app, move |workspace| {
        workspace.monitor_view_in(queue_id.as_deref(), range_minutes, theme)
    })
    .await
    .map(Monitor::from)
}

#[tauri::command]
pub async fn set_queue_thresholds(
    state: State<'_, AppState>,
    queue_id: String,
    thresholds: Directives,
) -> Result<()> {
    Ok(state
        .workspace
        .set_queue_thresholds(&queue_id, thresholds)?)
}

#[tauri::command]
pub async fn export_monitor<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    queue_id: String,
    queue_name: String,
    range_minutes: u32,
    format: String,
) -> Result<Option<WrittenFile>> {
    let extension = ExportFormat::parse(&format)?.extension();
    let name = format!(
        "{}-wait-{range_minutes}min.{extension}",
        file_stem(&queue_name)
    );
    let Some(path) = state
        .files
        .save(&app, &name, (&extension.to_uppercase(), &[extension]))
        .await
    else {
        return Ok(None);
    };
    let bytes = state
        .workspace
        .export_monitor(&queue_id, range_minutes, &path)?;
    Ok(Some(WrittenFile {
        path: path.display().to_string(),
        bytes,
    }))
}

#[tauri::command]
pub async fn metrics_view(
    state: State<'_, AppState>,
    deployment_id: Option<String>,
    since: String,
) -> Result<Metrics> {
    Ok(state
        .workspace
        .metrics(deployment_id.as_deref(), &since)
        .await?
        .into())
}

#[tauri::command]
pub async fn export_channel<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    deployment_id: String,
    name: String,
) -> Result<Option<ExportedChannel>> {
    let suggested = format!("{}.channel.json", file_stem(&name));
    let Some(path) = state
        .files
        .save(&app, &suggested, ("Channel export", &["json"]))
        .await
    else {
        return Ok(None);
    };
    Ok(Some(
        state
            .workspace
            .export_channel(&deployment_id, &path)
            .await?
            .into(),
    ))
}

#[tauri::command]
pub async fn choose_import<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<ImportPlan>> {
    let Some(path) = state.files.open(&app, ("Channel export", &["json"])).await else {
        return Ok(None);
    };
    Ok(Some(state.workspace.plan_import(&path).await?))
}

#[tauri::command]
pub async fn import_channel(
    state: State<'_, AppState>,
    path: PathBuf,
    confirmation: Option<String>,
    operation: String,
    on_progress: Channel<Progress>,
) -> Result<ImportReport> {
    let report = reporter(on_progress);
    let confirmation = Confirmation::typed(confirmation);
    Ok(Box::pin(
        state
            .workspace
            .import_channel(&path, confirmation, &operation, &report),
    )
    .await?)
}

#[tauri::command]
pub async fn plan_promotion(
    state: State<'_, AppState>,
    form: crate::workspace::PromotionForm,
) -> Result<PromotionPlan> {
    Ok(Box::pin(state.workspace.plan_promotion(&form))
        .await?
        .into())
}

#[tauri::command]
pub async fn promote(
    state: State<'_, AppState>,
    confirmation: Option<String>,
    operation: String,
    on_progress: Channel<Progress>,
) -> Result<crate::application::promotion::PromotionReport> {
    let report = reporter(on_progress);
    let confirmation = Confirmation::typed(confirmation);
    Ok(Box::pin(state.workspace.promote(confirmation, &operation, &report)).await?)
}

#[tauri::command]
pub async fn diff_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    deployment_id: String,
) -> Result<Option<(String, Vec<Difference>)>> {
    let Some(path) = state.files.open(&app, ("Channel export", &["json"])).await else {
        return Ok(None);
    };
    let differences = state.workspace.diff_file(&path, &deployment_id).await?;
    Ok(Some((path.display().to_string(), differences)))
}

#[tauri::command]
pub async fn test_drive(
    state: State<'_, AppState>,
    setup: crate::workspace::TestDriveSetup,
    operation: String,
    on_line: Channel<crate::application::visitor::Line>,
) -> Result<crate::application::visitor::DriveReport> {
    let forward = move |line: &crate::application::visitor::Line| {
        if let Err(error) = on_line.send(line.clone()) {
            tracing::warn!(%error, "the window stopped listening to the test drive");
        }
    };
    Ok(state
        .workspace
        .test_drive(setup, &operation, &forward)
        .await?)
}

/// A file for the test drive to send, chosen in the native dialog.
#[tauri::command]
pub async fn choose_drive_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<ChosenFile>> {
    let Some(path) = state.files.open(&app, ("Any file", &["*"])).await else {
        return Ok(None);
    };
    Ok(Some(state.workspace.choose_drive_file(path).await?.into()))
}

#[tauri::command]
pub async fn guest_leftovers(state: State<'_, AppState>, end: bool) -> Result<OpenSynthetic> {
    Ok(state.workspace.guest_leftovers(end).await?.into())
}

#[tauri::command]
pub async fn live_view(state: State<'_, AppState>, deployment_id: String) -> Result<Live> {
    Ok(state.workspace.live_view(&deployment_id).await?.into())
}

#[tauri::command]
pub async fn check_page(
    state: State<'_, AppState>,
    deployment_id: String,
    url: String,
) -> Result<crate::application::visitor::PageCheck> {
    Ok(state.workspace.check_page(&deployment_id, &url).await?)
}

#[tauri::command]
pub async fn start_canary(
    state: State<'_, AppState>,
    deployment_id: String,
    file: PathBuf,
    every_minutes: u32,
    confirmation: Option<String>,
    dark: bool,
) -> Result<Canary> {
    state
        .workspace
        .start_canary(
            &deployment_id,
            &file,
            every_minutes,
            Confirmation::typed(confirmation),
        )
        .await?;
    Ok(state.workspace.canary_view(&deployment_id, dark)?.into())
}

#[tauri::command]
pub fn stop_canary(
    state: State<'_, AppState>,
    deployment_id: String,
    dark: bool,
) -> Result<Canary> {
    state.workspace.stop_canary(&deployment_id);
    Ok(state.workspace.canary_view(&deployment_id, dark)?.into())
}

#[tauri::command]
pub fn canary_view(
    state: State<'_, AppState>,
    deployment_id: String,
    dark: bool,
) -> Result<Canary> {
    Ok(state.workspace.canary_view(&deployment_id, dark)?.into())
}
