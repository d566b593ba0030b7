//! The queue monitor of the open profile: a background poller over the org's queues
//! (one observations request per cycle for all of them), and the dashboard's view of it
//! read back from the history database.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use tokio_util::sync::CancellationToken;

use crate::application::monitoring::{self, Window};
use crate::application::monitoring::{ChartOptions, Theme};
use crate::genesys::RateBudget;
use crate::monitor::callbacks::Callbacks;
use crate::monitor::poller::{PollerSettings, WatchedQueue};
use crate::monitor::{evaluate_flags, Directives, Flags, QueueSample};

use super::{lock, ProfileSession, Result, Workspace, WorkspaceEvent};
use crate::application::{AppError, ErrorCode};

/// The org's queues are many; the dashboard watches the first ones by name.
const MAX_WATCHED_QUEUES: usize = 50;

#[derive(Default)]
pub(super) struct MonitorState {
    queues: Vec<(String, String)>,
    latest: HashMap<String, QueueSample>,
    last_cycle_at: Option<String>,
    last_error: Option<String>,
    interval_ms: u64,
    cycles: u64,
    /// `push` or `poll`: how the last cycle got its observations.
    source: &'static str,
    running: Option<CancellationToken>,
}

#[derive(Debug, Clone)]
pub struct QueueStatus {
    pub id: String,
    pub name: String,
    pub latest: Option<QueueSample>,
    pub flags: Option<Flags>,
    pub thresholds: Directives,
}

#[derive(Debug, Clone)]
pub struct MonitorView {
    pub queues: Vec<QueueStatus>,
    pub selected: Option<String>,
    pub range_minutes: u32,
    pub samples_in_range: usize,
    /// The wait-time chart as an SVG data URL, shown in an `<img>` (no script can run).
    pub chart: Option<String>,
    /// Why there is no chart yet.
    pub chart_message: Option<String>,
    pub rate_budget: RateBudget,
    pub last_cycle_at: Option<String>,
    pub last_error: Option<String>,
    pub interval_seconds: f64,
    pub cycles: u64,
    /// `push` while a notification channel brings the observations, `poll` otherwise.
    pub source: &'static str,
}

/// Starts (or restarts) the poller of a session.
pub(super) fn start(workspace: &Workspace, session: &Arc<ProfileSession>) {
    let token = session.tasks.child_token();
    if let Some(previous) = lock(&session.monitor).running.replace(token.clone()) {
        previous.cancel();
    }
    let session = session.clone();
    let settings = workspace.settings.clone();
    let events = workspace.events.clone();
    tokio::spawn(async move {
        let queue_api = session.client.queues();
        let queues = tokio::select! {
            _ = token.cancelled() => return,
            listed = queue_api.list_all(None) => listed,
        };
        let queues = match queues {
            Ok(queues) => queues,
            Err(error) => {
                lock(&session.monitor).last_error =
                    Some(format!("could not list the queues to watch: {error}"));
                return;
            }
        };
        let thresholds = settings.load().unwrap_or_default();
        let watched: Vec<WatchedQueue> = queues
            .into_iter()
            .filter_map(|q| Some((q.id?, q.name.unwrap_or_default())))
            .take(MAX_WATCHED_QUEUES)
            .map(|(id, name)| WatchedQueue {
                directives: thresholds.thresholds(&id),
                id,
                name,
            })
            .collect();
        lock(&session.monitor).queues = watched
            .iter()
            .map(|q| (q.id.clone(), q.name.clone()))
            .collect();
        if watched.is_empty() {
            lock(&session.monitor).last_error = Some("this org has no queues to watch".into());
            return;
        }
        let poller_settings = PollerSettings {
            interval: monitoring::window_interval(&session.app),
            ..PollerSettings::default()
        };
        let mut poller = match monitoring::poller(
            &session.app,
            watched,
            poller_settings,
            Callbacks::none(),
            None,
        ) {
            Ok(poller) => poller,
            Err(error) => {
                lock(&session.monitor).last_error = Some(error.message);
                return;
            }
        };
        let profile = session.profile.clone();
        let on_report = |report: &crate::monitor::poller::CycleReport| {
            {
                let mut state = lock(&session.monitor);
                state.cycles += 1;
                state.last_cycle_at = Some(report.at.clone());
                state.last_error = report.error.clone();
                state.interval_ms = report.next_interval_ms;
                state.source = report.source;
                for sample in &report.samples {
                    state.latest.insert(sample.queue_id.clone(), sample.clone());
                }
            }
            events(WorkspaceEvent::MonitorCycle {
                profile: profile.clone(),
                ok: report.ok,
                error: report.error.clone(),
                samples: report.samples.clone(),
                rate_budget: session.client.rate_budget(),
            });
        };
        poller.run(&token, None, &on_report).await;
    });
}

fn window(range_minutes: u32, now: chrono::DateTime<chrono::Utc>) -> Window {
    let span = Duration::from_secs(u64::from(range_minutes.max(1)) * 60);
    // Keep at most ~720 points per series in the view; the chart downsamples further.
    Window::last(
        span,
        (span > Duration::from_secs(3600)).then(|| span / 720),
        now,
    )
}

fn chart_options(name: &str, thresholds: &Directives, theme: Theme) -> ChartOptions {
    ChartOptions {
        theme,
        width: 960,
        height: 380,
        title: format!("{name}: wait time"),
        max_wait_seconds: thresholds.max_wait_seconds,
        max_depth: thresholds.max_depth,
        ..ChartOptions::default()
    }
}

impl Workspace {
    pub fn monitor_view(&self, queue_id: Option<&str>, range_minutes: u32) -> Result<MonitorView> {
        self.monitor_view_in(queue_id, range_minutes, Theme::Light)
    }

    /// The dashboard with its chart drawn in the window's theme.
    pub fn monitor_view_in(
        &self,
        queue_id: Option<&str>,
        range_minutes: u32,
        theme: Theme,
    ) -> Result<MonitorView> {
        let session = self.session();
        let settings = self.settings.load().unwrap_or_default();
        let state = lock(&session.monitor);
        let queues: Vec<QueueStatus> = state
            .queues
            .iter()
            .map(|(id, name)| {
                let thresholds = settings.thresholds(id);
                let latest = state.latest.get(id).cloned();
                QueueStatus {
                    flags: latest.as_ref().map(|s| evaluate_flags(s, &thresholds)),
                    id: id.clone(),
                    name: name.clone(),
                    latest,
                    thresholds,
                }
            })
            .collect();
        let selected = queue_id
            .filter(|id| queues.iter().any(|q| q.id == *id))
            .map(str::to_string)
            .or_else(|| queues.first().map(|q| q.id.clone()));
        let mut view = MonitorView {
            queues,
            selected: selected.clone(),
            range_minutes,
            samples_in_range: 0,
            chart: None,
            chart_message: None,
            rate_budget: session.client.rate_budget(),
            last_cycle_at: state.last_cycle_at.clone(),
            last_error: state.last_error.clone(),
            interval_seconds: state.interval_ms as f64 / 1000.0,
            cycles: state.cycles,
            source: state.source,
        };
        drop(state);
        let Some(queue) = selected.and_then(|id| view.queues.iter().find(|q| q.id == id).cloned())
        else {
            view.chart_message = Some("Waiting for the queue list…".into());
            return Ok(view);
        };
        let samples = monitoring::history(
            &self.session().app,
            &queue.id,
            window(range_minutes, self.session().app.client.now()),
        )?;
        view.samples_in_range = samples.len();
        if samples.len() < 2 {
            view.chart_message = Some(format!(
                "Collecting samples for {}: the graph appears after the second poll.",
                queue.name
            ));
            return Ok(view);
        }
        let options = chart_options(&queue.name, &queue.thresholds, theme);
        let svg = monitoring::chart_svg(&samples, &options)?;
        view.chart = Some(format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        ));
        Ok(view)
    }

    /// Writes the selected range as `.png`, `.svg` or `.csv` (by extension), atomically.
    pub fn export_monitor(&self, queue_id: &str, range_minutes: u32, path: &Path) -> Result<u64> {
        let session = self.session();
        let name = lock(&session.monitor)
            .queues
            .iter()
            .find(|(id, _)| id == queue_id)
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| queue_id.to_string());
        let samples = monitoring::history(
            &session.app,
            queue_id,
            window(range_minutes, session.app.client.now()),
        )?;
        let thresholds = self
            .settings
            .load()
            .unwrap_or_default()
            .thresholds(queue_id);
        // Files are for pages and paper: the light theme.
        let options = chart_options(&name, &thresholds, Theme::Light);
        monitoring::export_history(path, &samples, &options)
    }

    /// Saves a queue's thresholds and restarts the poller so its alerts use them.
    pub fn set_queue_thresholds(&self, queue_id: &str, thresholds: Directives) -> Result<()> {
        monitoring::check_directives(&thresholds)?;
        self.settings
            .update(|s| {
                s.queue_thresholds.insert(queue_id.to_string(), thresholds);
            })
            .map_err(|reason| AppError::new(ErrorCode::File, reason))?;
        start(self, &self.session());
        Ok(())
    }
}
