//! `POST /api/v2/analytics/conversations/activity/query`: waiting and interacting
//! conversations per queue (and media type, when grouped by it), with their entities.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use genesys::models::{metric, ConversationActivityQuery};

use super::super::body::Checked;
use super::super::error::ApiResult;
use super::super::params::Params;
use super::super::state::{iso, SandboxState};
use super::super::traffic::QueueTraffic;
use super::{epoch_ms, filter_matches, require_metrics};

pub async fn conversation_activity(
    State(state): State<SandboxState>,
    params: Params,
    Checked(query): Checked<ConversationActivityQuery>,
) -> ApiResult<Json<Value>> {
    require_metrics(&query.metrics)?;
    let page_size = params.number("pageSize", 100, 1000)? as usize;
    let page_number = params.number("pageNumber", 1, u32::MAX)? as usize;
    let by_media = query.group_by.iter().any(|d| d == "mediaType");
    let org = state.org();
    let mut results = Vec::new();
    for queue in &org.traffic.queues {
        let media: Vec<&str> = queue
            .media_types()
            .into_iter()
            .filter(|media_type| {
                let lookup = |dimension: &str| match dimension {
                    "queueId" => Some(queue.queue_id.clone()),
                    "mediaType" => Some(media_type.to_string()),
                    _ => None,
                };
                query
                    .filter
                    .as_ref()
                    .is_none_or(|filter| filter_matches(filter, &lookup))
            })
            .collect();
        let groups: Vec<Vec<&str>> = if by_media {
            media.iter().map(|m| vec![*m]).collect()
        } else if media.is_empty() {
            Vec::new()
        } else {
            vec![media.clone()]
        };
        for group_media in groups {
            results.push(activity_group(
                queue,
                &group_media,
                by_media,
                &query,
                (page_number, page_size),
            ));
        }
    }
    Ok(Json(
        json!({"results": results, "entityIdDimension": "conversationId"}),
    ))
}

/// One activity group: a queue, or a queue and one media type.
fn activity_group(
    queue: &QueueTraffic,
    media: &[&str],
    by_media: bool,
    query: &ConversationActivityQuery,
    (page_number, page_size): (usize, usize),
) -> Value {
    let mut data = Vec::new();
    let mut entities = Vec::new();
    for spec in &query.metrics {
        let rows: Vec<(DateTime<Utc>, &str, &str)> = match spec.metric.as_str() {
            metric::WAITING | metric::LONGEST_WAITING => queue
                .waiting
                .iter()
                .filter(|c| media.contains(&c.media_type.as_str()))
                .map(|c| (c.arrived, c.conversation_id.as_str(), c.media_type.as_str()))
                .collect(),
            metric::INTERACTING | metric::LONGEST_INTERACTING => queue
                .active
                .iter()
                .filter(|c| media.contains(&c.media_type.as_str()))
                .map(|c| {
                    (
                        c.answered,
                        c.conversation_id.as_str(),
                        c.media_type.as_str(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        let item = if spec.metric.starts_with("oLongest") {
            json!({"metric": spec.metric, "calculatedMetricValue": rows.iter().map(|(at, _, _)| epoch_ms(*at)).min()})
        } else {
            json!({"metric": spec.metric, "count": rows.len()})
        };
        data.push(item);
        if spec.details == Some(true) {
            entities.extend(rows.iter().map(|(at, id, media_type)| {
                json!({"activityDate": iso(*at), "metric": spec.metric, "conversationId": id,
                       "queueId": queue.queue_id, "mediaType": media_type})
            }));
        }
    }
    let total = entities.len();
    let page: Vec<Value> = entities
        .into_iter()
        .skip((page_number - 1) * page_size)
        .take(page_size)
        .collect();
    let mut group = json!({"queueId": queue.queue_id});
    if by_media {
        group["mediaType"] = json!(media.first());
    }
    json!({"group": group, "data": data, "truncated": total > page_number * page_size, "entities": page})
}
