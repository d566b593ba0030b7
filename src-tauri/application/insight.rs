//! Metrics and change history use cases.

use std::time::Duration;

use serde::Serialize;

use crate::channel;
use crate::metrics::{self, Period};

pub use crate::metrics::{EngagementMetrics, TimelineEntry, Uptime};

use super::{AppError, Result, Session};

/// What to measure: a channel, a queue (by name or id), or the whole org, over `since`.
#[derive(Debug, Clone, Default)]
pub struct MetricsRequest {
    pub deployment_id: Option<String>,
    pub queue: Option<String>,
    /// `30m`, `24h`, `7d`, `2w`.
    pub since: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsReport {
    pub engagement: EngagementMetrics,
    pub uptime: Option<Uptime>,
}

pub use crate::metrics::parse_span;

fn span(since: &str) -> Result<Duration> {
    metrics::parse_span(since).map_err(AppError::invalid)
}

/// Engagement over the period and, for a channel, its uptime.
pub async fn metrics(session: &Session, request: &MetricsRequest) -> Result<MetricsReport> {
    let period = Period::last(span(&request.since)?, session.client.now());
    let queue_id = match &request.queue {
        Some(queue) => channel::resolve_queue(&session.client, queue).await?.id,
        None => None,
    };
    let (engagement, uptime) = metrics::channel_metrics(
        &session.client,
        &session.store,
        request.deployment_id.as_deref(),
        queue_id,
        period,
    )
    .await?;
    Ok(MetricsReport { engagement, uptime })
}

/// The audit API's entries merged with this app's log, oldest first.
pub async fn history(
    session: &Session,
    deployment_id: Option<&str>,
    since: &str,
) -> Result<Vec<TimelineEntry>> {
    Ok(
        metrics::channel_timeline(&session.client, &session.store, deployment_id, span(since)?)
            .await?,
    )
}

/// What the window's metrics screen shows: engagement, uptime and the history, newest
/// first.
#[derive(Debug, Clone)]
pub struct MetricsView {
    pub engagement: EngagementMetrics,
    pub uptime: Option<Uptime>,
    pub timeline: Vec<TimelineEntry>,
}

pub async fn metrics_view(
    session: &Session,
    deployment_id: Option<&str>,
    since: &str,
) -> Result<MetricsView> {
    let request = MetricsRequest {
        deployment_id: deployment_id.map(str::to_string),
        queue: None,
        since: since.to_string(),
    };
    let report = metrics(session, &request).await?;
    let mut timeline = history(session, deployment_id, since).await?;
    timeline.reverse();
    Ok(MetricsView {
        engagement: report.engagement,
        uptime: report.uptime,
        timeline,
    })
}
