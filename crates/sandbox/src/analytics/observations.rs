//! `POST /api/v2/analytics/queues/observations/query`: user metrics in a `{queueId}`
//! group, conversation metrics one group per `queueId` + `mediaType`, zero counts
//! included, as Genesys reports them.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use genesys::models::{metric, QueueObservationQuery};

use super::super::body::Checked;
use super::super::error::ApiResult;
use super::super::state::{iso, SandboxState};
use super::super::traffic::QueueTraffic;
use super::{address_from, epoch_ms, filter_matches, require_metrics};

const PRESENCE_AVAILABLE: &str = "6a3af858-942f-489d-9700-5f9bcdcdae9b";
const PRESENCE_ON_QUEUE: &str = "e08eaf1b-ee47-4fa9-a231-1200e284798f";

fn waiting_details(queue: &QueueTraffic, media_type: &str) -> Vec<Value> {
    queue
        .waiting_of(media_type)
        .map(|c| {
            json!({"observationDate": iso(c.arrived), "conversationId": c.conversation_id, "sessionId": c.session_id,
                   "participantName": c.customer_name, "direction": "inbound", "routingPriority": 0,
                   "addressFrom": address_from(media_type), "usedRouting": "Standard"})
        })
        .collect()
}

fn interacting_details(queue: &QueueTraffic, media_type: &str) -> Vec<Value> {
    let mut active: Vec<_> = queue.active_of(media_type).collect();
    active.sort_by_key(|c| c.answered);
    active
        .iter()
        .map(|c| {
            json!({"observationDate": iso(c.answered), "conversationId": c.conversation_id, "sessionId": c.session_id,
                   "userId": c.agent_user_id, "participantName": c.customer_name, "direction": "inbound",
                   "routingPriority": 0, "usedRouting": "Standard"})
        })
        .collect()
}

fn longest(details: Vec<Value>, first: Option<DateTime<Utc>>, with_details: bool) -> Value {
    match first {
        Some(at) => {
            let mut data = json!({"stats": {"count": 1, "calculatedMetricValue": epoch_ms(at)}});
            if with_details {
                data["observations"] = json!(details.into_iter().take(1).collect::<Vec<_>>());
            }
            data
        }
        None => json!({"stats": {"count": 0}}),
    }
}

fn with_metric(mut data: Value, name: &str, qualifier: Option<&str>) -> Value {
    data["metric"] = json!(name);
    if let Some(qualifier) = qualifier {
        data["qualifier"] = json!(qualifier);
    }
    data
}

/// Conversation metrics of one media type, zero counts included, as Genesys reports them.
fn conversation_metrics(
    queue: &QueueTraffic,
    media_type: &str,
    metrics: &[String],
    details: &[String],
) -> Vec<Value> {
    let wants_detail = |m: &str| details.iter().any(|d| d == m);
    let mut data = Vec::new();
    for name in metrics {
        let entry = match name.as_str() {
            metric::WAITING => {
                let mut entry = json!({"stats": {"count": queue.waiting_of(media_type).count()}});
                if wants_detail(name) {
                    entry["observations"] = json!(waiting_details(queue, media_type));
                    entry["truncated"] = json!(false);
                }
                entry
            }
            metric::INTERACTING => {
                let mut entry = json!({"stats": {"count": queue.active_of(media_type).count()}});
                if wants_detail(name) {
                    entry["observations"] = json!(interacting_details(queue, media_type));
                    entry["truncated"] = json!(false);
                }
                entry
            }
            metric::ALERTING => json!({"stats": {"count": 0}}),
            metric::LONGEST_WAITING => {
                let first = queue.waiting_of(media_type).next().map(|c| c.arrived);
                longest(waiting_details(queue, media_type), first, true)
            }
            metric::LONGEST_INTERACTING => {
                let first = queue.active_of(media_type).map(|c| c.answered).min();
                longest(interacting_details(queue, media_type), first, true)
            }
            _ => continue,
        };
        data.push(with_metric(entry, name, None));
    }
    data
}

/// User metrics: about agents, not conversations, so in the `{queueId}` group only.
fn user_metrics(queue: &QueueTraffic, metrics: &[String]) -> Vec<Value> {
    let count = |n: usize| json!({"stats": {"count": n}});
    let mut data = Vec::new();
    for name in metrics {
        let entries: Vec<(Value, Option<&str>)> = match name.as_str() {
            metric::ON_QUEUE_USERS => vec![
                (count(queue.on_queue_idle()), Some("IDLE")),
                (count(queue.on_queue_interacting()), Some("INTERACTING")),
            ],
            metric::USER_ROUTING_STATUSES => vec![
                (count(queue.on_queue_idle()), Some("IDLE")),
                (count(queue.on_queue_interacting()), Some("INTERACTING")),
                (count(queue.off_queue()), Some("OFF_QUEUE")),
            ],
            metric::OFF_QUEUE_USERS => vec![(count(queue.off_queue()), Some(PRESENCE_AVAILABLE))],
            metric::USER_PRESENCES => vec![
                (
                    count(queue.on_queue_idle() + queue.on_queue_interacting()),
                    Some(PRESENCE_ON_QUEUE),
                ),
                (count(queue.off_queue()), Some(PRESENCE_AVAILABLE)),
            ],
            metric::ACTIVE_USERS | metric::MEMBER_USERS => vec![(count(queue.agents.len()), None)],
            _ => Vec::new(),
        };
        data.extend(
            entries
                .into_iter()
                .map(|(entry, qualifier)| with_metric(entry, name, qualifier)),
        );
    }
    data
}

fn observation_results(
    queue: &QueueTraffic,
    query: &QueueObservationQuery,
    details: &[String],
) -> Vec<Value> {
    let mut results = Vec::new();
    let queue_only = |dimension: &str| (dimension == "queueId").then(|| queue.queue_id.clone());
    let user_data = user_metrics(queue, &query.metrics);
    if !user_data.is_empty() && filter_matches(&query.filter, &queue_only) {
        results.push(json!({"group": {"queueId": queue.queue_id}, "data": user_data}));
    }
    for media_type in queue.media_types() {
        let lookup = |dimension: &str| match dimension {
            "queueId" => Some(queue.queue_id.clone()),
            "mediaType" => Some(media_type.to_string()),
            _ => None,
        };
        if !filter_matches(&query.filter, &lookup) {
            continue;
        }
        let data = conversation_metrics(queue, media_type, &query.metrics, details);
        if !data.is_empty() {
            results.push(json!({"group": {"queueId": queue.queue_id, "mediaType": media_type}, "data": data}));
        }
    }
    results
}

/// The bodies of `v2.analytics.queues.{id}.observations` events for one queue: each
/// observation group, with its data under one interval, as the topic carries it.
pub fn observation_events(queue: &QueueTraffic, at: &str) -> Vec<Value> {
    let query = QueueObservationQuery {
        filter: genesys::models::AnalyticsFilter::any_of("queueId", [queue.queue_id.clone()]),
        metrics: [
            metric::WAITING,
            metric::INTERACTING,
            metric::ON_QUEUE_USERS,
            metric::LONGEST_WAITING,
        ]
        .iter()
        .map(|m| m.to_string())
        .collect(),
        ..Default::default()
    };
    observation_results(queue, &query, &[])
        .into_iter()
        .map(|result| {
            json!({
                "group": result["group"],
                "data": [{"interval": format!("{at}/{at}"), "metrics": result["data"]}],
            })
        })
        .collect()
}

pub async fn queue_observations(
    State(state): State<SandboxState>,
    Checked(query): Checked<QueueObservationQuery>,
) -> ApiResult<Json<Value>> {
    require_metrics(&query.metrics)?;
    let details = query.detail_metrics.clone().unwrap_or_default();
    let org = state.org();
    let mut results = Vec::new();
    for queue in &org.traffic.queues {
        results.extend(observation_results(queue, &query, &details));
    }
    Ok(Json(json!({
        "results": results,
        "systemToOrganizationMappings": {"AVAILABLE": [PRESENCE_AVAILABLE], "ON_QUEUE": [PRESENCE_ON_QUEUE]},
    })))
}
