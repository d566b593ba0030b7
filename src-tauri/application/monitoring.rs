//! Queue monitor use cases: the queues to watch, a poller over them, the recorded
//! history, and charts or CSV of it.

use std::path::Path;
use std::time::Duration;

use crate::channel;
use crate::chart;
use crate::monitor::history;

pub use crate::chart::{ChartOptions, Theme};
pub use crate::monitor::audit_log::{AuditLog, DEFAULT_MAX_BYTES};
pub use crate::monitor::callbacks::{CallbackSettings, Callbacks};
pub use crate::monitor::poller::{CycleReport, Poller, PollerSettings, WatchedQueue};
pub use crate::monitor::{Directives, Flags, QueueSample, DEFAULT_SMOOTHING};

use crate::monitor::schedule::MIN_INTERVAL;
use crate::monitor::DirectiveError;

use super::{AppError, ErrorCode, Field, Result, Session};

/// Queues by name or id, each watched with `directives`.
pub async fn resolve_queues(
    session: &Session,
    names: &[String],
    directives: Directives,
) -> Result<Vec<WatchedQueue>> {
    check_directives(&directives)?;
    let mut queues = Vec::with_capacity(names.len());
    for name in names {
        let queue = channel::resolve_queue(&session.client, name).await?;
        queues.push(WatchedQueue {
            id: queue.id.unwrap_or_default(),
            name: queue.name.unwrap_or_default(),
            directives,
        });
    }
    Ok(queues)
}

/// One queue's id and name, by name or id.
pub async fn resolve_queue(session: &Session, name_or_id: &str) -> Result<(String, String)> {
    let queue = channel::resolve_queue(&session.client, name_or_id).await?;
    Ok((queue.id.unwrap_or_default(), queue.name.unwrap_or_default()))
}

/// Thresholds a queue can meet, the failing one named.
pub fn check_directives(directives: &Directives) -> Result<()> {
    directives.check().map_err(|error| {
        AppError::invalid(error.to_string()).on(match error {
            DirectiveError::MaxDepth => Field::MaxDepth,
            DirectiveError::MaxWait => Field::MaxWait,
        })
    })
}

/// How often the window's own monitor polls: the Sandbox answers at once; a real org is
/// asked less often, leaving its rate budget to the admin's other tools.
pub fn window_interval(session: &Session) -> Duration {
    if session.client.environment().is_sandbox() {
        MIN_INTERVAL
    } else {
        Duration::from_secs(10)
    }
}

/// A poller over `queues`, recording into the session's history.
pub fn poller(
    session: &Session,
    queues: Vec<WatchedQueue>,
    settings: PollerSettings,
    callbacks: Callbacks,
    audit: Option<AuditLog>,
) -> Result<Poller> {
    super::check_interval(settings.interval)?;
    for queue in &queues {
        check_directives(&queue.directives)?;
    }
    Poller::new(
        session.client.clone(),
        session.store.clone(),
        queues,
        settings,
        callbacks,
        audit,
    )
    .map_err(AppError::invalid)
}

/// A span of recorded history: `[from_ms, to_ms)`, optionally bucketed (peaks kept).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
    pub resolution: Option<Duration>,
}

impl Window {
    /// The last `span` up to `now` (the org's clock: samples are stamped by it).
    pub fn last(
        span: Duration,
        resolution: Option<Duration>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Window {
        let now = now.timestamp_millis();
        Window {
            from_ms: now - span.as_millis() as i64,
            // The org's clock is known to the second (its `Date`), and another process
            // may have stamped the latest sample up to that much ahead of this one.
            to_ms: now + 2_000,
            resolution,
        }
    }
}

pub fn history(session: &Session, queue_id: &str, window: Window) -> Result<Vec<QueueSample>> {
    Ok(history::range(
        &session.store,
        queue_id,
        window.from_ms,
        window.to_ms,
        window.resolution,
    )?)
}

pub fn history_csv(samples: &[QueueSample]) -> Result<String> {
    history::to_csv(samples).map_err(AppError::file)
}

/// The wait-time chart as SVG text.
pub fn chart_svg(samples: &[QueueSample], options: &ChartOptions) -> Result<String> {
    chart::render_svg(samples, options).map_err(|e| AppError::new(ErrorCode::Chart, e.to_string()))
}

/// What a history export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Png,
    Svg,
    Csv,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Result<ExportFormat> {
        match text {
            "png" => Ok(ExportFormat::Png),
            "svg" => Ok(ExportFormat::Svg),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(AppError::invalid(format!(
                "export as png, svg or csv, not `{other}`"
            ))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Png => "png",
            ExportFormat::Svg => "svg",
            ExportFormat::Csv => "csv",
        }
    }
}

/// Writes samples as `.csv`, or the chart as `.svg` or `.png`, by the file's extension,
/// atomically; returns the bytes written.
pub fn export_history(path: &Path, samples: &[QueueSample], options: &ChartOptions) -> Result<u64> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if extension.as_deref() == Some("csv") {
        let text = history_csv(samples)?;
        crate::transfer::write_atomically(path, text.as_bytes()).map_err(AppError::file)?;
    } else {
        chart::write_chart(path, samples, options)
            .map_err(|e| AppError::new(ErrorCode::Chart, e.to_string()))?;
    }
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}
