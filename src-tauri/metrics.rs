//! Engagement metrics of web messaging (analytics), channel uptime (from the statuses the
//! app recorded) and the change history (audit API merged with the local action log).

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use crate::channel::ChannelError;
use crate::genesys::models::{
    AnalyticsConversation, AnalyticsFilter, AnalyticsPredicate, AuditLogMessage, AuditQueryRequest,
    AuditQuerySort, ConversationAggregationQuery, ConversationQuery, StatisticalSummary,
    WEB_DEPLOYMENTS_SERVICE, WEB_MESSAGING_MEDIA,
};
use crate::genesys::Client;
use crate::store::Store;

/// A half-open time range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    /// The last `span` up to `end`.
    pub fn last(span: Duration, end: DateTime<Utc>) -> Period {
        Period {
            start: end - chrono::Duration::from_std(span).unwrap_or_default(),
            end,
        }
    }

    /// Whether `at` falls in the period as the APIs see it: the interval they are sent
    /// carries milliseconds, so a conversation that started in the period's first
    /// sub-millisecond is theirs too.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start.trunc_subsecs(3) <= at && at < self.end.trunc_subsecs(3)
    }

    /// `start/end`, as the analytics and audit APIs take it.
    pub fn interval(&self) -> String {
        format!(
            "{}/{}",
            crate::store::timestamp(self.start),
            crate::store::timestamp(self.end)
        )
    }
}

/// Parses `30m`, `24h`, `7d`, `2w`.
pub fn parse_span(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; use e.g. 30m, 24h, 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("`{text}` has an unknown unit; use s, m, h, d or w")),
    };
    if number == 0 {
        return Err(format!("`{text}` is empty; give a positive duration"));
    }
    // Past a year no history or window is kept, and the product could overflow.
    match number.checked_mul(seconds) {
        Some(total) if total <= 366 * 86_400 => Ok(Duration::from_secs(total)),
        _ => Err(format!("`{text}` is too long; give at most 366d")),
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementMetrics {
    pub interval: String,
    pub offered: i64,
    pub answered: i64,
    pub abandoned: i64,
    pub average_wait_seconds: Option<f64>,
    pub average_handle_seconds: Option<f64>,
    pub service_level: Option<f64>,
    /// Conversations that started in the period, from the details query (all pages read).
    pub conversations: usize,
    pub requests: u64,
}

/// What engagement is narrowed to. Conversation aggregates have no `flowId` dimension
/// (a real org answers 400), so a channel known only by its inbound flow is measured from
/// the conversation details, whose segment filters do have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every web-messaging conversation of the org.
    Org,
    Queue(&'a str),
    Flow(&'a str),
}

fn web_messaging_predicates(scope: Scope<'_>) -> Vec<AnalyticsPredicate> {
    let mut predicates = vec![
        AnalyticsPredicate::dimension("mediaType", WEB_MESSAGING_MEDIA),
        AnalyticsPredicate::dimension("messageType", "webmessaging"),
    ];
    match scope {
        Scope::Org => {}
        Scope::Queue(queue_id) => {
            predicates.push(AnalyticsPredicate::dimension("queueId", queue_id))
        }
        Scope::Flow(flow_id) => predicates.push(AnalyticsPredicate::dimension("flowId", flow_id)),
    }
    predicates
}

/// Sums and counts of the metrics engagement reports.
#[derive(Debug, Default)]
struct Tally {
    offered: i64,
    answered: i64,
    abandoned: i64,
    wait: (f64, i64),
    handle: (f64, i64),
    service_level: Option<(f64, f64)>,
}

impl Tally {
    fn add(&mut self, metric: &str, stats: &StatisticalSummary) {
        let count = stats.count.unwrap_or(0);
        match metric {
            "nOffered" => self.offered += count,
            // Genesys' Answered: an agent took the conversation from the queue.
            // `nConnected` is not agent-specific and would count every conversation.
            "tAnswered" => self.answered += count,
            "tAbandon" => self.abandoned += count,
            "tAcd" => {
                self.wait.0 += stats.sum.unwrap_or(0.0);
                self.wait.1 += count;
            }
            "tHandle" => {
                self.handle.0 += stats.sum.unwrap_or(0.0);
                self.handle.1 += count;
            }
            "oServiceLevel" => {
                let (n, d) = (
                    stats.numerator.unwrap_or(0.0),
                    stats.denominator.unwrap_or(0.0),
                );
                self.service_level =
                    Some(self.service_level.map_or((n, d), |(a, b)| (a + n, b + d)));
            }
            _ => {}
        }
    }

    /// A details session metric counts as one observation of its value.
    fn add_value(&mut self, metric: &str, value: i64) {
        let stats = StatisticalSummary {
            count: Some(1),
            sum: Some(value as f64),
            ..Default::default()
        };
        self.add(metric, &stats);
    }
}

const ENGAGEMENT_METRICS: [&str; 6] = [
    "nOffered",
    "tAnswered",
    "tAbandon",
    "tAcd",
    "tHandle",
    "oServiceLevel",
];

/// Offered, answered, abandoned, average wait and handle time of web messaging over a
/// period, for the org, a queue (conversation aggregates) or an inbound flow (details).
pub async fn engagement(
    client: &Client,
    period: Period,
    scope: Scope<'_>,
) -> Result<EngagementMetrics, ChannelError> {
    let before = client.api_requests();
    let filter = AnalyticsFilter::all_of(web_messaging_predicates(scope));
    let mut tally = Tally::default();
    if !matches!(scope, Scope::Flow(_)) {
        let aggregates = client
            .analytics()
            .conversation_aggregates(&ConversationAggregationQuery {
                interval: period.interval(),
                filter: Some(filter.clone()),
                metrics: ENGAGEMENT_METRICS.map(String::from).to_vec(),
                ..Default::default()
            })
            .await?;
        for data in aggregates
            .results
            .iter()
            .flatten()
            .flat_map(|r| r.data.iter())
        {
            for metric in &data.metrics {
                tally.add(&metric.metric, &metric.stats);
            }
        }
    }
    let query = ConversationQuery {
        interval: period.interval(),
        order: Some("desc".into()),
        segment_filters: Some(vec![filter]),
        ..Default::default()
    };
    // The details query matches every conversation that started on a day the interval
    // touches, so the ones outside the period are dropped here.
    let conversations: Vec<AnalyticsConversation> = client
        .analytics()
        .conversation_details_all(&query, 100)
        .await?
        .into_iter()
        .filter(|conversation| {
            conversation
                .conversation_start
                .as_deref()
                .and_then(|start| DateTime::parse_from_rfc3339(start).ok())
                .is_some_and(|start| period.contains(start.with_timezone(&Utc)))
        })
        .collect();
    if matches!(scope, Scope::Flow(_)) {
        for metric in conversations
            .iter()
            .flat_map(|c| c.participants.iter().flatten())
            .flat_map(|p| p.sessions.iter().flatten())
            .flat_map(|session| session.metrics.iter().flatten())
        {
            if let (Some(name), Some(value)) = (&metric.name, metric.value) {
                tally.add_value(name, value);
            }
        }
    }
    let average = |(sum, count): (f64, i64)| {
        (count > 0).then(|| (sum / count as f64 / 1000.0 * 10.0).round() / 10.0)
    };
    Ok(EngagementMetrics {
        interval: period.interval(),
        offered: tally.offered,
        answered: tally.answered,
        abandoned: tally.abandoned,
        average_wait_seconds: average(tally.wait),
        average_handle_seconds: average(tally.handle),
        service_level: tally
            .service_level
            .and_then(|(n, d)| (d > 0.0).then(|| n / d)),
        conversations: conversations.len(),
        requests: client.api_requests() - before,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uptime {
    pub period: Period,
    /// Share of the period the deployment was Active, 0 to 100.
    pub active_percent: f64,
    /// Stretches that were not Active (`Unknown` where nothing was recorded).
    pub gaps: Vec<Gap>,
}

/// Uptime from status changes (oldest first; the first may predate the period).
pub fn uptime(changes: &[(DateTime<Utc>, String)], period: Period) -> Uptime {
    let mut gaps: Vec<Gap> = Vec::new();
    let mut active = chrono::Duration::zero();
    let mut cursor = period.start;
    let mut current = "Unknown".to_string();
    let mut points: Vec<(DateTime<Utc>, String)> = changes.to_vec();
    points.push((period.end, String::new()));
    for (at, status) in points {
        // A period that ends before it starts (clocks disagreeing) has no time in it.
        let at = at.clamp(period.start, period.end.max(period.start));
        if at > cursor {
            if current == "Active" {
                active += at - cursor;
            } else {
                match gaps.last_mut() {
                    Some(gap) if gap.end == cursor && gap.status == current => gap.end = at,
                    _ => gaps.push(Gap {
                        start: cursor,
                        end: at,
                        status: current.clone(),
                    }),
                }
            }
            cursor = at;
        }
        if !status.is_empty() {
            current = status;
        }
    }
    let total = (period.end - period.start).num_milliseconds().max(1) as f64;
    Uptime {
        period,
        active_percent: (active.num_milliseconds() as f64 / total * 10_000.0).round() / 100.0,
        gaps,
    }
}

/// One line of the change history.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: String,
    /// `genesys` (audit API) or `local` (this app's log).
    pub source: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub entity_name: Option<String>,
    pub who: Option<String>,
    pub details: serde_json::Value,
}

/// Engagement over a period and, for a channel, its uptime. Engagement is narrowed to
/// `queue_id`, else to the channel's recorded primary queue, else to its inbound flow
/// (a channel made outside the app has no recorded queue);
/// with neither a channel nor a queue it covers the org's whole Web Messaging.
pub async fn channel_metrics(
    client: &Client,
    store: &Store,
    deployment_id: Option<&str>,
    queue_id: Option<String>,
    period: Period,
) -> Result<(EngagementMetrics, Option<Uptime>), ChannelError> {
    let (queue_id, flow_id, uptime) = match deployment_id {
        Some(deployment) => {
            let found = client.deployments().get(deployment).await?;
            if let Some(status) = &found.status {
                store.record_status(deployment, client.now(), status.as_str())?;
            }
            let recorded = store.routing(deployment)?.unwrap_or_default();
            let changes = store.status_changes(deployment, period.start)?;
            (
                queue_id.or(recorded.primary_queue_id),
                found.flow.and_then(|f| f.id),
                Some(uptime(&changes, period)),
            )
        }
        None => (queue_id, None, None),
    };
    let scope = match (queue_id.as_deref(), flow_id.as_deref()) {
        (Some(queue_id), _) => Scope::Queue(queue_id),
        (None, Some(flow_id)) => Scope::Flow(flow_id),
        (None, None) => Scope::Org,
    };
    let engagement = engagement(client, period, scope).await?;
    Ok((engagement, uptime))
}

/// The change timeline of the last `span`, for one channel (its deployment and
/// configuration) or for every web deployment.
pub async fn channel_timeline(
    client: &Client,
    store: &Store,
    deployment_id: Option<&str>,
    span: Duration,
) -> Result<Vec<TimelineEntry>, ChannelError> {
    let now = client.now();
    // Entries dated slightly ahead (a deployment settling) belong in the timeline too.
    let period = Period {
        start: now - chrono::Duration::from_std(span).unwrap_or_default(),
        end: now + chrono::Duration::hours(1),
    };
    let mut ids = Vec::new();
    if let Some(deployment) = deployment_id {
        ids.push(deployment.to_string());
        if let Ok(found) = client.deployments().get(deployment).await {
            ids.extend(found.configuration.and_then(|c| c.id));
        }
    }
    audit_timeline(client, store, &ids, period).await
}

/// The user's name where Genesys gives it, else the ids it does give: `client` is an
/// entity reference without a name.
fn who_did(entry: &AuditLogMessage) -> Option<String> {
    let user = entry.user.as_ref();
    if let Some(name) = user
        .and_then(|u| u.name.as_deref())
        .filter(|n| !n.is_empty())
    {
        return Some(name.to_string());
    }
    let client = entry
        .client
        .as_ref()
        .and_then(|c| c.id.as_deref())
        .filter(|id| !id.is_empty());
    let user_id = user
        .and_then(|u| u.id.as_deref())
        .filter(|id| !id.is_empty());
    match (client, user_id) {
        (Some(client), _) => Some(format!("OAuth client {client}")),
        (None, Some(user_id)) => Some(format!("user {user_id}")),
        (None, None) => None,
    }
}

/// The audit API's web deployment entries merged with the local log, oldest first.
pub async fn audit_timeline(
    client: &Client,
    store: &Store,
    entity_ids: &[String],
    period: Period,
) -> Result<Vec<TimelineEntry>, ChannelError> {
    let query = AuditQueryRequest {
        interval: period.interval(),
        service_name: Some(WEB_DEPLOYMENTS_SERVICE.into()),
        sort: Some(vec![AuditQuerySort {
            name: "Timestamp".into(),
            sort_order: "ascending".into(),
        }]),
        ..Default::default()
    };
    let remote = client
        .audits()
        .query_all(&query, Duration::from_secs(1), Duration::from_secs(120))
        .await?;
    let mut entries: Vec<TimelineEntry> = remote
        .into_iter()
        .filter(|entry| entity_ids.is_empty() || entry.entity.as_ref().and_then(|e| e.id.as_ref()).is_some_and(|id| entity_ids.contains(id)))
        .map(|entry| TimelineEntry {
            at: entry.event_date.clone().unwrap_or_default(),
            source: "genesys".into(),
            action: entry.action.clone().unwrap_or_default(),
            entity_type: entry.entity_type.clone().unwrap_or_default(),
            entity_id: entry.entity.as_ref().and_then(|e| e.id.clone()).unwrap_or_default(),
            entity_name: entry.entity.as_ref().and_then(|e| e.name.clone()),
            who: who_did(&entry),
            details: serde_json::json!({"status": entry.status, "changes": entry.property_changes, "message": entry.message.and_then(|m| m.message)}),
        })
        .collect();
    for action in store.actions(entity_ids, period.start)? {
        entries.push(TimelineEntry {
            at: action.at,
            source: "local".into(),
            action: action.action,
            entity_type: action.entity_type,
            entity_id: action.entity_id,
            entity_name: action.entity_name,
            who: Some(format!("Web Messaging Desk ({})", action.profile)),
            details: action.details,
        });
    }
    entries.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.source.cmp(&b.source)));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn a_period_holds_what_its_millisecond_interval_holds() {
        let micros = |n: i64| at(0) + chrono::Duration::microseconds(n);
        let period = Period {
            start: micros(1_400),
            end: micros(9_700),
        };
        assert_eq!(
            period.interval(),
            "1970-01-01T00:00:00.001Z/1970-01-01T00:00:00.009Z"
        );
        assert!(period.contains(micros(1_000)), "sent as .001, so it is in");
        assert!(period.contains(micros(8_999)));
        assert!(!period.contains(micros(9_000)), "the end is excluded");
        assert!(!period.contains(micros(999)));
    }

    #[test]
    fn uptime_counts_active_time_and_lists_the_gaps() {
        let period = Period {
            start: at(0),
            end: at(100),
        };
        let changes = vec![
            (at(-10), "Active".to_string()),
            (at(40), "Error".to_string()),
            (at(50), "Pending".to_string()),
            (at(55), "Active".to_string()),
        ];
        let result = uptime(&changes, period);
        assert_eq!(result.active_percent, 85.0);
        assert_eq!(
            result.gaps,
            [
                Gap {
                    start: at(40),
                    end: at(50),
                    status: "Error".into()
                },
                Gap {
                    start: at(50),
                    end: at(55),
                    status: "Pending".into()
                }
            ]
        );
    }

    #[test]
    fn uptime_without_history_is_unknown_not_down() {
        let period = Period {
            start: at(0),
            end: at(60),
        };
        let result = uptime(&[(at(30), "Active".to_string())], period);
        assert_eq!(result.active_percent, 50.0);
        assert_eq!(result.gaps[0].status, "Unknown");
    }

    #[test]
    fn spans_parse_with_units() {
        assert_eq!(parse_span("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_span("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_span("0h").is_err());
        assert!(parse_span("soon").is_err());
        assert!(parse_span("5y").unwrap_err().contains("unit"));
        assert!(parse_span("9999999999999999999w")
            .unwrap_err()
            .contains("too long"));
        assert!(parse_span("400d").unwrap_err().contains("too long"));
    }
}
