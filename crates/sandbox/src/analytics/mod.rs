//! `/api/v2/analytics/...`, answered from the traffic simulation: live observations and
//! activity from the queues' current state, details and aggregates from the record of
//! finished (and ongoing) conversations. One file per endpoint; what they share (filter
//! matching, intervals, the conversation record and its dimensions) is here.

mod activity;
mod aggregates;
mod details;
mod observations;

use chrono::{DateTime, Utc};

use genesys::models::{AnalyticsFilter, AnalyticsPredicate};

use super::error::ApiError;
use super::state::Org;
use super::traffic::{CompletedConversation, MESSAGE};

pub(super) use super::body::parse_interval;
pub use activity::conversation_activity;
pub use aggregates::conversation_aggregates;
pub use details::conversation_details;
pub use observations::{observation_events, queue_observations};

fn predicate_matches(
    predicate: &AnalyticsPredicate,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> bool {
    let Some(dimension) = predicate.dimension.as_deref() else {
        // Metric and property predicates are not simulated; they do not narrow.
        return true;
    };
    let found = lookup(dimension);
    match predicate.operator.as_deref().unwrap_or("matches") {
        "exists" => found.is_some(),
        "notExists" => found.is_none(),
        _ => found.as_deref() == predicate.value.as_deref(),
    }
}

pub(super) fn filter_matches(
    filter: &AnalyticsFilter,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> bool {
    let mut results = filter
        .predicates
        .iter()
        .flatten()
        .map(|p| predicate_matches(p, lookup))
        .collect::<Vec<_>>();
    for clause in filter.clauses.iter().flatten() {
        let inner = clause
            .predicates
            .iter()
            .map(|p| predicate_matches(p, lookup));
        results.push(if clause.clause_type == "or" {
            inner.clone().any(|x| x)
        } else {
            inner.clone().all(|x| x)
        });
    }
    if results.is_empty() {
        return true;
    }
    if filter.filter_type == "or" {
        results.iter().any(|x| *x)
    } else {
        results.iter().all(|x| *x)
    }
}

/// Every analytics query names at least one metric; the real API refuses an empty list.
pub(super) fn require_metrics<T>(metrics: &[T]) -> Result<(), ApiError> {
    if metrics.is_empty() {
        return Err(ApiError::invalid_field(
            "constraint.validation",
            "metrics",
            "metrics may not be empty",
        ));
    }
    Ok(())
}

pub(super) fn epoch_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Where a simulated customer writes or calls from, by media type.
pub(super) fn address_from(media_type: &str) -> &'static str {
    match media_type {
        "voice" => "tel:+15555550100",
        "email" => "customer@example.com",
        _ => "webmessaging-guest",
    }
}

/// Every conversation the org has seen: finished, in progress and waiting.
pub(super) fn all_conversations(org: &Org) -> Vec<CompletedConversation> {
    let mut conversations: Vec<CompletedConversation> =
        org.traffic.completed.iter().cloned().collect();
    for queue in &org.traffic.queues {
        for c in &queue.waiting {
            conversations.push(CompletedConversation {
                conversation_id: c.conversation_id.clone(),
                media_type: c.media_type.clone(),
                session_id: c.session_id.clone(),
                queue_id: queue.queue_id.clone(),
                flow_id: queue.flow_id.clone(),
                customer_name: c.customer_name.clone(),
                arrived: c.arrived,
                answered: None,
                ended: DateTime::<Utc>::MAX_UTC,
                agent_user_id: None,
            });
        }
        for c in &queue.active {
            conversations.push(CompletedConversation {
                conversation_id: c.conversation_id.clone(),
                media_type: c.media_type.clone(),
                session_id: c.session_id.clone(),
                queue_id: queue.queue_id.clone(),
                flow_id: queue.flow_id.clone(),
                customer_name: c.customer_name.clone(),
                arrived: c.arrived,
                answered: Some(c.answered),
                ended: DateTime::<Utc>::MAX_UTC,
                agent_user_id: Some(c.agent_user_id.clone()),
            });
        }
    }
    conversations
}

pub(super) fn dimension_of(
    conversation: &CompletedConversation,
    dimension: &str,
) -> Option<String> {
    match dimension {
        "queueId" => Some(conversation.queue_id.clone()),
        // The queue's inbound message flow routed only its web messages.
        "flowId" => conversation
            .flow_id
            .clone()
            .filter(|_| conversation.media_type == MESSAGE),
        "mediaType" => Some(conversation.media_type.clone()),
        "messageType" => (conversation.media_type == MESSAGE).then(|| "webmessaging".into()),
        "direction" | "originatingDirection" => Some("inbound".into()),
        "conversationId" => Some(conversation.conversation_id.clone()),
        "conversationEnd" => (conversation.ended != DateTime::<Utc>::MAX_UTC)
            .then(|| super::state::iso(conversation.ended)),
        "userId" => conversation.agent_user_id.clone(),
        "purpose" => Some("acd".into()),
        "segmentType" => Some("interact".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_combine_predicates_and_clauses() {
        let filter: AnalyticsFilter = serde_json::from_value(json!({
            "type": "and",
            "predicates": [{"dimension": "mediaType", "value": "message"}],
            "clauses": [{"type": "or", "predicates": [{"dimension": "queueId", "value": "a"}, {"dimension": "queueId", "value": "b"}]}]
        }))
        .unwrap();
        let lookup = |queue: &'static str| {
            move |d: &str| match d {
                "queueId" => Some(queue.to_string()),
                "mediaType" => Some("message".to_string()),
                _ => None,
            }
        };
        assert!(filter_matches(&filter, &lookup("b")));
        assert!(!filter_matches(&filter, &lookup("c")));
    }
}
